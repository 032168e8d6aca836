//! STUB (scaffolding, replaced by the real generator before this lands).

use super::{Control, Generator, SceneCtx};
use crate::dsp::rng::Rng;
use crate::pack::LayerSpec;
use crate::pack::{ChoiceDef, ParamDef};

pub const PARAMS: &[ParamDef] = &[];
pub const CHOICES: &[ChoiceDef] = &[];

pub struct Machine;

impl Machine {
    pub fn new(_spec: &LayerSpec, _ctx: &SceneCtx<'_>, _rng: Rng, _sr: f32) -> Self {
        Machine
    }
}

impl Generator for Machine {
    fn render(&mut self, _c: &Control, out: &mut [f32]) {
        out.fill(0.0);
    }
}
