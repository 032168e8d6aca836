//! Harmony: a pad that moves through the scene's chord progression (see
//! [`crate::theory::Conductor`]), every 8 to 40 s as the arc allows.
//!
//! Each voice is a detuned pair of sines (spread left and right: the beating is the chorus) plus
//! two upper harmonics, shaped by a slowly drifting low-pass. At a chord change the voices are
//! led to the nearest notes of the new chord: common tones hold, upper voices moving by a step
//! glide there (dipping a little on the way, so the pad never gaps), and the rest (the bass, any
//! wider move) fade out together, retune in silence and fade back in one after another. A voice
//! never sounds its old and new note at once, so a change cannot smear into a semitone clash
//! beyond the passing pitches of a glide, and every level moves along per-block ramps, so
//! nothing clicks.
//!
//! `instrument`: "pad" (default; warm: harmonics 2 and 3 well up) or "glass" (an octave higher,
//! nearly pure: faint upper harmonics, half the detune, shallower breathing).

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::bank::SineBank;
use crate::dsp::half::{self, HalfRate};
use crate::dsp::mod_source::Drift;
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    ChoiceDef,
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};
use crate::theory::{Conductor, Key, MAX_VOICES, midi_to_hz, voice_lead};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    // Low-pass over the voices' partials; drifts about it at `movement_hz`.
    def("cutoff_hz", 100.0, 8000.0, 500.0, 2200.0, B, true),
    // Breathing and filter drift speed.
    def("movement_hz", 0.005, 1.0, 0.03, 0.12, A, true),
    // Width of the detuned pair in each voice.
    def("detune_cents", 0.0, 30.0, 7.0, 7.0, F, false),
    // Voices including the bass (rounded).
    def("voices", 3.0, 5.0, 4.0, 4.0, F, false),
    // Octaves above (or below) the key's tonic register (rounded).
    def("octave", -1.0, 1.0, 0.0, 0.0, F, false),
    // Seconds a moving voice takes to come back in after a chord change.
    def("attack_s", 0.5, 8.0, 3.0, 1.5, A, true),
];

pub const CHOICES: &[ChoiceDef] =
    &[ChoiceDef { key: "instrument", options: &["pad", "glass"], default: "pad" }];

/// Most oscillators per voice: the detuned pair, then up to two upper harmonics.
const PER_VOICE: usize = 4;
/// Seconds a moving voice takes to fade out at a chord change.
const RELEASE_S: f32 = 1.2;
/// Seconds between successive voices re-entering: the new chord blooms rather than lands.
const STAGGER_S: f32 = 0.35;
/// The very first chord comes in this fast: the scene calibrates each layer's loudness on its
/// first two seconds, and the daemon's crossfade already gives the entrance its softness.
const FIRST_ATTACK_S: f32 = 0.12;

/// Widest step (semitones) an upper voice glides rather than fading out and in.
const GLIDE_MAX: i32 = 2;
/// How far a gliding voice dips mid-way, so the passing pitches stay in the background.
const GLIDE_DIP: f32 = 0.3;

#[derive(Clone, Copy, PartialEq)]
enum Move {
    Steady,
    /// Sliding from `from` Hz to its new note, `pos` 0..1 of the way: the voice keeps
    /// sounding, so a chord whose voices move by step changes without a gap.
    Glide {
        from: f32,
        pos: f32,
    },
    /// Fading out; retunes to the MIDI note once every moving voice is silent.
    Out(i32),
    /// Silent at the new note, coming back in after this many seconds.
    Waiting(f32),
    In,
}

struct Voice {
    midi: i32,
    /// `midi` in Hz (kept: the gains are worked out every block).
    hz: f32,
    fade: f32,
    moving: Move,
    pans: [(f32, f32); PER_VOICE],
    breath: Drift,
}

pub struct Harmony {
    conductor: Conductor,
    key: Key,
    voices: Vec<Voice>,
    oscs: SineBank,
    /// Harmonic number and weight of each oscillator of a voice; the first `per` are used.
    partials: [(f32, f32); PER_VOICE],
    per: usize,
    detune: f32,
    chorus: Drift,
    bass: (i32, i32),
    upper: (i32, i32),
    cutoff: Param,
    movement: Param,
    attack: Param,
    breath_depth: f32,
    filter_drift: Drift,
    norm: f32,
    first: bool,
    blocks: u32,
    osc_sr: f32,
    half: Option<HalfRate>,
}

