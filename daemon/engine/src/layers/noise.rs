//! Noise bed: white/pink/brown noise through a low-pass that wanders slowly, the steady floor of
//! most scenes.

use super::{Control, Generator, Param};
use crate::dsp::filter::Svf;
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::Noise;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;

pub struct NoiseBed {
    l: Noise,
    r: Noise,
    fl: Svf,
    fr: Svf,
    cutoff: Param,
    drift_rate: Param,
    depth: f32,
    width_side: f32,
    width_mid: f32,
    wander: Drift,
    swell: Drift,
    level: Ramp,
}

impl NoiseBed {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        let color = spec.color();
        let width = spec.fixed("width");
        NoiseBed {
            l: Noise::new(color, rng.fork(1)),
            r: Noise::new(color, rng.fork(2)),
            fl: Svf::new(1000.0, 0.7, sr),
            fr: Svf::new(1000.0, 0.7, sr),
            cutoff: spec.param("cutoff_hz"),
            drift_rate: spec.param("drift_hz"),
            depth: spec.fixed("drift"),
            width_side: width,
            width_mid: (1.0 - width * width).max(0.0).sqrt(),
            wander: Drift::new(rng.fork(3)),
            swell: Drift::new(rng.fork(4)),
            level: Ramp::new(1.0),
        }
    }
}

impl Generator for NoiseBed {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        let rate = self.drift_rate.at(c);
        // Cutoff wanders up to an octave either way with `drift`; level by up to ~4 dB.
        let w = self.wander.step(dt, rate) * 2.0 - 1.0;
        let fc = self.cutoff.at(c) * 2f32.powf(w * self.depth);
        self.fl.set(fc, 0.7, c.sr);
        self.fr.set(fc * 1.03, 0.7, c.sr);
        let lvl = 1.0 - 0.35 * self.depth * self.swell.step(dt, rate * 0.7);
        self.level.to(lvl, c.frames);
        // White noise for both channels first (independent generators), then one loop for the rest.
        const SUB: usize = 128;
        let mut off = 0;
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let (mut a, mut b) = ([0.0f32; SUB], [0.0f32; SUB]);
            Noise::white_pair(&mut self.l, &mut self.r, &mut a[..n], &mut b[..n]);
            // Colour, width and filter in one loop, so the four filter chains overlap.
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let g = self.level.value + self.level.step() * (off + i + 1) as f32;
                let (x, y) = (self.l.color(a[i]), self.r.color(b[i]));
                f[0] = self.fl.lp(x) * g;
                f[1] = self.fr.lp(self.width_side * y + self.width_mid * x) * g;
            }
            off += n;
        }
        self.level.land(lvl);
    }
}
