//! Variety measured on rendered audio, not on parameters: packs of the same outcome sound
//! different from one another (band spectra, modulation spectra, loudness course), and two seeds
//! of the same pack differ too.

mod common;
use common::*;
use sonora_engine::{PackLibrary, SceneRequest, build_scene};
use sonora_proto::Outcome;

/// Seconds rendered per scene: long enough for several chord changes' worth of movement.
const SECS: f64 = 40.0;

/// What a listener's tools would compare: the level in 24 third-octave-ish bands (dB), the
/// modulation spectrum of the loudness envelope (how it moves, 0.05-8 Hz, dB) and the loudness
/// course over time (dB, 2 s steps).
struct Profile {
    bands: Vec<f64>,
    modulation: Vec<f64>,
    course: Vec<f64>,
}

fn play_pack(pack: &str, outcome: Outcome, seed: u64) -> Vec<f32> {
    let req =
        SceneRequest { pack: Some(pack.into()), minutes: Some(20.0), ..SceneRequest::new(outcome, seed) };
    let (mut src, _) = build_scene(&req, &PackLibrary::builtin_only()).unwrap();
    let mut out = vec![0.0f32; (SECS * SR as f64) as usize * 2];
    for c in out.chunks_mut(960) {
        src.fill(c);
    }
    out
}

fn profile(x: &[f32]) -> Profile {
    use rustfft::{FftPlanner, num_complex::Complex};
    let mono: Vec<f32> = x.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1])).collect();
    // Long-term spectrum: averaged 4096-point FFT frames, summed into log-spaced bands 40 Hz-16 kHz.
    let n = 4096;
    let fft = FftPlanner::<f32>::new().plan_fft_forward(n);
    let mut power = vec![0.0f64; n / 2];
    let window: Vec<f32> =
        (0..n).map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos()).collect();
    for frame in mono.chunks_exact(n).step_by(2) {
        let mut buf: Vec<Complex<f32>> =
            frame.iter().zip(&window).map(|(v, w)| Complex::new(v * w, 0.0)).collect();
        fft.process(&mut buf);
        for (p, c) in power.iter_mut().zip(&buf) {
            *p += c.norm_sqr() as f64;
        }
    }
    let edges: Vec<f64> = (0..=24).map(|i| 40.0 * (16_000.0f64 / 40.0).powf(i as f64 / 24.0)).collect();
    let hz = SR as f64 / n as f64;
    let bands: Vec<f64> = edges
        .windows(2)
        .map(|e| {
            let (a, b) = ((e[0] / hz) as usize, ((e[1] / hz) as usize).max((e[0] / hz) as usize + 1));
            10.0 * (power[a..b].iter().sum::<f64>() / (b - a) as f64 + 1e-20).log10()
        })
        .collect();
    // Envelope at 50 Hz (20 ms RMS), in dB; its spectrum 0.05-8 Hz in 12 log bands.
    let env: Vec<f64> = mono
        .chunks_exact(SR as usize / 50)
        .map(|c| 10.0 * (c.iter().map(|v| (v * v) as f64).sum::<f64>() / c.len() as f64 + 1e-12).log10())
        .collect();
    let mean = env.iter().sum::<f64>() / env.len() as f64;
    let m = env.len().next_power_of_two() / 2;
    let mfft = FftPlanner::<f64>::new().plan_fft_forward(m);
    let mut buf: Vec<rustfft::num_complex::Complex<f64>> =
        env[..m].iter().map(|v| rustfft::num_complex::Complex::new(v - mean, 0.0)).collect();
    mfft.process(&mut buf);
    let mhz = 50.0 / m as f64;
    let medges: Vec<f64> = (0..=12).map(|i| 0.05 * (8.0f64 / 0.05).powf(i as f64 / 12.0)).collect();
    let modulation: Vec<f64> = medges
        .windows(2)
        .map(|e| {
            let (a, b) = ((e[0] / mhz) as usize, ((e[1] / mhz) as usize).max((e[0] / mhz) as usize + 1));
            10.0 * (buf[a..b].iter().map(|c| c.norm_sqr()).sum::<f64>() / (b - a) as f64 + 1e-12).log10()
        })
        .collect();
    let course: Vec<f64> = env.chunks(100).map(|c| c.iter().sum::<f64>() / c.len() as f64).collect();
    Profile { bands, modulation, course }
}

fn rms_diff(a: &[f64], b: &[f64]) -> f64 {
    // Level-independent: compare shapes, each centred on its own mean.
    let (ma, mb) = (a.iter().sum::<f64>() / a.len() as f64, b.iter().sum::<f64>() / b.len() as f64);
    (a.iter().zip(b).map(|(x, y)| ((x - ma) - (y - mb)).powi(2)).sum::<f64>() / a.len() as f64).sqrt()
}

/// A distance in dB between two renders: the largest of the three profile differences.
fn distance(a: &Profile, b: &Profile) -> (f64, f64, f64) {
    (rms_diff(&a.bands, &b.bands), rms_diff(&a.modulation, &b.modulation), rms_diff(&a.course, &b.course))
}

#[test]
fn packs_of_an_outcome_differ_from_one_another() {
    let lib = PackLibrary::builtin_only();
    for outcome in Outcome::ALL {
        let packs = lib.for_outcome(outcome);
        let profiles: Vec<(String, Profile)> =
            packs.iter().map(|p| (p.name.clone(), profile(&play_pack(&p.name, outcome, 5)))).collect();
        let mut closest = (f64::MAX, String::new());
        for i in 0..profiles.len() {
            for j in i + 1..profiles.len() {
                let (s, m, c) = distance(&profiles[i].1, &profiles[j].1);
                // Spectra are what tells packs apart most; movement adds to it.
                let d = s + 0.5 * m;
                if d < closest.0 {
                    closest = (
                        d,
                        format!(
                            "{} vs {} (spectrum {s:.1} dB, movement {m:.1} dB, course {c:.1} dB)",
                            profiles[i].0, profiles[j].0
                        ),
                    );
                }
            }
        }
        println!("{outcome}: {} packs; closest pair {}", profiles.len(), closest.1);
        assert!(closest.0 > 3.0, "{outcome}: two packs sound too alike: {}", closest.1);
    }
}

#[test]
fn seeds_of_a_pack_differ() {
    let lib = PackLibrary::builtin_only();
    let mut weakest = (f64::MAX, String::new());
    for info in lib.infos() {
        let pack = lib.get(&info.name).unwrap();
        let outcome = pack.outcomes[0];
        let a = play_pack(&pack.name, outcome, 1);
        let b = play_pack(&pack.name, outcome, 2);
        assert!(a != b, "{}: seeds 1 and 2 render the same samples", pack.name);
        let (pa, pb) = (profile(&a), profile(&b));
        let (s, m, c) = distance(&pa, &pb);
        let d = s + m + c;
        println!(
            "{}: seeds 1/2 differ by spectrum {s:.2} dB, movement {m:.2} dB, course {c:.2} dB",
            pack.name
        );
        if d < weakest.0 {
            weakest = (d, pack.name.clone());
        }
        // Not only different noise: the profile itself moves (voicings, keys, layers, timing).
        assert!(d > 0.5, "{}: seeds differ only in noise ({s:.2}/{m:.2}/{c:.2} dB)", pack.name);
    }
    println!("least different: {} ({:.2})", weakest.1, weakest.0);
}
