//! The scheduler: which entries are due, pause and skip, and when to wake up next.

use crate::entry::{Entry, EntryError, parse_entries};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use sonora_proto::types::{ScheduleEntryInfo, ScheduleInfo};
use std::sync::{Arc, Mutex};

/// How late a scheduled run may still start: 10 minutes. A wind-down that starts 5 minutes late because
/// the laptop lid was just opened is welcome; one that starts 3 hours late in the middle of something
/// else is not.
pub const DEFAULT_GRACE: SignedDuration = SignedDuration::from_mins(10);

/// Where the scheduler's "now" comes from, so tests can drive a simulated week in milliseconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> Zoned;
}

/// The real clock, in the system time zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Zoned {
        Zoned::now()
    }
}

/// A clock that moves only when told to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Zoned>>);

impl ManualClock {
    pub fn new(now: Zoned) -> Self {
        ManualClock(Arc::new(Mutex::new(now)))
    }

    pub fn set(&self, now: Zoned) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the clock forward (or back, for a negative duration) by exact elapsed time.
    pub fn advance(&self, by: SignedDuration) -> Zoned {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *g = g.checked_add(by).expect("manual clock in range");
        g.clone()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Zoned {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// An entry that is due now.
#[derive(Debug, Clone, PartialEq)]
pub struct Fire {
    pub entry: Entry,
    /// The occurrence this fire is for (may be up to the grace window before now).
    pub scheduled_for: Zoned,
}

/// Occurrences of one entry that were dropped in a poll because they were more than the grace window
/// late (the machine was asleep or off).
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    pub name: String,
    /// The latest dropped occurrence.
    pub scheduled_for: Zoned,
    pub count: u32,
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PollReport {
    pub fires: Vec<Fire>,
    pub missed: Vec<Missed>,
}

/// Errors from scheduler commands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("there is no schedule entry named '{0}'")]
    UnknownEntry(String),
    #[error("schedule entry '{0}' has no next run to skip")]
    NoNextRun(String),
}

/// The overlap rule: **the user's action wins**. While a session the person started themselves is
/// running, a scheduled session does not start (it is dropped, not queued: a wind-down an hour late is
/// not what anyone asked for). Equally, a person who starts a session while a scheduled one plays
/// replaces it; that part is the daemon's, since it owns sessions.
pub fn should_fire(fire: &Fire, manual_session_running: bool) -> bool {
    let _ = fire;
    !manual_session_running
}

#[derive(Debug, Clone)]
struct Slot {
    entry: Entry,
    /// The next occurrence not yet handled (fired, skipped or dropped).
    next: Option<Zoned>,
    /// The occurrence `skip_next` asked to skip.
    skip: Option<Timestamp>,
}

impl Slot {
    /// The run that will actually happen: the pending occurrence, or the one after it if that one is
    /// skipped.
    fn effective_next(&self) -> Option<Zoned> {
        let next = self.next.clone()?;
        if self.skip == Some(next.timestamp()) { self.entry.next_run_after(next) } else { Some(next) }
    }
}

/// Runs the schedule. It does no I/O and keeps no thread: the daemon calls [`Scheduler::poll`] when
/// [`Scheduler::next_wakeup`] says, so an idle daemon sleeps and uses no CPU.
///
/// **Catch-up rule.** Each entry has one pending occurrence. When a poll finds it due:
/// - paused: it is dropped silently (pausing means "not now"; nothing is caught up on resume);
/// - skipped with [`Scheduler::skip_next`]: it is dropped and the skip is used up;
/// - more than the grace window (default [`DEFAULT_GRACE`], 10 minutes) late, because the machine was
///   asleep or off: it is dropped and reported as missed (and logged);
/// - otherwise it fires.
///
/// An entry fires at most once per poll: if several occurrences fall inside a long grace window, only
/// the latest fires. After handling, the entry's next occurrence is scheduled. When the scheduler is
/// created, occurrences within the grace window before "now" are still pending, so a machine switched on
/// at 21:35 still gets its 21:30 wind-down.
///
/// **Restarts never double-fire.** The scheduler remembers, per entry, the occurrence that fired last
/// ([`Scheduler::last_fired`]); the daemon stores it on disk after each fire and hands it back with
/// [`Scheduler::set_last_fired`] when it starts, so an occurrence that already fired is never pending
/// again, whether the daemon was restarted or crashed inside the grace window.
pub struct Scheduler {
    slots: Vec<Slot>,
    /// Per entry name, the occurrence that fired last.
    fired: std::collections::HashMap<String, Timestamp>,
    tz: TimeZone,
    paused: bool,
    grace: SignedDuration,
    errors: Vec<String>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("slots", &self.slots)
            .field("tz", &self.tz.iana_name())
            .field("paused", &self.paused)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

/// `2026-11-27T21:30:00+01:00`: RFC 3339 with the local offset, as the protocol wants.
pub fn rfc3339_local(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

impl Scheduler {
    /// A scheduler on the system clock. `tz` is the local time zone entries are read in.
    pub fn new(entries: Vec<Entry>, tz: TimeZone) -> Scheduler {
        Scheduler::with_clock(entries, tz, Arc::new(SystemClock))
    }

    /// A scheduler on the given clock (a [`ManualClock`] in tests).
    pub fn with_clock(entries: Vec<Entry>, tz: TimeZone, clock: Arc<dyn Clock>) -> Scheduler {
        let mut s = Scheduler {
            slots: Vec::new(),
            tz,
            paused: false,
            grace: DEFAULT_GRACE,
            errors: Vec::new(),
            clock,
            fired: Default::default(),
        };
        let from = s.local(&s.clock.now()).checked_sub(s.grace).ok();
        s.slots = entries
            .into_iter()
            .map(|entry| {
                // Just before `now - grace`, so an occurrence exactly at the window's edge is pending.
                let next = from
                    .as_ref()
                    .and_then(|f| f.checked_sub(SignedDuration::from_nanos(1)).ok())
                    .and_then(|f| entry.next_run_after(f));
                Slot { entry, next, skip: None }
            })
            .collect();
        s
    }

    /// Occurrences that already fired (from a previous run of the daemon, by entry name): an entry
    /// whose pending occurrence is at or before its last fired one moves on to the run after it.
    pub fn set_last_fired(&mut self, fired: impl IntoIterator<Item = (String, Timestamp)>) {
        for (name, at) in fired {
            let keep = self.fired.get(&name).is_some_and(|old| *old >= at);
            if !keep {
                self.fired.insert(name, at);
            }
        }
        self.skip_fired();
    }

    /// The occurrence each entry fired for last (in this run or restored), by entry name.
    pub fn last_fired(&self) -> &std::collections::HashMap<String, Timestamp> {
        &self.fired
    }

    /// Moves every pending occurrence that already fired on to the next one.
    fn skip_fired(&mut self) {
        for slot in &mut self.slots {
            let Some(last) = self.fired.get(&slot.entry.name) else { continue };
            for _ in 0..100_000 {
                match slot.next.clone() {
                    Some(n) if n.timestamp() <= *last => slot.next = slot.entry.next_run_after(n),
                    _ => break,
                }
            }
        }
    }

    /// Sets the grace window of the catch-up rule (negative values count as zero).
    pub fn set_grace(&mut self, grace: SignedDuration) {
        self.grace = grace.max(SignedDuration::ZERO);
    }

    pub fn grace(&self) -> SignedDuration {
        self.grace
    }

    fn local(&self, z: &Zoned) -> Zoned {
        z.with_time_zone(self.tz.clone())
    }

    fn now(&self) -> Zoned {
        self.local(&self.clock.now())
    }

    /// The local time zone changed (the person travelled): re-plan every entry from now.
    pub fn set_time_zone(&mut self, tz: TimeZone) {
        self.tz = tz;
        let now = self.now();
        for slot in &mut self.slots {
            slot.next = slot.entry.next_run_after(now.clone());
            slot.skip = None;
        }
    }

    /// Hot reload. Entries are matched by name: an unchanged entry keeps its pending occurrence and skip;
    /// a changed one (time or days) is re-planned from now, and a pending skip moves to its new next run
    /// (the person asked to skip "the next one"). Pause is the scheduler's and is kept.
    pub fn set_entries(&mut self, entries: Vec<Entry>) {
        let now = self.now();
        let mut old = std::mem::take(&mut self.slots);
        self.slots = entries
            .into_iter()
            .map(|entry| {
                let prev = old.iter().position(|s| s.entry.name == entry.name).map(|i| old.swap_remove(i));
                match prev {
                    Some(p) if p.entry.at == entry.at && p.entry.days == entry.days => {
                        Slot { entry, next: p.next, skip: p.skip }
                    }
                    Some(p) => {
                        let next = entry.next_run_after(now.clone());
                        let skip = p.skip.and(next.as_ref().map(|n| n.timestamp()));
                        Slot { entry, next, skip }
                    }
                    None => Slot { next: entry.next_run_after(now.clone()), entry, skip: None },
                }
            })
            .collect();
        self.skip_fired();
    }

    /// Parses the config text and reloads: good entries replace the schedule, bad ones are kept as
    /// messages for [`Scheduler::infos`] and returned so the daemon can log them.
    pub fn load_config(&mut self, toml_text: &str) -> Vec<EntryError> {
        let (entries, errors) = parse_entries(toml_text);
        self.set_entries(entries);
        self.set_errors(errors.iter().map(ToString::to_string).collect());
        errors
    }

    /// Messages about entries that could not be read, shown by `sonoractl schedule`.
    pub fn set_errors(&mut self, errors: Vec<String>) {
        self.errors = errors;
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter().map(|s| &s.entry)
    }

    /// Stops everything from firing until [`Scheduler::resume`].
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Resumes; every entry is re-planned from now, so nothing that fell inside the pause fires.
    pub fn resume(&mut self) {
        if !self.paused {
            return;
        }
        self.paused = false;
        let now = self.now();
        for slot in &mut self.slots {
            slot.next = slot.entry.next_run_after(now.clone());
            if slot.skip.is_some_and(|s| slot.next.as_ref().is_none_or(|n| n.timestamp() > s)) {
                slot.skip = None;
            }
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Skips the named entry's next run (only that one). Returns the skipped occurrence. Skipping again
    /// before it passes changes nothing.
    pub fn skip_next(&mut self, name: &str) -> Result<Zoned, ScheduleError> {
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.entry.name == name)
            .ok_or_else(|| ScheduleError::UnknownEntry(name.to_string()))?;
        let next = slot.next.clone().ok_or_else(|| ScheduleError::NoNextRun(name.to_string()))?;
        slot.skip = Some(next.timestamp());
        Ok(next)
    }

    /// Cancels a pending skip. Returns whether there was one.
    pub fn unskip(&mut self, name: &str) -> Result<bool, ScheduleError> {
        let slot = self
            .slots
            .iter_mut()
            .find(|s| s.entry.name == name)
            .ok_or_else(|| ScheduleError::UnknownEntry(name.to_string()))?;
        Ok(slot.skip.take().is_some())
    }

    /// The `schedule` reply. `next_run` is the run that will actually happen (after a skip, the one
    /// after), null while paused.
    pub fn infos(&self, now: &Zoned) -> ScheduleInfo {
        let _ = now; // Pending occurrences are kept up to date by poll; `now` is accepted for symmetry.
        ScheduleInfo {
            paused: self.paused,
            entries: self
                .slots
                .iter()
                .map(|s| ScheduleEntryInfo {
                    name: s.entry.name.clone(),
                    at: s.entry.at_text(),
                    days: s.entry.days.to_string(),
                    outcome: s.entry.outcome,
                    minutes: s.entry.minutes,
                    checkin: s.entry.checkin,
                    next_run: if self.paused { None } else { s.effective_next().map(|z| rfc3339_local(&z)) },
                    skip_next: s.skip.is_some(),
                })
                .collect(),
            errors: self.errors.clone(),
        }
    }

    /// When the daemon should next call [`Scheduler::poll`]: the earliest pending occurrence (possibly
    /// already past, meaning "poll now"), or `None` when paused or nothing is planned, meaning "sleep
    /// until a command or a config reload".
    ///
    /// Sleep with a timer on the wall clock if you can; a monotonic timer (like tokio's) does not count
    /// time spent suspended and drifts across clock changes, so also poll when the system resumes from
    /// sleep (logind's `PrepareForSleep(false)`), or cap each sleep at a few minutes. Either costs
    /// nothing measurable.
    pub fn next_wakeup(&self, now: &Zoned) -> Option<Zoned> {
        let _ = now;
        if self.paused {
            return None;
        }
        self.slots.iter().filter_map(|s| s.next.clone()).min_by_key(|z| z.timestamp())
    }

    /// Entries due since the last poll, under the catch-up rule (see [`Scheduler`]). Missed runs are
    /// logged.
    pub fn poll(&mut self, now: &Zoned) -> Vec<Fire> {
        let report = self.poll_report(now);
        for m in &report.missed {
            tracing::info!(
                entry = %m.name,
                scheduled_for = %rfc3339_local(&m.scheduled_for),
                count = m.count,
                "scheduled run missed: the machine was asleep or off for longer than the grace window"
            );
        }
        report.fires
    }

    /// [`Scheduler::poll`] without logging, also returning what was missed.
    pub fn poll_report(&mut self, now: &Zoned) -> PollReport {
        let now = self.local(now);
        let mut report = PollReport::default();
        for slot in &mut self.slots {
            let mut fire: Option<Zoned> = None;
            let mut missed: Option<(Zoned, u32)> = None;
            let miss = |missed: &mut Option<(Zoned, u32)>, at: Zoned| {
                let count = missed.as_ref().map_or(0, |m| m.1) + 1;
                *missed = Some((at, count));
            };
            // Bounded: each step moves at least a day forward; cap anyway against a clock gone wild.
            for _ in 0..100_000 {
                let Some(due) = slot.next.clone().filter(|n| n.timestamp() <= now.timestamp()) else { break };
                if self.paused {
                    // Dropped silently.
                } else if slot.skip == Some(due.timestamp()) {
                    slot.skip = None;
                } else if now.duration_since(&due) > self.grace {
                    miss(&mut missed, due.clone());
                } else if let Some(earlier) = fire.replace(due.clone()) {
                    miss(&mut missed, earlier);
                }
                slot.next = slot.entry.next_run_after(due);
            }
            if slot.skip.is_some_and(|s| slot.next.as_ref().is_none_or(|n| n.timestamp() > s)) {
                slot.skip = None;
            }
            if let Some(scheduled_for) = fire {
                self.fired.insert(slot.entry.name.clone(), scheduled_for.timestamp());
                report.fires.push(Fire { entry: slot.entry.clone(), scheduled_for });
            }
            if let Some((scheduled_for, count)) = missed {
                report.missed.push(Missed { name: slot.entry.name.clone(), scheduled_for, count });
            }
        }
        report
    }

    /// Polls at the clock's now.
    pub fn poll_now(&mut self) -> Vec<Fire> {
        let now = self.now();
        self.poll(&now)
    }
}
