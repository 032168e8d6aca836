//! Property test of pack.rs's promise: "anything the schema accepts keeps the DSP finite and
//! inside [-1, 1] after the output stage". Random manifests are drawn from `pack::schema` (every
//! generator kind, every parameter anywhere in its range, log-spaced where the schema says so),
//! validated by the real parser, built into a scene and played in callback-sized blocks.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use sonora_engine::Source;
use sonora_engine::arc::SessionArc;
use sonora_engine::pack::{Follows, Kind, choices, parse_manifest, schema};
use sonora_proto::{Markers, Outcome};
use std::fmt::Write;
use std::path::Path;

/// Every generator kind but sample layers (built-in style manifests have no files).
fn kinds() -> Vec<Kind> {
    Kind::ALL.into_iter().filter(|k| *k != Kind::Sample).collect()
}

/// A value in [min, max] as f32 (the type pack.rs compares in), weighted towards the ends.
fn value(min: f32, max: f32, log: bool) -> BoxedStrategy<f32> {
    let inner = if log && min > 0.0 {
        let (a, b) = (min.ln(), max.ln());
        (0.0f32..=1.0).prop_map(move |u| (a + (b - a) * u).exp().clamp(min, max)).boxed()
    } else {
        (0.0f32..=1.0).prop_map(move |u| (min + (max - min) * u).clamp(min, max)).boxed()
    };
    prop_oneof![1 => Just(min), 1 => Just(max), 4 => inner].boxed()
}

fn num(v: f32) -> String {
    // Debug of the widened f32 is exact and always a valid TOML float ("40.0", "1e-5").
    format!("{:?}", v as f64)
}

/// One `[[layers]]` table of `kind` with every schema parameter set.
fn layer(kind: Kind, i: usize) -> BoxedStrategy<String> {
    let params: Vec<BoxedStrategy<String>> = schema(kind)
        .iter()
        .map(|d| {
            let key = d.key;
            if d.follows == Follows::Fixed {
                value(d.min, d.max, d.log).prop_map(move |v| format!("{key} = {}\n", num(v))).boxed()
            } else {
                (value(d.min, d.max, d.log), value(d.min, d.max, d.log))
                    .prop_map(move |(a, b)| format!("{key} = [{}, {}]\n", num(a), num(b)))
                    .boxed()
            }
        })
        .collect();
    // Choice parameters (colour, instrument, machine type): one of their options each.
    let choice: Vec<BoxedStrategy<String>> = choices(kind)
        .iter()
        .map(|c| {
            let key = c.key;
            prop::sample::select(c.options.to_vec()).prop_map(move |o| format!("{key} = \"{o}\"\n")).boxed()
        })
        .collect();
    let extra: BoxedStrategy<String> = match kind {
        Kind::Drone => (
            prop::collection::vec(value(20.0, 1000.0, true), 1..=16),
            prop::collection::vec(prop::collection::vec(-24i32..=48, 1..=6), 1..=8),
        )
            .prop_map(|(roots, chords)| {
                let roots: Vec<String> = roots.into_iter().map(num).collect();
                let chords: Vec<String> = chords.iter().map(|c| format!("{c:?}")).collect();
                format!("roots_hz = [{}]\nchords = [{}]\n", roots.join(", "), chords.join(", "))
            })
            .boxed(),
        _ => Just(String::new()).boxed(),
    };
    let levels =
        (value(-60.0, 12.0, false), value(-1.0, 1.0, false), value(-1.0, 1.0, false), value(0.0, 1.0, false));
    (params, choice, extra, levels, 0u8..4)
        .prop_map(move |(params, choice, extra, (gain, pan_a, pan_b, space), enter)| {
            let mut s = format!(
                "\n[[layers]]\nname = \"l{i}\"\nkind = \"{}\"\ngain_db = {}\npan = [{}, {}]\nspace = {}\n",
                kind.as_str(),
                num(gain),
                num(pan_a),
                num(pan_b),
                num(space)
            );
            // Mostly present from the start, so the few rendered blocks hear it.
            let _ = writeln!(s, "enter_s = {}", [0.0, 0.0, 0.0, 0.01][enter as usize]);
            s.push_str("[layers.params]\n");
            for p in params.iter().chain(&choice) {
                s.push_str(p);
            }
            s.push_str(&extra);
            s
        })
        .boxed()
}

