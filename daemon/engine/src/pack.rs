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
use sonora_proto::{Outcome, PackInfo};
use std::path::{Path, PathBuf};
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
}

impl Kind {
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
        }
    }

    /// Rough render cost per frame (ns on the development machine, from
    /// `cargo run --release -p sonora-engine --example profile`), for splitting a render's layers
    /// over threads.
    pub fn render_cost(self) -> f32 {
        match self {
            Kind::Drone => 5.0,
            Kind::Noise | Kind::Wind | Kind::Fire => 6.0,
            Kind::Waves => 7.0,
            Kind::Stream => 9.0,
            Kind::Rain | Kind::Crickets => 10.0,
            Kind::Sample => 4.0,
        }
    }

    /// Layers that make distinct, noticeable events; kept out of focus scenes.
    pub fn has_events(self) -> bool {
        matches!(self, Kind::Crickets | Kind::Fire)
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

const fn def(
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
use Follows::{Activity as A, Brightness as B, Fixed as F};

/// The parameter schema of each generator kind (documented in packs/README.md).
pub fn schema(kind: Kind) -> &'static [ParamDef] {
    const NOISE: &[ParamDef] = &[
        def("cutoff_hz", 40.0, 20000.0, 700.0, 4000.0, B, true),
        def("drift", 0.0, 1.0, 0.3, 0.3, F, false),
        def("drift_hz", 0.005, 1.0, 0.03, 0.15, A, true),
        def("width", 0.0, 1.0, 1.0, 1.0, F, false),
    ];
    const DRONE: &[ParamDef] = &[
        def("cutoff_hz", 60.0, 12000.0, 350.0, 2500.0, B, true),
        def("movement_hz", 0.005, 2.0, 0.03, 0.15, A, true),
        def("detune_cents", 0.0, 50.0, 6.0, 6.0, F, false),
        def("voicing_s", 10.0, 3600.0, 75.0, 75.0, F, false),
    ];
    const RAIN: &[ParamDef] = &[
        def("density", 0.0, 3000.0, 40.0, 160.0, A, false),
        def("cutoff_hz", 300.0, 16000.0, 2500.0, 7000.0, B, true),
        def("drop_level", 0.0, 1.0, 0.5, 0.5, F, false),
        def("hiss_level", 0.0, 1.0, 0.7, 0.7, F, false),
    ];
    const WIND: &[ParamDef] = &[
        def("gust_hz", 0.005, 2.0, 0.04, 0.25, A, true),
        def("gust_depth", 0.0, 1.0, 0.6, 0.6, F, false),
        def("center_hz", 60.0, 8000.0, 300.0, 1200.0, B, true),
        def("q", 0.3, 8.0, 1.2, 1.2, F, false),
    ];
    const WAVES: &[ParamDef] = &[
        def("swell_period_s", 2.0, 60.0, 10.0, 4.5, A, true),
        def("cutoff_hz", 100.0, 16000.0, 700.0, 3500.0, B, true),
        def("wash", 0.0, 1.0, 0.4, 0.4, F, false),
    ];
    const STREAM: &[ParamDef] = &[
        def("babble_hz", 1.0, 80.0, 8.0, 25.0, A, true),
        def("center_hz", 200.0, 6000.0, 700.0, 1800.0, B, true),
        def("depth", 0.0, 1.0, 0.6, 0.6, F, false),
    ];
    const CRICKETS: &[ParamDef] = &[
        def("chirp_hz", 0.1, 8.0, 0.8, 2.0, A, true),
        def("pitch_hz", 2000.0, 9000.0, 4500.0, 4500.0, F, false),
        def("count", 1.0, 6.0, 3.0, 3.0, F, false),
    ];
    const FIRE: &[ParamDef] = &[
        def("crackle_hz", 0.0, 60.0, 3.0, 12.0, A, false),
        def("rumble", 0.0, 1.0, 0.5, 0.5, F, false),
        def("cutoff_hz", 200.0, 8000.0, 1200.0, 3500.0, B, true),
    ];
    const SAMPLE: &[ParamDef] = &[
        def("loop_crossfade_s", 0.01, 10.0, 2.0, 2.0, F, false),
        def("rate", 0.25, 4.0, 1.0, 1.0, F, false),
    ];
    match kind {
        Kind::Noise => NOISE,
        Kind::Drone => DRONE,
        Kind::Rain => RAIN,
        Kind::Wind => WIND,
        Kind::Waves => WAVES,
        Kind::Stream => STREAM,
        Kind::Crickets => CRICKETS,
        Kind::Fire => FIRE,
        Kind::Sample => SAMPLE,
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
    params: Vec<(&'static str, f32, f32)>,
    color: Color,
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
    pub fn color(&self) -> Color {
        self.color
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
    pub layers: Vec<LayerSpec>,
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
            params: Vec::new(),
            color: Color::Pink,
            roots: vec![55.0, 65.41, 73.42],
            chords: vec![vec![0.0, 7.0, 12.0, 16.0], vec![0.0, 5.0, 12.0, 19.0], vec![0.0, 7.0, 14.0, 19.0]],
            sample: None,
        };
        let defs = schema(l.kind);
        for (key, value) in &l.params {
            let pf = |m: String| err(at(key), &field(&format!("params.{key}")), m);
            match (l.kind, key.as_str()) {
                (Kind::Noise, "color") => {
                    spec.color = match value.as_str() {
                        Some("white") => Color::White,
                        Some("pink") => Color::Pink,
                        Some("brown") => Color::Brown,
                        _ => return Err(pf(format!("{value} is not white, pink or brown"))),
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
                        let extra = match l.kind {
                            Kind::Noise => ", color",
                            Kind::Drone => ", roots_hz, chords",
                            _ => "",
                        };
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

/// The built-in packs, embedded so the daemon works without a packs folder.
const BUILTIN: &[(&str, &str)] = &[
    ("shore", include_str!("../../../packs/shore/pack.toml")),
    ("study", include_str!("../../../packs/study/pack.toml")),
    ("night", include_str!("../../../packs/night/pack.toml")),
    ("hearth", include_str!("../../../packs/hearth/pack.toml")),
];

struct Entry {
    /// Folder of the pack, or `builtin:NAME`.
    path: String,
    builtin: bool,
    /// Last good version.
    pack: Option<Arc<Pack>>,
    error: Option<String>,
}

/// All known packs: built-ins first, then user folders (a user pack with a built-in's name wins).
pub struct PackLibrary {
    entries: Vec<Entry>,
}

impl PackLibrary {
    /// Only the embedded built-in packs.
    pub fn builtin_only() -> PackLibrary {
        let entries = BUILTIN
            .iter()
            .map(|(name, text)| {
                let path = format!("builtin:{name}");
                let (pack, error) = match parse_manifest(text, Path::new(&path), None) {
                    Ok(p) => (Some(Arc::new(p)), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                Entry { path, builtin: true, pack, error }
            })
            .collect();
        PackLibrary { entries }
    }

    /// Built-ins plus every pack folder found in `dirs` (each dir holds pack folders, or is one).
    pub fn load(dirs: &[PathBuf]) -> PackLibrary {
        let mut lib = PackLibrary::builtin_only();
        lib.reload(dirs);
        lib
    }

    /// Re-reads the user packs. A pack that now fails keeps its last good version and records
    /// the error; packs whose folders vanished are dropped.
    pub fn reload(&mut self, dirs: &[PathBuf]) {
        let mut found = Vec::new();
        for dir in dirs {
            if dir.join("pack.toml").is_file() {
                found.push(dir.clone());
                continue;
            }
            let Ok(rd) = std::fs::read_dir(dir) else { continue };
            let mut subs: Vec<PathBuf> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("pack.toml").is_file())
                .collect();
            subs.sort();
            found.extend(subs);
        }
        let (mut next, mut old): (Vec<Entry>, Vec<Entry>) =
            std::mem::take(&mut self.entries).into_iter().partition(|e| e.builtin);
        for dir in found {
            let path = dir.display().to_string();
            let previous = old.iter().position(|e| e.path == path).map(|i| old.swap_remove(i));
            let file = dir.join("pack.toml");
            let result = std::fs::read_to_string(&file)
                .map_err(|e| EngineError::Io { path: file.clone(), message: e.to_string() })
                .and_then(|text| parse_manifest(&text, &file, Some(&dir)));
            let entry = match result {
                Ok(p) => Entry { path, builtin: false, pack: Some(Arc::new(p)), error: None },
                Err(e) => Entry {
                    path,
                    builtin: false,
                    pack: previous.and_then(|p| p.pack),
                    error: Some(e.to_string()),
                },
            };
            next.push(entry);
        }
        self.entries = next;
    }

    /// What `sonoractl packs` shows.
    pub fn infos(&self) -> Vec<PackInfo> {
        self.entries
            .iter()
            .map(|e| {
                let name = e.pack.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| {
                    Path::new(e.path.trim_start_matches("builtin:"))
                        .file_name()
                        .map_or(e.path.clone(), |n| n.to_string_lossy().into_owned())
                });
                PackInfo {
                    name,
                    path: e.path.clone(),
                    state: if e.error.is_none() { "loaded".into() } else { "error".into() },
                    version: e.pack.as_ref().map(|p| p.version.clone()),
                    description: e.pack.as_ref().map(|p| p.description.clone()),
                    outcomes: e.pack.as_ref().map(|p| p.outcomes.clone()).unwrap_or_default(),
                    error: e.error.clone(),
                }
            })
            .collect()
    }

    /// The usable pack named `name` (user packs shadow built-ins of the same name).
    pub fn get(&self, name: &str) -> Option<Arc<Pack>> {
        self.entries.iter().rev().filter_map(|e| e.pack.clone()).find(|p| p.name == name)
    }

    /// Usable packs suited to `outcome`, one per name, in a stable order.
    pub fn for_outcome(&self, outcome: Outcome) -> Vec<Arc<Pack>> {
        let mut out: Vec<Arc<Pack>> = Vec::new();
        for p in self.entries.iter().rev().filter_map(|e| e.pack.clone()) {
            if p.outcomes.contains(&outcome) && !out.iter().any(|o| o.name == p.name) {
                out.push(p);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        let lib = PackLibrary::builtin_only();
        for i in lib.infos() {
            assert_eq!(i.state, "loaded", "{:?}", i.error);
        }
        for o in Outcome::ALL {
            assert!(!lib.for_outcome(o).is_empty(), "no pack for {o}");
        }
    }

    #[test]
    fn locate_finds_layer_keys() {
        let t = "name = \"x\"\n[[layers]]\nname = \"a\"\n[[layers]]\nname = \"b\"\ngain_db = 99\n";
        assert_eq!(locate(t, Some(1), "gain_db"), Some(6));
        assert_eq!(locate(t, None, "name"), Some(1));
    }
}
