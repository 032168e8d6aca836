//! Music theory for the music layers: modes and scales, chords built from them, progressions and
//! voice leading. Pure functions and small value types; nothing here makes sound.

use crate::dsp::interp;
use crate::dsp::rng::Rng;
use crate::layers::Control;
use crate::pack::MusicSpec;
use serde::Deserialize;

/// The modes a pack may ask for. Every one is consonant enough to sit under a soundscape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    MajorPentatonic,
    MinorPentatonic,
    Ionian,
    Dorian,
    Lydian,
    Mixolydian,
    Aeolian,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::MajorPentatonic,
        Mode::MinorPentatonic,
        Mode::Ionian,
        Mode::Dorian,
        Mode::Lydian,
        Mode::Mixolydian,
        Mode::Aeolian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::MajorPentatonic => "major_pentatonic",
            Mode::MinorPentatonic => "minor_pentatonic",
            Mode::Ionian => "ionian",
            Mode::Dorian => "dorian",
            Mode::Lydian => "lydian",
            Mode::Mixolydian => "mixolydian",
            Mode::Aeolian => "aeolian",
        }
    }

    /// Semitones of each scale degree above the tonic, ascending within one octave.
    pub fn degrees(self) -> &'static [u8] {
        match self {
            Mode::MajorPentatonic => &[0, 2, 4, 7, 9],
            Mode::MinorPentatonic => &[0, 3, 5, 7, 10],
            Mode::Ionian => &[0, 2, 4, 5, 7, 9, 11],
            Mode::Dorian => &[0, 2, 3, 5, 7, 9, 10],
            Mode::Lydian => &[0, 2, 4, 6, 7, 9, 11],
            Mode::Mixolydian => &[0, 2, 4, 5, 7, 9, 10],
            Mode::Aeolian => &[0, 2, 3, 5, 7, 8, 10],
        }
    }
}

/// Hz of a (possibly fractional) MIDI note, equal-tempered with A4 = 440 Hz.
pub fn midi_to_hz(m: f32) -> f32 {
    440.0 * 2f32.powf((m - 69.0) / 12.0)
}

/// MIDI note number (fractional) of a frequency.
pub fn hz_to_midi(hz: f32) -> f32 {
    69.0 + 12.0 * (hz.max(1e-3) / 440.0).log2()
}

/// A key: an equal-tempered tonic (MIDI note) and a mode. Scale positions are counted in
/// `steps` from the tonic (step 0 = tonic, `len()` steps = an octave up), which is how melodies
/// move "by step" whatever the mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub tonic: i32,
    pub mode: Mode,
}

impl Key {
    /// Scale degrees per octave.
    pub fn steps_per_octave(self) -> i32 {
        self.mode.degrees().len() as i32
    }

    /// MIDI note of scale step `step` (any integer; negative goes below the tonic).
    pub fn pitch(self, step: i32) -> i32 {
        let n = self.steps_per_octave();
        self.tonic + 12 * step.div_euclid(n) + self.mode.degrees()[step.rem_euclid(n) as usize] as i32
    }

    /// Pitch class of `midi` relative to the tonic, 0..12.
    pub fn pc(self, midi: i32) -> u8 {
        (midi - self.tonic).rem_euclid(12) as u8
    }

    /// Whether `midi` is a note of the scale.
    pub fn contains(self, midi: i32) -> bool {
        self.mode.degrees().contains(&self.pc(midi))
    }

    /// The scale step whose pitch is nearest `midi` (ties go down).
    pub fn nearest_step(self, midi: f32) -> i32 {
        let n = self.steps_per_octave();
        let guess = ((midi - self.tonic as f32) / 12.0 * n as f32).floor() as i32;
        let mut best = (f32::MAX, guess);
        for s in guess - n..=guess + n {
            let d = (self.pitch(s) as f32 - midi).abs();
            if d < best.0 {
                best = (d, s);
            }
        }
        best.1
    }

