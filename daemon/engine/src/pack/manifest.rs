//! Sound packs: `pack.toml` manifests, their validation, sample decoding and the library that
//! keeps the last good version of every pack.
//!
//! Validation is strict on purpose: every number has a range, unknown keys are errors (typos
//! would otherwise be silently ignored), and every error names the file, the line and the field.
//! Anything the schema accepts keeps the DSP finite and inside [-1, 1] after the output stage.

use crate::EngineError;
use crate::arc::MarkerWeights;
use crate::dsp::noise::Color;
use serde::Deserialize;
use sonora_proto::Outcome;
use std::path::Path;
use std::sync::Arc;

/// Generator kinds a layer can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Noise,
    Drone,
    Rain,
    Wind,
    Waves,
    Stream,
    Crickets,
    Fire,
    Sample,
    /// A pad moving through a chord progression in the scene's key (music).
    Harmony,
    /// Sparse motifs over the current chord (music).
    Melody,
    Birds,
    /// Distant, rare rolls of thunder (calm scenes only).
    Thunder,
    /// Leaves and a forest canopy moving in the air.
    Leaves,
    /// Steady mechanical beds: room tone, a fan, a train's rumble.
    Machine,
    /// A singing bowl: inharmonic partials, long decay.
    Bowl,
    /// A deep brown-noise bed with a slow tide underneath.
    Deep,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Kind::Noise,
        Kind::Drone,
        Kind::Rain,
        Kind::Wind,
        Kind::Waves,
        Kind::Stream,
        Kind::Crickets,
        Kind::Fire,
        Kind::Sample,
        Kind::Harmony,
        Kind::Melody,
        Kind::Birds,
        Kind::Thunder,
        Kind::Leaves,
        Kind::Machine,
        Kind::Bowl,
        Kind::Deep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Noise => "noise",
            Kind::Drone => "drone",
            Kind::Rain => "rain",
            Kind::Wind => "wind",
            Kind::Waves => "waves",
            Kind::Stream => "stream",
            Kind::Crickets => "crickets",
            Kind::Fire => "fire",
            Kind::Sample => "sample",
            Kind::Harmony => "harmony",
            Kind::Melody => "melody",
            Kind::Birds => "birds",
            Kind::Thunder => "thunder",
            Kind::Leaves => "leaves",
            Kind::Machine => "machine",
            Kind::Bowl => "bowl",
            Kind::Deep => "deep",
        }
    }

    /// Rough render cost per frame (ns on the development machine, from
    /// `cargo run --release -p sonora-engine --example profile`), for splitting a render's layers
    /// over threads.
    pub fn render_cost(self) -> f32 {
        match self {
            Kind::Birds => 2.0,
            Kind::Sample => 4.0,
            Kind::Drone => 5.0,
            Kind::Noise | Kind::Wind | Kind::Fire | Kind::Thunder | Kind::Bowl | Kind::Melody => 6.0,
            Kind::Deep => 6.5,
            Kind::Waves | Kind::Machine => 7.0,
            Kind::Leaves => 7.5,
            Kind::Harmony => 8.0,
            Kind::Stream => 9.0,
            Kind::Rain | Kind::Crickets => 10.0,
        }
    }

    /// Layers that make distinct, noticeable events; kept out of focus scenes.
    pub fn has_events(self) -> bool {
        matches!(self, Kind::Crickets | Kind::Fire | Kind::Birds | Kind::Thunder | Kind::Bowl)
    }

    /// Whether a layer of this kind may play in a scene for `outcome`: focus holds a steady bed
    /// without events, and thunder belongs to calm only (it would wake a sleeper).
    pub fn suits(self, outcome: Outcome) -> bool {
        match (self, outcome) {
            (Kind::Thunder, o) => o == Outcome::Calm,
            (k, Outcome::Focus) => !k.has_events(),
            _ => true,
        }
    }

    /// Music layers share the scene's key, mode and chord clock (see [`MusicSpec`]).
    pub fn is_music(self) -> bool {
        matches!(self, Kind::Harmony | Kind::Melody)
    }

    /// How much of the layer goes to the shared space (reverb) unless the manifest says.
    pub fn default_space(self) -> f32 {
        match self {
            Kind::Harmony | Kind::Melody | Kind::Bowl => 0.45,
            Kind::Birds | Kind::Thunder | Kind::Drone => 0.35,
            Kind::Crickets | Kind::Fire | Kind::Stream | Kind::Rain | Kind::Waves | Kind::Leaves => 0.2,
            Kind::Wind | Kind::Sample => 0.15,
            Kind::Noise | Kind::Machine | Kind::Deep => 0.05,
        }
    }
}

