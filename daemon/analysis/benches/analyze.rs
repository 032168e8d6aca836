//! Time to analyse 10 s of voice at common rates (target: well under 50 ms on one core).

use criterion::{Criterion, criterion_group, criterion_main};
use sonora_analysis::{AnalyzeOptions, Audio, analyze};
use std::hint::black_box;

/// A 10 s synthetic voice: glottal pulses with a gliding F0 through a formant, in 0.6 s phrases
/// separated by pauses, so every stage (pitch, cycles, syllables, spectrum) has work to do.
fn voice(fs: u32) -> Vec<f32> {
    let n = fs as usize * 10;
    let mut out = vec![0.0f32; n];
    let mut phase = 0.0f64;
    let (r, f1) = ((-std::f64::consts::PI * 150.0 / fs as f64).exp(), 600.0);
    let (c1, c2) = (2.0 * r * (2.0 * std::f64::consts::PI * f1 / fs as f64).cos(), -r * r);
    let (mut y1, mut y2) = (0.0, 0.0);
    let mut seed = 0x1234_5678u32;
    for (i, o) in out.iter_mut().enumerate() {
        let t = i as f64 / fs as f64;
        let in_phrase = (t % 0.8) < 0.6;
        let f0 = 120.0 + 25.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
        phase += f0 / fs as f64;
        let pulse = if in_phrase && phase >= 1.0 { 1.0 } else { 0.0 };
        phase -= phase.floor();
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = (seed >> 8) as f64 / (1u32 << 24) as f64 - 0.5;
        let y = pulse + 0.01 * noise + c1 * y1 + c2 * y2;
        y2 = y1;
        y1 = y;
        *o = (0.05 * y) as f32;
    }
    out
}

fn bench(c: &mut Criterion) {
    for fs in [16_000u32, 44_100, 48_000] {
        let audio = Audio { samples: voice(fs), sample_rate: fs };
        c.bench_function(&format!("analyze_10s_{fs}Hz"), |b| {
            b.iter(|| analyze(black_box(&audio), &AnalyzeOptions { frames: true }))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
