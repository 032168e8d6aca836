//! Opening Sonora's window (`sonora-app`) from the tray, when it is installed.
//!
//! The app is looked for next to the tray's own executable first (a build tree or an install
//! prefix), then on `PATH`. `SONORA_APP_BIN` overrides the search (empty: behave as if the app
//! were not installed), for packagers and tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use tracing::warn;

const APP: &str = "sonora-app";

/// Where `sonora-app` is, if anywhere.
pub fn app_path() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("SONORA_APP_BIN") {
        return (!v.is_empty()).then(|| PathBuf::from(v)).filter(|p| p.is_file());
    }
    let name = format!("{APP}{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join(&name)));
    beside.filter(|p| p.is_file()).or_else(|| on_path(&name, std::env::var_os("PATH").as_deref()))
}

fn on_path(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Runs `sonora-app ARGS` without waiting for it; true when it started. A running window takes
/// the arguments over (the app is single-instance), so this never opens a second window.
pub fn open(app: &Path, args: &[&str]) -> bool {
    match Command::new(app).args(args).spawn() {
        Ok(mut child) => {
            // Reap it on a helper thread so no zombie is left behind.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(e) => {
            warn!("could not run {} {args:?}: {e}", app.display());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_app_on_path() {
        let dir = std::env::temp_dir().join(format!("sonora-tray-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sonora-app"), "").unwrap();
        let path = std::env::join_paths([Path::new("/nonexistent"), &dir]).unwrap();
        assert_eq!(on_path("sonora-app", Some(&path)), Some(dir.join("sonora-app")));
        assert_eq!(on_path("sonora-app", Some(std::ffi::OsStr::new("/nonexistent"))), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
