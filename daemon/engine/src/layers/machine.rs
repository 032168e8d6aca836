//! Machine: the steady mechanical beds some people focus best with.
//!
//! - `room`: room tone, dark pink noise with a faint mains hum: the sound of a quiet building.
//! - `fan`: broadband air, a faint flutter at the blade rate and the motor's hum.
//! - `train`: a low rumble that sways slowly, with soft rail-joint clacks ("da-dum").
//!
//! These play in focus scenes, so nothing may pull attention: every modulation is a few percent,
//! the hum sits some 25 dB under the air, and the train's clacks are regular (a rhythm the ear
//! stops noticing) and low-passed so they thud rather than tick. All three are computed at half
//! rate (see [`crate::dsp::half`]): room and train at any cutoff that stays under an eighth of
//! the output rate, the fan always.

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::filter::{OnePole, Svf, SvfPair};
use crate::dsp::half::{self, HalfRate};
use crate::dsp::mod_source::{Drift, Ramp};
use crate::dsp::noise::{self, Color, Noise};
use crate::dsp::osc::Sine;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    ChoiceDef,
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// `type`: which machine (room tone, fan or train).
pub const CHOICES: &[ChoiceDef] =
    &[ChoiceDef { key: "type", options: &["room", "fan", "train"], default: "room" }];

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("cutoff_hz", 80.0, 8000.0, 450.0, 1000.0, B, true),
    def("hum_hz", 30.0, 240.0, 50.0, 50.0, F, false),
    def("hum_level", 0.0, 1.0, 0.3, 0.3, F, false),
    def("speed", 0.25, 2.0, 1.0, 1.0, A, true),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Type {
    Room,
    Fan,
    Train,
}

impl Type {
    /// Where this machine's air sits relative to `cutoff_hz`: a fan is broadband, a train's body
    /// is mostly rumble.
    fn cutoff_scale(self) -> f32 {
        match self {
            Type::Room => 1.0,
            Type::Fan => 2.0,
            Type::Train => 0.45,
        }
    }
}

/// High-pass (Hz, two poles) on the noise, below the hum: a strong component just above the corner
/// still shifts a 10 s mean by about its amplitude / (pi f 10 s), so the corner must not be low.
const HP_HZ: f32 = 60.0;
/// The train's rumble is brown, with more of its energy near the corner: a little higher still.
const TRAIN_HP_HZ: f32 = 75.0;
/// Where the train's brown rumble stops rising: flat below instead of climbing. With the two-pole
/// high-pass after it, the sub-audio region then carries too little to move a 10 s mean (a plain
/// integrator's 1/f^2 would cancel the high-pass's f^4 as far as that mean is concerned).
const LEAK_HZ: f32 = 60.0;
/// Rail joints: seconds between joints at speed 1 (25 m rails at 56 km/h), and between the two
/// axles of a bogie crossing one joint.
const JOINT_S: f32 = 1.6;
const AXLE_S: f32 = 0.13;
/// Length of one clack's envelope (s): long enough to be a soft thud, not a tick.
const CLACK_S: f32 = 0.04;

pub struct Machine {
    ty: Type,
    l: Noise,
    r: Noise,
    x: Noise,
    hp: Hp2,
    fl: Svf,
    fr: Svf,
    pair: SvfPair,
    clack_a: OnePole,
    clack_b: OnePole,
    clack_c: OnePole,
    hum: Sine,
    /// Blade-pass flutter phase (radians), applied through the block-rate level ramp.
    blade: f32,
    cutoff: Param,
    speed: Param,
    /// Hum harmonic amplitudes (fundamental, 2nd, 3rd).
    hum_amp: [f32; 3],
    sway: Drift,
    level: Ramp,
    /// 0 -> 1 over the first block: the hum starts mid-cycle, and must not start with a step.
    start: Ramp,
    rng: Rng,
    /// Seconds to the next joint; samples into the current clack (or past its end); the clack's
    /// amplitude, and whether the second axle of this joint is still to come.
    until_joint: f32,
    clack_t: f32,
    clack_len: f32,
    clack_amp: f32,
    second_axle: bool,
    rate: f32,
    half: Option<HalfRate>,
}

