//! F0 tracking after Boersma (1993), the algorithm behind Praat's "To Pitch (ac)".
//!
//! Each 10 ms frame yields several candidate periods from the window-corrected autocorrelation
//! plus one "unvoiced" candidate; a Viterbi path then picks one per frame, charging for octave
//! jumps and voicing changes. The path cost is what keeps the track off octave errors that a
//! frame-by-frame peak picker makes on creaky or breathy stretches. Parameters are Praat's
//! defaults so figures can be checked against Praat directly.

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub struct PitchParams {
    pub floor_hz: f64,
    pub ceiling_hz: f64,
    pub time_step: f64,
    pub periods_per_window: f64,
    pub max_candidates: usize,
    pub silence_threshold: f64,
    pub voicing_threshold: f64,
    pub octave_cost: f64,
    pub octave_jump_cost: f64,
    pub voiced_unvoiced_cost: f64,
}

impl Default for PitchParams {
    fn default() -> Self {
        PitchParams {
            floor_hz: 75.0,
            ceiling_hz: 600.0,
            time_step: 0.01,
            periods_per_window: 3.0,
            max_candidates: 15,
            silence_threshold: 0.03,
            voicing_threshold: 0.45,
            octave_cost: 0.01,
            octave_jump_cost: 0.35,
            voiced_unvoiced_cost: 0.14,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Candidate {
    /// 0 marks the unvoiced candidate.
    freq: f64,
    strength: f64,
    /// Lag index of the sampled autocorrelation peak.
    index: usize,
    /// log2 of `freq`, kept for the path search's octave-jump costs.
    log2f: f64,
}

/// One analysed frame of the chosen path.
#[derive(Debug, Clone, Copy)]
pub struct PitchFrameResult {
    /// Centre time in seconds from the start of the recording.
    pub t: f64,
    pub f0: Option<f64>,
    /// Window-corrected autocorrelation at the chosen period (0..1); the basis of HNR.
    pub strength: f64,
}

#[derive(Debug, Clone, Default)]
pub struct PitchTrack {
    pub frames: Vec<PitchFrameResult>,
    pub time_step: f64,
}

/// Frame grid shared with Praat: frames centred in the signal, `n = floor((dur - win)/dt) + 1`.
pub fn frame_grid(n_samples: usize, fs: f64, win_s: f64, dt: f64) -> (usize, f64) {
    let dur = n_samples as f64 / fs;
    if dur < win_s {
        return (0, 0.0);
    }
    let n = ((dur - win_s) / dt).floor() as usize + 1;
    let t1 = (dur - (n as f64 - 1.0) * dt) / 2.0;
    (n, t1)
}

pub struct PitchTracker {
    params: PitchParams,
    fs: f64,
    nw: usize,
    nfft: usize,
    window: Vec<f32>,
    window_r: Vec<f64>,
    fft: Arc<dyn Fft<f32>>,
    ifft: Arc<dyn Fft<f32>>,
}

impl PitchTracker {
    pub fn new(fs: f64, mut params: PitchParams) -> Self {
        // Back-pointers are stored as bytes.
        params.max_candidates = params.max_candidates.clamp(1, 64);
        let mut nw = (params.periods_per_window / params.floor_hz * fs).floor() as usize;
        nw -= nw % 2;
        let max_lag = (fs / params.floor_hz).ceil() as usize + 2;
        let nfft = (nw + max_lag + 1).next_power_of_two();
        let window: Vec<f32> = (0..nw)
            .map(|i| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * (i + 1) as f64 / (nw + 1) as f64).cos()) as f32
            })
            .collect();
        // The window's own autocorrelation: dividing by it undoes the taper's fall-off with lag.
        let mut window_r = vec![0.0f64; nw];
        for (lag, wr) in window_r.iter_mut().enumerate() {
            *wr = (0..nw - lag).map(|i| window[i] as f64 * window[i + lag] as f64).sum();
        }
        let w0 = window_r[0];
        window_r.iter_mut().for_each(|v| *v /= w0);
        let mut planner = FftPlanner::new();
        let fft = planner.plan_fft_forward(nfft);
        let ifft = planner.plan_fft_inverse(nfft);
        PitchTracker { params, fs, nw, nfft, window, window_r, fft, ifft }
    }

    pub fn window_s(&self) -> f64 {
        self.nw as f64 / self.fs
    }

