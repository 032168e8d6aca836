//! Synthesised instrument voices for the music layers: a struck bar or bell (modal), a plucked
//! string (Karplus-Strong) and a soft glassy electric piano (two-operator FM), played by a small
//! fixed pool of voices.
//!
//! Everything is allocated in [`Voices::new`] (the string delay lines included), so starting a
//! note from the audio callback costs a few dozen operations and never allocates. A note that
//! needs a voice while all are sounding takes the quietest one, which first fades out over a
//! few milliseconds: cutting a ringing voice would click.

use super::pan_gains;
use super::rng::Rng;
use std::f32::consts::TAU;

/// The instrument a [`Voices`] pool plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timbre {
    /// Modal synthesis of a struck bar: decaying sines at 1 : 2.76 : 5.40 : 8.93, upper modes
    /// dying faster (a marimba or vibraphone bar more than a church bell).
    Bell,
    /// Karplus-Strong string: a noise burst circulating in a tuned delay loop.
    Pluck,
    /// FM with a 1:1 modulator whose index decays: bright, slightly glassy onset mellowing to
    /// an almost pure tone, like a soft electric piano.
    Glass,
}

impl Timbre {
    /// Seconds of the onset ramp: short enough to keep the instrument's attack, long enough that
    /// no note starts on a step.
    fn attack_s(self) -> f32 {
        match self {
            Timbre::Bell => 0.002,
            Timbre::Pluck => 0.0015,
            Timbre::Glass => 0.012,
        }
    }
}

/// Simultaneous notes; the music layers are sparse, and a seventh note takes the quietest voice.
pub const VOICES: usize = 6;
/// Seconds a stolen voice takes to fade before its new note starts.
const CHOKE_S: f32 = 0.01;
/// Bar partial ratios and their relative lengths of ring.
const BAR_RATIOS: [f32; 4] = [1.0, 2.76, 5.40, 8.93];
const BAR_DECAY: [f32; 4] = [1.0, 0.45, 0.25, 0.14];
/// A voice is free once its note is 80 dB down: this many times its T60.
const LIFE_PER_T60: f32 = 80.0 / 60.0;

/// One note to play.
#[derive(Clone, Copy, Debug)]
pub struct Note {
    pub freq: f32,
    /// Peak amplitude (0..1).
    pub amp: f32,
    /// -1 (left) ..= 1 (right).
    pub pan: f32,
    /// Seconds for the note to ring down 60 dB.
    pub decay_s: f32,
    /// 0 = dark and soft .. 1 = bright (upper partials, FM index, pluck brightness).
    pub tone: f32,
}

#[derive(Clone, Copy, Debug, Default)]
struct Voice {
    active: bool,
    /// Samples until the note is inaudible (and the voice free).
    left: u32,
    env: f32,
    env_step: f32,
    gl: f32,
    gr: f32,
    pending: Option<Note>,
    // Bell: four two-pole resonators side by side (one SIMD register).
    y1: [f32; 4],
    y2: [f32; 4],
    a1: [f32; 4],
    a2: [f32; 4],
    // Glass: carrier phase (turns), its increment, modulator as a rotating phasor.
    car: f32,
    car_inc: f32,
    m_re: f32,
    m_im: f32,
    m_c: f32,
    m_s: f32,
    index: f32,
    index_keep: f32,
    level: f32,
    level_keep: f32,
    // Pluck: integer delay, write position, allpass coefficient and states, loop loss.
    n: usize,
    w: usize,
    ap_a: f32,
    /// Loop filter weight of the previous sample (0.5 = the plain average).
    damp: f32,
    ap_x1: f32,
    ap_y1: f32,
    lp_x1: f32,
    loss: f32,
}

/// A pool of [`VOICES`] voices of one timbre, rendering interleaved stereo at `sr`.
pub struct Voices {
    timbre: Timbre,
    sr: f32,
    /// Highest frequency a partial may have (content above is left out, e.g. for half rate).
    max_hz: f32,
    lowest_hz: f32,
    voices: [Voice; VOICES],
    /// String delay lines, `cap` samples per voice.
    lines: Vec<f32>,
    cap: usize,
    rng: Rng,
}

/// sin(2 pi x) for `x` in turns (|x| < 2^22), to about 0.1 % (a parabola and one refinement):
/// FM needs a sine of an arbitrary phase every sample and this is a fraction of the cost of
/// `sin`. Rounds with the 1.5 * 2^23 trick: plain float adds, so a loop of these vectorises
/// (`floor` is a library call on baseline x86-64, and `as i32` saturates with extra fix-ups).
#[inline(always)]
fn sin_turns(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0;
    let y = x - ((x + ROUND) - ROUND);
    let s = 8.0 * y - 16.0 * y * y.abs();
    0.225 * (s * s.abs() - s) + s
}

