//! Cycle-to-cycle voice measures: jitter, shimmer (Praat's "local" variants) and HNR.
//!
//! Glottal cycles are found like Praat's "To PointProcess (periodic, cc)": start at an extremum
//! in each voiced stretch and step cycle by cycle, placing each next cycle where the waveform best
//! matches the previous one (normalised cross-correlation, parabolic sub-sample refinement).
//! Measuring the period as that lag, rather than as the distance between peaks, keeps the
//! estimate insensitive to where in the cycle the peak happens to fall.

use crate::pitch::{PitchTrack, interpolate_peak};

/// Praat's period limits: shortest and longest period, and the largest ratio between neighbours
/// still counted as one voice rather than a tracking slip.
const PERIOD_FLOOR: f64 = 0.0001;
const PERIOD_CEILING: f64 = 0.02;
const MAX_PERIOD_FACTOR: f64 = 1.3;
const MAX_AMPLITUDE_FACTOR: f64 = 1.6;

#[derive(Debug, Clone, Default)]
pub struct Cycles {
    /// Runs of consecutive cycles: (period in seconds, peak-to-peak amplitude).
    pub runs: Vec<Vec<(f64, f64)>>,
}

impl Cycles {
    pub fn count(&self) -> usize {
        self.runs.iter().map(|r| r.len()).sum()
    }
}

/// Voiced stretches of the pitch track as (start sample, end sample).
fn voiced_runs(pitch: &PitchTrack, fs: f64, len: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let fr = &pitch.frames;
    let dt = pitch.time_step;
    let mut i = 0;
    while i < fr.len() {
        if fr[i].f0.is_some() {
            let s = i;
            while i < fr.len() && fr[i].f0.is_some() {
                i += 1;
            }
            let a = ((fr[s].t - dt / 2.0) * fs).max(0.0) as usize;
            let b = (((fr[i - 1].t + dt / 2.0) * fs) as usize).min(len);
            if b > a {
                out.push((a, b));
            }
        } else {
            i += 1;
        }
    }
    out
}

fn period_at(pitch: &PitchTrack, t: f64) -> Option<f64> {
    let first = pitch.frames.first()?;
    let i = ((t - first.t) / pitch.time_step).round();
    let i = (i.max(0.0) as usize).min(pitch.frames.len() - 1);
    // Look to the nearest voiced frame within 2 frames so stretch edges still get a period.
    for d in 0..3usize {
        for j in [i.saturating_sub(d), (i + d).min(pitch.frames.len() - 1)] {
            if let Some(f0) = pitch.frames[j].f0 {
                return Some(1.0 / f0);
            }
        }
    }
    None
}

/// Normalised cross-correlation of the cycle at `a` (energy `saa`) with the stretch at `a + lag`.
fn ncc(x: &[f32], a: usize, saa: f32, lag: isize, half: usize) -> f64 {
    let b = a as isize + lag;
    if a < half || b < half as isize || a + half >= x.len() || (b as usize) + half >= x.len() {
        return -1.0;
    }
    let b = b as usize;
    let (xa, xb) = (&x[a - half..a + half], &x[b - half..b + half]);
    let (mut sab, mut sbb) = (0.0f32, 0.0f32);
    for (&u, &v) in xa.iter().zip(xb) {
        sab += u * v;
        sbb += v * v;
    }
    if saa <= 0.0 || sbb <= 0.0 { -1.0 } else { sab as f64 / (saa as f64 * sbb as f64).sqrt() }
}

fn energy(x: &[f32], a: usize, half: usize) -> f32 {
    if a < half || a + half >= x.len() {
        return 0.0;
    }
    x[a - half..a + half].iter().map(|v| v * v).sum()
}

/// Peak-to-peak amplitude of the cycle starting at `a` (fractional) lasting `len` samples.
fn cycle_amplitude(x: &[f32], a: f64, len: f64) -> f64 {
    let s = a.floor().max(1.0) as usize;
    let e = ((a + len).ceil() as usize).min(x.len() - 1);
    if e <= s + 2 {
        return 0.0;
    }
    let (mut imax, mut imin) = (s, s);
    for i in s..e {
        if x[i] > x[imax] {
            imax = i;
        }
        if x[i] < x[imin] {
            imin = i;
        }
    }
    let refine = |i: usize, sign: f64| {
        if i == 0 || i + 1 >= x.len() {
            return sign * x[i] as f64;
        }
        let r = [sign * x[i - 1] as f64, sign * x[i] as f64, sign * x[i + 1] as f64];
        interpolate_peak(&r, 1).1
    };
    refine(imax, 1.0) + refine(imin, -1.0)
}

