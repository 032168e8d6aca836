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

/// One channel of coloured noise.
#[derive(Clone, Debug)]
pub struct Noise {
    color: Color,
    rng: Rng,
    b: [f32; 3],
}

impl Noise {
    pub fn new(color: Color, rng: Rng) -> Self {
        Noise { color, rng, b: [0.0; 3] }
    }

    /// The next white sample in [-1, 1), before colouring.
    #[inline]
    pub fn white(&mut self) -> f32 {
        self.rng.bipolar()
    }

    /// Colours one white sample. Layers colour inside the loop that also filters, so the
    /// colour filter's serial chain overlaps the others instead of running as a pass of its own.
    #[inline]
    pub fn color(&mut self, w: f32) -> f32 {
        match self.color {
            // Uniform [-1,1) has RMS 0.577.
            Color::White => w * 1.2,
            Color::Pink => {
                // Paul Kellet's economy pink filter: three poles, within 0.5 dB above 100 Hz.
                self.b[0] = 0.99765 * self.b[0] + w * 0.099_046;
                self.b[1] = 0.963 * self.b[1] + w * 0.296_516_4;
                self.b[2] = 0.57 * self.b[2] + w * 1.052_691_3;
                (self.b[0] + self.b[1] + self.b[2] + w * 0.1848) * 0.28
            }
            Color::Brown => {
                // Leaky integrator: -6 dB/octave above ~8 Hz, no DC wander.
                self.b[0] = self.b[0] * 0.998 + w * 0.0625;
                self.b[0] * 1.6
            }
        }
    }

    #[inline]
    pub fn tick(&mut self) -> f32 {
        let w = self.white();
        self.color(w)
    }

    /// Fills a block (one channel, contiguous) with the same values as [`Noise::tick`].
    pub fn fill(&mut self, out: &mut [f32]) {
        for s in out.iter_mut() {
            *s = self.rng.bipolar();
        }
        for s in out.iter_mut() {
            *s = self.color(*s);
        }
    }

    /// White noise for two sources at once (a stereo pair): the two generators' serial chains
    /// run side by side. Colour it with [`Noise::color`], ideally in the loop that filters it.
    pub fn white_pair(a: &mut Noise, b: &mut Noise, out_a: &mut [f32], out_b: &mut [f32]) {
        for (x, y) in out_a.iter_mut().zip(out_b.iter_mut()) {
            *x = a.rng.bipolar();
            *y = b.rng.bipolar();
        }
        let n = out_a.len().min(out_b.len());
        for s in &mut out_a[n..] {
            *s = a.rng.bipolar();
        }
        for s in &mut out_b[n..] {
            *s = b.rng.bipolar();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
