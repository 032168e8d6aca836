//! Tiny text charts for `sonoractl history`.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One bar per value, scaled between the smallest and largest finite value. A flat series draws as
/// middle bars (not as a row of minimums, which would read as "low"). Non-finite values (missing
/// readings) draw as a space so gaps stay visible.
pub fn sparkline(values: &[f64]) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return values.iter().map(|_| ' ').collect();
    }
    if (hi - lo).abs() < f64::EPSILON {
        return values.iter().map(|v| if v.is_finite() { BARS[3] } else { ' ' }).collect();
    }
    sparkline_range(values, lo, hi)
}

/// One bar per value on a fixed scale `lo..=hi` (for example 0..1 for markers, so two histories
/// compare at a glance). Values outside are clamped; non-finite values draw as a space.
pub fn sparkline_range(values: &[f64], lo: f64, hi: f64) -> String {
    let span = hi - lo;
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return ' ';
            }
            if span.is_nan() || span <= 0.0 {
                return BARS[3];
            }
            let x = ((v - lo) / span).clamp(0.0, 1.0);
            BARS[((x * 7.0).round() as usize).min(7)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_min_to_max() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[2.0, 2.0]), "▄▄");
        assert_eq!(sparkline(&[0.0, f64::NAN, 1.0]), "▁ █");
        assert_eq!(sparkline_range(&[0.0, 0.5, 1.0, 2.0, -1.0], 0.0, 1.0), "▁▅██▁");
    }
}
