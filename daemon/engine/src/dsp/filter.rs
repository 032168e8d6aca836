//! Filters: one-pole smoothers and a state-variable filter for sweeps.

use std::f32::consts::PI;

/// One-pole low-pass; also the smoother for control values. `Copy`, so hot loops can work on a
/// local copy that lives in registers (through `&mut self` every sample is a store and a load).
///
/// Written `y = keep * y + coef * x` (not `y += (x - y) * coef`) so each sample waits on one
/// multiply and one add of the previous, not three operations.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnePole {
    pub y: f32,
    coef: f32,
    keep: f32,
}

impl OnePole {
    pub fn new(cutoff_hz: f32, sr: f32) -> Self {
        let mut f = OnePole::default();
        f.set(cutoff_hz, sr);
        f
    }
    pub fn set(&mut self, cutoff_hz: f32, sr: f32) {
        let fc = cutoff_hz.clamp(0.01, sr * 0.45);
        self.keep = (-2.0 * PI * fc / sr).exp();
        self.coef = 1.0 - self.keep;
    }
    #[inline]
    pub fn lp(&mut self, x: f32) -> f32 {
        self.y = self.keep * self.y + self.coef * x;
        self.y
    }
    #[inline]
    pub fn hp(&mut self, x: f32) -> f32 {
        x - self.lp(x)
    }
}

/// Topology-preserving-transform state-variable filter (Zavalishin). Stable under fast cutoff
/// changes, which matters because wind and streams sweep their filters continuously.
///
/// `Copy` for the same reason as [`OnePole`].
///
/// The two integrator states advance as one 2x2 matrix step (`m`, `n` below, derived from the
/// TPT equations when the cutoff is set): each new state is then two products and two sums of
/// the old ones, half the serial latency of the textbook form. The filter is a chain where every
/// sample waits on the one before, so that latency, not arithmetic, is what a layer costs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Svf {
    ic1: f32,
    ic2: f32,
    k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    /// State update: ic1' = m[0] ic1 + m[1] ic2 + n[0] x; ic2' = m[2] ic1 + m[3] ic2 + n[1] x.
    m: [f32; 4],
    n: [f32; 2],
}

/// The three simultaneous outputs of [`Svf::tick`].
pub struct SvfOut {
    pub lp: f32,
    pub bp: f32,
    pub hp: f32,
}

impl Svf {
    pub fn new(cutoff_hz: f32, q: f32, sr: f32) -> Self {
        let mut f = Svf::default();
        f.set(cutoff_hz, q, sr);
        f
    }

    /// Sets cutoff and resonance; cheap enough to call once per block.
    pub fn set(&mut self, cutoff_hz: f32, q: f32, sr: f32) {
        let fc = cutoff_hz.clamp(10.0, sr * 0.45);
        let g = (PI * fc / sr).tan();
        self.k = 1.0 / q.clamp(0.3, 20.0);
        self.a1 = 1.0 / (1.0 + g * (g + self.k));
        self.a2 = g * self.a1;
        self.a3 = g * self.a2;
        // v1 = a1 ic1 + a2 (x - ic2), v2 = ic2 + a2 ic1 + a3 (x - ic2), ic' = 2 v - ic.
        let (a1, a2, a3) = (self.a1, self.a2, self.a3);
        self.m = [2.0 * a1 - 1.0, -2.0 * a2, 2.0 * a2, 1.0 - 2.0 * a3];
        self.n = [2.0 * a2, 2.0 * a3];
    }

    #[inline]
    pub fn tick(&mut self, x: f32) -> SvfOut {
        let (ic1, ic2) = (self.ic1, self.ic2);
        self.ic1 = self.m[0] * ic1 + (self.m[1] * ic2 + self.n[0] * x);
        self.ic2 = self.m[3] * ic2 + (self.m[2] * ic1 + self.n[1] * x);
        // ic' = 2 v - ic, so each output is the mean of a state before and after the step.
        let v1 = 0.5 * (ic1 + self.ic1);
        let v2 = 0.5 * (ic2 + self.ic2);
        SvfOut { lp: v2, bp: v1, hp: x - self.k * v1 - v2 }
    }

