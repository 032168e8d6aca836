//! packaging/install.sh into a staging DESTDIR with the built binaries: the documented layout,
//! real paths inside the service files, and an uninstall that leaves nothing behind.

use sonora_tests::bin;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
        }
    }
    out
}

#[test]
fn install_and_uninstall_in_a_staging_root() {
    let root = std::env::temp_dir().join(format!("sonora-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (home, dest) = (root.join("home"), root.join("dest"));
    std::fs::create_dir_all(&home).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/install.sh");
    let bins = bin("sonoractl").parent().unwrap().to_path_buf();
    let run = |extra: &[&str]| {
        let out = Command::new("sh")
            .arg(&script)
            .args(["--bins", bins.to_str().unwrap(), "--no-tray"])
            .args(extra)
            .env("HOME", &home)
            .env("PREFIX", "/opt/sonora")
            .env("DESTDIR", &dest)
            .env_remove("SYSTEMD_USER_UNIT_DIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "install.sh {extra:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[]);
    let p = dest.join("opt/sonora");
    for f in [
        "bin/sonorad",
        "bin/sonoractl",
        "bin/sonora-focus-toggle",
        "bin/sonora-winddown",
        "bin/sonora-calm",
        "share/systemd/user/sonorad.service",
        "share/dbus-1/services/org.sonora.Sonora1.service",
        "share/applications/sonora.desktop",
        "share/bash-completion/completions/sonoractl",
        "share/zsh/site-functions/_sonoractl",
        "share/fish/vendor_completions.d/sonoractl.fish",
        "share/man/man1/sonoractl.1",
        "share/man/man1/sonorad.1",
        "share/man/man1/sonoractl-toggle.1",
        "share/sonora/packs/shore/pack.toml",
        "share/sonora/launchd/org.sonora.sonorad.plist",
    ] {
        assert!(p.join(f).is_file(), "{f} not installed");
    }
    // Paths inside files are the final ones, without the staging root.
    let unit = std::fs::read_to_string(p.join("share/systemd/user/sonorad.service")).unwrap();
    assert!(unit.lines().any(|l| l == "ExecStart=/opt/sonora/bin/sonorad"), "{unit}");
    let dbus = std::fs::read_to_string(p.join("share/dbus-1/services/org.sonora.Sonora1.service")).unwrap();
    assert!(dbus.lines().any(|l| l == "Exec=/opt/sonora/bin/sonorad"), "{dbus}");
    assert!(!files_under(&dest).iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|t| t.contains("@bindir@") || t.contains(dest.to_str().unwrap()))
    }));

    run(&["--uninstall"]);
    let left = files_under(&dest);
    assert!(left.is_empty(), "left behind: {left:?}");
    std::fs::remove_dir_all(&root).unwrap();
}
