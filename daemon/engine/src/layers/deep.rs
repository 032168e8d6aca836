//! Deep: brown noise under a dark low-pass with a slow tide, the bed for people who find even pink
//! noise too busy. Everything it makes sits far below an eighth of the output rate, so it is
//! computed at half rate (see [`crate::dsp::half`]).
//!
//! The tide moves level and cutoff together (louder is brighter, like a swell coming in) but only
//! by about a decibel, so the bed stays steady enough for focus; each tide has its own period,
//! jittered around `tide_s`, so no two are the same length.

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::filter::{Svf, SvfPair};
use crate::dsp::half::{self, HalfRate};
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{self, Color, Noise};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("cutoff_hz", 60.0, 1200.0, 140.0, 500.0, B, true),
    def("tide_s", 10.0, 120.0, 60.0, 30.0, A, true),
    def("tide_depth", 0.0, 1.0, 0.5, 0.5, F, false),
    def("width", 0.0, 1.0, 0.85, 0.85, F, false),
];

/// High-pass corner (Hz; two-pole, Butterworth). Not lower: a 10 s mean of band noise strays from
/// zero by about its RMS / (pi f 10 s) for content at f, so a bed whose energy sat at 40 Hz would
/// wander a 10 s mean past 1e-4 of full scale (measured over sliding windows); from 70 Hz it stays
/// near half that. What goes is sub-bass most speakers cannot play.
const HP_HZ: f32 = 70.0;
/// Where the brown noise's integrator stops rising (see [`noise::leaky_brown`]).
const LEAK_HZ: f32 = 60.0;
/// Output level: about -24..-21 dBFS RMS from dark to bright (a little under the usual -20 so the
/// 10 s means keep their margin; the scene calibrates loudness anyway).
const LEVEL: f32 = 0.4;

pub struct Deep {
    l: Noise,
    r: Noise,
    hpl: Svf,
    hpr: Svf,
    fl: Svf,
    fr: Svf,
    pair: SvfPair,
    cutoff: Param,
    tide_s: Param,
    depth: f32,
    side: f32,
    mid: f32,
    rng: Rng,
    /// Position in the current tide (0..1) and this tide's period factor.
    phase: f32,
    jitter: f32,
    /// Small independent wander of the cutoff so the tide is not a pure cosine.
    wander: Drift,
    level: Ramp,
    rate: f32,
    half: Option<HalfRate>,
}

impl Deep {
    pub fn new(spec: &LayerSpec, _ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        let cutoff = spec.param("cutoff_hz");
        // Widest the low-pass opens (half an octave of tide), and an octave more.
        let top = cutoff.rest.max(cutoff.lively) * 2f32.powf(0.5) * 2.0;
        let half = half::qualifies(top, sr);
        let rate = if half { sr / 2.0 } else { sr };
        let width = spec.fixed("width");
        Deep {
            l: Noise::new(Color::Brown, rng.fork(1)),
            r: Noise::new(Color::Brown, rng.fork(2)),
            hpl: Svf::new(HP_HZ, 0.707, rate),
            hpr: Svf::new(HP_HZ, 0.707, rate),
            fl: Svf::new(200.0, 0.7, rate),
            fr: Svf::new(200.0, 0.7, rate),
            pair: SvfPair::default(),
            cutoff,
            tide_s: spec.param("tide_s"),
            depth: spec.fixed("tide_depth"),
            side: width,
            mid: (1.0 - width * width).max(0.0).sqrt(),
            wander: Drift::new(rng.fork(3)),
            phase: rng.unit(),
            jitter: rng.range(0.8, 1.25),
            rng,
            level: Ramp::new(LEVEL),
            rate,
            half: half.then(HalfRate::default),
        }
    }

    /// Computes `out.len() / 2` frames at the bed's own rate; `off` is where they start in the
    /// block's level ramp. Filter states live in locals (registers) for the loop.
    fn compute(&mut self, out: &mut [f32], mut off: usize) {
        const SUB: usize = noise::SUB;
        let mut pair = self.pair;
        pair.set(&self.fl, &self.fr);
        let (mut hl, mut hr) = (self.hpl, self.hpr);
        let (mut cl, mut cr) = (*self.l.state(), *self.r.state());
        let (side, mid) = (self.side, self.mid);
        let leak = (-std::f32::consts::TAU * LEAK_HZ / self.rate).exp();
        let (g0, step) = (self.level.value, self.level.step());
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let (mut a, mut b) = ([0.0f32; SUB], [0.0f32; SUB]);
            Noise::white_pair(&mut self.l, &mut self.r, &mut a[..n], &mut b[..n]);
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let g = g0 + step * (off + i + 1) as f32;
                let x = hl.tick(noise::leaky_brown(&mut cl, a[i], leak)).hp;
                let y = hr.tick(noise::leaky_brown(&mut cr, b[i], leak)).hp;
                let [l, r] = pair.lp([x, side * y + mid * x]);
                f[0] = l * g;
                f[1] = r * g;
            }
            off += n;
        }
        self.pair = pair;
        (self.hpl, self.hpr) = (hl, hr);
        (*self.l.state(), *self.r.state()) = (cl, cr);
    }
}

impl Generator for Deep {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        let period = (self.tide_s.at(c) * self.jitter).max(2.0);
        self.phase += dt / period;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
            self.jitter = self.rng.range(0.8, 1.25);
        }
        // -1..1, cosine-shaped: the tide has no corners.
        let tide = -(std::f32::consts::TAU * self.phase).cos();
        let w = self.wander.step(dt, 0.05) - 0.5;
        let d = self.depth;
        let fc = self.cutoff.at(c) * 2f32.powf(d * (0.4 * tide + 0.3 * w));
        self.fl.set(fc, 0.7, self.rate);
        self.fr.set(fc * 1.04, 0.7, self.rate);
        // About ±0.5 dB of level at the default depth, ±1 dB at full depth.
        let lvl = LEVEL * (1.0 + 0.12 * d * tide);
        let frames = self.half.as_ref().map_or(c.frames, |h| h.needed(c.frames));
        self.level.to(lvl, frames);
        match self.half.take() {
            None => self.compute(out, 0),
            Some(mut h) => {
                h.render(out, |low, at| self.compute(low, at));
                self.half = Some(h);
            }
        }
        self.level.land(lvl);
        // Noise has no hard peak: a guarantee for the extremes of the schema.
        for v in out.iter_mut() {
            *v = v.clamp(-0.9, 0.9);
        }
    }
}