    /// Cents between `hz` and the nearest note of the scale in any octave (what the pitch tests
    /// measure).
    pub fn cents_off(self, hz: f32) -> f32 {
        let m = hz_to_midi(hz);
        let s = self.nearest_step(m);
        ((m - self.pitch(s) as f32) * 100.0).abs()
    }
}

/// A chord as pitch classes relative to the tonic: `tones[0]` is the root, then the third (or the
/// suspended second or fourth), the fifth and, when `len` is 4, an added ninth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub tones: [u8; 4],
    pub len: usize,
}

impl Chord {
    pub fn root(&self) -> u8 {
        self.tones[0]
    }

    pub fn tones(&self) -> &[u8] {
        &self.tones[..self.len]
    }

    /// Whether pitch class `pc` (relative to the tonic) belongs to the chord.
    pub fn has(&self, pc: u8) -> bool {
        self.tones().contains(&pc)
    }
}

/// Chord shapes tried on each scale note, in order of preference: major, minor, then the
/// suspended chords that are all a pentatonic scale offers on some of its notes. Diminished and
/// augmented triads never qualify (no perfect fifth), so every chord is stable enough to sit on.
const SHAPES: [[u8; 3]; 4] = [[0, 4, 7], [0, 3, 7], [0, 2, 7], [0, 5, 7]];

/// Whether two pitch classes are a semitone apart in either direction (a minor second or, an
/// octave apart, a major seventh): the intervals kept out of every chord.
fn semitone_apart(a: u8, b: u8) -> bool {
    matches!((a as i32 - b as i32).rem_euclid(12), 1 | 11)
}

/// The chords of `mode`: one per scale note that carries a major, minor or suspended triad, in
/// scale order (the tonic's first). With `ninth`, a major ninth is added where it is in the scale
/// and makes no semitone with another chord tone (so on major and sus4 chords, never on minor).
pub fn chords(mode: Mode, ninth: bool) -> ([Chord; 7], usize) {
    let deg = mode.degrees();
    let in_scale = |pc: u8| deg.contains(&(pc % 12));
    let mut out = [Chord { tones: [0; 4], len: 3 }; 7];
    let mut n = 0;
    for &root in deg {
        let Some(shape) = SHAPES.iter().find(|s| s.iter().all(|&i| in_scale(root + i))) else {
            continue;
        };
        let mut c = Chord { tones: [root, (root + shape[1]) % 12, (root + shape[2]) % 12, 0], len: 3 };
        let nine = (root + 2) % 12;
        if ninth && in_scale(nine) && !c.has(nine) && !c.tones().iter().any(|&t| semitone_apart(t, nine)) {
            c.tones[3] = nine;
            c.len = 4;
        }
        out[n] = c;
        n += 1;
    }
    (out, n)
}

/// Most voices a harmony voicing holds.
pub const MAX_VOICES: usize = 5;

