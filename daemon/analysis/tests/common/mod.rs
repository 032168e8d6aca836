//! Helpers shared by the integration tests: synthetic voices with known truth and espeak-ng renders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Small deterministic generator so tests need no extra crates and never flake.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-12);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A synthetic voice: glottal pulses (Rosenberg flow derivative) through one formant resonator.
pub struct Synth {
    pub f0: f64,
    /// Relative SD of the period from cycle to cycle.
    pub jitter_sd: f64,
    /// Relative SD of the pulse amplitude from cycle to cycle.
    pub shimmer_sd: f64,
    pub duration_s: f64,
    pub fs: u32,
    /// Added white noise, dB below the voice's RMS; None for none.
    pub snr_db: Option<f64>,
    pub seed: u64,
}

pub struct SynthOut {
    pub samples: Vec<f32>,
    /// Jitter (local) and shimmer (local) of the generated pulse train itself.
    pub true_jitter: f64,
    pub true_shimmer: f64,
}

impl Synth {
    pub fn new(f0: f64) -> Self {
        Synth { f0, jitter_sd: 0.0, shimmer_sd: 0.0, duration_s: 3.0, fs: 16_000, snr_db: None, seed: 1 }
    }

    pub fn render(&self) -> SynthOut {
        let fs = self.fs as f64;
        let n = (self.duration_s * fs) as usize;
        let mut rng = Rng::new(self.seed);
        // Pulse onsets and amplitudes.
        let (mut periods, mut amps) = (Vec::new(), Vec::new());
        let mut t = 0.0;
        while t < self.duration_s {
            let p = (1.0 + self.jitter_sd * rng.normal()).clamp(0.7, 1.3) / self.f0;
            let a = (1.0 + self.shimmer_sd * rng.normal()).clamp(0.5, 1.5);
            periods.push(p);
            amps.push(a);
            t += p;
        }
        let mut src = vec![0.0f64; n];
        let mut onset = 0.0;
        for (p, a) in periods.iter().zip(&amps) {
            // Pulse shape fixed at the mean period, so onset, peak and closure all jitter alike
            // and "the period" is unambiguous.
            let tp = 0.4 / self.f0;
            let tn = 0.16 / self.f0;
            let s = (onset * fs).floor() as usize;
            let e = (((onset + tp + tn) * fs).ceil() as usize).min(n);
            for (i, v) in src.iter_mut().enumerate().take(e).skip(s) {
                let tau = i as f64 / fs - onset;
                // Derivative of the Rosenberg flow pulse: rising opening, sharp closure.
                *v += a * if (0.0..tp).contains(&tau) {
                    0.5 * std::f64::consts::PI / tp * (std::f64::consts::PI * tau / tp).sin()
                } else if (tp..tp + tn).contains(&tau) {
                    // Closing flow 0.5(1 + cos): its derivative returns to zero at closure, so
                    // sampling does not alias a step into spurious period-to-period jitter.
                    -std::f64::consts::PI / (2.0 * tn) * (std::f64::consts::PI * (tau - tp) / tn).sin()
                } else {
                    0.0
                };
            }
            onset += p;
        }
        // One formant at 600 Hz, 200 Hz bandwidth: decays within a cycle, so amplitude stays per-cycle.
        let (f1, bw) = (600.0, 200.0);
        let r = (-std::f64::consts::PI * bw / fs).exp();
        let c1 = 2.0 * r * (2.0 * std::f64::consts::PI * f1 / fs).cos();
        let c2 = -r * r;
        let (mut y1, mut y2) = (0.0, 0.0);
        let mut out: Vec<f64> = src
            .iter()
            .map(|&v| {
                let y = v + c1 * y1 + c2 * y2;
                y2 = y1;
                y1 = y;
                y
            })
            .collect();
        let rms = (out.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
        let gain = 0.1 / rms;
        out.iter_mut().for_each(|v| *v *= gain);
        if let Some(snr) = self.snr_db {
            let nrms = 0.1 / 10f64.powf(snr / 20.0);
            out.iter_mut().for_each(|v| *v += nrms * rng.normal());
        }
        let used = periods.len().saturating_sub(1);
        let mean_p = periods[..used].iter().sum::<f64>() / used as f64;
        let jit =
            periods[..used].windows(2).map(|w| (w[0] - w[1]).abs()).sum::<f64>() / (used - 1) as f64 / mean_p;
        let mean_a = amps[..used].iter().sum::<f64>() / used as f64;
        let shim =
            amps[..used].windows(2).map(|w| (w[0] - w[1]).abs()).sum::<f64>() / (used - 1) as f64 / mean_a;
        SynthOut { samples: out.iter().map(|&v| v as f32).collect(), true_jitter: jit, true_shimmer: shim }
    }
}

/// Path of espeak-ng, failing the test loudly when it is missing: CI installs it, and a skipped
/// speech test would hide a regression.
pub fn espeak_bin() -> &'static str {
    match Command::new("espeak-ng").arg("--version").output() {
        Ok(o) if o.status.success() => "espeak-ng",
        _ => panic!(
            "espeak-ng is required for the speech tests but was not found on PATH; install it (apt-get install espeak-ng)"
        ),
    }
}

pub const SENTENCES: [&str; 8] = [
    "I went to the market this morning and bought some apples, bread and a little cheese for lunch.",
    "The weather was mild today, so we walked along the river and talked about the coming weekend.",
    "My neighbour is painting her fence green, and the children keep asking if they can help her.",
    "After dinner I usually read for a while, then make a cup of tea and plan the next morning.",
    "The train was a few minutes late, but I still arrived at the office before the meeting started.",
    "We are thinking about a short trip to the coast, where the air is fresh and the beaches are quiet.",
    "On Sundays my brother cooks a large meal, and the whole family sits together around the table.",
    "The library opens at nine, and I like to find a seat by the window before it gets crowded.",
];

/// Renders `text` with espeak-ng into `dir/name.wav`. `extra` are espeak-ng flags (-p, -s, -a, -m ...).
pub fn espeak(dir: &Path, name: &str, extra: &[&str], text: &str) -> PathBuf {
    let bin = espeak_bin();
    let out = dir.join(format!("{name}.wav"));
    let status = Command::new(bin)
        .arg("-w")
        .arg(&out)
        .args(extra)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("could not run espeak-ng: {e}"));
    assert!(status.success(), "espeak-ng failed for {name} ({status})");
    out
}

pub fn write_wav_f32(path: &Path, samples: &[f32], fs: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: fs,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}
