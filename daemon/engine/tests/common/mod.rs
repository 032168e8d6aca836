//! Measurements shared by the render tests: reference loudness (ebur128), a click detector, a
//! brightness measure and a movement measure, all on real rendered audio.
#![allow(dead_code)]

use sonora_engine::{PackLibrary, SceneRequest, build_scene};
use sonora_proto::{Markers, Outcome};
use std::path::PathBuf;

pub const SR: u32 = 48_000;

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sonora-engine-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn req(outcome: Outcome, seed: u64, minutes: Option<f64>) -> SceneRequest {
    SceneRequest {
        outcome,
        markers: None,
        seed,
        minutes,
        sample_rate: SR,
        preset: None,
        pack: None,
        avoid: Vec::new(),
        focus_pulse: false,
    }
}

pub fn tense() -> Option<(Markers, f64)> {
    Some((Markers { stress: 0.9, fatigue: 0.1, energy: 0.7 }, 0.9))
}

pub fn relaxed() -> Option<(Markers, f64)> {
    Some((Markers { stress: 0.05, fatigue: 0.2, energy: 0.1 }, 0.9))
}

/// Plays a live scene for `secs` seconds in 480-frame callbacks, like the daemon would.
pub fn play(req: &SceneRequest, packs: &PackLibrary, secs: f64) -> Vec<f32> {
    let (mut src, _) = build_scene(req, packs).unwrap();
    let frames = (secs * req.sample_rate as f64) as usize;
    let mut out = vec![0.0f32; frames * 2];
    for chunk in out.chunks_mut(960) {
        src.fill(chunk);
    }
    out
}

pub fn read_wav(path: &std::path::Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!((spec.channels, spec.sample_rate), (2, SR));
    r.samples::<f32>().map(|s| s.unwrap()).collect()
}

pub struct Reference {
    pub integrated: f64,
    pub true_peak_dbtp: f64,
    pub sample_peak: f64,
}

/// EBU R128 measurement by the `ebur128` crate.
pub fn reference(x: &[f32]) -> Reference {
    use ebur128::{EbuR128, Mode};
    let mut m = EbuR128::new(2, SR, Mode::I | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK).unwrap();
    m.add_frames_f32(x).unwrap();
    let tp = m.true_peak(0).unwrap().max(m.true_peak(1).unwrap());
    let sp = m.sample_peak(0).unwrap().max(m.sample_peak(1).unwrap());
    Reference { integrated: m.loudness_global().unwrap(), true_peak_dbtp: 20.0 * tp.log10(), sample_peak: sp }
}

/// Integrated loudness of a slice (ebur128).
pub fn lufs(x: &[f32]) -> f64 {
    reference(x).integrated
}

pub fn all_finite_and_bounded(x: &[f32]) -> bool {
    x.iter().all(|s| s.is_finite() && s.abs() < 1.0)
}

/// Click detector: high-pass by first difference, then compare each sample-to-sample jump with
/// the RMS of the differences in the surrounding 10 ms. Sounds lasting a millisecond or more
/// (drops, chirps, crackles) can't exceed ~6x; a one-sample discontinuity can reach ~22x.
/// Returns the worst ratio and its time (s). Near-silent sections are ignored.
pub fn worst_click(x: &[f32]) -> (f64, f64) {
    let win = (SR / 200) as usize; // 5 ms either side
    let mut worst = (0.0, 0.0);
    for ch in 0..2 {
        let s: Vec<f64> = x.iter().skip(ch).step_by(2).map(|&v| v as f64).collect();
        let d: Vec<f64> = s.windows(2).map(|w| w[1] - w[0]).collect();
        // Prefix sums of squares for fast windowed RMS.
        let mut pre = vec![0.0; d.len() + 1];
        for (i, v) in d.iter().enumerate() {
            pre[i + 1] = pre[i] + v * v;
        }
        for (i, v) in d.iter().enumerate() {
            let (a, b) = (i.saturating_sub(win), (i + win).min(d.len()));
            let rms = ((pre[b] - pre[a]) / (b - a) as f64).sqrt();
            if rms < 3e-4 {
                continue;
            }
            let r = v.abs() / rms;
            if r > worst.0 {
                worst = (r, i as f64 / SR as f64);
            }
        }
    }
    worst
}

/// RMS frequency (Hz) of the mid signal: sqrt(E[diff^2] / E[x^2]) * sr / 2pi. A compact measure
/// of spectral tilt: darker sound, lower value.
pub fn brightness_hz(x: &[f32]) -> f64 {
    let m: Vec<f64> = x.chunks_exact(2).map(|f| (f[0] + f[1]) as f64 * 0.5).collect();
    let e: f64 = m.iter().map(|v| v * v).sum();
    let d: f64 = m.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum();
    (d / e.max(1e-20)).sqrt() * SR as f64 / (2.0 * std::f64::consts::PI)
}

/// Swells per minute: upward crossings of the 250 ms loudness envelope through its median, with
/// 1.5 dB hysteresis so texture flicker doesn't count. Livelier scenes swell and gust faster.
pub fn swells_per_min(x: &[f32]) -> f64 {
    let w = (SR / 4) as usize * 2;
    let env: Vec<f64> = x
        .chunks_exact(w)
        .map(|c| 10.0 * ((c.iter().map(|v| (v * v) as f64).sum::<f64>() / c.len() as f64).max(1e-12)).log10())
        .collect();
    let smooth: Vec<f64> = env.windows(3).map(|p| (p[0] + p[1] + p[2]) / 3.0).collect();
    let mut sorted = smooth.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let median = sorted[sorted.len() / 2];
    let (mut below, mut ups) = (false, 0);
    for v in &smooth {
        if *v < median - 1.5 {
            below = true;
        } else if *v > median + 1.5 && below {
            below = false;
            ups += 1;
        }
    }
    ups as f64 / (x.len() as f64 / 2.0 / SR as f64 / 60.0)
}