    pub fn track(&self, x: &[f32]) -> PitchTrack {
        let p = &self.params;
        let fs = self.fs;
        let (n_frames, t1) = frame_grid(x.len(), fs, self.window_s(), p.time_step);
        if n_frames == 0 {
            return PitchTrack { frames: Vec::new(), time_step: p.time_step };
        }
        let mean = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
        let global_peak = x.iter().map(|&v| (v as f64 - mean).abs()).fold(0.0, f64::max);
        let min_lag = (fs / p.ceiling_hz).floor().max(2.0) as usize;
        let max_lag = ((fs / p.floor_hz).ceil() as usize).min(self.nw / 2);
        let half_period = (fs / p.floor_hz / 2.0) as usize + 1;

        let nfft = self.nfft;
        let mut buf = vec![Complex32::default(); nfft];
        let mut scratch = vec![
            Complex32::default();
            self.fft.get_inplace_scratch_len().max(self.ifft.get_inplace_scratch_len())
        ];
        let mut seg_a = vec![0.0f32; self.nw];
        let mut seg_b = vec![0.0f32; self.nw];
        let mut r = vec![0.0f64; (max_lag + SINC_DEPTH + 2).min(self.nw)];
        // Candidates of all frames in one flat table, `stride` slots per frame, so the frame loop
        // allocates nothing.
        let stride = p.max_candidates + 1;
        let mut table = vec![Candidate::default(); n_frames * stride];
        let mut counts = vec![0usize; n_frames];
        let mut out = Vec::with_capacity(stride);
        let mut intensity = vec![0.0f64; n_frames];

        let mut f = 0;
        while f < n_frames {
            let pair = f + 1 < n_frames;
            let pa = self.load_frame(x, t1 + f as f64 * p.time_step, half_period, &mut seg_a);
            let pb = if pair {
                self.load_frame(x, t1 + (f + 1) as f64 * p.time_step, half_period, &mut seg_b)
            } else {
                seg_b.iter_mut().for_each(|v| *v = 0.0);
                0.0
            };
            intensity[f] = if global_peak > 0.0 { (pa / global_peak).min(1.0) } else { 0.0 };
            if pair {
                intensity[f + 1] = if global_peak > 0.0 { (pb / global_peak).min(1.0) } else { 0.0 };
            }
            // Two real frames share one complex FFT: frame a in the real part, frame b in the imaginary.
            for (i, c) in buf.iter_mut().enumerate() {
                *c = if i < self.nw { Complex32::new(seg_a[i], seg_b[i]) } else { Complex32::default() };
            }
            self.fft.process_with_scratch(&mut buf, &mut scratch);
            // Separate the spectra, take each power spectrum, and pack them back as P_a + i P_b so
            // one inverse FFT yields both (real, even) autocorrelations.
            let half = nfft / 2;
            for k in 0..=half {
                let z = buf[k];
                let zc = buf[(nfft - k) % nfft].conj();
                let a = (z + zc) * 0.5;
                let b = (z - zc) * Complex32::new(0.0, -0.5);
                let v = Complex32::new(a.norm_sqr(), b.norm_sqr());
                buf[k] = v;
                if k != 0 && k != half {
                    buf[nfft - k] = v;
                }
            }
            self.ifft.process_with_scratch(&mut buf, &mut scratch);
            self.candidates(&buf, false, min_lag, max_lag, &mut r, &mut out);
            table[f * stride..f * stride + out.len()].copy_from_slice(&out);
            counts[f] = out.len();
            if pair {
                self.candidates(&buf, true, min_lag, max_lag, &mut r, &mut out);
                table[(f + 1) * stride..(f + 1) * stride + out.len()].copy_from_slice(&out);
                counts[f + 1] = out.len();
            }
            f += 2;
        }
        let cands: Vec<&[Candidate]> =
            (0..n_frames).map(|i| &table[i * stride..i * stride + counts[i]]).collect();
        let path = self.viterbi(&cands, &intensity);
        let frames = path
            .iter()
            .enumerate()
            .map(|(i, &ci)| {
                let c = cands[i][ci];
                PitchFrameResult {
                    t: t1 + i as f64 * p.time_step,
                    f0: (c.freq > 0.0).then_some(c.freq),
                    strength: if c.freq > 0.0 { c.strength } else { 0.0 },
                }
            })
            .collect();
        PitchTrack { frames, time_step: p.time_step }
    }

