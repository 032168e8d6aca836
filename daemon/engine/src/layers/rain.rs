//! Rain: a filtered hiss plus individual drops. Drops arrive as a Poisson process (`density` per
//! second, following activity); each rings a short damped sine with a soft attack, so there are
//! drops but no clicks.
//!
//! Each sounding drop is computed four frames at a time: its damped sine is a complex number
//! rotated (and shrunk) by four samples per step in four lanes that hold consecutive frames, so a
//! step is SIMD work that lands directly on four output frames. Only sounding drops are
//! computed; typical rain keeps a handful busy.

use super::{Control, Generator, Param};
use crate::dsp::filter::{OnePole, Svf, SvfPair};
use crate::dsp::noise::{self, Color, Noise};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("density", 0.0, 3000.0, 40.0, 160.0, A, false),
    def("cutoff_hz", 300.0, 16000.0, 2500.0, 7000.0, B, true),
    def("drop_level", 0.0, 1.0, 0.5, 0.5, F, false),
    def("hiss_level", 0.0, 1.0, 0.7, 0.7, F, false),
];

const VOICES: usize = 16;
/// Frames per SIMD step of a voice.
const W: usize = 4;
/// Frames per pass (the drop accumulators live on the stack).
const SUB: usize = 128;
/// Longest drop decay time constant (s); with [`VOICES`] it caps the discrete-drop rate so a
/// reused voice has always decayed (denser rain is carried by the hiss).
const MAX_DECAY_S: f32 = 0.010;
/// A voice is free once it has decayed this far below its starting amplitude (-50 dB: a drop's
/// tail is under the hiss long before), or below [`SILENT`] outright.
const DECAYED: f32 = 3e-3;
const SILENT: f32 = 1e-5;
/// Drops quieter than this (-66 dBFS) are lost under the hiss anyway and are not started.
const INAUDIBLE: f32 = 5e-4;

/// One drop: `A r^n sin(w n) (1 - d^n)` for n samples since its onset, d giving the ~0.5 ms
/// soft attack.
#[derive(Clone, Copy, Default)]
struct Voice {
    /// `A r^n e^(iwn)` at the next four frames (the output is its imaginary part).
    re: [f32; W],
    im: [f32; W],
    /// `d^n` at the next four frames.
    att: [f32; W],
    /// Step by k samples (k = 0..=W): `r^k e^(iwk)` and `d^k`.
    rot: [(f32, f32); W + 1],
    datt: [f32; W + 1],
    gl: f32,
    gr: f32,
    /// Frames of the current pass before the onset (silent), for a drop that starts in it.
    lead: usize,
    /// Squared magnitude below which the voice is free.
    quiet2: f32,
    active: bool,
}

impl Voice {
    /// Adds this voice to `left`/`right` over a pass of `n` frames and moves it on by `n`.
    fn render(&mut self, left: &mut [f32; SUB], right: &mut [f32; SUB], n: usize) {
        let whole = n / W * W;
        let first = self.lead / W * W;
        let (c, s) = self.rot[W];
        let d = self.datt[W];
        let (mut re, mut im, mut att) = (self.re, self.im, self.att);
        // Lanes before the onset hold the (unused) extension of the drop to negative n.
        let mut mask: [f32; W] = std::array::from_fn(|i| if first + i >= self.lead { 1.0 } else { 0.0 });
        let (gl, gr) = (self.gl, self.gr);
        let mut at = first;
        while at < whole {
            let l: &mut [f32; W] = (&mut left[at..at + W]).try_into().unwrap();
            let r: &mut [f32; W] = (&mut right[at..at + W]).try_into().unwrap();
            for i in 0..W {
                let v = im[i] * (1.0 - att[i]) * mask[i];
                l[i] += v * gl;
                r[i] += v * gr;
                let (a, b) = (re[i], im[i]);
                re[i] = a * c - b * s;
                im[i] = a * s + b * c;
                att[i] *= d;
            }
            mask = [1.0; W];
            at += W;
        }
        (self.re, self.im, self.att) = (re, im, att);
        // The last n % W frames come from the first lanes; then every lane moves on by that many
        // samples so lane 0 is the next frame again.
        let tail = n - whole.max(first);
        if tail > 0 {
            let from = whole.max(first);
            for i in 0..tail {
                if from + i >= self.lead {
                    let v = self.im[i] * (1.0 - self.att[i]);
                    left[from + i] += v * gl;
                    right[from + i] += v * gr;
                }
            }
            let (c, s) = self.rot[tail];
            for i in 0..W {
                let (a, b) = (self.re[i], self.im[i]);
                self.re[i] = a * c - b * s;
                self.im[i] = a * s + b * c;
                self.att[i] *= self.datt[tail];
            }
        }
        self.lead = 0;
    }
}

