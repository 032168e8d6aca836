//! A brook: three narrow band-passes over white noise whose centres hop about (smoothed) at
//! `babble_hz`, which is what makes running water "babble", over a soft low rush.

use super::{Control, Generator, Param};
use crate::dsp::filter::{OnePole, Svf};
use crate::dsp::mod_source::Drift;
use crate::dsp::noise::{self, Color, Noise, SUB};
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Brightness as B, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("babble_hz", 1.0, 80.0, 8.0, 25.0, A, true),
    def("center_hz", 200.0, 6000.0, 700.0, 1800.0, B, true),
    def("depth", 0.0, 1.0, 0.6, 0.6, F, false),
];

const BANDS: usize = 3;

pub struct Stream {
    noise: Noise,
    rush_l: Noise,
    rush_r: Noise,
    rush_fl: OnePole,
    rush_fr: OnePole,
    bands: [Svf; BANDS],
    hops: [Drift; BANDS],
    amps: [Drift; BANDS],
    pans: [(f32, f32); BANDS],
    babble: Param,
    center: Param,
    depth: f32,
}

impl Stream {
    pub fn new(spec: &LayerSpec, mut rng: Rng, sr: f32) -> Self {
        let mut pans = [(0.0, 0.0); BANDS];
        for (i, p) in pans.iter_mut().enumerate() {
            *p = pan_gains(-0.6 + 0.6 * i as f32 + rng.range(-0.15, 0.15));
        }
        Stream {
            noise: Noise::new(Color::White, rng.fork(1)),
            rush_l: Noise::new(Color::Pink, rng.fork(2)),
            rush_r: Noise::new(Color::Pink, rng.fork(3)),
            rush_fl: OnePole::new(900.0, sr),
            rush_fr: OnePole::new(900.0, sr),
            bands: std::array::from_fn(|_| Svf::new(1000.0, 6.0, sr)),
            hops: std::array::from_fn(|i| Drift::new(rng.fork(10 + i as u64))),
            amps: std::array::from_fn(|i| Drift::new(rng.fork(20 + i as u64))),
            pans,
            babble: spec.param("babble_hz"),
            center: spec.param("center_hz"),
            depth: spec.fixed("depth"),
        }
    }
}

// Indexing keeps the three parallel per-band arrays readable side by side.
#[allow(clippy::needless_range_loop)]
impl Generator for Stream {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        // Babble is the texture itself, not a slow modulator: it runs in real time always.
        let dt = c.frames as f32 / c.sr;
        let rate = self.babble.at(c);
        let center = self.center.at(c);
        let mut gains = [0.0f32; BANDS];
        for i in 0..BANDS {
            let hop = self.hops[i].step(dt, rate * (0.8 + 0.2 * i as f32));
            let fc = center * 2f32.powf((hop - 0.5) * 2.0 * self.depth + (i as f32 - 1.0) * 0.4);
            self.bands[i].set(fc, 5.0, c.sr);
            gains[i] = 1.6 * (0.3 + 0.7 * self.amps[i].step(dt, rate * 0.5));
        }
        let rush = 0.35;
        let (mut wx, mut wa, mut wb) = ([0.0f32; SUB], [0.0f32; SUB], [0.0f32; SUB]);
        // Filter and colour states as locals for the loop (registers), written back after.
        let (mut bands, mut rl, mut rr) = (self.bands, self.rush_fl, self.rush_fr);
        let (mut cl, mut cr, mut cw) = (*self.rush_l.state(), *self.rush_r.state(), [0.0f32; 3]);
        for part in out.chunks_mut(SUB * 2) {
            let n = part.len() / 2;
            self.noise.white_block(&mut wx[..n]);
            Noise::white_pair(&mut self.rush_l, &mut self.rush_r, &mut wa[..n], &mut wb[..n]);
            for (j, f) in part.chunks_exact_mut(2).enumerate() {
                let x = noise::white(&mut cw, wx[j]);
                let (mut l, mut r) = (0.0, 0.0);
                for i in 0..BANDS {
                    let y = bands[i].bp(x) * gains[i];
                    l += y * self.pans[i].0;
                    r += y * self.pans[i].1;
                }
                f[0] = l + rl.lp(noise::pink(&mut cl, wa[j])) * rush;
                f[1] = r + rr.lp(noise::pink(&mut cr, wb[j])) * rush;
            }
        }
        (self.bands, self.rush_fl, self.rush_fr) = (bands, rl, rr);
        (*self.rush_l.state(), *self.rush_r.state()) = (cl, cr);
    }
}