/// Voice leading: the notes (MIDI) of `chord` nearest to the previous notes `prev`.
///
/// Voice 0 is the bass and takes the root within `bass` (inclusive range of at least an octave).
/// The upper voices (1..) try every assignment of chord tones, each tone at its nearest octave to
/// the voice's previous note, and keep the one that moves least while sounding the whole chord:
/// a held common tone costs nothing and the others move by step, which is what makes a pad's
/// chord changes sound like one instrument breathing rather than chords being swapped.
/// Close spacing near the bass (seconds under ~260 Hz, MIDI 60) is penalised because it turns to
/// mud; every voice stays within `upper` where it can.
pub fn voice_lead(
    key: Key,
    chord: &Chord,
    prev: &[i32],
    bass: (i32, i32),
    upper: (i32, i32),
    out: &mut [i32],
) {
    let n = prev.len().min(out.len()).min(MAX_VOICES);
    if n == 0 {
        return;
    }
    let abs_pc = |t: u8| (key.tonic + t as i32).rem_euclid(12);
    // The note of pitch class `pc` nearest `near` (ties go down).
    let nearest = |pc: i32, near: i32| {
        let d = (pc - near).rem_euclid(12);
        if d <= 6 { near + d } else { near + d - 12 }
    };
    let mut b = nearest(abs_pc(chord.root()), prev[0]);
    while b > bass.1 {
        b -= 12;
    }
    while b < bass.0 {
        b += 12;
    }
    out[0] = b;
    let upper_n = n - 1;
    if upper_n == 0 {
        return;
    }
    let tones = chord.tones();
    let k = tones.len();
    let mut cand = [[0i32; 4]; MAX_VOICES];
    for v in 0..upper_n {
        for (j, &t) in tones.iter().enumerate() {
            let mut c = nearest(abs_pc(t), prev[v + 1]);
            // Out of range: the same tone an octave towards the range.
            if c > upper.1 {
                c -= 12;
            } else if c < upper.0 {
                c += 12;
            }
            cand[v][j] = c;
        }
    }
    let combos = k.pow(upper_n as u32);
    let (mut best, mut best_cost) = (0usize, i32::MAX);
    for code in 0..combos {
        let mut notes = [0i32; MAX_VOICES];
        let mut which = [0usize; MAX_VOICES];
        let mut c = code;
        let mut cost = 0;
        for v in 0..upper_n {
            which[v] = c % k;
            c /= k;
            notes[v] = cand[v][which[v]];
            cost += (notes[v] - prev[v + 1]).abs();
            if notes[v] <= b {
                cost += 20;
            }
            if notes[v] > upper.1 {
                cost += 4 * (notes[v] - upper.1);
            } else if notes[v] < upper.0 {
                cost += 4 * (upper.0 - notes[v]);
            }
        }
        // Which chord tones sound (the root is in the bass already).
        let mut has = [false; 4];
        has[0] = true;
        for v in 0..upper_n {
            has[which[v]] = true;
        }
        let missing = [0, 12, 4, 2];
        for j in 1..k {
            if !has[j] {
                cost += missing[j];
            }
        }
        let all = |i: usize| if i == 0 { b } else { notes[i - 1] };
        for i in 0..=upper_n {
            for j in i + 1..=upper_n {
                let (lo, hi) = (all(i).min(all(j)), all(i).max(all(j)));
                let iv = hi - lo;
                if iv == 0 {
                    cost += 10;
                } else if iv < 3 && lo < 60 {
                    cost += 6;
                } else if iv < 5 && lo < 52 {
                    cost += 3;
                }
            }
        }
        // Crossed upper voices blur which voice is which as they breathe.
        for v in 1..upper_n {
            if notes[v] < notes[v - 1] {
                cost += 2;
            }
        }
        if cost < best_cost {
            best_cost = cost;
            best = code;
        }
    }
    let mut c = best;
    for v in 0..upper_n {
        out[v + 1] = cand[v][c % k];
        c /= k;
    }
}

/// Chords in one pass of the progression: four four-chord phrases, A A' B A.
pub const PROGRESSION_LEN: usize = 16;

/// The shared musical clock of a scene. Harmony and melody each own one, built from the same
/// `[music]` table and `music_seed` and advanced with the same per-block [`Control`]s, so they
/// agree on key, mode and the current chord without sharing memory or a thread.
#[derive(Clone, Debug)]
pub struct Conductor {
    key: Key,
    prog: [Chord; PROGRESSION_LEN],
    chord_s: [f32; 2],
    /// Chords elapsed, fractional (f64: a night of blocks adds up without drifting).
    pos: f64,
}

