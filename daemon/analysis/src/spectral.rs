//! Spectral balance: alpha ratio (eGeMAPS), spectral centroid, and how tone-like the sound is.

use crate::pitch::PitchTrack;
use crate::prosody::Segmentation;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

const N: usize = 512;
const HOP_S: f64 = 0.02;

#[derive(Debug, Clone, Default)]
pub struct Spectral {
    pub alpha_ratio_db: Option<f64>,
    pub centroid_hz: Option<f64>,
    /// Share of the long-term power within ±60 Hz of its strongest frequency: near 1 for a steady tone.
    pub tone_fraction: Option<f64>,
}

/// `band_limit_hz` is the highest frequency the original recording carries (its Nyquist), so
/// an 8 kHz phone recording is not mistaken for a dull voice.
pub fn analyse(x: &[f32], fs: f64, pitch: &PitchTrack, seg: &Segmentation, band_limit_hz: f64) -> Spectral {
    let mut planner = FftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(N);
    let mut buf = vec![Complex32::default(); N];
    let mut scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
    let window: Vec<f32> = (0..N)
        .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N as f64).cos()) as f32)
        .collect();
    let bin_hz = fs / N as f64;
    let top = ((band_limit_hz.min(fs / 2.0) / bin_hz).floor() as usize).min(N / 2);
    let mut long_term = vec![0.0f64; N / 2 + 1];
    let (mut alpha_sum, mut alpha_n) = (0.0f64, 0usize);
    let alpha_ok = band_limit_hz >= 5000.0;

    let dur = x.len() as f64 / fs;
    let mut t = N as f64 / fs / 2.0;
    while t + N as f64 / fs / 2.0 <= dur {
        let in_speech = seg.sounding.iter().any(|&(a, b)| t >= a && t <= b);
        if in_speech {
            let voiced = voiced_at(pitch, t);
            let start = (t * fs).round() as usize - N / 2;
            for (i, c) in buf.iter_mut().enumerate() {
                *c = Complex32::new(x[start + i] * window[i], 0.0);
            }
            fft.process_with_scratch(&mut buf, &mut scratch);
            let (mut lo, mut hi) = (0.0f64, 0.0f64);
            for (k, c) in buf.iter().take(top + 1).enumerate() {
                let p = c.norm_sqr() as f64;
                let f = k as f64 * bin_hz;
                // Below 50 Hz is DC offset, rumble and hum, not voice: leave it out of the
                // long-term spectrum so a cheap microphone's offset is not taken for a tone.
                if f >= 50.0 {
                    long_term[k] += p;
                }
                if (50.0..1000.0).contains(&f) {
                    lo += p;
                } else if (1000.0..=5000.0).contains(&f) {
                    hi += p;
                }
            }
            if voiced && alpha_ok && lo > 0.0 && hi > 0.0 {
                alpha_sum += 10.0 * (hi / lo).log10();
                alpha_n += 1;
            }
        }
        t += HOP_S;
    }
    let total: f64 = long_term.iter().sum();
    if total <= 0.0 {
        return Spectral::default();
    }
    let centroid = long_term.iter().enumerate().map(|(k, p)| k as f64 * bin_hz * p).sum::<f64>() / total;
    let (kmax, _) =
        long_term.iter().enumerate().fold((0, 0.0), |a, (k, &p)| if p > a.1 { (k, p) } else { a });
    let span = (60.0 / bin_hz).ceil() as usize;
    let near: f64 =
        long_term[kmax.saturating_sub(span)..=(kmax + span).min(long_term.len() - 1)].iter().sum();
    Spectral {
        alpha_ratio_db: (alpha_n > 0).then(|| alpha_sum / alpha_n as f64),
        centroid_hz: Some(centroid),
        tone_fraction: Some(near / total),
    }
}

fn voiced_at(pitch: &PitchTrack, t: f64) -> bool {
    let Some(first) = pitch.frames.first() else { return false };
    let i = ((t - first.t) / pitch.time_step).round();
    i >= 0.0 && pitch.frames.get(i as usize).is_some_and(|f| f.f0.is_some())
}
