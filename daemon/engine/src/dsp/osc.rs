//! Sine oscillators by complex rotation: two multiplies per output, no table, no `sin()` per sample.

/// A quadrature oscillator. Frequency changes are applied per block; amplitude drift from float
/// rounding is corrected at every retune.
#[derive(Clone, Debug)]
pub struct Sine {
    re: f32,
    im: f32,
    c: f32,
    s: f32,
}

impl Sine {
    pub fn new(freq_hz: f32, phase: f32, sr: f32) -> Self {
        let mut o = Sine { re: phase.cos(), im: phase.sin(), c: 1.0, s: 0.0 };
        o.set_freq(freq_hz, sr);
        o
    }

    pub fn set_freq(&mut self, freq_hz: f32, sr: f32) {
        let w = 2.0 * std::f32::consts::PI * freq_hz.clamp(0.0, sr * 0.49) / sr;
        self.c = w.cos();
        self.s = w.sin();
        self.renormalize();
    }

    /// Pulls the rotator back onto the unit circle; call once per block.
    pub fn renormalize(&mut self) {
        let norm = (self.re * self.re + self.im * self.im).sqrt();
        if norm > 1e-6 && norm.is_finite() {
            self.re /= norm;
            self.im /= norm;
        } else {
            self.re = 1.0;
            self.im = 0.0;
        }
    }

    #[inline]
    pub fn tick(&mut self) -> f32 {
        let re = self.re * self.c - self.im * self.s;
        self.im = self.re * self.s + self.im * self.c;
        self.re = re;
        self.im
    }
}
