//! A singing bowl, struck softly now and then and left to ring.
//!
//! The bowl is a handful of inharmonic modes (ratios near 1 : 2.7 : 5.2 : 8.4 of a seeded
//! fundamental, each nudged by the seed so no two bowls match). Each mode is a pair of sines a
//! fraction of a hertz to 3 Hz apart, panned a little apart: a real bowl is not perfectly round,
//! so every mode splits in two and beats, and the beat is what makes it "sing". Higher modes decay
//! faster than the fundamental, which takes `decay_s` to fall 30 dB: about where the beds around a
//! bowl cover it, so `decay_s` is how long a strike is heard to ring.
//!
//! A new strike adds to whatever is still ringing, as striking a ringing bowl does. The attack is
//! a mallet's (about 10-20 ms), in real time; decays and strike timing run on the modulator clock
//! so that loudness calibration (modulators at 8x) hears a strike and its whole ring. The first
//! strike comes within a few tenths of a second. An optional rim rub (`rub`) keeps the fundamental
//! faintly sounding in slow swells between strikes.

use super::{Control, Generator, Param, SceneCtx};
use crate::dsp::bank::SineBank;
use crate::dsp::mod_source::Drift;
use crate::dsp::pan_gains;
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{
    Follows::{Activity as A, Fixed as F},
    ParamDef, def,
};

/// Manifest parameters: key, range, defaults `[rest, lively]`, what moves them (packs/README.md).
pub const PARAMS: &[ParamDef] = &[
    def("interval_s", 10.0, 180.0, 60.0, 30.0, A, true),
    def("pitch_hz", 60.0, 1000.0, 220.0, 220.0, F, true),
    def("decay_s", 5.0, 90.0, 40.0, 40.0, F, false),
    def("rub", 0.0, 1.0, 0.3, 0.3, F, false),
];

const MODES: usize = 4;
/// Mode frequency ratios of a typical bowl (measured bowls spread about these).
const RATIOS: [f32; MODES] = [1.0, 2.71, 5.18, 8.43];
/// Mode amplitudes under a soft mallet (higher modes barely excited).
const AMPS: [f32; MODES] = [1.0, 0.5, 0.22, 0.1];
/// Output scale: even two strikes piled up peak below 0.85.
const LEVEL: f32 = 0.3;

#[derive(Clone, Copy, Default)]
struct Mode {
    /// Current amplitude, and the peak of an attack in progress.
    amp: f32,
    peak: f32,
    /// Attack frames left (0 = decaying).
    attack: f32,
    /// Per-second decay time constant.
    tau: f32,
    /// Left/right gains of the pair's two sines.
    pan: [(f32, f32); 2],
    audible: bool,
}

pub struct Bowl {
    bank: SineBank,
    modes: [Mode; MODES],
    interval: Param,
    rub: f32,
    swell: Drift,
    rng: Rng,
    until_strike: f32,
}

impl Bowl {
    pub fn new(spec: &LayerSpec, _ctx: &SceneCtx<'_>, mut rng: Rng, sr: f32) -> Self {
        // The seed picks the bowl: within half an octave of pitch_hz.
        let f0 = spec.fixed("pitch_hz") * 2f32.powf(rng.range(-0.5, 0.5));
        let t30 = spec.fixed("decay_s");
        let mut bank =
            SineBank::new(MODES * 2, (0..MODES * 2).map(|_| rng.range(0.0, std::f32::consts::TAU)));
        let mut modes = [Mode::default(); MODES];
        for (k, m) in modes.iter_mut().enumerate() {
            let f = f0 * RATIOS[k] * if k == 0 { 1.0 } else { rng.range(0.985, 1.015) };
            // Beats from a fraction of a hertz (fundamental) to a few hertz (upper modes).
            let beat = (rng.range(0.3, 1.0) * (1.0 + 0.6 * k as f32)).min(3.0);
            m.audible = f * 1.01 + beat < sr * 0.4;
            bank.set_freq(2 * k, f, sr);
            bank.set_freq(2 * k + 1, f + beat, sr);
            m.tau = t30 / 3.45 / (1.0 + 0.7 * k as f32);
            let side = if k % 2 == 0 { 0.3 } else { -0.3 };
            m.pan = [pan_gains(-side), pan_gains(side)];
        }
        Bowl {
            bank,
            modes,
            interval: spec.param("interval_s"),
            rub: spec.fixed("rub"),
            swell: Drift::new(rng.fork(1)),
            until_strike: rng.range(0.02, 0.3),
            rng,
        }
    }

    fn strike(&mut self, sr: f32) {
        let v = self.rng.range(0.6, 1.0);
        for (k, m) in self.modes.iter_mut().enumerate() {
            // A softer strike excites the upper modes less than the fundamental.
            let add = AMPS[k] * v * v.powi(k as i32);
            m.peak = (m.amp + add).min(AMPS[k] * 1.3);
            m.attack = self.rng.range(0.010, 0.020) * sr * (1.0 + 0.3 * k as f32).recip().max(0.5);
        }
    }
}

impl Generator for Bowl {
    fn render(&mut self, c: &Control, out: &mut [f32]) {
        let dt = c.mod_dt();
        self.until_strike -= dt;
        if self.until_strike <= 0.0 {
            self.until_strike = self.interval.at(c).max(1.0) * self.rng.range(0.75, 1.25);
            self.strike(c.sr);
        }
        // The rim rub: a slow swell of the fundamental alone, zero at its troughs.
        let s = self.swell.step(dt, 0.03);
        let rub = self.rub * 0.25 * s * s;
        let frames = c.frames as f32;
        for (k, m) in self.modes.iter_mut().enumerate() {
            if m.attack > 0.0 {
                let step = (frames / m.attack).min(1.0);
                m.amp += (m.peak - m.amp) * step;
                m.attack = (m.attack - frames).max(0.0);
            } else {
                m.amp *= (-dt / m.tau.max(0.05)).exp();
            }
            let a = if m.audible { (m.amp + if k == 0 { rub } else { 0.0 }) * LEVEL } else { 0.0 };
            // The pair: 60/40, so beats dip but never cancel.
            for (j, w) in [0.6f32, 0.4].into_iter().enumerate() {
                let (gl, gr) = m.pan[j];
                self.bank.ramp_gain(2 * k + j, a * w * gl, a * w * gr, c.frames);
            }
        }
        self.bank.render(out);
    }
}
