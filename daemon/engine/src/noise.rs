//! A smoothed brown-noise bed: the simplest layer, and the foundation's whole sound.

use crate::Source;
use sonora_proto::Outcome;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Small, fast, deterministic PRNG (xorshift64*), so a seed gives bit-identical output.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Uniform in [-1, 1).
    #[inline]
    pub fn bipolar(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((x >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }
}

/// Brown noise (leaky integrated white noise) through a gentle low-pass, per channel.
pub struct NoiseBed {
    rng: Rng,
    state: [f32; 2],
    lp: [f32; 2],
    lp_coef: f32,
    level: f32,
    gain: Arc<AtomicU32>,
    muted: Arc<AtomicBool>,
    smoothed_gain: f32,
}

impl NoiseBed {
    pub fn new(
        outcome: Outcome,
        seed: u64,
        sample_rate: u32,
        gain: Arc<AtomicU32>,
        muted: Arc<AtomicBool>,
    ) -> Self {
        let cutoff_hz = match outcome {
            Outcome::Calm => 900.0,
            Outcome::Focus => 1800.0,
            Outcome::Sleep => 450.0,
        };
        let lp_coef = 1.0 - (-2.0 * std::f32::consts::PI * cutoff_hz / sample_rate.max(1) as f32).exp();
        NoiseBed {
            rng: Rng::new(seed),
            state: [0.0; 2],
            lp: [0.0; 2],
            lp_coef,
            level: 0.25,
            gain,
            muted,
            smoothed_gain: 0.0,
        }
    }
}

impl Source for NoiseBed {
    fn fill(&mut self, out: &mut [f32]) {
        let target = if self.muted.load(Ordering::Relaxed) {
            0.0
        } else {
            f32::from_bits(self.gain.load(Ordering::Relaxed)).clamp(0.0, 1.0)
        };
        for frame in out.chunks_exact_mut(2) {
            self.smoothed_gain += (target - self.smoothed_gain) * 0.001;
            for (ch, s) in frame.iter_mut().enumerate() {
                let w = self.rng.bipolar();
                self.state[ch] = (self.state[ch] * 0.995 + w * 0.1).clamp(-4.0, 4.0);
                self.lp[ch] += (self.state[ch] - self.lp[ch]) * self.lp_coef;
                *s = (self.lp[ch] * self.level * self.smoothed_gain).clamp(-1.0, 1.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_output_and_bounded() {
        let mk = || {
            NoiseBed::new(
                Outcome::Calm,
                42,
                48_000,
                Arc::new(AtomicU32::new(1.0f32.to_bits())),
                Arc::new(AtomicBool::new(false)),
            )
        };
        let (mut a, mut b) = (mk(), mk());
        let mut x = vec![0.0; 96_000];
        let mut y = vec![0.0; 96_000];
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert!(x.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
        let rms = (x[48_000..].iter().map(|s| s * s).sum::<f32>() / 48_000.0).sqrt();
        assert!(rms > 0.01, "rms {rms}");
    }
}
