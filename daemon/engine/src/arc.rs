//! The session arc (iso principle): the scene opens close to how the person sounded and moves
//! gradually toward the outcome's target.
//!
//! The arc is three slow numbers computed per block: `activity` (speed of swells, gusts, drops
//! and movement; 0 = at rest), `brightness` (spectral tilt; 0 = dark) and `level` (a gain after
//! loudness calibration; it only moves for a tired opening and for sleep's fade).

use crate::dsp::smoothstep;
use sonora_proto::{Markers, Outcome};

/// How strongly each marker moves the opening; a pack may override these (`[markers]`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkerWeights {
    /// Stress → livelier and brighter opening.
    pub stress: f64,
    /// Energy → livelier opening.
    pub energy: f64,
    /// Fatigue → softer and darker opening.
    pub fatigue: f64,
}

impl Default for MarkerWeights {
    fn default() -> Self {
        MarkerWeights { stress: 0.8, energy: 0.5, fatigue: 0.6 }
    }
}

/// One point of the arc.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArcPoint {
    pub activity: f32,
    pub brightness: f32,
    /// Linear gain, 1 = calibrated loudness (-23 LUFS).
    pub level: f32,
}

/// Why the opening sounds as it does, for the explanation line.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mood {
    NoCheckin,
    Tense,
    Lively,
    Tired,
    Settled,
}

#[derive(Clone, Debug)]
pub struct SessionArc {
    outcome: Outcome,
    start: ArcPoint,
    target: ArcPoint,
    /// Seconds to move from start to target.
    settle_s: f64,
    /// Session length in seconds, if timed.
    total_s: Option<f64>,
    mood: Mood,
}

/// Where each outcome settles. Calm: slow swells (activity 0 = ~6 swells a minute), darker.
/// Focus: steady middle. Sleep: darkest and stillest.
fn target_for(outcome: Outcome) -> ArcPoint {
    match outcome {
        Outcome::Calm => ArcPoint { activity: 0.0, brightness: 0.3, level: 1.0 },
        Outcome::Focus => ArcPoint { activity: 0.2, brightness: 0.5, level: 1.0 },
        Outcome::Sleep => ArcPoint { activity: 0.0, brightness: 0.0, level: 1.0 },
    }
}

impl SessionArc {
    pub fn new(
        outcome: Outcome,
        markers: Option<(Markers, f64)>,
        minutes: Option<f64>,
        weights: MarkerWeights,
    ) -> Self {
        let target = target_for(outcome);
        let total_s = minutes.filter(|m| m.is_finite() && *m > 0.0).map(|m| m * 60.0);
        let (start, mood) = match markers {
            None => {
                // Before any check-in: open a little above the target, a gentle generic settle.
                (
                    ArcPoint {
                        activity: target.activity + 0.25,
                        brightness: (target.brightness + 0.15).min(1.0),
                        level: 1.0,
                    },
                    Mood::NoCheckin,
                )
            }
            Some((m, confidence)) => {
                let c = if confidence.is_finite() { confidence.clamp(0.0, 1.0) } else { 0.0 } as f32;
                let s = clamp01(m.stress) * weights.stress.clamp(0.0, 1.0) as f32;
                let e = clamp01(m.energy) * weights.energy.clamp(0.0, 1.0) as f32;
                let f = clamp01(m.fatigue) * weights.fatigue.clamp(0.0, 1.0) as f32;
                let arousal = (s + e - 0.5 * f).clamp(0.0, 1.0);
                let measured = ArcPoint {
                    activity: arousal,
                    brightness: (0.3 + 0.7 * (s + 0.5 * e) - 0.4 * f).clamp(0.0, 1.0),
                    level: crate::dsp::db_to_amp(-6.0 * f),
                };
                // The words follow the raw readings with the thresholds the check-in summary uses
                // (sonora_analysis::summary: 0.65 and up is "a little"), so the two never disagree.
                let (rs, re, rf) = (clamp01(m.stress), clamp01(m.energy), clamp01(m.fatigue));
                let mood = if rs >= 0.65 && rs >= rf {
                    Mood::Tense
                } else if rf >= 0.65 {
                    Mood::Tired
                } else if re >= 0.65 {
                    Mood::Lively
                } else {
                    Mood::Settled
                };
                let lerp = |a: f32, b: f32| a + (b - a) * c;
                (
                    ArcPoint {
                        activity: lerp(target.activity, measured.activity),
                        brightness: lerp(target.brightness, measured.brightness),
                        level: lerp(1.0, measured.level),
                    },
                    mood,
                )
            }
        };
        // Focus keeps constant loudness: a tired opening changes colour and pace, not level.
        let start = if outcome == Outcome::Focus { ArcPoint { level: 1.0, ..start } } else { start };
        let (cap_s, share) = match outcome {
            Outcome::Calm => (480.0, 0.5),
            Outcome::Focus => (180.0, 0.3),
            Outcome::Sleep => (600.0, 0.5),
        };
        let settle_s = total_s.map_or(cap_s, |t| (t * share).min(cap_s)).max(1.0);
        SessionArc { outcome, start, target, settle_s, total_s, mood }
    }

    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Session length in seconds, if timed.
    pub fn total_s(&self) -> Option<f64> {
        self.total_s
    }

