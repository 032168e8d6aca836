//! Leaves: a forest canopy moving in the air. Two parts:
//! - the canopy: white noise through a broad band-pass (within its octave or two, white and pink
//!   sound alike, and white needs no colour filter) whose level and centre follow slow gusts, so
//!   the trees breathe rather than hiss;
//! - rustle: tiny grains (5-15 ms) of band-passed noise, each at its own place in the stereo
//!   field, arriving at random (Poisson) with a rate that rises and falls with the gusts: a
//!   gust is when the leaves move, so that is when they rustle.
//!
//! Grains are band-limited and shaped by a smooth bump, so they patter without clicking; two
//! independent grain streams let grains overlap when rustle is dense.
//!
//! Cost: the canopy's two band-passes and the grains' colouring filter run side by side in the
//! lanes of one SIMD register ([`Bp3`]); grains are then added span by span, so the time between
//! them costs nothing.

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{Color, Noise, SUB};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("gust_hz", 0.005, 1.0, 0.05, 0.2, A, true),
    def("gust_depth", 0.0, 1.0, 0.7, 0.7, F, false),
    def("rustle", 0.0, 800.0, 60.0, 240.0, A, false),
    def("center_hz", 300.0, 8000.0, 1500.0, 3200.0, B, true),
];

const STREAMS: usize = 2;
/// Canopy band-pass Q (broad: a canopy is many leaves) and grain colour Q.
const CANOPY_Q: f32 = 0.6;
const GRAIN_Q: f32 = 0.9;

/// Three band-pass state-variable filters (TPT form) in the lanes of one SIMD register: canopy
/// left, canopy right and grain colour, one instruction per step for all three (lane 3 idle).
#[derive(Clone, Copy, Default)]
struct Bp3 {
    ic1: [f32; 4],
    ic2: [f32; 4],
    a1: [f32; 4],
    a2: [f32; 4],
    a3: [f32; 4],
    /// Output scale: k, so the band-pass has unit gain at its centre.
    k: [f32; 4],
}

impl Bp3 {
    fn set(&mut self, lane: usize, fc: f32, q: f32, sr: f32) {
        let g = (std::f32::consts::PI * fc.clamp(10.0, sr * 0.45) / sr).tan();
        let k = 1.0 / q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        self.a1[lane] = a1;
        self.a2[lane] = g * a1;
        self.a3[lane] = g * g * a1;
        self.k[lane] = k;
    }

    #[inline(always)]
    fn bp(&mut self, x: [f32; 4]) -> [f32; 4] {
        let mut y = [0.0f32; 4];
        for i in 0..4 {
            let (c1, c2) = (self.ic1[i], self.ic2[i]);
            let v3 = x[i] - c2;
            let v1 = self.a1[i] * c1 + self.a2[i] * v3;
            let v2 = c2 + self.a2[i] * c1 + self.a3[i] * v3;
            self.ic1[i] = 2.0 * v1 - c1;
            self.ic2[i] = 2.0 * v2 - c2;
            y[i] = v1 * self.k[i];
        }
        y
    }
}

#[derive(Clone, Copy, Default)]
struct Grain {
    /// Samples into the grain, its length, and samples to wait once it is over.
    t: f32,
    len: f32,
    wait: f32,
    amp: f32,
    gl: f32,
    gr: f32,
}

pub struct Leaves {
    nl: Noise,
    nr: Noise,
    nx: Noise,
    filters: Bp3,
    gust: Drift,
    flutter_l: Drift,
    flutter_r: Drift,
    gust_rate: Param,
    rustle: Param,
    center: Param,
    depth: f32,
    gl: Ramp,
    gr: Ramp,
    grains: [Grain; STREAMS],
    rng: Rng,
}

impl Leaves {
    pub fn new(spec: &LayerSpec, _ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        let mut grains = [Grain::default(); STREAMS];
        for g in &mut grains {
            g.wait = rng.range(0.0, 0.05) * sr;
        }
        Leaves {
            nl: Noise::new(Color::White, rng.fork(1)),
            nr: Noise::new(Color::White, rng.fork(2)),
            nx: Noise::new(Color::White, rng.fork(3)),
            filters: Bp3::default(),
            gust: Drift::new(rng.fork(4)),
            flutter_l: Drift::new(rng.fork(5)),
            flutter_r: Drift::new(rng.fork(6)),
            gust_rate: spec.param("gust_hz"),
            rustle: spec.param("rustle"),
            center: spec.param("center_hz"),
            depth: spec.fixed("gust_depth"),
            gl: Ramp::new(0.0),
            gr: Ramp::new(0.0),
            grains,
            rng,
        }
    }

