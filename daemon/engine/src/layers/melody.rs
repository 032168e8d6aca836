//! Melody: sparse motifs over the scene's current chord, played on a synthesised instrument
//! ([`crate::dsp::instrument`]).
//!
//! A phrase is a short motif (3-6 notes on a slow beat) followed by a rest long enough that
//! notes arrive at `density` per minute on average. Motifs come from a small seeded pool and
//! return: repeated over a new chord (which transposes them, since a phrase starts on the chord
//! tone nearest the register), altered by one interval, inverted, or replaced by a fresh one
//! now and then. Strong positions (the first and last note, notes on even beats) snap to chord
//! tones; the rest move by scale step, so the line always fits the harmony.
//!
//! The arc sets register, beat, density, ring and velocity. Focus keeps every interval within
//! four semitones. Sleep thins the phrases as the session goes on (fewer, lower, softer notes)
//! until none come at all, at 70 % of a timed session or twice the settle time of an untimed one,
//! well before the closing fade.
//!
//! `instrument`: "bell" (default; modal bar), "pluck" (Karplus-Strong string) or "glass" (FM).

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::half::{self, HalfRate};
use crate::dsp::instrument::{Note, Timbre, Voices};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    ChoiceDef,
    Follows::{Activity as A, Brightness as B},
    ParamDef, def,
};
use crate::theory::{Chord, Conductor, Key, hz_to_midi, midi_to_hz};
use sonora_proto::Outcome;

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    // Notes per minute on average, rests included.
    def("density", 0.5, 60.0, 8.0, 20.0, A, true),
    // Centre of the melody's range; phrases stay within about an octave of it.
    def("register_hz", 110.0, 1500.0, 300.0, 440.0, A, true),
    // Seconds per beat inside a phrase (notes fall on beats and half beats).
    def("beat_s", 0.2, 3.0, 1.0, 0.6, A, true),
    // Seconds a note rings (60 dB down).
    def("note_s", 0.3, 12.0, 4.0, 2.0, A, true),
    // Loudness of a note, 0..1.
    def("velocity", 0.05, 1.0, 0.55, 0.8, A, false),
    // Brightness of the instrument (upper partials, FM index, pluck).
    def("tone", 0.0, 1.0, 0.3, 0.8, B, false),
];

pub const CHOICES: &[ChoiceDef] =
    &[ChoiceDef { key: "instrument", options: &["bell", "pluck", "glass"], default: "bell" }];

const MAX_NOTES: usize = 6;
const POOL: usize = 4;
/// Peak amplitude of a note at velocity 1: a sparse line sits around -20 dBFS RMS while it
/// plays, and only several fresh notes at once could reach the soft limit below.
const NOTE_AMP: f32 = 0.4;

/// A motif: onsets in beats and the interval (scale steps) from the previous note.
#[derive(Clone, Copy, Debug, Default)]
struct Motif {
    n: usize,
    beat: [f32; MAX_NOTES],
    step: [i32; MAX_NOTES],
}

impl Motif {
    fn new(rng: &mut Rng, max_leap: i32) -> Self {
        let mut m = Motif { n: 3 + rng.index(MAX_NOTES - 2), ..Motif::default() };
        const GAPS: [f32; 8] = [1.0, 1.0, 1.0, 2.0, 2.0, 1.5, 0.5, 3.0];
        let mut b = 0.0;
        for i in 0..m.n {
            m.beat[i] = b;
            b += GAPS[rng.index(GAPS.len())];
            if i > 0 {
                // An arch: rising early, falling late, mostly by step.
                let up = rng.unit() < if 2 * i <= m.n { 0.65 } else { 0.35 };
                let mag = match rng.index(10) {
                    0 => 0,
                    1..=5 => 1,
                    6..=8 => 2,
                    _ => 3,
                }
                .min(max_leap);
                m.step[i] = if up { mag } else { -mag };
            }
        }
        m
    }

    /// A recognisable variant: one interval nudged, the contour inverted, or the tail dropped.
    fn vary(mut self, rng: &mut Rng, max_leap: i32) -> Self {
        match rng.index(3) {
            0 if self.n > 1 => {
                let i = 1 + rng.index(self.n - 1);
                let d = if rng.unit() < 0.5 { 1 } else { -1 };
                self.step[i] = (self.step[i] + d).clamp(-max_leap, max_leap);
            }
            1 => {
                for s in &mut self.step {
                    *s = -*s;
                }
            }
            _ if self.n > 3 => self.n -= 1,
            _ => {
                let i = rng.index(self.n);
                self.step[i] = -self.step[i];
            }
        }
        self
    }
}

/// The phrase being played.
#[derive(Clone, Copy, Debug, Default)]
struct Phrase {
    motif: Motif,
    /// Notes of the motif this phrase plays (fewer late in a sleep session).
    n: usize,
    anchor: i32,
    start: f64,
    beat_s: f32,
    next: usize,
    active: bool,
}

