//! Thunder far away: rare rolls over a faint, continuous low rumble of air.
//!
//! A roll is low-passed brown noise under an envelope of a few overlapping sub-rolls (the
//! echoes of one stroke arriving off hills and cloud), each with a slow rise (0.3-1 s) and its
//! own exponential decay, so the whole roll swells and grumbles away over 4-12 s. A slow flutter
//! roughens it. There is never a crack: the sharp part of thunder dies over the kilometres a
//! calm scene's storm is away, so every rise is slow and everything stays under a few hundred
//! hertz, which also lets the layer run at half rate (see [`crate::dsp::half`]).
//!
//! Roll envelopes and timing run on the modulator clock (`mod_dt`): the first roll comes within
//! the first half second, so loudness calibration (modulators at 8x) hears a whole roll and the
//! bed after it, and sets the level from that rather than from the bed alone.

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::filter::{Svf, SvfPair};
use crate::dsp::half::{self, HalfRate};
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{self, Color, Noise};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("rolls_per_min", 0.1, 2.0, 0.3, 0.8, A, true),
    def("distance", 0.0, 1.0, 0.6, 0.6, F, false),
    def("cutoff_hz", 40.0, 600.0, 110.0, 220.0, B, true),
];

const MAX_SUB: usize = 6;
/// High-pass corner (Hz; two-pole, Butterworth). A 10 s mean of band noise strays from zero by
/// about its RMS / (pi f 10 s) for content at f: rolls with their energy at 30 Hz would move it
/// past 1e-4 of full scale; from 45 Hz they stay near half that.
const HP_HZ: f32 = 45.0;
/// Pole of the brown noise's integrator: it stops rising below about 35 Hz at 24 kHz (the half
/// rate of a 48 kHz output; proportionally elsewhere, as [`noise::brown`]'s fixed pole does), so
/// that below the high-pass there is too little left to matter (a plain integrator's 1/f^2 would
/// cancel the high-pass's f^4 there). A constant, not computed from the rate: with a run-time
/// pole the loop compiled to code twice as slow.
const LEAK: f32 = 0.9909;

/// The continuous bed relative to a roll's peak.
const BED: f32 = 0.07;
/// Overall scale: unit envelope on the filtered noise lands near -17 dBFS RMS, and the rare
/// peaks of the loudest overlapping sub-rolls stay inside ±0.9.
const LEVEL: f32 = 0.28;

#[derive(Clone, Copy, Default)]
struct SubRoll {
    start: f32,
    attack: f32,
    tau: f32,
    amp: f32,
    gl: f32,
    gr: f32,
}

impl SubRoll {
    /// Envelope `t` seconds into the roll: a smoothstep rise, then an exponential decay.
    fn env(&self, t: f32) -> f32 {
        let x = t - self.start;
        if x <= 0.0 {
            0.0
        } else if x < self.attack {
            let p = x / self.attack;
            self.amp * p * p * (3.0 - 2.0 * p)
        } else {
            self.amp * (-(x - self.attack) / self.tau).exp()
        }
    }
}

pub struct Thunder {
    l: Noise,
    r: Noise,
    hpl: Svf,
    hpr: Svf,
    fl: Svf,
    fr: Svf,
    pair: SvfPair,
    rolls: Param,
    cutoff: Param,
    distance: f32,
    rng: Rng,
    flutter: Drift,
    subs: [SubRoll; MAX_SUB],
    n_subs: usize,
    /// Seconds into the current roll, and when it is over (0 = no roll).
    roll_t: f32,
    roll_end: f32,
    until_roll: f32,
    first: bool,
    gl: Ramp,
    gr: Ramp,
    rate: f32,
    half: Option<HalfRate>,
}

impl Thunder {
    pub fn new(spec: &LayerSpec, _ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        let cutoff = spec.param("cutoff_hz");
        let top = cutoff.rest.max(cutoff.lively) * 1.3 * 2.0;
        let half = half::qualifies(top, sr);
        let rate = if half { sr / 2.0 } else { sr };
        Thunder {
            l: Noise::new(Color::Brown, rng.fork(1)),
            r: Noise::new(Color::Brown, rng.fork(2)),
            hpl: Svf::new(HP_HZ, 0.707, rate),
            hpr: Svf::new(HP_HZ, 0.707, rate),
            fl: Svf::new(100.0, 0.7, rate),
            fr: Svf::new(100.0, 0.7, rate),
            pair: SvfPair::default(),
            rolls: spec.param("rolls_per_min"),
            cutoff,
            distance: spec.fixed("distance"),
            flutter: Drift::new(rng.fork(3)),
            subs: [SubRoll::default(); MAX_SUB],
            n_subs: 0,
            roll_t: 0.0,
            roll_end: 0.0,
            until_roll: rng.range(0.05, 0.4),
            first: true,
            rng,
            gl: Ramp::new(0.0),
            gr: Ramp::new(0.0),
            rate,
            half: half.then(HalfRate::default),
        }
    }

