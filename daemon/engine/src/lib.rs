//! Sonora's soundscape engine.
//!
//! The daemon asks for a scene with [`build_scene`] and gets two halves:
//! - a [`Source`], the realtime half, moved into the audio callback: it fills interleaved stereo
//!   frames and never locks, allocates or blocks;
//! - a [`SceneControl`], the control half, kept by the daemon: it describes the scene and adjusts
//!   layers through atomics, so the callback never waits on it.
//!
//! A scene is a few layers from one sound pack (noise beds, pads, rain, wind, waves, streams,
//! crickets, fire, sample loops), shaped by the outcome, the latest check-in markers and a seed,
//! and moved along a session arc (see [`arc`]). Crossfades between whole scenes (outcome change,
//! `next`), master volume and fades are the daemon's output stage; the engine only makes scenes.
//! [`render_wav`] renders a whole session to a loudness-normalised file.

pub mod arc;
pub mod dsp;
pub mod layers;
pub mod loudness;
pub mod pack;
pub mod render;
mod sample_decode;
pub mod scene;
pub mod theory;

pub use pack::PackLibrary;
pub use render::{RenderReport, render_wav};
pub use scene::{Scene, SceneControl};

use serde::{Deserialize, Serialize};
use sonora_proto::{Markers, Outcome};
use std::path::PathBuf;

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
    /// Latest check-in markers and their confidence (0..1); None before any check-in.
    pub markers: Option<(Markers, f64)>,
    /// Picks the pack, layers, voicings, pans and event timing; same seed and inputs give
    /// bit-identical output.
    pub seed: u64,
    /// Session length; None for an open-ended session.
    pub minutes: Option<f64>,
    pub sample_rate: u32,
    /// A saved preset: its pack and layer settings replace the seeded choice.
    pub preset: Option<Preset>,
    /// An explicit pack (`--pack NAME`); wins over the seeded choice, loses to a preset.
    pub pack: Option<String>,
    /// Packs to leave out of the seeded choice (the daemon's rotation: the last sessions' packs of
    /// this outcome). Ignored when nothing else suits the outcome.
    pub avoid: Vec<String>,
    /// Turn on the pack's focus pulse (`[pulse]`) in focus sessions.
    pub focus_pulse: bool,
}

impl SceneRequest {
    /// A request with everything optional left out: no check-in, untimed, 48 kHz, seeded choice.
    pub fn new(outcome: Outcome, seed: u64) -> Self {
        SceneRequest {
            outcome,
            markers: None,
            seed,
            minutes: None,
            sample_rate: 48_000,
            preset: None,
            pack: None,
            avoid: Vec::new(),
            focus_pulse: false,
        }
    }
}

/// A saved mix: what `sonoractl preset save NAME` stores as JSON.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Preset {
    pub pack: String,
    pub layers: Vec<PresetLayer>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PresetLayer {
    pub name: String,
    pub volume: f64,
    pub muted: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no layer named '{0}' in this scene")]
    NoSuchLayer(String),
    #[error("volume must be between 0 and 1, got {0}")]
    BadVolume(f64),
    #[error("{}{}: {}{message}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default(),
        if field.is_empty() { String::new() } else { format!("{field}: ") })]
    Manifest { file: PathBuf, line: Option<usize>, field: String, message: String },
    #[error("{}: {field}: {message}", file.display())]
    Audio { file: PathBuf, field: String, message: String },
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("no sound pack named '{0}' is loaded")]
    NoSuchPack(String),
    #[error("no loaded sound pack suits {0}")]
    NoPackFor(Outcome),
    #[error("sample rate {0} Hz is not supported (8000..=192000)")]
    BadSampleRate(u32),
    #[error("session length {0} minutes is not supported for rendering (0 < minutes <= 180)")]
    BadMinutes(f64),
}

/// Builds a scene. Fast: no pre-rendering beyond two seconds of calibration per layer.
pub fn build_scene(
    req: &SceneRequest,
    packs: &PackLibrary,
) -> Result<(Box<dyn Source>, SceneControl), EngineError> {
    let (scene, control) = build_scene_inner(req, packs)?;
    Ok((Box::new(scene), control))
}

/// Like [`build_scene`] but returns the concrete [`Scene`] (used by the renderer and benches).
pub fn build_scene_inner(
    req: &SceneRequest,
    packs: &PackLibrary,
) -> Result<(Scene, SceneControl), EngineError> {
    if !(8_000..=192_000).contains(&req.sample_rate) {
        return Err(EngineError::BadSampleRate(req.sample_rate));
    }
    let mut rng = dsp::rng::Rng::new(req.seed);
    let pack = match (&req.preset, &req.pack) {
        (Some(p), _) => packs.get(&p.pack).ok_or_else(|| EngineError::NoSuchPack(p.pack.clone()))?,
        (None, Some(name)) => packs.get(name).ok_or_else(|| EngineError::NoSuchPack(name.clone()))?,
        (None, None) => {
            let candidates = packs.for_outcome(req.outcome);
            if candidates.is_empty() {
                return Err(EngineError::NoPackFor(req.outcome));
            }
            // Rotation: leave out the packs heard last (`avoid` is newest first). When that would
            // leave nothing, forget the oldest first: two packs alternate, one pack repeats.
            let mut pool = Vec::new();
            for k in (0..=req.avoid.len()).rev() {
                pool = candidates.iter().filter(|p| !req.avoid[..k].contains(&p.name)).cloned().collect();
                if !pool.is_empty() {
                    break;
                }
            }
            pool[rng.index(pool.len())].clone()
        }
    };
    // Focus holds a steady, low-distraction bed (no event layers); thunder is for calm only.
    let allowed = |s: &pack::LayerSpec| s.kind.suits(req.outcome);
    let mut chosen: Vec<(&pack::LayerSpec, f64, bool)> = Vec::new();
    if let Some(p) = &req.preset {
        for pl in &p.layers {
            if let Some(spec) = pack.layers.iter().find(|s| s.name == pl.name && allowed(s)) {
                let v = if pl.volume.is_finite() { pl.volume.clamp(0.0, 1.0) } else { 1.0 };
                chosen.push((spec, v, pl.muted));
            }
        }
    }
    if chosen.is_empty() {
        for spec in &pack.layers {
            let draw = rng.unit();
            if draw < spec.chance && allowed(spec) {
                chosen.push((spec, 1.0, false));
            }
        }
    }
    if chosen.is_empty() {
        let first = pack.layers.iter().find(|s| allowed(s)).unwrap_or(&pack.layers[0]);
        chosen.push((first, 1.0, false));
    }
    let arc = arc::SessionArc::new(req.outcome, req.markers, req.minutes, pack.markers);
    Ok(scene::build(scene::Plan {
        pack: &pack,
        layers: chosen,
        arc,
        seed: rng.next_u64(),
        sample_rate: req.sample_rate,
        focus_pulse: req.focus_pulse,
    }))
}
