//! What the tray shows for a given daemon state: labels, check marks, which items work, which icon.
//!
//! Pure functions of [`Presence`] and the time since the snapshot arrived, so the whole look of the
//! tray is unit-tested without a display, a bus or a daemon. `menu.rs` only copies a [`View`] onto
//! widgets.

use sonora_proto::{Outcome, StateKind, Status};
use std::time::Duration;

/// Volume steps offered in the *Volume* submenu, in percent.
pub const VOLUME_STEPS: [u8; 5] = [20, 40, 60, 80, 100];

/// What the tray knows about the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum Presence {
    /// Not yet known: the tray has just started and is still asking the bus.
    Connecting,
    /// Nobody owns `org.sonora.Sonora1` (or the session bus itself is unreachable).
    Absent,
    /// The daemon is there; this is its latest status.
    Running(Box<Status>),
}

/// Which picture the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IconKind {
    Idle,
    Playing(Outcome),
    /// A session fading out: same picture as playing, paler.
    Fading(Outcome),
    /// The microphone is open for a check-in.
    CheckingIn,
    /// The daemon is not running (or not yet reached).
    Absent,
}

/// Everything the menu and icon need, already in everyday words.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The first, disabled menu line ("Playing Calm, 12 min left").
    pub status_line: String,
    /// Hover text (macOS, Windows; AppIndicator hosts ignore it, so the status line says the same).
    pub tooltip: String,
    pub icon: IconKind,
    /// Whether items that talk to the daemon can be used at all.
    pub connected: bool,
    /// Check marks of *Calm*, *Focus*, *Sleep*, in [`Outcome::ALL`] order.
    pub outcome_checked: [bool; 3],
    pub stop_enabled: bool,
    pub checkin_enabled: bool,
    /// Check marks of the [`VOLUME_STEPS`] items: only the step nearest the current volume.
    pub volume_checked: [bool; VOLUME_STEPS.len()],
    pub schedule_paused: bool,
}

/// Menu label of an outcome.
pub fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Calm => "Calm",
        Outcome::Focus => "Focus",
        Outcome::Sleep => "Sleep",
    }
}

/// "12 min left", "40 s left", "1 h 05 min left". Rounds minutes up so "0 min left" never shows
/// while sound is still playing.
pub fn remaining_label(secs: f64) -> String {
    let secs = secs.max(0.0).ceil() as u64;
    if secs < 60 {
        return format!("{secs} s left");
    }
    let mins = secs.div_ceil(60);
    if mins < 60 { format!("{mins} min left") } else { format!("{} h {:02} min left", mins / 60, mins % 60) }
}

/// Seconds left in a timed session, counting down from the snapshot without asking the daemon again.
pub fn remaining_now(status: &Status, since_snapshot: Duration) -> Option<f64> {
    status.remaining_s.map(|r| (r - since_snapshot.as_secs_f64()).max(0.0))
}

/// Index into [`VOLUME_STEPS`] of the step nearest `volume` (0..1).
pub fn nearest_volume_step(volume: f64) -> usize {
    let pct = (volume.clamp(0.0, 1.0) * 100.0).round();
    VOLUME_STEPS
        .iter()
        .enumerate()
        .min_by(|(_, a), (_, b)| {
            let da = (f64::from(**a) - pct).abs();
            let db = (f64::from(**b) - pct).abs();
            da.total_cmp(&db)
        })
        .map(|(i, _)| i)
        .unwrap_or(0)
}

