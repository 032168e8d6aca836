//! Slow control signals: smooth random drift and the per-block ramps that keep changes click-free.

use super::rng::Rng;

/// A smooth random walk in 0..1: cosine-interpolated random points, `rate_hz` new points per
/// second. Used for anything that should wander without a detectable period.
#[derive(Clone, Debug)]
pub struct Drift {
    rng: Rng,
    from: f32,
    to: f32,
    phase: f32,
}

impl Drift {
    pub fn new(mut rng: Rng) -> Self {
        let from = rng.unit();
        let to = rng.unit();
        let phase = rng.unit();
        Drift { rng, from, to, phase }
    }

    /// Advances by `dt` seconds at `rate_hz` and returns the current value in 0..1.
    #[inline]
    pub fn step(&mut self, dt: f32, rate_hz: f32) -> f32 {
        self.phase += dt * rate_hz.clamp(0.0, 1000.0);
        while self.phase >= 1.0 {
            self.phase -= 1.0;
            self.from = self.to;
            self.to = self.rng.unit();
        }
        let w = 0.5 - 0.5 * (std::f32::consts::PI * self.phase).cos();
        self.from + (self.to - self.from) * w
    }
}

/// A value that moves linearly to a new target over one block, so per-block parameter updates
/// never step (no zipper noise, no clicks at layer entries).
#[derive(Clone, Copy, Debug)]
pub struct Ramp {
    pub value: f32,
    step: f32,
}

impl Ramp {
    pub fn new(v: f32) -> Self {
        Ramp { value: v, step: 0.0 }
    }
    /// Starts a ramp to `target` lasting `frames` samples.
    #[inline]
    pub fn to(&mut self, target: f32, frames: usize) {
        self.step = (target - self.value) / frames.max(1) as f32;
    }
    #[inline]
    pub fn tick(&mut self) -> f32 {
        self.value += self.step;
        self.value
    }
    /// Per-sample increment of the current ramp.
    #[inline]
    pub fn step(&self) -> f32 {
        self.step
    }
    /// Ends the ramp exactly on `target` (removes float accumulation error).
    #[inline]
    pub fn land(&mut self, target: f32) {
        self.value = target;
        self.step = 0.0;
    }
}
