//! The procedural nature and room layers (birds, thunder, leaves, machine, bowl, deep), each
//! rendered alone from a real manifest entry under slowly moving, arc-like controls and measured
//! on the audio: clean (finite, bounded, no clicks, no DC), deterministic per seed, different
//! across seeds, and each doing what makes it that sound (bird calls follow density inside the
//! song band, thunder is low and rare, beds hold steady, bowl partials are inharmonic and ring
//! long, rustle follows the gusts).
//!
//! `cargo test --release -p sonora-engine --test nature -- --ignored --nocapture` prints each
//! kind's render cost.

mod common;

use common::{SR, brightness_hz, worst_click};
use rustfft::{FftPlanner, num_complex::Complex};
use sonora_engine::dsp::rng::Rng;
use sonora_engine::layers::{self, Control, SceneCtx};
use sonora_engine::pack::{Follows, Kind, LayerSpec, MusicSpec, parse_manifest, schema};
use sonora_proto::Outcome;
use std::path::Path;

const BLOCK: usize = 128;

/// Debug builds abort on any allocation inside `assert_no_alloc` (the allocator is compiled out
/// of release builds, which the cost test uses).
#[cfg(debug_assertions)]
#[global_allocator]
static A: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

/// A layer of `kind` with the given `[layers.params]` lines, through the real parser.
fn spec(kind: &str, params: &str) -> LayerSpec {
    let text = format!(
        "name = \"t\"\nversion = \"1\"\noutcomes = [\"calm\"]\n\
         [[layers]]\nname = \"l\"\nkind = \"{kind}\"\n[layers.params]\n{params}"
    );
    parse_manifest(&text, Path::new("t/pack.toml"), None).unwrap().layers.remove(0)
}

/// Activity and brightness over a render: settling from moderately lively towards rest, with a
/// slow wobble, as a calm session's arc does.
fn arc(t: f64, secs: f64) -> (f32, f32) {
    let x = (t / secs).clamp(0.0, 1.0);
    let wobble = 0.05 * (t / 7.0).sin();
    ((0.6 - 0.4 * x + wobble) as f32, (0.55 - 0.3 * x + wobble) as f32)
}

/// Renders `secs` of a layer alone in scene-sized blocks; `ctl` gives (activity, brightness) at
/// each time.
fn render_with(spec: &LayerSpec, seed: u64, secs: f64, ctl: impl Fn(f64) -> (f32, f32)) -> Vec<f32> {
    let music = MusicSpec::default();
    let ctx = SceneCtx {
        outcome: Outcome::Calm,
        total_s: Some(1200.0),
        settle_s: 300.0,
        music: &music,
        music_seed: 7,
    };
    let mut g = layers::build(spec, &ctx, &mut Rng::new(seed), SR as f32);
    let frames = (secs * SR as f64) as usize;
    let mut out = vec![0.0f32; frames * 2];
    for (b, chunk) in out.chunks_mut(BLOCK * 2).enumerate() {
        let t = (b * BLOCK) as f64 / SR as f64;
        let (activity, brightness) = ctl(t);
        let c = Control { activity, brightness, sr: SR as f32, frames: chunk.len() / 2, mod_speed: 1.0, t };
        g.render(&c, chunk);
    }
    out
}

fn render(spec: &LayerSpec, seed: u64, secs: f64) -> Vec<f32> {
    render_with(spec, seed, secs, |t| arc(t, secs))
}

fn channel(x: &[f32], ch: usize) -> impl Iterator<Item = f64> + '_ {
    x.iter().skip(ch).step_by(2).map(|v| *v as f64)
}

fn rms_db(x: &[f32]) -> f64 {
    let ms = x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    10.0 * ms.max(1e-20).log10()
}

/// Largest |mean| of either channel over any 10 s window (starting every 50 ms).
fn worst_dc(x: &[f32]) -> f64 {
    let w = 10 * SR as usize;
    let mut worst = 0.0f64;
    for ch in 0..2 {
        let mut pre = vec![0.0f64];
        for v in channel(x, ch) {
            pre.push(pre[pre.len() - 1] + v);
        }
        for start in (0..pre.len().saturating_sub(w)).step_by(SR as usize / 20) {
            worst = worst.max(((pre[start + w] - pre[start]) / w as f64).abs());
        }
    }
    worst
}

