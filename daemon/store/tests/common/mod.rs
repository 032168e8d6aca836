//! Shared helpers for the store's tests and its `writer` example.
#![allow(dead_code)]

use sonora_proto::types::{Markers, PitchFrame, Quality, VoiceReport};

/// A plausible analyser report; `tag` goes into the quality note so a test can find it in the file bytes.
pub fn report(stress: f64, ok: bool, tag: &str) -> VoiceReport {
    VoiceReport {
        duration_s: 8.0,
        sample_rate: 16_000,
        speech_s: 6.5,
        voiced_fraction: 0.62,
        f0_mean_hz: Some(182.5),
        f0_median_hz: Some(180.0),
        f0_sd_st: Some(2.1),
        f0_p5_hz: Some(140.0),
        f0_p95_hz: Some(230.0),
        intensity_mean_db: Some(-23.0),
        jitter_local: Some(0.011),
        shimmer_local: Some(0.05),
        hnr_db: Some(17.5),
        speech_rate_syl_s: Some(4.2),
        pause_fraction: Some(0.18),
        spectral_centroid_hz: None,
        alpha_ratio_db: Some(-11.0),
        markers: ok.then_some(Markers { stress, fatigue: 0.3, energy: 0.6 }),
        confidence: if ok { 0.7 } else { 0.0 },
        quality: Quality { ok, reason: Some(tag.to_string()) },
        frames: Some(vec![PitchFrame { t: 0.0, f0: Some(180.0) }, PitchFrame { t: 0.01, f0: None }]),
    }
}

/// The `writer` example's binary. `cargo test` builds examples alongside tests; when a single test target
/// was asked for, build it here.
pub fn writer_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    let profile_dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>");
    let bin = profile_dir.join("examples").join("writer");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let st = std::process::Command::new(cargo)
            .args(["build", "-p", "sonora-store", "--example", "writer"])
            .status()
            .expect("run cargo build");
        assert!(st.success(), "building the writer example failed");
    }
    assert!(bin.exists(), "writer example not found at {}", bin.display());
    bin
}
