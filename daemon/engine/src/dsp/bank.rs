//! A bank of sine oscillators with per-sample gain ramps, vectorised across time: each
//! oscillator holds its phase for four consecutive frames and advances all four by one rotation
//! of four samples, so every step is four-wide SIMD work that lands directly on four output
//! frames (no per-frame sum across lanes). Pads have 9-18 partials; this was the single largest
//! cost of a scene when laid out across oscillators instead.

/// Frames computed per step.
const W: usize = 4;
/// Frames per internal pass (the left/right accumulators live on the stack).
const SUB: usize = 128;

#[derive(Clone, Copy, Default)]
struct Osc {
    /// Phase (as a unit complex number) at the next four frames.
    re: [f32; W],
    im: [f32; W],
    /// Rotation by one sample, and by 1..=W samples (for the tail of a pass and for re-basing).
    rot: [(f32, f32); W + 1],
    /// Gain at the last rendered frame, and the per-frame step of the current ramp.
    gl: f32,
    gr: f32,
    dl: f32,
    dr: f32,
}

impl Osc {
    /// Rotates the four lanes by `k` samples (1..=W).
    #[inline]
    fn advance(&mut self, k: usize) {
        let (c, s) = self.rot[k];
        for i in 0..W {
            let (r, m) = (self.re[i], self.im[i]);
            self.re[i] = r * c - m * s;
            self.im[i] = r * s + m * c;
        }
    }
}

pub struct SineBank {
    oscs: Vec<Osc>,
}

impl SineBank {
    /// `n` oscillators, silent, at 0 Hz, with the given start phases.
    pub fn new(n: usize, phases: impl Iterator<Item = f32>) -> Self {
        let mut oscs = vec![Osc { rot: [(1.0, 0.0); W + 1], ..Osc::default() }; n];
        for (o, ph) in oscs.iter_mut().zip(phases) {
            o.re = [ph.cos(); W];
            o.im = [ph.sin(); W];
        }
        SineBank { oscs }
    }

    /// Retunes oscillator `j`, keeping its current phase.
    pub fn set_freq(&mut self, j: usize, freq_hz: f32, sr: f32) {
        let w = 2.0 * std::f32::consts::PI * freq_hz.clamp(0.0, sr * 0.49) / sr;
        let o = &mut self.oscs[j];
        for k in 0..=W {
            o.rot[k] = ((w * k as f32).cos(), (w * k as f32).sin());
        }
        // Lanes 1..W hold the phase 1..W-1 samples after lane 0: re-derive them at the new rate.
        let (r0, i0) = (o.re[0], o.im[0]);
        for i in 1..W {
            let (c, s) = o.rot[i];
            o.re[i] = r0 * c - i0 * s;
            o.im[i] = r0 * s + i0 * c;
        }
    }

    /// Ramps oscillator `j` to left/right gains over `frames` samples.
    pub fn ramp_gain(&mut self, j: usize, left: f32, right: f32, frames: usize) {
        let inv = 1.0 / frames.max(1) as f32;
        let o = &mut self.oscs[j];
        o.dl = (left - o.gl) * inv;
        o.dr = (right - o.gr) * inv;
    }

    /// Overwrites `out` (interleaved stereo) with the bank's sum.
    pub fn render(&mut self, out: &mut [f32]) {
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let (mut left, mut right) = ([0.0f32; SUB], [0.0f32; SUB]);
            let whole = n / W * W;
            for o in &mut self.oscs {
                let (c, s) = o.rot[W];
                let (mut re, mut im) = (o.re, o.im);
                let step = [1.0f32, 2.0, 3.0, 4.0];
                let mut gl: [f32; W] = std::array::from_fn(|i| o.gl + o.dl * step[i]);
                let mut gr: [f32; W] = std::array::from_fn(|i| o.gr + o.dr * step[i]);
                let (dl, dr) = (o.dl * W as f32, o.dr * W as f32);
                for (l, r) in left[..whole].chunks_exact_mut(W).zip(right[..whole].chunks_exact_mut(W)) {
                    for i in 0..W {
                        l[i] += im[i] * gl[i];
                        r[i] += im[i] * gr[i];
                        let (a, b) = (re[i], im[i]);
                        re[i] = a * c - b * s;
                        im[i] = a * s + b * c;
                        gl[i] += dl;
                        gr[i] += dr;
                    }
                }
                (o.re, o.im) = (re, im);
                // The last n % W frames come from the first lanes; then every lane moves on by
                // that many samples so lane 0 is the next frame again.
                let tail = n - whole;
                for i in 0..tail {
                    left[whole + i] += o.im[i] * gl[i];
                    right[whole + i] += o.im[i] * gr[i];
                }
                if tail > 0 {
                    o.advance(tail);
                }
                o.gl += o.dl * n as f32;
                o.gr += o.dr * n as f32;
            }
            for (f, (l, r)) in part.chunks_exact_mut(2).zip(left.iter().zip(&right)) {
                f[0] = *l;
                f[1] = *r;
            }
        }
        for o in &mut self.oscs {
            // Back onto the unit circle once per block so rounding never grows or decays.
            for i in 0..W {
                let m = (o.re[i] * o.re[i] + o.im[i] * o.im[i]).sqrt();
                if m > 1e-6 && m.is_finite() {
                    o.re[i] /= m;
                    o.im[i] /= m;
                } else {
                    o.re[i] = 1.0;
                    o.im[i] = 0.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a direct sin() reference: right frequency and phase, gain ramps linear per
    /// sample, across passes of every length (tails included).
    #[test]
    fn matches_direct_synthesis() {
        let sr = 48_000.0f32;
        let mut bank = SineBank::new(2, [0.3f32, 1.1].into_iter());
        bank.set_freq(0, 440.0, sr);
        bank.set_freq(1, 97.0, sr);
        let mut rng = crate::dsp::rng::Rng::new(9);
        let (mut t, mut g) = (0usize, [0.0f64; 2]);
        let mut worst = 0.0f64;
        for _ in 0..400 {
            let frames = 1 + rng.index(150);
            let target = [rng.unit() as f64, rng.unit() as f64];
            bank.ramp_gain(0, target[0] as f32, target[0] as f32 * 0.5, frames);
            bank.ramp_gain(1, target[1] as f32, 0.0, frames);
            let mut out = vec![0.0f32; frames * 2];
            bank.render(&mut out);
            let d = [(target[0] - g[0]) / frames as f64, (target[1] - g[1]) / frames as f64];
            for (i, f) in out.chunks_exact(2).enumerate() {
                let n = (t + i) as f64;
                let g0 = g[0] + d[0] * (i + 1) as f64;
                let g1 = g[1] + d[1] * (i + 1) as f64;
                let a = (0.3 + 2.0 * std::f64::consts::PI * 440.0 * n / sr as f64).sin() * g0;
                let b = (1.1 + 2.0 * std::f64::consts::PI * 97.0 * n / sr as f64).sin() * g1;
                worst = worst.max((f[0] as f64 - (a + b)).abs()).max((f[1] as f64 - a * 0.5).abs());
            }
            t += frames;
            g = target;
        }
        assert!(worst < 2e-3, "worst error {worst}");
    }
}
