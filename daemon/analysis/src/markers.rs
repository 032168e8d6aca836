//! From voice features to everyday signals (stress, fatigue, energy), first against population
//! defaults and then against the person's own voice. See MARKERS.md for the formulas and sources.

use serde::{Deserialize, Serialize};
use sonora_proto::{Markers, VoiceReport};

/// Check-ins before markers are read against the person's own voice rather than population defaults.
pub const BASELINE_MIN: usize = 5;
/// Only the most recent check-ins shape the baseline, so it follows slow changes in a voice or setup.
pub const BASELINE_MAX: usize = 30;
/// Most a population-default reading can claim: voices differ too much between people.
pub const POPULATION_CONFIDENCE_MAX: f64 = 0.35;
/// Most a personal reading can claim: these are estimates from a few seconds of speech.
pub const PERSONAL_CONFIDENCE_MAX: f64 = 0.85;

/// The per-check-in numbers the personal baseline keeps. `None` where the report had no value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Features {
    /// Median F0 in semitones re 27.5 Hz (the eGeMAPS convention).
    pub f0_median_st: Option<f64>,
    pub f0_sd_st: Option<f64>,
    pub intensity_db: Option<f64>,
    pub speech_rate: Option<f64>,
    pub pause_fraction: Option<f64>,
    pub alpha_ratio_db: Option<f64>,
    pub hnr_db: Option<f64>,
    pub jitter: Option<f64>,
    pub shimmer: Option<f64>,
    pub spectral_centroid: Option<f64>,
}

/// Number of features; arrays below follow the field order of `Features`.
const NF: usize = 10;

/// Weights of each feature's z-score in (stress, fatigue, energy). Rows follow the indices above.
/// Signs follow the literature summarised in MARKERS.md.
const WEIGHTS: [[f64; 3]; NF] = [
    [0.25, -0.05, 0.15],  // F0 level: raised under arousal
    [0.15, -0.30, 0.25],  // F0 variability: flat when tired, lively when energetic
    [0.20, -0.20, 0.30],  // loudness
    [0.15, -0.25, 0.20],  // articulation rate
    [-0.05, 0.20, -0.10], // pauses
    [0.15, -0.05, 0.05],  // alpha ratio: flatter tilt (more high-frequency energy) under arousal
    [0.00, -0.10, 0.05],  // HNR: breathier, noisier voice when tired
    [0.00, 0.05, 0.00],   // jitter
    [0.00, 0.05, 0.00],   // shimmer
    [0.10, -0.05, 0.00],  // spectral centroid
];

/// Steepness of the logistic that maps a weighted z-sum to 0..1.
const GAIN: f64 = 1.5;
const Z_CLIP: f64 = 3.0;

/// Population reference (centre, spread) for features that are comparable between people and
/// microphones; None for those that are not (F0 level depends on the speaker, loudness and
/// centroid on the microphone) so they only count once a personal baseline exists.
const POPULATION: [Option<(f64, f64)>; NF] = [
    None,
    Some((2.5, 1.0)),
    None,
    Some((4.0, 1.0)),
    Some((0.18, 0.10)),
    Some((-12.0, 5.0)),
    Some((12.0, 4.0)),
    Some((0.015, 0.01)),
    Some((0.08, 0.04)),
    None,
];

/// Smallest spread a personal baseline is allowed, so a person who happens to read identically
/// five times does not see every tiny change as a large one.
const MIN_SPREAD: [f64; NF] = [0.5, 0.3, 1.5, 0.3, 0.04, 1.0, 1.0, 0.003, 0.01, 80.0];

