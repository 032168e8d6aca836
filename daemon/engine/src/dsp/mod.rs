//! Small, allocation-free DSP building blocks shared by the layer generators.
//!
//! Everything here is plain `f32` state updated per sample or per block, so generators stay
//! readable and the realtime path never allocates.

pub mod bank;
pub mod filter;
pub mod half;
pub mod mod_source;
pub mod noise;
pub mod osc;
pub mod rng;

/// Equal-power pan gains for `pan` in -1 (left) ..= 1 (right).
#[inline]
pub fn pan_gains(pan: f32) -> (f32, f32) {
    let a = (pan.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    (a.cos(), a.sin())
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
