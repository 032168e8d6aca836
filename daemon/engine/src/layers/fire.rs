//! A fire: a low, breathing rumble plus crackles. Crackles are bursts of a few tiny band-passed
//! pops with raised-cosine envelopes (a millisecond or two), so they snap without digital clicks.

use super::{Control, Generator, Param};
use crate::dsp::filter::{OnePole, Svf};
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{Color, Noise, SUB};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("crackle_hz", 0.0, 60.0, 3.0, 12.0, A, false),
    def("rumble", 0.0, 1.0, 0.5, 0.5, F, false),
    def("cutoff_hz", 200.0, 8000.0, 1200.0, 3500.0, B, true),
];

pub struct Fire {
    rumble_l: Noise,
    rumble_r: Noise,
    lp_l: OnePole,
    lp_r: OnePole,
    pop_noise: Noise,
    pop_filter: Svf,
    breath: Drift,
    level: Ramp,
    crackle: Param,
    cutoff: Param,
    rumble: f32,
    rng: Rng,
    until_pop: f32,
    /// Current pop: samples elapsed, length, amplitude, left/right gain; pops left in this burst.
    pop_t: f32,
    pop_len: f32,
    pop_amp: f32,
    pop_gl: f32,
    pop_gr: f32,
    burst_left: u32,
}

impl Fire {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        Fire {
            rumble_l: Noise::new(Color::Brown, rng.fork(1)),
            rumble_r: Noise::new(Color::Brown, rng.fork(2)),
            lp_l: OnePole::new(300.0, sr),
            lp_r: OnePole::new(300.0, sr),
            pop_noise: Noise::new(Color::White, rng.fork(3)),
            pop_filter: Svf::new(2500.0, 1.5, sr),
            breath: Drift::new(rng.fork(4)),
            level: Ramp::new(0.0),
            crackle: spec.param("crackle_hz"),
            cutoff: spec.param("cutoff_hz"),
            rumble: spec.fixed("rumble"),
            until_pop: rng.exp_wait(3.0),
            rng,
            pop_t: 0.0,
            pop_len: 0.0,
            pop_amp: 0.0,
            pop_gl: 0.0,
            pop_gr: 0.0,
            burst_left: 0,
        }
    }
}

impl Generator for Fire {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = 1.0 / c.sr;
        let rate = self.crackle.at(c);
        let fc = self.cutoff.at(c);
        self.pop_filter.set(fc, 1.5, c.sr);
        self.lp_l.set(fc * 0.12, c.sr);
        self.lp_r.set(fc * 0.11, c.sr);
        let lvl = self.rumble * 1.6 * (0.6 + 0.4 * self.breath.step(c.mod_dt(), 0.3));
        self.level.to(lvl, c.frames);
        let (mut wa, mut wb, mut wx) = ([0.0f32; SUB], [0.0f32; SUB], [0.0f32; SUB]);
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            Noise::white_pair(&mut self.rumble_l, &mut self.rumble_r, &mut wa[..n], &mut wb[..n]);
            self.pop_noise.white_block(&mut wx[..n]);
            for (j, f) in part.chunks_exact_mut(2).enumerate() {
                let g = self.level.tick();
                let mut l = self.lp_l.lp(self.rumble_l.color(wa[j])) * g;
                let mut r = self.lp_r.lp(self.rumble_r.color(wb[j])) * g;
                let x = self.pop_filter.bp(self.pop_noise.color(wx[j]));
                if self.pop_t < self.pop_len {
                    let e = 0.5 - 0.5 * (std::f32::consts::TAU * self.pop_t / self.pop_len).cos();
                    let v = x * e * self.pop_amp;
                    l += v * self.pop_gl;
                    r += v * self.pop_gr;
                    self.pop_t += 1.0;
                } else if self.burst_left > 0 {
                    self.burst_left -= 1;
                    self.start_pop(c.sr, c.brightness, false);
                } else {
                    self.until_pop -= dt;
                    if self.until_pop <= 0.0 {
                        self.until_pop = self.rng.exp_wait(rate.max(0.01));
                        if rate > 0.0 {
                            self.burst_left = self.rng.index(4) as u32;
                            self.start_pop(c.sr, c.brightness, true);
                        }
                    }
                }
                f[0] = l;
                f[1] = r;
            }
        }
    }
}

impl Fire {
    /// Starts one pop. Dark scenes (sleep) get softer, rounder pops: a fire burning down.
    fn start_pop(&mut self, sr: f32, bright: f32, new_place: bool) {
        self.pop_t = 0.0;
        self.pop_len = self.rng.range(0.0008, 0.0025) * sr * (2.5 - 1.5 * bright);
        self.pop_amp = 2.5 * self.rng.unit().powi(2) * (0.3 + 0.7 * bright);
        if new_place {
            let (l, r) = crate::dsp::pan_gains(self.rng.range(-0.5, 0.5));
            self.pop_gl = l;
            self.pop_gr = r;
        }
    }
}