    pub fn settle_s(&self) -> f64 {
        self.settle_s
    }

    pub fn start(&self) -> ArcPoint {
        self.start
    }

    /// Seconds of the closing fade to silence (sleep with a set length only).
    pub fn fade_out_s(&self) -> Option<f64> {
        match (self.outcome, self.total_s) {
            (Outcome::Sleep, Some(t)) => Some((t * 0.25).min(180.0)),
            _ => None,
        }
    }

    /// The arc at `t` seconds into the session.
    pub fn at(&self, t: f64) -> ArcPoint {
        let x = smoothstep(t / self.settle_s) as f32;
        let mix = |a: f32, b: f32| a + (b - a) * x;
        let mut level = mix(self.start.level, self.target.level);
        if self.outcome == Outcome::Sleep {
            // Quieten continuously: -9 dB over the whole session (or half an hour if untimed).
            let span = self.total_s.unwrap_or(1800.0);
            let db = -9.0 * (t / span).clamp(0.0, 1.0);
            level *= crate::dsp::db_to_amp(db as f32);
            if let (Some(total), Some(fade)) = (self.total_s, self.fade_out_s()) {
                let into = (t - (total - fade)) / fade.max(1e-3);
                level *= 1.0 - smoothstep(into) as f32;
            }
        }
        ArcPoint {
            activity: mix(self.start.activity, self.target.activity),
            brightness: mix(self.start.brightness, self.target.brightness),
            level,
        }
    }

    /// One plain line on why the session sounds as it does.
    pub fn explanation(&self) -> String {
        let mins = (self.settle_s / 60.0).round().max(1.0) as i64;
        let over = if mins == 1 { "over a minute".to_string() } else { format!("over {mins} minutes") };
        let goal = match self.outcome {
            Outcome::Calm => "slow, darker swells",
            Outcome::Focus => "a steady, even bed",
            Outcome::Sleep => "darker and quieter",
        };
        let tail = match self.outcome {
            Outcome::Sleep if self.total_s.is_some() => ", then fading to silence at the end",
            _ => "",
        };
        match self.mood {
            Mood::NoCheckin => {
                format!("starting a little livelier before any check-in, easing into {goal} {over}{tail}")
            }
            Mood::Tense => format!(
                "starting brighter and livelier because you sounded tense, settling into {goal} {over}{tail}"
            ),
            Mood::Lively => format!(
                "starting livelier because you sounded full of energy, easing into {goal} {over}{tail}"
            ),
            Mood::Tired => format!(
                "starting softer and darker because you sounded tired, easing into {goal} {over}{tail}"
            ),
            Mood::Settled => format!(
                "starting close to where you are because you sounded settled, moving into {goal} {over}{tail}"
            ),
        }
    }
}

fn clamp01(x: f64) -> f32 {
    if x.is_finite() { x.clamp(0.0, 1.0) as f32 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tense() -> Option<(Markers, f64)> {
        Some((Markers { stress: 0.9, fatigue: 0.1, energy: 0.6 }, 0.9))
    }

    #[test]
    fn tense_opening_livelier_then_settles() {
        let a = SessionArc::new(Outcome::Calm, tense(), Some(20.0), MarkerWeights::default());
        let relaxed = SessionArc::new(
            Outcome::Calm,
            Some((Markers { stress: 0.05, fatigue: 0.1, energy: 0.1 }, 0.9)),
            Some(20.0),
            MarkerWeights::default(),
        );
        assert!(a.at(0.0).activity > relaxed.at(0.0).activity + 0.3);
        assert!(a.at(0.0).brightness > relaxed.at(0.0).brightness);
        let end = a.at(a.settle_s() + 1.0);
        assert!((end.activity - 0.0).abs() < 1e-4 && (end.brightness - 0.3).abs() < 1e-4);
        assert!(a.explanation().contains("tense"), "{}", a.explanation());
        let none = SessionArc::new(Outcome::Calm, None, None, MarkerWeights::default());
        assert!(none.explanation().contains("before any check-in"));
    }

    #[test]
    fn sleep_fades_to_silence_and_focus_keeps_level() {
        let s = SessionArc::new(Outcome::Sleep, tense(), Some(10.0), MarkerWeights::default());
        assert!(s.at(600.0).level < 1e-6);
        assert!(s.at(300.0).level < s.at(10.0).level);
        let tired = Some((Markers { stress: 0.0, fatigue: 1.0, energy: 0.0 }, 1.0));
        let f = SessionArc::new(Outcome::Focus, tired, Some(10.0), MarkerWeights::default());
        for t in [0.0, 100.0, 599.0] {
            assert_eq!(f.at(t).level, 1.0);
        }
    }

    #[test]
    fn odd_inputs_stay_finite() {
        let m = Some((Markers { stress: f64::NAN, fatigue: f64::INFINITY, energy: -3.0 }, f64::NAN));
        let a = SessionArc::new(Outcome::Sleep, m, Some(f64::NAN), MarkerWeights::default());
        for t in [0.0, 1.0, 1e6] {
            let p = a.at(t);
            assert!(p.activity.is_finite() && p.brightness.is_finite() && p.level.is_finite());
        }
    }
}