    #[inline]
    pub fn lp(&mut self, x: f32) -> f32 {
        self.tick(x).lp
    }

    #[inline]
    pub fn bp(&mut self, x: f32) -> f32 {
        self.tick(x).bp
    }
}

/// A stereo pair of [`Svf`] low-passes run side by side in the lanes of one SIMD register
/// (lanes 2 and 3 idle): one instruction per step for both channels instead of one each, for
/// layers whose loop is busy enough that instruction count, not latency, sets their cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct SvfPair {
    ic1: [f32; 4],
    ic2: [f32; 4],
    m: [[f32; 4]; 4],
    n: [[f32; 4]; 2],
}

impl SvfPair {
    /// Takes the coefficients of `left` and `right` (set as usual with [`Svf::set`]); the
    /// filter states stay this pair's own.
    pub fn set(&mut self, left: &Svf, right: &Svf) {
        for k in 0..4 {
            self.m[k] = [left.m[k], right.m[k], 0.0, 0.0];
        }
        for k in 0..2 {
            self.n[k] = [left.n[k], right.n[k], 0.0, 0.0];
        }
    }

    /// Low-pass outputs for the input pair `[left, right]`.
    #[inline(always)]
    pub fn lp(&mut self, x: [f32; 2]) -> [f32; 2] {
        let x = [x[0], x[1], 0.0, 0.0];
        let mut y = [0.0f32; 4];
        for i in 0..4 {
            let (a, b) = (self.ic1[i], self.ic2[i]);
            self.ic1[i] = self.m[0][i] * a + (self.m[1][i] * b + self.n[0][i] * x[i]);
            self.ic2[i] = self.m[3][i] * b + (self.m[2][i] * a + self.n[1][i] * x[i]);
            y[i] = 0.5 * (b + self.ic2[i]);
        }
        [y[0], y[1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix step is the textbook TPT filter rearranged: same response to within float
    /// rounding.
    #[test]
    fn svf_matches_textbook_form() {
        for (fc, q) in [(30.0, 0.7), (800.0, 0.7), (5000.0, 2.0), (15_000.0, 0.5)] {
            let mut f = Svf::new(fc, q, 48_000.0);
            let (mut ic1, mut ic2) = (0.0f64, 0.0f64);
            let (a1, a2, a3) = (f.a1 as f64, f.a2 as f64, f.a3 as f64);
            let mut r = crate::dsp::rng::Rng::new(5);
            let mut worst = 0.0f64;
            for _ in 0..48_000 {
                let x = r.bipolar();
                let y = f.tick(x);
                let v3 = x as f64 - ic2;
                let v1 = a1 * ic1 + a2 * v3;
                let v2 = ic2 + a2 * ic1 + a3 * v3;
                ic1 = 2.0 * v1 - ic1;
                ic2 = 2.0 * v2 - ic2;
                worst = worst.max((y.lp as f64 - v2).abs()).max((y.bp as f64 - v1).abs());
            }
            assert!(worst < 1e-3, "fc {fc}: {worst}");
        }
    }

    /// The pair computes exactly what two separate filters do.
    #[test]
    fn svf_pair_matches_two_filters() {
        let (mut l, mut r) = (Svf::new(700.0, 0.7, 48_000.0), Svf::new(2100.0, 0.7, 48_000.0));
        let mut pair = SvfPair::default();
        pair.set(&l, &r);
        let mut rng = crate::dsp::rng::Rng::new(8);
        for _ in 0..10_000 {
            let (a, b) = (rng.bipolar(), rng.bipolar());
            assert_eq!(pair.lp([a, b]), [l.lp(a), r.lp(b)]);
        }
    }

    #[test]
    fn svf_stays_finite_under_sweeps() {
        let mut f = Svf::new(1000.0, 0.7, 48_000.0);
        let mut r = crate::dsp::rng::Rng::new(3);
        for i in 0..200_000 {
            if i % 64 == 0 {
                f.set(r.range(10.0, 30_000.0), r.range(0.1, 30.0), 48_000.0);
            }
            let y = f.tick(r.bipolar());
            assert!(y.lp.is_finite() && y.bp.is_finite() && y.hp.is_finite());
        }
    }
}
