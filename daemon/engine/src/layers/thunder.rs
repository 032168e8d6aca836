//! STUB (scaffolding, replaced by the real generator before this lands).

use super::{Control, Generator, SceneCtx};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::ParamDef;

pub const PARAMS: &[ParamDef] = &[];

pub struct Thunder;

impl Thunder {
    pub fn new(_spec: &LayerSpec, _ctx: &SceneCtx<'_>, _rng: Rng, _sr: f32) -> Self {
        Thunder
    }
}

impl Generator for Thunder {
    fn render(&mut self, _c: &Control, out: &mut [f32]) {
        out.fill(0.0);
    }
}
