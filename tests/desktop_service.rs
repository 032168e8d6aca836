//! `sonoractl service install|uninstall|status` (ctl/src/service.rs) in temporary XDG and home
//! folders. The real files are written; systemctl and launchctl are either skipped
//! (SONORA_SERVICE_DRY_RUN) or stand-ins on PATH that record their arguments, because a test
//! machine has no per-user systemd to enable anything in.

use serde_json::Value;
use sonora_tests::{Env, bin, require_program};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Setup {
    env: Env,
    home: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let env = Env::new();
        let home = env.root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        Setup { env, home }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.env.command(bin("sonoractl"));
        c.args(args).env("HOME", &self.home).env_remove("SONORA_SERVICE_PLATFORM");
        c
    }

    fn dry(&self, args: &[&str]) -> Output {
        self.cmd(args).env("SONORA_SERVICE_DRY_RUN", "1").output().unwrap()
    }

    fn unit(&self) -> PathBuf {
        self.env.config.join("systemd/user/sonorad.service")
    }

    fn dbus_file(&self) -> PathBuf {
        self.env.data.join("dbus-1/services/org.sonora.Sonora1.service")
    }

    /// A stand-in for `name` that appends its arguments to `calls` and exits with `code`.
    fn fake_tool(&self, name: &str, code: i32) -> (PathBuf, PathBuf) {
        let dir = self.env.root.join(format!("fake-{name}-{code}"));
        std::fs::create_dir_all(&dir).unwrap();
        let calls = dir.join("calls");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\n[ {code} -eq 0 ] || echo 'Failed to connect to bus: No medium found' >&2\nexit {code}\n",
            calls.display()
        );
        let path = dir.join(name);
        std::fs::write(&path, script).unwrap();
        sonora_tests::chmod(&path, 0o755);
        (dir, calls)
    }
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON on stdout ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn real_daemon() -> PathBuf {
    bin("sonorad").canonicalize().unwrap()
}

#[test]
fn install_writes_unit_and_activation_file_with_real_paths_then_uninstall_removes_them() {
    let s = Setup::new();
    let out = s.dry(&["service", "install"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains(&s.unit().display().to_string()), "does not say which file it wrote:\n{said}");
    assert!(said.contains("Dry run"), "{said}");

    let unit = std::fs::read_to_string(s.unit()).unwrap();
    let exec = format!("ExecStart={}", real_daemon().display());
    assert!(unit.lines().any(|l| l == exec), "unit lacks `{exec}`:\n{unit}");
    assert!(!unit.contains("@bindir@"));
    let dbus = std::fs::read_to_string(s.dbus_file()).unwrap();
    assert!(dbus.lines().any(|l| l == format!("Exec={}", real_daemon().display())), "{dbus}");
    assert!(dbus.contains("SystemdService=sonorad.service"));
    // The unit's ReadWritePaths= must exist or systemd refuses to start it.
    assert!(s.home.join(".local/share/sonora").is_dir() && s.home.join(".config/sonora").is_dir());

    // The written unit is one systemd accepts.
    require_program("systemd-analyze", "systemd");
    let v = Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(s.unit())
        .env("XDG_RUNTIME_DIR", &s.env.runtime)
        .env("HOME", &s.home)
        .output()
        .unwrap();
    assert!(v.status.success() && v.stderr.is_empty(), "{}", text(&v));

    let st = json_of(&s.dry(&["--json", "service", "status"]));
    assert_eq!(
        (st["unit_present"].as_bool(), st["dbus_service_present"].as_bool()),
        (Some(true), Some(true))
    );

    let out = s.dry(&["--json", "service", "uninstall"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json_of(&out);
    assert_eq!(j["files"].as_array().unwrap().len(), 2, "{j}");
    assert!(!s.unit().exists() && !s.dbus_file().exists());

    let out = s.dry(&["service", "status"]);
    assert_eq!(out.status.code(), Some(1), "status of a missing service is not success");
    assert!(text(&out).contains("sonoractl service install"), "{}", text(&out));
}

#[test]
fn install_enables_the_unit_through_systemctl() {
    let s = Setup::new();
    let (dir, calls) = s.fake_tool("systemctl", 0);
    let out = s.cmd(&["--json", "service", "install"]).env("PATH", &dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ran = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(ran, "--user daemon-reload\n--user enable --now sonorad.service\n");
    let j = json_of(&out);
    assert_eq!(j["ok"], true);
    let cmds: Vec<&str> =
        j["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap()).collect();
    assert_eq!(cmds, ["systemctl --user daemon-reload", "systemctl --user enable --now sonorad.service"]);
    assert_eq!(j["daemon"].as_str().map(Path::new), Some(real_daemon().as_path()));

    std::fs::remove_file(&calls).unwrap();
    let out = s.cmd(&["service", "uninstall"]).env("PATH", &dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "--user disable --now sonorad.service\n--user daemon-reload\n"
    );
}

#[test]
fn without_a_user_systemd_the_files_stay_and_it_says_so() {
    let s = Setup::new();
    // systemctl present but no user manager behind it (what a container or SSH session gives).
    let (dir, _) = s.fake_tool("systemctl", 1);
    let out = s.cmd(&["service", "install"]).env("PATH", &dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("did not answer") && said.contains("in place"), "{said}");
    assert!(said.contains("Failed to connect to bus"), "systemctl's own words are shown:\n{said}");
    assert!(s.unit().is_file() && s.dbus_file().is_file());

    // No systemctl at all.
    let empty = s.env.root.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let out = s.cmd(&["service", "install"]).env("PATH", &empty).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("systemctl is not available"), "{}", text(&out));
    assert!(s.unit().is_file());
}

#[test]
fn launch_agent_install_on_the_launchd_path() {
    let s = Setup::new();
    let (dir, calls) = s.fake_tool("launchctl", 0);
    let out = s
        .cmd(&["--json", "service", "install"])
        .env("SONORA_SERVICE_PLATFORM", "launchd")
        .env("PATH", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plist = s.home.join("Library/LaunchAgents/org.sonora.sonorad.plist");
    let p = load_plist(&plist);
    assert_eq!(p["ProgramArguments"][0].as_str().map(Path::new), Some(real_daemon().as_path()));
    let log = s.home.join("Library/Logs/Sonora/sonorad.log");
    assert_eq!(p["StandardErrorPath"].as_str().map(Path::new), Some(log.as_path()));
    assert!(log.parent().unwrap().is_dir(), "launchd does not create the log folder itself");
    let uid = unsafe { libc::getuid() };
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        format!("bootstrap gui/{uid} {}\n", plist.display())
    );
    let out = s
        .cmd(&["service", "uninstall"])
        .env("SONORA_SERVICE_PLATFORM", "launchd")
        .env("SONORA_SERVICE_DRY_RUN", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!plist.exists());
}

fn load_plist(path: &Path) -> Value {
    require_program("python3", "python3");
    let out = Command::new("python3")
        .args(["-c", "import plistlib,sys,json; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "plistlib cannot read {}: {}", path.display(), text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
