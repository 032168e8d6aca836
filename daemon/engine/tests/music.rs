//! The music layers, rendered alone and measured: pitches against the scene's scale, intervals of
//! the sustained harmony, the sleep course of the melody, determinism and clicks.
//!
//! Each layer is built the way a scene builds it (`layers::build` from a parsed manifest) and fed
//! realistic per-block controls; the key the audio is checked against comes from
//! `theory::Conductor`, built from the same `[music]` table and seed, which is exactly what the
//! layers themselves share.

mod common;

use assert_no_alloc::assert_no_alloc;
use rustfft::{FftPlanner, num_complex::Complex};
use sonora_engine::dsp::rng::Rng;
use sonora_engine::layers::{self, Control, SceneCtx};
use sonora_engine::pack::{Pack, parse_manifest};
use sonora_engine::theory::{Conductor, Key, hz_to_midi};
use sonora_proto::Outcome;
use std::path::Path;

/// Renders run under `assert_no_alloc`: a debug build aborts on any allocation inside them
/// (release builds, used for the cost figures, leave the check out).
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f32 = 48_000.0;
const BLOCK: usize = 128;

fn pack(kind: &str, params: &str, music: &str) -> Pack {
    let text = format!(
        "name = \"music-test\"\nversion = \"1\"\noutcomes = [\"calm\", \"focus\", \"sleep\"]\n\
         [music]\n{music}\n[[layers]]\nname = \"m\"\nkind = \"{kind}\"\n[layers.params]\n{params}\n"
    );
    parse_manifest(&text, Path::new("music-test.toml"), None).unwrap()
}

fn ctx(p: &Pack, outcome: Outcome, total_s: Option<f64>, seed: u64) -> SceneCtx<'_> {
    SceneCtx {
        outcome,
        total_s,
        settle_s: total_s.map_or(480.0, |t| (t * 0.5).min(600.0)),
        music: &p.music,
        music_seed: seed,
    }
}

/// Renders `secs` seconds of the pack's only layer; `arc(t)` gives activity and brightness.
fn render(
    p: &Pack,
    cx: &SceneCtx<'_>,
    layer_seed: u64,
    secs: f64,
    arc: impl Fn(f64) -> (f32, f32),
) -> Vec<f32> {
    let mut g = layers::build(&p.layers[0], cx, &mut Rng::new(layer_seed), SR);
    let blocks = (secs * SR as f64) as usize / BLOCK;
    let mut out = vec![0.0f32; blocks * BLOCK * 2];
    for (b, chunk) in out.chunks_exact_mut(BLOCK * 2).enumerate() {
        let t = (b * BLOCK + BLOCK / 2) as f64 / SR as f64;
        g.render(&control(t, arc(t)), chunk);
    }
    out
}

fn control(t: f64, (activity, brightness): (f32, f32)) -> Control {
    Control { activity, brightness, sr: SR, frames: BLOCK, mod_speed: 1.0, t }
}

/// A calm arc: from a lively opening (0.6, 0.6) down to (0, 0.3) over `settle` seconds.
fn calm(settle: f64) -> impl Fn(f64) -> (f32, f32) {
    move |t| {
        let x = (t / settle).clamp(0.0, 1.0) as f32;
        let x = x * x * (3.0 - 2.0 * x);
        (0.6 * (1.0 - x), 0.6 - 0.3 * x)
    }
}

/// Start times (s) of the chords the conductor plays over the same controls.
fn chord_starts(p: &Pack, seed: u64, secs: f64, arc: &impl Fn(f64) -> (f32, f32)) -> Vec<f64> {
    let mut c = Conductor::new(&p.music, seed);
    let mut starts = vec![0.0];
    let blocks = (secs * SR as f64) as usize / BLOCK;
    for b in 0..blocks {
        let t = (b * BLOCK + BLOCK / 2) as f64 / SR as f64;
        if c.advance(&control(t, arc(t))) {
            starts.push(((b + 1) * BLOCK) as f64 / SR as f64);
        }
    }
    starts
}

