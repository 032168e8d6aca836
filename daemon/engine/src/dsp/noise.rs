//! Coloured noise sources, each roughly unit-RMS-normalised so layer gains mean the same thing.

use super::rng::Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    White,
    Pink,
    Brown,
}

/// White: uniform [-1, 1) has RMS 0.577.
#[inline(always)]
pub fn white(_: &mut [f32; 3], w: f32) -> f32 {
    w * 1.2
}

/// Paul Kellet's economy pink filter: three poles, within 0.5 dB above 100 Hz.
#[inline(always)]
pub fn pink(b: &mut [f32; 3], w: f32) -> f32 {
    b[0] = 0.99765 * b[0] + w * 0.099_046;
    b[1] = 0.963 * b[1] + w * 0.296_516_4;
    b[2] = 0.57 * b[2] + w * 1.052_691_3;
    (b[0] + b[1] + b[2] + w * 0.1848) * 0.28
}

/// Brown: a leaky integrator, -6 dB/octave above ~40 Hz (flat below: nothing under hearing piles
/// up to eat headroom or wander as an offset).
#[inline(always)]
pub fn brown(b: &mut [f32; 3], w: f32) -> f32 {
    b[0] = b[0] * 0.9948 + w * 0.0625;
    b[0] * 2.57
}

/// Brown noise ([`brown`]'s slope and level) whose integrator leaks at `leak` (the pole): flat
/// below its corner instead of rising. Beds that high-pass their bass (deep, thunder) use a corner
/// near their high-pass, so the region below carries too little to move a 10 s mean: a plain
/// integrator's 1/f^2 would cancel a two-pole high-pass's f^4 as far as that mean is concerned.
#[inline(always)]
pub fn leaky_brown(b: &mut [f32; 3], w: f32, leak: f32) -> f32 {
    b[0] = leak * b[0] + 0.1 * w;
    b[0]
}

/// Frames of white noise a layer generates ahead, per channel, before its per-sample loop.
pub const SUB: usize = 128;

/// Parallel generator lanes per noise source.
const LANES: usize = 8;

/// One channel of coloured noise.
///
/// White noise comes from eight xorshift32 lanes stepped together: shifts and xors on eight
/// 32-bit words are a couple of SIMD instructions, where one 64-bit generator is a serial chain
/// per sample. The lanes repeat only after 2^32 - 1 steps, about eight days of audio at 48 kHz,
/// and audio needs no more statistical quality than that.
#[derive(Clone, Debug)]
pub struct Noise {
    color: Color,
    lanes: [u32; LANES],
    /// Generated but not yet used values, for sample-at-a-time callers.
    ready: [f32; LANES],
    used: usize,
    b: [f32; 3],
}

impl Noise {
    pub fn new(color: Color, mut rng: Rng) -> Self {
        let mut lanes = [0u32; LANES];
        for l in &mut lanes {
            *l = ((rng.next_u64() >> 32) as u32) | 1; // never the all-zero state
        }
        Noise { color, lanes, ready: [0.0; LANES], used: LANES, b: [0.0; 3] }
    }

    /// Steps every lane once, writing one value per lane to `out`.
    #[inline]
    fn step(lanes: &mut [u32; LANES], out: &mut [f32]) {
        for (l, o) in lanes.iter_mut().zip(out.iter_mut()) {
            let mut x = *l;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *l = x;
            // Mantissa bits into [2, 4), shifted to [-1, 1): no division, no int-to-float.
            *o = f32::from_bits((x >> 9) | 0x4000_0000) - 3.0;
        }
    }

    /// The next white sample in [-1, 1), before colouring.
    #[inline]
    pub fn white(&mut self) -> f32 {
        if self.used == LANES {
            Self::step(&mut self.lanes, &mut self.ready);
            self.used = 0;
        }
        let v = self.ready[self.used];
        self.used += 1;
        v
    }

    /// Fills `out` with the next white samples: the same values as calling [`Noise::white`]
    /// for each, eight at a time.
    pub fn white_block(&mut self, out: &mut [f32]) {
        let pending = (LANES - self.used).min(out.len());
        out[..pending].copy_from_slice(&self.ready[self.used..self.used + pending]);
        self.used += pending;
        let mut chunks = out[pending..].chunks_exact_mut(LANES);
        for c in &mut chunks {
            Self::step(&mut self.lanes, c);
        }
        for o in chunks.into_remainder() {
            *o = self.white();
        }
    }

    /// Colours one white sample. Layers colour inside the loop that also filters, so the
    /// colour filter's serial chain overlaps the others instead of running as a pass of its own;
    /// hot loops match on [`Noise::kind`] once and call [`white`], [`pink`] or [`brown`] on
    /// [`Noise::state`] themselves.
    #[inline]
    pub fn color(&mut self, w: f32) -> f32 {
        match self.color {
            Color::White => white(&mut self.b, w),
            Color::Pink => pink(&mut self.b, w),
            Color::Brown => brown(&mut self.b, w),
        }
    }

    pub fn kind(&self) -> Color {
        self.color
    }

    /// The colour filter's state.
    pub fn state(&mut self) -> &mut [f32; 3] {
        &mut self.b
    }

    /// Fills a block (one channel, contiguous) with coloured noise.
    pub fn fill(&mut self, out: &mut [f32]) {
        self.white_block(out);
        for s in out.iter_mut() {
            *s = self.color(*s);
        }
    }

    /// White noise for a stereo pair's two sources. Colour it with [`Noise::color`], ideally in
    /// the loop that filters it.
    pub fn white_pair(a: &mut Noise, b: &mut Noise, out_a: &mut [f32], out_b: &mut [f32]) {
        a.white_block(out_a);
        b.white_block(out_b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Block and sample-at-a-time generation give the same stream, however they interleave.
    #[test]
    fn blocks_match_single_samples() {
        let (mut a, mut b) = (Noise::new(Color::White, Rng::new(4)), Noise::new(Color::White, Rng::new(4)));
        let mut r = Rng::new(5);
        for _ in 0..500 {
            let n = r.index(40);
            let mut block = vec![0.0f32; n];
            a.white_block(&mut block);
            let single: Vec<f32> = (0..n).map(|_| b.white()).collect();
            assert_eq!(block, single);
        }
        let mut x = vec![0.0f32; 100_000];
        a.white_block(&mut x);
        let mean = x.iter().map(|v| *v as f64).sum::<f64>() / x.len() as f64;
        assert!(mean.abs() < 0.01 && x.iter().all(|v| (-1.0..1.0).contains(v)), "mean {mean}");
    }

    #[test]
    fn roughly_unit_rms() {
        for c in [Color::White, Color::Pink, Color::Brown] {
            let mut n = Noise::new(c, Rng::new(9));
            let mut buf = vec![0.0f32; 480_000];
            n.fill(&mut buf);
            let rms = (buf.iter().map(|x| (x * x) as f64).sum::<f64>() / buf.len() as f64).sqrt();
            assert!((0.4..1.6).contains(&rms), "{c:?} rms {rms}");
        }
    }
}
