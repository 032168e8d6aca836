//! Presets: a saved pack and layer mix, one JSON file each in `$XDG_DATA_HOME/sonora/presets`.

use sonora_engine::Preset;
use sonora_proto::{ErrorBody, ErrorCode};
use std::path::PathBuf;

fn dir() -> PathBuf {
    sonora_proto::paths::data_dir().join("presets")
}

/// Names become file names, so only plain ones are allowed.
fn path_for(name: &str) -> Result<PathBuf, ErrorBody> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == ' ');
    if !ok {
        return Err(ErrorBody::new(
            ErrorCode::InvalidArgs,
            format!("'{name}' is not a preset name (letters, digits, spaces, - and _; up to 64)"),
        ));
    }
    Ok(dir().join(format!("{name}.json")))
}

pub fn save(name: &str, preset: &Preset) -> Result<PathBuf, ErrorBody> {
    let path = path_for(name)?;
    let io = |e: std::io::Error| ErrorBody::new(ErrorCode::Storage, format!("{}: {e}", path.display()));
    std::fs::create_dir_all(dir()).map_err(io)?;
    let text = serde_json::to_string_pretty(preset)
        .map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
    // Write then rename, so a crash never leaves half a preset.
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}

pub fn load(name: &str) -> Result<Preset, ErrorBody> {
    let path = path_for(name)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let code =
            if e.kind() == std::io::ErrorKind::NotFound { ErrorCode::NotFound } else { ErrorCode::Storage };
        ErrorBody::new(code, format!("no preset '{name}' ({}: {e})", path.display()))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        ErrorBody::new(ErrorCode::Config, format!("{}: not a valid preset: {e}", path.display()))
    })
}

pub fn list() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".json")).map(String::from))
        .collect();
    names.sort();
    names
}
