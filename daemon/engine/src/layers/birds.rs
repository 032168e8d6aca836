//! Birds: a few seeded "species", each with its own song shape, pitch, tempo and place, calling
//! now and then.
//!
//! A species sings phrases of syllables, each syllable a sine swept in pitch under a smooth
//! envelope (cheap, and close to what small songbirds actually produce). The seed gives every
//! species one of four shapes:
//! - sweeps: a few falling chirps at a steady tempo;
//! - trill: a fast run of tiny notes, gently rising or falling through the run;
//! - whistle: two or three long, clear notes at fixed intervals ("fee-bee");
//! - warble: short notes hopping among the species' own small set of pitches.
//!
//! Calls arrive at random (Poisson, `density` per minute over all species together), and every
//! phrase varies its syllable count, pitch, tempo and loudness a little, so nothing repeats
//! mechanically. A bird never overlaps itself; different species may sing over each other, up
//! to [`VOICES`] at once. The first call comes within a third of a second, so loudness
//! calibration hears a bird.

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("density", 0.5, 60.0, 4.0, 16.0, A, true),
    def("species", 1.0, 6.0, 3.0, 3.0, F, false),
    def("pitch_hz", 1500.0, 7000.0, 3000.0, 3800.0, B, true),
];

const MAX_SPECIES: usize = 6;
/// Birds singing at once.
pub const VOICES: usize = 4;
/// Every syllable stays inside this band.
const LO_HZ: f32 = 1500.0;
const HI_HZ: f32 = 7000.0;
/// Output scale for a voice at full loudness: four loud birds at once still peak under 0.85.
const LEVEL: f32 = 0.2;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Sweeps,
    Trill,
    Whistle,
    Warble,
}

#[derive(Clone, Copy, Debug)]
struct Species {
    shape: Shape,
    /// Pitch centre as a factor of `pitch_hz`.
    pitch: f32,
    /// Syllables per phrase (low..high), syllable length (s) and syllable period (s).
    count: (u32, u32),
    syl_s: f32,
    period_s: f32,
    /// Octaves a syllable sweeps (sign = direction), or drift per syllable for trills.
    sweep: f32,
    /// The species' own pitch steps (octaves) for whistles and warbles.
    notes: [f32; 4],
    pan: f32,
    loud: f32,
}

impl Species {
    fn new(r: &mut Rng, shape: Shape) -> Self {
        let mut notes = [0.0f32; 4];
        for n in &mut notes {
            *n = r.range(-0.35, 0.35);
        }
        let (count, syl_s, period_s, sweep) = match shape {
            Shape::Sweeps => {
                let len = r.range(0.06, 0.14);
                ((2, 6), len, len + r.range(0.05, 0.15), -r.range(0.4, 1.0))
            }
            Shape::Trill => {
                let len = r.range(0.02, 0.035);
                let dir = if r.unit() < 0.5 { -1.0 } else { 1.0 };
                ((8, 20), len, len + r.range(0.02, 0.04), dir * r.range(0.005, 0.02))
            }
            Shape::Whistle => {
                let len = r.range(0.2, 0.4);
                // Two or three notes: the first high, the rest at the species' own steps below.
                notes = [0.0, -r.range(0.15, 0.35), -r.range(0.05, 0.45), 0.0];
                ((2, 3), len, len + r.range(0.08, 0.2), r.range(-0.05, 0.05))
            }
            Shape::Warble => {
                let len = r.range(0.06, 0.13);
                ((4, 10), len, len + r.range(0.03, 0.08), r.range(0.15, 0.35))
            }
        };
        Species {
            shape,
            pitch: 2f32.powf(r.range(-0.6, 0.6)),
            count,
            syl_s,
            period_s,
            sweep,
            notes,
            pan: r.range(-0.8, 0.8),
            loud: r.range(0.5, 1.0),
        }
    }
}