/// A named choice among fixed options (e.g. an instrument), with its default.
pub struct ChoiceDef {
    pub key: &'static str,
    pub options: &'static [&'static str],
    pub default: &'static str,
}

/// The choice parameters of each kind.
pub fn choices(kind: Kind) -> &'static [ChoiceDef] {
    use crate::layers::*;
    match kind {
        Kind::Noise => noise::CHOICES,
        Kind::Harmony => harmony::CHOICES,
        Kind::Melody => melody::CHOICES,
        Kind::Machine => machine::CHOICES,
        _ => &[],
    }
}

/// What moves a parameter between its two values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follows {
    Activity,
    Brightness,
    Fixed,
}

/// One numeric parameter of a generator: allowed range, defaults, and what drives it.
pub struct ParamDef {
    pub key: &'static str,
    pub min: f32,
    pub max: f32,
    pub rest: f32,
    pub lively: f32,
    pub follows: Follows,
    pub log: bool,
}

pub const fn def(
    key: &'static str,
    min: f32,
    max: f32,
    rest: f32,
    lively: f32,
    follows: Follows,
    log: bool,
) -> ParamDef {
    ParamDef { key, min, max, rest, lively, follows, log }
}

/// The parameter schema of each generator kind (documented in packs/README.md); each table lives
/// beside its generator.
pub fn schema(kind: Kind) -> &'static [ParamDef] {
    use crate::layers::*;
    match kind {
        Kind::Noise => noise::PARAMS,
        Kind::Drone => drone::PARAMS,
        Kind::Rain => rain::PARAMS,
        Kind::Wind => wind::PARAMS,
        Kind::Waves => waves::PARAMS,
        Kind::Stream => stream::PARAMS,
        Kind::Crickets => crickets::PARAMS,
        Kind::Fire => fire::PARAMS,
        Kind::Sample => sample::PARAMS,
        Kind::Harmony => harmony::PARAMS,
        Kind::Melody => melody::PARAMS,
        Kind::Birds => birds::PARAMS,
        Kind::Thunder => thunder::PARAMS,
        Kind::Leaves => leaves::PARAMS,
        Kind::Machine => machine::PARAMS,
        Kind::Bowl => bowl::PARAMS,
        Kind::Deep => deep::PARAMS,
    }
}