fn manifest() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(kinds()), 1..=4).prop_flat_map(|kinds| {
        let layers: Vec<_> = kinds.iter().enumerate().map(|(i, k)| layer(*k, i)).collect();
        (layers, value(0.0, 1.0, false), value(0.0, 1.0, false), value(0.0, 1.0, false)).prop_map(
            |(layers, s, e, f)| {
                format!(
                    "name = \"prop\"\nversion = \"1\"\noutcomes = [\"calm\", \"focus\", \"sleep\"]\n\
                     [markers]\nstress = {}\nenergy = {}\nfatigue = {}\n{}",
                    num(s),
                    num(e),
                    num(f),
                    layers.concat()
                )
            },
        )
    })
}

fn markers() -> impl Strategy<Value = Option<(Markers, f64)>> {
    prop::option::of(
        ((0.0..=1.0f64), (0.0..=1.0f64), (0.0..=1.0f64), (0.0..=1.0f64))
            .prop_map(|(stress, fatigue, energy, c)| (Markers { stress, fatigue, energy }, c)),
    )
}

fn render(
    text: &str,
    outcome: Outcome,
    markers: Option<(Markers, f64)>,
    minutes: Option<f64>,
    seed: u64,
    sample_rate: u32,
    volumes: &[(f64, bool)],
) -> Result<(), TestCaseError> {
    let pack = parse_manifest(text, Path::new("prop/pack.toml"), None)
        .map_err(|e| TestCaseError::fail(format!("the schema-valid manifest was refused: {e}\n{text}")))?;
    let arc = SessionArc::new(outcome, markers, minutes, pack.markers);
    let layers = pack.layers.iter().zip(volumes.iter().cycle()).map(|(l, (v, m))| (l, *v, *m)).collect();
    let (mut scene, control) = sonora_engine::scene::build(sonora_engine::scene::Plan {
        pack: &pack,
        layers,
        arc,
        seed,
        sample_rate,
        focus_pulse: true,
    });
    // 480-frame callbacks (what cpal asks for at 48 kHz / 10 ms), half a second, with a live
    // volume change half way like `sonoractl layer` makes.
    let mut out = vec![0.0f32; 960];
    let blocks = sample_rate as usize / 2 / 480;
    for b in 0..blocks {
        if b == blocks / 2 {
            for l in control.layers() {
                let _ = control.set_layer(&l.name, Some(1.0), Some(false));
            }
        }
        scene.fill(&mut out);
        if let Some((i, s)) = out.iter().enumerate().find(|(_, s)| !(s.is_finite() && s.abs() <= 1.0)) {
            return Err(TestCaseError::fail(format!(
                "block {b} sample {i} is {s} at {sample_rate} Hz, outcome {outcome}\n{text}"
            )));
        }
    }
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), max_shrink_iters: 200, ..ProptestConfig::default() })]

    /// Device rates the daemon actually opens (cpal's default output config).
    #[test]
    fn schema_valid_scenes_stay_finite_and_in_range(
        text in manifest(),
        outcome in prop::sample::select(Outcome::ALL.to_vec()),
        markers in markers(),
        minutes in prop::option::of(0.05..=1440.0f64),
        seed in any::<u64>(),
        sample_rate in prop::sample::select(vec![44_100u32, 48_000, 96_000]),
        volumes in prop::collection::vec(((0.0..=1.0f64), any::<bool>()), 1..4),
    ) {
        render(&text, outcome, markers, minutes, seed, sample_rate, &volumes)?;
    }

    /// `build_scene` accepts 8..192 kHz; low rates put schema cutoffs (up to 20 kHz) above Nyquist.
    #[test]
    fn low_and_high_sample_rates_stay_finite_and_in_range(
        text in manifest(),
        seed in any::<u64>(),
        sample_rate in prop::sample::select(vec![8_000u32, 16_000, 22_050, 192_000]),
    ) {
        render(&text, Outcome::Calm, None, None, seed, sample_rate, &[(1.0, false)])?;
    }
}
