//! Render speed per outcome. Criterion reports throughput in frames/s; divide by 48 000 for
//! "x realtime". `cargo bench -p sonora-engine --bench render`
//!
//! `scene/*` is the live Source alone (all layers, arc, calibration gain, limiter);
//! `render_wav/*` is the whole offline path including metering and writing the file;
//! `render_wav/pack_*` renders named packs: the richest music pack and each outcome's heaviest;
//! `render_wav/sox_pinknoise` is SoX writing one minute of stereo pink noise the same way (skipped with a
//! note when `sox` is not installed), so both sit in one report on the same machine state.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sonora_engine::{PackLibrary, SceneRequest, Source, build_scene_inner, render_wav};
use sonora_proto::Outcome;
use std::hint::black_box;
use std::time::Duration;

fn req(outcome: Outcome, minutes: f64) -> SceneRequest {
    SceneRequest {
        outcome,
        markers: None,
        seed: 1,
        minutes: Some(minutes),
        sample_rate: 48_000,
        preset: None,
        pack: None,
        avoid: Vec::new(),
        focus_pulse: false,
    }
}

fn bench(c: &mut Criterion) {
    let packs = PackLibrary::builtin_only();
    let mut g = c.benchmark_group("scene");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    let secs = 10.0;
    g.throughput(Throughput::Elements((secs * 48_000.0) as u64));
    for outcome in Outcome::ALL {
        g.bench_function(outcome.as_str(), |b| {
            let mut buf = vec![0.0f32; 960];
            b.iter(|| {
                let (mut s, _) = build_scene_inner(&req(outcome, 1.0), &packs).unwrap();
                for _ in 0..(secs * 48_000.0) as usize / 480 {
                    s.fill(&mut buf);
                }
                black_box(&buf);
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("render_wav");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Elements(60 * 48_000));
    let dir = std::env::temp_dir();
    for outcome in Outcome::ALL {
        let path = dir.join(format!("sonora-bench-{outcome}.wav"));
        g.bench_function(outcome.as_str(), |b| {
            b.iter(|| render_wav(&req(outcome, 1.0), &packs, &path, &mut |_| {}).unwrap())
        });
        let _ = std::fs::remove_file(&path);
    }
    // meadow: five layers with harmony, melody and birds (the richest music pack); storm, drift
    // and rainroof: the costliest pack of calm, focus and sleep by `examples/profile`.
    for (name, outcome) in [
        ("meadow", Outcome::Calm),
        ("storm", Outcome::Calm),
        ("drift", Outcome::Focus),
        ("rainroof", Outcome::Sleep),
    ] {
        let path = dir.join(format!("sonora-bench-{name}.wav"));
        let r = SceneRequest { pack: Some(name.into()), ..req(outcome, 1.0) };
        g.bench_function(format!("pack_{name}"), |b| {
            b.iter(|| render_wav(&r, &packs, &path, &mut |_| {}).unwrap())
        });
        let _ = std::fs::remove_file(&path);
    }
    let sox = dir.join("sonora-bench-sox.wav");
    let run_sox = || {
        std::process::Command::new("sox")
            .args(["-n", "-r", "48000", "-c", "2"])
            .arg(&sox)
            .args(["synth", "60", "pinknoise"])
            .status()
    };
    match run_sox() {
        Ok(s) if s.success() => {
            g.bench_function("sox_pinknoise", |b| b.iter(|| run_sox().unwrap()));
        }
        _ => eprintln!("sox not found or failed: skipping the SoX comparison (apt-get install sox)"),
    }
    let _ = std::fs::remove_file(&sox);
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