/// One bird singing one phrase.
#[derive(Clone, Copy, Default)]
struct Voice {
    species: usize,
    active: bool,
    /// Syllables left after the current one; index of the current one.
    left: u32,
    index: u32,
    /// Phase (cycles, 0..1), frequency (cycles per sample) and its per-sample factor (sweep).
    phase: f32,
    freq: f32,
    glide: f32,
    /// Samples into the syllable, its length, and samples of silence after it.
    t: f32,
    len: f32,
    gap: f32,
    /// Envelope attack and release as fractions of the syllable.
    att: f32,
    rel: f32,
    amp: f32,
    gl: f32,
    gr: f32,
    /// This phrase's pitch centre (Hz) and tempo factor.
    centre: f32,
    tempo: f32,
}

pub struct Birds {
    species: [Species; MAX_SPECIES],
    n_species: usize,
    voices: [Voice; VOICES],
    density: Param,
    pitch: Param,
    rng: Rng,
    until_call: f32,
}

/// sin(2 pi p) for p in [0, 1): a parabola refined once (error about 0.1 %, harmonics near
/// -60 dB), so a voice costs a few multiplies per sample.
#[inline(always)]
fn sin_cycles(p: f32) -> f32 {
    let t = p - 0.5;
    let y = 8.0 * t - 16.0 * t * t.abs();
    -(0.225 * (y * y.abs() - y) + y)
}

