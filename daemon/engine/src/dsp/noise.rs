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
    brown: f32,
}

impl Noise {
    pub fn new(color: Color, rng: Rng) -> Self {
        Noise { color, rng, b: [0.0; 3], brown: 0.0 }
    }

    #[inline]
    pub fn tick(&mut self) -> f32 {
        let w = self.rng.bipolar();
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
                self.brown = self.brown * 0.998 + w * 0.0625;
                self.brown * 1.6
            }
        }
    }

    /// Fills a block (one channel, contiguous): the same values as [`Noise::tick`], with the
    /// colour chosen once per block and the filter state in registers.
    pub fn fill(&mut self, out: &mut [f32]) {
        for s in out.iter_mut() {
            *s = self.rng.bipolar();
        }
        self.color_in_place(out);
    }

    /// [`Noise::fill`] for two sources at once (a stereo pair): the two generators' serial chains
    /// run side by side. Same values as two separate fills.
    pub fn fill_pair(a: &mut Noise, b: &mut Noise, out_a: &mut [f32], out_b: &mut [f32]) {
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
        a.color_in_place(out_a);
        b.color_in_place(out_b);
    }

    /// Turns white noise in `out` into this source's colour.
    fn color_in_place(&mut self, out: &mut [f32]) {
        match self.color {
            Color::White => {
                for s in out {
                    *s *= 1.2;
                }
            }
            Color::Pink => {
                let [mut b0, mut b1, mut b2] = self.b;
                for s in out {
                    let w = *s;
                    b0 = 0.99765 * b0 + w * 0.099_046;
                    b1 = 0.963 * b1 + w * 0.296_516_4;
                    b2 = 0.57 * b2 + w * 1.052_691_3;
                    *s = (b0 + b1 + b2 + w * 0.1848) * 0.28;
                }
                self.b = [b0, b1, b2];
            }
            Color::Brown => {
                let mut y = self.brown;
                for s in out {
                    y = y * 0.998 + *s * 0.0625;
                    *s = y * 1.6;
                }
                self.brown = y;
            }
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