    /// Copies one windowed, mean-removed frame; returns its local peak (for the silence test).
    fn load_frame(&self, x: &[f32], t: f64, half_period: usize, seg: &mut [f32]) -> f64 {
        let centre = (t * self.fs).round() as isize;
        let start = centre - (self.nw / 2) as isize;
        let mut sum = 0.0f64;
        for (i, s) in seg.iter_mut().enumerate() {
            let idx = start + i as isize;
            *s = if idx >= 0 && (idx as usize) < x.len() { x[idx as usize] } else { 0.0 };
            sum += *s as f64;
        }
        let mean = (sum / self.nw as f64) as f32;
        let mid = self.nw / 2;
        let mut peak = 0.0f64;
        for (i, s) in seg.iter_mut().enumerate() {
            *s -= mean;
            if i + half_period >= mid && i <= mid + half_period {
                peak = peak.max(s.abs() as f64);
            }
            *s *= self.window[i];
        }
        peak
    }

    fn candidates(
        &self,
        ac: &[Complex32],
        imag: bool,
        min_lag: usize,
        max_lag: usize,
        r: &mut [f64],
        out: &mut Vec<Candidate>,
    ) {
        let p = &self.params;
        let scale = 1.0 / self.nfft as f64;
        let get = |i: usize| (if imag { ac[i].im } else { ac[i].re }) as f64 * scale;
        out.clear();
        out.push(Candidate::default());
        let r0 = get(0);
        if r0 <= 1e-20 {
            return;
        }
        for (lag, v) in r.iter_mut().enumerate() {
            *v = get(lag) / (r0 * self.window_r[lag]);
        }
        let lo = min_lag.saturating_sub(1).max(1);
        for i in lo..=max_lag.min(r.len() - SINC_DEPTH - 1) {
            if !(r[i] > 0.5 * p.voicing_threshold && r[i] > r[i - 1] && r[i] >= r[i + 1]) {
                continue;
            }
            let (lag, strength) = interpolate_peak(r, i);
            let freq = self.fs / lag;
            if freq > p.ceiling_hz || freq < p.floor_hz * 0.9 {
                continue;
            }
            let rank = |c: &Candidate| c.strength - p.octave_cost * (p.floor_hz / c.freq).log2();
            let new = Candidate { freq, strength, index: i, log2f: 0.0 };
            if out.len() <= p.max_candidates {
                out.push(new);
            } else {
                let (weak_i, weak) = out
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(j, c)| (j, rank(c)))
                    .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
                if rank(&new) > weak {
                    out[weak_i] = new;
                }
            }
        }
        // Second pass on the survivors only: band-limited refinement of period and strength.
        for c in out.iter_mut().skip(1) {
            let (lag, mut strength) = refine_peak_sinc(r, c.index);
            if strength > 1.0 {
                strength = 1.0 / strength;
            }
            c.freq = self.fs / lag;
            c.strength = strength;
            c.log2f = c.freq.log2();
        }
    }

    fn viterbi(&self, cands: &[&[Candidate]], intensity: &[f64]) -> Vec<usize> {
        let p = &self.params;
        let correction = 0.01 / p.time_step;
        let vuv = p.voiced_unvoiced_cost * correction;
        let jump = p.octave_jump_cost * correction;
        let local = |c: &Candidate, inten: f64| {
            if c.freq <= 0.0 {
                let u = 2.0 - inten / (p.silence_threshold / (1.0 + p.voicing_threshold));
                p.voicing_threshold + u.max(0.0)
            } else {
                c.strength - p.octave_cost * (p.ceiling_hz / c.freq).log2()
            }
        };
        let n = cands.len();
        let stride = p.max_candidates + 1;
        let mut back = vec![0u8; n * stride];
        let mut score = vec![f64::NEG_INFINITY; stride];
        let mut next = vec![f64::NEG_INFINITY; stride];
        for (j, c) in cands[0].iter().enumerate() {
            score[j] = local(c, intensity[0]);
        }
        for i in 1..n {
            for (k2, c2) in cands[i].iter().enumerate() {
                let mut best = f64::NEG_INFINITY;
                let mut arg = 0;
                for (j, c1) in cands[i - 1].iter().enumerate() {
                    let cost = match (c1.freq > 0.0, c2.freq > 0.0) {
                        (false, false) => 0.0,
                        (true, true) => jump * (c1.log2f - c2.log2f).abs(),
                        _ => vuv,
                    };
                    let v = score[j] - cost;
                    if v > best {
                        best = v;
                        arg = j;
                    }
                }
                next[k2] = best + local(c2, intensity[i]);
                back[i * stride + k2] = arg as u8;
            }
            std::mem::swap(&mut score, &mut next);
        }
        let mut path = vec![0usize; n];
        let mut cur = score[..cands[n - 1].len()]
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |a, (j, &v)| if v > a.1 { (j, v) } else { a })
            .0;
        for i in (0..n).rev() {
            path[i] = cur;
            cur = back[i * stride + cur] as usize;
        }
        path
    }
}

