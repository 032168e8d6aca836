//! The scene's shared space: one stereo feedback delay network that every layer sends to, so
//! separate layers sound as if they are in one place.
//!
//! Eight delay lines with mutually prime lengths, a Hadamard feedback matrix (lossless mixing, so
//! the decay time is set by the per-line gains alone) and a one-pole low-pass in each loop (high
//! frequencies die sooner, as in real rooms). The return is scaled so a steady input comes back at
//! about its own energy: a layer's send is taken out of its dry level (`sqrt(1 - w^2)` dry, `w`
//! wet), which keeps the scene's calibrated loudness when sends change.
//!
//! Realtime: all memory is allocated in [`Space::new`]; [`Space::process`] only reads and writes it.

const LINES: usize = 8;
/// Line lengths in milliseconds at size 0.5 (mutually prime in samples at common rates once
/// rounded; spread so echoes never line up into a flutter).
const BASE_MS: [f32; LINES] = [31.7, 37.1, 41.9, 47.3, 53.9, 59.3, 67.1, 73.7];

pub struct Space {
    buf: Vec<f32>,
    /// Start of each line inside `buf`, its length (delay) and index mask (lengths are powers of two).
    start: [usize; LINES],
    delay: [usize; LINES],
    mask: [usize; LINES],
    pos: usize,
    feedback: [f32; LINES],
    lp: [f32; LINES],
    damp: f32,
    out_gain: f32,
}

impl Space {
    /// `size` 0..1 (small room .. hall), `damping` 0..1 (dark .. bright tail).
    pub fn new(size: f32, damping: f32, sr: f32) -> Space {
        let size = if size.is_finite() { size.clamp(0.0, 1.0) } else { 0.5 };
        let damping = if damping.is_finite() { damping.clamp(0.0, 1.0) } else { 0.5 };
        let scale = 0.5 + size; // line lengths 0.5x .. 1.5x
        let t60 = 0.4 + 4.1 * size * size; // seconds
        let mut start = [0; LINES];
        let mut delay = [0; LINES];
        let mut mask = [0; LINES];
        let mut feedback = [0.0; LINES];
        let mut total = 0;
        for i in 0..LINES {
            let d = ((BASE_MS[i] * scale * 1e-3 * sr) as usize).max(8) | 1;
            let cap = (d + 1).next_power_of_two();
            start[i] = total;
            delay[i] = d;
            mask[i] = cap - 1;
            total += cap;
            // Gain per pass so the loop decays by 60 dB in t60 seconds.
            feedback[i] = 10f32.powf(-3.0 * d as f32 / (t60 * sr));
        }
        // Loop low-pass: cutoff from ~2.5 kHz (dark) to ~12 kHz (bright).
        let fc = 2500.0 * (12000.0f32 / 2500.0).powf(damping);
        let damp = 1.0 - (-std::f32::consts::TAU * fc.min(sr * 0.45) / sr).exp();
        // Energy gain of the loop is about 1 / (1 - g^2) per line; scale the return so a steady
        // input comes back at roughly its own energy (checked by a test below).
        let g2 = feedback.iter().map(|g| g * g).sum::<f32>() / LINES as f32;
        // The loop low-pass takes energy too, more as the tail grows longer; measured on white
        // noise (the worst case: pinker sends lose less).
        let out_gain = (1.0 - g2).max(1e-4).sqrt() * 0.75 * 10f32.powf((1.5 + 2.2 * size) / 20.0);
        Space {
            buf: vec![0.0; total],
            start,
            delay,
            mask,
            pos: 0,
            feedback,
            lp: [0.0; LINES],
            damp,
            out_gain,
        }
    }

    /// Runs `send` (interleaved stereo) through the space and adds the return to `out`.
    pub fn process(&mut self, send: &[f32], out: &mut [f32]) {
        let (start, delay, mask, fb, damp, og) =
            (self.start, self.delay, self.mask, self.feedback, self.damp, self.out_gain);
        let mut lp = self.lp;
        let mut pos = self.pos;
        let buf = &mut self.buf[..];
        for (s, o) in send.chunks_exact(2).zip(out.chunks_exact_mut(2)) {
            for i in 0..LINES {
                let x = buf[start[i] + (pos.wrapping_sub(delay[i]) & mask[i])];
                lp[i] += (x - lp[i]) * damp;
            }
            let y = lp;
            o[0] += og * (y[0] - y[2] + y[4] - y[6]);
            o[1] += og * (y[1] - y[3] + y[5] - y[7]);
            let h = hadamard(y);
            for i in 0..LINES {
                // The tiny offset keeps decaying tails out of denormal range (the master's DC
                // blocker removes it).
                let input = if i % 2 == 0 { s[0] } else { s[1] };
                buf[start[i] + (pos & mask[i])] = input + fb[i] * h[i] + 1e-20;
            }
            pos = pos.wrapping_add(1);
        }
        self.lp = lp;
        self.pos = pos;
    }
}

/// Fast Walsh-Hadamard transform of eight values, normalised (orthogonal, so lossless).
#[inline(always)]
fn hadamard(mut v: [f32; LINES]) -> [f32; LINES] {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
            i += 2 * h;
        }
        h *= 2;
    }
    let k = 1.0 / (LINES as f32).sqrt();
    v.map(|x| x * k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::rng::Rng;

    fn energy(x: &[f32]) -> f64 {
        x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / x.len() as f64
    }

    /// A steady noise input comes back at about its own energy, at every size, and a dry impulse
    /// decays: the tail after the input stops falls by at least 40 dB within t60.
    #[test]
    fn return_level_and_decay() {
        for size in [0.0, 0.5, 1.0] {
            let sr = 48_000.0;
            let mut s = Space::new(size, 0.5, sr);
            let mut rng = Rng::new(3);
            let n = 48_000 * 10;
            let input: Vec<f32> = (0..n * 2).map(|_| rng.bipolar() * 0.3).collect();
            let mut out = vec![0.0f32; n * 2];
            s.process(&input, &mut out);
            let ratio = energy(&out[n..]) / energy(&input[n..]);
            let db = 10.0 * ratio.log10();
            println!("size {size}: return {db:.2} dB");
            assert!((-2.5..2.0).contains(&db), "size {size}: return {db:.1} dB");
            let silence = vec![0.0f32; 48_000 * 5 * 2];
            let mut tail = vec![0.0f32; silence.len()];
            s.process(&silence, &mut tail);
            let t60 = 0.4 + 4.1 * size * size;
            let at = ((t60 * 48_000.0) as usize).min(48_000 * 4) * 2;
            let late = energy(&tail[at..at + 9600]);
            let early = energy(&tail[..9600]);
            assert!(late < early * 1e-4, "size {size}: tail {:.1} dB", 10.0 * (late / early).log10());
            assert!(tail.iter().all(|v| v.is_finite()));
        }
    }
}
