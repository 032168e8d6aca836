//! Waves on a shore: filtered noise shaped by a swell envelope. `swell_period_s` follows
//! activity, so a calm session settles to ~10 s swells (six a minute). Each wave has its own
//! height and a period jittered ±15 %, so the pattern never repeats exactly.

use super::{Control, Generator, Param};
use crate::dsp::filter::{OnePole, Svf};
use crate::dsp::mod_source::Ramp;
use crate::dsp::noise::{self, Color, Noise, SUB};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("swell_period_s", 2.0, 60.0, 10.0, 4.5, A, true),
    def("cutoff_hz", 100.0, 16000.0, 700.0, 3500.0, B, true),
    def("wash", 0.0, 1.0, 0.4, 0.4, F, false),
];

pub struct Waves {
    nl: Noise,
    nr: Noise,
    fl: Svf,
    fr: Svf,
    wash_l: OnePole,
    wash_r: OnePole,
    period: Param,
    cutoff: Param,
    wash: f32,
    rng: Rng,
    phase: f32,
    jitter: f32,
    height: f32,
    pan: f32,
    env: Ramp,
    back: Ramp,
}

impl Waves {
    pub fn new(spec: &LayerSpec, mut rng: Rng, _sr: f32) -> Self {
        Waves {
            nl: Noise::new(Color::Pink, rng.fork(1)),
            nr: Noise::new(Color::Pink, rng.fork(2)),
            fl: Svf::new(800.0, 0.7, 48_000.0),
            fr: Svf::new(800.0, 0.7, 48_000.0),
            wash_l: OnePole::new(1500.0, 48_000.0),
            wash_r: OnePole::new(1500.0, 48_000.0),
            period: spec.param("swell_period_s"),
            cutoff: spec.param("cutoff_hz"),
            wash: spec.fixed("wash"),
            phase: rng.unit(),
            jitter: 1.0,
            height: 0.8,
            pan: 0.0,
            rng,
            env: Ramp::new(0.0),
            back: Ramp::new(0.0),
        }
    }
}

/// Swell shape over one wave (0..1 phase): slow rise, break at 0.7, retreat. Zero at both ends,
/// so changing height or period at the wrap is continuous.
fn swell(p: f32) -> (f32, f32) {
    if p < 0.7 {
        let x = p / 0.7;
        (x * x * (3.0 - 2.0 * x), 0.0)
    } else {
        let x = (1.0 - p) / 0.3;
        let rise = x.powf(1.5);
        // Backwash: the hiss of water running back, strongest just after the break.
        (rise, (1.0 - x) * x * 4.0)
    }
}

impl Generator for Waves {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let period = self.period.at(c) * self.jitter;
        self.phase += c.mod_dt() / period.max(0.5);
        if self.phase >= 1.0 {
            self.phase -= 1.0;
            self.jitter = self.rng.range(0.85, 1.15);
            self.height = self.rng.range(0.55, 1.0);
            self.pan = self.rng.range(-0.35, 0.35);
        }
        let (e, b) = swell(self.phase);
        let env = 0.12 + 0.88 * e * self.height;
        let fc = self.cutoff.at(c) * (0.35 + 0.65 * e * self.height);
        self.fl.set(fc * (1.0 - 0.3 * self.pan), 0.7, c.sr);
        self.fr.set(fc * (1.0 + 0.3 * self.pan), 0.7, c.sr);
        self.wash_l.set(fc * 2.5, c.sr);
        self.wash_r.set(fc * 2.5, c.sr);
        self.env.to(env * 1.6, c.frames);
        self.back.to(b * self.wash * self.height * 0.5, c.frames);
        let (mut wa, mut wb) = ([0.0f32; SUB], [0.0f32; SUB]);
        // Filter, colour and ramp states as locals for the loop (registers), written back after.
        let (mut fl, mut fr, mut wl, mut wr) = (self.fl, self.fr, self.wash_l, self.wash_r);
        let (mut env, mut back) = (self.env, self.back);
        let (mut cl, mut cr) = (*self.nl.state(), *self.nr.state());
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            Noise::white_pair(&mut self.nl, &mut self.nr, &mut wa[..n], &mut wb[..n]);
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let g = env.tick();
                let w = back.tick();
                let (a, bb) = (noise::pink(&mut cl, wa[i]), noise::pink(&mut cr, wb[i]));
                f[0] = fl.lp(a) * g + wl.hp(a) * w;
                f[1] = fr.lp(bb) * g + wr.hp(bb) * w;
            }
        }
        (self.fl, self.fr, self.wash_l, self.wash_r) = (fl, fr, wl, wr);
        (self.env, self.back) = (env, back);
        (*self.nl.state(), *self.nr.state()) = (cl, cr);
    }
}
