//! Sonora's soundscape engine.
//!
//! The daemon asks for a scene with [`build_scene`] and gets two halves:
//! - a [`Source`], the realtime half, moved into the audio callback: it fills interleaved stereo
//!   frames and must never lock, allocate or block;
//! - a [`SceneControl`], the control half, kept by the daemon: it describes the scene and adjusts
//!   layers through atomics, so the callback never waits on it.
//!
//! Crossfades between whole scenes (outcome change, `next`) are done by the daemon's output stage,
//! which holds two sources for the length of the fade; the engine only makes scenes.

pub mod noise;

use sonora_proto::{LayerInfo, Markers, Outcome};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The realtime half of a scene.
pub trait Source: Send + 'static {
    /// Fills `out` (interleaved stereo, `out.len()` even) with the next frames.
    /// Realtime: no locks, no allocation, no blocking, no panics on any parameter values.
    fn fill(&mut self, out: &mut [f32]);
}

/// What a scene is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneRequest {
    pub outcome: Outcome,
    /// Latest check-in markers and their confidence; None before any check-in.
    pub markers: Option<(Markers, f64)>,
    pub seed: u64,
    /// Session length; None for an open-ended session.
    pub minutes: Option<f64>,
    pub sample_rate: u32,
}

/// Control half of a scene; cheap to clone, safe to use from any thread.
#[derive(Clone)]
pub struct SceneControl {
    inner: Arc<SceneShared>,
}

struct SceneShared {
    explanation: String,
    layers: Vec<LayerSlot>,
}

struct LayerSlot {
    info: LayerInfo,
    /// f32 bits of the user gain; the callback reads it every block.
    gain: Arc<AtomicU32>,
    muted: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no layer named '{0}' in this scene")]
    NoSuchLayer(String),
    #[error("volume must be between 0 and 1, got {0}")]
    BadVolume(f64),
}

impl SceneControl {
    pub fn explanation(&self) -> String {
        self.inner.explanation.clone()
    }

    pub fn layers(&self) -> Vec<LayerInfo> {
        self.inner
            .layers
            .iter()
            .map(|l| LayerInfo {
                volume: f32::from_bits(l.gain.load(Ordering::Relaxed)) as f64,
                muted: l.muted.load(Ordering::Relaxed),
                ..l.info.clone()
            })
            .collect()
    }

    pub fn set_layer(
        &self,
        name: &str,
        volume: Option<f64>,
        mute: Option<bool>,
    ) -> Result<LayerInfo, EngineError> {
        let slot = self
            .inner
            .layers
            .iter()
            .find(|l| l.info.name == name)
            .ok_or_else(|| EngineError::NoSuchLayer(name.to_string()))?;
        if let Some(v) = volume {
            if !(0.0..=1.0).contains(&v) {
                return Err(EngineError::BadVolume(v));
            }
            slot.gain.store((v as f32).to_bits(), Ordering::Relaxed);
        }
        if let Some(m) = mute {
            slot.muted.store(m, Ordering::Relaxed);
        }
        Ok(LayerInfo {
            volume: f32::from_bits(slot.gain.load(Ordering::Relaxed)) as f64,
            muted: slot.muted.load(Ordering::Relaxed),
            ..slot.info.clone()
        })
    }
}

/// Builds a scene. Fast: no pre-rendering, so sound starts at once.
pub fn build_scene(req: &SceneRequest) -> (Box<dyn Source>, SceneControl) {
    let gain = Arc::new(AtomicU32::new(1.0f32.to_bits()));
    let muted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let source = noise::NoiseBed::new(req.outcome, req.seed, req.sample_rate, gain.clone(), muted.clone());
    let control = SceneControl {
        inner: Arc::new(SceneShared {
            explanation: format!("a soft {} noise bed", req.outcome),
            layers: vec![LayerSlot {
                info: LayerInfo {
                    name: "noise".into(),
                    kind: "noise".into(),
                    pack: None,
                    volume: 1.0,
                    muted: false,
                },
                gain,
                muted,
            }],
        }),
    };
    (Box::new(source), control)
}
