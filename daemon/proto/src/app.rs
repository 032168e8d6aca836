//! Finding and opening Sonora's window (`sonora-app`), for the tray and the daemon: both open
//! its check-in page when the microphone opens, so the person sees what to read and for how long.
//!
//! The app is looked for next to the caller's own executable first (a build tree or an install
//! prefix), then on `PATH`. `SONORA_APP_BIN` overrides the search (empty: behave as if the app
//! were not installed), for packagers and tests.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Whether a window can appear at all: a service started by systemd or launchd may have no
/// display in its environment, and a window that cannot open shows the person nothing.
pub fn display_available() -> bool {
    cfg!(target_os = "macos")
        || ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// Runs `sonora-app ARGS` without waiting for it. A running window takes the arguments over (the
/// app is single-instance), so this never opens a second window.
pub fn open(app: &Path, args: &[&str]) -> std::io::Result<()> {
    let mut child = Command::new(app).args(args).spawn()?;
    // Reap it on a helper thread so no zombie is left behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_app_on_path() {
        let dir = std::env::temp_dir().join(format!("sonora-app-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sonora-app"), "").unwrap();
        let path = std::env::join_paths([Path::new("/nonexistent"), &dir]).unwrap();
        assert_eq!(on_path("sonora-app", Some(&path)), Some(dir.join("sonora-app")));
        assert_eq!(on_path("sonora-app", Some(std::ffi::OsStr::new("/nonexistent"))), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
