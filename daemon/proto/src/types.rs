//! The nouns of the protocol.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What the person wants the session to help with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Calm,
    Focus,
    Sleep,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Calm, Outcome::Focus, Outcome::Sleep];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Calm => "calm",
            Outcome::Focus => "focus",
            Outcome::Sleep => "sleep",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome '{0}' (expected calm, focus or sleep)")]
pub struct UnknownOutcome(pub String);

impl FromStr for Outcome {
    type Err = UnknownOutcome;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "calm" => Ok(Outcome::Calm),
            "focus" => Ok(Outcome::Focus),
            "sleep" => Ok(Outcome::Sleep),
            _ => Err(UnknownOutcome(s.to_string())),
        }
    }
}

/// The daemon's state machine, as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    Idle,
    Playing,
    Fading,
    CheckingIn,
}

impl StateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Idle => "idle",
            StateKind::Playing => "playing",
            StateKind::Fading => "fading",
            StateKind::CheckingIn => "checking_in",
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everyday signals read from the voice, each 0..1. Estimates, never a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Markers {
    pub stress: f64,
    pub fatigue: f64,
    pub energy: f64,
}

/// A snapshot of the daemon, the answer to `status` and the payload of `state` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub state: StateKind,
    /// The outcome playing (or fading out), null when idle.
    pub outcome: Option<Outcome>,
    /// Master volume, 0..1.
    pub volume: f64,
    /// Seconds left in a timed session; null when idle or untimed.
    pub remaining_s: Option<f64>,
    /// RFC 3339 time the session started.
    pub started_at: Option<String>,
    /// RFC 3339 time a timed session will end.
    pub ends_at: Option<String>,
    /// One plain line on why the session sounds as it does.
    #[serde(default)]
    pub explanation: Option<String>,
    /// The sound pack playing (null when idle, or before sound starts).
    #[serde(default)]
    pub pack: Option<String>,
    /// Live layers of the current scene.
    #[serde(default)]
    pub layers: Vec<LayerInfo>,
    /// Audio output problem, if any (for example the device vanished); playback resumes by itself.
    #[serde(default)]
    pub audio_error: Option<String>,
    /// Where sound goes: "device" or "none".
    #[serde(default)]
    pub output: Option<String>,
    /// Why a playing session is silent right now, in plain words (null while sound plays or when
    /// idle). The session keeps its place and its timer; sound returns by itself.
    #[serde(default)]
    pub silent_reason: Option<String>,
    /// Whether the daemon's schedule is paused.
    #[serde(default)]
    pub schedule_paused: bool,
    /// Markers of the latest check-in, if any.
    #[serde(default)]
    pub last_markers: Option<Markers>,
    /// Times the sound device ran out of sound (an audible hiccup) since the daemon started,
    /// because the audio callback was not run in time. 0 unless the machine is overloaded.
    #[serde(default)]
    pub underruns: u64,
}

impl Status {
    pub fn idle(volume: f64) -> Self {
        Status {
            state: StateKind::Idle,
            outcome: None,
            volume,
            remaining_s: None,
            started_at: None,
            ends_at: None,
            explanation: None,
            pack: None,
            layers: Vec::new(),
            audio_error: None,
            output: None,
            silent_reason: None,
            schedule_paused: false,
            last_markers: None,
            underruns: 0,
        }
    }
}

/// One live layer of a scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    pub name: String,
    /// Generator kind: noise, drone, rain, wind, waves, stream, crickets, fire, sample...
    pub kind: String,
    /// Pack the layer came from.
    #[serde(default)]
    pub pack: Option<String>,
    /// User gain for this layer, 0..1.
    pub volume: f64,
    pub muted: bool,
}

/// A sound pack and whether it loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackInfo {
    pub name: String,
    pub path: String,
    /// "loaded" or "error".
    pub state: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub outcomes: Vec<Outcome>,
    /// Why it failed to load (names the file and field); when a last good version exists it stays in use.
    #[serde(default)]
    pub error: Option<String>,
}

/// Whether an audio sample was usable for a reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    pub ok: bool,
    /// Plain reason when not ok (or a note when ok), e.g. "too little speech (0.8 s, need 1.5 s)".
    pub reason: Option<String>,
}

/// One 10 ms analysis frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PitchFrame {
    pub t: f64,
    pub f0: Option<f64>,
}