fn mono(x: &[f32]) -> Vec<f32> {
    x.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1])).collect()
}

/// Hann-windowed magnitude spectrum of `x[start..start + len]`, zero-padded to `n`.
fn spectrum(planner: &mut FftPlanner<f32>, x: &[f32], start: usize, len: usize, n: usize) -> Vec<f32> {
    let fft = planner.plan_fft_forward(n);
    let mut buf: Vec<Complex<f32>> = (0..n)
        .map(|i| {
            let v = if i < len { x.get(start + i).copied().unwrap_or(0.0) } else { 0.0 };
            let w = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / len as f32).cos();
            Complex::new(if i < len { v * w } else { 0.0 }, 0.0)
        })
        .collect();
    fft.process(&mut buf);
    buf[..n / 2].iter().map(|c| c.norm()).collect()
}

/// Local maxima of `mag` above `floor` between `lo` and `hi` Hz, refined by parabolic
/// interpolation of the log magnitude: (Hz, magnitude), ascending.
fn peaks(mag: &[f32], n: usize, floor: f32, lo: f32, hi: f32) -> Vec<(f32, f32)> {
    let bin = SR / n as f32;
    let (a, b) = (((lo / bin) as usize).max(3), ((hi / bin) as usize).min(mag.len() - 4));
    let mut out = Vec::new();
    for k in a..b {
        let m = mag[k];
        if m > floor && (1..=3).all(|d| m >= mag[k - d] && m > mag[k + d]) {
            let (l, c, r) = (mag[k - 1].max(1e-12).ln(), m.ln(), mag[k + 1].max(1e-12).ln());
            let off = 0.5 * (l - r) / (l - 2.0 * c + r);
            out.push(((k as f32 + off) * bin, m));
        }
    }
    out
}

/// Note onsets (sample indices) of a mono melody: where the energy of the next 20 ms is more than
/// twice the highest 5 ms energy of the previous 50 ms (so beating between ringing notes, which
/// swings the short-term energy, never counts), above a floor relative to the loudest moment.
fn onsets(x: &[f32]) -> Vec<usize> {
    let hop = 240;
    let e: Vec<f32> = x.chunks(hop).map(|c| c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).collect();
    let top = e.iter().copied().fold(0.0f32, f32::max);
    let mut out: Vec<usize> = Vec::new();
    let mut rising = false;
    for k in 10..e.len().saturating_sub(4) {
        let before = e[k - 10..k].iter().copied().fold(0.0f32, f32::max);
        let after = e[k..k + 4].iter().sum::<f32>() / 4.0;
        let onset = after > top * 1e-5 && after > 2.0 * before;
        if onset && !rising {
            out.push(k * hop);
        }
        rising = onset;
    }
    out
}

/// The fundamental of the note starting at each onset: the lowest strong peak of what the
/// spectrum gained across the onset (so notes still ringing from before don't count).
///
/// A note repeating one still ringing can cancel its own fundamental (two voices at one
/// frequency sum with whatever phase they meet at), leaving a higher partial as the lowest gain.
/// So a peak counts as partial `r` of a note (r from the instrument's `ratios`) when the full
/// spectrum after the onset also peaks at peak / r (the largest such r wins); the note's pitch
/// is then peak / r.
fn note_pitches(x: &[f32], ratios: &[f32]) -> Vec<(f64, f32)> {
    let m = mono(x);
    let mut planner = FftPlanner::new();
    let (len, n) = (6144, 32768);
    let mut out = Vec::new();
    for on in onsets(&m) {
        if on < len + 480 || on + 960 + len > m.len() {
            continue;
        }
        let after = spectrum(&mut planner, &m, on + 960, len, n);
        let before = spectrum(&mut planner, &m, on - len - 240, len, n);
        let gain: Vec<f32> = after.iter().zip(&before).map(|(a, b)| (a - 1.2 * b).max(0.0)).collect();
        let top = gain.iter().copied().fold(0.0f32, f32::max);
        let Some(&(f, m)) = peaks(&gain, n, top * 0.2, 60.0, 5000.0).first() else { continue };
        let full = peaks(&after, n, m * 0.1, 40.0, 5000.0);
        let f0 = ratios
            .iter()
            .rev()
            .map(|r| f / r)
            .find(|&g| full.iter().any(|&(h, _)| (h / g - 1.0).abs() < 0.004))
            .unwrap_or(f);
        out.push((on as f64 / SR as f64, f0));
    }
    out
}

