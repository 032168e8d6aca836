//! A simulated week on a manual clock, across daylight-saving changes in Europe/Berlin and
//! America/New_York, plus pause, skip, sleep/grace, reload and the overlap rule.

use sonora_proto::types::Outcome;
use sonora_schedule::{
    Clock, DEFAULT_GRACE, Fire, ManualClock, Scheduler, SignedDuration, TimeZone, Zoned, parse_entries,
    rfc3339_local, should_fire,
};
use std::collections::BTreeMap;
use std::sync::Arc;

const CONFIG: &str = r#"
[[schedule]]
name = "wind-down"
at = "21:30"
days = "daily"
outcome = "sleep"
minutes = 40
checkin = true

[[schedule]]
name = "focus"
at = "09:00"
days = "mon-fri"
outcome = "focus"
minutes = 25

[[schedule]]
name = "weekend"
at = "10:15"
days = "sat,sun"
outcome = "calm"

[[schedule]]
name = "night"
at = "02:30"
days = "daily"
outcome = "sleep"
"#;

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn at(s: &str, zone: &str) -> Zoned {
    s.parse::<jiff::civil::DateTime>().unwrap().to_zoned(tz(zone)).unwrap()
}

fn setup(config: &str, zone: &str, start: &str) -> (Scheduler, ManualClock) {
    let (entries, errors) = parse_entries(config);
    assert!(errors.is_empty(), "{errors:?}");
    let clock = ManualClock::new(at(start, zone));
    let s = Scheduler::with_clock(entries, tz(zone), Arc::new(clock.clone()));
    (s, clock)
}

/// Fires by entry name, as local RFC 3339 strings of the scheduled time.
type Log = BTreeMap<String, Vec<String>>;

/// Steps the clock by `step` until `until`, polling after each step, like a daemon that wakes often.
fn run_stepping(s: &mut Scheduler, clock: &ManualClock, until: &Zoned, step: SignedDuration) -> Log {
    let mut log = Log::new();
    while clock.now().timestamp() < until.timestamp() {
        let now = clock.advance(step);
        let fires = s.poll(&now);
        record(&mut log, &fires, &now, step);
    }
    log
}

/// Sleeps exactly until `next_wakeup` each time, like the real daemon.
fn run_wakeups(s: &mut Scheduler, clock: &ManualClock, until: &Zoned) -> Log {
    let mut log = Log::new();
    loop {
        let Some(wake) = s.next_wakeup(&clock.now()) else { break };
        if wake.timestamp() > until.timestamp() {
            break;
        }
        if wake.timestamp() > clock.now().timestamp() {
            clock.set(wake);
        }
        let now = clock.now();
        let fires = s.poll(&now);
        assert!(!fires.is_empty(), "woke at {now} for nothing");
        record(&mut log, &fires, &now, SignedDuration::from_nanos(1));
    }
    clock.set(until.clone());
    log
}

fn record(log: &mut Log, fires: &[Fire], now: &Zoned, step: SignedDuration) {
    let mut names: Vec<&str> = fires.iter().map(|f| f.entry.name.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), fires.len(), "an entry fired twice in one poll");
    for f in fires {
        let late = now.duration_since(&f.scheduled_for);
        assert!(late >= SignedDuration::ZERO && late < step, "{} fired {late:?} late", f.entry.name);
        log.entry(f.entry.name.clone()).or_default().push(rfc3339_local(&f.scheduled_for));
    }
}

fn expect(pairs: &[(&str, &[&str])]) -> Log {
    pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
}

fn berlin_spring_expected() -> Log {
    expect(&[
        (
            "focus",
            &[
                "2026-03-27T09:00:00+01:00", // Fri
                "2026-03-30T09:00:00+02:00", // Mon, after the change
                "2026-03-31T09:00:00+02:00",
                "2026-04-01T09:00:00+02:00",
                "2026-04-02T09:00:00+02:00",
            ],
        ),
        (
            "night",
            &[
                "2026-03-27T02:30:00+01:00",
                "2026-03-28T02:30:00+01:00",
                "2026-03-29T03:00:00+02:00", // 02:30 does not exist: the first instant after the gap
                "2026-03-30T02:30:00+02:00",
                "2026-03-31T02:30:00+02:00",
                "2026-04-01T02:30:00+02:00",
                "2026-04-02T02:30:00+02:00",
            ],
        ),
        ("weekend", &["2026-03-28T10:15:00+01:00", "2026-03-29T10:15:00+02:00"]),
        (
            "wind-down",
            &[
                "2026-03-26T21:30:00+01:00",
                "2026-03-27T21:30:00+01:00",
                "2026-03-28T21:30:00+01:00",
                "2026-03-29T21:30:00+02:00",
                "2026-03-30T21:30:00+02:00",
                "2026-03-31T21:30:00+02:00",
                "2026-04-01T21:30:00+02:00",
            ],
        ),
    ])
}