/// Decoded sample audio: interleaved stereo at its own rate (mono is duplicated).
#[derive(Debug)]
pub struct SampleData {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl SampleData {
    pub fn frames(&self) -> usize {
        self.samples.len() / 2
    }
    pub fn silence() -> Self {
        SampleData { samples: vec![0.0; 4], sample_rate: 48_000 }
    }
}

/// A validated layer.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    pub name: String,
    pub kind: Kind,
    pub gain_db: f32,
    /// Seed picks the pan within this range.
    pub pan: (f32, f32),
    /// Probability that a seeded scene includes this layer.
    pub chance: f32,
    /// Seconds into the scene before this layer fades in.
    pub enter_s: f32,
    /// Share of the layer sent to the scene's shared space (reverb), 0 = dry.
    pub space: f32,
    params: Vec<(&'static str, f32, f32)>,
    choices: Vec<(&'static str, String)>,
    roots: Vec<f32>,
    chords: Vec<Vec<f32>>,
    pub sample: Option<Arc<SampleData>>,
}

impl LayerSpec {
    /// The resolved parameter `key` (manifest value or schema default).
    pub fn param(&self, key: &str) -> crate::layers::Param {
        let d = schema(self.kind).iter().find(|d| d.key == key).expect("parameter is in the schema");
        let (rest, lively) =
            self.params.iter().find(|p| p.0 == key).map_or((d.rest, d.lively), |p| (p.1, p.2));
        crate::layers::Param { rest, lively, follows: d.follows, log: d.log }
    }
    /// A fixed parameter's value.
    pub fn fixed(&self, key: &str) -> f32 {
        self.param(key).rest
    }
    /// The resolved choice `key` (manifest value or its default).
    pub fn choice(&self, key: &str) -> &str {
        match self.choices.iter().find(|c| c.0 == key) {
            Some(c) => &c.1,
            None => {
                choices(self.kind).iter().find(|d| d.key == key).expect("choice is in the schema").default
            }
        }
    }
    pub fn color(&self) -> Color {
        match self.choice("color") {
            "white" => Color::White,
            "brown" => Color::Brown,
            _ => Color::Pink,
        }
    }
    pub fn roots(&self) -> &[f32] {
        &self.roots
    }
    pub fn chords(&self) -> Vec<Vec<f32>> {
        self.chords.clone()
    }
}

/// A loaded, validated pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    pub version: String,
    pub description: String,
    pub outcomes: Vec<Outcome>,
    pub markers: MarkerWeights,
    pub space: SpaceSpec,
    pub music: MusicSpec,
    pub pulse: PulseSpec,
    pub layers: Vec<LayerSpec>,
}

impl Pack {
    /// Whether any layer is a music layer (harmony or melody).
    pub fn has_music(&self) -> bool {
        self.layers.iter().any(|l| l.kind.is_music())
    }
}

/// `[space]`: the one stereo room every layer of a scene sounds in.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpaceSpec {
    /// 0 = a small, close room .. 1 = a large hall (decay about 0.4 s .. 4.5 s).
    pub size: f32,
    /// Brightness of the reverb tail: 0 = dark (high frequencies die fast) .. 1 = bright.
    pub damping: f32,
}

impl Default for SpaceSpec {
    fn default() -> Self {
        SpaceSpec { size: 0.5, damping: 0.5 }
    }
}

/// `[music]`: the key, mode and harmonic pace shared by a scene's harmony and melody layers.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MusicSpec {
    /// The seed picks one of these modes.
    pub modes: Vec<crate::theory::Mode>,
    /// The seed picks the tonic among the equal-tempered notes (A4 = 440 Hz) in this range.
    pub tonic_hz: [f32; 2],
    /// Seconds per chord `[rest, lively]`: slow as the arc settles, quicker when lively.
    pub chord_s: [f32; 2],
}

impl Default for MusicSpec {
    fn default() -> Self {
        use crate::theory::Mode;
        MusicSpec {
            modes: vec![Mode::MajorPentatonic, Mode::Dorian, Mode::Lydian, Mode::Aeolian],
            tonic_hz: [98.0, 147.0],
            chord_s: [36.0, 12.0],
        }
    }
}

/// `[pulse]`: a gentle amplitude modulation of the bed for focus sessions. Off unless the person
/// turns it on (`focus_pulse = true` in the config, `--focus-pulse` for renders); the pack only
/// says how it sounds. docs/evidence.md says what is and is not known about it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PulseSpec {
    /// Modulation rate, 12..20 Hz.
    pub rate_hz: f32,
    /// Modulation depth 0..0.5: the level dips to `1 - depth` at each trough (0.25: about 2.5 dB).
    pub depth: f32,
    /// Layers it applies to; empty = every layer that is not music.
    pub layers: Vec<String>,
}