/// Fundamentals of a sustained chord in `x[start..start + len]` (mono): strong peaks that are
/// not a harmonic (2x, 3x, 4x) of a lower one.
fn chord_fundamentals(planner: &mut FftPlanner<f32>, m: &[f32], start: usize, len: usize) -> Vec<f32> {
    let n = 131_072;
    let mag = spectrum(planner, m, start, len, n);
    let top = mag.iter().copied().fold(0.0f32, f32::max);
    let ps = peaks(&mag, n, top * 0.06, 40.0, 4000.0);
    let mut fund: Vec<f32> = Vec::new();
    for &(f, _) in &ps {
        let harmonic = ps.iter().take_while(|p| p.0 < f).any(|&(g, _)| {
            (2..=4).any(|k| (f / (g * k as f32) - 1.0).abs() < 0.015)
                // The detuned pair of one voice resolves into two peaks a few cents apart.
                || (f / g - 1.0).abs() < 0.02
        });
        if !harmonic {
            fund.push(f);
        }
    }
    fund
}

fn melody_pack(instrument: &str) -> Pack {
    pack("melody", &format!("instrument = \"{instrument}\"\ndensity = [14.0, 30.0]"), "chord_s = [12.0, 8.0]")
}

/// (1) Every melody note, on every instrument and for several keys, is a note of the scale.
#[test]
fn melody_notes_are_in_the_scale() {
    let mut report = String::new();
    for instrument in ["bell", "pluck", "glass"] {
        let p = melody_pack(instrument);
        let (mut worst, mut count, mut min_share) = (0.0f32, 0, 1.0f32);
        for seed in 1..=3u64 {
            let cx = ctx(&p, Outcome::Calm, None, seed);
            let key = Conductor::new(&p.music, seed).key();
            let x = render(&p, &cx, seed, 60.0, calm(60.0));
            let ratios: &[f32] = if instrument == "bell" { &[1.0, 2.76] } else { &[1.0, 2.0, 3.0] };
            let notes = note_pitches(&x, ratios);
            assert!(notes.len() >= 8, "{instrument} seed {seed}: only {} notes found", notes.len());
            let conductor = Conductor::new(&p.music, seed);
            let starts = chord_starts(&p, seed, 60.0, &calm(60.0));
            let mut on_chord = 0;
            for &(t, f) in &notes {
                let i = starts.iter().rposition(|&s| s <= t).unwrap_or(0);
                if conductor.chord_at(i as u64).has(key.pc(hz_to_midi(f).round() as i32)) {
                    on_chord += 1;
                }
            }
            // Strong positions are chord tones, passing notes needn't be.
            let share = on_chord as f32 / notes.len() as f32;
            assert!(share >= 0.5, "{instrument} seed {seed}: only {share:.2} of notes on the chord");
            min_share = min_share.min(share);
            for (t, f) in notes {
                let off = key.cents_off(f);
                assert!(
                    off <= 15.0,
                    "{instrument} seed {seed}: note at {t:.2} s, {f:.1} Hz is {off:.1} cents off {key:?}"
                );
                worst = worst.max(off);
                count += 1;
            }
        }
        report.push_str(&format!(
            "{instrument}: {count} notes, worst {worst:.1} cents, at least {:.0} % on the chord; ",
            min_share * 100.0
        ));
    }
    println!("{report}");
}