impl Harmony {
    pub fn new(spec: &LayerSpec, ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        let conductor = Conductor::new(ctx.music, ctx.music_seed);
        let key = conductor.key();
        let glass = spec.choice("instrument") == "glass";
        let n = (spec.fixed("voices").round() as usize).clamp(3, MAX_VOICES);
        let octave = spec.fixed("octave").round() as i32 * 12 + if glass { 12 } else { 0 };
        // The bass keeps the root near the tonic; the upper voices sit from a fifth above it up
        // to two octaves and a fourth, where a pad is full without crowding the melody.
        let bass = (key.tonic + octave - 5, key.tonic + octave + 6);
        let upper = (key.tonic + octave + 7, key.tonic + octave + 29);
        let detune = spec.fixed("detune_cents") / 1200.0 * if glass { 0.5 } else { 1.0 };
        let (partials, per) = if glass {
            ([(1.0, 0.5), (1.0, 0.5), (2.0, 0.22), (0.0, 0.0)], 3)
        } else {
            ([(1.0, 0.5), (1.0, 0.5), (2.0, 0.3), (3.0, 0.15)], 4)
        };
        let top = midi_to_hz(upper.1 as f32) * partials[per - 1].0 * (1.0 + detune);
        let half = half::qualifies(top, sr);
        let osc_sr = if half { sr / 2.0 } else { sr };
        // Start from a spread of virtual notes so the first voicing comes out of the same voice
        // leading as every later one.
        let mut prev = [0i32; MAX_VOICES];
        prev[0] = key.tonic + octave;
        for (i, p) in prev.iter_mut().enumerate().take(n).skip(1) {
            *p = upper.0 + 2 + (upper.1 - upper.0 - 8) * (i as i32 - 1) / (n as i32 - 1).max(1);
        }
        let mut first = [0i32; MAX_VOICES];
        voice_lead(key, &conductor.chord(), &prev[..n], bass, upper, &mut first[..n]);
        let oscs = SineBank::new(n * per, (0..n * per).map(|_| rng.range(0.0, std::f32::consts::TAU)));
        let voices = (0..n)
            .map(|i| {
                // The bass sits in the middle; the upper voices alternate sides.
                let pan =
                    if i == 0 { 0.0 } else { rng.range(0.15, 0.5) * if i % 2 == 0 { 1.0 } else { -1.0 } };
                Voice {
                    midi: first[i],
                    hz: midi_to_hz(first[i] as f32),
                    fade: 0.0,
                    moving: Move::In,
                    pans: [pan_gains(pan - 0.35), pan_gains(pan + 0.35), pan_gains(pan), pan_gains(-pan)],
                    breath: Drift::new(rng.fork(i as u64)),
                }
            })
            .collect();
        // Worst case every oscillator peaks together: keep even that under 0.9.
        let per_voice: f32 = partials.iter().map(|p| p.1).sum();
        let mut h = Harmony {
            conductor,
            key,
            voices,
            oscs,
            partials,
            per,
            detune,
            chorus: Drift::new(rng.fork(98)),
            bass,
            upper,
            cutoff: spec.param("cutoff_hz"),
            movement: spec.param("movement_hz"),
            attack: spec.param("attack_s"),
            breath_depth: if glass { 0.25 } else { 0.35 },
            filter_drift: Drift::new(rng.fork(99)),
            norm: 0.88 / (per_voice * n as f32),
            first: true,
            blocks: 0,
            osc_sr,
            half: half.then(HalfRate::default),
        };
        for i in 0..n {
            h.retune(i, 1.0);
        }
        h
    }

    /// The key this layer plays in (the same for every music layer of the scene).
    pub fn key(&self) -> Key {
        self.key
    }

    /// Sets voice `i`'s oscillators to its current `hz`.
    fn retune(&mut self, i: usize, chorus: f32) {
        let f = self.voices[i].hz;
        // Half the spread in the bass: wide beating down there turns to a wobble, not width.
        let d = self.detune * chorus * if i == 0 { 0.5 } else { 1.0 };
        for (k, &(h, _)) in self.partials[..self.per].iter().enumerate() {
            let spread = match k {
                0 => 1.0 - d,
                1 => 1.0 + d,
                _ => 1.0,
            };
            self.oscs.set_freq(i * self.per + k, f * h * spread, self.osc_sr);
        }
    }

    fn change_chord(&mut self) {
        let n = self.voices.len();
        let mut prev = [0i32; MAX_VOICES];
        for (p, v) in prev.iter_mut().zip(&self.voices) {
            // A voice already on its way somewhere leads from where it is going.
            *p = match v.moving {
                Move::Out(t) => t,
                _ => v.midi,
            };
        }
        let mut next = [0i32; MAX_VOICES];
        voice_lead(self.key, &self.conductor.chord(), &prev[..n], self.bass, self.upper, &mut next[..n]);
        for (i, (v, &target)) in self.voices.iter_mut().zip(&next).enumerate() {
            let sounding = matches!(v.moving, Move::Steady | Move::Glide { .. });
            if sounding && target == v.midi {
                continue;
            }
            if sounding && i > 0 && (target - v.midi).abs() <= GLIDE_MAX {
                v.moving = Move::Glide { from: v.hz, pos: 0.0 };
                v.midi = target;
            } else if target != v.midi || !matches!(v.moving, Move::In) {
                v.moving = Move::Out(target);
            }
        }
    }
}