/// Welch power spectrum of the mid signal (Hann, `n`-point, half overlap): power per bin.
fn spectrum(x: &[f32], n: usize) -> Vec<f64> {
    let m: Vec<f64> = x.chunks_exact(2).map(|f| (f[0] + f[1]) as f64 * 0.5).collect();
    let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
    let hann: Vec<f64> =
        (0..n).map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos()).collect();
    let mut p = vec![0.0f64; n / 2];
    let mut at = 0;
    while at + n <= m.len() {
        let mut buf: Vec<Complex<f64>> = (0..n).map(|i| Complex::new(m[at + i] * hann[i], 0.0)).collect();
        fft.process(&mut buf);
        for (acc, c) in p.iter_mut().zip(&buf) {
            *acc += c.norm_sqr();
        }
        at += n / 2;
    }
    p
}

/// Share of the spectrum's power between `lo` and `hi` Hz.
fn band_share(p: &[f64], n: usize, lo: f64, hi: f64) -> f64 {
    let hz = SR as f64 / n as f64;
    let total: f64 = p.iter().sum();
    let band: f64 =
        p.iter().enumerate().filter(|(i, _)| (lo..hi).contains(&(*i as f64 * hz))).map(|(_, v)| v).sum();
    band / total.max(1e-30)
}

/// RMS level (dB) of consecutive windows of `secs`.
fn levels(x: &[f32], secs: f64) -> Vec<f64> {
    let w = (secs * SR as f64) as usize * 2;
    x.chunks(w).filter(|c| c.len() == w).map(rms_db).collect()
}

/// Every layer this file covers, as (label, kind, params).
fn layers_under_test() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("birds", "birds", ""),
        ("thunder", "thunder", "rolls_per_min = [1.0, 2.0]\n"),
        ("leaves", "leaves", ""),
        ("machine/room", "machine", "type = \"room\"\n"),
        ("machine/fan", "machine", "type = \"fan\"\n"),
        ("machine/fan hi", "machine", "type = \"fan\"\ncutoff_hz = [1200.0, 3000.0]\n"),
        ("machine/train", "machine", "type = \"train\"\n"),
        ("bowl", "bowl", "interval_s = [25.0, 20.0]\n"),
        ("deep", "deep", ""),
    ]
}

/// A minute of each layer: finite, inside ±0.9, at a sensible level, with no clicks and no DC.
#[test]
fn each_layer_renders_clean() {
    for (label, kind, params) in layers_under_test() {
        let x = render(&spec(kind, params), 11, 60.0);
        assert!(x.iter().all(|v| v.is_finite() && v.abs() <= 0.9), "{label}: non-finite or beyond ±0.9");
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let level = rms_db(&x);
        let (click, at) = worst_click(&x);
        let dc = worst_dc(&x);
        println!("{label:14} rms {level:6.1} dBFS  peak {peak:.3}  worst click {click:.1}x  dc {dc:.1e}");
        assert!((-45.0..-6.0).contains(&level), "{label}: level {level:.1} dBFS");
        assert!(click < 8.0, "{label}: click {click:.1}x at {at:.3} s");
        assert!(dc < 1e-4, "{label}: DC {dc:e}");
    }
}

/// Same seed, bit-identical; another seed, different sound.
#[test]
fn seeds_are_deterministic_and_distinct() {
    for (label, kind, params) in layers_under_test() {
        let s = spec(kind, params);
        let a = render(&s, 5, 6.0);
        let b = render(&s, 5, 6.0);
        let c = render(&s, 6, 6.0);
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()), "{label}: same seed differs");
        let diff = a.iter().zip(&c).filter(|(x, y)| x != y).count();
        assert!(diff > a.len() / 10, "{label}: seeds 5 and 6 give nearly the same audio");
    }
}

