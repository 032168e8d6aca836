//! One `[[schedule]]` entry: parsing with line numbers, and its next run across DST.

use crate::days::DaySet;
use jiff::civil::{DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{ToSpan, Zoned};
use serde::Deserialize;
use sonora_proto::types::Outcome;
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// Longest session a schedule entry may ask for: 12 hours. Anything longer is almost surely a typo.
pub const MAX_MINUTES: u32 = 720;

const FIELDS: &[&str] = &["name", "at", "days", "outcome", "minutes", "checkin", "checkin_after"];

/// A schedule entry that parsed cleanly.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique among entries; skip, pause and hot reload refer to entries by name.
    pub name: String,
    /// Local wall-clock time.
    pub at: Time,
    pub days: DaySet,
    pub outcome: Outcome,
    /// Planned session length; `None` lets the daemon use its default.
    pub minutes: Option<u32>,
    /// Whether to offer a voice check-in before the session.
    pub checkin: bool,
    /// Whether to offer a short check-in when the session ends (issue 15).
    pub checkin_after: bool,
    /// 1-based line of the entry's `[[schedule]]` header, for messages.
    pub line: usize,
}

impl Entry {
    /// `at` as `HH:MM`.
    pub fn at_text(&self) -> String {
        self.at.strftime("%H:%M").to_string()
    }

    /// The first run strictly after `after`, in `after`'s time zone (the daemon passes local time).
    ///
    /// DST rules, chosen so an entry never fires twice and is never silently lost:
    /// - A local time that does not exist that day (spring forward, e.g. 02:30 on 2026-03-29 in
    ///   Europe/Berlin) runs at the first valid instant after the gap: the transition itself, shown as
    ///   03:00. (jiff's `compatible` disambiguation would instead shift by the gap's length to 03:30; we
    ///   take the gap's end, so every time inside the gap runs at the same, earliest possible moment.)
    /// - A local time that happens twice (fall back, e.g. 02:30 on 2026-10-25 in Europe/Berlin) runs once,
    ///   at the earlier instant (+02:00); the repeat an hour later is not a new occurrence.
    ///
    /// `None` only if the day set is empty (the parser never produces one) or the date range ends.
    pub fn next_run_after(&self, after: Zoned) -> Option<Zoned> {
        if self.days.is_empty() {
            return None;
        }
        let tz = after.time_zone().clone();
        let start = after.date();
        // Eight days: today (if the time is still ahead) plus a full week.
        for k in 0..8i64 {
            let date = start.checked_add(k.days()).ok()?;
            if !self.days.contains(date.weekday()) {
                continue;
            }
            let candidate = resolve_local(date.to_datetime(self.at), &tz)?;
            if candidate.timestamp() > after.timestamp() {
                return Some(candidate);
            }
        }
        None
    }
}

/// Local wall-clock time to an instant, with the DST rules of [`Entry::next_run_after`].
pub(crate) fn resolve_local(dt: DateTime, tz: &TimeZone) -> Option<Zoned> {
    let amb = tz.to_ambiguous_zoned(dt);
    match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => amb.earlier().ok(),
        AmbiguousOffset::Gap { .. } => {
            // `compatible` lands past the gap; the transition just before that instant is the gap's end.
            let past = amb.compatible().ok()?;
            let transition = tz.preceding(past.timestamp()).next()?;
            Some(transition.timestamp().to_zoned(tz.clone()))
        }
    }
}

/// A schedule entry (or the whole schedule) that could not be read. Displays as
/// `config.toml line 12: schedule entry 'x': days 'funday' is not a day set ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct EntryError {
    /// File name shown in the message.
    pub file: String,
    /// 1-based line of the offending field (or of the entry's header when a field is missing).
    pub line: usize,
    /// The entry's name, or `#N` (1-based position) when it has none; `None` for file-level errors.
    pub entry: Option<String>,
    /// The field at fault, when there is one.
    pub field: Option<String>,
    /// What is wrong, starting with the field name.
    pub message: String,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: ", self.file, self.line)?;
        match &self.entry {
            Some(e) if e.starts_with('#') => write!(f, "schedule entry {e}: ")?,
            Some(e) => write!(f, "schedule entry '{e}': ")?,
            None => {}
        }
        f.write_str(&self.message)
    }
}

type RawTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    schedule: Option<Vec<Spanned<RawTable>>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Reads the `[[schedule]]` entries from the whole config file text (other sections are ignored).
/// See [`parse_entries_in`].
pub fn parse_entries(toml_text: &str) -> (Vec<Entry>, Vec<EntryError>) {
    parse_entries_in("config.toml", toml_text)
}

/// Reads the `[[schedule]]` entries, naming `file` in errors. Each bad entry is reported (every bad
/// field, with its line) and skipped; the good ones are returned and keep working. Unknown fields are
/// errors too, so a typo like `minute = 40` is seen rather than silently ignored. A second entry with an
/// already used name is an error; the first keeps the name.
pub fn parse_entries_in(file: &str, toml_text: &str) -> (Vec<Entry>, Vec<EntryError>) {
    let raw: RawFile = match toml::from_str(toml_text) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map(|s| line_of(toml_text, s.start)).unwrap_or(1);
            let message = e.message().trim().replace('\n', " ");
            return (
                Vec::new(),
                vec![EntryError {
                    file: file.to_string(),
                    line,
                    entry: None,
                    field: None,
                    message: format!("schedule could not be read: {message}"),
                }],
            );
        }
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut errors = Vec::new();
    for (i, table) in raw.schedule.unwrap_or_default().into_iter().enumerate() {
        let header_line = line_of(toml_text, table.span().start);
        match parse_one(toml_text, table.into_inner(), header_line, i + 1, &entries) {
            Ok(e) => entries.push(e),
            Err(errs) => errors.extend(errs.into_iter().map(|(line, entry, field, message)| EntryError {
                file: file.to_string(),
                line,
                entry: Some(entry),
                field,
                message,
            })),
        }
    }
    (entries, errors)
}

type FieldError = (usize, String, Option<String>, String);

fn type_name(v: &toml::Value) -> &'static str {
    v.type_str()
}

