//! The scene's output stage: a DC blocker and a look-ahead peak limiter.
//!
//! The limiter delays the signal by [`LOOKAHEAD`] frames and lowers its gain smoothly *before* a
//! peak arrives, so peaks are scaled rather than cut: a hard clamp flattens the tops of waves
//! (runs of identical samples, heard as crackle), and a limiter without look-ahead has to jump its
//! gain at the peak itself. The gain is the minimum of the needed gain over a window of
//! `LOOKAHEAD + 1` frames, averaged over `LOOKAHEAD + 1` frames (which can never exceed the need at
//! the delayed sample: every averaged minimum covers it), then released slowly.
//!
//! While no peak is near and the gain is fully released (nearly always: scenes sit at -23 LUFS
//! with the ceiling at -3 dBFS) a block only passes through the delay.

/// Look-ahead in frames (1.3 ms at 48 kHz): long enough for a smooth attack, short enough to be
/// inaudible as latency.
pub const LOOKAHEAD: usize = 63;
const W: usize = LOOKAHEAD + 1;
/// Ring sizes (powers of two, at least `W`).
const RING: usize = 64;
const RING_MASK: usize = RING - 1;

pub struct Limiter {
    ceiling: f32,
    /// Delayed frames (interleaved), written at `pos`.
    delay: [f32; RING * 2],
    /// Needed gain per frame over the last `W` frames, for the sliding minimum.
    need: [f32; RING],
    /// Monotone queue of frame indices whose needs are increasing (the window minimum first).
    queue: [u64; RING],
    head: usize,
    len: usize,
    /// The last `W` window minima and their running sum (the moving average).
    mins: [f32; RING],
    sum: f64,
    /// In f64: near 1 a release step is smaller than an f32 ulp and the gain would stall short.
    gain: f64,
    release: f64,
    pos: u64,
    /// True while every need in the window is 1 and the gain is released: the fast path.
    idle: bool,
}

impl Limiter {
    pub fn new(ceiling: f32, release_s: f32, sr: f32) -> Limiter {
        Limiter {
            ceiling,
            release: 1.0 - (-1.0 / (release_s as f64 * sr as f64)).exp(),
            delay: [0.0; RING * 2],
            need: [1.0; RING],
            queue: [0; RING],
            head: 0,
            len: 0,
            mins: [1.0; RING],
            sum: W as f64,
            gain: 1.0,
            pos: 0,
            idle: true,
        }
    }

    /// Current gain (1 = not limiting).
    pub fn gain(&self) -> f32 {
        self.gain as f32
    }

    /// Limits `x` (interleaved stereo) in place: the output is the input `LOOKAHEAD` frames
    /// earlier, scaled so no sample exceeds the ceiling. Non-finite samples become silence.
    pub fn process(&mut self, x: &mut [f32]) {
        let peak = super::peak_abs(x);
        if self.idle && peak <= self.ceiling {
            self.pass_through(x);
            return;
        }
        for f in x.chunks_exact_mut(2) {
            let (l, r) = (finite(f[0]), finite(f[1]));
            let p = l.abs().max(r.abs());
            let need = if p > self.ceiling { self.ceiling / p } else { 1.0 };
            let n = self.pos;
            let slot = (n as usize) & RING_MASK;
            self.need[slot] = need;
            // Sliding minimum over the last W frames (monotone queue).
            while self.len > 0 {
                let last = self.queue[(self.head + self.len - 1) & RING_MASK];
                if self.need[(last as usize) & RING_MASK] >= need {
                    self.len -= 1;
                } else {
                    break;
                }
            }
            self.queue[(self.head + self.len) & RING_MASK] = n;
            self.len += 1;
            if n >= W as u64 && self.queue[self.head] <= n - W as u64 {
                self.head = (self.head + 1) & RING_MASK;
                self.len -= 1;
            }
            let min = self.need[(self.queue[self.head] as usize) & RING_MASK];
            // Moving average of the minima.
            // In f64 from exact f32 values: an f32 difference would round every frame and the
            // sum would drift off the window's true mean (and never quite release).
            self.sum += min as f64 - self.mins[slot] as f64;
            self.mins[slot] = min;
            let avg = self.sum / W as f64;
            self.gain = if avg < self.gain { avg } else { self.gain + (avg - self.gain) * self.release };
            let g = self.gain as f32;
            // Written at `slot`, read back LOOKAHEAD frames later (the ring is one frame longer).
            let d = slot * 2;
            self.delay[d] = l;
            self.delay[d + 1] = r;
            let o = ((slot + 1) & RING_MASK) * 2;
            let (dl, dr) = (self.delay[o], self.delay[o + 1]);
            f[0] = (dl * g).clamp(-1.0, 1.0);
            f[1] = (dr * g).clamp(-1.0, 1.0);
            self.pos += 1;
        }
        // Back to the fast path once the window holds no need and the gain has come home.
        if self.gain > 0.9999 && self.mins.iter().all(|&m| m == 1.0) {
            self.gain = 1.0;
            self.sum = W as f64;
            self.idle = true;
        } else {
            self.idle = false;
        }
    }