/// Builds the view. `since_snapshot` is how long ago the status arrived, for the countdown.
pub fn view(presence: &Presence, since_snapshot: Duration) -> View {
    let status = match presence {
        Presence::Running(s) => s,
        Presence::Connecting | Presence::Absent => {
            let line = if *presence == Presence::Connecting {
                "Looking for Sonora…"
            } else {
                "Sonora isn't running"
            };
            return View {
                status_line: line.to_string(),
                tooltip: line.to_string(),
                icon: IconKind::Absent,
                connected: false,
                outcome_checked: [false; 3],
                stop_enabled: false,
                checkin_enabled: false,
                volume_checked: [false; VOLUME_STEPS.len()],
                schedule_paused: false,
            };
        }
    };

    let remaining = remaining_now(status, since_snapshot).map(remaining_label);
    let with_remaining = |head: String| match &remaining {
        Some(r) => format!("{head}, {r}"),
        None => head,
    };
    let (status_line, icon) = match (status.state, status.outcome) {
        (StateKind::Idle, _) => ("Nothing playing".to_string(), IconKind::Idle),
        (StateKind::Playing, Some(o)) => {
            (with_remaining(format!("Playing {}", outcome_label(o))), IconKind::Playing(o))
        }
        (StateKind::Fading, Some(o)) => (format!("Fading out {}", outcome_label(o)), IconKind::Fading(o)),
        // A session without an outcome should not happen; show the state rather than invent one.
        (StateKind::Playing, None) => (with_remaining("Playing".to_string()), IconKind::Idle),
        (StateKind::Fading, None) => ("Fading out".to_string(), IconKind::Idle),
        (StateKind::CheckingIn, _) => ("Listening for your check-in…".to_string(), IconKind::CheckingIn),
    };
    let status_line = match &status.audio_error {
        Some(e) if !e.is_empty() => format!("{status_line} (sound problem: {e})"),
        _ => status_line,
    };

    // Fading still counts as the active outcome: choosing it again stops it, like while playing.
    let active = match status.state {
        StateKind::Playing | StateKind::Fading => status.outcome,
        _ => None,
    };
    let mut outcome_checked = [false; 3];
    for (i, o) in Outcome::ALL.iter().enumerate() {
        outcome_checked[i] = active == Some(*o);
    }

    let mut volume_checked = [false; VOLUME_STEPS.len()];
    volume_checked[nearest_volume_step(status.volume)] = true;

    let tooltip = match status.state {
        StateKind::Idle => "Sonora: nothing playing".to_string(),
        _ => format!("Sonora: {}", lower_first(&status_line)),
    };

    View {
        status_line,
        tooltip,
        icon,
        connected: true,
        outcome_checked,
        stop_enabled: matches!(status.state, StateKind::Playing | StateKind::Fading),
        checkin_enabled: status.state != StateKind::CheckingIn,
        volume_checked,
        schedule_paused: status.schedule_paused,
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(state: StateKind, outcome: Option<Outcome>, remaining: Option<f64>) -> Presence {
        let mut s = Status::idle(0.6);
        s.state = state;
        s.outcome = outcome;
        s.remaining_s = remaining;
        Presence::Running(Box::new(s))
    }

    #[test]
    fn absent_greys_everything_and_says_so() {
        let v = view(&Presence::Absent, Duration::ZERO);
        assert_eq!(v.status_line, "Sonora isn't running");
        assert_eq!(v.icon, IconKind::Absent);
        assert!(!v.connected && !v.stop_enabled && !v.checkin_enabled);
        assert_eq!(v.outcome_checked, [false; 3]);
        assert_eq!(v.tooltip, "Sonora isn't running");
        assert_eq!(view(&Presence::Connecting, Duration::ZERO).icon, IconKind::Absent);
    }

    #[test]
    fn idle_checks_nothing_and_offers_check_in() {
        let v = view(&running(StateKind::Idle, None, None), Duration::ZERO);
        assert_eq!(v.status_line, "Nothing playing");
        assert_eq!(v.icon, IconKind::Idle);
        assert!(v.connected && v.checkin_enabled && !v.stop_enabled);
        assert_eq!(v.outcome_checked, [false; 3]);
        assert_eq!(v.volume_checked, [false, false, true, false, false]);
    }

    #[test]
    fn playing_checks_its_outcome_and_counts_down() {
        let p = running(StateKind::Playing, Some(Outcome::Focus), Some(25.0 * 60.0));
        let v = view(&p, Duration::ZERO);
        assert_eq!(v.status_line, "Playing Focus, 25 min left");
        assert_eq!(v.tooltip, "Sonora: playing Focus, 25 min left");
        assert_eq!(v.icon, IconKind::Playing(Outcome::Focus));
        assert_eq!(v.outcome_checked, [false, true, false]);
        assert!(v.stop_enabled);
        let later = view(&p, Duration::from_secs(24 * 60 + 30));
        assert_eq!(later.status_line, "Playing Focus, 30 s left");
    }

    #[test]
    fn open_ended_session_has_no_countdown() {
        let v = view(&running(StateKind::Playing, Some(Outcome::Sleep), None), Duration::from_secs(99));
        assert_eq!(v.status_line, "Playing Sleep");
        assert_eq!(v.outcome_checked, [false, false, true]);
    }

    #[test]
    fn fading_keeps_the_outcome_checked_and_pales_the_icon() {
        let v = view(&running(StateKind::Fading, Some(Outcome::Calm), Some(4.0)), Duration::ZERO);
        assert_eq!(v.status_line, "Fading out Calm");
        assert_eq!(v.icon, IconKind::Fading(Outcome::Calm));
        assert_eq!(v.outcome_checked, [true, false, false]);
        assert!(v.stop_enabled);
    }

    #[test]
    fn checking_in_shows_the_microphone_and_blocks_a_second_check_in() {
        let v = view(&running(StateKind::CheckingIn, None, None), Duration::ZERO);
        assert_eq!(v.icon, IconKind::CheckingIn);
        assert_eq!(v.status_line, "Listening for your check-in…");
        assert!(!v.checkin_enabled);
    }

    #[test]
    fn sound_problems_are_shown_and_schedule_pause_is_mirrored() {
        let mut s = Status::idle(1.0);
        s.state = StateKind::Playing;
        s.outcome = Some(Outcome::Calm);
        s.audio_error = Some("output device gone".into());
        s.schedule_paused = true;
        let v = view(&Presence::Running(Box::new(s)), Duration::ZERO);
        assert_eq!(v.status_line, "Playing Calm (sound problem: output device gone)");
        assert!(v.schedule_paused);
        assert_eq!(v.volume_checked, [false, false, false, false, true]);
    }

    #[test]
    fn remaining_labels_read_naturally() {
        assert_eq!(remaining_label(0.2), "1 s left");
        assert_eq!(remaining_label(59.0), "59 s left");
        assert_eq!(remaining_label(60.0), "1 min left");
        assert_eq!(remaining_label(61.0), "2 min left");
        assert_eq!(remaining_label(65.0 * 60.0), "1 h 05 min left");
        assert_eq!(remaining_label(-3.0), "0 s left");
    }

    #[test]
    fn volume_snaps_to_the_nearest_step() {
        assert_eq!(nearest_volume_step(0.0), 0);
        assert_eq!(nearest_volume_step(0.45), 1);
        assert_eq!(nearest_volume_step(0.55), 2);
        assert_eq!(nearest_volume_step(2.0), 4);
    }

    #[test]
    fn labels_use_everyday_words() {
        let clinical = ["diagnos", "treat", "cure", "therap", "patient", "clinic", "medical"];
        let presences = [
            Presence::Connecting,
            Presence::Absent,
            running(StateKind::Idle, None, None),
            running(StateKind::Playing, Some(Outcome::Sleep), Some(90.0)),
            running(StateKind::Fading, Some(Outcome::Focus), None),
            running(StateKind::CheckingIn, None, None),
        ];
        for p in &presences {
            let v = view(p, Duration::ZERO);
            for text in [&v.status_line, &v.tooltip] {
                let lower = text.to_lowercase();
                assert!(!clinical.iter().any(|w| lower.contains(w)), "{text}");
            }
        }
    }
}