/// Phase delay in samples of the allpass `(a + z^-1) / (1 + a z^-1)` at `w` rad/sample.
fn allpass_delay(a: f32, w: f32) -> f32 {
    let (s, c) = w.sin_cos();
    let num = (-s).atan2(a + c);
    let den = (-a * s).atan2(1.0 + a * c);
    -(num - den) / w
}

impl Voices {
    /// `lowest_hz` sizes the string delay lines (lower notes are played at this pitch instead).
    pub fn new(timbre: Timbre, sr: f32, max_hz: f32, lowest_hz: f32, rng: Rng) -> Self {
        let lowest_hz = lowest_hz.clamp(20.0, sr * 0.25);
        let cap = if timbre == Timbre::Pluck { (sr / lowest_hz).ceil() as usize + 4 } else { 1 };
        Voices {
            timbre,
            sr,
            max_hz: max_hz.min(sr * 0.45),
            lowest_hz,
            voices: [Voice::default(); VOICES],
            lines: vec![0.0; cap * VOICES],
            cap,
            rng,
        }
    }

    /// Voices sounding or about to.
    pub fn busy(&self) -> usize {
        self.voices.iter().filter(|v| v.active || v.pending.is_some()).count()
    }

    /// Starts a note now, or after a few milliseconds if a sounding voice must fade for it first.
    pub fn play(&mut self, note: Note) {
        if !(note.freq.is_finite() && note.amp.is_finite() && note.decay_s.is_finite()) {
            return;
        }
        if let Some(i) = self.voices.iter().position(|v| !v.active && v.pending.is_none()) {
            self.start(i, note);
            return;
        }
        // Steal the voice closest to its end that isn't already handing over.
        let Some(i) =
            (0..VOICES).filter(|&i| self.voices[i].pending.is_none()).min_by_key(|&i| self.voices[i].left)
        else {
            return;
        };
        let v = &mut self.voices[i];
        v.pending = Some(note);
        v.env_step = -1.0 / (CHOKE_S * self.sr);
    }

    fn start(&mut self, i: usize, note: Note) {
        let sr = self.sr;
        let freq = note.freq.clamp(self.lowest_hz, self.max_hz.max(self.lowest_hz));
        let amp = note.amp.clamp(0.0, 1.0);
        let tone = note.tone.clamp(0.0, 1.0);
        let t60 = note.decay_s.clamp(0.05, 30.0);
        let (gl, gr) = pan_gains(note.pan);
        let v = &mut self.voices[i];
        *v = Voice {
            active: true,
            left: (t60 * LIFE_PER_T60 * sr) as u32,
            env: 0.0,
            env_step: 1.0 / (self.timbre.attack_s() * sr).max(1.0),
            gl,
            gr,
            ..Voice::default()
        };
        match self.timbre {
            Timbre::Bell => {
                let bright = 0.25 + 0.75 * tone;
                let mut amps = [1.0, 0.5 * bright, 0.28 * bright, 0.14 * bright * bright];
                for (k, a) in amps.iter_mut().enumerate() {
                    if freq * BAR_RATIOS[k] > self.max_hz {
                        *a = 0.0;
                    }
                }
                let norm = amp / amps.iter().sum::<f32>();
                for k in 0..4 {
                    let w = TAU * freq * BAR_RATIOS[k] / sr;
                    let r = (-6.9078 / (t60 * BAR_DECAY[k] * sr)).exp();
                    let a = amps[k] * norm;
                    v.a1[k] = 2.0 * r * w.cos();
                    v.a2[k] = r * r;
                    // States for y[n] = a r^n sin(w n): the note starts from zero, on no step.
                    v.y1[k] = -a * w.sin() / r;
                    v.y2[k] = -a * (2.0 * w).sin() / (r * r);
                }
            }
            Timbre::Glass => {
                v.car_inc = freq / sr;
                let w = TAU * freq / sr;
                (v.m_c, v.m_s) = (w.cos(), w.sin());
                (v.m_re, v.m_im) = (1.0, 0.0);
                // The index sets how many harmonics sound at the onset; keep them under max_hz.
                let room = (self.max_hz / freq - 1.0).max(0.0);
                v.index = ((0.5 + 2.0 * tone).min(room * 0.7)) / TAU;
                v.index_keep = (-1.0 / (0.22 * t60 * sr)).exp();
                v.level = amp;
                v.level_keep = (-6.9078 / (t60 * sr)).exp();
            }
            Timbre::Pluck => {
                let period = sr / freq;
                let w = TAU * freq / sr;
                let per_trip = 10f32.powf(-3.0 * period / (t60 * sr));
                // The loop filter (1 - S) + S z^-1 does the damping: S = 0.5 (the classic
                // average) for low notes; for high ones, whose many trips a second would make
                // even that average kill them in a moment, the S that gives the fundamental
                // exactly its T60, solved from |H|^2 = 1 - 2 S (1 - S) (1 - cos w). Upper
                // harmonics always die faster, which is what makes it a string.
                let q = (1.0 - (per_trip / 0.9999).min(1.0).powi(2)) / (2.0 * (1.0 - w.cos())).max(1e-9);
                let damp = if q >= 0.25 { 0.5 } else { 0.5 * (1.0 - (1.0 - 4.0 * q).max(0.0).sqrt()) };
                let (ws, wc) = w.sin_cos();
                let h_re = 1.0 - damp + damp * wc;
                let h_im = damp * ws;
                let h = (h_re * h_re + h_im * h_im).sqrt().max(0.1);
                let lp_delay = h_im.atan2(h_re) / w;
                // The loop is n samples, plus the loop filter's and the allpass's phase delays
                // at the fundamental: tune the allpass so the whole loop is one period (a few
                // iterations of its exact phase delay).
                let n = ((period - lp_delay - 0.1).floor() as usize).clamp(1, self.cap - 1);
                let want = period - n as f32 - lp_delay;
                let mut d = want;
                let mut a = 0.0;
                for _ in 0..4 {
                    a = ((1.0 - d) / (1.0 + d)).clamp(-0.95, 0.95);
                    d += want - allpass_delay(a, w);
                }
                v.n = n;
                v.w = n;
                v.ap_a = a;
                v.damp = damp;
                v.loss = (per_trip / h).clamp(0.0, 0.99995);
                // Excitation: one period of noise, low-passed relative to the note (so `tone`
                // means the same number of strong harmonics in every register), without DC,
                // scaled by its RMS so high and low notes start equally loud.
                let line = &mut self.lines[i * self.cap..(i + 1) * self.cap];
                let k = 1.0 - (-TAU * freq * (1.0 + 5.0 * tone) / sr).exp();
                let mut y = 0.0;
                let mut sum = 0.0;
                for s in line[..n].iter_mut() {
                    y += k * (self.rng.bipolar() - y);
                    *s = y;
                    sum += y;
                }
                let mean = sum / n as f32;
                let ms = line[..n].iter().map(|s| (s - mean) * (s - mean)).sum::<f32>() / n as f32;
                let g = 0.5 * amp / ms.sqrt().max(1e-6);
                for s in line[..n].iter_mut() {
                    *s = ((*s - mean) * g).clamp(-amp, amp);
                }
            }
        }
    }