/// Steps through one voiced stretch from its middle outwards, one glottal cycle at a time.
fn track_run(
    x: &[f32],
    fs: f64,
    pitch: &PitchTrack,
    a: usize,
    b: usize,
    ccbuf: &mut Vec<f64>,
) -> Vec<(f64, f64)> {
    let mid = (a + b) / 2;
    let Some(t0) = period_at(pitch, mid as f64 / fs) else { return Vec::new() };
    // Anchor on the largest excursion near the middle.
    let p0 = (t0 * fs) as usize;
    let (lo, hi) = (mid.saturating_sub(p0 / 2).max(a), (mid + p0 / 2).min(b).min(x.len()));
    if hi <= lo {
        return Vec::new();
    }
    let anchor = (lo..hi).max_by(|&i, &j| x[i].abs().total_cmp(&x[j].abs())).unwrap_or(mid);

    let mut forward = Vec::new();
    for dir in [1.0f64, -1.0] {
        let mut pos = anchor as f64;
        let mut seq = Vec::new();
        while let Some(t) = period_at(pitch, pos / fs) {
            let period = t * fs;
            let half = (period / 2.0).round() as usize;
            let base = pos.round() as usize;
            let saa = energy(x, base, half);
            // Search ±10% of the tracked period first; widen to Praat's 0.8..1.25 only when the
            // best match sits on the edge of that range.
            let mut found = None;
            for (f_lo, f_hi) in [(0.9, 1.1), (0.8, 1.25)] {
                let lo = (period * f_lo).floor() as isize;
                let hi = (period * f_hi).ceil() as isize;
                ccbuf.clear();
                for lag in lo..=hi {
                    ccbuf.push(ncc(x, base, saa, lag * dir as isize, half));
                }
                let Some((k, &best)) = ccbuf.iter().enumerate().max_by(|p, q| p.1.total_cmp(q.1)) else {
                    break;
                };
                found = Some((k, best, lo));
                if k > 0 && k + 1 < ccbuf.len() {
                    break;
                }
            }
            let Some((k, best, lo)) = found else { break };
            if best < 0.3 {
                break;
            }
            let lag = if k > 0 && k + 1 < ccbuf.len() { interpolate_peak(ccbuf, k).0 } else { k as f64 }
                + lo as f64;
            let next = pos + dir * lag;
            if next < a as f64 || next > b as f64 {
                break;
            }
            // The amplitude window is centred on the mark (the cycle's main excursion) so it
            // never reaches the neighbouring cycles' peaks.
            seq.push((lag / fs, cycle_amplitude(x, pos - lag / 2.0, lag)));
            pos = next;
        }
        if dir > 0.0 {
            forward = seq;
        } else {
            seq.reverse();
            seq.append(&mut forward);
            return seq;
        }
    }
    Vec::new()
}

pub fn cycles(x: &[f32], fs: f64, pitch: &PitchTrack) -> Cycles {
    let mut ccbuf = Vec::with_capacity(256);
    let runs = voiced_runs(pitch, fs, x.len())
        .into_iter()
        .map(|(a, b)| track_run(x, fs, pitch, a, b, &mut ccbuf))
        .filter(|r| r.len() >= 3)
        .collect();
    Cycles { runs }
}

/// Jitter (local): mean absolute difference of consecutive periods over the mean period.
pub fn jitter_local(c: &Cycles) -> Option<f64> {
    let (mut sum_diff, mut n_diff, mut sum_p, mut n_p) = (0.0, 0usize, 0.0, 0usize);
    for run in &c.runs {
        for w in run.windows(2) {
            let (p1, p2) = (w[0].0, w[1].0);
            let ok = |p: f64| (PERIOD_FLOOR..=PERIOD_CEILING).contains(&p);
            if ok(p1) && ok(p2) && p1.max(p2) / p1.min(p2) <= MAX_PERIOD_FACTOR {
                sum_diff += (p1 - p2).abs();
                n_diff += 1;
            }
        }
        for &(p, _) in run {
            if (PERIOD_FLOOR..=PERIOD_CEILING).contains(&p) {
                sum_p += p;
                n_p += 1;
            }
        }
    }
    (n_diff >= 10 && n_p > 0).then(|| (sum_diff / n_diff as f64) / (sum_p / n_p as f64))
}

/// Shimmer (local): mean absolute difference of consecutive cycle amplitudes over the mean amplitude.
pub fn shimmer_local(c: &Cycles) -> Option<f64> {
    let (mut sum_diff, mut n_diff, mut sum_a, mut n_a) = (0.0, 0usize, 0.0, 0usize);
    for run in &c.runs {
        for w in run.windows(2) {
            let ((p1, a1), (p2, a2)) = (w[0], w[1]);
            if a1 > 0.0
                && a2 > 0.0
                && p1.max(p2) / p1.min(p2) <= MAX_PERIOD_FACTOR
                && a1.max(a2) / a1.min(a2) <= MAX_AMPLITUDE_FACTOR
            {
                sum_diff += (a1 - a2).abs();
                n_diff += 1;
            }
        }
        for &(_, a) in run {
            if a > 0.0 {
                sum_a += a;
                n_a += 1;
            }
        }
    }
    (n_diff >= 10 && n_a > 0).then(|| (sum_diff / n_diff as f64) / (sum_a / n_a as f64))
}

/// Harmonics-to-noise ratio after Boersma (1993): 10·log10(r / (1 − r)) from each voiced frame's
/// normalised autocorrelation peak, averaged in dB like Praat's "Get mean" of a Harmonicity.
pub fn hnr_db(pitch: &PitchTrack) -> Option<f64> {
    let vals: Vec<f64> = pitch
        .frames
        .iter()
        .filter(|f| f.f0.is_some())
        .map(|f| {
            let r = f.strength.clamp(1e-6, 0.999_999);
            10.0 * (r / (1.0 - r)).log10()
        })
        .collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
}
