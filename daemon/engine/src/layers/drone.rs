//! Tonal pad: a consonant chord of slowly breathing sine partials. Brightness acts as a low-pass
//! on the partials, activity sets the breathing speed, and every `voicing_s` the notes move one at
//! a time (fade out, retune in silence, fade in) to another voicing, so nothing ever clicks.

use super::{Control, Generator, Param};
use crate::dsp::bank::SineBank;
use crate::dsp::half::{self, HalfRate};
use crate::dsp::mod_source::Drift;
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("cutoff_hz", 60.0, 12000.0, 350.0, 2500.0, B, true),
    def("movement_hz", 0.005, 2.0, 0.03, 0.15, A, true),
    def("detune_cents", 0.0, 50.0, 6.0, 6.0, F, false),
    def("voicing_s", 10.0, 3600.0, 75.0, 75.0, F, false),
];

/// Oscillators per note: two detuned fundamentals (spread left/right) and the octave.
const PER_NOTE: usize = 3;
/// Seconds for one note to fade out (and again to fade in) during a voicing change.
const NOTE_FADE_S: f32 = 4.0;

#[derive(Clone, Copy, PartialEq)]
enum Move {
    Steady,
    /// Waiting `0` more seconds before fading out towards `1` Hz.
    Waiting(f32, f32),
    Out(f32),
    In,
}

struct Note {
    freq: f32,
    /// Left/right gains of the note's oscillators (fixed; worked out once, not per block).
    pans: [(f32, f32); PER_NOTE],
    fade: f32,
    moving: Move,
    breath: Drift,
}

pub struct Drone {
    notes: Vec<Note>,
    oscs: SineBank,
    root: f32,
    chords: Vec<Vec<f32>>,
    chord: usize,
    cutoff: Param,
    movement: Param,
    detune: f32,
    voicing_s: f32,
    until_change: f32,
    filter_drift: Drift,
    rng: Rng,
    /// Rate the oscillators run at: the output rate, or half of it (see [`crate::dsp::half`])
    /// when every partial the pack can reach qualifies; pads are low (the built-in ones stay
    /// under 500 Hz), and half rate halves the cost of the sine bank.
    osc_sr: f32,
    half: Option<HalfRate>,
}

fn semis(root: f32, st: f32) -> f32 {
    root * 2f32.powf(st / 12.0)
}

impl Drone {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        let roots = spec.roots();
        let root = roots[rng.index(roots.len())];
        let chords = spec.chords();
        let chord = rng.index(chords.len());
        let detune = spec.fixed("detune_cents") / 1200.0;
        let n = chords.iter().map(|c| c.len()).max().unwrap_or(1);
        let top = roots.iter().copied().fold(0.0f32, f32::max)
            * 2f32.powf(chords.iter().flatten().copied().fold(0.0f32, f32::max) / 12.0)
            * 2.0
            * (1.0 + detune);
        let half = half::qualifies(top, sr);
        let osc_sr = if half { sr / 2.0 } else { sr };
        let mut notes = Vec::with_capacity(n);
        let mut oscs =
            SineBank::new(n * PER_NOTE, (0..n * PER_NOTE).map(|_| rng.range(0.0, std::f32::consts::TAU)));
        for i in 0..n {
            let st = chords[chord].get(i).copied();
            let freq = st.map_or(root, |s| semis(root, s));
            let fade = if st.is_some() { 1.0 } else { 0.0 };
            let pan = rng.range(-0.6, 0.6);
            notes.push(Note {
                freq,
                pans: std::array::from_fn(|k| pan_gains(osc_pan(pan, k))),
                fade,
                moving: Move::Steady,
                breath: Drift::new(rng.fork(i as u64)),
            });
            for k in 0..PER_NOTE {
                oscs.set_freq(i * PER_NOTE + k, note_osc_freq(freq, k, detune), osc_sr);
            }
        }
        let voicing_s = spec.fixed("voicing_s");
        Drone {
            notes,
            oscs,
            root,
            chords,
            chord,
            cutoff: spec.param("cutoff_hz"),
            movement: spec.param("movement_hz"),
            detune,
            until_change: voicing_s * rng.range(0.6, 1.2),
            voicing_s,
            filter_drift: Drift::new(rng.fork(99)),
            rng,
            osc_sr,
            half: half.then(HalfRate::default),
        }
    }

    /// Starts moving to another voicing: notes change one after another, two seconds apart.
    fn start_voicing_change(&mut self) {
        if self.chords.len() < 2 {
            return;
        }
        let mut next = self.rng.index(self.chords.len() - 1);
        if next >= self.chord {
            next += 1;
        }
        self.chord = next;
        let chord = self.chords[next].clone_into_fixed();
        for (i, note) in self.notes.iter_mut().enumerate() {
            let target = chord.get(i).map_or(0.0, |&s| semis(self.root, s));
            note.moving = Move::Waiting(i as f32 * 2.0, target);
        }
    }
}