    /// Adds the voices' next `out.len() / 2` frames to `out` (interleaved stereo). Keep `out`
    /// to a block or so: the FM phases wrap once per call.
    pub fn render_add(&mut self, out: &mut [f32]) {
        let frames = out.len() / 2;
        for i in 0..VOICES {
            if !self.voices[i].active
                && let Some(n) = self.voices[i].pending.take()
            {
                self.start(i, n);
            }
        }
        match self.timbre {
            Timbre::Glass => self.render_glass(out),
            Timbre::Bell => {
                for v in self.voices.iter_mut().filter(|v| v.active) {
                    let (gl, gr, step) = (v.gl, v.gr, v.env_step);
                    let (mut env, mut y1, mut y2, a1, a2) = (v.env, v.y1, v.y2, v.a1, v.a2);
                    for f in out.chunks_exact_mut(2) {
                        let mut y = [0.0f32; 4];
                        for k in 0..4 {
                            y[k] = a1[k] * y1[k] - a2[k] * y2[k];
                        }
                        y2 = y1;
                        y1 = y;
                        env = (env + step).clamp(0.0, 1.0);
                        let s = ((y[0] + y[1]) + (y[2] + y[3])) * env;
                        f[0] += s * gl;
                        f[1] += s * gr;
                    }
                    (v.env, v.y1, v.y2) = (env, y1, y2);
                }
            }
            Timbre::Pluck => {
                let cap = self.cap;
                for (v, line) in self.voices.iter_mut().zip(self.lines.chunks_exact_mut(cap)) {
                    if !v.active {
                        continue;
                    }
                    let (gl, gr, step) = (v.gl, v.gr, v.env_step);
                    let (n, a, loss, damp) = (v.n, v.ap_a, v.loss, v.damp);
                    let (mut env, mut w, mut x1, mut ax1, mut ay1) = (v.env, v.w, v.lp_x1, v.ap_x1, v.ap_y1);
                    for f in out.chunks_exact_mut(2) {
                        let r = if w >= n { w - n } else { w + cap - n };
                        let x = line[r];
                        let lp = x + damp * (x1 - x);
                        x1 = x;
                        let ap = a * lp + ax1 - a * ay1;
                        ax1 = lp;
                        ay1 = ap;
                        line[w] = ap * loss;
                        w += 1;
                        if w == cap {
                            w = 0;
                        }
                        env = (env + step).clamp(0.0, 1.0);
                        let s = x * env;
                        f[0] += s * gl;
                        f[1] += s * gr;
                    }
                    (v.env, v.w, v.lp_x1, v.ap_x1, v.ap_y1) = (env, w, x1, ax1, ay1);
                }
            }
        }
        for v in self.voices.iter_mut().filter(|v| v.active) {
            let step = v.env_step;
            if v.env >= 1.0 && step > 0.0 {
                v.env_step = 0.0;
            }
            v.left = v.left.saturating_sub(frames as u32);
            if v.left == 0 || (step < 0.0 && v.env <= 0.0) {
                v.active = false;
            }
        }
    }