    fn pass_through(&mut self, x: &mut [f32]) {
        for f in x.chunks_exact_mut(2) {
            let slot = (self.pos as usize) & RING_MASK;
            let d = slot * 2;
            self.delay[d] = finite(f[0]);
            self.delay[d + 1] = finite(f[1]);
            self.need[slot] = 1.0;
            let o = ((slot + 1) & RING_MASK) * 2;
            let (dl, dr) = (self.delay[o], self.delay[o + 1]);
            f[0] = dl;
            f[1] = dr;
            self.pos += 1;
        }
        // The queue only ever holds indices of needs below 1; with none in the window it empties.
        self.len = 0;
    }
}

#[inline(always)]
fn finite(v: f32) -> f32 {
    if v.abs() < f32::INFINITY { v } else { 0.0 }
}

/// A second-order high-pass at a few hertz per channel (two first-order stages): removes DC and
/// the sub-audible drift of brown-noise beds and crackle asymmetry, which would otherwise eat
/// headroom and show as an offset over any few seconds. One stage leaves brown noise's slowest
/// wander only ~38 dB down at 0.1 Hz; two take it to ~76 dB.
#[derive(Clone, Copy, Debug)]
pub struct DcBlock {
    r: f32,
    /// Per stage and channel: last input, last output.
    x1: [f32; 4],
    y1: [f32; 4],
}

impl DcBlock {
    pub fn new(cutoff_hz: f32, sr: f32) -> DcBlock {
        DcBlock { r: 1.0 - std::f32::consts::TAU * cutoff_hz / sr, x1: [0.0; 4], y1: [0.0; 4] }
    }

    /// Filters `x` (interleaved stereo) in place.
    pub fn process(&mut self, x: &mut [f32]) {
        let (r, mut x1, mut y1) = (self.r, self.x1, self.y1);
        for f in x.chunks_exact_mut(2) {
            for c in 0..2 {
                let v = finite(f[c]);
                let a = v - x1[c] + r * y1[c];
                x1[c] = v;
                y1[c] = a;
                let b = a - x1[c + 2] + r * y1[c + 2];
                x1[c + 2] = a;
                y1[c + 2] = b;
                f[c] = b;
            }
        }
        // Keep decaying state out of denormal range.
        for y in &mut y1 {
            if y.abs() < 1e-25 {
                *y = 0.0;
            }
        }
        (self.x1, self.y1) = (x1, y1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Peaks far above the ceiling come out at or under it, delayed by the look-ahead, with no
    /// flat tops (no three equal samples in a row at the peak), and the gain recovers afterwards.
    #[test]
    fn limits_smoothly_without_flat_tops() {
        let sr = 48_000.0;
        let mut lim = Limiter::new(0.7, 0.15, sr);
        // Two seconds: the gain is fully home well before the end (release 0.15 s).
        let n = 96_000;
        let mut x: Vec<f32> = (0..n)
            .flat_map(|i| {
                let t = i as f32 / sr;
                let burst = if (10_000..10_400).contains(&i) { 3.0 } else { 0.3 };
                let s = (t * 440.0 * std::f32::consts::TAU).sin() * burst;
                [s, -s]
            })
            .collect();
        let input = x.clone();
        for chunk in x.chunks_mut(256) {
            lim.process(chunk);
        }
        assert!(x.iter().all(|v| v.abs() <= 0.7 + 1e-6), "over the ceiling");
        // Delayed copy away from the burst.
        let i = 2000;
        assert!((x[(i + LOOKAHEAD) * 2] - input[i * 2]).abs() < 1e-6);
        let mut run = 1;
        for w in x.windows(3).step_by(2) {
            if w[0] == w[2] && w[0].abs() > 0.5 {
                run += 1;
                assert!(run < 3, "flat top");
            } else {
                run = 1;
            }
        }
        // Released by the end: the tail passes unchanged again.
        let j = n - 100;
        assert!((x[j * 2] - input[(j - LOOKAHEAD) * 2]).abs() < 1e-6);
        assert_eq!(lim.gain(), 1.0);
    }

    #[test]
    fn dc_block_removes_offset() {
        let mut dc = DcBlock::new(10.0, 48_000.0);
        let mut x = vec![0.25f32; 48_000 * 2];
        dc.process(&mut x);
        let tail: f32 = x[48_000..].iter().sum::<f32>() / 48_000.0;
        assert!(tail.abs() < 1e-4, "{tail}");
    }
}
