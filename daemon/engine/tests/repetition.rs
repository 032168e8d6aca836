//! No audible repetition shorter than a minute: the fine spectro-temporal texture of a scene
//! (what makes a loop recognisable) never recurs at any lag from 1 s to 60 s.
//!
//! Method: 10 ms frames, log energy in 40 bands from 150 Hz to 12 kHz; each band minus its own
//! 1 s moving average (so designed slow movement — swells, gusts, breathing — does not count,
//! only recurring detail does), scaled to unit variance; then the mean correlation of that
//! texture with itself at every lag, over all bands. A looped recording scores near 1 at its
//! loop length; fresh procedural texture stays near 0.

mod common;
use common::*;
use rustfft::{FftPlanner, num_complex::Complex};
use sonora_engine::PackLibrary;
use sonora_proto::Outcome;

const HOP: usize = 480;
const WIN: usize = 1024;
const BANDS: usize = 40;
/// Texture correlation above which a lag counts as a repetition.
const LIMIT: f64 = 0.2;

/// Per-band texture (log band energy minus its 1 s moving average, unit variance), band-major.
fn texture(x: &[f32]) -> Vec<Vec<f64>> {
    let mono: Vec<f32> = x.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1])).collect();
    let frames = (mono.len() - WIN) / HOP;
    let fft = FftPlanner::<f32>::new().plan_fft_forward(WIN);
    let hann: Vec<f32> =
        (0..WIN).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / WIN as f32).cos()).collect();
    let bin_hz = SR as f64 / WIN as f64;
    let edges: Vec<usize> = (0..=BANDS)
        .map(|b| (150.0 * (12_000.0f64 / 150.0).powf(b as f64 / BANDS as f64) / bin_hz).round() as usize)
        .collect();
    let mut bands = vec![vec![0.0f64; frames]; BANDS];
    let mut buf = vec![Complex::new(0.0f32, 0.0); WIN];
    for t in 0..frames {
        for (i, c) in buf.iter_mut().enumerate() {
            *c = Complex::new(mono[t * HOP + i] * hann[i], 0.0);
        }
        fft.process(&mut buf);
        for b in 0..BANDS {
            let (lo, hi) = (edges[b], edges[b + 1].max(edges[b] + 1));
            let e: f64 = buf[lo..hi].iter().map(|c| c.norm_sqr() as f64).sum();
            bands[b][t] = (e + 1e-12).ln();
        }
    }
    let half = 50;
    for band in &mut bands {
        let mut prefix = vec![0.0f64; frames + 1];
        for t in 0..frames {
            prefix[t + 1] = prefix[t] + band[t];
        }
        let resid: Vec<f64> = (0..frames)
            .map(|t| {
                let (a, b) = (t.saturating_sub(half), (t + half + 1).min(frames));
                band[t] - (prefix[b] - prefix[a]) / (b - a) as f64
            })
            .collect();
        let sd = (resid.iter().map(|v| v * v).sum::<f64>() / frames as f64).sqrt().max(1e-9);
        *band = resid.into_iter().map(|v| v / sd).collect();
    }
    bands
}

/// Mean texture correlation at each lag (in frames) up to `max_lag`.
fn lag_correlation(bands: &[Vec<f64>], max_lag: usize) -> Vec<f64> {
    let frames = bands[0].len();
    let n = (2 * frames).next_power_of_two();
    let mut planner = FftPlanner::<f64>::new();
    let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
    let mut sum = vec![0.0f64; max_lag + 1];
    for band in bands {
        let mut buf: Vec<Complex<f64>> = band.iter().map(|v| Complex::new(*v, 0.0)).collect();
        buf.resize(n, Complex::new(0.0, 0.0));
        fwd.process(&mut buf);
        for c in &mut buf {
            *c = Complex::new(c.norm_sqr(), 0.0);
        }
        inv.process(&mut buf);
        for (lag, s) in sum.iter_mut().enumerate() {
            *s += buf[lag].re / n as f64 / (frames - lag) as f64;
        }
    }
    sum.into_iter().map(|s| s / bands.len() as f64).collect()
}

/// Highest texture correlation at lags from 1 s to 60 s, and its lag in seconds.
fn worst_repetition(x: &[f32]) -> (f64, f64) {
    let per_s = SR as usize / HOP;
    let c = lag_correlation(&texture(x), 60 * per_s);
    (per_s..c.len())
        .map(|l| (c[l], l as f64 / per_s as f64))
        .fold((f64::MIN, 0.0), |a, b| if b.0 > a.0 { b } else { a })
}

#[test]
fn scenes_do_not_repeat_within_a_minute() {
    let packs = PackLibrary::builtin_only();
    for outcome in Outcome::ALL {
        for seed in [3, 11] {
            // 150 s: every lag up to 60 s is compared over at least 90 s.
            let x = play(&req(outcome, seed, None), &packs, 150.0);
            let (worst, at) = worst_repetition(&x);
            println!("{outcome} seed {seed}: worst texture correlation {worst:.3} at {at:.2} s");
            assert!(
                worst < LIMIT,
                "{outcome} seed {seed}: texture recurs at {at:.2} s (correlation {worst:.3})"
            );
        }
    }
}

/// The detector is not vacuous: the same scene with a 12 s noise loop mixed in underneath
/// (quieter than the scene) is caught at the loop length.
#[test]
fn a_looped_layer_is_caught() {
    let packs = PackLibrary::builtin_only();
    let mut x = play(&req(Outcome::Calm, 3, None), &packs, 150.0);
    let rms = (x.iter().map(|v| (v * v) as f64).sum::<f64>() / x.len() as f64).sqrt() as f32;
    let mut r = sonora_engine::dsp::rng::Rng::new(42);
    let period = 12 * SR as usize * 2;
    let noise: Vec<f32> = (0..period).map(|_| r.bipolar() * rms * 0.7).collect();
    for (i, v) in x.iter_mut().enumerate() {
        *v += noise[i % period];
    }
    let (worst, at) = worst_repetition(&x);
    let per_s = SR as usize / HOP;
    let at_12 = lag_correlation(&texture(&x), 12 * per_s)[12 * per_s];
    println!("with a 12 s loop: {at_12:.3} at 12 s; worst {worst:.3} at {at:.2} s");
    assert!(at_12 > LIMIT, "loop not caught at 12 s: {at_12:.3}");
    // The worst lag is the loop length or one of its multiples.
    let k = (at / 12.0).round();
    assert!(k >= 1.0 && (at - 12.0 * k).abs() < 0.05, "worst lag {at:.2} s is not a multiple of 12 s");
}