impl Conductor {
    pub fn new(music: &MusicSpec, music_seed: u64) -> Self {
        let mut rng = Rng::new(music_seed ^ 0xC0_4D0C_7012);
        let mode =
            if music.modes.is_empty() { Mode::Dorian } else { music.modes[rng.index(music.modes.len())] };
        let [lo, hi] = music.tonic_hz;
        let (lo_m, hi_m) = (hz_to_midi(lo.max(20.0)).ceil() as i32, hz_to_midi(hi.max(20.0)).floor() as i32);
        let tonic = if hi_m >= lo_m {
            lo_m + rng.index((hi_m - lo_m + 1) as usize) as i32
        } else {
            hz_to_midi((lo * hi).max(1.0).sqrt()).round() as i32
        };
        let key = Key { tonic, mode };
        let (plain, n) = chords(mode, false);
        let (nines, _) = chords(mode, true);
        let set = &plain[..n.max(1)];
        // Root motion by fourth or fifth pulls hardest, then steps, then thirds; staying put
        // never counts as a change.
        let weight = |a: &Chord, b: &Chord| -> f32 {
            match (b.root() as i32 - a.root() as i32).rem_euclid(12) {
                0 => 0.0,
                5 | 7 => 4.0,
                2 | 10 => 3.0,
                _ => 2.0,
            }
        };
        let pick = |rng: &mut Rng, from: usize, to_tonic: bool| -> usize {
            let w: [f32; 7] = std::array::from_fn(|i| {
                if i >= set.len() {
                    return 0.0;
                }
                let mut w = weight(&set[from], &set[i]);
                if to_tonic {
                    w *= 0.5 + weight(&set[i], &set[0]);
                    if i == 0 {
                        w = 0.0;
                    }
                }
                w
            });
            let total: f32 = w.iter().sum();
            if total <= 0.0 {
                return (from + 1) % set.len();
            }
            let mut x = rng.unit() * total;
            for (i, wi) in w.iter().enumerate() {
                if x < *wi {
                    return i;
                }
                x -= wi;
            }
            set.len() - 1
        };
        let mut a = [0usize; 4];
        for i in 1..4 {
            a[i] = pick(&mut rng, a[i - 1], i == 3);
        }
        let mut a2 = a;
        a2[3] = pick(&mut rng, a[2], true);
        let mut bph = [0usize; 4];
        bph[0] = if set.len() > 1 { 1 + rng.index(set.len() - 1) } else { 0 };
        for i in 1..4 {
            bph[i] = pick(&mut rng, bph[i - 1], i == 3);
        }
        let mut prog = [set[0]; PROGRESSION_LEN];
        for (slot, &i) in prog.iter_mut().zip(a.iter().chain(&a2).chain(&bph).chain(&a)) {
            // Some chords take their added ninth (the same ones on every pass, so a return of the
            // phrase sounds like a return).
            *slot = if rng.unit() < 0.4 { nines[i] } else { set[i] };
        }
        Conductor { key, prog, chord_s: music.chord_s, pos: 0.0 }
    }

    pub fn key(&self) -> Key {
        self.key
    }

    /// Seconds per chord at this activity: `chord_s` from rest to lively.
    pub fn chord_seconds(&self, activity: f32) -> f32 {
        let a = if activity.is_finite() { activity } else { 0.0 };
        interp(self.chord_s[0].max(1.0), self.chord_s[1].max(1.0), a, true)
    }

    /// Moves the clock on by one block; true when the chord changed during it.
    pub fn advance(&mut self, c: &Control) -> bool {
        let secs = if c.sr > 0.0 { c.frames as f64 / c.sr as f64 } else { 0.0 };
        let before = self.index();
        self.pos += secs / self.chord_seconds(c.activity) as f64;
        self.index() != before
    }

    /// Chords completed so far.
    pub fn index(&self) -> u64 {
        self.pos as u64
    }

    /// How far through the current chord, 0..1.
    pub fn phase(&self) -> f32 {
        self.pos.fract() as f32
    }

    pub fn chord(&self) -> Chord {
        self.chord_at(self.index())
    }

