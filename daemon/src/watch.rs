//! Watches the config folder and pack folders, so edits take effect without a restart.
//! The watcher only nudges the core; the core debounces and decides what is valid.

use crate::core::CoreHandle;
use notify::{RecursiveMode, Watcher};

/// Keep the returned watcher alive for as long as files should be watched.
pub fn files(core: CoreHandle) -> Option<notify::RecommendedWatcher> {
    let mut watcher = match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && !matches!(ev.kind, notify::EventKind::Access(_))
        {
            core.files_changed();
        }
    }) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch files; use `sonoractl reload` after edits");
            return None;
        }
    };
    let config_dir = sonora_proto::paths::config_dir();
    let packs_dir = sonora_proto::paths::data_dir().join("packs");
    for dir in [&config_dir, &packs_dir] {
        let _ = std::fs::create_dir_all(dir);
        if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot watch folder");
        }
    }
    Some(watcher)
}
