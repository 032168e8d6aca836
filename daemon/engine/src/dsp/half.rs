//! Half-rate rendering for layers whose sound stays well below the output's Nyquist frequency
//! (pads, dark noise beds): they compute half the samples and [`HalfRate`] fills in the rest.
//!
//! Every other output frame is a half-rate frame as is; the ones between are the 4-point
//! Lagrange midpoint `(9 (x1 + x2) - (x0 + x3)) / 16` of the half-rate frames around them. What a
//! layer gives up are images: its half-rate spectrum mirrored about a quarter of the output rate.
//! A layer qualifies only when everything it can make stays under an eighth of the output rate
//! (6 kHz at 48 kHz), so its images land above 18 kHz, where the interpolator holds them 25 dB
//! down or more (47 dB at 21 kHz, the image of 3 kHz) while passing the layer's own band within
//! 0.5 dB. (An 8-point midpoint rejects images 14 dB better but costs as much as the half-rate
//! saving on a noise bed.)

/// Output frames per pass (the half-rate scratch lives on the stack).
pub const PASS: usize = 128;

/// Whether a layer whose content tops out at `top_hz` may run at half of `sr`.
pub fn qualifies(top_hz: f32, sr: f32) -> bool {
    top_hz < sr / 8.0
}

/// Interpolation state for one stereo layer running at half rate.
#[derive(Clone, Debug, Default)]
pub struct HalfRate {
    /// The last four half-rate frames, oldest first (output runs four output frames late).
    hist: [[f32; 2]; 4],
    /// True when the next output frame is a midpoint, false when it is the next half-rate frame.
    between: bool,
}

impl HalfRate {
    /// Fills `out` (interleaved stereo) from a generator running at half rate: `compute(low, at)`
    /// writes the next half-rate frames into `low` (fully: it is reused between passes), `at`
    /// being how many half-rate frames this call has asked for before.
    #[inline]
    pub fn render(&mut self, out: &mut [f32], mut compute: impl FnMut(&mut [f32], usize)) {
        let mut low = [0.0f32; PASS + 2];
        let mut at = 0;
        for part in out.chunks_mut(PASS * 2) {
            let need = self.needed(part.len() / 2);
            compute(&mut low[..need * 2], at);
            self.expand(&low[..need * 2], part);
            at += need;
        }
    }

    /// Half-rate frames the next `frames` output frames consume.
    pub fn needed(&self, frames: usize) -> usize {
        (frames + usize::from(!self.between)) / 2
    }

    /// Writes `out` (interleaved stereo) from `low`, which holds exactly
    /// `needed(out.len() / 2)` half-rate frames (interleaved stereo; at most [`PASS`] / 2 + 1).
    pub fn expand(&mut self, low: &[f32], out: &mut [f32]) {
        // The history and the new frames side by side, so the taps index instead of shifting.
        let mut ext = [[0.0f32; 2]; PASS / 2 + 1 + 4];
        ext[..4].copy_from_slice(&self.hist);
        let fresh = low.len() / 2;
        for (e, v) in ext[4..4 + fresh].iter_mut().zip(low.chunks_exact(2)) {
            *e = [v[0], v[1]];
        }
        // After j new frames the window is ext[j..j + 4]: its [1] is the on-sample output and
        // the midpoint lies between its [1] and [2].
        let mut j = 0;
        for f in out.chunks_exact_mut(2) {
            if self.between {
                let [x0, x1, x2, x3] = [ext[j], ext[j + 1], ext[j + 2], ext[j + 3]];
                for c in 0..2 {
                    f[c] = (9.0 * (x1[c] + x2[c]) - (x0[c] + x3[c])) * (1.0 / 16.0);
                }
            } else {
                j += 1;
                f.copy_from_slice(&ext[j + 1]);
            }
            self.between = !self.between;
        }
        debug_assert_eq!(j, fresh, "expand needs exactly `needed` half-rate frames");
        self.hist.copy_from_slice(&ext[j..j + 4]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A low sine rendered at half rate and expanded is the same sine at the full rate (delayed
    /// by four output frames), whatever the pass lengths.
    #[test]
    fn expands_a_low_sine_cleanly() {
        let (sr, f) = (48_000.0f64, 1000.0f64);
        let mut h = HalfRate::default();
        let mut rng = crate::dsp::rng::Rng::new(3);
        let (mut t_low, mut out_all) = (0usize, Vec::new());
        while out_all.len() < 20_000 {
            let frames = 1 + rng.index(PASS);
            let need = h.needed(frames);
            let low: Vec<f32> = (0..need)
                .flat_map(|k| {
                    let v = (2.0 * std::f64::consts::PI * f * (t_low + k) as f64 / (sr / 2.0)).sin() as f32;
                    [v, -v]
                })
                .collect();
            t_low += need;
            let mut out = vec![0.0f32; frames * 2];
            h.expand(&low, &mut out);
            out_all.extend(out.chunks_exact(2).map(|p| p[0]));
        }
        let worst = out_all
            .iter()
            .enumerate()
            .skip(16)
            .map(|(n, v)| (*v as f64 - (2.0 * std::f64::consts::PI * f * (n as f64 - 4.0) / sr).sin()).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.01, "worst error {worst}");
    }
}