/// The realtime path never allocates: 20 s of each layer, at its busiest settings too, in
/// scene-sized and odd-sized blocks, with calibration's fast modulators.
#[cfg(debug_assertions)]
#[test]
fn render_never_allocates() {
    let music = MusicSpec::default();
    let ctx =
        SceneCtx { outcome: Outcome::Calm, total_s: None, settle_s: 60.0, music: &music, music_seed: 1 };
    let mut all = layers_under_test();
    all.push(("birds (chorus)", "birds", "density = [60.0, 60.0]\nspecies = 6\n"));
    all.push(("leaves (dense)", "leaves", "rustle = [800.0, 800.0]\n"));
    let mut out = vec![0.0f32; 800];
    for (label, kind, params) in all {
        let mut g = layers::build(&spec(kind, params), &ctx, &mut Rng::new(9), SR as f32);
        let mut rng = Rng::new(1);
        let mut t = 0.0;
        while t < 20.0 {
            let frames = if rng.unit() < 0.8 { BLOCK } else { 1 + rng.index(400) };
            let c = Control {
                activity: rng.unit(),
                brightness: rng.unit(),
                sr: SR as f32,
                frames,
                mod_speed: if t < 2.0 { 8.0 } else { 1.0 },
                t,
            };
            let buf = &mut out[..frames * 2];
            assert_no_alloc::assert_no_alloc(|| g.render(&c, buf));
            t += frames as f64 / SR as f64;
        }
        assert!(out.iter().all(|v| v.is_finite()), "{label}");
    }
}

/// Every parameter at the ends of its range, under extreme controls, at odd block sizes and
/// other sample rates: no panic, finite, bounded.
#[test]
fn schema_extremes_stay_finite() {
    let music = MusicSpec::default();
    let ctx =
        SceneCtx { outcome: Outcome::Calm, total_s: None, settle_s: 60.0, music: &music, music_seed: 1 };
    let kinds = [Kind::Birds, Kind::Thunder, Kind::Leaves, Kind::Machine, Kind::Bowl, Kind::Deep];
    let mut rng = Rng::new(42);
    for kind in kinds {
        let types: &[&str] = if kind == Kind::Machine { &["room", "fan", "train"] } else { &[""] };
        for ty in types {
            for end in 0..3 {
                let mut params = String::new();
                for d in schema(kind) {
                    let v = match end {
                        0 => d.min,
                        1 => d.max,
                        _ => d.min + (d.max - d.min) * rng.unit(),
                    };
                    let v = format!("{:?}", v as f64);
                    if d.follows == Follows::Fixed {
                        params.push_str(&format!("{} = {v}\n", d.key));
                    } else {
                        params.push_str(&format!("{} = [{v}, {v}]\n", d.key));
                    }
                }
                if !ty.is_empty() {
                    params.push_str(&format!("type = \"{ty}\"\n"));
                }
                let s = spec(kind.as_str(), &params);
                for sr in [48_000.0f32, 44_100.0, 8_000.0] {
                    let mut g = layers::build(&s, &ctx, &mut Rng::new(3), sr);
                    let mut t = 0.0;
                    while t < 3.0 {
                        let frames = 1 + rng.index(400);
                        let mut out = vec![0.0f32; frames * 2];
                        let c = Control {
                            activity: [0.0, 1.0][rng.index(2)],
                            brightness: [0.0, 1.0][rng.index(2)],
                            sr,
                            frames,
                            mod_speed: [1.0, 8.0][rng.index(2)],
                            t,
                        };
                        g.render(&c, &mut out);
                        assert!(
                            out.iter().all(|v| v.is_finite() && v.abs() <= 0.9),
                            "{kind:?} {ty} end {end} at {sr} Hz: bad sample\n{params}"
                        );
                        t += frames as f64 / sr as f64;
                    }
                }
            }
        }
    }
}

/// What loudness calibration hears (2 s at the opening, modulators at 8x, t = 0): something from
/// every layer, or its gain would come out 0.
#[test]
fn calibration_hears_every_layer() {
    let music = MusicSpec::default();
    let ctx =
        SceneCtx { outcome: Outcome::Calm, total_s: None, settle_s: 60.0, music: &music, music_seed: 1 };
    for (label, kind, params) in layers_under_test() {
        for seed in 0..6 {
            let mut g = layers::build(&spec(kind, params), &ctx, &mut Rng::new(seed), SR as f32);
            let mut out = vec![0.0f32; 2 * SR as usize * 2];
            for chunk in out.chunks_mut(BLOCK * 2) {
                let c = Control {
                    activity: 0.5,
                    brightness: 0.5,
                    sr: SR as f32,
                    frames: BLOCK,
                    mod_speed: 8.0,
                    t: 0.0,
                };
                g.render(&c, chunk);
            }
            let level = rms_db(&out[out.len() / 8..]);
            assert!(level > -50.0, "{label} seed {seed}: calibration hears {level:.1} dBFS");
        }
    }
}

