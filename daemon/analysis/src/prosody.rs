//! Loudness contour, speech/pause segmentation and syllable nuclei.

use crate::pitch::PitchTrack;

/// Praat's dB scale: samples are read as pascals, re 20 µPa, so figures match Praat's "Intensity".
const REF_POWER: f64 = 4e-10;
/// Floor for digital silence, so percentiles stay finite.
pub const FLOOR_DB: f64 = -100.0;

/// An intensity contour sampled every `dt` seconds from `t0`.
#[derive(Debug, Clone, Default)]
pub struct Contour {
    pub t0: f64,
    pub dt: f64,
    pub db: Vec<f64>,
}

impl Contour {
    pub fn time(&self, i: usize) -> f64 {
        self.t0 + i as f64 * self.dt
    }
    /// Index of the frame nearest to `t`, if any.
    pub fn index_at(&self, t: f64) -> Option<usize> {
        if self.db.is_empty() {
            return None;
        }
        let i = ((t - self.t0) / self.dt).round();
        (i >= 0.0 && (i as usize) < self.db.len()).then_some(i as usize)
    }
}

fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let y = x * x / 4.0;
    for k in 1..60 {
        term *= y / (k * k) as f64;
        sum += term;
        if term < sum * 1e-16 {
            break;
        }
    }
    sum
}

/// Praat's "To Intensity": a Kaiser (beta 20) window of 6.4 / `min_pitch` seconds, so one pitch
/// period's ripple is smoothed away, mean removed in each window.
pub fn intensity(x: &[f32], fs: f64, min_pitch: f64, dt: f64) -> Contour {
    let win_s = 6.4 / min_pitch;
    let mut n = (win_s * fs).round() as usize;
    n |= 1;
    let half = (n / 2) as isize;
    let beta = 20.0;
    let i0b = bessel_i0(beta);
    let w: Vec<f64> = (0..n)
        .map(|i| {
            let u = (i as f64 - half as f64) / half as f64;
            bessel_i0(beta * (1.0 - u * u).max(0.0).sqrt()) / i0b
        })
        .collect();
    let wsum: f64 = w.iter().sum();
    let (frames, t0) = crate::pitch::frame_grid(x.len(), fs, n as f64 / fs, dt);
    let mut db = Vec::with_capacity(frames);
    for f in 0..frames {
        let c = ((t0 + f as f64 * dt) * fs).round() as isize;
        let start = c - half;
        let (mut sw, mut sw2) = (0.0f64, 0.0f64);
        for (i, &wi) in w.iter().enumerate() {
            let idx = start + i as isize;
            if idx >= 0 && (idx as usize) < x.len() {
                let v = x[idx as usize] as f64;
                sw += wi * v;
                sw2 += wi * v * v;
            }
        }
        let power = ((sw2 - sw * sw / wsum) / wsum).max(0.0);
        db.push(if power > 0.0 { (10.0 * (power / REF_POWER).log10()).max(FLOOR_DB) } else { FLOOR_DB });
    }
    Contour { t0, dt, db }
}

/// Value at quantile `q` (0..1) of `v` (copied; `v` is short).
pub fn quantile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(s[lo] + (s[hi] - s[lo]) * (pos - lo as f64))
}

/// Where a contour counts as sound rather than pause: de Jong & Wempe's 25 dB below the 99th
/// percentile, raised towards the noise floor when background noise would otherwise be taken
/// for speech.
pub fn sounding_threshold(c: &Contour) -> f64 {
    let max99 = quantile(&c.db, 0.99).unwrap_or(FLOOR_DB);
    let p5 = quantile(&c.db, 0.05).unwrap_or(FLOOR_DB);
    let min = c.db.iter().copied().fold(f64::INFINITY, f64::min);
    (max99 - 25.0).max(p5 + 0.35 * (max99 - p5)).max(min)
}

#[derive(Debug, Clone, Default)]
pub struct Segmentation {
    /// Sounding intervals (start, end) in seconds.
    pub sounding: Vec<(f64, f64)>,
    pub speech_s: f64,
    /// Pause time between the first and last sounding interval over that span; None without speech.
    pub pause_fraction: Option<f64>,
}

