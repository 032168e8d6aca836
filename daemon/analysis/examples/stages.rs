//! Time per analysis stage, averaged over repeated runs: `stages FILE.wav`. For finding where the
//! time goes when the criterion bench (benches/analyze.rs) moves.

use sonora_analysis::{AnalyzeOptions, analyze, pitch, prosody, read_audio_file, resample, spectral, voice};
use std::time::Instant;

const RUNS: u32 = 40;

fn time<T>(name: &str, mut f: impl FnMut() -> T) {
    let t = Instant::now();
    for _ in 0..RUNS {
        std::hint::black_box(f());
    }
    println!("{name:10} {:7.2} ms", t.elapsed().as_secs_f64() * 1e3 / RUNS as f64);
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: stages FILE.wav");
        std::process::exit(2);
    };
    let a = read_audio_file(std::path::Path::new(&path)).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let fs = 16_000.0;
    let x = resample(&a.samples, a.sample_rate, 16_000);
    let p = pitch::PitchTracker::new(fs, Default::default()).track(&x);
    let seg = prosody::segment(&prosody::intensity(&x, fs, 100.0, 0.01));
    println!("{path}: {:.2} s at {} Hz", a.duration_s(), a.sample_rate);
    time("resample", || resample(&a.samples, a.sample_rate, 16_000));
    time("pitch", || pitch::PitchTracker::new(fs, Default::default()).track(&x));
    time("intensity", || prosody::intensity(&x, fs, 100.0, 0.01));
    time("syllables", || {
        let c = prosody::intensity(&x, fs, 50.0, 0.016);
        prosody::syllable_nuclei(&c, &p)
    });
    time("cycles", || voice::cycles(&x, fs, &p));
    time("spectral", || {
        std::hint::black_box(spectral::analyse(&x, fs, &p, &seg, a.sample_rate as f64 / 2.0))
    });
    time("full", || analyze(&a, &AnalyzeOptions { frames: true }));
}