/// Bird phrases: time spans of activity in the song band, with gaps under 0.35 s inside a phrase.
fn phrases(x: &[f32]) -> usize {
    let w = SR as usize / 100 * 2; // 10 ms
    let env: Vec<f64> = x.chunks(w).map(rms_db).collect();
    let (mut count, mut quiet) = (0, usize::MAX);
    for e in env {
        if e > -60.0 {
            if quiet > 35 {
                count += 1;
            }
            quiet = 0;
        } else {
            quiet = quiet.saturating_add(1);
        }
    }
    count
}

/// Birds: calls per minute follow `density` (a lone bird at the bottom, a chorus at the top), and
/// every call lies in the song band.
#[test]
fn birds_follow_density_in_the_song_band() {
    let secs = 120.0;
    let sparse = spec("birds", "density = [3.0, 3.0]\nspecies = 2\n");
    let dense = spec("birds", "density = [30.0, 30.0]\nspecies = 6\n");
    let (mut few, mut many) = (0, 0);
    for seed in [1, 2] {
        let a = render(&sparse, seed, secs);
        let b = render(&dense, seed, secs);
        few += phrases(&a);
        many += phrases(&b);
        for x in [&a, &b] {
            let p = spectrum(x, 4096);
            let share = band_share(&p, 4096, 1400.0, 7500.0);
            assert!(
                share > 0.97,
                "seed {seed}: only {:.1} % of the birds' power is in 1.4-7.5 kHz",
                share * 100.0
            );
        }
    }
    let (few_pm, many_pm) = (few as f64 / 4.0, many as f64 / 4.0);
    println!("birds: {few_pm:.1} phrases/min at density 3, {many_pm:.1} at density 30");
    assert!((1.5..=6.0).contains(&few_pm), "density 3/min gave {few_pm} phrases/min");
    assert!(many_pm > 3.0 * few_pm && many_pm >= 12.0, "density 30/min gave {many_pm} phrases/min");
}

/// Thunder: its energy is below ~300 Hz, and rolls are rare (counted as rises of the 0.5 s
/// envelope well above the bed), with each lasting seconds.
#[test]
fn thunder_is_low_and_rare() {
    let secs = 240.0;
    let s = spec("thunder", "rolls_per_min = [1.0, 1.0]\ndistance = 0.5\n");
    let mut rolls = 0;
    for seed in [1, 2] {
        let x = render(&s, seed, secs);
        let p = spectrum(&x, 8192);
        let low = band_share(&p, 8192, 0.0, 300.0);
        assert!(low > 0.97, "seed {seed}: only {:.1} % of thunder's power is below 300 Hz", low * 100.0);
        let env = levels(&x, 0.5);
        let mut sorted = env.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let bed = sorted[sorted.len() / 10];
        let (mut up, mut loud_windows) = (false, 0);
        for e in &env {
            if *e > bed + 12.0 {
                loud_windows += 1;
                if !up {
                    rolls += 1;
                    up = true;
                }
            } else if *e < bed + 6.0 {
                up = false;
            }
        }
        // A roll lasts seconds: at least four loud half-second windows per roll on average.
        assert!(loud_windows >= 4, "seed {seed}: {loud_windows} loud windows");
    }
    let per_min = rolls as f64 / (2.0 * secs / 60.0);
    println!("thunder: {per_min:.2} rolls/min at rolls_per_min = 1");
    assert!((0.25..=2.0).contains(&per_min), "{per_min} rolls/min");
}