fn parse_one(
    text: &str,
    table: RawTable,
    header_line: usize,
    index: usize,
    earlier: &[Entry],
) -> Result<Entry, Vec<FieldError>> {
    let mut fields: BTreeMap<String, (usize, toml::Value)> = BTreeMap::new();
    let mut errs: Vec<(usize, Option<String>, String)> = Vec::new();
    for (k, v) in table {
        let line = line_of(text, v.span().start);
        let key_line = line_of(text, k.span().start);
        let key = k.into_inner();
        if !FIELDS.contains(&key.as_str()) {
            errs.push((
                key_line,
                Some(key.clone()),
                format!("unknown field '{key}' (expected {})", FIELDS.join(", ")),
            ));
            continue;
        }
        fields.insert(key, (line, v.into_inner()));
    }
    let mut err = |line: usize, field: &str, msg: String| errs.push((line, Some(field.to_string()), msg));

    let name = match fields.get("name") {
        Some((_, toml::Value::String(s))) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some((line, v)) => {
            err(*line, "name", format!("name must be a non-empty string, not {}", type_name(v)));
            None
        }
        None => {
            err(header_line, "name", "name is missing".to_string());
            None
        }
    };
    if let Some(n) = &name
        && let Some(first) = earlier.iter().find(|e| &e.name == n)
    {
        let line = fields.get("name").map(|(l, _)| *l).unwrap_or(header_line);
        err(line, "name", format!("name '{n}' is already used by the entry on line {}", first.line));
    }

    let at = match fields.get("at") {
        Some((line, toml::Value::String(s))) => match parse_hhmm(s) {
            Some(t) => Some(t),
            None => {
                err(*line, "at", format!("at '{s}' is not a time of day (use 24-hour HH:MM, like 21:30)"));
                None
            }
        },
        Some((line, toml::Value::Datetime(d))) if d.date.is_none() && d.time.is_some() => {
            let t = d.time.unwrap();
            Time::new(t.hour as i8, t.minute as i8, t.second as i8, 0).ok().or_else(|| {
                err(*line, "at", format!("at '{d}' is not a time of day"));
                None
            })
        }
        Some((line, v)) => {
            err(*line, "at", format!("at must be a time like \"21:30\", not {}", type_name(v)));
            None
        }
        None => {
            err(header_line, "at", "at is missing (a time like \"21:30\")".to_string());
            None
        }
    };

    let days = match fields.get("days") {
        None => Some(DaySet::DAILY),
        Some((line, toml::Value::String(s))) => match s.parse::<DaySet>() {
            Ok(d) => Some(d),
            Err(e) => {
                err(*line, "days", e.to_string());
                None
            }
        },
        Some((line, toml::Value::Array(items))) => {
            let parts: Option<Vec<&str>> = items.iter().map(|v| v.as_str()).collect();
            let joined = parts.map(|p| p.join(","));
            match joined.as_deref().map(str::parse::<DaySet>) {
                Some(Ok(d)) => Some(d),
                Some(Err(e)) => {
                    err(*line, "days", e.to_string());
                    None
                }
                None => {
                    err(
                        *line,
                        "days",
                        "days must be a string like \"mon-fri\" or a list of day names".into(),
                    );
                    None
                }
            }
        }
        Some((line, v)) => {
            err(*line, "days", format!("days must be a string like \"mon-fri\", not {}", type_name(v)));
            None
        }
    };

    let outcome = match fields.get("outcome") {
        Some((line, toml::Value::String(s))) => match s.parse::<Outcome>() {
            Ok(o) => Some(o),
            Err(_) => {
                err(*line, "outcome", format!("outcome '{s}' is not one of calm, focus or sleep"));
                None
            }
        },
        Some((line, v)) => {
            err(*line, "outcome", format!("outcome must be calm, focus or sleep, not {}", type_name(v)));
            None
        }
        None => {
            err(header_line, "outcome", "outcome is missing (calm, focus or sleep)".to_string());
            None
        }
    };

    let minutes = match fields.get("minutes") {
        None => Some(None),
        Some((line, toml::Value::Integer(m))) => {
            if (1..=MAX_MINUTES as i64).contains(m) {
                Some(Some(*m as u32))
            } else {
                err(*line, "minutes", format!("minutes {m} is out of range (1 to {MAX_MINUTES})"));
                None
            }
        }
        Some((line, v)) => {
            err(*line, "minutes", format!("minutes must be a whole number, not {}", type_name(v)));
            None
        }
    };

    let checkin = match fields.get("checkin") {
        None => Some(false),
        Some((_, toml::Value::Boolean(b))) => Some(*b),
        Some((line, v)) => {
            err(*line, "checkin", format!("checkin must be true or false, not {}", type_name(v)));
            None
        }
    };

    let checkin_after = match fields.get("checkin_after") {
        None => false,
        Some((_, toml::Value::Boolean(b))) => *b,
        Some((line, v)) => {
            err(*line, "checkin_after", format!("checkin_after must be true or false, not {}", type_name(v)));
            false
        }
    };

    let label = name.clone().unwrap_or_else(|| format!("#{index}"));
    match (name, at, days, outcome, minutes, checkin) {
        (Some(name), Some(at), Some(days), Some(outcome), Some(minutes), Some(checkin))
            if errs.is_empty() =>
        {
            Ok(Entry { name, at, days, outcome, minutes, checkin, checkin_after, line: header_line })
        }
        _ => {
            errs.sort_by_key(|e| e.0);
            Err(errs.into_iter().map(|(line, field, msg)| (line, label.clone(), field, msg)).collect())
        }
    }
}

/// `HH:MM` (or `H:MM`), 24-hour.
fn parse_hhmm(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    Time::new(h, m, 0, 0).ok()
}