#[test]
fn berlin_week_across_spring_forward_minute_steps() {
    // Thursday noon to the next Thursday noon; clocks go forward 02:00 -> 03:00 on Sunday 2026-03-29.
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T12:00");
    let until = at("2026-04-02T12:00", "Europe/Berlin");
    let log = run_stepping(&mut s, &clock, &until, SignedDuration::from_mins(1));
    assert_eq!(log, berlin_spring_expected());
}

#[test]
fn berlin_week_across_spring_forward_odd_steps() {
    // 7-minute steps: fires land up to 7 minutes late, still inside the 10-minute grace.
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T12:00");
    let until = at("2026-04-02T12:00", "Europe/Berlin");
    let log = run_stepping(&mut s, &clock, &until, SignedDuration::from_mins(7));
    assert_eq!(log, berlin_spring_expected());
}

#[test]
fn berlin_week_across_spring_forward_exact_wakeups() {
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T12:00");
    let until = at("2026-04-02T12:00", "Europe/Berlin");
    let log = run_wakeups(&mut s, &clock, &until);
    assert_eq!(log, berlin_spring_expected());
}

fn berlin_fall_expected() -> Log {
    expect(&[
        (
            "focus",
            &[
                "2026-10-23T09:00:00+02:00",
                "2026-10-26T09:00:00+01:00",
                "2026-10-27T09:00:00+01:00",
                "2026-10-28T09:00:00+01:00",
                "2026-10-29T09:00:00+01:00",
            ],
        ),
        (
            "night",
            &[
                "2026-10-23T02:30:00+02:00",
                "2026-10-24T02:30:00+02:00",
                "2026-10-25T02:30:00+02:00", // 02:30 happens twice: runs once, at the earlier instant
                "2026-10-26T02:30:00+01:00",
                "2026-10-27T02:30:00+01:00",
                "2026-10-28T02:30:00+01:00",
                "2026-10-29T02:30:00+01:00",
            ],
        ),
        ("weekend", &["2026-10-24T10:15:00+02:00", "2026-10-25T10:15:00+01:00"]),
        (
            "wind-down",
            &[
                "2026-10-22T21:30:00+02:00",
                "2026-10-23T21:30:00+02:00",
                "2026-10-24T21:30:00+02:00",
                "2026-10-25T21:30:00+01:00",
                "2026-10-26T21:30:00+01:00",
                "2026-10-27T21:30:00+01:00",
                "2026-10-28T21:30:00+01:00",
            ],
        ),
    ])
}

#[test]
fn berlin_week_across_fall_back() {
    // Clocks go back 03:00 -> 02:00 on Sunday 2026-10-25: 02:00-02:59 happens twice.
    for step in [None, Some(1), Some(3)] {
        let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-10-22T12:00");
        let until = at("2026-10-29T12:00", "Europe/Berlin");
        let log = match step {
            None => run_wakeups(&mut s, &clock, &until),
            Some(m) => run_stepping(&mut s, &clock, &until, SignedDuration::from_mins(m)),
        };
        assert_eq!(log, berlin_fall_expected(), "step {step:?}");
    }
}