/// Smoothstep of x clamped to 0..1.
#[inline(always)]
fn smooth(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

impl Birds {
    pub fn new(spec: &LayerSpec, _ctx: &SceneCtx<'_>, mut rng: Rng, _sr: f32) -> Self {
        let n_species = (spec.fixed("species").round() as usize).clamp(1, MAX_SPECIES);
        // Shapes dealt from a shuffled deck, so a few species are a few different birds.
        let mut deck = [Shape::Sweeps, Shape::Trill, Shape::Whistle, Shape::Warble];
        for i in (1..deck.len()).rev() {
            deck.swap(i, rng.index(i + 1));
        }
        let species = std::array::from_fn(|i| {
            let shape = if i < deck.len() { deck[i] } else { deck[rng.index(deck.len())] };
            Species::new(&mut rng, shape)
        });
        Birds {
            species,
            n_species,
            voices: [Voice::default(); VOICES],
            density: spec.param("density"),
            pitch: spec.param("pitch_hz"),
            until_call: rng.range(0.05, 0.3),
            rng,
        }
    }

    /// Starts a phrase of species `s` on voice `v`.
    fn call(&mut self, v: usize, s: usize, pitch_hz: f32, sr: f32) {
        let sp = self.species[s];
        let r = &mut self.rng;
        let (lo, hi) = sp.count;
        let count = lo + r.index((hi - lo + 1) as usize) as u32;
        let (gl, gr) = pan_gains(sp.pan + r.range(-0.1, 0.1));
        let voice = &mut self.voices[v];
        *voice = Voice {
            species: s,
            active: true,
            left: count,
            index: 0,
            amp: sp.loud * r.range(0.6, 1.0) * LEVEL,
            gl,
            gr,
            centre: pitch_hz * sp.pitch * 2f32.powf(r.range(-0.05, 0.05)),
            tempo: r.range(0.9, 1.1),
            ..Voice::default()
        };
        self.syllable(v, sr);
    }

    /// Sets up the next syllable of voice `v` (or ends its phrase).
    fn syllable(&mut self, v: usize, sr: f32) {
        let voice = &mut self.voices[v];
        if voice.left == 0 {
            voice.active = false;
            return;
        }
        voice.left -= 1;
        let sp = &self.species[voice.species];
        let r = &mut self.rng;
        let i = voice.index;
        voice.index += 1;
        let len_s = sp.syl_s * voice.tempo * r.range(0.85, 1.15);
        let (start, end) = match sp.shape {
            // A little higher at the start of the run, settling lower.
            Shape::Sweeps => {
                let top = 0.5 * sp.sweep.abs() - 0.03 * i as f32 + r.range(-0.04, 0.04);
                (top, top + sp.sweep)
            }
            Shape::Trill => {
                let at = sp.sweep * i as f32 + r.range(-0.02, 0.02);
                (at + 0.04, at - 0.04)
            }
            Shape::Whistle => {
                let at = sp.notes[(i as usize).min(3)] + r.range(-0.01, 0.01);
                (at, at + sp.sweep)
            }
            Shape::Warble => {
                let at = sp.notes[r.index(4)];
                let dir = if r.unit() < 0.5 { -1.0 } else { 1.0 };
                (at - 0.5 * dir * sp.sweep, at + 0.5 * dir * sp.sweep)
            }
        };
        // At low output rates the band's top is cut to stay clear of Nyquist.
        let hi = HI_HZ.min(sr * 0.45);
        let f0 = (voice.centre * 2f32.powf(start)).clamp(LO_HZ.min(hi), hi);
        let f1 = (voice.centre * 2f32.powf(end)).clamp(LO_HZ.min(hi), hi);
        let len = (len_s * sr).max(16.0);
        voice.freq = f0 / sr;
        voice.glide = (f1 / f0).powf(1.0 / len);
        voice.t = 0.0;
        voice.len = len;
        voice.gap = ((sp.period_s * voice.tempo - len_s) * r.range(0.8, 1.25)).max(0.01) * sr;
        // Long notes swell in; short ones still take a few milliseconds.
        let (att, rel) = if sp.shape == Shape::Whistle { (0.15, 0.3) } else { (0.25, 0.45) };
        voice.att = att;
        voice.rel = rel;
        // Each syllable a little louder or softer than the last.
        voice.amp *= r.range(0.9, 1.1);
        voice.amp = voice.amp.min(sp.loud * LEVEL);
    }
}

impl Generator for Birds {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        out.fill(0.0);
        let sr = c.sr;
        self.until_call -= c.frames as f32 / sr;
        if self.until_call <= 0.0 {
            self.until_call = self.rng.exp_wait(self.density.at(c) / 60.0);
            // A species not singing already, and a free voice for it.
            let start = self.rng.index(self.n_species);
            let free = (0..self.n_species)
                .map(|k| (start + k) % self.n_species)
                .find(|s| !self.voices.iter().any(|v| v.active && v.species == *s));
            let voice = self.voices.iter().position(|v| !v.active);
            if let (Some(s), Some(v)) = (free, voice) {
                let p = self.pitch.at(c);
                self.call(v, s, p, sr);
            }
        }
        for v in 0..VOICES {
            if !self.voices[v].active {
                continue;
            }
            let mut done = 0;
            while done < c.frames && self.voices[v].active {
                let voice = &mut self.voices[v];
                let frames = &mut out[done * 2..];
                if voice.t < voice.len {
                    // Sing: up to the end of the syllable or of the block.
                    let n = ((voice.len - voice.t).ceil() as usize).min(frames.len() / 2);
                    let mut w = *voice;
                    let (inv_len, inv_att, inv_rel) = (1.0 / w.len, 1.0 / w.att, 1.0 / w.rel);
                    for f in frames[..n * 2].chunks_exact_mut(2) {
                        let p = w.t * inv_len;
                        let e = smooth(p * inv_att) * smooth((1.0 - p) * inv_rel);
                        let s = sin_cycles(w.phase) * e * w.amp;
                        f[0] += s * w.gl;
                        f[1] += s * w.gr;
                        w.phase += w.freq;
                        w.phase -= w.phase.floor();
                        w.freq *= w.glide;
                        w.t += 1.0;
                    }
                    *voice = w;
                    done += n;
                } else {
                    // Silence between syllables.
                    let n = (voice.gap.ceil() as usize).clamp(0, frames.len() / 2);
                    voice.gap -= n as f32;
                    done += n;
                    if voice.gap <= 0.0 {
                        self.syllable(v, sr);
                    }
                }
            }
        }
    }
}
