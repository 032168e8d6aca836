//! Noise bed: white/pink/brown noise through a low-pass that wanders slowly, the steady floor of
//! most scenes. Dark beds (low-pass never above a sixteenth of the output rate, 3 kHz at 48 kHz:
//! the calm and sleep ones) run at half rate (see [`crate::dsp::half`]).

use super::{Control, Generator, Param};
use crate::dsp::filter::{Svf, SvfPair};
use crate::dsp::half::{self, HalfRate};
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{self, Color, Noise};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    ChoiceDef,
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// `color`: the noise's spectrum (white, pink or brown).
pub const CHOICES: &[ChoiceDef] =
    &[ChoiceDef { key: "color", options: &["white", "pink", "brown"], default: "pink" }];

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("cutoff_hz", 40.0, 20000.0, 700.0, 4000.0, B, true),
    def("drift", 0.0, 1.0, 0.3, 0.3, F, false),
    def("drift_hz", 0.005, 1.0, 0.03, 0.15, A, true),
    def("width", 0.0, 1.0, 1.0, 1.0, F, false),
];

pub struct NoiseBed {
    l: Noise,
    r: Noise,
    /// The two channels' low-passes: `fl`/`fr` hold the coefficients, `pair` runs them.
    fl: Svf,
    fr: Svf,
    pair: SvfPair,
    cutoff: Param,
    drift_rate: Param,
    depth: f32,
    width_side: f32,
    width_mid: f32,
    wander: Drift,
    swell: Drift,
    level: Ramp,
    /// Rate the bed is computed at, and the interpolation state when that is half the output's.
    rate: f32,
    half: Option<HalfRate>,
}

impl NoiseBed {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        let color = spec.color();
        let width = spec.fixed("width");
        let cutoff = spec.param("cutoff_hz");
        let depth = spec.fixed("drift");
        // The low-pass at its widest (cutoff wander is up to `drift` octaves up), and an octave
        // more: a two-pole low-pass is only 12 dB down there, so that is where the bed's sound
        // really ends.
        let top = cutoff.rest.max(cutoff.lively) * 2f32.powf(depth) * 2.0;
        let half = half::qualifies(top, sr);
        NoiseBed {
            l: Noise::new(color, rng.fork(1)),
            r: Noise::new(color, rng.fork(2)),
            fl: Svf::new(1000.0, 0.7, sr),
            fr: Svf::new(1000.0, 0.7, sr),
            pair: SvfPair::default(),
            cutoff: spec.param("cutoff_hz"),
            drift_rate: spec.param("drift_hz"),
            depth: spec.fixed("drift"),
            width_side: width,
            width_mid: (1.0 - width * width).max(0.0).sqrt(),
            wander: Drift::new(rng.fork(3)),
            swell: Drift::new(rng.fork(4)),
            level: Ramp::new(1.0),
            rate: if half { sr / 2.0 } else { sr },
            half: half.then(HalfRate::default),
        }
    }
}

impl NoiseBed {
    /// Computes `out.len() / 2` frames at the bed's own rate; `off` is where they start in the
    /// block's level ramp.
    fn compute(&mut self, out: &mut [f32], off: usize) {
        // One loop per colour, so the colour filter is picked once, not per sample.
        match self.l.kind() {
            Color::White => self.compute_with(out, off, noise::white),
            Color::Pink => self.compute_with(out, off, noise::pink),
            Color::Brown => self.compute_with(out, off, noise::brown),
        }
    }

    /// [`NoiseBed::compute`] with the colour filter `tint`. Filter and colour states are copied
    /// into locals for the loop (kept in registers) and written back after.
    #[inline(always)]
    fn compute_with(&mut self, out: &mut [f32], off: usize, tint: impl Fn(&mut [f32; 3], f32) -> f32) {
        const SUB: usize = noise::SUB;
        let mut off = off;
        let mut pair = self.pair;
        pair.set(&self.fl, &self.fr);
        let (mut cl, mut cr) = (*self.l.state(), *self.r.state());
        let (side, mid) = (self.width_side, self.width_mid);
        let (g0, step) = (self.level.value, self.level.step());
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let (mut a, mut b) = ([0.0f32; SUB], [0.0f32; SUB]);
            Noise::white_pair(&mut self.l, &mut self.r, &mut a[..n], &mut b[..n]);
            // Colour, width and filter in one loop, so the four filter chains overlap.
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let g = g0 + step * (off + i + 1) as f32;
                let (x, y) = (tint(&mut cl, a[i]), tint(&mut cr, b[i]));
                let [l, r] = pair.lp([x, side * y + mid * x]);
                f[0] = l * g;
                f[1] = r * g;
            }
            off += n;
        }
        self.pair = pair;
        (*self.l.state(), *self.r.state()) = (cl, cr);
    }
}

impl Generator for NoiseBed {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        let rate = self.drift_rate.at(c);
        // Cutoff wanders up to an octave either way with `drift`; level by up to ~4 dB.
        let w = self.wander.step(dt, rate) * 2.0 - 1.0;
        let fc = self.cutoff.at(c) * 2f32.powf(w * self.depth);
        self.fl.set(fc, 0.7, self.rate);
        self.fr.set(fc * 1.03, 0.7, self.rate);
        let lvl = 1.0 - 0.35 * self.depth * self.swell.step(dt, rate * 0.7);
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
    }
}
