//! Band-limited resampling to the analysis rate.
//!
//! All measures run at one rate so thresholds, window lengths and FFT plans are the same for an
//! 8 kHz phone recording and a 96 kHz studio take. The resampler works in the frequency domain on
//! overlapping blocks: exact for any rational ratio, and each block reuses the same FFT plans.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex32;

pub const ANALYSIS_RATE: u32 = 16_000;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Smallest 2^a 3^b 5^c >= n, so block FFTs stay on fast radices.
fn smooth_at_least(n: usize) -> usize {
    let mut best = usize::MAX;
    let mut p2 = 1usize;
    while p2 < 2 * n.max(1) {
        let mut p3 = p2;
        while p3 < 2 * n.max(1) {
            let mut p5 = p3;
            while p5 < n {
                p5 *= 5;
            }
            best = best.min(p5);
            p3 *= 3;
        }
        p2 *= 2;
    }
    best
}

/// Resamples `x` from `from` Hz to `to` Hz.
pub fn resample(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || x.is_empty() {
        return x.to_vec();
    }
    let g = gcd(from as u64, to as u64);
    let p = (from as u64 / g) as usize; // input samples per step
    let q = (to as u64 / g) as usize; // output samples per step
    // Margins absorb the circular wrap of the block FFT; 30 ms covers the tapered filter's ring.
    let margin_steps = ((0.03 * from as f64) / p as f64).ceil() as usize;
    let core_target_steps = ((1.0 * from as f64) / p as f64).ceil() as usize;
    let k = smooth_at_least(core_target_steps + 2 * margin_steps);
    let core_steps = k - 2 * margin_steps;
    let (len_in, len_out) = (p * k, q * k);
    let (margin_in, core_in) = (p * margin_steps, p * core_steps);
    let (margin_out, core_out) = (q * margin_steps, q * core_steps);

    let mut planner = FftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(len_in);
    let inv = planner.plan_fft_inverse(len_out);
    let mut buf_in = vec![Complex32::default(); len_in];
    let mut buf_out = vec![Complex32::default(); len_out];
    let mut scratch =
        vec![Complex32::default(); fwd.get_inplace_scratch_len().max(inv.get_inplace_scratch_len())];

    // Pass band up to 90% of the lower Nyquist, raised-cosine taper to it, so the block edges ring little.
    let nyq_bins = len_in.min(len_out) / 2;
    let taper_start = (nyq_bins as f64 * 0.9) as usize;
    let gain = 1.0 / len_in as f32;
    let total_out = ((x.len() as u128 * to as u128) / from as u128) as usize;
    let mut out = Vec::with_capacity(total_out + core_out);
    let mut start = 0usize;
    while start < x.len() {
        for (i, b) in buf_in.iter_mut().enumerate() {
            let idx = start as isize - margin_in as isize + i as isize;
            let v = if idx >= 0 && (idx as usize) < x.len() { x[idx as usize] } else { 0.0 };
            *b = Complex32::new(v, 0.0);
        }
        fwd.process_with_scratch(&mut buf_in, &mut scratch);
        buf_out.iter_mut().for_each(|c| *c = Complex32::default());
        for bin in 0..=nyq_bins {
            let w = if bin <= taper_start {
                1.0
            } else {
                let f = (bin - taper_start) as f32 / (nyq_bins - taper_start).max(1) as f32;
                0.5 * (1.0 + (std::f32::consts::PI * f).cos())
            };
            let w = if bin == nyq_bins && len_in != len_out { 0.0 } else { w };
            let v = buf_in[bin] * (w * gain);
            buf_out[bin] = v;
            if bin > 0 && bin < len_out - bin {
                buf_out[len_out - bin] = v.conj();
            }
        }
        inv.process_with_scratch(&mut buf_out, &mut scratch);
        out.extend(buf_out[margin_out..margin_out + core_out].iter().map(|c| c.re));
        start += core_in;
    }
    out.truncate(total_out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_survives_resampling() {
        for &from in &[8_000u32, 11_025, 22_050, 44_100, 48_000, 96_000] {
            let n = from as usize * 3;
            let x: Vec<f32> =
                (0..n).map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / from as f32).sin()).collect();
            let y = resample(&x, from, ANALYSIS_RATE);
            assert_eq!(y.len(), 48_000, "from {from}");
            let mut err = 0.0f32;
            for (i, &v) in y.iter().enumerate().skip(500).take(40_000) {
                let t = i as f32 / ANALYSIS_RATE as f32;
                err = err.max((v - (2.0 * std::f32::consts::PI * 440.0 * t).sin()).abs());
            }
            assert!(err < 0.01, "from {from}: max error {err}");
        }
    }
}
