//! Crickets: each insect sings chirps of three or four short pulses of a pure tone, at its own
//! pitch and place. Pulses have sine-squared envelopes (no clicks); chirp spacing is jittered.

use super::{Control, Generator, Param};
use crate::dsp::osc::Sine;
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("chirp_hz", 0.1, 8.0, 0.8, 2.0, A, true),
    def("pitch_hz", 2000.0, 9000.0, 4500.0, 4500.0, F, false),
    def("count", 1.0, 6.0, 3.0, 3.0, F, false),
];

const MAX: usize = 6;
const PULSE_S: f32 = 0.016;
const GAP_S: f32 = 0.014;

struct Cricket {
    osc: Sine,
    gl: f32,
    gr: f32,
    /// Seconds into the current chirp; negative while waiting for the next.
    t: f32,
    pulses: u32,
    loudness: f32,
}

pub struct Crickets {
    crickets: Vec<Cricket>,
    rate: Param,
    rng: Rng,
}

impl Crickets {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        let n = (spec.fixed("count").round() as usize).clamp(1, MAX);
        let pitch = spec.fixed("pitch_hz");
        let crickets = (0..n)
            .map(|_| {
                let (gl, gr) = pan_gains(rng.range(-0.8, 0.8));
                Cricket {
                    osc: Sine::new(pitch * rng.range(0.9, 1.1), 0.0, sr),
                    gl,
                    gr,
                    t: -rng.range(0.0, 2.0),
                    pulses: 3,
                    loudness: rng.range(0.4, 1.0),
                }
            })
            .collect();
        Crickets { crickets, rate: spec.param("chirp_hz"), rng }
    }
}

impl Generator for Crickets {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        out.fill(0.0);
        let rate = self.rate.at(c);
        let dt = 1.0 / c.sr;
        let period = PULSE_S + GAP_S;
        for k in &mut self.crickets {
            for f in out.chunks_exact_mut(2) {
                let s = k.osc.tick();
                k.t += dt;
                if k.t < 0.0 {
                    continue;
                }
                let n = (k.t / period) as u32;
                if n >= k.pulses {
                    k.t = -self.rng.exp_wait(rate).min(10.0) - 0.15;
                    k.pulses = 3 + (self.rng.unit() * 2.0) as u32;
                    continue;
                }
                let within = k.t - n as f32 * period;
                if within < PULSE_S {
                    let e = (std::f32::consts::PI * within / PULSE_S).sin();
                    let v = s * e * e * k.loudness * 0.5;
                    f[0] += v * k.gl;
                    f[1] += v * k.gr;
                }
            }
            k.osc.renormalize();
        }
    }
}
