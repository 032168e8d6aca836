//! Day sets: which weekdays an entry runs on.

use jiff::civil::Weekday;
use std::fmt;
use std::str::FromStr;

const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const LONG: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// A set of weekdays, Monday first. Parsed from `daily`, `weekdays`, `weekends`, a range (`mon-fri`, which
/// may wrap: `fri-mon`), a list (`sat,sun`, `mon,wed,fri`) or a list mixing both (`mon-wed,sat`). Day
/// names are three letters or spelled out, any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DaySet(u8);

impl DaySet {
    pub const DAILY: DaySet = DaySet(0b111_1111);
    pub const WEEKDAYS: DaySet = DaySet(0b001_1111);
    pub const WEEKENDS: DaySet = DaySet(0b110_0000);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.to_monday_zero_offset()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The days in the set, Monday first.
    pub fn days(self) -> impl Iterator<Item = Weekday> {
        (0..7).filter(move |i| self.0 & (1 << i) != 0).map(|i| Weekday::from_monday_zero_offset(i).unwrap())
    }
}

fn day_index(s: &str) -> Option<u8> {
    let s = s.trim().to_ascii_lowercase();
    NAMES.iter().position(|n| *n == s).or_else(|| LONG.iter().position(|n| *n == s)).map(|i| i as u8)
}

/// A day set that could not be read; the message is the scheduler's "days '...' is not a day set".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "days '{0}' is not a day set (use daily, weekdays, weekends, a range like mon-fri or a list like mon,wed,fri)"
)]
pub struct BadDays(pub String);

impl FromStr for DaySet {
    type Err = BadDays;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadDays(text.to_string());
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "daily" | "every day" | "everyday" | "all" => return Ok(DaySet::DAILY),
            "weekdays" => return Ok(DaySet::WEEKDAYS),
            "weekends" | "weekend" => return Ok(DaySet::WEEKENDS),
            _ => {}
        }
        let mut mask = 0u8;
        for item in t.split(',') {
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day_index(a).ok_or_else(bad)?, day_index(b).ok_or_else(bad)?);
                    let mut i = a;
                    loop {
                        mask |= 1 << i;
                        if i == b {
                            break;
                        }
                        i = (i + 1) % 7;
                    }
                }
                None => mask |= 1 << day_index(item).ok_or_else(bad)?,
            }
        }
        if mask == 0 { Err(bad()) } else { Ok(DaySet(mask)) }
    }
}

impl fmt::Display for DaySet {
    /// Canonical form: `daily`, `weekdays`, `weekends`, else a list like `mon,wed,fri`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DaySet::DAILY => f.write_str("daily"),
            DaySet::WEEKDAYS => f.write_str("weekdays"),
            DaySet::WEEKENDS => f.write_str("weekends"),
            _ => {
                let names: Vec<&str> = (0..7).filter(|i| self.0 & (1 << i) != 0).map(|i| NAMES[i]).collect();
                f.write_str(&names.join(","))
            }
        }
    }
}