/// (1, 2) The sustained harmony voices are notes of the scale, and never a minor second apart
/// (nor a major seventh with the lower note under 260 Hz), for both instruments and several keys
/// and modes.
#[test]
fn harmony_voices_are_in_the_scale_and_consonant() {
    let mut planner = FftPlanner::new();
    let mut intervals = [0usize; 25];
    let (mut worst, mut chords) = (0.0f32, 0);
    let modes =
        ["major_pentatonic", "minor_pentatonic", "ionian", "dorian", "lydian", "mixolydian", "aeolian"];
    for (i, mode) in modes.iter().enumerate() {
        let instrument = if i % 2 == 0 { "pad" } else { "glass" };
        let p = pack(
            "harmony",
            &format!("instrument = \"{instrument}\"\nvoices = {}", 3 + i % 3),
            &format!("modes = [\"{mode}\"]\nchord_s = [10.0, 8.0]"),
        );
        let seed = 10 + i as u64;
        let cx = ctx(&p, Outcome::Calm, None, seed);
        let conductor = Conductor::new(&p.music, seed);
        let key: Key = conductor.key();
        let arc = calm(40.0);
        let secs = 48.0;
        let x = render(&p, &cx, seed, secs, &arc);
        let m = mono(&x);
        let starts = chord_starts(&p, seed, secs, &arc);
        // The last 1.4 s of each whole chord, when its voices have long settled.
        for (i, w) in starts.windows(2).enumerate() {
            let len = 65_536;
            let start = (w[1] * SR as f64) as usize - len - 4800;
            let fund = chord_fundamentals(&mut planner, &m, start, len);
            assert!(fund.len() >= 2, "{mode}: chord at {:.1} s shows {fund:?}", w[0]);
            chords += 1;
            // The voices sound the chord the conductor (and so the melody) is on.
            let chord = conductor.chord_at(i as u64);
            for (a, &f) in fund.iter().enumerate() {
                let pc = key.pc(hz_to_midi(f).round() as i32);
                assert!(chord.has(pc), "{mode}: voice {f:.1} Hz is not in chord {i} {chord:?} of {key:?}");
                let off = key.cents_off(f);
                worst = worst.max(off);
                assert!(
                    off <= 15.0,
                    "{mode} ({instrument}): voice {f:.1} Hz is {off:.1} cents off {key:?} in {fund:?}"
                );
                for &g in &fund[a + 1..] {
                    let st = (12.0 * (g / f).log2()).round() as i32;
                    intervals[st.min(24) as usize] += 1;
                    assert!(st % 12 != 1, "{mode}: {f:.1} and {g:.1} Hz make a minor second");
                    assert!(
                        !(st == 11 && f < 260.0),
                        "{mode}: {f:.1} and {g:.1} Hz make a low major seventh"
                    );
                }
            }
        }
    }
    println!(
        "harmony: {chords} chords, worst {worst:.1} cents; intervals (semitones: count) {:?}",
        intervals.iter().enumerate().filter(|(_, n)| **n > 0).collect::<Vec<_>>()
    );
}

/// Focus: a steady line without leaps, every interval between successive notes a major third
/// or less.
#[test]
fn focus_melody_moves_by_small_steps() {
    let p = melody_pack("glass");
    let mut widest = 0;
    for seed in 4..=6u64 {
        let cx = ctx(&p, Outcome::Focus, Some(1800.0), seed);
        let x = render(&p, &cx, seed, 60.0, |t| (0.2 + 0.2 * (1.0 - (t / 60.0) as f32), 0.5));
        let notes = note_pitches(&x, &[1.0, 2.0, 3.0]);
        assert!(notes.len() >= 8, "seed {seed}: {} notes", notes.len());
        for w in notes.windows(2) {
            let st = (12.0 * (w[1].1 / w[0].1).log2()).round().abs() as i32;
            widest = widest.max(st);
            assert!(st <= 4, "seed {seed}: a leap of {st} semitones at {:.2} s", w[1].0);
        }
    }
    println!("focus: widest interval {widest} semitones");
}