impl Machine {
    pub fn new(spec: &LayerSpec, _ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        let ty = match spec.choice("type") {
            "fan" => Type::Fan,
            "train" => Type::Train,
            _ => Type::Room,
        };
        let cutoff = spec.param("cutoff_hz");
        let top = cutoff.rest.max(cutoff.lively) * ty.cutoff_scale() * 1.3 * 2.0;
        // Clacks are low-passed at 700 Hz; the top of their band is well inside this. A fan is
        // always computed at half rate (from 32 kHz up): its air is noise, so what half rate
        // gives up at bright settings (the top octave, and images mirrored about a quarter of the
        // output rate) is only a little more or less hiss above 12 kHz, with no tone to betray it.
        let half = half::qualifies(top.max(2500.0), sr) || (ty == Type::Fan && sr >= 32_000.0);
        let rate = if half { sr / 2.0 } else { sr };
        let hum_hz = spec.fixed("hum_hz");
        let hl = spec.fixed("hum_level");
        let hum_amp = match ty {
            Type::Room => [0.05 * hl, 0.03 * hl, 0.012 * hl],
            Type::Fan => [0.02 * hl, 0.05 * hl, 0.015 * hl],
            Type::Train => [0.04 * hl, 0.02 * hl, 0.0],
        };
        let color = if ty == Type::Train { Color::Brown } else { Color::Pink };
        Machine {
            ty,
            l: Noise::new(color, rng.fork(1)),
            r: Noise::new(color, rng.fork(2)),
            x: Noise::new(Color::White, rng.fork(3)),
            hp: Hp2::new(if ty == Type::Train { TRAIN_HP_HZ } else { HP_HZ }, rate),
            fl: Svf::new(500.0, 0.6, rate),
            fr: Svf::new(500.0, 0.6, rate),
            pair: SvfPair::default(),
            clack_a: OnePole::new(700.0, rate),
            clack_b: OnePole::new(150.0, rate),
            clack_c: OnePole::new(150.0, rate),
            hum: Sine::new(hum_hz * rng.range(0.995, 1.005), rng.range(0.0, std::f32::consts::TAU), rate),
            blade: 0.0,
            cutoff,
            speed: spec.param("speed"),
            hum_amp,
            sway: Drift::new(rng.fork(4)),
            level: Ramp::new(0.0),
            start: Ramp::new(0.0),
            until_joint: rng.range(0.0, JOINT_S),
            rng,
            clack_t: 0.0,
            clack_len: 1.0,
            clack_amp: 0.0,
            second_axle: false,
            rate,
            half: half.then(HalfRate::default),
        }
    }

    /// Computes `out.len() / 2` frames at the layer's own rate; `off` is where they start in the
    /// block's ramps.
    fn compute(&mut self, out: &mut [f32], off: usize, speed: f32) {
        // One loop per colour, so the colour filter is picked once, not per sample.
        if self.ty == Type::Train {
            let leak = (-std::f32::consts::TAU * LEAK_HZ / self.rate).exp();
            self.compute_with(out, off, |c, w| {
                c[0] = leak * c[0] + 0.1 * w;
                c[0]
            });
            self.clacks(out, speed);
        } else {
            self.compute_with(out, off, noise::pink);
        }
    }

    /// The bed: coloured noise, high-passed and low-passed, plus the hum. States live in locals
    /// (registers) for the loop.
    #[inline(always)]
    fn compute_with(&mut self, out: &mut [f32], mut off: usize, tint: impl Fn(&mut [f32; 3], f32) -> f32) {
        const SUB: usize = noise::SUB;
        let mut pair = self.pair;
        pair.set(&self.fl, &self.fr);
        let (mut hp, mut hum) = (self.hp, self.hum.clone());
        let (mut cl, mut cr) = (*self.l.state(), *self.r.state());
        let (g0, step) = (self.level.value, self.level.step());
        let (s0, sstep) = (self.start.value, self.start.step());
        let [h1, h2, h3] = self.hum_amp;
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let (mut a, mut b) = ([0.0f32; SUB], [0.0f32; SUB]);
            Noise::white_pair(&mut self.l, &mut self.r, &mut a[..n], &mut b[..n]);
            for (i, f) in part.chunks_exact_mut(2).enumerate() {
                let k = (off + i + 1) as f32;
                let g = g0 + step * k;
                // Level (and the fan's blade flutter in it) goes on before the high-pass, which
                // then also removes the flutter's sidebands below it (they would read as DC).
                let (u, v) = (tint(&mut cl, a[i] * g), tint(&mut cr, b[i] * g));
                let [l, r] = pair.lp([hp.hp(u, 0), hp.hp(v, 1)]);
                let s = hum.tick();
                let buzz = h1 * s + h2 * (1.0 - 2.0 * s * s) + h3 * s * (3.0 - 4.0 * s * s);
                let buzz = buzz * (s0 + sstep * k);
                f[0] = l + buzz;
                f[1] = r + buzz;
            }
            off += n;
        }
        self.pair = pair;
        (self.hp, self.hum) = (hp, hum);
        (*self.l.state(), *self.r.state()) = (cl, cr);
    }

    /// Adds the rail-joint clacks to `out`, computing only while one sounds.
    fn clacks(&mut self, out: &mut [f32], speed: f32) {
        let dt = 1.0 / self.rate;
        let n = out.len() / 2;
        let mut x = [0.0f32; half::PASS + 2];
        let mut i = 0;
        while i < n {
            if self.clack_t < self.clack_len {
                let m = ((self.clack_len - self.clack_t).ceil() as usize).min(n - i).min(x.len());
                self.x.white_block(&mut x[..m]);
                let (mut fa, mut fb, mut fc) = (self.clack_a, self.clack_b, self.clack_c);
                let (mut t, inv, amp) = (self.clack_t, 1.0 / self.clack_len, self.clack_amp);
                for (f, w) in out[i * 2..(i + m) * 2].chunks_exact_mut(2).zip(&x[..m]) {
                    // A band of noise (150..700 Hz: a thud with a little wood and steel; the
                    // two-pole high-pass because a clack's mean, over its short envelope, must
                    // stay near zero). Filtered only while sounding: the envelope starts at
                    // zero, hiding the filters' stale state.
                    let body = fc.hp(fb.hp(fa.lp(*w))) * 1.6;
                    let p = t * inv;
                    // (4p(1-p))^2: zero value and zero slope at both ends, so the clack has no
                    // edge.
                    let e = 4.0 * p * (1.0 - p);
                    let v = body * e * e * amp;
                    f[0] += v;
                    f[1] += v;
                    t += 1.0;
                }
                (self.clack_a, self.clack_b, self.clack_c, self.clack_t) = (fa, fb, fc, t);
                self.until_joint -= m as f32 * dt;
                i += m;
            } else {
                let m = ((self.until_joint / dt).ceil().max(0.0) as usize).min(n - i);
                self.until_joint -= m as f32 * dt;
                i += m;
            }
            if self.until_joint <= 0.0 {
                self.next_clack(dt, speed);
            }
        }
    }

    /// Schedules the clack after this one: the bogie's second axle, or the next joint.
    fn next_clack(&mut self, dt: f32, speed: f32) {
        let s = speed.max(0.05);
        if self.second_axle {
            self.second_axle = false;
            self.until_joint = JOINT_S / s * self.rng.range(0.97, 1.03) - AXLE_S / s;
            self.clack_amp = self.rng.range(0.75, 0.95) * 0.35;
        } else {
            self.second_axle = true;
            self.until_joint = AXLE_S / s;
            self.clack_amp = self.rng.range(0.9, 1.1) * 0.35;
        }
        self.clack_t = 0.0;
        self.clack_len = CLACK_S / dt;
    }
}

