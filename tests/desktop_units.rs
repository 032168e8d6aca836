//! The service templates in `systemd/` and `launchd/`: systemd itself checks the unit, Python's
//! plistlib reads the LaunchAgent, and the rules the daemon relies on are checked line by line.

use serde_json::Value;
use sonora_tests::{bin, require_program};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sonora-units-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    sonora_tests::chmod(&d, 0o700);
    d
}

/// Values of `Key=` lines in a unit-style file.
fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines().filter_map(|l| l.strip_prefix(key)?.strip_prefix('=')).collect()
}

#[test]
fn systemd_accepts_the_unit_with_a_real_binary_path() {
    require_program("systemd-analyze", "systemd");
    let dir = scratch("verify");
    let bindir = bin("sonorad").parent().unwrap().to_path_buf();
    let unit = read("systemd/sonorad.service").replace("@bindir@", &bindir.display().to_string());
    let path = dir.join("sonorad.service");
    std::fs::write(&path, unit).unwrap();
    // `--user` needs a runtime dir; CI has one, a bare shell may not, so give it a private one.
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let r = dir.join("run");
        std::fs::create_dir_all(&r).unwrap();
        sonora_tests::chmod(&r, 0o700);
        r
    });
    let out = Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(&path)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze --user verify rejected or warned about the unit ({}):\n{stderr}",
        out.status
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unit_is_dbus_activated_sandboxed_and_offline() {
    let unit = read("systemd/sonorad.service");
    let one = |key: &str| {
        let v = values(&unit, key);
        assert_eq!(v.len(), 1, "{key}= should appear once, found {v:?}");
        v[0]
    };
    assert_eq!(one("Type"), "dbus");
    assert_eq!(one("BusName"), sonora_proto::paths::DBUS_NAME);
    assert_eq!(one("ExecStart"), "@bindir@/sonorad");
    assert_eq!(one("Restart"), "on-failure");
    assert_eq!(one("WantedBy"), "default.target");
    assert_eq!(one("RestrictAddressFamilies"), "AF_UNIX", "Sonora never needs the network");
    let rw = one("ReadWritePaths");
    for p in ["%h/.local/share/sonora", "%h/.config/sonora", "%t"] {
        assert!(rw.split_whitespace().any(|w| w == p), "ReadWritePaths lacks {p}: {rw}");
    }
    for key in [
        "NoNewPrivileges",
        "PrivateTmp",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectControlGroups",
        "LockPersonality",
        "MemoryDenyWriteExecute",
        "RestrictNamespaces",
    ] {
        assert_eq!(one(key), "yes", "{key}");
    }
    assert_eq!(one("ProtectSystem"), "strict");
    // These would hide the sound device or the sound server, or wait for things a user session
    // never reaches.
    let active: String =
        unit.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
    for banned in
        ["network-online.target", "sound.target", "PrivateDevices", "PrivateNetwork", "DevicePolicy"]
    {
        assert!(!active.contains(banned), "the unit must not use {banned}");
    }
}

#[test]
fn dbus_activation_file_hands_over_to_systemd() {
    let text = read("systemd/org.sonora.Sonora1.service");
    assert!(text.lines().any(|l| l == "[D-BUS Service]"), "{text}");
    assert_eq!(values(&text, "Name"), [sonora_proto::paths::DBUS_NAME]);
    assert_eq!(values(&text, "SystemdService"), ["sonorad.service"]);
    assert_eq!(values(&text, "Exec"), ["@bindir@/sonorad"]);
}

/// Reads a plist with Python's plistlib (the same parser rules as macOS) and returns it as JSON.
pub fn load_plist(path: &Path) -> Value {
    require_program("python3", "python3");
    let out = Command::new("python3")
        .args(["-c", "import plistlib,sys,json; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))"])
        .arg(path)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "plistlib cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn launch_agent_plist_parses_and_keeps_the_daemon_alive() {
    let p = load_plist(&repo().join("launchd/org.sonora.sonorad.plist"));
    assert_eq!(p["Label"], "org.sonora.sonorad");
    assert_eq!(p["RunAtLoad"], true);
    // Restarted after a crash, not after `sonoractl quit`.
    assert_eq!(p["KeepAlive"]["SuccessfulExit"], false, "KeepAlive: {}", p["KeepAlive"]);
    let args = p["ProgramArguments"].as_array().expect("ProgramArguments is an array");
    assert!(args[0].as_str().unwrap().ends_with("/sonorad"), "{args:?}");
    for key in ["StandardOutPath", "StandardErrorPath"] {
        let v = p[key].as_str().unwrap_or_else(|| panic!("{key} missing"));
        assert!(v.contains("/Library/Logs/Sonora/"), "{key} = {v}");
    }
}