impl Generator for Harmony {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        // Musical time runs in real seconds (the chord clock must match the melody's);
        // modulators follow the calibration speed-up like every other layer.
        let dt = c.frames as f32 / c.sr.max(1.0);
        let mdt = c.mod_dt();
        if self.conductor.advance(c) {
            self.change_chord();
        }
        // Every voice that must move fades out first; only when all are silent do they retune
        // and come back, one after another.
        let releasing = self.voices.iter().any(|v| matches!(v.moving, Move::Out(_)) && v.fade > 0.0);
        let attack_s = if self.first { FIRST_ATTACK_S } else { self.attack.at(c) };
        let glide_s = (0.5 * attack_s).max(0.4);
        let mut order = 0.0;
        let chorus = 0.6 + 0.8 * self.chorus.step(mdt, 0.05);
        self.blocks = self.blocks.wrapping_add(1);
        let mut retune = [false; MAX_VOICES];
        for (v, retune) in self.voices.iter_mut().zip(retune.iter_mut()) {
            match v.moving {
                Move::Steady => {}
                Move::Glide { from, pos } => {
                    let pos = (pos + dt / glide_s).min(1.0);
                    let e = pos * pos * (3.0 - 2.0 * pos);
                    v.hz = from * (midi_to_hz(v.midi as f32) / from).powf(e);
                    v.moving = if pos >= 1.0 { Move::Steady } else { Move::Glide { from, pos } };
                    // Retuning costs a few sines per oscillator: every fourth block (~10 ms,
                    // a cent or two of a step) is smooth enough.
                    *retune = pos >= 1.0 || self.blocks.is_multiple_of(4);
                }
                Move::Out(target) => {
                    v.fade = (v.fade - dt / RELEASE_S).max(0.0);
                    if !releasing && v.fade <= 0.0 {
                        v.midi = target;
                        v.hz = midi_to_hz(target as f32);
                        v.moving = Move::Waiting(order * STAGGER_S);
                        order += 1.0;
                        *retune = true;
                    }
                }
                Move::Waiting(w) => {
                    v.moving = if w - dt <= 0.0 { Move::In } else { Move::Waiting(w - dt) };
                }
                Move::In => {
                    v.fade = (v.fade + dt / attack_s).min(1.0);
                    if v.fade >= 1.0 {
                        v.moving = Move::Steady;
                    }
                }
            }
        }
        if self.first && self.voices.iter().all(|v| v.moving == Move::Steady) {
            self.first = false;
        }
        // The chorus: the detuned pairs' spread wanders a little (retuning keeps phase, so it
        // is smooth); every 16 blocks is plenty for a drift this slow.
        let all = self.blocks.is_multiple_of(16);
        for (i, &r) in retune.iter().enumerate().take(self.voices.len()) {
            if all || r {
                self.retune(i, chorus);
            }
        }
        let rate = self.movement.at(c);
        let fc = self.cutoff.at(c) * 2f32.powf(self.filter_drift.step(mdt, rate * 0.5) - 0.5);
        let osc_frames = self.half.as_ref().map_or(c.frames, |h| h.needed(c.frames));
        for (i, v) in self.voices.iter_mut().enumerate() {
            let breath = 1.0 - self.breath_depth * v.breath.step(mdt, rate);
            // Smoothstep of the fade: level changes start and end without a corner.
            let mut e = v.fade * v.fade * (3.0 - 2.0 * v.fade);
            if let Move::Glide { pos, .. } = v.moving {
                e *= 1.0 - GLIDE_DIP * (std::f32::consts::PI * pos).sin();
            }
            let a = self.norm * e * breath;
            let mut resp = 1.0;
            for (k, &(h, w)) in self.partials[..self.per].iter().enumerate() {
                // The detuned pair shares one response.
                if k != 1 {
                    let x = v.hz * h / fc;
                    resp = 1.0 / (1.0 + x * x * x * x).sqrt();
                }
                let (pl, pr) = v.pans[k];
                self.oscs.ramp_gain(i * self.per + k, a * w * resp * pl, a * w * resp * pr, osc_frames);
            }
        }
        let Some(h) = &mut self.half else {
            self.oscs.render(out);
            return;
        };
        let oscs = &mut self.oscs;
        h.render(out, |low, _| oscs.render(low));
    }
}
