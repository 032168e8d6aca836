//! Rain: a filtered hiss plus individual drops. Drops arrive as a Poisson process (`density` per
//! second, following activity), each a short damped sine with a soft attack (difference of two
//! decays), so there are drops but no clicks.

use super::{Control, Generator, Param};
use crate::dsp::filter::{OnePole, Svf};
use crate::dsp::noise::{Color, Noise};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;

/// Voices in the drop pool; the effective drop rate is capped so a reused voice has decayed.
const VOICES: usize = 16;
/// Longest drop decay (s); with [`VOICES`] this caps discrete drops at ~VOICES / (5 * 12 ms).
const MAX_DECAY_S: f32 = 0.012;

pub struct Rain {
    hiss_l: Noise,
    hiss_r: Noise,
    bl: Svf,
    br: Svf,
    hpl: OnePole,
    hpr: OnePole,
    density: Param,
    cutoff: Param,
    drop_level: f32,
    hiss_level: f32,
    rng: Rng,
    until_drop: f32,
    next_voice: usize,
    // Drop voices (structure of arrays so the inner loop vectorises).
    re: [f32; VOICES],
    im: [f32; VOICES],
    c: [f32; VOICES],
    s: [f32; VOICES],
    e1: [f32; VOICES],
    e2: [f32; VOICES],
    d1: [f32; VOICES],
    d2: [f32; VOICES],
    gl: [f32; VOICES],
    gr: [f32; VOICES],
}

impl Rain {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        Rain {
            hiss_l: Noise::new(Color::White, rng.fork(1)),
            hiss_r: Noise::new(Color::White, rng.fork(2)),
            bl: Svf::new(4000.0, 0.6, sr),
            br: Svf::new(4000.0, 0.6, sr),
            hpl: OnePole::new(250.0, sr),
            hpr: OnePole::new(250.0, sr),
            density: spec.param("density"),
            cutoff: spec.param("cutoff_hz"),
            drop_level: spec.fixed("drop_level"),
            hiss_level: spec.fixed("hiss_level"),
            until_drop: 0.0,
            next_voice: 0,
            rng,
            re: [0.0; VOICES],
            im: [0.0; VOICES],
            c: [1.0; VOICES],
            s: [0.0; VOICES],
            e1: [0.0; VOICES],
            e2: [0.0; VOICES],
            d1: [0.0; VOICES],
            d2: [0.0; VOICES],
            gl: [0.0; VOICES],
            gr: [0.0; VOICES],
        }
    }

    fn spawn(&mut self, sr: f32, bright: f32) {
        let v = self.next_voice;
        self.next_voice = (v + 1) % VOICES;
        let r = &mut self.rng;
        let freq = r.range(900.0, 2200.0) * (1.0 + 1.5 * bright) * r.range(0.8, 1.25);
        let w = 2.0 * std::f32::consts::PI * freq.min(sr * 0.4) / sr;
        self.c[v] = w.cos();
        self.s[v] = w.sin();
        self.re[v] = 1.0;
        self.im[v] = 0.0;
        let decay = r.range(0.002, MAX_DECAY_S);
        self.d1[v] = (-1.0 / (decay * sr)).exp();
        // Attack ~0.6 ms: the faster decay is subtracted, so the envelope starts at zero.
        self.d2[v] = (-1.0 / (0.0006 * sr)).exp();
        // Mostly small drops, a few larger ones (power law).
        let amp = self.drop_level * 0.6 * r.unit().powi(3);
        self.e1[v] = amp;
        self.e2[v] = amp;
        let (pl, pr) = pan_gains(r.range(-0.9, 0.9));
        self.gl[v] = pl;
        self.gr[v] = pr;
    }
}

impl Generator for Rain {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let fc = self.cutoff.at(c);
        self.bl.set(fc, 0.6, c.sr);
        self.br.set(fc * 0.93, 0.6, c.sr);
        let cap = VOICES as f32 / (5.0 * MAX_DECAY_S);
        let rate = self.density.at(c).clamp(0.0, cap);
        let dt = 1.0 / c.sr;
        let hiss = self.hiss_level * 0.5;
        for f in out.chunks_exact_mut(2) {
            self.until_drop -= dt;
            if self.until_drop <= 0.0 {
                if rate > 0.0 {
                    self.spawn(c.sr, c.brightness);
                }
                self.until_drop += self.rng.exp_wait(rate.max(0.01));
            }
            let (mut l, mut r) = (0.0, 0.0);
            for v in 0..VOICES {
                let re = self.re[v] * self.c[v] - self.im[v] * self.s[v];
                self.im[v] = self.re[v] * self.s[v] + self.im[v] * self.c[v];
                self.re[v] = re;
                self.e1[v] *= self.d1[v];
                self.e2[v] *= self.d2[v];
                let x = self.im[v] * (self.e1[v] - self.e2[v]);
                l += x * self.gl[v];
                r += x * self.gr[v];
            }
            let hl = self.hpl.hp(self.bl.lp(self.hiss_l.tick()));
            let hr = self.hpr.hp(self.br.lp(self.hiss_r.tick()));
            f[0] = l + hl * hiss;
            f[1] = r + hr * hiss;
        }
        // Renormalise the rotators once per block so float error never grows.
        for v in 0..VOICES {
            let n = (self.re[v] * self.re[v] + self.im[v] * self.im[v]).sqrt();
            if n > 1e-6 {
                self.re[v] /= n;
                self.im[v] /= n;
            }
        }
    }
}
