//! Where clients find the daemon.

use std::path::PathBuf;

/// Well-known D-Bus name, object path and interface of the control API.
pub const DBUS_NAME: &str = "org.sonora.Sonora1";
pub const DBUS_PATH: &str = "/org/sonora/Sonora1";
pub const DBUS_INTERFACE: &str = "org.sonora.Sonora1";
/// MPRIS name, so `playerctl -p sonora` finds it.
pub const MPRIS_NAME: &str = "org.mpris.MediaPlayer2.sonora";

/// `$XDG_RUNTIME_DIR/sonora`, or a per-user temp dir where there is no runtime dir (macOS).
pub fn runtime_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("sonora");
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    std::env::temp_dir().join(format!("sonora-{user}"))
}

/// The control socket. `SONORA_SOCKET` overrides it (tests, several instances).
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("SONORA_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    runtime_dir().join("sonorad.sock")
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

/// `$XDG_CONFIG_HOME/sonora` (macOS too: a dotfile-style location people can find).
pub fn config_dir() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".config"))
        .join("sonora")
}

/// `$XDG_DATA_HOME/sonora`: history, user packs, presets.
pub fn data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".local/share"))
        .join("sonora")
}

/// Folders of installed sound packs, least preferred first (a later folder's pack shadows an
/// earlier one of the same name): `sonora/packs` under each of `$XDG_DATA_DIRS` (default
/// `/usr/local/share:/usr/share`, so a distribution package's `/usr/share/sonora/packs`), and
/// `../share/sonora/packs` beside the running program (an install under any other prefix, such as
/// `/opt/sonora`). A source build needs none of them: the built-in packs are also embedded in the
/// daemon.
pub fn system_pack_dirs() -> Vec<PathBuf> {
    let data_dirs = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    let mut preferred: Vec<PathBuf> = data_dirs
        .split(':')
        .filter(|d| d.starts_with('/'))
        .map(|d| PathBuf::from(d).join("sonora/packs"))
        .collect();
    if let Some(prefix) = std::env::current_exe().ok().and_then(|e| Some(e.parent()?.parent()?.to_path_buf()))
    {
        preferred.push(prefix.join("share/sonora/packs"));
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for d in preferred {
        let key = std::fs::canonicalize(&d).unwrap_or_else(|_| d.clone());
        if !seen.contains(&key) && d.is_dir() {
            seen.push(key);
            dirs.push(d);
        }
    }
    dirs.reverse();
    dirs
}