/// (3) In a 20-minute sleep session the melody thins out and ends in silence well before the end.
#[test]
fn sleep_melody_thins_to_silence() {
    let p = pack("melody", "density = [10.0, 24.0]", "chord_s = [30.0, 14.0]");
    let total = 1200.0;
    let cx = ctx(&p, Outcome::Sleep, Some(total), 7);
    // The sleep arc: from a restless opening to stillness and darkness over the settle time.
    let settle = cx.settle_s;
    let arc = move |t: f64| {
        let x = (t / settle).clamp(0.0, 1.0) as f32;
        let x = x * x * (3.0 - 2.0 * x);
        (0.5 * (1.0 - x), 0.4 * (1.0 - x))
    };
    let x = render(&p, &cx, 7, total, arc);
    let m = mono(&x);
    let ons = onsets(&m);
    let bin_s = 120.0;
    let mut per_bin = vec![0usize; (total / bin_s) as usize];
    for &o in &ons {
        per_bin[((o as f64 / SR as f64) / bin_s) as usize] += 1;
    }
    let rate: Vec<f64> = per_bin.iter().map(|&n| n as f64 / (bin_s / 60.0)).collect();
    println!("sleep: notes per minute in 2-minute steps {rate:?}");
    let third = rate.len() / 3;
    let early: f64 = rate[..third].iter().sum();
    let middle: f64 = rate[third..2 * third].iter().sum();
    assert!(early > 0.0 && middle < early, "note rate must fall: {rate:?}");
    // Silent for the last quarter of the session (and quiet before the closing fade starts).
    let last = *ons.last().unwrap() as f64 / SR as f64;
    assert!(last < 0.75 * total, "a note at {last:.0} s");
    let tail = &x[(0.8 * total * SR as f64) as usize * 2..];
    let peak = tail.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    assert!(peak < 1e-4, "tail peak {peak}");
}

/// (4) Same seeds, bit-identical output; other seeds, another key or other notes.
#[test]
fn seeded_and_deterministic() {
    for (kind, params) in [("harmony", "instrument = \"pad\""), ("melody", "instrument = \"pluck\"")] {
        let p = pack(kind, params, "");
        let a = render(&p, &ctx(&p, Outcome::Calm, None, 3), 5, 6.0, calm(60.0));
        let b = render(&p, &ctx(&p, Outcome::Calm, None, 3), 5, 6.0, calm(60.0));
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()), "{kind}: not bit-identical");
        let c = render(&p, &ctx(&p, Outcome::Calm, None, 4), 6, 6.0, calm(60.0));
        assert!(a != c, "{kind}: another seed gave the same output");
    }
    let p = pack("melody", "", "modes = [\"dorian\", \"lydian\", \"aeolian\"]");
    let keys: std::collections::HashSet<_> =
        (0..12).map(|s| format!("{:?}", Conductor::new(&p.music, s).key())).collect();
    assert!(keys.len() >= 6, "only {} keys in 12 seeds", keys.len());
}

