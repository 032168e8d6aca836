//! `sonorad analyze` and `sonorad render` (daemon/src/offline.rs): no daemon, real files.

use sonora_tests::{Env, bin, speak};

const FIELDS: &[&str] = &[
    "duration_s",
    "sample_rate",
    "speech_s",
    "voiced_fraction",
    "f0_mean_hz",
    "f0_median_hz",
    "f0_sd_st",
    "f0_p5_hz",
    "f0_p95_hz",
    "intensity_mean_db",
    "jitter_local",
    "shimmer_local",
    "hnr_db",
    "speech_rate_syl_s",
    "pause_fraction",
    "spectral_centroid_hz",
    "alpha_ratio_db",
    "markers",
    "confidence",
    "quality",
];

#[test]
fn analyze_prints_one_json_object_with_every_field() {
    let env = Env::new();
    let wav = env.root.join("v.wav");
    speak(
        "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow.",
        &wav,
        &[],
    );
    let out = env.command(bin("sonorad")).args(["analyze", "--json"]).arg(&wav).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("exactly one JSON object");
    for f in FIELDS {
        assert!(v.get(*f).is_some(), "field {f} missing: {v}");
    }
    assert_eq!(v["quality"]["ok"], true);
    assert!(v.get("frames").is_none());
    for m in ["stress", "fatigue", "energy"] {
        assert!((0.0..=1.0).contains(&v["markers"][m].as_f64().unwrap()));
    }

    let out = env.command(bin("sonorad")).args(["analyze", "--json", "--frames"]).arg(&wav).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let frames = v["frames"].as_array().unwrap();
    let dur = v["duration_s"].as_f64().unwrap();
    assert!(
        (frames.len() as f64 - dur * 100.0).abs() < 5.0,
        "10 ms hop: {} frames for {dur} s",
        frames.len()
    );
    assert!(frames.iter().any(|f| f["f0"].is_null()) && frames.iter().any(|f| f["f0"].is_number()));

    let out = env.command(bin("sonorad")).arg("analyze").arg(&wav).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("You sound"));

    // A FLAC of the same recording reads the same (lossless: the same samples).
    sonora_tests::require_program("sox", "sox");
    let flac = env.root.join("v.flac");
    assert!(std::process::Command::new("sox").arg(&wav).arg(&flac).status().unwrap().success());
    let a = env.command(bin("sonorad")).args(["analyze", "--json"]).arg(&wav).output().unwrap();
    let b = env.command(bin("sonorad")).args(["analyze", "--json"]).arg(&flac).output().unwrap();
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let (a, b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_slice(&a.stdout).unwrap(), serde_json::from_slice(&b.stdout).unwrap());
    assert_eq!(a["markers"], b["markers"]);
}

#[test]
fn analyze_reports_unusable_and_broken_files_clearly() {
    let env = Env::new();
    let tone = env.root.join("tone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&tone, spec).unwrap();
    for i in 0..16_000 * 3 {
        let s = (i as f32 * 2.0 * std::f32::consts::PI * 220.0 / 16_000.0).sin() * 0.4;
        w.write_sample((s * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    let out = env.command(bin("sonorad")).args(["analyze", "--json"]).arg(&tone).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "it worked; the input was not usable");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["quality"]["ok"], false);
    assert!(v["markers"].is_null());

    let bad = env.root.join("bad.wav");
    std::fs::write(&bad, b"not a wav at all").unwrap();
    let out = env.command(bin("sonorad")).args(["analyze", "--json"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.wav"), "the error names the file");
}

#[test]
fn render_writes_the_same_file_for_the_same_seed() {
    let env = Env::new();
    let render = |seed: &str, name: &str| {
        let path = env.root.join(name);
        let out = env
            .command(bin("sonorad"))
            .args([
                "render",
                "--outcome",
                "calm",
                "--minutes",
                "0.25",
                "--seed",
                seed,
                "--stress",
                "0.8",
                "--json",
                "--out",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (std::fs::read(&path).unwrap(), report, path)
    };
    let (a, report, path) = render("7", "a.wav");
    let (b, _, _) = render("7", "b.wav");
    let (c, _, _) = render("8", "c.wav");
    assert_eq!(a, b, "same seed and inputs: bit-identical");
    assert_ne!(a, c, "another seed: another session");
    let r = hound::WavReader::open(&path).unwrap();
    assert_eq!((r.spec().sample_rate, r.spec().channels), (48_000, 2));
    let lufs = report["integrated_lufs"].as_f64().unwrap();
    assert!((lufs + 23.0).abs() < 1.5, "about -23 LUFS: {lufs}");
    assert!(report["true_peak_dbtp"].as_f64().unwrap() < -1.0);
    assert!(report["explanation"].as_str().unwrap().contains("tense"), "{report}");

    let out = env
        .command(bin("sonorad"))
        .args(["render", "--outcome", "calm", "--minutes", "1", "--stress", "3", "--out"])
        .arg(env.root.join("x.wav"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