/// What the analyser read from a voice sample: the `analyze --json` object.
/// Fields that cannot be computed are null, never invented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceReport {
    pub duration_s: f64,
    pub sample_rate: u32,
    pub speech_s: f64,
    pub voiced_fraction: f64,
    pub f0_mean_hz: Option<f64>,
    pub f0_median_hz: Option<f64>,
    pub f0_sd_st: Option<f64>,
    pub f0_p5_hz: Option<f64>,
    pub f0_p95_hz: Option<f64>,
    pub intensity_mean_db: Option<f64>,
    pub jitter_local: Option<f64>,
    pub shimmer_local: Option<f64>,
    pub hnr_db: Option<f64>,
    pub speech_rate_syl_s: Option<f64>,
    pub pause_fraction: Option<f64>,
    pub spectral_centroid_hz: Option<f64>,
    pub alpha_ratio_db: Option<f64>,
    /// Null when quality is not ok.
    pub markers: Option<Markers>,
    /// 0..1: how much to trust the markers (low until a personal baseline exists).
    pub confidence: f64,
    pub quality: Quality,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<Vec<PitchFrame>>,
}

impl VoiceReport {
    /// A report with nothing measured yet: every feature null, no markers, quality not ok.
    /// The analyser starts from it, and tests fill in only what they need.
    pub fn empty(duration_s: f64, sample_rate: u32) -> VoiceReport {
        VoiceReport {
            duration_s,
            sample_rate,
            speech_s: 0.0,
            voiced_fraction: 0.0,
            f0_mean_hz: None,
            f0_median_hz: None,
            f0_sd_st: None,
            f0_p5_hz: None,
            f0_p95_hz: None,
            intensity_mean_db: None,
            jitter_local: None,
            shimmer_local: None,
            hnr_db: None,
            speech_rate_syl_s: None,
            pause_fraction: None,
            spectral_centroid_hz: None,
            alpha_ratio_db: None,
            markers: None,
            confidence: 0.0,
            quality: Quality { ok: false, reason: None },
            frames: None,
        }
    }
}

/// What the personal baseline made of a check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// Good check-ins the baseline is built from.
    pub checkins: u32,
    /// Check-ins needed before markers are read against the person's own voice.
    pub needed: u32,
    /// "personal" or "population".
    pub reference: String,
}

/// Reply to `checkin`: the analysis plus the baseline's view and a plain summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinReport {
    #[serde(flatten)]
    pub report: VoiceReport,
    pub baseline: BaselineInfo,
    /// A few plain lines ("You sound a little tense; confidence: low, 2 of 5 baseline check-ins").
    pub summary: String,
    /// History row id, when stored.
    #[serde(default)]
    pub checkin_id: Option<i64>,
    /// Shown once, on the very first check-in.
    #[serde(default)]
    pub first_run_notice: Option<String>,
}

/// Reply to `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub version: String,
    pub protocol: u32,
}

/// One schedule entry with its next run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleEntryInfo {
    pub name: String,
    pub at: String,
    pub days: String,
    pub outcome: Outcome,
    pub minutes: Option<u32>,
    pub checkin: bool,
    /// RFC 3339 with the local offset; null when paused or never.
    pub next_run: Option<String>,
    #[serde(default)]
    pub skip_next: bool,
}

/// Reply to `schedule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleInfo {
    pub paused: bool,
    pub entries: Vec<ScheduleEntryInfo>,
    /// Entries that could not be read, each naming its line.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// The answer to `insights`: what seems to help, per outcome and time of day, learned from the
/// person's own ratings on this computer. Not a measurement of health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    /// One plain sentence on what this is (and is not).
    pub note: String,
    pub outcomes: Vec<OutcomeInsight>,
    /// Set after `insights --reset`: how many sessions are no longer learned from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_sessions: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeInsight {
    pub outcome: Outcome,
    /// Sessions learned from, and how many of them were rated.
    pub sessions: u32,
    pub rated_sessions: u32,
    /// Per time of day with any session, morning first.
    pub times: Vec<TimeInsight>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeInsight {
    /// morning, afternoon, evening or night.
    pub time: String,
    pub sessions: u32,
    pub rated_sessions: u32,
    /// The pack that seems to help most (highest estimate), when anything was rated.
    pub best: Option<String>,
    /// Every pack for the outcome, best estimate first.
    pub packs: Vec<PackInsight>,
    /// What it is likely to play next here, most likely first (share of 0..1).
    pub next: Vec<NextPick>,
    /// The plain-words summary, e.g. "Evenings, sleep: night rated 4.5 on average over 6 sessions; still trying others now and then."
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackInsight {
    pub pack: String,
    pub sessions: u32,
    pub rated: u32,
    /// The plain average of its ratings here.
    pub mean_rating: Option<f64>,
    /// The learner's estimate on the 1-5 scale (all signals, older sessions counting less) and
    /// an 80 % interval around it: how sure it is.
    pub estimate: f64,
    pub interval: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextPick {
    pub pack: String,
    pub share: f64,
}
