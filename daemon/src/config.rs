//! Configuration: built-in defaults, then `$XDG_CONFIG_HOME/sonora/config.toml`, then `SONORA_*`
//! environment variables (layered with the `config` crate).
//!
//! The file is first parsed on its own with `toml` into a strict shape, because only that parse
//! knows byte spans: a typo or a wrong type is reported with the file, line and key, and the caller
//! keeps its last good [`Settings`].

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The built-in defaults, as TOML so `--print-config` and the docs show the same thing.
pub const DEFAULTS: &str = r#"
# Master volume at start-up, 0..1.
volume = 0.6
# Seconds of fade-in when a session starts.
fade_in_s = 3.0
# Seconds of fade-out when you stop a session.
stop_fade_s = 2.0
# Seconds of the gentle fade at the end of a timed session.
end_fade_s = 30.0
# Seconds of crossfade when the outcome or scene changes mid-session.
crossfade_s = 4.0
# Default session length in minutes when none is given (0 = until stopped).
default_minutes = 0.0
# Seconds a check-in records from the microphone.
checkin_seconds = 6.0
# Keep the raw audio of check-ins on disk (off: only derived numbers are stored).
keep_audio = false
# Open the microphone for scheduled check-ins without asking first.
auto_listen = false
# A program to run on session start/stop and check-in results ("" = none).
on_event = ""
# Seconds a scheduled check-in prompt waits for an answer before its default happens.
prompt_timeout_s = 120.0
# What an unanswered prompt does: "play" (from your baseline, at a gentle volume), "skip" or "checkin".
prompt_default = "play"
# The gentle volume an unanswered prompt plays at, 0..1.
gentle_volume = 0.35
# Extra pack folders, besides the built-in packs and $XDG_DATA_HOME/sonora/packs.
pack_dirs = []
# Focus sessions: add the pack's gentle amplitude pulse to the bed (see docs/evidence.md: the
# evidence is early; it is off unless you want to try it).
focus_pulse = false
# After a session of rating_prompt_min_minutes or more, ask "Did that help?" in a notification
# (your answers help Sonora learn which sounds you seem to like; they stay on this computer).
rating_prompt = true
# Shorter sessions than this (minutes) do not ask.
rating_prompt_min_minutes = 5.0
# When a session ends, offer a short voice check-in (stored next to the opening one, so Sonora can
# see how you sounded before and after). Also per [[schedule]] entry.
checkin_after = false
"#;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub volume: f64,
    pub fade_in_s: f64,
    pub stop_fade_s: f64,
    pub end_fade_s: f64,
    pub crossfade_s: f64,
    pub default_minutes: f64,
    pub checkin_seconds: f64,
    pub keep_audio: bool,
    pub auto_listen: bool,
    pub on_event: String,
    pub prompt_timeout_s: f64,
    pub prompt_default: String,
    pub gentle_volume: f64,
    pub pack_dirs: Vec<PathBuf>,
    pub focus_pulse: bool,
    pub rating_prompt: bool,
    pub rating_prompt_min_minutes: f64,
    pub checkin_after: bool,
    /// Schedule entries, kept as raw TOML: `sonora-schedule` parses them entry by entry so one bad
    /// entry does not take the others down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<toml::Value>,
}

/// The strict file shape: every key optional, no unknown keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only for validation
struct FileShape {
    volume: Option<f64>,
    fade_in_s: Option<f64>,
    stop_fade_s: Option<f64>,
    end_fade_s: Option<f64>,
    crossfade_s: Option<f64>,
    default_minutes: Option<f64>,
    checkin_seconds: Option<f64>,
    keep_audio: Option<bool>,
    auto_listen: Option<bool>,
    on_event: Option<String>,
    prompt_timeout_s: Option<f64>,
    prompt_default: Option<String>,
    gentle_volume: Option<f64>,
    pack_dirs: Option<Vec<PathBuf>>,
    focus_pulse: Option<bool>,
    rating_prompt: Option<bool>,
    rating_prompt_min_minutes: Option<f64>,
    checkin_after: Option<bool>,
    schedule: Option<toml::Value>,
    notification: Option<toml::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {file}: cannot read it: {source}")]
    Read { file: PathBuf, source: std::io::Error },
    #[error("config file {file} line {line}{key}: {message}", key = key.as_ref().map(|k| format!(", key '{k}'")).unwrap_or_default())]
    Invalid { file: PathBuf, line: usize, key: Option<String>, message: String },
    #[error("config: {0}")]
    Layering(String),
}

