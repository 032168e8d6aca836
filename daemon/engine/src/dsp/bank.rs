//! A bank of sine oscillators with per-sample gain ramps, laid out in groups of four lanes so
//! the inner loop is one SIMD step per group (pads have 9-18 partials; scalar code was the
//! single largest cost of a scene).

#[derive(Clone, Copy, Default)]
struct Group {
    re: [f32; 4],
    im: [f32; 4],
    c: [f32; 4],
    s: [f32; 4],
    gl: [f32; 4],
    gr: [f32; 4],
    dl: [f32; 4],
    dr: [f32; 4],
}

pub struct SineBank {
    groups: Vec<Group>,
    n: usize,
}

impl SineBank {
    /// `n` oscillators, silent, at 0 Hz, with the given start phases.
    pub fn new(n: usize, phases: impl Iterator<Item = f32>) -> Self {
        let mut groups = vec![Group::default(); n.div_ceil(4)];
        for (j, ph) in phases.take(n).enumerate() {
            let g = &mut groups[j / 4];
            g.re[j % 4] = ph.cos();
            g.im[j % 4] = ph.sin();
            g.c[j % 4] = 1.0;
        }
        SineBank { groups, n }
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn set_freq(&mut self, j: usize, freq_hz: f32, sr: f32) {
        let w = 2.0 * std::f32::consts::PI * freq_hz.clamp(0.0, sr * 0.49) / sr;
        let g = &mut self.groups[j / 4];
        g.c[j % 4] = w.cos();
        g.s[j % 4] = w.sin();
    }

    /// Ramps oscillator `j` to left/right gains over `frames` samples.
    pub fn ramp_gain(&mut self, j: usize, left: f32, right: f32, frames: usize) {
        let inv = 1.0 / frames.max(1) as f32;
        let g = &mut self.groups[j / 4];
        let k = j % 4;
        g.dl[k] = (left - g.gl[k]) * inv;
        g.dr[k] = (right - g.gr[k]) * inv;
    }

    /// Overwrites `out` (interleaved stereo) with the bank's sum.
    pub fn render(&mut self, out: &mut [f32]) {
        // Lanes accumulate across groups and are summed once per frame at the end (one horizontal
        // sum per frame instead of one per group and frame).
        const SUB: usize = 128;
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            let mut acc_l = [[0.0f32; 4]; SUB];
            let mut acc_r = [[0.0f32; 4]; SUB];
            for g in &mut self.groups {
                let (mut re, mut im, c, s) = (g.re, g.im, g.c, g.s);
                let (mut gl, mut gr, dl, dr) = (g.gl, g.gr, g.dl, g.dr);
                for (al, ar) in acc_l[..n].iter_mut().zip(acc_r[..n].iter_mut()) {
                    for k in 0..4 {
                        let r2 = re[k] * c[k] - im[k] * s[k];
                        let i2 = re[k] * s[k] + im[k] * c[k];
                        re[k] = r2;
                        im[k] = i2;
                        gl[k] += dl[k];
                        gr[k] += dr[k];
                        al[k] += i2 * gl[k];
                        ar[k] += i2 * gr[k];
                    }
                }
                (g.re, g.im, g.gl, g.gr) = (re, im, gl, gr);
            }
            for (f, (l, r)) in part.chunks_exact_mut(2).zip(acc_l.iter().zip(&acc_r)) {
                f[0] = (l[0] + l[1]) + (l[2] + l[3]);
                f[1] = (r[0] + r[1]) + (r[2] + r[3]);
            }
        }
        for g in &mut self.groups {
            // Back onto the unit circle once per block so rounding never grows or decays.
            for k in 0..4 {
                let n = (g.re[k] * g.re[k] + g.im[k] * g.im[k]).sqrt();
                if n > 1e-6 && n.is_finite() {
                    g.re[k] /= n;
                    g.im[k] /= n;
                } else {
                    g.re[k] = 1.0;
                    g.im[k] = 0.0;
                }
            }
        }
    }
}