impl Features {
    pub fn from_report(r: &VoiceReport) -> Option<Features> {
        if !r.quality.ok {
            return None;
        }
        Some(Features {
            f0_median_st: r.f0_median_hz.filter(|&f| f > 0.0).map(|f| 12.0 * (f / 27.5).log2()),
            f0_sd_st: r.f0_sd_st,
            intensity_db: r.intensity_mean_db,
            speech_rate: r.speech_rate_syl_s,
            pause_fraction: r.pause_fraction,
            alpha_ratio_db: r.alpha_ratio_db,
            hnr_db: r.hnr_db,
            jitter: r.jitter_local,
            shimmer: r.shimmer_local,
            spectral_centroid: r.spectral_centroid_hz,
        })
    }

    fn values(&self) -> [Option<f64>; NF] {
        [
            self.f0_median_st,
            self.f0_sd_st,
            self.intensity_db,
            self.speech_rate,
            self.pause_fraction,
            self.alpha_ratio_db,
            self.hnr_db,
            self.jitter,
            self.shimmer,
            self.spectral_centroid,
        ]
    }
}

/// Median and scaled MAD of each feature over the person's recent good check-ins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Baseline {
    /// Per feature: (median, robust spread), None when too few check-ins carried it.
    centre: Vec<Option<(f64, f64)>>,
    n: usize,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { 0.5 * (v[m - 1] + v[m]) }
}

impl Baseline {
    /// `past` oldest first; only the last `BASELINE_MAX` are used.
    pub fn from_history(past: &[Features]) -> Baseline {
        let recent = &past[past.len().saturating_sub(BASELINE_MAX)..];
        let centre = (0..NF)
            .map(|k| {
                let mut v: Vec<f64> =
                    recent.iter().filter_map(|f| f.values()[k]).filter(|v| v.is_finite()).collect();
                if v.len() < 2.max(recent.len() / 2) {
                    return None;
                }
                let med = median(&mut v);
                let mut dev: Vec<f64> = v.iter().map(|x| (x - med).abs()).collect();
                let mad = 1.4826 * median(&mut dev);
                Some((med, mad.max(MIN_SPREAD[k])))
            })
            .collect();
        Baseline { centre, n: recent.len() }
    }