/// Oscillator `k` of a note: 0 and 1 are the detuned fundamentals, 2 the octave.
fn note_osc_freq(f: f32, k: usize, detune: f32) -> f32 {
    match k {
        0 => f * (1.0 - detune),
        1 => f * (1.0 + detune),
        _ => f * 2.0,
    }
}

/// Pan of oscillator `k` of a note at `pan`: the detuned pair spread either side.
fn osc_pan(pan: f32, k: usize) -> f32 {
    match k {
        0 => pan - 0.3,
        1 => pan + 0.3,
        _ => pan,
    }
}

/// A tiny fixed-capacity copy of a chord so moving notes doesn't borrow `self.chords`.
trait CloneFixed {
    fn clone_into_fixed(&self) -> FixedChord;
}
struct FixedChord {
    st: [f32; 8],
    n: usize,
}
impl FixedChord {
    fn get(&self, i: usize) -> Option<&f32> {
        if i < self.n { self.st.get(i) } else { None }
    }
}
impl CloneFixed for Vec<f32> {
    fn clone_into_fixed(&self) -> FixedChord {
        let mut st = [0.0; 8];
        let n = self.len().min(8);
        st[..n].copy_from_slice(&self[..n]);
        FixedChord { st, n }
    }
}

impl Generator for Drone {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        self.until_change -= dt;
        if self.until_change <= 0.0 {
            self.until_change = self.voicing_s * self.rng.range(0.7, 1.3);
            self.start_voicing_change();
        }
        let rate = self.movement.at(c);
        let fc = self.cutoff.at(c) * 2f32.powf(self.filter_drift.step(dt, rate * 0.5) - 0.5);
        let norm = 0.5 / (self.notes.len() as f32).sqrt();
        // Oscillator frames this block (about half the output frames on the half-rate path).
        let osc_frames = self.half.as_ref().map_or(c.frames, |h| h.needed(c.frames));
        for (i, note) in self.notes.iter_mut().enumerate() {
            let fade_step = dt / NOTE_FADE_S;
            match note.moving {
                Move::Steady => {}
                Move::Waiting(wait, target) => {
                    note.moving =
                        if wait - dt <= 0.0 { Move::Out(target) } else { Move::Waiting(wait - dt, target) };
                }
                Move::Out(target) => {
                    note.fade = (note.fade - fade_step).max(0.0);
                    if note.fade <= 0.0 {
                        if target > 0.0 {
                            note.freq = target;
                            for k in 0..PER_NOTE {
                                self.oscs.set_freq(
                                    i * PER_NOTE + k,
                                    note_osc_freq(target, k, self.detune),
                                    self.osc_sr,
                                );
                            }
                            note.moving = Move::In;
                        } else {
                            note.moving = Move::Steady;
                        }
                    }
                }
                Move::In => {
                    note.fade = (note.fade + fade_step).min(1.0);
                    if note.fade >= 1.0 {
                        note.moving = Move::Steady;
                    }
                }
            }
            let breath = 0.55 + 0.45 * note.breath.step(dt, rate);
            let a = norm * note.fade * breath;
            for k in 0..PER_NOTE {
                let f = note_osc_freq(note.freq, k, self.detune);
                // Two-pole low-pass response at this partial; the octave sits lower in the mix.
                let resp = 1.0 / (1.0 + (f / fc).powi(4)).sqrt();
                let w = if k == 2 { 0.45 } else { 0.7 };
                let (pl, pr) = note.pans[k];
                self.oscs.ramp_gain(i * PER_NOTE + k, a * w * resp * pl, a * w * resp * pr, osc_frames);
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