#[test]
fn new_york_spring_and_fall() {
    // New York changes at 02:00 local: 2026-03-08 (02:00 -> 03:00) and 2026-11-01 (02:00 -> 01:00).
    let config = r#"
[[schedule]]
name = "a"
at = "02:30"
outcome = "sleep"

[[schedule]]
name = "b"
at = "01:30"
outcome = "calm"
"#;
    let (mut s, clock) = setup(config, "America/New_York", "2026-03-06T12:00");
    let log = run_stepping(
        &mut s,
        &clock,
        &at("2026-03-10T12:00", "America/New_York"),
        SignedDuration::from_mins(1),
    );
    assert_eq!(
        log,
        expect(&[
            (
                "a",
                &[
                    "2026-03-07T02:30:00-05:00",
                    "2026-03-08T03:00:00-04:00",
                    "2026-03-09T02:30:00-04:00",
                    "2026-03-10T02:30:00-04:00",
                ]
            ),
            (
                "b",
                &[
                    "2026-03-07T01:30:00-05:00",
                    "2026-03-08T01:30:00-05:00",
                    "2026-03-09T01:30:00-04:00",
                    "2026-03-10T01:30:00-04:00",
                ]
            ),
        ])
    );

    let (mut s, clock) = setup(config, "America/New_York", "2026-10-30T12:00");
    let log = run_stepping(
        &mut s,
        &clock,
        &at("2026-11-03T12:00", "America/New_York"),
        SignedDuration::from_mins(1),
    );
    assert_eq!(
        log,
        expect(&[
            (
                "a",
                &[
                    "2026-10-31T02:30:00-04:00",
                    "2026-11-01T02:30:00-05:00",
                    "2026-11-02T02:30:00-05:00",
                    "2026-11-03T02:30:00-05:00",
                ]
            ),
            (
                "b",
                &[
                    "2026-10-31T01:30:00-04:00",
                    "2026-11-01T01:30:00-04:00", // 01:30 twice: once, the earlier
                    "2026-11-02T01:30:00-05:00",
                    "2026-11-03T01:30:00-05:00",
                ]
            ),
        ])
    );
}

#[test]
fn next_run_after_handles_gap_and_fold_directly() {
    let (entries, _) = parse_entries(CONFIG);
    let night = entries.iter().find(|e| e.name == "night").unwrap();
    let next = night.next_run_after(at("2026-03-29T00:00", "Europe/Berlin")).unwrap();
    assert_eq!(rfc3339_local(&next), "2026-03-29T03:00:00+02:00");
    // From the gap's end itself, the next run is the next day.
    let after = night.next_run_after(next).unwrap();
    assert_eq!(rfc3339_local(&after), "2026-03-30T02:30:00+02:00");
    let fold = night.next_run_after(at("2026-10-25T00:00", "Europe/Berlin")).unwrap();
    assert_eq!(rfc3339_local(&fold), "2026-10-25T02:30:00+02:00");
    // From the earlier 02:30 (and from between the two), the repeat does not count.
    assert_eq!(rfc3339_local(&night.next_run_after(fold.clone()).unwrap()), "2026-10-26T02:30:00+01:00");
    let between = fold.checked_add(SignedDuration::from_mins(45)).unwrap(); // 02:15 +01:00
    assert_eq!(rfc3339_local(&between), "2026-10-25T02:15:00+01:00");
    assert_eq!(rfc3339_local(&night.next_run_after(between).unwrap()), "2026-10-26T02:30:00+01:00");
}

#[test]
fn paused_fires_nothing_and_resume_does_not_catch_up() {
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T12:00");
    s.pause();
    assert!(s.is_paused());
    assert_eq!(s.next_wakeup(&clock.now()), None, "a paused schedule needs no wakeups");
    let info = s.infos(&clock.now());
    assert!(info.paused);
    assert!(info.entries.iter().all(|e| e.next_run.is_none()));
    let log =
        run_stepping(&mut s, &clock, &at("2026-03-28T21:35", "Europe/Berlin"), SignedDuration::from_mins(1));
    assert!(log.is_empty(), "{log:?}");
    // Resumed 5 minutes after 21:30: within grace, but it fell inside the pause, so it does not fire.
    s.resume();
    assert!(s.poll(&clock.now()).is_empty());
    let wake = s.next_wakeup(&clock.now()).unwrap();
    assert_eq!(rfc3339_local(&wake), "2026-03-29T03:00:00+02:00");
    let log =
        run_stepping(&mut s, &clock, &at("2026-03-29T22:00", "Europe/Berlin"), SignedDuration::from_mins(1));
    assert_eq!(log["wind-down"], ["2026-03-29T21:30:00+02:00"]);
    assert_eq!(log["night"], ["2026-03-29T03:00:00+02:00"]);
}

