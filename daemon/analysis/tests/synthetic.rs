//! Synthetic voices with known F0, jitter, shimmer and noise: the analyser must recover them.

mod common;

use common::Synth;
use sonora_analysis::{AnalyzeOptions, Audio, analyze};

fn run(s: &Synth) -> (sonora_proto::VoiceReport, common::SynthOut) {
    let out = s.render();
    let audio = Audio { samples: out.samples.clone(), sample_rate: s.fs };
    (analyze(&audio, &AnalyzeOptions { frames: true }), out)
}

fn cents(a: f64, b: f64) -> f64 {
    1200.0 * (a / b).log2()
}

#[test]
fn f0_within_a_few_cents_across_pitches_and_rates() {
    for &fs in &[16_000u32, 44_100, 48_000, 8_000] {
        for &f0 in &[90.0, 130.0, 210.0, 320.0] {
            let mut s = Synth::new(f0);
            s.fs = fs;
            let (r, _) = run(&s);
            let med = r.f0_median_hz.expect("voiced");
            assert!(
                cents(med, f0).abs() < 3.0,
                "fs {fs} f0 {f0}: median {med} Hz ({:.1} cents)",
                cents(med, f0)
            );
            let frames = r.frames.as_ref().unwrap();
            let voiced = frames.iter().filter(|f| f.f0.is_some()).count();
            assert!(
                voiced as f64 > 0.95 * frames.len() as f64,
                "fs {fs} f0 {f0}: {voiced}/{} voiced",
                frames.len()
            );
            // No octave errors anywhere on the track.
            for f in frames.iter().filter_map(|f| f.f0) {
                assert!(cents(f, f0).abs() < 50.0, "fs {fs} f0 {f0}: frame at {f} Hz");
            }
        }
    }
}

#[test]
fn jitter_and_shimmer_near_truth_and_ordered() {
    let mut last_j = 0.0;
    for (i, &jsd) in [0.002, 0.006, 0.012, 0.024].iter().enumerate() {
        let mut s = Synth::new(120.0);
        s.jitter_sd = jsd;
        s.seed = 10 + i as u64;
        s.duration_s = 4.0;
        let (r, out) = run(&s);
        let j = r.jitter_local.expect("jitter");
        assert!(
            (j - out.true_jitter).abs() < 0.25 * out.true_jitter + 0.001,
            "jitter sd {jsd}: measured {j}, true {}",
            out.true_jitter
        );
        assert!(j > last_j, "jitter not ordered: {j} after {last_j}");
        last_j = j;
    }
    let mut last_s = 0.0;
    for (i, &ssd) in [0.01, 0.03, 0.06, 0.12].iter().enumerate() {
        let mut s = Synth::new(150.0);
        s.shimmer_sd = ssd;
        s.seed = 20 + i as u64;
        s.duration_s = 4.0;
        let (r, out) = run(&s);
        let sh = r.shimmer_local.expect("shimmer");
        assert!(
            (sh - out.true_shimmer).abs() < 0.25 * out.true_shimmer + 0.003,
            "shimmer sd {ssd}: measured {sh}, true {}",
            out.true_shimmer
        );
        assert!(sh > last_s, "shimmer not ordered: {sh} after {last_s}");
        last_s = sh;
    }
}

#[test]
fn hnr_falls_with_snr() {
    let mut last = f64::INFINITY;
    for &snr in &[40.0, 25.0, 15.0, 8.0, 3.0] {
        let mut s = Synth::new(140.0);
        s.snr_db = Some(snr);
        s.jitter_sd = 0.003;
        let (r, _) = run(&s);
        let h = r.hnr_db.expect("hnr");
        assert!(h < last, "HNR {h} dB at SNR {snr} dB is not below {last} dB");
        last = h;
    }
}

#[test]
fn ten_seconds_analyse_quickly() {
    // Not a benchmark (see benches/analyze.rs); a guard against accidental quadratic work.
    let mut s = Synth::new(150.0);
    s.duration_s = 10.0;
    s.fs = 44_100;
    let out = s.render();
    let audio = Audio { samples: out.samples, sample_rate: s.fs };
    let t = std::time::Instant::now();
    let _ = analyze(&audio, &AnalyzeOptions::default());
    assert!(t.elapsed().as_secs_f64() < 2.0, "took {:?}", t.elapsed());
}