pub struct Rain {
    hiss_l: Noise,
    hiss_r: Noise,
    /// Hiss low-pass coefficients per channel (`bl`, `br`), run together by `pair`.
    bl: Svf,
    br: Svf,
    pair: SvfPair,
    hpl: OnePole,
    hpr: OnePole,
    density: Param,
    cutoff: Param,
    drop_level: f32,
    hiss_level: f32,
    rng: Rng,
    until_drop: f32,
    voices: [Voice; VOICES],
}

impl Rain {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        Rain {
            hiss_l: Noise::new(Color::White, rng.fork(1)),
            hiss_r: Noise::new(Color::White, rng.fork(2)),
            bl: Svf::new(4000.0, 0.6, sr),
            br: Svf::new(4000.0, 0.6, sr),
            pair: SvfPair::default(),
            hpl: OnePole::new(250.0, sr),
            hpr: OnePole::new(250.0, sr),
            density: spec.param("density"),
            cutoff: spec.param("cutoff_hz"),
            drop_level: spec.fixed("drop_level"),
            hiss_level: spec.fixed("hiss_level"),
            until_drop: 0.0,
            rng,
            voices: [Voice::default(); VOICES],
        }
    }

    /// Starts a drop `lead` frames into the next pass.
    fn spawn(&mut self, sr: f32, bright: f32, lead: usize) {
        let Some(v) = self.voices.iter_mut().find(|v| !v.active) else { return };
        let r = &mut self.rng;
        let freq = r.range(900.0, 2200.0) * (1.0 + 1.5 * bright) * r.range(0.8, 1.25);
        let w = 2.0 * std::f32::consts::PI * freq.min(sr * 0.4) / sr;
        let decay = r.range(0.002, MAX_DECAY_S);
        let rad = (-1.0 / (decay * sr)).exp();
        // Mostly small drops, a few larger ones (power law). Dark scenes (sleep) soften drops so
        // they blur into the hiss instead of standing out as plinks.
        let amp = self.drop_level * 0.6 * r.unit().powi(3) * (0.25 + 0.75 * bright);
        let (pl, pr) = pan_gains(r.range(-0.9, 0.9));
        if amp < INAUDIBLE {
            return;
        }
        // Attack ~0.5 ms: the output is y * (1 - d^n).
        let d = (-1.0 / (0.0005 * sr)).exp();
        for k in 0..=W {
            let m = rad.powi(k as i32);
            v.rot[k] = (m * (w * k as f32).cos(), m * (w * k as f32).sin());
            v.datt[k] = d.powi(k as i32);
        }
        // Lanes hold frames lead - lead % W .. + W of the pass, n = lane frame - lead.
        let first = lead / W * W;
        for i in 0..W {
            let n = (first + i) as f32 - lead as f32;
            let m = amp * rad.powf(n);
            v.re[i] = m * (w * n).cos();
            v.im[i] = m * (w * n).sin();
            v.att[i] = d.powf(n);
        }
        v.gl = pl;
        v.gr = pr;
        v.lead = lead;
        let quiet = (amp * DECAYED).max(SILENT);
        v.quiet2 = quiet * quiet;
        v.active = true;
    }
}