/// Beds for focus hold steady: every 5 s window within ±1.5 dB of their median level.
#[test]
fn beds_hold_steady() {
    for (label, kind, params) in [
        ("machine/room", "machine", "type = \"room\"\n"),
        ("machine/fan", "machine", "type = \"fan\"\n"),
        ("machine/train", "machine", "type = \"train\"\n"),
        ("deep", "deep", ""),
    ] {
        let x = render_with(&spec(kind, params), 3, 90.0, |_| (0.3, 0.4));
        let lv: Vec<f64> = x.chunks(5 * SR as usize * 2).map(common::lufs).collect();
        let mut sorted = lv.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let median = sorted[sorted.len() / 2];
        let worst = lv.iter().map(|v| (v - median).abs()).fold(0.0, f64::max);
        println!("{label:14} 5 s loudness within ±{worst:.2} dB");
        assert!(worst <= 1.5, "{label}: a 5 s window is {worst:.2} dB off the median");
    }
}

/// Room tone carries its faint mains hum; the train is the darkest machine, the fan the brightest.
#[test]
fn machines_have_their_character() {
    let n = 16384;
    let room =
        render_with(&spec("machine", "type = \"room\"\nhum_hz = 50.0\nhum_level = 1.0\n"), 1, 20.0, |_| {
            (0.3, 0.4)
        });
    let p = spectrum(&room, n);
    let bin = (50.0 * n as f64 / SR as f64).round() as usize;
    let around: f64 = (bin + 5..bin + 25).map(|i| p[i]).sum::<f64>() / 20.0;
    let hum = p[bin - 1..=bin + 1].iter().cloned().fold(0.0, f64::max);
    assert!(hum > 10.0 * around, "no 50 Hz hum peak: {hum:e} vs {around:e}");
    // Share of power below 300 Hz: the train is mostly rumble, the fan mostly air.
    let low = |ty: &str| {
        let x = render_with(&spec("machine", &format!("type = \"{ty}\"\n")), 1, 10.0, |_| (0.3, 0.4));
        band_share(&spectrum(&x, 4096), 4096, 0.0, 300.0)
    };
    let (room, fan, train) = (low("room"), low("fan"), low("train"));
    println!("machine power below 300 Hz: room {room:.2}, fan {fan:.2}, train {train:.2}");
    assert!(train > room && room > fan && train > 0.6, "room {room}, fan {fan}, train {train}");
}

/// Bowl: the partials of a strike are inharmonic, and it rings for tens of seconds.
#[test]
fn bowl_is_inharmonic_and_rings_long() {
    let s = spec("bowl", "interval_s = [120.0, 120.0]\ndecay_s = 40.0\nrub = 0.0\npitch_hz = 200.0\n");
    for seed in [1, 2, 3] {
        let x = render(&s, seed, 32.0);
        // Strongest peaks (local maxima, with the beating pairs inside one peak) in 1-5 s.
        let n = 32768;
        let p = spectrum(&x[2 * SR as usize..10 * SR as usize], n);
        let hz = SR as f64 / n as f64;
        let mut peaks: Vec<(f64, f64)> = (2..p.len() - 2)
            .filter(|&i| p[i] >= p[i - 1] && p[i] >= p[i + 1] && p[i] >= p[i - 2] && p[i] >= p[i + 2])
            .map(|i| (p[i], i as f64 * hz))
            .collect();
        peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
        let f1 = peaks[0].1;
        let partial = peaks.iter().skip(1).find(|(_, f)| *f > 1.5 * f1).expect("a second partial").1;
        let ratio = partial / f1;
        println!("bowl seed {seed}: fundamental {f1:.1} Hz, next partial at {ratio:.3}x");
        assert!((ratio - ratio.round()).abs() > 0.15, "partial ratio {ratio:.3} is nearly harmonic");
        let lv = levels(&x, 2.0);
        let (early, later, late) = (lv[1], lv[6], lv[14]);
        println!("bowl seed {seed}: {early:.1} dBFS at 2-4 s, {later:.1} at 12-14 s, {late:.1} at 28-30 s");
        assert!(early - later > 2.0 && early - later < 20.0, "10 s decay {:.1} dB", early - later);
        assert!(late > -60.0, "silent after 28 s: {late:.1} dBFS");
    }
}

/// Deep: dark and brown, its low-pass following brightness.
#[test]
fn deep_follows_brightness() {
    let s = spec("deep", "");
    let dark = brightness_hz(&render_with(&s, 4, 10.0, |_| (0.3, 0.0)));
    let bright = brightness_hz(&render_with(&s, 4, 10.0, |_| (0.3, 1.0)));
    println!("deep: {dark:.0} Hz dark, {bright:.0} Hz bright");
    assert!(bright > dark * 1.3 && bright < 600.0, "dark {dark}, bright {bright}");
}