/// Where the config file is read from.
pub fn config_file() -> PathBuf {
    if let Some(p) = std::env::var_os("SONORA_CONFIG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    sonora_proto::paths::config_dir().join("config.toml")
}

/// Loads the effective settings. A missing file is fine (defaults); a bad one is an error.
pub fn load() -> Result<Settings, ConfigError> {
    load_from(&config_file())
}

pub fn load_from(file: &Path) -> Result<Settings, ConfigError> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(ConfigError::Read { file: file.to_path_buf(), source: e }),
    };
    if let Some(text) = &text {
        validate_file(file, text)?;
    }
    let mut builder =
        config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
    if let Some(text) = &text {
        builder = builder.add_source(config::File::from_str(text, config::FileFormat::Toml));
    }
    builder = builder.add_source(
        config::Environment::with_prefix("SONORA")
            .prefix_separator("_")
            .try_parsing(true)
            .list_separator(":")
            .with_list_parse_key("pack_dirs"),
    );
    let settings: Settings = builder
        .build()
        .and_then(|c| c.try_deserialize())
        .map_err(|e| ConfigError::Layering(format!("{e} (check SONORA_* environment variables)")))?;
    check_ranges(&settings).map_err(|(key, message)| ConfigError::Invalid {
        file: file.to_path_buf(),
        line: text.as_deref().and_then(|t| line_of_key(t, key)).unwrap_or(0),
        key: Some(key.to_string()),
        message,
    })?;
    Ok(settings)
}

fn validate_file(file: &Path, text: &str) -> Result<(), ConfigError> {
    match toml::from_str::<FileShape>(text) {
        Ok(_) => Ok(()),
        Err(e) => {
            let (line, key) = match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    let line_text = text.lines().nth(line - 1).unwrap_or("");
                    let key = line_text.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string());
                    (line, key.filter(|k| !k.is_empty() && !k.starts_with('[')))
                }
                None => (0, None),
            };
            Err(ConfigError::Invalid {
                file: file.to_path_buf(),
                line,
                key,
                message: e.message().trim().to_string(),
            })
        }
    }
}

fn check_ranges(s: &Settings) -> Result<(), (&'static str, String)> {
    let in_range = |key: &'static str, v: f64, lo: f64, hi: f64| {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(())
        } else {
            Err((key, format!("{v} is out of range ({lo} to {hi})")))
        }
    };
    in_range("volume", s.volume, 0.0, 1.0)?;
    in_range("fade_in_s", s.fade_in_s, 0.0, 120.0)?;
    in_range("stop_fade_s", s.stop_fade_s, 0.0, 60.0)?;
    in_range("end_fade_s", s.end_fade_s, 0.0, 600.0)?;
    in_range("crossfade_s", s.crossfade_s, 0.05, 60.0)?;
    in_range("default_minutes", s.default_minutes, 0.0, 24.0 * 60.0)?;
    in_range("checkin_seconds", s.checkin_seconds, 1.5, 60.0)?;
    in_range("prompt_timeout_s", s.prompt_timeout_s, 5.0, 3600.0)?;
    in_range("gentle_volume", s.gentle_volume, 0.0, 1.0)?;
    in_range("rating_prompt_min_minutes", s.rating_prompt_min_minutes, 0.0, 24.0 * 60.0)?;
    if !matches!(s.prompt_default.as_str(), "play" | "skip" | "checkin") {
        return Err(("prompt_default", format!("'{}' is not one of play, skip, checkin", s.prompt_default)));
    }
    Ok(())
}

fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().strip_prefix(key).is_some_and(|r| r.trim_start().starts_with('=')))
        .map(|i| i + 1)
}

/// The built-in defaults alone.
pub fn defaults() -> Settings {
    load_from(Path::new("/nonexistent/sonora/config.toml")).expect("built-in defaults are valid")
}

/// The effective config as TOML, for `sonorad --print-config`.
pub fn to_toml(s: &Settings) -> String {
    toml::to_string_pretty(s).unwrap_or_else(|e| format!("# cannot print config: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn tmp() -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("sonora-config-test-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn rand_suffix() -> u64 {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(0u8)
    }

    #[test]
    fn defaults_without_a_file() {
        let s = load_from(Path::new("/nonexistent/sonora/config.toml")).unwrap();
        assert_eq!(s.volume, 0.6);
        assert_eq!(s.end_fade_s, 30.0);
    }

    #[test]
    fn file_overrides_defaults() {
        let d = tmp();
        let s = load_from(&write(&d, "volume = 0.25\nend_fade_s = 10\n")).unwrap();
        assert_eq!((s.volume, s.end_fade_s), (0.25, 10.0));
    }

    #[test]
    fn bad_type_names_file_line_and_key() {
        let d = tmp();
        let f = write(&d, "# comment\nfade_in_s = 2.0\nvolume = \"loud\"\n");
        let e = load_from(&f).unwrap_err().to_string();
        assert!(e.contains("config.toml") && e.contains("line 3") && e.contains("'volume'"), "{e}");
    }

    #[test]
    fn unknown_key_and_out_of_range_are_errors() {
        let d = tmp();
        let e = load_from(&write(&d, "volum = 0.3\n")).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("volum"), "{e}");
        let e = load_from(&write(&d, "\nvolume = 3.0\n")).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("'volume'") && e.contains("out of range"), "{e}");
        let e = load_from(&write(&d, "volume = [\n")).unwrap_err().to_string();
        assert!(e.contains("config.toml line"), "{e}");
    }
}
