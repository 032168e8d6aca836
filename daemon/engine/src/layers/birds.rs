//! STUB (scaffolding, replaced by the real generator before this lands).

use super::{Control, Generator, SceneCtx};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::ParamDef;

pub const PARAMS: &[ParamDef] = &[];

pub struct Birds;

impl Birds {
    pub fn new(_spec: &LayerSpec, _ctx: &SceneCtx<'_>, _rng: Rng, _sr: f32) -> Self {
        Birds
    }
}

impl Generator for Birds {
    fn render(&mut self, _c: &Control, out: &mut [f32]) {
        out.fill(0.0);
    }
}
