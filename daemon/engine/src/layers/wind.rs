//! Wind: noise through a resonant band-pass whose centre and level follow gusts (a slow drift plus
//! a faster flutter). Left and right gust slightly differently, so the wind moves across.

use super::{Control, Generator, Param};
use crate::dsp::filter::Svf;
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{self, Color, Noise, SUB};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("gust_hz", 0.005, 2.0, 0.04, 0.25, A, true),
    def("gust_depth", 0.0, 1.0, 0.6, 0.6, F, false),
    def("center_hz", 60.0, 8000.0, 300.0, 1200.0, B, true),
    def("q", 0.3, 8.0, 1.2, 1.2, F, false),
];

pub struct Wind {
    nl: Noise,
    nr: Noise,
    fl: Svf,
    fr: Svf,
    gust: Drift,
    flutter_l: Drift,
    flutter_r: Drift,
    gust_rate: Param,
    center: Param,
    depth: f32,
    q: f32,
    gl: Ramp,
    gr: Ramp,
}

impl Wind {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        Wind {
            nl: Noise::new(Color::Pink, rng.fork(1)),
            nr: Noise::new(Color::Pink, rng.fork(2)),
            fl: Svf::new(500.0, 1.0, sr),
            fr: Svf::new(500.0, 1.0, sr),
            gust: Drift::new(rng.fork(3)),
            flutter_l: Drift::new(rng.fork(4)),
            flutter_r: Drift::new(rng.fork(5)),
            gust_rate: spec.param("gust_hz"),
            center: spec.param("center_hz"),
            depth: spec.fixed("gust_depth"),
            q: spec.fixed("q"),
            gl: Ramp::new(0.0),
            gr: Ramp::new(0.0),
        }
    }
}

impl Generator for Wind {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        let rate = self.gust_rate.at(c);
        let g = self.gust.step(dt, rate);
        let fl = self.flutter_l.step(dt, rate * 6.0);
        let fr = self.flutter_r.step(dt, rate * 6.0);
        let center = self.center.at(c);
        let (ml, mr) = (g * 0.8 + fl * 0.2, g * 0.8 + fr * 0.2);
        self.fl.set(center * 2f32.powf(ml * self.depth * 1.2), self.q, c.sr);
        self.fr.set(center * 2f32.powf(mr * self.depth * 1.2), self.q, c.sr);
        // Band-pass gain falls with bandwidth; scale so q doesn't change loudness much.
        let norm = self.q.sqrt() * 1.5;
        self.gl.to(norm * (1.0 - self.depth + self.depth * ml), c.frames);
        self.gr.to(norm * (1.0 - self.depth + self.depth * mr), c.frames);
        let (mut wa, mut wb) = ([0.0f32; SUB], [0.0f32; SUB]);
        // Filter, colour and ramp states as locals for the loop (registers), written back after.
        let (mut fl, mut fr, mut gl, mut gr) = (self.fl, self.fr, self.gl, self.gr);
        let (mut cl, mut cr) = (*self.nl.state(), *self.nr.state());
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            Noise::white_pair(&mut self.nl, &mut self.nr, &mut wa[..n], &mut wb[..n]);
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                f[0] = fl.bp(noise::pink(&mut cl, wa[i])) * gl.tick();
                f[1] = fr.bp(noise::pink(&mut cr, wb[i])) * gr.tick();
            }
        }
        (self.fl, self.fr, self.gl, self.gr) = (fl, fr, gl, gr);
        (*self.nl.state(), *self.nr.state()) = (cl, cr);
    }
}
