//! Sample layer: a pack's audio file, resampled on the fly (linear interpolation) and looped.
//! At each loop point a second read head starts at a seeded random place and the two crossfade
//! (equal power), so the seam is smooth and the repetition is not periodic.

use super::{Control, Generator};
use crate::dsp::rng::Rng;
use crate::pack::{Follows::Fixed as F, ParamDef, def};
use crate::pack::{LayerSpec, SampleData};
use std::sync::Arc;

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] =
    &[def("loop_crossfade_s", 0.01, 10.0, 2.0, 2.0, F, false), def("rate", 0.25, 4.0, 1.0, 1.0, F, false)];

pub struct SampleLoop {
    data: Arc<SampleData>,
    /// Read position of the main head, in source frames.
    pos: f64,
    /// Second head while crossfading.
    next: f64,
    fading: bool,
    /// Crossfade progress in source frames.
    xf_done: f64,
    xf_len: f64,
    step: f64,
    rng: Rng,
}

impl SampleLoop {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        let data = spec.sample.clone().unwrap_or_else(|| Arc::new(SampleData::silence()));
        let len = data.frames() as f64;
        let xf_len =
            (spec.fixed("loop_crossfade_s") as f64 * data.sample_rate as f64).min(len / 3.0).max(1.0);
        let step = data.sample_rate as f64 / sr as f64 * spec.fixed("rate") as f64;
        let pos = if len > 3.0 * xf_len { rng.unit() as f64 * (len - 2.0 * xf_len) } else { 0.0 };
        SampleLoop { data, pos, next: 0.0, fading: false, xf_done: 0.0, xf_len, step, rng }
    }

    #[inline]
    fn read(&self, p: f64) -> (f32, f32) {
        let d = &self.data.samples;
        let n = self.data.frames();
        if n < 2 {
            return (0.0, 0.0);
        }
        let i = (p as usize).min(n - 2);
        let fr = (p - i as f64).clamp(0.0, 1.0) as f32;
        let a = 2 * i;
        (d[a] + (d[a + 2] - d[a]) * fr, d[a + 1] + (d[a + 3] - d[a + 1]) * fr)
    }
}

impl Generator for SampleLoop {
    fn render(&mut self, _c: &Control, out: &mut [f32]) {
        let len = self.data.frames() as f64;
        for f in out.chunks_exact_mut(2) {
            let (mut l, mut r) = self.read(self.pos);
            if self.fading {
                let x = (self.xf_done / self.xf_len).clamp(0.0, 1.0) as f32;
                let (ga, gb) =
                    ((x * std::f32::consts::FRAC_PI_2).cos(), (x * std::f32::consts::FRAC_PI_2).sin());
                let (bl, br) = self.read(self.next);
                l = l * ga + bl * gb;
                r = r * ga + br * gb;
                self.next += self.step;
                self.xf_done += self.step;
                if self.xf_done >= self.xf_len {
                    self.fading = false;
                    self.pos = self.next - self.step;
                }
            } else if self.pos + self.xf_len >= len - 1.0 {
                self.fading = true;
                self.xf_done = 0.0;
                let span = (len - 3.0 * self.xf_len).max(0.0);
                self.next = self.rng.unit() as f64 * span;
            }
            self.pos += self.step;
            f[0] = l;
            f[1] = r;
        }
    }
}