/// Half-width of the sinc interpolation of the autocorrelation, in lags.
const SINC_DEPTH: usize = 12;

/// Band-limited value of `r` at fractional lag `x` (Hann-tapered sinc, like Praat's
/// NUMinterpolate_sinc).
fn sinc_at(r: &[f64], x: f64) -> f64 {
    use std::f64::consts::PI;
    let i = x.floor() as isize;
    let d = SINC_DEPTH as isize;
    let k0 = (i - d + 1).max(0);
    let k1 = (i + d).min(r.len() as isize - 1);
    if (x - x.round()).abs() < 1e-9 {
        return r[(x.round() as usize).min(r.len() - 1)];
    }
    // sin(π(x−k)) = (−1)^k sin(πx), and the taper's cosine steps by a fixed angle, so the loop
    // needs no trigonometry of its own: this runs for every pitch candidate of every frame.
    let sin_px = (PI * x).sin();
    let theta = PI / (SINC_DEPTH as f64 + 0.5);
    let u0 = x - k0 as f64;
    let (mut c, mut sn) = ((theta * u0).cos(), (theta * u0).sin());
    let (ct, st) = (theta.cos(), theta.sin());
    let mut sign = if k0 % 2 == 0 { 1.0 } else { -1.0 };
    let mut sum = 0.0;
    for k in k0..=k1 {
        let u = x - k as f64;
        sum += r[k as usize] * (sign * sin_px / (PI * u)) * (0.5 + 0.5 * c);
        // Next k: u falls by 1, so the taper's angle θu rotates back by θ.
        let (nc, ns) = (c * ct + sn * st, sn * ct - c * st);
        c = nc;
        sn = ns;
        sign = -sign;
    }
    sum
}

/// Refines a sampled maximum of a band-limited function: a parabola through the samples gives a
/// first estimate, a parabola through sinc-interpolated values a quarter lag apart the final one.
/// Plain parabolic interpolation underestimates sharp peaks that fall between samples, which for
/// bright voices makes the double period look stronger than the true one (an octave error).
pub fn refine_peak_sinc(r: &[f64], i: usize) -> (f64, f64) {
    let (x0, _) = interpolate_peak(r, i);
    let h = 0.25;
    let mut x = x0;
    for _ in 0..2 {
        let (a, b, c) = (sinc_at(r, x - h), sinc_at(r, x), sinc_at(r, x + h));
        let d2 = 2.0 * b - a - c;
        if d2 <= 0.0 {
            return (x, b);
        }
        let d = (0.5 * (c - a) / d2).clamp(-1.0, 1.0);
        x += d * h;
    }
    (x, sinc_at(r, x))
}

/// Parabolic refinement of a sampled peak; returns (fractional index, interpolated value).
pub fn interpolate_peak(r: &[f64], i: usize) -> (f64, f64) {
    let (a, b, c) = (r[i - 1], r[i], r[i + 1]);
    let d2 = 2.0 * b - a - c;
    if d2 <= 0.0 {
        return (i as f64, b);
    }
    let d = 0.5 * (c - a) / d2;
    (i as f64 + d, b + 0.25 * (c - a) * d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sawtooth_pitch() {
        let fs = 16_000.0;
        for &f0 in &[80.0f64, 120.0, 220.0, 450.0] {
            // Band-limited sawtooth: a naively sampled one aliases into inharmonic partials.
            let n_harm = (7000.0 / f0) as usize;
            let x: Vec<f32> = (0..32_000)
                .map(|i| {
                    let t = i as f64 / fs;
                    (1..=n_harm)
                        .map(|k| (2.0 * std::f64::consts::PI * k as f64 * f0 * t).sin() / k as f64)
                        .sum::<f64>() as f32
                        * 0.2
                })
                .collect();
            let tr = PitchTracker::new(fs, PitchParams::default()).track(&x);
            let voiced: Vec<f64> = tr.frames.iter().filter_map(|f| f.f0).collect();
            assert!(voiced.len() > tr.frames.len() * 9 / 10, "f0 {f0}");
            for v in voiced {
                let cents = 1200.0 * (v / f0).log2();
                assert!(cents.abs() < 5.0, "f0 {f0}: got {v}");
            }
        }
    }
}