pub struct Melody {
    conductor: Conductor,
    key: Key,
    voices: Voices,
    rng: Rng,
    pool: [Motif; POOL],
    last_motif: Option<Motif>,
    phrase: Phrase,
    /// Scale step of the last note played.
    last: Option<i32>,
    /// Seconds rendered (musical time: real seconds, as the chord clock counts them).
    now: f64,
    next_phrase: f64,
    density: Param,
    register: Param,
    beat: Param,
    note_s: Param,
    velocity: Param,
    tone: Param,
    max_leap: i32,
    focus: bool,
    /// Seconds into the session by which a sleep melody has faded out.
    sleep_end: Option<f64>,
    half: Option<HalfRate>,
}

impl Melody {
    pub fn new(spec: &LayerSpec, ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        let conductor = Conductor::new(ctx.music, ctx.music_seed);
        let key = conductor.key();
        let timbre = match spec.choice("instrument") {
            "pluck" => Timbre::Pluck,
            "glass" => Timbre::Glass,
            _ => Timbre::Bell,
        };
        // Melody tops out around 3 kHz, bell partials and FM sidebands above an eighth of the
        // output rate are left out: the voices run at half rate (crate::dsp::half) where that
        // still leaves room for the notes themselves.
        let half = sr >= 32_000.0;
        let osc_sr = if half { sr / 2.0 } else { sr };
        let max_hz = if half { sr / 8.0 } else { sr * 0.45 };
        let lowest = midi_to_hz(hz_to_midi(110.0) - 14.0);
        let voices = Voices::new(timbre, osc_sr, max_hz, lowest, rng.fork(1));
        let focus = ctx.outcome == Outcome::Focus;
        let max_leap = if focus || ctx.outcome == Outcome::Sleep { 2 } else { 3 };
        let pool = std::array::from_fn(|_| Motif::new(&mut rng, max_leap));
        let sleep_end = (ctx.outcome == Outcome::Sleep)
            .then(|| ctx.total_s.map_or(2.0 * ctx.settle_s, |t| 0.7 * t).max(1.0));
        Melody {
            conductor,
            key,
            voices,
            rng,
            pool,
            last_motif: None,
            phrase: Phrase::default(),
            last: None,
            now: 0.0,
            next_phrase: 0.0,
            density: spec.param("density"),
            register: spec.param("register_hz"),
            beat: spec.param("beat_s"),
            note_s: spec.param("note_s"),
            velocity: spec.param("velocity"),
            tone: spec.param("tone"),
            max_leap,
            focus,
            sleep_end,
            half: half.then(HalfRate::default),
        }
    }

    /// The key this layer plays in (the same for every music layer of the scene).
    pub fn key(&self) -> Key {
        self.key
    }

    /// 1 while the melody plays fully, falling to 0 as a sleep session reaches its quiet end.
    fn sleep_fade(&self, c: &Control) -> f32 {
        match self.sleep_end {
            Some(end) => (1.0 - c.t / end).clamp(0.0, 1.0) as f32,
            None => 1.0,
        }
    }

    /// Register centre as a scale step: follows the arc, and sinks as a sleep session fades.
    fn centre(&self, c: &Control, fade: f32) -> i32 {
        let m = hz_to_midi(self.register.at(c)) - (1.0 - fade) * 7.0;
        self.key.nearest_step(m)
    }

    fn is_chord_tone(&self, chord: &Chord, step: i32) -> bool {
        chord.has(self.key.pc(self.key.pitch(step)))
    }

    /// The chord tone nearest `step` (looking first in the direction `dir`), if any within a
    /// fourth of scale steps.
    fn nearest_chord_tone(&self, chord: &Chord, step: i32, dir: i32) -> Option<i32> {
        let dir = if dir < 0 { -1 } else { 1 };
        (0..=3).flat_map(|d| [step + d * dir, step - d * dir]).find(|&s| self.is_chord_tone(chord, s))
    }