    /// Lays out a new roll: a first, strongest sub-roll and a few later, weaker echoes.
    fn start_roll(&mut self) {
        let d = self.distance;
        let r = &mut self.rng;
        // The first roll of a scene is of middling strength, so calibration gets a typical one.
        let strength = if self.first { 0.8 } else { r.range(0.55, 1.0) };
        self.first = false;
        let amp = strength * (1.0 - 0.45 * d);
        let place = r.range(-0.6, 0.6);
        self.n_subs = 2 + r.index(MAX_SUB - 1);
        let mut start = 0.0f32;
        let mut end = 0.0f32;
        for k in 0..self.n_subs {
            let (gl, gr) = pan_gains(place + r.range(-0.25, 0.25));
            let s = SubRoll {
                start,
                // Far away, rises are slower still.
                attack: r.range(0.3, 1.0) * (1.0 + 0.4 * d),
                tau: r.range(0.8, 2.2) * (1.0 + 0.5 * d),
                amp: amp * if k == 0 { 1.0 } else { r.range(0.3, 0.85) },
                gl,
                gr,
            };
            // Over once it has decayed by 60 dB.
            end = end.max(s.start + s.attack + 6.9 * s.tau);
            self.subs[k] = s;
            start += r.range(0.5, 2.4);
        }
        self.roll_t = 0.0;
        self.roll_end = end;
    }

    /// Computes `out.len() / 2` frames at the layer's own rate; `off` is where they start in the
    /// block's gain ramps. States live in locals (registers) for the loop.
    fn compute(&mut self, out: &mut [f32], mut off: usize) {
        const SUB: usize = noise::SUB;
        let mut pair = self.pair;
        pair.set(&self.fl, &self.fr);
        let (mut hl, mut hr) = (self.hpl, self.hpr);
        let (mut cl, mut cr) = (*self.l.state(), *self.r.state());
        let (l0, ls, r0, rs) = (self.gl.value, self.gl.step(), self.gr.value, self.gr.step());
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let (mut a, mut b) = ([0.0f32; SUB], [0.0f32; SUB]);
            Noise::white_pair(&mut self.l, &mut self.r, &mut a[..n], &mut b[..n]);
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let k = (off + i + 1) as f32;
                let x = hl.tick(noise::leaky_brown(&mut cl, a[i], LEAK)).hp;
                let y = hr.tick(noise::leaky_brown(&mut cr, b[i], LEAK)).hp;
                let [l, r] = pair.lp([x, y]);
                f[0] = l * (l0 + ls * k);
                f[1] = r * (r0 + rs * k);
            }
            off += n;
        }
        self.pair = pair;
        (self.hpl, self.hpr) = (hl, hr);
        (*self.l.state(), *self.r.state()) = (cl, cr);
    }
}

impl Generator for Thunder {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        if self.roll_end > 0.0 {
            self.roll_t += dt;
            if self.roll_t >= self.roll_end {
                self.roll_end = 0.0;
            }
        } else {
            self.until_roll -= dt;
            if self.until_roll <= 0.0 {
                self.until_roll = self.rng.exp_wait(self.rolls.at(c) / 60.0);
                self.start_roll();
            }
        }
        let (mut el, mut er, mut e) = (0.0f32, 0.0f32, 0.0f32);
        if self.roll_end > 0.0 {
            for s in &self.subs[..self.n_subs] {
                let v = s.env(self.roll_t);
                el += v * s.gl;
                er += v * s.gr;
                e += v;
            }
        }
        // Rolls rumble: a slow random flutter of ±30 % on the roll, none on the bed.
        let fl = 0.7 + 0.6 * self.flutter.step(dt, 3.0);
        let bed = BED * (1.0 - 0.3 * self.distance);
        let (gl, gr) = ((bed + el * fl) * LEVEL, (bed + er * fl) * LEVEL);
        // Brighter at a roll's peak, darker as it dies and far away.
        let fc = self.cutoff.at(c) * (1.0 - 0.4 * self.distance) * (0.7 + 0.6 * e.min(1.0));
        self.fl.set(fc, 0.7, self.rate);
        self.fr.set(fc * 1.06, 0.7, self.rate);
        let frames = self.half.as_ref().map_or(c.frames, |h| h.needed(c.frames));
        self.gl.to(gl, frames);
        self.gr.to(gr, frames);
        match self.half.take() {
            None => self.compute(out, 0),
            Some(mut h) => {
                h.render(out, |low, at| self.compute(low, at));
                self.half = Some(h);
            }
        }
        self.gl.land(gl);
        self.gr.land(gr);
        // The loudest overlapping sub-rolls can, very rarely, peak past the limit.
        for v in out.iter_mut() {
            *v = v.clamp(-0.9, 0.9);
        }
    }
}
