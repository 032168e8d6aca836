//! Layer generators: each makes one texture (a noise bed, a pad, rain...) as interleaved stereo.
//!
//! Generators see only a [`Control`] per block: the arc's `activity` and `brightness` and the
//! block length. Parameters come from the pack manifest as `[rest, lively]` (or `[dark, bright]`)
//! pairs and are interpolated from the arc, which is how markers and outcome reach the DSP.

pub mod crickets;
pub mod drone;
pub mod fire;
pub mod noise;
pub mod rain;
pub mod sample;
pub mod stream;
pub mod waves;
pub mod wind;

use crate::dsp::interp;
use crate::dsp::rng::Rng;
use crate::pack::{Follows, Kind, LayerSpec};

/// Per-block control values.
#[derive(Clone, Copy, Debug)]
pub struct Control {
    /// 0 = at rest (slow swells, sparse events) .. 1 = lively.
    pub activity: f32,
    /// 0 = dark .. 1 = bright.
    pub brightness: f32,
    pub sr: f32,
    /// Frames in this block.
    pub frames: usize,
    /// Speed factor for slow modulators (1 normally). Loudness calibration renders a short
    /// excerpt with modulators sped up so two seconds cover a whole gust or swell cycle.
    pub mod_speed: f32,
}

impl Control {
    /// Block duration in seconds, as seen by slow modulators.
    pub fn mod_dt(&self) -> f32 {
        self.frames as f32 / self.sr * self.mod_speed
    }
}

/// The realtime interface of one layer.
pub trait Generator: Send {
    /// Overwrites `out` (interleaved stereo, `2 * ctl.frames` samples) with the next block.
    fn render(&mut self, ctl: &Control, out: &mut [f32]);
}

/// A parameter resolved from a manifest: a value that moves with the arc between two ends.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub rest: f32,
    pub lively: f32,
    pub follows: Follows,
    pub log: bool,
}

impl Param {
    #[inline]
    pub fn at(&self, c: &Control) -> f32 {
        let x = match self.follows {
            Follows::Activity => c.activity,
            Follows::Brightness => c.brightness,
            Follows::Fixed => 0.0,
        };
        interp(self.rest, self.lively, x, self.log)
    }
}

/// Builds the generator for a layer; `rng` is the layer's own stream (voicing, timing, pan).
pub fn build(spec: &LayerSpec, rng: &mut Rng, sr: f32) -> Box<dyn Generator> {
    match spec.kind {
        Kind::Noise => Box::new(noise::NoiseBed::new(spec, rng.fork(1), sr)),
        Kind::Drone => Box::new(drone::Drone::new(spec, rng.fork(2), sr)),
        Kind::Rain => Box::new(rain::Rain::new(spec, rng.fork(3), sr)),
        Kind::Wind => Box::new(wind::Wind::new(spec, rng.fork(4), sr)),
        Kind::Waves => Box::new(waves::Waves::new(spec, rng.fork(5), sr)),
        Kind::Stream => Box::new(stream::Stream::new(spec, rng.fork(6), sr)),
        Kind::Crickets => Box::new(crickets::Crickets::new(spec, rng.fork(7), sr)),
        Kind::Fire => Box::new(fire::Fire::new(spec, rng.fork(8), sr)),
        Kind::Sample => Box::new(sample::SampleLoop::new(spec, rng.fork(9), sr)),
    }
}
