//! A BS.1770-4 / EBU R128 meter: K-weighting, gated integrated loudness and 4x-oversampled true
//! peak. Our own so the renderer can meter in the same pass it renders (no second decode), and
//! so it can keep per-100 ms energies for sleep's level-aware normalisation; the tests check it
//! against the `ebur128` crate.

use std::f64::consts::PI;

/// Mean square (summed over channels) of a -23 LUFS signal: -0.691 + 10 log10(ms) = -23.
pub fn ms_for_lufs(lufs: f64) -> f64 {
    10f64.powf((lufs + 0.691) / 10.0)
}

pub fn lufs_for_ms(ms: f64) -> f64 {
    if ms > 0.0 { -0.691 + 10.0 * ms.log10() } else { f64::NEG_INFINITY }
}

#[derive(Clone, Debug, Default)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    z: [f64; 2],
}

impl Biquad {
    #[inline]
    fn tick(&mut self, x: f64) -> f64 {
        // Transposed direct form II.
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// The two K-weighting stages (high shelf, then RLB high-pass) for one channel, at any rate.
#[derive(Clone, Debug)]
pub struct KWeight {
    shelf: Biquad,
    hp: Biquad,
}

impl KWeight {
    pub fn new(sr: f64) -> Self {
        // Coefficients per BS.1770 re-derived for arbitrary rates (as in libebur128).
        let f0 = 1681.974450955533;
        let g = 3.999843853973347;
        let q = 0.7071752369554196;
        let k = (PI * f0 / sr).tan();
        let vh = 10f64.powf(g / 20.0);
        let vb = vh.powf(0.4996667741545416);
        let a0 = 1.0 + k / q + k * k;
        let shelf = Biquad {
            b: [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
            a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
            z: [0.0; 2],
        };
        let f0 = 38.13547087602444;
        let q = 0.5003270373238773;
        let k = (PI * f0 / sr).tan();
        let a0 = 1.0 + k / q + k * k;
        let hp = Biquad {
            b: [1.0, -2.0, 1.0],
            a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
            z: [0.0; 2],
        };
        KWeight { shelf, hp }
    }

    #[inline]
    pub fn tick(&mut self, x: f32) -> f64 {
        self.hp.tick(self.shelf.tick(x as f64))
    }

    /// Sum of squares of the K-weighted channel `ch` of interleaved stereo `x`. State lives in
    /// locals during the loop (through `&mut self` it round-trips memory every sample).
    pub fn sum_squares(&mut self, x: &[f32], ch: usize) -> f64 {
        let (sb, sa, mut s0, mut s1) = (self.shelf.b, self.shelf.a, self.shelf.z[0], self.shelf.z[1]);
        let (hb, ha, mut h0, mut h1) = (self.hp.b, self.hp.a, self.hp.z[0], self.hp.z[1]);
        let mut acc = 0.0;
        for &v in x.iter().skip(ch).step_by(2) {
            let v = v as f64;
            let y = sb[0] * v + s0;
            s0 = sb[1] * v - sa[0] * y + s1;
            s1 = sb[2] * v - sa[1] * y;
            let z = hb[0] * y + h0;
            h0 = hb[1] * y - ha[0] * z + h1;
            h1 = hb[2] * y - ha[1] * z;
            acc += z * z;
        }
        self.shelf.z = [s0, s1];
        self.hp.z = [h0, h1];
        acc
    }
}

/// Sum of squares of both K-weighted channels of interleaved stereo `x`.
///
/// Each biquad runs in the rearranged transposed form `z0' = -a1 z0 + (z1 + c1 x)`,
/// `z1' = -a2 z0 + c2 x` (with `c = b - a b0`), so a sample waits on one multiply and one add of
/// the previous one instead of three operations; the two channels sit side by side in the two
/// lanes of one SIMD register (SSE2 on x86-64, which every x86-64 CPU has; plain code
/// elsewhere). Same operations in the same order either way, so the same result.
fn sum_squares_stereo(k: &mut [KWeight; 2], x: &[f32]) -> f64 {
    let [kl, kr] = k;
    let (sb, sa, hb, ha) = (kl.shelf.b, kl.shelf.a, kl.hp.b, kl.hp.a);
    debug_assert!(sb == kr.shelf.b && ha == kr.hp.a);
    let c = Coefs {
        sb0: sb[0],
        sc1: sb[1] - sa[0] * sb[0],
        sc2: sb[2] - sa[1] * sb[0],
        nsa0: -sa[0],
        nsa1: -sa[1],
        hb0: hb[0],
        hc1: hb[1] - ha[0] * hb[0],
        hc2: hb[2] - ha[1] * hb[0],
        nha0: -ha[0],
        nha1: -ha[1],
    };
    let mut st = [
        [kl.shelf.z[0], kr.shelf.z[0]],
        [kl.shelf.z[1], kr.shelf.z[1]],
        [kl.hp.z[0], kr.hp.z[0]],
        [kl.hp.z[1], kr.hp.z[1]],
    ];
    let acc = k_weight_pairs(&c, &mut st, x);
    kl.shelf.z = [st[0][0], st[1][0]];
    kr.shelf.z = [st[0][1], st[1][1]];
    kl.hp.z = [st[2][0], st[3][0]];
    kr.hp.z = [st[2][1], st[3][1]];
    acc[0] + acc[1]
}

/// Coefficients of the rearranged K-weighting biquads (see [`sum_squares_stereo`]).
struct Coefs {
    sb0: f64,
    sc1: f64,
    sc2: f64,
    nsa0: f64,
    nsa1: f64,
    hb0: f64,
    hc1: f64,
    hc2: f64,
    nha0: f64,
    nha1: f64,
}

/// The loop of [`sum_squares_stereo`]; `st` is [shelf z0, shelf z1, hp z0, hp z1], each as
/// [left, right]. Returns the per-channel sums of squares.
#[cfg(target_arch = "x86_64")]
fn k_weight_pairs(c: &Coefs, st: &mut [[f64; 2]; 4], x: &[f32]) -> [f64; 2] {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86-64 baseline, so these instructions exist on every CPU
    // this code can run on; the only memory access is the unaligned store into local arrays.
    unsafe {
        let sp = |v: f64| _mm_set1_pd(v);
        let (sb0, sc1, sc2, nsa0, nsa1) = (sp(c.sb0), sp(c.sc1), sp(c.sc2), sp(c.nsa0), sp(c.nsa1));
        let (hb0, hc1, hc2, nha0, nha1) = (sp(c.hb0), sp(c.hc1), sp(c.hc2), sp(c.nha0), sp(c.nha1));
        let mut s0 = _mm_set_pd(st[0][1], st[0][0]);
        let mut s1 = _mm_set_pd(st[1][1], st[1][0]);
        let mut h0 = _mm_set_pd(st[2][1], st[2][0]);
        let mut h1 = _mm_set_pd(st[3][1], st[3][0]);
        let mut acc = _mm_setzero_pd();
        for f in x.chunks_exact(2) {
            let v = _mm_set_pd(f[1] as f64, f[0] as f64);
            let y = _mm_add_pd(_mm_mul_pd(sb0, v), s0);
            let n0 = _mm_add_pd(_mm_mul_pd(nsa0, s0), _mm_add_pd(_mm_mul_pd(sc1, v), s1));
            s1 = _mm_add_pd(_mm_mul_pd(nsa1, s0), _mm_mul_pd(sc2, v));
            s0 = n0;
            let z = _mm_add_pd(_mm_mul_pd(hb0, y), h0);
            let m0 = _mm_add_pd(_mm_mul_pd(nha0, h0), _mm_add_pd(_mm_mul_pd(hc1, y), h1));
            h1 = _mm_add_pd(_mm_mul_pd(nha1, h0), _mm_mul_pd(hc2, y));
            h0 = m0;
            acc = _mm_add_pd(acc, _mm_mul_pd(z, z));
        }
        let mut out = [[0.0f64; 2]; 5];
        for (o, v) in out.iter_mut().zip([s0, s1, h0, h1, acc]) {
            _mm_storeu_pd(o.as_mut_ptr(), v);
        }
        *st = [out[0], out[1], out[2], out[3]];
        out[4]
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn k_weight_pairs(c: &Coefs, st: &mut [[f64; 2]; 4], x: &[f32]) -> [f64; 2] {
    let [mut s0, mut s1, mut h0, mut h1] = *st;
    let mut acc = [0.0f64; 2];
    for f in x.chunks_exact(2) {
        let v = [f[0] as f64, f[1] as f64];
        for i in 0..2 {
            let y = c.sb0 * v[i] + s0[i];
            let n0 = c.nsa0 * s0[i] + (c.sc1 * v[i] + s1[i]);
            s1[i] = c.nsa1 * s0[i] + c.sc2 * v[i];
            s0[i] = n0;
            let z = c.hb0 * y + h0[i];
            let m0 = c.nha0 * h0[i] + (c.hc1 * y + h1[i]);
            h1[i] = c.nha1 * h0[i] + c.hc2 * y;
            h0[i] = m0;
            acc[i] += z * z;
        }
    }
    *st = [s0, s1, h0, h1];
    acc
}

const TP_TAPS: usize = 12;
const TP_PHASES: usize = 4;

/// 4x polyphase interpolator for true peak.
///
/// Exact, but skips what cannot matter: an interpolated value is a weighted sum of the
/// `TP_TAPS` samples around it, so it is at most [`TruePeak::gain`] (the largest sum of absolute
/// taps of any phase) times the largest of those samples. Runs of windows whose samples stay
/// under `peak / gain` cannot raise the peak and are not interpolated, which makes true peak
/// nearly free on long renders of steady textures.
#[derive(Clone, Debug)]
struct TruePeak {
    taps: [[f32; TP_TAPS]; TP_PHASES],
    gain: f32,
    /// Last TP_TAPS - 1 samples of each channel, then the current block.
    work: [Vec<f32>; 2],
    peak: f32,
}

/// Windows checked together against the bound.
const TP_RUN: usize = 32;

impl TruePeak {
    fn new() -> Self {
        let n = TP_TAPS * TP_PHASES;
        let c = (n as f64 - 1.0) / 2.0;
        let mut taps = [[0.0f32; TP_TAPS]; TP_PHASES];
        for (p, phase) in taps.iter_mut().enumerate() {
            let mut sum = 0.0;
            let mut h = [0.0f64; TP_TAPS];
            for (k, hk) in h.iter_mut().enumerate() {
                let i = (p + k * TP_PHASES) as f64;
                let t = (i - c) / TP_PHASES as f64;
                let sinc = if t.abs() < 1e-9 { 1.0 } else { (PI * 0.92 * t).sin() / (PI * 0.92 * t) };
                // Blackman window over the prototype.
                let w = 0.42 - 0.5 * (2.0 * PI * i / (n as f64 - 1.0)).cos()
                    + 0.08 * (4.0 * PI * i / (n as f64 - 1.0)).cos();
                *hk = sinc * w;
                sum += *hk;
            }
            for (k, v) in phase.iter_mut().enumerate() {
                // Each phase passes DC at unity, so a constant reads as itself.
                *v = (h[k] / sum) as f32;
            }
        }
        // A hair above the exact bound so float rounding in the sums can never beat it.
        let gain = taps.iter().map(|p| p.iter().map(|v| v.abs()).sum::<f32>()).fold(0.0, f32::max) * 1.001;
        TruePeak { taps, gain, work: [vec![0.0; TP_TAPS - 1], vec![0.0; TP_TAPS - 1]], peak: 0.0 }
    }

    fn block(&mut self, x: &[f32]) {
        for ch in 0..2 {
            let w = &mut self.work[ch];
            w.truncate(TP_TAPS - 1);
            w.extend(x.chunks_exact(2).map(|f| f[ch]));
            // Window j covers input samples j..j+TP_TAPS.
            let windows = w.len().saturating_sub(TP_TAPS - 1);
            for j0 in (0..windows).step_by(TP_RUN) {
                let j1 = (j0 + TP_RUN).min(windows);
                let most = crate::dsp::peak_abs(&w[j0..j1 + TP_TAPS - 1]);
                if most * self.gain <= self.peak {
                    continue;
                }
                for j in j0..j1 {
                    let win = &w[j..j + TP_TAPS];
                    for ph in &self.taps {
                        let y: f32 = win.iter().zip(ph.iter()).map(|(a, b)| a * b).sum();
                        self.peak = self.peak.max(y.abs());
                    }
                }
            }
            let len = w.len();
            w.copy_within(len - (TP_TAPS - 1).., 0);
            w.truncate(TP_TAPS - 1);
        }
    }
}

/// Streaming stereo meter.
#[derive(Clone, Debug)]
pub struct Meter {
    k: [KWeight; 2],
    sub_len: usize,
    acc: f64,
    acc_n: usize,
    /// Mean square (summed over channels) of each complete 100 ms sub-block.
    pub subs: Vec<f64>,
    tp: TruePeak,
    sample_peak: f32,
}

impl Meter {
    pub fn new(sr: u32) -> Self {
        Meter {
            k: [KWeight::new(sr as f64), KWeight::new(sr as f64)],
            sub_len: (sr as usize / 10).max(1),
            acc: 0.0,
            acc_n: 0,
            subs: Vec::new(),
            tp: TruePeak::new(),
            sample_peak: 0.0,
        }
    }

    /// Adds interleaved stereo frames.
    pub fn add(&mut self, x: &[f32]) {
        let frames = x.len() / 2;
        let mut i = 0;
        while i < frames {
            let n = (self.sub_len - self.acc_n).min(frames - i);
            let seg = &x[2 * i..2 * (i + n)];
            self.acc += sum_squares_stereo(&mut self.k, seg);
            self.acc_n += n;
            if self.acc_n == self.sub_len {
                self.subs.push(self.acc / self.sub_len as f64);
                self.acc = 0.0;
                self.acc_n = 0;
            }
            i += n;
        }
        let peak = crate::dsp::peak_abs(x);
        self.sample_peak = self.sample_peak.max(peak);
        self.tp.block(x);
    }

    /// Gated integrated loudness (LUFS) of everything added so far.
    pub fn integrated(&self) -> f64 {
        gated(&self.subs)
    }

    pub fn true_peak_dbtp(&self) -> f64 {
        20.0 * (self.tp.peak.max(self.sample_peak) as f64).max(1e-10).log10()
    }

    pub fn sample_peak(&self) -> f32 {
        self.sample_peak
    }
}

/// BS.1770 gating over 400 ms blocks (four 100 ms sub-blocks, 75 % overlap): absolute gate at
/// -70 LUFS, relative gate 10 LU below the absolute-gated mean. `subs` entries that are NaN are
/// left out (the renderer uses that to exclude sleep's final fade from the bed measurement).
pub fn gated(subs: &[f64]) -> f64 {
    let blocks: Vec<f64> = subs
        .windows(4)
        .filter(|w| w.iter().all(|v| v.is_finite()))
        .map(|w| w.iter().sum::<f64>() / 4.0)
        .collect();
    let abs: Vec<f64> = blocks.iter().copied().filter(|&z| lufs_for_ms(z) > -70.0).collect();
    if abs.is_empty() {
        return f64::NEG_INFINITY;
    }
    let rel = lufs_for_ms(abs.iter().sum::<f64>() / abs.len() as f64) - 10.0;
    let kept: Vec<f64> = abs.into_iter().filter(|&z| lufs_for_ms(z) > rel).collect();
    if kept.is_empty() {
        return f64::NEG_INFINITY;
    }
    lufs_for_ms(kept.iter().sum::<f64>() / kept.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_1k_reads_as_expected() {
        // A 997 Hz sine at -20 dBFS in both channels reads about -20 LUFS (+/- K-weighting gain).
        let sr = 48_000;
        let a = 10f32.powf(-20.0 / 20.0) * std::f32::consts::SQRT_2;
        let x: Vec<f32> = (0..sr * 5)
            .flat_map(|i| {
                let v = a * (2.0 * std::f32::consts::PI * 997.0 * i as f32 / sr as f32).sin();
                [v, v]
            })
            .collect();
        let mut m = Meter::new(sr as u32);
        m.add(&x);
        // Two channels at -20 dB RMS: -20 + 3.01 + K gain at 1 kHz (~0.69) - 0.691.
        assert!((m.integrated() - (-17.0)).abs() < 0.2, "{}", m.integrated());
        assert!((m.true_peak_dbtp() - (-20.0 + 3.01)).abs() < 0.3, "{}", m.true_peak_dbtp());
    }

    /// Skipping windows by the bound never changes the result: same peak as interpolating
    /// every window, on noise with bursts, decays and single spikes.
    #[test]
    fn true_peak_skip_is_exact() {
        let mut r = crate::dsp::rng::Rng::new(11);
        for case in 0..6 {
            let n = 20_000;
            let x: Vec<f32> = (0..n * 2)
                .map(|i| {
                    let t = (i / 2) as f32 / n as f32;
                    let env = match case {
                        0 => 1.0,
                        1 => 1.0 - t,
                        2 => t,
                        3 => (t * 40.0).sin().abs(),
                        _ => 0.05,
                    };
                    let spike = if case == 5 && i / 2 == 12_345 { 0.9 } else { 0.0 };
                    r.bipolar() * env * 0.5 + spike
                })
                .collect();
            let mut tp = TruePeak::new();
            for c in x.chunks(2 * 777) {
                tp.block(c);
            }
            let mut brute = 0.0f32;
            for ch in 0..2 {
                let mut w = vec![0.0f32; TP_TAPS - 1];
                w.extend(x.iter().skip(ch).step_by(2));
                for win in w.windows(TP_TAPS) {
                    for ph in &tp.taps {
                        let y: f32 = win.iter().zip(ph.iter()).map(|(a, b)| a * b).sum();
                        brute = brute.max(y.abs());
                    }
                }
            }
            assert_eq!(tp.peak, brute, "case {case}");
        }
    }
}
