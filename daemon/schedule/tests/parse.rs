//! Reading `[[schedule]]` entries: day sets, fields, and errors with line numbers.

use sonora_proto::types::Outcome;
use sonora_schedule::{DaySet, parse_entries, parse_entries_in};

#[test]
fn day_sets() {
    let set = |s: &str| s.parse::<DaySet>().map(|d| d.to_string());
    assert_eq!(set("daily").unwrap(), "daily");
    assert_eq!(set("Daily").unwrap(), "daily");
    assert_eq!(set("weekdays").unwrap(), "weekdays");
    assert_eq!(set("weekends").unwrap(), "weekends");
    assert_eq!(set("mon-fri").unwrap(), "weekdays");
    assert_eq!(set("sat,sun").unwrap(), "weekends");
    assert_eq!(set("sat, sun").unwrap(), "weekends");
    assert_eq!(set("mon,wed,fri").unwrap(), "mon,wed,fri");
    assert_eq!(set("Monday,Wednesday").unwrap(), "mon,wed");
    assert_eq!(set("mon-sun").unwrap(), "daily");
    assert_eq!(set("fri-mon").unwrap(), "mon,fri,sat,sun");
    assert_eq!(set("mon-wed,sat").unwrap(), "mon,tue,wed,sat");
    assert_eq!(set("tue").unwrap(), "tue");
    for bad in ["funday", "", "mon,", "mon-", "-fri", "mon--fri", "mo", "weekday s", "1-5"] {
        let e = bad.parse::<DaySet>().unwrap_err();
        assert!(e.to_string().starts_with(&format!("days '{bad}' is not a day set")), "{e}");
    }
    use jiff::civil::Weekday::*;
    let d: DaySet = "mon,wed,fri".parse().unwrap();
    assert!(d.contains(Monday) && d.contains(Wednesday) && d.contains(Friday));
    assert!(!d.contains(Tuesday) && !d.contains(Sunday));
    assert_eq!(d.days().collect::<Vec<_>>(), [Monday, Wednesday, Friday]);
}

#[test]
fn reads_the_documented_shape_among_other_config() {
    let text = r#"
volume = 0.6

[audio]
device = "default"

[[schedule]]
name = "wind-down"
at = "21:30"
days = "daily"
outcome = "sleep"
minutes = 40
checkin = true

[[schedule]]
name = "morning focus"
at = "9:05"
days = "mon-fri"
outcome = "focus"
"#;
    let (entries, errors) = parse_entries(text);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(entries.len(), 2);
    let e = &entries[0];
    assert_eq!(
        (e.name.as_str(), e.at_text(), e.days.to_string()),
        ("wind-down", "21:30".into(), "daily".into())
    );
    assert_eq!((e.outcome, e.minutes, e.checkin, e.line), (Outcome::Sleep, Some(40), true, 7));
    let e = &entries[1];
    assert_eq!(
        (e.at_text(), e.days, e.outcome, e.minutes, e.checkin),
        ("09:05".into(), DaySet::WEEKDAYS, Outcome::Focus, None, false)
    );
    // No schedule at all is fine.
    assert_eq!(parse_entries("volume = 1\n"), (vec![], vec![]));
    assert_eq!(parse_entries(""), (vec![], vec![]));
}

