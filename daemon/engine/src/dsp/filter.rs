//! Filters: one-pole smoothers and a state-variable filter for sweeps.

use std::f32::consts::PI;

/// One-pole low-pass; also the smoother for control values.
#[derive(Clone, Debug, Default)]
pub struct OnePole {
    pub y: f32,
    coef: f32,
}

impl OnePole {
    pub fn new(cutoff_hz: f32, sr: f32) -> Self {
        let mut f = OnePole::default();
        f.set(cutoff_hz, sr);
        f
    }
    pub fn set(&mut self, cutoff_hz: f32, sr: f32) {
        let fc = cutoff_hz.clamp(0.01, sr * 0.45);
        self.coef = 1.0 - (-2.0 * PI * fc / sr).exp();
    }
    #[inline]
    pub fn lp(&mut self, x: f32) -> f32 {
        self.y += (x - self.y) * self.coef;
        self.y
    }
    #[inline]
    pub fn hp(&mut self, x: f32) -> f32 {
        x - self.lp(x)
    }
}

/// Topology-preserving-transform state-variable filter (Zavalishin). Stable under fast cutoff
/// changes, which matters because wind and streams sweep their filters continuously.
#[derive(Clone, Debug, Default)]
pub struct Svf {
    ic1: f32,
    ic2: f32,
    g: f32,
    k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
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
        self.g = (PI * fc / sr).tan();
        self.k = 1.0 / q.clamp(0.3, 20.0);
        self.a1 = 1.0 / (1.0 + self.g * (self.g + self.k));
        self.a2 = self.g * self.a1;
        self.a3 = self.g * self.a2;
    }

    #[inline]
    pub fn tick(&mut self, x: f32) -> SvfOut {
        let v3 = x - self.ic2;
        let v1 = self.a1 * self.ic1 + self.a2 * v3;
        let v2 = self.ic2 + self.a2 * self.ic1 + self.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
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

#[cfg(test)]
mod tests {
    use super::*;

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
