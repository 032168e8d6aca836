//! Pack loading: the manifest schema, clear errors for broken packs, last-good-version
//! behaviour, sample layers (decoding, resampling, seamless loops) and presets.

mod common;
use common::*;
use sonora_engine::pack::{Kind, schema};
use sonora_engine::{EngineError, PackLibrary, Preset, PresetLayer, SceneRequest, build_scene};
use sonora_proto::Outcome;
use std::path::Path;

const GOOD: &str = r#"
name = "test-pack"
version = "0.1.0"
description = "test"
outcomes = ["calm", "focus"]

[[layers]]
name = "bed"
kind = "noise"
[layers.params]
color = "pink"
cutoff_hz = [500.0, 3000.0]

[[layers]]
name = "loop"
kind = "sample"
file = "tone.wav"
gain_db = -6.0
[layers.params]
loop_crossfade_s = 0.3
"#;

/// Writes a 2 s 44.1 kHz mono WAV: a 440 Hz tone with a slow tremolo (so resampling and loop
/// seams would show as clicks if they were wrong).
fn write_tone(path: &Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..88_200 {
        let t = i as f32 / 44_100.0;
        let v = 0.4 * (2.0 * std::f32::consts::PI * 440.0 * t).sin() * (0.7 + 0.3 * (3.0 * t).sin());
        w.write_sample((v * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

fn make_pack(root: &Path, manifest: &str) -> std::path::PathBuf {
    let dir = root.join("test-pack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pack.toml"), manifest).unwrap();
    write_tone(&dir.join("tone.wav"));
    dir
}

fn error_of(lib: &PackLibrary) -> String {
    lib.infos().into_iter().find(|i| i.name == "test-pack").and_then(|i| i.error).unwrap_or_default()
}

#[test]
fn user_pack_with_sample_loads_and_loops_without_clicks() {
    let root = scratch("sample-pack");
    make_pack(&root, GOOD);
    let lib = PackLibrary::load(std::slice::from_ref(&root));
    let info = lib.infos().into_iter().find(|i| i.name == "test-pack").unwrap();
    assert_eq!(info.state, "loaded", "{:?}", info.error);
    assert_eq!(info.outcomes, vec![Outcome::Calm, Outcome::Focus]);
    let preset = Preset {
        pack: "test-pack".into(),
        layers: vec![PresetLayer { name: "loop".into(), volume: 1.0, muted: false }],
    };
    let req = SceneRequest { preset: Some(preset.clone()), ..req(Outcome::Calm, 1, None) };
    // 10 s of a 2 s loop: at least four seams.
    let x = play(&req, &lib, 10.0);
    assert!(all_finite_and_bounded(&x));
    assert!(lufs(&x) > -30.0, "sample layer should be audible");
    let (click, at) = worst_click(&x);
    assert!(click < 8.0, "loop seam click {click:.1}x at {at:.3} s");
    let (_, ctl) = build_scene(&req, &lib).unwrap();
    assert_eq!(ctl.preset(), preset);
    assert_eq!(ctl.pack_name().as_deref(), Some("test-pack"));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn broken_packs_report_file_line_field_and_keep_last_good() {
    let root = scratch("broken");
    let dir = make_pack(&root, GOOD);
    let mut lib = PackLibrary::load(std::slice::from_ref(&root));
    assert!(error_of(&lib).is_empty());
    let manifest = dir.join("pack.toml");
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("bad toml", GOOD.replace("outcomes = [", "outcomes = [[["), &["pack.toml:7", "invalid array"]),
        (
            "absurd density",
            GOOD.replace("cutoff_hz = [500.0, 3000.0]", "cutoff_hz = [500.0, 1e9]"),
            &["pack.toml:12", "layers[0].params.cutoff_hz", "outside"],
        ),
        (
            "unknown param",
            GOOD.replace("color = \"pink\"", "colour = \"pink\""),
            &["params.colour", "unknown parameter"],
        ),
        ("bad gain", GOOD.replace("gain_db = -6.0", "gain_db = 400"), &["pack.toml:18", "layers[1].gain_db"]),
        (
            "unknown kind",
            GOOD.replace("kind = \"noise\"", "kind = \"thunderstorm\""),
            &["pack.toml:9", "thunderstorm"],
        ),
        (
            "missing file",
            GOOD.replace("tone.wav", "missing.wav"),
            &["missing.wav", "layers[1].file", "cannot open"],
        ),
        ("escaping path", GOOD.replace("tone.wav", "../tone.wav"), &["layers[1].file", "inside the pack"]),
        (
            "no outcomes",
            GOOD.replace("outcomes = [\"calm\", \"focus\"]", "outcomes = []"),
            &["pack.toml:5", "outcomes"],
        ),
    ];
    for (what, text, needles) in cases {
        std::fs::write(&manifest, text).unwrap();
        lib.reload(std::slice::from_ref(&root));
        let err = error_of(&lib);
        for n in needles {
            assert!(err.contains(n), "{what}: error '{err}' should mention '{n}'");
        }
        let info = lib.infos().into_iter().find(|i| i.path == dir.display().to_string()).unwrap();
        assert_eq!(info.state, "error", "{what}");
        // The last good version is still playable.
        let pack = lib.get("test-pack").expect("last good version kept");
        assert_eq!(pack.layers.len(), 2, "{what}");
        println!("{what}: {err}");
    }
    // Corrupt audio: the file exists but is not audio.
    std::fs::write(&manifest, GOOD).unwrap();
    std::fs::write(dir.join("tone.wav"), b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunkjunk").unwrap();
    lib.reload(std::slice::from_ref(&root));
    let err = error_of(&lib);
    assert!(err.contains("tone.wav") && err.contains("layers[1].file"), "corrupt audio: {err}");
    assert!(lib.get("test-pack").is_some());
    println!("corrupt audio: {err}");
    // Fixing the pack clears the error.
    write_tone(&dir.join("tone.wav"));
    lib.reload(std::slice::from_ref(&root));
    assert!(error_of(&lib).is_empty());
    // A pack broken on first sight is listed with its error and not used.
    let root2 = scratch("broken-first");
    make_pack(&root2, "name = ");
    let lib2 = PackLibrary::load(std::slice::from_ref(&root2));
    let info = lib2.infos().into_iter().find(|i| i.path.ends_with("test-pack")).unwrap();
    assert_eq!(info.state, "error");
    assert!(lib2.get("test-pack").is_none());
    let _ = std::fs::remove_dir_all(root);
    let _ = std::fs::remove_dir_all(root2);
}

/// Every value the schema accepts keeps the output finite and within [-1, 1]: each generator is
/// rendered with all its parameters at their minimum, then at their maximum, at both arc ends.
#[test]
fn schema_extremes_stay_finite_and_bounded() {
    let kinds = [
        Kind::Noise,
        Kind::Drone,
        Kind::Rain,
        Kind::Wind,
        Kind::Waves,
        Kind::Stream,
        Kind::Crickets,
        Kind::Fire,
    ];
    let root = scratch("extremes");
    for kind in kinds {
        for (end, pick) in [("min", 0), ("max", 1)] {
            let mut params = String::new();
            for d in schema(kind) {
                let v = if pick == 0 { d.min } else { d.max };
                params.push_str(&format!("{} = {v:?}\n", d.key));
            }
            let text = format!(
                "name = \"x\"\nversion = \"1\"\noutcomes = [\"calm\", \"sleep\"]\n[[layers]]\nname = \"l\"\nkind = \"{}\"\ngain_db = {}\n[layers.params]\n{params}",
                kind.as_str(),
                if pick == 0 { -60.0 } else { 12.0 }
            );
            let dir = root.join(format!("{}-{end}", kind.as_str()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("pack.toml"), &text).unwrap();
            let lib = PackLibrary::load(std::slice::from_ref(&dir));
            let info = lib.infos().into_iter().find(|i| i.path == dir.display().to_string()).unwrap();
            assert_eq!(info.state, "loaded", "{text}\n{:?}", info.error);
            for markers in [tense(), None] {
                for outcome in [Outcome::Calm, Outcome::Sleep] {
                    let preset = Preset {
                        pack: "x".into(),
                        layers: vec![PresetLayer { name: "l".into(), volume: 1.0, muted: false }],
                    };
                    let r = SceneRequest { markers, preset: Some(preset), ..req(outcome, 3, Some(0.1)) };
                    let x = play(&r, &lib, 3.0);
                    assert!(all_finite_and_bounded(&x), "{} {end}: not finite/bounded", kind.as_str());
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn layer_controls_and_errors() {
    let packs = PackLibrary::builtin_only();
    let (mut src, ctl) = build_scene(&req(Outcome::Focus, 4, None), &packs).unwrap();
    let layers = ctl.layers();
    assert!(layers.len() >= 2, "{layers:?}");
    let mut buf = vec![0.0f32; 48_000 * 2 * 6];
    src.fill(&mut buf);
    let before = lufs(&buf[48_000 * 2..]);
    for l in &layers[1..] {
        ctl.set_layer(&l.name, None, Some(true)).unwrap();
    }
    let first = ctl.set_layer(&layers[0].name, Some(0.5), None).unwrap();
    assert_eq!((first.volume, first.muted), (0.5, false));
    src.fill(&mut buf);
    let after = lufs(&buf[48_000 * 2..]);
    assert!(after < before - 3.0, "muting and halving should be quieter: {before:.1} -> {after:.1}");
    assert!(matches!(ctl.set_layer("nope", Some(0.1), None), Err(EngineError::NoSuchLayer(_))));
    assert!(matches!(ctl.set_layer(&layers[0].name, Some(1.5), None), Err(EngineError::BadVolume(_))));
    let p = ctl.preset();
    assert_eq!(p.layers.iter().filter(|l| l.muted).count(), layers.len() - 1);
    let json = serde_json_roundtrip(&p);
    assert_eq!(json, p);
    // Focus never gets event layers (crickets, fire), whatever the seed.
    for seed in 0..20 {
        let (_, c) = build_scene(&req(Outcome::Focus, seed, None), &packs).unwrap();
        assert!(c.layers().iter().all(|l| l.kind != "crickets" && l.kind != "fire"));
    }
    assert!(matches!(
        build_scene(&SceneRequest { sample_rate: 7, ..req(Outcome::Calm, 1, None) }, &packs),
        Err(EngineError::BadSampleRate(7))
    ));
    let missing = Preset { pack: "nope".into(), layers: vec![] };
    assert!(matches!(
        build_scene(&SceneRequest { preset: Some(missing), ..req(Outcome::Calm, 1, None) }, &packs),
        Err(EngineError::NoSuchPack(_))
    ));
}

fn serde_json_roundtrip(p: &Preset) -> Preset {
    // The preset type must survive the JSON the daemon stores; toml stands in for serde_json here.
    let s = toml::to_string(p).unwrap();
    toml::from_str(&s).unwrap()
}

/// Power of `f` Hz in the left channel of interleaved 48 kHz stereo (Goertzel).
fn power_at(x: &[f32], f: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f / 48_000.0;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for v in x.iter().step_by(2) {
        let s = *v as f64 + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2
}

/// Sample layers decode FLAC and Ogg Vorbis as well as WAV (fixtures in tests/data, made with
/// SoX: a 440 Hz tone with a 3 Hz tremolo, 22.05 kHz mono, so resampling is exercised too).
/// Lossless FLAC renders bit-identical to the WAV it was made from; Vorbis is lossy, so it must
/// carry the same tone at the same loudness. All loop without clicks.
#[test]
fn sample_layers_decode_flac_and_ogg() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut renders = Vec::new();
    for file in ["tone.wav", "tone.flac", "tone.ogg"] {
        let root = scratch(&format!("codec-{file}"));
        let dir = root.join("test-pack");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pack.toml"), GOOD.replace("tone.wav", file)).unwrap();
        std::fs::copy(data.join(file), dir.join(file)).unwrap();
        let lib = PackLibrary::load(std::slice::from_ref(&root));
        let info = lib.infos().into_iter().find(|i| i.name == "test-pack").unwrap();
        assert_eq!(info.state, "loaded", "{file}: {:?}", info.error);
        let preset = Preset {
            pack: "test-pack".into(),
            layers: vec![PresetLayer { name: "loop".into(), volume: 1.0, muted: false }],
        };
        let req = SceneRequest { preset: Some(preset), ..req(Outcome::Calm, 1, None) };
        // 6 s of a 1.5 s loop: several seams.
        let x = play(&req, &lib, 6.0);
        assert!(all_finite_and_bounded(&x), "{file}");
        let (click, at) = worst_click(&x);
        assert!(click < 8.0, "{file}: loop seam click {click:.1}x at {at:.3} s");
        let tone = power_at(&x, 440.0);
        for other in [300.0, 587.0, 880.0] {
            assert!(tone > 100.0 * power_at(&x, other), "{file}: 440 Hz should dominate {other} Hz");
        }
        println!("{file}: {:.2} LUFS, worst jump {click:.1}x", lufs(&x));
        renders.push((file, x));
        let _ = std::fs::remove_dir_all(root);
    }
    let (wav, flac, ogg) = (&renders[0].1, &renders[1].1, &renders[2].1);
    assert!(wav == flac, "FLAC is lossless: its render must equal the WAV's");
    let (lw, lo) = (lufs(wav), lufs(ogg));
    assert!((lw - lo).abs() < 0.5, "Vorbis loudness {lo:.2} vs WAV {lw:.2}");
    // Aligned to the sample: the codec's delay is trimmed, so the loop is the same waveform
    // (a shift of a few milliseconds would decorrelate the 440 Hz tone).
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (*x as f64) * (*y as f64)).sum::<f64>();
    let corr = dot(wav, ogg) / (dot(wav, wav) * dot(ogg, ogg)).sqrt();
    println!("Vorbis vs WAV: correlation {corr:.4}");
    assert!(corr > 0.95, "Vorbis render correlates {corr:.3} with the WAV render");
}
