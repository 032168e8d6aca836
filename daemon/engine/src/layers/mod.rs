//! Layer generators: each makes one texture (a noise bed, a pad, rain...) as interleaved stereo.
//!
//! Generators see only a [`Control`] per block: the arc's `activity` and `brightness` and the
//! block length. Parameters come from the pack manifest as `[rest, lively]` (or `[dark, bright]`)
//! pairs and are interpolated from the arc, which is how markers and outcome reach the DSP.

pub mod birds;
pub mod bowl;
pub mod crickets;
pub mod deep;
pub mod drone;
pub mod fire;
pub mod harmony;
pub mod leaves;
pub mod machine;
pub mod melody;
pub mod noise;
pub mod rain;
pub mod sample;
pub mod stream;
pub mod thunder;
pub mod waves;
pub mod wind;

use crate::dsp::interp;
use crate::dsp::rng::Rng;
use crate::pack::{Follows, Kind, LayerSpec, MusicSpec};
use sonora_proto::Outcome;

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
    /// Seconds into the session at the middle of this block (0 during calibration).
    pub t: f64,
}

/// What a layer knows of its scene besides its own manifest entry.
#[derive(Clone, Copy, Debug)]
pub struct SceneCtx<'a> {
    pub outcome: Outcome,
    /// Session length in seconds, if timed.
    pub total_s: Option<f64>,
    /// Seconds the arc takes to move from the opening to the outcome's target.
    pub settle_s: f64,
    /// The pack's `[music]` table.
    pub music: &'a MusicSpec,
    /// Shared by every music layer of the scene, so harmony and melody derive the same key, mode
    /// and chord clock without sharing memory (they may render on different threads).
    pub music_seed: u64,
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
pub fn build(spec: &LayerSpec, ctx: &SceneCtx<'_>, rng: &mut Rng, sr: f32) -> Box<dyn Generator> {
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
        Kind::Harmony => Box::new(harmony::Harmony::new(spec, ctx, rng.fork(10), sr)),
        Kind::Melody => Box::new(melody::Melody::new(spec, ctx, rng.fork(11), sr)),
        Kind::Birds => Box::new(birds::Birds::new(spec, ctx, rng.fork(12), sr)),
        Kind::Thunder => Box::new(thunder::Thunder::new(spec, ctx, rng.fork(13), sr)),
        Kind::Leaves => Box::new(leaves::Leaves::new(spec, ctx, rng.fork(14), sr)),
        Kind::Machine => Box::new(machine::Machine::new(spec, ctx, rng.fork(15), sr)),
        Kind::Bowl => Box::new(bowl::Bowl::new(spec, ctx, rng.fork(16), sr)),
        Kind::Deep => Box::new(deep::Deep::new(spec, ctx, rng.fork(17), sr)),
    }
}
