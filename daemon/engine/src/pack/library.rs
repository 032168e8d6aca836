//! The pack library: built-in packs embedded in the binary, user pack folders, and the last good
//! version of every pack (a pack that breaks on reload keeps playing as it was).

use super::manifest::{Pack, parse_manifest};
use crate::EngineError;
use sonora_proto::{Outcome, PackInfo};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The built-in packs, embedded so the daemon works without a packs folder.
const BUILTIN: &[(&str, &str)] = &[
    ("shore", include_str!("../../../../packs/shore/pack.toml")),
    ("study", include_str!("../../../../packs/study/pack.toml")),
    ("night", include_str!("../../../../packs/night/pack.toml")),
    ("hearth", include_str!("../../../../packs/hearth/pack.toml")),
    ("garden", include_str!("../../../../packs/garden/pack.toml")),
    ("temple", include_str!("../../../../packs/temple/pack.toml")),
    ("storm", include_str!("../../../../packs/storm/pack.toml")),
    ("meadow", include_str!("../../../../packs/meadow/pack.toml")),
    ("lagoon", include_str!("../../../../packs/lagoon/pack.toml")),
    ("airflow", include_str!("../../../../packs/airflow/pack.toml")),
    ("railway", include_str!("../../../../packs/railway/pack.toml")),
    ("library", include_str!("../../../../packs/library/pack.toml")),
    ("canopy", include_str!("../../../../packs/canopy/pack.toml")),
    ("drift", include_str!("../../../../packs/drift/pack.toml")),
    ("lullaby", include_str!("../../../../packs/lullaby/pack.toml")),
    ("rainroof", include_str!("../../../../packs/rainroof/pack.toml")),
    ("tide", include_str!("../../../../packs/tide/pack.toml")),
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
        let mut seen: Vec<String> = Vec::new();
        // Newest entries first: a user pack shadows a built-in of the same name even when it no
        // longer lists this outcome.
        for p in self.entries.iter().rev().filter_map(|e| e.pack.clone()) {
            if seen.contains(&p.name) {
                continue;
            }
            seen.push(p.name.clone());
            if p.outcomes.contains(&outcome) {
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
        // The palette the docs promise: at least 16 packs, 5 per outcome, 6 with music.
        let packs: Vec<_> = lib.infos().into_iter().filter_map(|i| lib.get(&i.name)).collect();
        assert!(packs.len() >= 16, "{} built-in packs", packs.len());
        for o in Outcome::ALL {
            assert!(lib.for_outcome(o).len() >= 5, "{} packs for {o}", lib.for_outcome(o).len());
        }
        assert!(packs.iter().filter(|p| p.has_music()).count() >= 6);
        for p in &packs {
            assert!(!p.description.is_empty(), "{} has no description", p.name);
        }
    }
}
