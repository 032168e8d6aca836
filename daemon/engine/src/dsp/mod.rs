//! Small, allocation-free DSP building blocks shared by the layer generators.
//!
//! Everything here is plain `f32` state updated per sample or per block, so generators stay
//! readable and the realtime path never allocates.

pub mod bank;
pub mod filter;
pub mod half;
pub mod instrument;
pub mod limiter;
pub mod mod_source;
pub mod noise;
pub mod osc;
pub mod rng;
pub mod space;

/// Equal-power pan gains for `pan` in -1 (left) ..= 1 (right).
#[inline]
pub fn pan_gains(pan: f32) -> (f32, f32) {
    let a = (pan.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    (a.cos(), a.sin())
}

/// Largest absolute value in `x` (NaN ignored), kept in eight lanes with plain compares so it
/// vectorises (a fold with `f32::max` stays scalar because of its NaN rules).
pub fn peak_abs(x: &[f32]) -> f32 {
    #[inline(always)]
    fn bigger(m: f32, v: f32) -> f32 {
        let a = v.abs();
        if a > m { a } else { m }
    }
    let mut lanes = [0.0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (m, v) in lanes.iter_mut().zip(c) {
            *m = bigger(*m, *v);
        }
    }
    let tail = it.remainder().iter().fold(0.0f32, |m, v| bigger(m, *v));
    lanes.iter().fold(tail, |m, v| bigger(m, *v))
}

/// Decibels to linear amplitude.
#[inline]
pub fn db_to_amp(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Linear amplitude to decibels (floored at -200 dB so silence stays finite).
#[inline]
pub fn amp_to_db(a: f64) -> f64 {
    20.0 * a.max(1e-10).log10()
}

/// Interpolates between `a` (at `x` = 0) and `b` (at `x` = 1), geometrically when both are
/// positive and `log` is set, which is how frequencies and periods should move.
#[inline]
pub fn interp(a: f32, b: f32, x: f32, log: bool) -> f32 {
    let x = x.clamp(0.0, 1.0);
    if log && a > 0.0 && b > 0.0 { a * (b / a).powf(x) } else { a + (b - a) * x }
}

/// Smoothstep easing: the arc and fades move with zero slope at both ends, so nothing lurches.
#[inline]
pub fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_abs_finds_the_largest_magnitude_and_ignores_nan() {
        let mut x: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin() * 0.5).collect();
        x[23] = -0.9;
        assert_eq!(peak_abs(&x), 0.9);
        x[5] = f32::NAN;
        assert_eq!(peak_abs(&x), 0.9);
        assert_eq!(peak_abs(&[]), 0.0);
        assert_eq!(peak_abs(&[-0.25]), 0.25);
    }
}