    fn start_phrase(&mut self, c: &Control, fade: f32) {
        let motif = match (self.last_motif, self.rng.index(20)) {
            (None, _) => self.pool[0],
            // Most often the last motif returns, over whatever chord is sounding now.
            (Some(m), 0..=7) => m,
            (Some(m), 8..=13) => m.vary(&mut self.rng, self.max_leap),
            (Some(_), 14..=18) => self.pool[self.rng.index(POOL)],
            _ => {
                let k = self.rng.index(POOL);
                self.pool[k] = Motif::new(&mut self.rng, self.max_leap);
                self.pool[k]
            }
        };
        self.last_motif = Some(motif);
        let centre = self.centre(c, fade);
        let chord = self.conductor.chord();
        // In focus the next phrase starts near where the last one ended: no jumps between them.
        let near = match (self.focus, self.last) {
            (true, Some(l)) if (l - centre).abs() <= self.key.steps_per_octave() => l,
            _ => centre,
        };
        let dir = if self.rng.unit() < 0.5 { 1 } else { -1 };
        let anchor = self.nearest_chord_tone(&chord, near, dir).unwrap_or(near);
        let n = ((motif.n as f32 * (0.4 + 0.6 * fade)).round() as usize).clamp(1, motif.n);
        self.phrase = Phrase {
            motif,
            n,
            anchor,
            start: self.now,
            beat_s: self.beat.at(c).max(0.05),
            next: 0,
            active: true,
        };
    }

    fn play_note(&mut self, c: &Control, fade: f32) {
        let p = self.phrase;
        let i = p.next;
        let chord = self.conductor.chord();
        let len = self.key.steps_per_octave();
        let centre = self.centre(c, fade);
        let step_iv = p.motif.step[i];
        let mut s = match (i, self.last) {
            (0, _) | (_, None) => p.anchor,
            (_, Some(l)) => {
                let s = l + step_iv;
                // Stay within about an octave of the register: turn back at the edges.
                if (s - centre).abs() > len { l - step_iv } else { s }
            }
        };
        let beat = p.motif.beat[i];
        let strong = i == 0 || i + 1 == p.n || (beat.fract() == 0.0 && (beat as i32) % 2 == 0);
        if strong && !self.is_chord_tone(&chord, s) {
            s = self.nearest_chord_tone(&chord, s, step_iv).unwrap_or(s);
        }
        if self.focus
            && let Some(l) = self.last
        {
            // No interval wider than a major third: walk back towards the last note.
            let lp = self.key.pitch(l);
            while (self.key.pitch(s) - lp).abs() > 4 {
                s += if s > l { -1 } else { 1 };
            }
        }
        self.last = Some(s);
        let accent = if strong { 1.0 } else { 0.78 };
        let ring = if i + 1 == p.n {
            1.4
        } else if strong {
            1.0
        } else {
            0.75
        };
        let amp = NOTE_AMP
            * self.velocity.at(c).clamp(0.0, 1.0)
            * accent
            * self.rng.range(0.88, 1.0)
            * (0.35 + 0.65 * fade);
        self.voices.play(Note {
            freq: midi_to_hz(self.key.pitch(s) as f32),
            amp,
            pan: self.rng.range(-0.35, 0.35),
            decay_s: self.note_s.at(c) * ring,
            tone: self.tone.at(c),
        });
    }

    /// Starts phrases and notes due before the end of this block (at its start: a block is
    /// under 3 ms, far finer than any beat).
    fn schedule(&mut self, c: &Control, dt: f64) {
        let fade = self.sleep_fade(c);
        let until = self.now + dt;
        if !self.phrase.active && self.next_phrase < until {
            let rate = self.density.at(c) * fade;
            if fade <= 0.02 || rate < 0.25 {
                // Asleep (or nearly): no more phrases; look again in a while.
                self.next_phrase = self.now + 5.0;
            } else {
                self.start_phrase(c, fade);
            }
        }
        while self.phrase.active {
            let p = self.phrase;
            let at = p.start + (p.motif.beat[p.next] * p.beat_s) as f64;
            if at >= until {
                break;
            }
            self.play_note(c, fade);
            self.phrase.next += 1;
            if self.phrase.next >= p.n {
                self.phrase.active = false;
                let rate = (self.density.at(c) * fade).max(0.25);
                let rest =
                    ((p.n as f32 * 60.0 / rate) - p.motif.beat[p.n - 1] * p.beat_s).max(2.0 * p.beat_s);
                self.next_phrase = at + (rest * self.rng.range(0.7, 1.3)) as f64;
            }
        }
    }
}

impl Generator for Melody {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.frames as f64 / c.sr.max(1.0) as f64;
        self.conductor.advance(c);
        self.schedule(c, dt);
        self.now += dt;
        let Some(h) = &mut self.half else {
            out.fill(0.0);
            for part in out.chunks_mut(half::PASS * 2) {
                self.voices.render_add(part);
            }
            clamp(out);
            return;
        };
        let voices = &mut self.voices;
        h.render(out, |low, _| {
            low.fill(0.0);
            voices.render_add(low);
        });
        clamp(out);
    }
}

/// Keeps the rare pile-up of fresh notes under 0.9 without a flat top: untouched up to 0.6,
/// then a tanh knee.
fn clamp(out: &mut [f32]) {
    for v in out {
        let a = v.abs();
        if a > 0.6 {
            *v = (0.6 + 0.3 * ((a - 0.6) / 0.3).tanh()).copysign(*v);
        }
    }
}