    /// Starts the next grain of a stream, or a pause when rustle is off.
    fn next_grain(g: &mut Grain, rng: &mut Rng, rate: f32, sr: f32) {
        g.t = 0.0;
        if rate < 0.01 {
            g.len = 0.0;
            g.wait = 0.05 * sr;
            return;
        }
        g.len = rng.range(0.005, 0.015) * sr;
        g.wait = rng.exp_wait(rate) * sr;
        // Mostly faint, a few louder: leaves near the ear.
        let u = rng.unit();
        g.amp = 0.17 + 0.26 * u * u;
        let (l, r) = pan_gains(rng.range(-0.9, 0.9));
        (g.gl, g.gr) = (l, r);
    }
}

impl Generator for Leaves {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        let rate = self.gust_rate.at(c);
        let g = self.gust.step(dt, rate);
        let (ml, mr) = (
            g * 0.8 + 0.2 * self.flutter_l.step(dt, rate * 5.0),
            g * 0.8 + 0.2 * self.flutter_r.step(dt, rate * 5.0),
        );
        let d = self.depth;
        let center = self.center.at(c);
        // Gusts open the band up to half an octave and lift the level.
        self.filters.set(0, center * 2f32.powf(0.5 * d * ml), CANOPY_Q, c.sr);
        self.filters.set(1, center * 2f32.powf(0.5 * d * mr), CANOPY_Q, c.sr);
        self.filters.set(2, center * 1.8, GRAIN_Q, c.sr);
        let level = 0.5;
        self.gl.to(level * (1.0 - d + d * ml * ml), c.frames);
        self.gr.to(level * (1.0 - d + d * mr * mr), c.frames);
        let grain_rate = self.rustle.at(c) * (0.1 + 0.9 * g * g) / STREAMS as f32;

        let (mut wa, mut wb, mut wx, mut gx) = ([0.0f32; SUB], [0.0f32; SUB], [0.0f32; SUB], [0.0f32; SUB]);
        let mut bp = self.filters;
        let (l0, ls, r0, rs) = (self.gl.value, self.gl.step(), self.gr.value, self.gr.step());
        let sr = c.sr;
        let mut off = 0;
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            Noise::white_pair(&mut self.nl, &mut self.nr, &mut wa[..n], &mut wb[..n]);
            self.nx.white_block(&mut wx[..n]);
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let k = (off + i + 1) as f32;
                let y = bp.bp([wa[i], wb[i], wx[i], 0.0]);
                f[0] = y[0] * (l0 + ls * k);
                f[1] = y[1] * (r0 + rs * k);
                gx[i] = y[2];
            }
            // Grains, span by span: a sounding stretch, or a silent one skipped whole.
            for gr in &mut self.grains {
                let mut i = 0;
                while i < n {
                    if gr.t < gr.len {
                        let m = ((gr.len - gr.t).ceil() as usize).min(n - i);
                        let (mut t, inv) = (gr.t, 1.0 / gr.len);
                        let (al, ar) = (gr.amp * gr.gl, gr.amp * gr.gr);
                        for (f, x) in part[i * 2..(i + m) * 2].chunks_exact_mut(2).zip(&gx[i..i + m]) {
                            let p = t * inv;
                            // (4p(1-p))^2: zero value and slope at both ends, so no edge.
                            let e = 4.0 * p * (1.0 - p);
                            let v = x * e * e;
                            f[0] += v * al;
                            f[1] += v * ar;
                            t += 1.0;
                        }
                        gr.t = t;
                        i += m;
                    } else {
                        let m = (gr.wait.ceil().max(0.0) as usize).min(n - i);
                        gr.wait -= m as f32;
                        i += m;
                        if gr.wait <= 0.0 {
                            Self::next_grain(gr, &mut self.rng, grain_rate, sr);
                        }
                    }
                }
            }
            off += n;
        }
        self.filters = bp;
        self.gl.land(self.gl.value + ls * c.frames as f32);
        self.gr.land(self.gr.value + rs * c.frames as f32);
        // Noise has no hard peak: a guarantee for the extremes of the schema.
        for v in out.iter_mut() {
            *v = v.clamp(-0.9, 0.9);
        }
    }
}