    /// The `i`-th chord of the (looping) progression.
    pub fn chord_at(&self, i: u64) -> Chord {
        self.prog[(i % PROGRESSION_LEN as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctl(activity: f32) -> Control {
        Control { activity, brightness: 0.5, sr: 48_000.0, frames: 128, mod_speed: 1.0, t: 0.0 }
    }

    /// Every chord of every mode is in the scale, has a perfect fifth over its root, and no two of
    /// its tones a semitone apart (no minor second, no major seventh in any voicing).
    #[test]
    fn chords_are_consonant_and_diatonic() {
        for mode in Mode::ALL {
            for ninth in [false, true] {
                let (set, n) = chords(mode, ninth);
                assert!(n >= 3, "{mode:?}: {n} chords");
                assert_eq!(set[0].root(), 0, "{mode:?}: the tonic chord comes first");
                for c in &set[..n] {
                    assert!(c.tones().iter().all(|t| mode.degrees().contains(t)), "{mode:?} {c:?}");
                    assert!(c.has((c.root() + 7) % 12), "{mode:?} {c:?}: no fifth");
                    for a in c.tones() {
                        for b in c.tones() {
                            assert!(!semitone_apart(*a, *b), "{mode:?} {c:?}");
                        }
                    }
                }
            }
        }
    }

    /// Through long progressions the upper voices hold common tones or move by step: no voice
    /// moves more than a fourth, and on average about a tone or less.
    #[test]
    fn voice_leading_moves_little() {
        for (i, mode) in Mode::ALL.into_iter().enumerate() {
            let music = MusicSpec { modes: vec![mode], ..MusicSpec::default() };
            let c = Conductor::new(&music, i as u64);
            let key = c.key();
            let (bass, upper) = ((key.tonic - 5, key.tonic + 6), (key.tonic + 7, key.tonic + 29));
            let mut v = [key.tonic, key.tonic + 9, key.tonic + 14, key.tonic + 19, key.tonic + 24];
            voice_lead(key, &c.chord_at(0), &v.clone(), bass, upper, &mut v);
            let (mut moved, mut held, mut n) = (0, 0, 0);
            for k in 1..64 {
                let prev = v;
                voice_lead(key, &c.chord_at(k), &prev, bass, upper, &mut v);
                let chord = c.chord_at(k);
                assert_eq!(key.pc(v[0]), chord.root(), "{mode:?}: bass not on the root");
                for j in 1..5 {
                    assert!(chord.has(key.pc(v[j])), "{mode:?}: {} not in {chord:?}", v[j]);
                    let d = (v[j] - prev[j]).abs();
                    assert!(d <= 5, "{mode:?}: a voice leapt {d} semitones");
                    moved += d;
                    held += usize::from(d == 0);
                    n += 1;
                }
            }
            let mean = moved as f32 / n as f32;
            assert!(mean <= 2.0 && held * 5 >= n, "{mode:?}: mean motion {mean}, held {held}/{n}");
        }
    }

    /// Two conductors with one seed, fed the same controls, agree on everything; the tonic is an
    /// equal-tempered note inside the pack's range and the mode one the pack lists.
    #[test]
    fn conductors_agree_and_respect_the_pack() {
        let music = MusicSpec {
            modes: vec![Mode::Lydian, Mode::Aeolian],
            tonic_hz: [98.0, 147.0],
            chord_s: [8.0, 8.0],
        };
        for seed in 0..20 {
            let (mut a, mut b) = (Conductor::new(&music, seed), Conductor::new(&music, seed));
            let k = a.key();
            assert!(music.modes.contains(&k.mode));
            let hz = midi_to_hz(k.tonic as f32);
            assert!((98.0..=147.0).contains(&hz), "tonic {hz}");
            let mut changes = 0;
            for i in 0..48_000 * 40 / 128 {
                let c = ctl((i % 7) as f32 / 7.0);
                let (x, y) = (a.advance(&c), b.advance(&c));
                assert_eq!(x, y);
                changes += usize::from(x);
                assert_eq!(a.chord(), b.chord());
            }
            // 40 s at 8 s a chord.
            assert_eq!(changes, 5);
        }
    }
}