    /// Check-ins the baseline is built from.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}

fn logistic(s: f64) -> f64 {
    1.0 / (1.0 + (-GAIN * s).exp())
}

fn combine(z: &[Option<f64>; NF]) -> Markers {
    let mut s = [0.0f64; 3];
    for (k, zk) in z.iter().enumerate() {
        if let Some(zk) = zk {
            let zk = zk.clamp(-Z_CLIP, Z_CLIP);
            for (m, sm) in s.iter_mut().enumerate() {
                *sm += WEIGHTS[k][m] * zk;
            }
        }
    }
    Markers { stress: logistic(s[0]), fatigue: logistic(s[1]), energy: logistic(s[2]) }
}

/// Markers against population defaults.
pub fn population_markers(f: &Features) -> Markers {
    let vals = f.values();
    let z: [Option<f64>; NF] = std::array::from_fn(|k| match (vals[k], POPULATION[k]) {
        (Some(v), Some((c, s))) => Some((v - c) / s),
        _ => None,
    });
    combine(&z)
}

/// Markers against the person's own baseline.
pub fn personal_markers(f: &Features, b: &Baseline) -> Markers {
    let vals = f.values();
    let z: [Option<f64>; NF] = std::array::from_fn(|k| match (vals[k], b.centre.get(k).copied().flatten()) {
        (Some(v), Some((c, s))) => Some((v - c) / s),
        _ => None,
    });
    combine(&z)
}

/// Re-reads the markers against the person's own voice. Below `BASELINE_MIN` check-ins the
/// personal reading is blended in proportionally, so markers move smoothly from population to
/// personal rather than jumping on the fifth check-in.
pub fn apply_baseline(report: &mut VoiceReport, baseline: &Baseline) {
    let Some(features) = Features::from_report(report) else { return };
    let Some(pop) = report.markers else { return };
    let n = baseline.len();
    if n == 0 {
        return;
    }
    let personal = personal_markers(&features, baseline);
    let w = (n as f64 / BASELINE_MIN as f64).min(1.0);
    let mix = |a: f64, b: f64| (1.0 - w) * a + w * b;
    report.markers = Some(Markers {
        stress: mix(pop.stress, personal.stress),
        fatigue: mix(pop.fatigue, personal.fatigue),
        energy: mix(pop.energy, personal.energy),
    });
    // Confidence grows with the baseline up to ~20 check-ins, scaled by how good this sample was.
    let sample_quality = (report.confidence / POPULATION_CONFIDENCE_MAX).clamp(0.0, 1.0);
    let growth = 0.6 + 0.4 * ((n as f64 - BASELINE_MIN as f64) / 15.0).clamp(0.0, 1.0);
    let personal_conf = PERSONAL_CONFIDENCE_MAX * growth * sample_quality;
    report.confidence = mix(report.confidence, personal_conf).clamp(0.0, PERSONAL_CONFIDENCE_MAX);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(f0: f64, int: f64, rate: f64) -> Features {
        Features {
            f0_median_st: Some(f0),
            f0_sd_st: Some(2.5),
            intensity_db: Some(int),
            speech_rate: Some(rate),
            pause_fraction: Some(0.15),
            alpha_ratio_db: Some(-12.0),
            hnr_db: Some(12.0),
            jitter: Some(0.01),
            shimmer: Some(0.08),
            spectral_centroid: Some(900.0),
        }
    }

    #[test]
    fn baseline_uses_median_and_robust_spread() {
        let hist: Vec<Features> = (0..7).map(|i| f(40.0 + i as f64 * 0.1, 70.0, 4.0)).collect();
        let b = Baseline::from_history(&hist);
        assert_eq!(b.len(), 7);
        let (med, spread) = b.centre[0].unwrap();
        assert!((med - 40.3).abs() < 1e-9);
        assert_eq!(spread, MIN_SPREAD[0], "tiny spread is floored");
        // An outlier check-in barely moves a median baseline.
        let mut with_outlier = hist.clone();
        with_outlier.push(f(60.0, 90.0, 9.0));
        let b2 = Baseline::from_history(&with_outlier);
        assert!((b2.centre[0].unwrap().0 - 40.35).abs() < 1e-9);
    }

    #[test]
    fn baseline_keeps_only_recent_checkins() {
        let hist: Vec<Features> = (0..50).map(|i| f(40.0, 60.0 + i as f64, 4.0)).collect();
        let b = Baseline::from_history(&hist);
        assert_eq!(b.len(), BASELINE_MAX);
        assert!(b.centre[2].unwrap().0 > 90.0);
        assert!(Baseline::from_history(&[]).is_empty());
    }

    #[test]
    fn directions_against_a_personal_baseline() {
        let hist: Vec<Features> =
            (0..6).map(|i| f(40.0 + (i % 3) as f64 * 0.3, 70.0 + (i % 2) as f64, 4.0)).collect();
        let b = Baseline::from_history(&hist);
        let same = personal_markers(&f(40.3, 70.5, 4.0), &b);
        let up = personal_markers(&f(44.0, 76.0, 5.0), &b);
        let down = personal_markers(&Features { f0_sd_st: Some(1.0), ..f(40.0, 64.0, 3.0) }, &b);
        assert!(up.stress > same.stress + 0.2 && up.energy > same.energy + 0.2, "{up:?} vs {same:?}");
        assert!(down.fatigue > same.fatigue + 0.2, "{down:?} vs {same:?}");
        for m in [same, up, down] {
            for v in [m.stress, m.fatigue, m.energy] {
                assert!((0.0..=1.0).contains(&v));
            }
        }
    }

    #[test]
    fn population_markers_ignore_speaker_and_microphone_dependent_levels() {
        let a = population_markers(&f(30.0, 50.0, 4.0));
        let b = population_markers(&f(50.0, 90.0, 4.0));
        assert_eq!(a, b);
    }
}

/// What the baseline made of a check-in, for `CheckinReport.baseline`.
pub fn baseline_info(baseline: &Baseline) -> sonora_proto::BaselineInfo {
    sonora_proto::BaselineInfo {
        checkins: baseline.len() as u32,
        needed: BASELINE_MIN as u32,
        reference: if baseline.len() >= BASELINE_MIN { "personal" } else { "population" }.to_string(),
    }
}

/// A few plain words for a check-in ("You sound a little tense; confidence: low, 2 of 5 baseline
/// check-ins"), so every front end words the markers the same way.
pub fn summary(report: &VoiceReport, baseline: &Baseline) -> String {
    if !report.quality.ok {
        let reason = report.quality.reason.as_deref().unwrap_or("the sample could not be used");
        return format!("Could not read your voice this time: {reason}.");
    }
    let Some(m) = report.markers else { return "No reading this time.".to_string() };
    let level = |v: f64, mild: &'static str, strong: &'static str| {
        if v >= 0.8 {
            Some(strong)
        } else if v >= 0.65 {
            Some(mild)
        } else {
            None
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(level(m.stress, "a little tense", "tense"));
    parts.extend(level(m.fatigue, "a little tired", "tired"));
    parts.extend(level(m.energy, "lively", "full of energy"));
    if m.energy <= 0.35 && m.fatigue < 0.65 {
        parts.push("a bit low on energy");
    }
    if m.stress <= 0.3 && m.fatigue < 0.65 {
        parts.push("relaxed");
    }
    let personal = baseline.len() >= BASELINE_MIN;
    let feel = if parts.is_empty() {
        if personal {
            "You sound much like your usual self".to_string()
        } else {
            "You sound steady".to_string()
        }
    } else {
        let last = parts.pop().unwrap_or_default();
        if parts.is_empty() {
            format!("You sound {last}")
        } else {
            format!("You sound {} and {last}", parts.join(", "))
        }
    };
    // Before a personal baseline exists the reading is against population defaults: always low.
    let conf = match report.confidence {
        _ if !personal => "low",
        c if c < 0.3 => "low",
        c if c < 0.6 => "moderate",
        _ => "good",
    };
    let basis = if personal {
        format!("compared with your last {} check-ins", baseline.len())
    } else {
        format!("{} of {BASELINE_MIN} baseline check-ins", baseline.len())
    };
    format!("{feel}; confidence: {conf}, {basis}.")
}

#[cfg(test)]
mod summary_tests {
    use super::*;
    use sonora_proto::Quality;

    fn report(stress: f64, fatigue: f64, energy: f64, confidence: f64) -> VoiceReport {
        VoiceReport {
            speech_s: 4.0,
            voiced_fraction: 0.6,
            markers: Some(Markers { stress, fatigue, energy }),
            confidence,
            quality: Quality { ok: true, reason: None },
            ..VoiceReport::empty(5.0, 16_000)
        }
    }

    #[test]
    fn plain_words() {
        let none = Baseline::default();
        assert_eq!(
            summary(&report(0.7, 0.4, 0.5, 0.2), &none),
            "You sound a little tense; confidence: low, 0 of 5 baseline check-ins."
        );
        let hist = vec![Features::default(); 6];
        let b = Baseline::from_history(&hist);
        assert_eq!(
            summary(&report(0.5, 0.5, 0.5, 0.6), &b),
            "You sound much like your usual self; confidence: good, compared with your last 6 check-ins."
        );
        assert!(summary(&report(0.5, 0.85, 0.2, 0.4), &b).starts_with("You sound tired;"));
        let mut bad = report(0.5, 0.5, 0.5, 0.0);
        bad.quality = Quality { ok: false, reason: Some("only silence".into()) };
        assert_eq!(summary(&bad, &b), "Could not read your voice this time: only silence.");
        let info = baseline_info(&b);
        assert_eq!((info.checkins, info.needed, info.reference.as_str()), (6, 5, "personal"));
    }
}