/// Splits the recording into sounding and silent stretches like Praat's "To TextGrid (silences)":
/// silences shorter than 0.3 s are speech, sounds shorter than 0.1 s are not.
pub fn segment(c: &Contour) -> Segmentation {
    let thr = sounding_threshold(c);
    let mut on: Vec<bool> = c.db.iter().map(|&v| v > thr).collect();
    let min_pause = (0.3 / c.dt).round() as usize;
    let min_sound = (0.1 / c.dt).round() as usize;
    fill_runs(&mut on, false, min_pause, true);
    fill_runs(&mut on, true, min_sound, false);
    let mut sounding = Vec::new();
    let mut i = 0;
    while i < on.len() {
        if on[i] {
            let s = i;
            while i < on.len() && on[i] {
                i += 1;
            }
            sounding.push((c.time(s) - c.dt / 2.0, c.time(i - 1) + c.dt / 2.0));
        } else {
            i += 1;
        }
    }
    let speech_s: f64 = sounding.iter().map(|(a, b)| b - a).sum();
    let pause_fraction = match (sounding.first(), sounding.last()) {
        (Some(first), Some(last)) if last.1 > first.0 => {
            let span = last.1 - first.0;
            Some(((span - speech_s) / span).clamp(0.0, 1.0))
        }
        _ => None,
    };
    Segmentation { sounding, speech_s, pause_fraction }
}

/// Turns runs of `value` shorter than `min_len` into `!value`, except runs touching the edges
/// when they are silence (leading and trailing silence is not a pause).
fn fill_runs(on: &mut [bool], value: bool, min_len: usize, keep_edges: bool) {
    let mut i = 0;
    while i < on.len() {
        if on[i] == value {
            let s = i;
            while i < on.len() && on[i] == value {
                i += 1;
            }
            let edge = s == 0 || i == on.len();
            if i - s < min_len && !(keep_edges && edge) {
                on[s..i].iter_mut().for_each(|v| *v = !value);
            }
        } else {
            i += 1;
        }
    }
}

/// Syllable nuclei after de Jong & Wempe (2009): intensity peaks above the sounding threshold,
/// separated from the next peak by a dip of at least 2 dB, and voiced. Returns their times.
pub fn syllable_nuclei(c: &Contour, pitch: &PitchTrack) -> Vec<f64> {
    if c.db.len() < 3 {
        return Vec::new();
    }
    let max99 = quantile(&c.db, 0.99).unwrap_or(FLOOR_DB);
    let p5 = quantile(&c.db, 0.05).unwrap_or(FLOOR_DB);
    let min = c.db.iter().copied().fold(f64::INFINITY, f64::min);
    let thr = (max99 - 25.0).max(p5 + 0.35 * (max99 - p5)).max(min);
    let peaks: Vec<usize> = (1..c.db.len() - 1)
        .filter(|&i| c.db[i] > c.db[i - 1] && c.db[i] >= c.db[i + 1] && c.db[i] > thr)
        .collect();
    let mut nuclei = Vec::new();
    for (k, &p) in peaks.iter().enumerate() {
        // The dip after the last peak is measured to the end of the contour.
        let end = peaks.get(k + 1).copied().unwrap_or(c.db.len() - 1);
        let dip = c.db[p..=end].iter().copied().fold(f64::INFINITY, f64::min);
        if c.db[p] - dip <= 2.0 {
            continue;
        }
        let t = c.time(p);
        if voiced_near(pitch, t, 0.02) {
            nuclei.push(t);
        }
    }
    nuclei
}

fn voiced_near(pitch: &PitchTrack, t: f64, tol: f64) -> bool {
    let Some(first) = pitch.frames.first() else { return false };
    let dt = pitch.time_step;
    let lo = ((t - tol - first.t) / dt).floor().max(0.0) as usize;
    let hi = (((t + tol - first.t) / dt).ceil().max(0.0) as usize).min(pitch.frames.len().saturating_sub(1));
    (lo..=hi).any(|i| pitch.frames.get(i).is_some_and(|f| f.f0.is_some()))
}