/// Two one-pole high-passes in series, per channel; `Copy`, so the loop keeps it in registers.
#[derive(Clone, Copy, Default)]
struct Hp2 {
    y1: [f32; 2],
    y2: [f32; 2],
    keep: f32,
    coef: f32,
}

impl Hp2 {
    fn new(fc: f32, rate: f32) -> Self {
        let keep = (-std::f32::consts::TAU * fc.min(rate * 0.45) / rate).exp();
        Hp2 { keep, coef: 1.0 - keep, ..Hp2::default() }
    }

    /// Channel `i` (0 = left, 1 = right).
    #[inline(always)]
    fn hp(&mut self, x: f32, i: usize) -> f32 {
        self.y1[i] = self.keep * self.y1[i] + self.coef * x;
        let h = x - self.y1[i];
        self.y2[i] = self.keep * self.y2[i] + self.coef * h;
        h - self.y2[i]
    }
}

impl Generator for Machine {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let speed = self.speed.at(c);
        let sway = self.sway.step(c.mod_dt(), 0.12 * speed) - 0.5;
        let (fc, lvl) = match self.ty {
            // A few tenths of a decibel of breathing keep the room from sounding frozen.
            Type::Room => (1.0, 0.45 * (1.0 + 0.04 * sway)),
            Type::Fan => {
                // Blade-pass rate of a four-blade fan turning 5.5 times a second at speed 1, as
                // a ±7 % flutter ramped per block; blocks too long to follow it get none.
                let f = 22.0 * speed;
                self.blade =
                    (self.blade + std::f32::consts::TAU * f * c.frames as f32 / c.sr) % std::f32::consts::TAU;
                let depth = if c.frames as f32 / c.sr < 0.25 / f { 0.07 } else { 0.0 };
                (1.0, 0.3 * (1.0 + depth * self.blade.sin()))
            }
            Type::Train => (1.0 + 0.35 * sway, 0.55 * (1.0 + 0.12 * sway)),
        };
        let fc = self.cutoff.at(c) * self.ty.cutoff_scale() * fc;
        self.fl.set(fc, 0.6, self.rate);
        self.fr.set(fc * 1.05, 0.6, self.rate);
        self.hum.renormalize();
        let frames = self.half.as_ref().map_or(c.frames, |h| h.needed(c.frames));
        self.level.to(lvl, frames);
        self.start.to(1.0, frames);
        match self.half.take() {
            None => self.compute(out, 0, speed),
            Some(mut h) => {
                h.render(out, |low, at| self.compute(low, at, speed));
                self.half = Some(h);
            }
        }
        self.level.land(lvl);
        self.start.land(1.0);
        // A guarantee for the extremes of the schema (a rare noise peak at the brightest cutoff);
        // at the defaults peaks stay well below.
        for v in out.iter_mut() {
            *v = v.clamp(-0.9, 0.9);
        }
    }
}