impl Generator for Rain {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let fc = self.cutoff.at(c);
        self.bl.set(fc, 0.6, c.sr);
        self.br.set(fc * 0.93, 0.6, c.sr);
        let cap = VOICES as f32 / (8.0 * MAX_DECAY_S);
        let rate = self.density.at(c).clamp(0.0, cap);
        let hiss = self.hiss_level * 0.5;
        // Noise for both channels first (independent chains), then the filters.
        const HSUB: usize = 128;
        for part in out.chunks_mut(HSUB * 2) {
            let n = part.len() / 2;
            let (mut a, mut b) = ([0.0f32; HSUB], [0.0f32; HSUB]);
            Noise::white_pair(&mut self.hiss_l, &mut self.hiss_r, &mut a[..n], &mut b[..n]);
            // Filters copied into locals for the loop (registers, not memory), written back after.
            let (mut pair, mut hpl, mut hpr) = (self.pair, self.hpl, self.hpr);
            pair.set(&self.bl, &self.br);
            let mut st = [0.0f32; 3]; // white noise has no colour state
            for (f, (x, y)) in part.chunks_exact_mut(2).zip(a.iter().zip(&b)) {
                let (x, y) = (noise::white(&mut st, *x), noise::white(&mut st, *y));
                let [l, r] = pair.lp([x, y]);
                f[0] = hpl.hp(l) * hiss;
                f[1] = hpr.hp(r) * hiss;
            }
            (self.pair, self.hpl, self.hpr) = (pair, hpl, hpr);
        }
        // Drop onsets within this block, as frame offsets (at most one per lane).
        let mut onsets = [usize::MAX; VOICES];
        let mut n_on = 0;
        let mut t = 0.0;
        let block_s = c.frames as f32 / c.sr;
        while rate > 0.0 && n_on < VOICES {
            if self.until_drop > block_s - t {
                break;
            }
            t += self.until_drop.max(0.0);
            onsets[n_on] = ((t * c.sr) as usize).min(c.frames.saturating_sub(1));
            n_on += 1;
            self.until_drop = self.rng.exp_wait(rate);
        }
        self.until_drop -= block_s - t;
        // Drops: voice by voice over each pass, into time-major accumulators.
        let mut next_on = 0;
        let (mut left, mut right) = ([0.0f32; SUB], [0.0f32; SUB]);
        let mut p0 = 0;
        while p0 < c.frames {
            let n = (c.frames - p0).min(SUB);
            while next_on < n_on && onsets[next_on] < p0 + n {
                self.spawn(c.sr, c.brightness, onsets[next_on] - p0);
                next_on += 1;
            }
            if self.voices.iter().any(|v| v.active) {
                left[..n].fill(0.0);
                right[..n].fill(0.0);
                for v in self.voices.iter_mut().filter(|v| v.active) {
                    v.render(&mut left, &mut right, n);
                }
                for (f, (l, r)) in out[p0 * 2..(p0 + n) * 2].chunks_exact_mut(2).zip(left.iter().zip(&right))
                {
                    f[0] += *l;
                    f[1] += *r;
                }
            }
            p0 += n;
        }
        for v in &mut self.voices {
            if v.active && v.re[0] * v.re[0] + v.im[0] * v.im[0] < v.quiet2 {
                v.active = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drop rendered over passes of any length, starting anywhere in a pass, is the formula
    /// `A r^n sin(wn) (1 - d^n)` sample for sample.
    #[test]
    fn voice_matches_formula_across_passes() {
        let manifest = "name = \"t\"\nversion = \"1.0.0\"\ndescription = \"t\"\noutcomes = [\"calm\"]\n\
                        [[layers]]\nname = \"r\"\nkind = \"rain\"\n";
        let pack = crate::pack::parse_manifest(manifest, std::path::Path::new("t.toml"), None).unwrap();
        let mut rain = Rain::new(&pack.layers[0], Rng::new(1), 48_000.0);
        let mut r = Rng::new(2);
        for lead in [0usize, 1, 2, 3, 5, 126, 127] {
            rain.voices = [Voice::default(); VOICES];
            // Some draws are too quiet to start; draw until one sounds.
            while !rain.voices.iter().any(|v| v.active) {
                rain.spawn(48_000.0, 1.0, lead);
            }
            let v0 = rain.voices.iter().find(|v| v.active).copied().expect("a drop");
            // Recover the drop's parameters from its one-step coefficients.
            let (c1, s1) = v0.rot[1];
            let (rad, w) = ((c1 * c1 + s1 * s1).sqrt() as f64, s1.atan2(c1) as f64);
            let d = v0.datt[1] as f64;
            let amp =
                (v0.re[0] as f64).hypot(v0.im[0] as f64) / rad.powf((lead / W * W) as f64 - lead as f64);
            let mut got = Vec::new();
            let mut first = true;
            let mut v = v0;
            while got.len() < 3000 {
                let n = if first { SUB } else { 1 + r.index(SUB) };
                first = false;
                let (mut left, mut right) = ([0.0f32; SUB], [0.0f32; SUB]);
                v.render(&mut left, &mut right, n);
                got.extend_from_slice(&left[..n]);
            }
            for (f, g) in got.iter().enumerate() {
                let want = if f < lead {
                    0.0
                } else {
                    let n = (f - lead) as f64;
                    amp * rad.powf(n) * (w * n).sin() * (1.0 - d.powf(n)) * v0.gl as f64
                };
                assert!(
                    (*g as f64 - want).abs() < 1e-4 * amp.max(1e-3),
                    "lead {lead}, frame {f}: {g} vs {want}"
                );
            }
        }
    }
}
