//! Sonora's schedule: `[[schedule]]` entries in the config start sessions (and optional check-ins) at
//! local times on chosen days, correctly across daylight-saving changes.
//!
//! This crate decides *when*; the daemon decides *what happens* (it owns sessions, notifications and
//! the user's manual sessions, see [`should_fire`]). Nothing here sleeps, spawns or reads files: the
//! daemon asks [`Scheduler::next_wakeup`], sleeps until then, and calls [`Scheduler::poll`].
//!
//! ```toml
//! [[schedule]]
//! name = "wind-down"
//! at = "21:30"
//! days = "daily"          # or "mon-fri", "sat,sun", "mon,wed,fri", "weekdays", "weekends"
//! outcome = "sleep"
//! minutes = 40            # optional
//! checkin = true          # optional, default false
//! checkin_after = true    # optional, default false: offer a check-in when the session ends
//! ```

mod days;
mod entry;
mod scheduler;

pub use days::{BadDays, DaySet};
pub use entry::{Entry, EntryError, MAX_MINUTES, parse_entries, parse_entries_in};
pub use jiff::{SignedDuration, Zoned, tz::TimeZone};
pub use scheduler::{
    Clock, DEFAULT_GRACE, Fire, ManualClock, Missed, PollReport, ScheduleError, Scheduler, SystemClock,
    rfc3339_local, should_fire,
};