#[test]
fn skipped_entry_fires_the_next_day() {
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T12:00");
    let skipped = s.skip_next("wind-down").unwrap();
    assert_eq!(rfc3339_local(&skipped), "2026-03-26T21:30:00+01:00");
    let info = s.infos(&clock.now());
    let wd = info.entries.iter().find(|e| e.name == "wind-down").unwrap();
    assert!(wd.skip_next);
    assert_eq!(wd.next_run.as_deref(), Some("2026-03-27T21:30:00+01:00"));
    assert!(matches!(s.skip_next("nope"), Err(sonora_schedule::ScheduleError::UnknownEntry(_))));

    let log =
        run_stepping(&mut s, &clock, &at("2026-03-28T00:00", "Europe/Berlin"), SignedDuration::from_mins(1));
    assert_eq!(log["wind-down"], ["2026-03-27T21:30:00+01:00"]);
    // Other entries were not affected, and the skip is used up.
    assert_eq!(log["focus"], ["2026-03-27T09:00:00+01:00"]);
    let info = s.infos(&clock.now());
    assert!(!info.entries.iter().any(|e| e.skip_next));

    // unskip cancels.
    s.skip_next("wind-down").unwrap();
    assert!(s.unskip("wind-down").unwrap());
    let log =
        run_stepping(&mut s, &clock, &at("2026-03-28T22:00", "Europe/Berlin"), SignedDuration::from_mins(1));
    assert_eq!(log["wind-down"], ["2026-03-28T21:30:00+01:00"]);
}

#[test]
fn slept_through_within_grace_fires_beyond_grace_does_not() {
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T21:00");
    assert!(s.poll(&clock.now()).is_empty());
    assert_eq!(DEFAULT_GRACE, SignedDuration::from_mins(10));

    // Lid closed at 21:00, opened at 21:38: 8 minutes late, fires once.
    clock.set(at("2026-03-26T21:38", "Europe/Berlin"));
    let fires = s.poll(&clock.now());
    assert_eq!(fires.len(), 1);
    assert_eq!(rfc3339_local(&fires[0].scheduled_for), "2026-03-26T21:30:00+01:00");
    assert!(s.poll(&clock.now()).is_empty(), "fires once");

    // Next evening: asleep from 21:00 to 21:41, 11 minutes late: dropped, reported missed.
    clock.set(at("2026-03-27T21:00", "Europe/Berlin"));
    assert!(s.poll(&clock.now()).is_empty());
    clock.set(at("2026-03-27T21:41", "Europe/Berlin"));
    let report = s.poll_report(&clock.now());
    assert!(report.fires.is_empty());
    assert_eq!(report.missed.len(), 1);
    assert_eq!(report.missed[0].name, "wind-down");
    assert_eq!(report.missed[0].count, 1);
    let wake = s.next_wakeup(&clock.now()).unwrap();
    assert_eq!(rfc3339_local(&wake), "2026-03-28T02:30:00+01:00");

    // Off for three days, back exactly 10 minutes after a run: that one fires (edge of the window is
    // inside), every entry at most once, earlier runs reported missed.
    clock.set(at("2026-03-31T21:40", "Europe/Berlin"));
    let report = s.poll_report(&clock.now());
    let fired: Vec<&str> = report.fires.iter().map(|f| f.entry.name.as_str()).collect();
    assert_eq!(fired, ["wind-down"]);
    let missed: BTreeMap<&str, u32> = report.missed.iter().map(|m| (m.name.as_str(), m.count)).collect();
    assert_eq!(missed, BTreeMap::from([("focus", 2), ("night", 4), ("weekend", 2), ("wind-down", 3)]));

    // A longer grace window is configurable.
    s.set_grace(SignedDuration::from_hours(1));
    clock.set(at("2026-04-01T22:20", "Europe/Berlin"));
    assert_eq!(s.poll(&clock.now()).len(), 1);
}

#[test]
fn machine_switched_on_after_the_time() {
    // Booted 5 minutes after 21:30: the run still happens. Booted 15 minutes after: it does not.
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T21:35");
    let fires = s.poll(&clock.now());
    assert_eq!(fires.iter().map(|f| f.entry.name.as_str()).collect::<Vec<_>>(), ["wind-down"]);
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T21:45");
    assert!(s.poll(&clock.now()).is_empty());
}