/// (5) No clicks, finite and bounded: every instrument and both harmony voices, through chord
/// changes, in odd block sizes, with the parameters at their extremes.
#[test]
fn click_free_finite_bounded() {
    let cases = [
        ("harmony", "instrument = \"pad\"\nattack_s = 0.5\ndetune_cents = 30.0\nvoices = 5"),
        ("harmony", "instrument = \"glass\"\noctave = 1\ncutoff_hz = 8000.0"),
        ("melody", "instrument = \"bell\"\ndensity = 60.0\nnote_s = 12.0\ntone = 1.0\nbeat_s = 0.2"),
        ("melody", "instrument = \"pluck\"\ndensity = 60.0\nnote_s = 12.0\ntone = 1.0\nregister_hz = 1500.0"),
        ("melody", "instrument = \"glass\"\ndensity = 40.0\nregister_hz = 110.0\ntone = 1.0"),
    ];
    for (kind, params) in cases {
        let p = pack(kind, params, "chord_s = [8.0, 8.0]");
        let cx = ctx(&p, Outcome::Calm, None, 21);
        let mut g = layers::build(&p.layers[0], &cx, &mut Rng::new(2), SR);
        let mut x = Vec::new();
        let mut rng = Rng::new(9);
        let mut t = 0.0;
        while t < 30.0 {
            let frames = 1 + rng.index(256);
            let mut buf = vec![0.0f32; frames * 2];
            let c = Control { frames, ..control(t, calm(20.0)(t)) };
            g.render(&c, &mut buf);
            x.extend_from_slice(&buf);
            t += frames as f64 / SR as f64;
        }
        let peak = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        assert!(x.iter().all(|v| v.is_finite()) && peak <= 0.9, "{kind} {params}: peak {peak}");
        let rms = (x.iter().map(|v| (v * v) as f64).sum::<f64>() / x.len() as f64).sqrt();
        let (click, at) = common::worst_click(&x);
        println!(
            "{kind} [{}]: peak {peak:.3}, rms {:.1} dBFS, worst click ratio {click:.1} at {at:.2} s",
            params.replace('\n', ", "),
            20.0 * rms.log10()
        );
        assert!(click < 10.0, "{kind} {params}: click ratio {click:.1} at {at:.3} s");
    }
}

/// Any schema-valid layer and `[music]` table, any outcome, sample rate and controls: the render
/// never allocates, stays finite and within ±0.9 (parameters drawn from the layers' own tables,
/// ends included).
#[test]
fn any_valid_parameters_render_safely() {
    use sonora_engine::layers::{harmony, melody};
    let mut rng = Rng::new(77);
    // Ends of the ranges a third of the time, anywhere between otherwise.
    let draw = |rng: &mut Rng, lo: f32, hi: f32| match rng.index(6) {
        0 => lo,
        1 => hi,
        _ => rng.range(lo, hi),
    };
    let modes =
        ["major_pentatonic", "minor_pentatonic", "ionian", "dorian", "lydian", "mixolydian", "aeolian"];
    for case in 0..48 {
        let (kind, table, choices) = if case % 2 == 0 {
            ("harmony", harmony::PARAMS, harmony::CHOICES)
        } else {
            ("melody", melody::PARAMS, melody::CHOICES)
        };
        let mut params = String::new();
        for d in table {
            let a = draw(&mut rng, d.min, d.max);
            let b = if d.follows == sonora_engine::pack::Follows::Fixed {
                a
            } else {
                draw(&mut rng, d.min, d.max)
            };
            params.push_str(&format!("{} = [{a:?}, {b:?}]\n", d.key));
        }
        for c in choices {
            params.push_str(&format!("{} = \"{}\"\n", c.key, c.options[case / 2 % c.options.len()]));
        }
        let lo = draw(&mut rng, 40.0, 400.0);
        let hi = (lo * draw(&mut rng, 1.07, 3.0)).min(440.0);
        let music = format!(
            "modes = [\"{}\", \"{}\"]\ntonic_hz = [{lo:?}, {hi:?}]\nchord_s = [{:?}, {:?}]",
            modes[rng.index(7)],
            modes[rng.index(7)],
            draw(&mut rng, 8.0, 40.0),
            draw(&mut rng, 8.0, 40.0)
        );
        let p = pack(kind, &params, &music);
        let outcome = [Outcome::Calm, Outcome::Focus, Outcome::Sleep][rng.index(3)];
        let total = [None, Some(60.0), Some(5.0)][rng.index(3)];
        let cx = ctx(&p, outcome, total, rng.next_u64());
        let sr = [8_000.0, 44_100.0, 48_000.0, 96_000.0][rng.index(4)];
        let mut g = layers::build(&p.layers[0], &cx, &mut Rng::new(case as u64), sr);
        let mut buf = vec![0.0f32; 512];
        let mut t = 0.0;
        for _ in 0..(3.0 * sr) as usize / 128 {
            let frames = [128, 1, 0, 255, 64][rng.index(5)];
            let c = Control {
                activity: draw(&mut rng, 0.0, 1.0),
                brightness: draw(&mut rng, 0.0, 1.0),
                sr,
                frames,
                mod_speed: [1.0, 8.0][rng.index(2)],
                t,
            };
            assert_no_alloc(|| g.render(&c, &mut buf[..frames * 2]));
            assert!(
                buf[..frames * 2].iter().all(|v| v.is_finite() && v.abs() <= 0.9),
                "{kind} at {sr} Hz, {params}{music}"
            );
            t += frames as f64 / sr as f64 * 20.0;
        }
    }
}