#[test]
fn bad_entries_are_reported_with_lines_and_skipped() {
    let text = r#"# line 1
[[schedule]]
name = "good"
at = "21:30"
outcome = "sleep"

[[schedule]]
name = "x"
at = "21:30"
days = "funday"
outcome = "calm"

[[schedule]]
name = "late"
at = "25:00"
outcome = "nap"
minutes = 0

[[schedule]]
at = "07:00"
outcome = "focus"

[[schedule]]
name = "good"
at = "08:00"
outcome = "focus"

[[schedule]]
name = "typo"
at = "08:00"
outcome = "focus"
minute = 30
checkin = "yes"

[[schedule]]
name = "also-good"
at = 06:45:00
days = ["sat", "sun"]
outcome = "calm"
"#;
    let (entries, errors) = parse_entries(text);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["good", "also-good"]);
    assert_eq!(entries[1].at_text(), "06:45");
    assert_eq!(entries[1].days, DaySet::WEEKENDS);
    let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let expect_prefixes = [
        "config.toml line 10: schedule entry 'x': days 'funday' is not a day set",
        "config.toml line 15: schedule entry 'late': at '25:00' is not a time of day",
        "config.toml line 16: schedule entry 'late': outcome 'nap' is not one of calm, focus or sleep",
        "config.toml line 17: schedule entry 'late': minutes 0 is out of range (1 to 720)",
        "config.toml line 19: schedule entry #4: name is missing",
        "config.toml line 24: schedule entry 'good': name 'good' is already used by the entry on line 2",
        "config.toml line 32: schedule entry 'typo': unknown field 'minute'",
        "config.toml line 33: schedule entry 'typo': checkin must be true or false, not string",
    ];
    assert_eq!(msgs.len(), expect_prefixes.len(), "{msgs:#?}");
    for (m, p) in msgs.iter().zip(expect_prefixes) {
        assert!(m.starts_with(p), "got  {m}\nwant {p}");
    }
    assert_eq!(errors[0].field.as_deref(), Some("days"));
    assert_eq!(errors[0].entry.as_deref(), Some("x"));
    assert_eq!(errors[0].line, 10);
}

#[test]
fn missing_fields_point_at_the_entry_header() {
    let text = "a = 1\n\n[[schedule]]\nname = \"n\"\n";
    let (entries, errors) = parse_entries_in("sonora.toml", text);
    assert!(entries.is_empty());
    let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        [
            "sonora.toml line 3: schedule entry 'n': at is missing (a time like \"21:30\")",
            "sonora.toml line 3: schedule entry 'n': outcome is missing (calm, focus or sleep)",
        ]
    );
}

#[test]
fn broken_toml_is_one_error_with_its_line() {
    let (entries, errors) = parse_entries("[[schedule]]\nname = \"a\"\nat = \n");
    assert!(entries.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3, "{}", errors[0]);
    assert!(errors[0].to_string().starts_with("config.toml line 3: schedule could not be read"));

    let (_, errors) = parse_entries("volume = 1\nschedule = 5\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2, "{}", errors[0]);
}

#[test]
fn times_must_be_24_hour_hh_mm() {
    let entry = |at: &str| {
        let (e, errs) =
            parse_entries(&format!("[[schedule]]\nname = \"a\"\nat = \"{at}\"\noutcome = \"calm\"\n"));
        (e.first().map(|e| e.at_text()), errs.len())
    };
    assert_eq!(entry("00:00"), (Some("00:00".into()), 0));
    assert_eq!(entry("23:59"), (Some("23:59".into()), 0));
    assert_eq!(entry(" 7:30 "), (Some("07:30".into()), 0));
    for bad in ["24:00", "12:60", "9pm", "21.30", "21:3", "123:00", "", "21:30:00", "-1:30"] {
        assert_eq!(entry(bad), (None, 1), "{bad}");
    }
}

#[test]
fn checkin_after_is_optional_and_must_be_a_boolean() {
    let (entries, errors) = parse_entries(
        "[[schedule]]\nname = \"wind-down\"\nat = \"21:30\"\ndays = \"daily\"\noutcome = \"calm\"\ncheckin_after = true\n\n\
         [[schedule]]\nname = \"plain\"\nat = \"08:00\"\ndays = \"daily\"\noutcome = \"focus\"\n",
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        entries.iter().map(|e| (e.name.as_str(), e.checkin_after)).collect::<Vec<_>>(),
        [("wind-down", true), ("plain", false)]
    );
    let (entries, errors) = parse_entries(
        "[[schedule]]\nname = \"typo\"\nat = \"21:30\"\ndays = \"daily\"\noutcome = \"calm\"\ncheckin_after = 1\n",
    );
    assert!(entries.is_empty());
    assert!(
        errors[0].to_string().contains("checkin_after must be true or false, not integer"),
        "{}",
        errors[0]
    );
}
