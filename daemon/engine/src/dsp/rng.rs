//! Deterministic random numbers: same seed, bit-identical sound.

/// xorshift64* generator: tiny state, fast, and good enough for audio noise and event timing.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // splitmix64 scramble so nearby seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// A child generator for one sub-part (a layer, a voice), derived so parts don't correlate.
    pub fn fork(&mut self, salt: u64) -> Rng {
        Rng::new(self.next_u64() ^ salt.wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [-1, 1), built from mantissa bits (no division).
    #[inline]
    pub fn bipolar(&mut self) -> f32 {
        let bits = (self.next_u64() >> 41) as u32 | 0x4000_0000; // [2, 4)
        f32::from_bits(bits) - 3.0
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn unit(&mut self) -> f32 {
        (self.bipolar() + 1.0) * 0.5
    }

    /// Uniform in [lo, hi).
    #[inline]
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Index in 0..n (n > 0).
    pub fn index(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n.max(1) as u64) as usize
    }

    /// Exponentially distributed wait (seconds) for events at `rate` per second: Poisson timing,
    /// which never settles into an audible rhythm.
    #[inline]
    pub fn exp_wait(&mut self, rate: f32) -> f32 {
        let u = self.unit().max(1e-7);
        -u.ln() / rate.max(1e-6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_hold() {
        let mut r = Rng::new(1);
        for _ in 0..100_000 {
            let b = r.bipolar();
            assert!((-1.0..1.0).contains(&b));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert!(r.exp_wait(10.0).is_finite());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }
}
