//! The session the state machine carries while playing or fading.

use sonora_engine::SceneControl;
use sonora_proto::{Outcome, Status};
use std::time::Duration;
use tokio::time::Instant;

pub enum State {
    Idle,
    Playing(Session),
    /// Fading to silence; the device is released at `until`.
    Fading {
        session: Session,
        until: Instant,
    },
}

pub struct Session {
    pub outcome: Outcome,
    pub minutes: Option<f64>,
    pub seed: u64,
    pub started_at: jiff::Timestamp,
    /// Monotonic deadline and wall-clock end of a timed session.
    pub ends: Option<(Instant, jiff::Timestamp)>,
    /// None while no device is available.
    pub scene: Option<SceneControl>,
    pub preset: Option<sonora_engine::Preset>,
    /// The pack playing (explicit, from the preset, or rotation's choice once sound started); a
    /// rebuilt scene (device back, fresh check-in) keeps it.
    pub pack: Option<String>,
    /// Row of this session in the history, when stored.
    pub history_id: Option<i64>,
    /// Who started it: the schedule never interrupts a session the person started.
    pub source: sonora_store::SessionSource,
    /// Set once the session's end is recorded (stop or time up), while it fades.
    pub ends_at_fade: Option<jiff::Timestamp>,
    /// How the pack was chosen (learned, rotation or explicit) and, when learned, why.
    pub choice: &'static str,
    pub why: Option<String>,
    /// Time of day it started (the daemon's clock).
    pub time_bucket: sonora_learn::TimeBucket,
    /// Offer a check-in when it ends (`checkin_after`, globally or from its schedule entry).
    pub checkin_after: bool,
}

impl Session {
    pub fn new(
        outcome: Outcome,
        minutes: Option<f64>,
        seed: u64,
        scene: Option<SceneControl>,
        preset: Option<sonora_engine::Preset>,
        source: sonora_store::SessionSource,
    ) -> Session {
        let started_at = jiff::Timestamp::now();
        let ends = minutes.map(|m| {
            let d = Duration::from_secs_f64(m * 60.0);
            let wall =
                started_at.checked_add(jiff::SignedDuration::from_secs_f64(m * 60.0)).unwrap_or(started_at);
            (Instant::now() + d, wall)
        });
        Session {
            outcome,
            minutes,
            seed,
            started_at,
            ends,
            scene,
            preset,
            pack: None,
            history_id: None,
            ends_at_fade: None,
            source,
            choice: "rotation",
            why: None,
            time_bucket: sonora_learn::TimeBucket::Morning,
            checkin_after: false,
        }
    }

    /// Minutes left of a timed session (None when open-ended).
    pub fn remaining_minutes(&self) -> Option<f64> {
        self.ends.map(|(d, _)| (d.saturating_duration_since(Instant::now()).as_secs_f64() / 60.0).max(0.05))
    }

    pub fn describe(&self, st: &mut Status) {
        st.outcome = Some(self.outcome);
        st.started_at = Some(self.started_at.to_string());
        if let Some((deadline, wall)) = self.ends {
            st.ends_at = Some(wall.to_string());
            let left = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
            st.remaining_s = Some((left * 10.0).round() / 10.0);
        }
        st.pack = self.pack.clone();
        if let Some(scene) = &self.scene {
            st.explanation = Some(match &self.why {
                Some(why) => format!("{}; {why}", scene.explanation()),
                None => scene.explanation(),
            });
            st.layers = scene.layers();
        }
    }
}