#[test]
fn infos_show_local_offsets() {
    let (s, clock) = setup(CONFIG, "Europe/Berlin", "2026-11-27T12:00");
    let info = s.infos(&clock.now());
    assert!(!info.paused);
    let wd = &info.entries[0];
    assert_eq!(wd.name, "wind-down");
    assert_eq!(wd.at, "21:30");
    assert_eq!(wd.days, "daily");
    assert_eq!(wd.outcome, Outcome::Sleep);
    assert_eq!(wd.minutes, Some(40));
    assert!(wd.checkin);
    assert_eq!(wd.next_run.as_deref(), Some("2026-11-27T21:30:00+01:00"));
    let focus = &info.entries[1];
    assert_eq!(focus.days, "weekdays");
    assert_eq!(focus.next_run.as_deref(), Some("2026-11-30T09:00:00+01:00")); // Friday noon -> Monday
}

#[test]
fn hot_reload_keeps_skip_and_pause_by_name_and_reports_errors() {
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-03-26T12:00");
    s.skip_next("wind-down").unwrap();
    s.skip_next("focus").unwrap();
    s.pause();
    // wind-down moves to 22:00 (skip moves with it); focus unchanged; "night" is now broken; a new entry.
    let reloaded = CONFIG.replace("\"21:30\"", "\"22:00\"").replace("\"02:30\"", "\"2:3\"")
        + "\n[[schedule]]\nname = \"tea\"\nat = \"16:00\"\noutcome = \"calm\"\n";
    let errors = s.load_config(&reloaded);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].to_string().starts_with("config.toml line 25: schedule entry 'night': at '2:3'"),
        "{}",
        errors[0]
    );
    assert!(s.is_paused());
    let info = s.infos(&clock.now());
    assert_eq!(info.errors.len(), 1);
    let names: Vec<&str> = info.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["wind-down", "focus", "weekend", "tea"]);
    let skips: Vec<bool> = info.entries.iter().map(|e| e.skip_next).collect();
    assert_eq!(skips, [true, true, false, false]);
    s.resume();
    let log =
        run_stepping(&mut s, &clock, &at("2026-03-27T23:00", "Europe/Berlin"), SignedDuration::from_mins(1));
    assert_eq!(log["wind-down"], ["2026-03-27T22:00:00+01:00"]);
    assert!(!log.contains_key("focus"), "focus on Friday was skipped: {log:?}");
    assert_eq!(log["tea"], ["2026-03-26T16:00:00+01:00", "2026-03-27T16:00:00+01:00"]);
    assert!(!log.contains_key("night"));
}

#[test]
fn the_users_action_wins() {
    let (entries, _) = parse_entries(CONFIG);
    let fire = Fire { entry: entries[0].clone(), scheduled_for: at("2026-03-26T21:30", "Europe/Berlin") };
    assert!(should_fire(&fire, false));
    assert!(!should_fire(&fire, true));
}

/// A daemon restarted (or crashed) a minute after the wind-down fired: a fresh scheduler would fire
/// it again (the 21:30 run is inside the grace window), unless it is given what fired last.
#[test]
fn a_restart_inside_the_grace_window_does_not_fire_again() {
    let (mut s, clock) = setup(CONFIG, "Europe/Berlin", "2026-11-27T21:29:00");
    clock.advance(SignedDuration::from_secs(60));
    let fires = s.poll_now();
    assert_eq!(fires.iter().map(|f| f.entry.name.as_str()).collect::<Vec<_>>(), ["wind-down"]);
    let fired = s.last_fired().clone();
    assert_eq!(fired["wind-down"], at("2026-11-27T21:30", "Europe/Berlin").timestamp());

    // The restart, one minute later.
    clock.advance(SignedDuration::from_secs(60));
    let (entries, _) = parse_entries(CONFIG);
    let mut fresh = Scheduler::with_clock(entries.clone(), tz("Europe/Berlin"), Arc::new(clock.clone()));
    assert_eq!(fresh.poll_now().len(), 1, "without what fired last, a restart fires the entry again");

    let mut restarted = Scheduler::with_clock(entries, tz("Europe/Berlin"), Arc::new(clock.clone()));
    restarted.set_last_fired(fired);
    assert!(restarted.poll_now().is_empty(), "what fired before the restart does not fire again");
    let next = restarted.infos(&clock.now()).entries.into_iter().find(|e| e.name == "wind-down").unwrap();
    assert_eq!(next.next_run.as_deref(), Some("2026-11-28T21:30:00+01:00"), "the next day's run stays");
    // A reload keeps it too.
    restarted.load_config(CONFIG);
    assert!(restarted.poll_now().is_empty());
    clock.advance(SignedDuration::from_hours(24));
    assert_eq!(restarted.poll_now().len(), 1, "the next day fires as usual");
}