/// Leaves: the rustle grains come with the gusts. The canopy and the grains draw from separate
/// random streams, so the same seed without rustle is the canopy alone and the difference is the
/// grains alone.
#[test]
fn rustle_follows_the_gusts() {
    let with = spec("leaves", "rustle = [300.0, 300.0]\ngust_hz = [0.1, 0.1]\n");
    let without = spec("leaves", "rustle = [0.0, 0.0]\ngust_hz = [0.1, 0.1]\n");
    let a = render(&with, 2, 60.0);
    let b = render(&without, 2, 60.0);
    let grains: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    let (g, c) = (levels(&grains, 1.0), levels(&b, 1.0));
    let range = c.iter().cloned().fold(f64::MIN, f64::max) - c.iter().cloned().fold(f64::MAX, f64::min);
    let n = g.len() as f64;
    let (mg, mc) = (g.iter().sum::<f64>() / n, c.iter().sum::<f64>() / n);
    let cov: f64 = g.iter().zip(&c).map(|(x, y)| (x - mg) * (y - mc)).sum();
    let corr = cov
        / (g.iter().map(|x| (x - mg).powi(2)).sum::<f64>() * c.iter().map(|y| (y - mc).powi(2)).sum::<f64>())
            .sqrt();
    println!("leaves: canopy level range {range:.1} dB, grain/canopy level correlation {corr:.2}");
    assert!(range > 4.0, "canopy barely gusts: {range:.1} dB");
    assert!(corr > 0.6, "rustle does not follow the gusts: r = {corr:.2}");
    assert!(rms_db(&grains) > rms_db(&b) - 25.0, "rustle inaudible");
}

/// Through a real scene (calibration, space, limiter): each layer alone (30 s), and all six
/// together (60 s), come out near the scene's loudness target with headroom to spare. Event layers are calibrated
/// on their first event, so they may sit some decibels off the target over a whole render.
#[test]
fn scenes_of_the_new_layers_are_calibrated() {
    use sonora_engine::Source;
    use sonora_engine::arc::SessionArc;
    let mut all = String::new();
    for (i, (_, kind, params)) in layers_under_test().into_iter().enumerate() {
        all.push_str(&format!("[[layers]]\nname = \"l{i}\"\nkind = \"{kind}\"\n[layers.params]\n{params}"));
    }
    let pack = |layers: &str| {
        let text = format!("name = \"t\"\nversion = \"1\"\noutcomes = [\"calm\"]\n{layers}");
        parse_manifest(&text, Path::new("t/pack.toml"), None).unwrap()
    };
    let mut cases: Vec<(String, sonora_engine::pack::Pack)> = vec![("all six".into(), pack(&all))];
    for (label, kind, params) in layers_under_test() {
        cases.push((
            label.into(),
            pack(&format!("[[layers]]\nname = \"l\"\nkind = \"{kind}\"\n[layers.params]\n{params}")),
        ));
    }
    for (label, p) in &cases {
        let arc = SessionArc::new(Outcome::Calm, None, Some(20.0), p.markers);
        let layers = p.layers.iter().map(|l| (l, 1.0, false)).collect();
        let (mut scene, _) = sonora_engine::scene::build(sonora_engine::scene::Plan {
            pack: p,
            layers,
            arc,
            seed: 4,
            sample_rate: SR,
            focus_pulse: false,
        });
        let secs = if label == "all six" { 60 } else { 30 };
        let mut x = vec![0.0f32; secs * SR as usize * 2];
        for chunk in x.chunks_mut(960) {
            scene.fill(chunk);
        }
        let r = common::reference(&x);
        println!("scene of {label:14}: {:.1} LUFS, sample peak {:.2}", r.integrated, r.sample_peak);
        assert!(x.iter().all(|v| v.is_finite()), "{label}");
        assert!((-32.0..-17.0).contains(&r.integrated), "{label}: {:.1} LUFS", r.integrated);
        assert!(r.sample_peak < 0.9, "{label}: peak {}", r.sample_peak);
    }
}