    /// The FM voices side by side in the lanes of a SIMD register, four at a time (silent
    /// lanes cost as much as sounding ones, but four lanes take about the time of one voice on
    /// its own): a dense melody of ringing glass notes costs about what two voices did.
    fn render_glass(&mut self, out: &mut [f32]) {
        const L: usize = 4;
        for group in self.voices.chunks_mut(L) {
            if !group.iter().any(|v| v.active) {
                continue;
            }
            let mut st = [[0.0f32; L]; 14];
            for (l, v) in group.iter().enumerate().filter(|(_, v)| v.active) {
                let vals = [
                    v.car,
                    v.car_inc,
                    v.m_re,
                    v.m_im,
                    v.m_c,
                    v.m_s,
                    v.index,
                    v.index_keep,
                    v.level,
                    v.level_keep,
                    v.env,
                    v.env_step,
                    v.gl,
                    v.gr,
                ];
                for (k, x) in vals.into_iter().enumerate() {
                    st[k][l] = x;
                }
            }
            let [mut car, inc, mut re, mut im, c, s, mut index, ik, mut level, lk, mut env, step, gl, gr] =
                st;
            for f in out.chunks_exact_mut(2) {
                let mut x = [0.0f32; L];
                for l in 0..L {
                    x[l] = sin_turns(car[l] + index[l] * im[l]) * level[l] * env[l];
                    (re[l], im[l]) = (re[l] * c[l] - im[l] * s[l], re[l] * s[l] + im[l] * c[l]);
                    car[l] += inc[l];
                    index[l] *= ik[l];
                    level[l] *= lk[l];
                    env[l] = (env[l] + step[l]).clamp(0.0, 1.0);
                }
                f[0] += (x[0] * gl[0] + x[1] * gl[1]) + (x[2] * gl[2] + x[3] * gl[3]);
                f[1] += (x[0] * gr[0] + x[1] * gr[1]) + (x[2] * gr[2] + x[3] * gr[3]);
            }
            for (l, v) in group.iter_mut().enumerate().filter(|(_, v)| v.active) {
                // Keep the phase small (precision) and the phasor on the unit circle.
                v.car = car[l] - car[l].floor();
                let m = (re[l] * re[l] + im[l] * im[l]).sqrt();
                (v.m_re, v.m_im) =
                    if m > 1e-6 && m.is_finite() { (re[l] / m, im[l] / m) } else { (1.0, 0.0) };
                (v.index, v.level, v.env) = (index[l], level[l], env[l]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_sine_is_close() {
        let worst = (0..10_000)
            .map(|i| {
                let x = i as f32 / 1000.0 - 5.0;
                assert!(sin_turns(x).is_finite());
                (sin_turns(x) - (TAU * x).sin()).abs()
            })
            .fold(0.0f32, f32::max);
        assert!(worst < 2e-3, "{worst}");
    }

    /// Every timbre stays finite and bounded whatever it is asked, including stealing voices.
    #[test]
    fn bounded_under_abuse() {
        for timbre in [Timbre::Bell, Timbre::Pluck, Timbre::Glass] {
            let mut v = Voices::new(timbre, 24_000.0, 6000.0, 60.0, Rng::new(1));
            let mut out = vec![0.0f32; 256];
            let mut rng = Rng::new(2);
            for i in 0..400 {
                if i % 3 == 0 {
                    v.play(Note {
                        freq: rng.range(10.0, 20_000.0),
                        amp: 0.15,
                        pan: rng.range(-1.0, 1.0),
                        decay_s: rng.range(0.0, 40.0),
                        tone: rng.range(0.0, 1.0),
                    });
                }
                out.fill(0.0);
                v.render_add(&mut out);
                assert!(out.iter().all(|s| s.is_finite() && s.abs() < 0.9), "{timbre:?}");
            }
        }
    }
}