/// Both layers sound within the first 0.2 s (the scene calibrates each layer's gain on its
/// first two seconds), at the calibration's sped-up modulators.
#[test]
fn sounding_at_once() {
    for kind in ["harmony", "melody"] {
        let p = pack(kind, "", "");
        let cx = ctx(&p, Outcome::Sleep, Some(1800.0), 1);
        let mut g = layers::build(&p.layers[0], &cx, &mut Rng::new(1), SR);
        let mut buf = vec![0.0f32; BLOCK * 2];
        let mut energy = 0.0;
        for _ in 0..(0.2 * SR) as usize / BLOCK {
            g.render(&Control { mod_speed: 8.0, t: 0.0, ..control(0.0, (0.3, 0.3)) }, &mut buf);
            energy += buf.iter().map(|v| v * v).sum::<f32>();
        }
        assert!(energy > 1e-3, "{kind}: silent in the first 0.2 s ({energy})");
    }
}

/// Levels the scene's calibration can work with: the pad around -20 dBFS RMS, the melody's
/// notes (the loudest tenth of 100 ms windows: a sparse line is mostly rest) within -40..-15 dBFS
/// in every register, nothing near full scale.
#[test]
fn levels_sit_in_range() {
    let rms =
        |x: &[f32]| 20.0 * (x.iter().map(|v| (v * v) as f64).sum::<f64>() / x.len() as f64).sqrt().log10();
    let mut report = String::new();
    for (kind, params) in [
        ("harmony", "instrument = \"pad\""),
        ("harmony", "instrument = \"glass\""),
        ("melody", "instrument = \"bell\""),
        ("melody", "instrument = \"pluck\""),
        ("melody", "instrument = \"glass\""),
        ("melody", "instrument = \"pluck\"\nregister_hz = 1200.0"),
        ("melody", "instrument = \"bell\"\nregister_hz = 150.0"),
    ] {
        let p = pack(kind, params, "");
        let x = render(&p, &ctx(&p, Outcome::Calm, None, 3), 3, 40.0, calm(40.0));
        let mut w: Vec<f64> = x.chunks(9600).map(rms).collect();
        w.sort_by(|a, b| b.total_cmp(a));
        let (all, loud) = (rms(&x), w[w.len() / 10]);
        let peak = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        report.push_str(&format!(
            "{kind} [{}]: {all:.1} dBFS, notes {loud:.1} dBFS, peak {peak:.2}; ",
            params.replace('\n', ", ")
        ));
        let (lo, hi) = if kind == "harmony" { (-26.0, -12.0) } else { (-40.0, -15.0) };
        let level = if kind == "harmony" { all } else { loud };
        assert!((lo..hi).contains(&level) && peak < 0.7, "{kind} {params}: {level:.1} dBFS, peak {peak}");
    }
    println!("{report}");
}