impl Default for PulseSpec {
    fn default() -> Self {
        PulseSpec { rate_hz: 16.0, depth: 0.25, layers: Vec::new() }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: String,
    version: String,
    #[serde(default)]
    description: String,
    outcomes: Vec<Outcome>,
    #[serde(default)]
    markers: MarkerWeights,
    #[serde(default)]
    space: SpaceSpec,
    #[serde(default)]
    music: MusicSpec,
    #[serde(default)]
    pulse: PulseSpec,
    layers: Vec<RawLayer>,
}

fn one() -> f64 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    name: String,
    kind: Kind,
    #[serde(default)]
    gain_db: f64,
    #[serde(default)]
    pan: Option<toml::Value>,
    #[serde(default = "one")]
    chance: f64,
    #[serde(default)]
    enter_s: f64,
    #[serde(default)]
    space: Option<f64>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    params: toml::Table,
}

/// Finds the 1-based line of `key` inside the `index`-th `[[layers]]` table (or at top level when
/// `index` is None), so validation errors can point at the line like parse errors do.
fn locate(text: &str, index: Option<usize>, key: &str) -> Option<usize> {
    let mut layer: Option<usize> = None;
    let mut first_in_layer = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("[[layers]]") {
            layer = Some(layer.map_or(0, |l| l + 1));
            if layer == index {
                first_in_layer = Some(n + 1);
            }
            continue;
        }
        if layer != index {
            continue;
        }
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start();
            if rest.starts_with('=') {
                return Some(n + 1);
            }
        }
    }
    first_in_layer
}

