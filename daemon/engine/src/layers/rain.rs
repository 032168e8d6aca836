//! Rain: a filtered hiss plus individual drops. Drops arrive as a Poisson process (`density` per
//! second, following activity); each is a two-pole resonator ringing a short damped sine with a
//! soft attack, so there are drops but no clicks.
//!
//! Voices live in groups of four lanes (structure of arrays, so each group is one SIMD step) and
//! only groups with a sounding drop are computed; new drops take the first free lane, keeping the
//! active ones packed at the front. Typical rain keeps one or two groups busy.

use super::{Control, Generator, Param};
use crate::dsp::filter::{OnePole, Svf};
use crate::dsp::noise::{Color, Noise};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;

const GROUPS: usize = 4;
const VOICES: usize = GROUPS * 4;
/// Longest drop decay time constant (s); with [`VOICES`] it caps the discrete-drop rate so a
/// reused voice has always decayed (denser rain is carried by the hiss).
const MAX_DECAY_S: f32 = 0.010;
/// A voice is free once it has decayed this far below its starting amplitude (-60 dB, the
/// usual decay time), or below [`SILENT`] outright.
const DECAYED: f32 = 1e-3;
const SILENT: f32 = 1e-5;
/// Drops quieter than this (-66 dBFS) are lost under the hiss anyway and are not started.
const INAUDIBLE: f32 = 5e-4;

#[derive(Clone, Copy, Default)]
struct Group {
    y1: [f32; 4],
    y2: [f32; 4],
    a1: [f32; 4],
    a2: [f32; 4],
    att: [f32; 4],
    datt: [f32; 4],
    gl: [f32; 4],
    gr: [f32; 4],
}

pub struct Rain {
    hiss_l: Noise,
    hiss_r: Noise,
    bl: Svf,
    br: Svf,
    hpl: OnePole,
    hpr: OnePole,
    density: Param,
    cutoff: Param,
    drop_level: f32,
    hiss_level: f32,
    rng: Rng,
    until_drop: f32,
    groups: [Group; GROUPS],
    active: [bool; VOICES],
    /// Level below which each voice counts as decayed.
    quiet: [f32; VOICES],
}

impl Rain {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        Rain {
            hiss_l: Noise::new(Color::White, rng.fork(1)),
            hiss_r: Noise::new(Color::White, rng.fork(2)),
            bl: Svf::new(4000.0, 0.6, sr),
            br: Svf::new(4000.0, 0.6, sr),
            hpl: OnePole::new(250.0, sr),
            hpr: OnePole::new(250.0, sr),
            density: spec.param("density"),
            cutoff: spec.param("cutoff_hz"),
            drop_level: spec.fixed("drop_level"),
            hiss_level: spec.fixed("hiss_level"),
            until_drop: 0.0,
            rng,
            groups: [Group::default(); GROUPS],
            active: [false; VOICES],
            quiet: [SILENT; VOICES],
        }
    }

    fn spawn(&mut self, sr: f32, bright: f32) {
        let Some(v) = self.active.iter().position(|a| !a) else { return };
        let (g, k) = (&mut self.groups[v / 4], v % 4);
        let r = &mut self.rng;
        let freq = r.range(900.0, 2200.0) * (1.0 + 1.5 * bright) * r.range(0.8, 1.25);
        let w = 2.0 * std::f32::consts::PI * freq.min(sr * 0.4) / sr;
        let decay = r.range(0.002, MAX_DECAY_S);
        let rad = (-1.0 / (decay * sr)).exp();
        g.a1[k] = 2.0 * rad * w.cos();
        g.a2[k] = rad * rad;
        // Mostly small drops, a few larger ones (power law). Dark scenes (sleep) soften drops so
        // they blur into the hiss instead of standing out as plinks.
        let amp = self.drop_level * 0.6 * r.unit().powi(3) * (0.25 + 0.75 * bright);
        let (pl, pr) = pan_gains(r.range(-0.9, 0.9));
        if amp < INAUDIBLE {
            return;
        }
        self.active[v] = true;
        self.quiet[v] = (amp * DECAYED).max(SILENT);
        // Start the recurrence one step into A r^n sin(wn).
        g.y2[k] = 0.0;
        g.y1[k] = amp * rad * w.sin();
        // Attack ~0.5 ms: the output is y * (1 - att), att decaying from 1.
        g.att[k] = 1.0;
        g.datt[k] = (-1.0 / (0.0005 * sr)).exp();
        g.gl[k] = pl;
        g.gr[k] = pr;
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
            for (f, (x, y)) in part.chunks_exact_mut(2).zip(a.iter().zip(&b)) {
                let (x, y) = (self.hiss_l.color(*x), self.hiss_r.color(*y));
                f[0] = self.hpl.hp(self.bl.lp(x)) * hiss;
                f[1] = self.hpr.hp(self.br.lp(y)) * hiss;
            }
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
        let mut next_on = 0;
        let mut start = 0;
        // Lanes accumulate across groups; one horizontal sum per frame at the end.
        const SUB: usize = 128;
        let mut acc_l = [[0.0f32; 4]; SUB];
        let mut acc_r = [[0.0f32; 4]; SUB];
        // Render in spans between onsets so each span runs the tight group loop.
        while start < c.frames {
            while next_on < n_on && onsets[next_on] <= start {
                self.spawn(c.sr, c.brightness);
                next_on += 1;
            }
            let end = if next_on < n_on { onsets[next_on].max(start + 1) } else { c.frames };
            let used = self.active.iter().rposition(|a| *a).map_or(0, |v| v / 4 + 1);
            let mut p0 = start;
            while used > 0 && p0 < end {
                let p1 = end.min(p0 + SUB);
                // Only the frames this span covers are cleared (not the whole scratch).
                acc_l[..p1 - p0].fill([0.0; 4]);
                acc_r[..p1 - p0].fill([0.0; 4]);
                // Two groups side by side: each resonator is a serial chain, so interleaving two
                // keeps the pipeline busy.
                for pair in self.groups[..used].chunks_mut(2) {
                    let mut st = [Group::default(); 2];
                    st[..pair.len()].copy_from_slice(pair);
                    for (al, ar) in acc_l[..p1 - p0].iter_mut().zip(acc_r[..p1 - p0].iter_mut()) {
                        for g in &mut st {
                            for k in 0..4 {
                                let y = g.a1[k] * g.y1[k] - g.a2[k] * g.y2[k];
                                g.y2[k] = g.y1[k];
                                g.y1[k] = y;
                                g.att[k] *= g.datt[k];
                                let v = y * (1.0 - g.att[k]);
                                al[k] += v * g.gl[k];
                                ar[k] += v * g.gr[k];
                            }
                        }
                    }
                    let n = pair.len();
                    pair.copy_from_slice(&st[..n]);
                }
                for (f, (l, r)) in out[p0 * 2..p1 * 2].chunks_exact_mut(2).zip(acc_l.iter().zip(&acc_r)) {
                    f[0] += (l[0] + l[1]) + (l[2] + l[3]);
                    f[1] += (r[0] + r[1]) + (r[2] + r[3]);
                }
                p0 = p1;
            }
            start = end;
        }
        for (v, a) in self.active.iter_mut().enumerate() {
            let g = &mut self.groups[v / 4];
            let k = v % 4;
            let q = self.quiet[v];
            if *a && g.y1[k].abs() < q && g.y2[k].abs() < q {
                *a = false;
                g.y1[k] = 0.0;
                g.y2[k] = 0.0;
            }
        }
    }
}