/// Parses and validates a manifest; `dir` resolves sample files (None for built-in packs).
pub fn parse_manifest(text: &str, file: &Path, dir: Option<&Path>) -> Result<Pack, EngineError> {
    let err = |line: Option<usize>, field: &str, message: String| EngineError::Manifest {
        file: file.to_path_buf(),
        line,
        field: field.to_string(),
        message,
    };
    let raw: RawManifest = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        err(line, "", e.message().trim().replace('\n', "; "))
    })?;
    let top = |key: &str| locate(text, None, key);
    let valid_name = |s: &str| {
        !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !valid_name(&raw.name) {
        return Err(err(
            top("name"),
            "name",
            format!("'{}' must be 1-64 letters, digits, '-' or '_'", raw.name),
        ));
    }
    if raw.outcomes.is_empty() {
        return Err(err(top("outcomes"), "outcomes", "list at least one of calm, focus, sleep".into()));
    }
    for (k, v) in
        [("stress", raw.markers.stress), ("energy", raw.markers.energy), ("fatigue", raw.markers.fatigue)]
    {
        if !(0.0..=1.0).contains(&v) {
            return Err(err(top(k), &format!("markers.{k}"), format!("{v} is outside 0..1")));
        }
    }
    let s = raw.space;
    for (k, v) in [("size", s.size), ("damping", s.damping)] {
        if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
            return Err(err(top(k), &format!("space.{k}"), format!("{v} is outside 0..1")));
        }
    }
    let m = &raw.music;
    if m.modes.is_empty() {
        return Err(err(top("modes"), "music.modes", "list at least one mode".into()));
    }
    let [lo, hi] = m.tonic_hz;
    if !(lo.is_finite() && hi.is_finite() && 40.0 <= lo && lo <= hi && hi <= 440.0 && hi / lo >= 1.06) {
        return Err(err(
            top("tonic_hz"),
            "music.tonic_hz",
            format!("[{lo}, {hi}] must be a range within 40..440 Hz spanning at least a semitone"),
        ));
    }
    for v in m.chord_s {
        if !(v.is_finite() && (8.0..=40.0).contains(&v)) {
            return Err(err(top("chord_s"), "music.chord_s", format!("{v} is outside 8..40 seconds")));
        }
    }
    let pl = &raw.pulse;
    if !(pl.rate_hz.is_finite() && (12.0..=20.0).contains(&pl.rate_hz)) {
        return Err(err(top("rate_hz"), "pulse.rate_hz", format!("{} is outside 12..20 Hz", pl.rate_hz)));
    }
    if !(pl.depth.is_finite() && (0.0..=0.5).contains(&pl.depth)) {
        return Err(err(top("depth"), "pulse.depth", format!("{} is outside 0..0.5", pl.depth)));
    }
    if let Some(missing) = pl.layers.iter().find(|n| !raw.layers.iter().any(|l| &&l.name == n)) {
        return Err(err(top("layers"), "pulse.layers", format!("no layer named '{missing}' in this pack")));
    }
    if raw.layers.is_empty() || raw.layers.len() > 12 {
        return Err(err(
            top("layers"),
            "layers",
            format!("a pack needs 1 to 12 layers, found {}", raw.layers.len()),
        ));
    }
    let mut layers = Vec::new();
    for (i, l) in raw.layers.iter().enumerate() {
        let at = |key: &str| locate(text, Some(i), key);
        let field = |key: &str| format!("layers[{i}].{key} ('{}')", l.name);
        if !valid_name(&l.name) {
            return Err(err(at("name"), &field("name"), "must be 1-64 letters, digits, '-' or '_'".into()));
        }
        if raw.layers[..i].iter().any(|o| o.name == l.name) {
            return Err(err(at("name"), &field("name"), "duplicate layer name".into()));
        }
        let range = |key: &str, v: f64, lo: f64, hi: f64| -> Result<f32, EngineError> {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(v as f32)
            } else {
                Err(err(at(key), &field(key), format!("{v} is outside {lo}..{hi}")))
            }
        };
        let gain_db = range("gain_db", l.gain_db, -60.0, 12.0)?;
        let chance = range("chance", l.chance, 0.0, 1.0)?;
        let enter_s = range("enter_s", l.enter_s, 0.0, 3600.0)?;
        let pan = match &l.pan {
            None => (0.0, 0.0),
            Some(v) => {
                let (a, b) = number_or_pair(v).ok_or_else(|| {
                    err(at("pan"), &field("pan"), "expected a number or [low, high]".into())
                })?;
                (range("pan", a, -1.0, 1.0)?, range("pan", b, -1.0, 1.0)?)
            }
        };
        let mut spec = LayerSpec {
            name: l.name.clone(),
            kind: l.kind,
            gain_db,
            pan,
            chance,
            enter_s,
            space: match l.space {
                None => l.kind.default_space(),
                Some(v) => range("space", v, 0.0, 1.0)?,
            },
            params: Vec::new(),
            choices: Vec::new(),
            roots: vec![55.0, 65.41, 73.42],
            chords: vec![vec![0.0, 7.0, 12.0, 16.0], vec![0.0, 5.0, 12.0, 19.0], vec![0.0, 7.0, 14.0, 19.0]],
            sample: None,
        };
        let defs = schema(l.kind);
        for (key, value) in &l.params {
            let pf = |m: String| err(at(key), &field(&format!("params.{key}")), m);
            match (l.kind, key.as_str()) {
                (kind, key) if choices(kind).iter().any(|c| c.key == key) => {
                    let c = choices(kind).iter().find(|c| c.key == key).expect("just found");
                    match value.as_str().and_then(|v| c.options.iter().find(|o| **o == v)) {
                        Some(o) => spec.choices.push((c.key, o.to_string())),
                        None => return Err(pf(format!("{value} is not one of {}", c.options.join(", ")))),
                    }
                }
                (Kind::Drone, "roots_hz") => {
                    let list = value.as_array().filter(|a| !a.is_empty() && a.len() <= 16);
                    let list = list.ok_or_else(|| pf("expected a list of 1-16 frequencies".into()))?;
                    spec.roots = list
                        .iter()
                        .map(|v| match as_f64(v) {
                            Some(f) if (20.0..=1000.0).contains(&f) => Ok(f as f32),
                            _ => Err(pf(format!("{v} is not a frequency in 20..1000 Hz"))),
                        })
                        .collect::<Result<_, _>>()?;
                }
                (Kind::Drone, "chords") => {
                    let list = value.as_array().filter(|a| !a.is_empty() && a.len() <= 8);
                    let list = list.ok_or_else(|| pf("expected a list of 1-8 chords".into()))?;
                    let mut chords = Vec::new();
                    for c in list {
                        let notes = c.as_array().filter(|a| !a.is_empty() && a.len() <= 6);
                        let notes =
                            notes.ok_or_else(|| pf(format!("{c} is not a chord of 1-6 semitone offsets")))?;
                        let notes = notes
                            .iter()
                            .map(|v| match as_f64(v) {
                                Some(s) if (-24.0..=48.0).contains(&s) => Ok(s as f32),
                                _ => Err(pf(format!("{v} is not a semitone offset in -24..48"))),
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        chords.push(notes);
                    }
                    spec.chords = chords;
                }
                _ => {
                    let Some(d) = defs.iter().find(|d| d.key == key) else {
                        let known: Vec<_> = defs.iter().map(|d| d.key).collect();
                        let mut extra: String =
                            choices(l.kind).iter().map(|c| format!(", {}", c.key)).collect();
                        if l.kind == Kind::Drone {
                            extra.push_str(", roots_hz, chords");
                        }
                        return Err(pf(format!(
                            "unknown parameter for {} (known: {}{extra})",
                            l.kind.as_str(),
                            known.join(", ")
                        )));
                    };
                    let (a, b) = number_or_pair(value)
                        .ok_or_else(|| pf("expected a number or [rest, lively] pair".into()))?;
                    if d.follows == Follows::Fixed && a != b {
                        return Err(pf("this parameter takes a single number".into()));
                    }
                    for v in [a, b] {
                        // Compared as f32, the type the DSP uses, so schema bounds are inclusive.
                        if !(v.is_finite() && (d.min..=d.max).contains(&(v as f32))) {
                            return Err(pf(format!("{v} is outside {}..{}", d.min, d.max)));
                        }
                    }
                    spec.params.push((d.key, a as f32, b as f32));
                }
            }
        }
        match (l.kind, &l.file) {
            (Kind::Sample, None) => {
                return Err(err(at("kind"), &field("file"), "a sample layer needs file = \"...\"".into()));
            }
            (Kind::Sample, Some(f)) => {
                let Some(dir) = dir else {
                    return Err(err(
                        at("file"),
                        &field("file"),
                        "built-in packs cannot use sample files".into(),
                    ));
                };
                let rel = Path::new(f);
                if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir))
                {
                    return Err(err(
                        at("file"),
                        &field("file"),
                        "must be a path inside the pack folder".into(),
                    ));
                }
                let path = dir.join(rel);
                let data = crate::sample_decode::decode(&path).map_err(|m| EngineError::Audio {
                    file: path.clone(),
                    field: field("file"),
                    message: m,
                })?;
                spec.sample = Some(Arc::new(data));
            }
            (_, Some(_)) => {
                return Err(err(at("file"), &field("file"), "only sample layers take a file".into()));
            }
            _ => {}
        }
        layers.push(spec);
    }
    Ok(Pack {
        name: raw.name,
        version: raw.version,
        description: raw.description,
        outcomes: raw.outcomes,
        markers: raw.markers,
        space: raw.space,
        music: raw.music,
        pulse: raw.pulse,
        layers,
    })
}

fn as_f64(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn number_or_pair(v: &toml::Value) -> Option<(f64, f64)> {
    if let Some(x) = as_f64(v) {
        return Some((x, x));
    }
    match v.as_array()?.as_slice() {
        [a, b] => Some((as_f64(a)?, as_f64(b)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_layer_keys() {
        let t = "name = \"x\"\n[[layers]]\nname = \"a\"\n[[layers]]\nname = \"b\"\ngain_db = 99\n";
        assert_eq!(locate(t, Some(1), "gain_db"), Some(6));
        assert_eq!(locate(t, None, "name"), Some(1));
    }
}
