//! `sonoractl service install|uninstall|status`: run Sonora's daemon as a per-user service.
//!
//! On Linux this writes the systemd user unit and the D-Bus activation file (both from the
//! templates in `systemd/`, embedded here so the binary is all a user needs), then enables the
//! unit; on macOS it writes the LaunchAgent from `launchd/` and bootstraps it. Every file written
//! and every command run is reported, because a person setting up autostart needs to know exactly
//! what changed on their machine, and what to undo if something failed.
//!
//! When systemd (or launchctl) is missing or refuses, the files stay in place and the exit code is
//! non-zero: the files are still correct and will be picked up once a user manager runs.
//!
//! Environment overrides, for tests and packagers:
//! - `SONORA_SERVICE_DRY_RUN=1`: write and remove files, but run no systemctl/launchctl.
//! - `SONORA_SERVICE_PLATFORM=systemd|launchd`: pick the service manager (default: launchd on
//!   macOS, systemd elsewhere), so the LaunchAgent path is testable on Linux.

use crate::exit;
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const UNIT_TEMPLATE: &str = include_str!("../../systemd/sonorad.service");
const DBUS_TEMPLATE: &str = include_str!("../../systemd/org.sonora.Sonora1.service");
const PLIST_TEMPLATE: &str = include_str!("../../launchd/org.sonora.sonorad.plist");

const UNIT_NAME: &str = "sonorad.service";
const DBUS_FILE_NAME: &str = "org.sonora.Sonora1.service";
const LAUNCHD_LABEL: &str = "org.sonora.sonorad";

/// What to do with the per-user service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Subcommand)]
pub enum ServiceAction {
    /// Write the service files for this user and start the daemon with every login.
    Install,
    /// Stop the service and remove the files `install` wrote.
    Uninstall,
    /// Show whether the service files are present and the service enabled and running.
    Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    Systemd,
    Launchd,
}

/// Entry point of `sonoractl service ACTION`. Returns the process exit code: 0 when everything
/// asked for was done (for `status`: the service is installed), 1 otherwise.
pub fn run(action: ServiceAction, json: bool) -> Result<u8> {
    let ctx = Ctx::from_env()?;
    let mut report = Report::new(action, ctx.platform, ctx.dry_run);
    report.quiet = json;
    let ok = match (action, ctx.platform) {
        (ServiceAction::Install, Platform::Systemd) => install_systemd(&ctx, &mut report)?,
        (ServiceAction::Uninstall, Platform::Systemd) => uninstall_systemd(&ctx, &mut report)?,
        (ServiceAction::Status, Platform::Systemd) => status_systemd(&ctx, &mut report),
        (ServiceAction::Install, Platform::Launchd) => install_launchd(&ctx, &mut report)?,
        (ServiceAction::Uninstall, Platform::Launchd) => uninstall_launchd(&ctx, &mut report)?,
        (ServiceAction::Status, Platform::Launchd) => status_launchd(&ctx, &mut report),
    };
    report.ok = ok;
    if json {
        println!("{}", serde_json::to_string(&report.to_json())?);
    }
    Ok(if ok { exit::OK } else { exit::FAILURE })
}

/// Where things go, read once from the environment.
struct Ctx {
    platform: Platform,
    dry_run: bool,
    home: PathBuf,
    config_home: PathBuf,
    data_home: PathBuf,
}

impl Ctx {
    fn from_env() -> Result<Ctx> {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .context("HOME is not set, so there is no per-user place for the service files")?;
        let xdg = |var: &str, default: &str| {
            std::env::var_os(var)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(default))
        };
        let platform = match std::env::var("SONORA_SERVICE_PLATFORM").ok().as_deref() {
            Some("systemd") => Platform::Systemd,
            Some("launchd") => Platform::Launchd,
            Some("") | None if cfg!(target_os = "macos") => Platform::Launchd,
            Some("") | None => Platform::Systemd,
            Some(other) => bail!("SONORA_SERVICE_PLATFORM must be systemd or launchd, not '{other}'"),
        };
        Ok(Ctx {
            platform,
            dry_run: std::env::var("SONORA_SERVICE_DRY_RUN").is_ok_and(|v| !v.is_empty() && v != "0"),
            config_home: xdg("XDG_CONFIG_HOME", ".config"),
            data_home: xdg("XDG_DATA_HOME", ".local/share"),
            home,
        })
    }

    fn unit_path(&self) -> PathBuf {
        self.config_home.join("systemd/user").join(UNIT_NAME)
    }

    fn dbus_path(&self) -> PathBuf {
        self.data_home.join("dbus-1/services").join(DBUS_FILE_NAME)
    }

    fn plist_path(&self) -> PathBuf {
        self.home.join("Library/LaunchAgents").join(format!("{LAUNCHD_LABEL}.plist"))
    }

    fn log_dir(&self) -> PathBuf {
        self.home.join("Library/Logs/Sonora")
    }
}

/// What happened, printed line by line as it happens and returned as JSON at the end.
struct Report {
    action: ServiceAction,
    platform: Platform,
    dry_run: bool,
    ok: bool,
    daemon: Option<PathBuf>,
    files: Vec<Value>,
    commands: Vec<Value>,
    notes: Vec<String>,
    state: serde_json::Map<String, Value>,
    /// Human lines go to stdout unless --json asked for one JSON value there.
    quiet: bool,
}

impl Report {
    fn new(action: ServiceAction, platform: Platform, dry_run: bool) -> Report {
        Report {
            action,
            platform,
            dry_run,
            ok: false,
            daemon: None,
            files: Vec::new(),
            commands: Vec::new(),
            notes: Vec::new(),
            state: serde_json::Map::new(),
            quiet: false,
        }
    }

    fn say(&self, line: &str) {
        if self.quiet {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }

    fn file(&mut self, path: &Path, what: &str) {
        self.say(&format!("{} {}", capitalise(what), path.display()));
        self.files.push(json!({"path": path, "action": what}));
    }

    fn note(&mut self, line: impl Into<String>) {
        let line = line.into();
        self.say(&line);
        self.notes.push(line);
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "action": format!("{:?}", self.action).to_lowercase(),
            "platform": match self.platform { Platform::Systemd => "systemd", Platform::Launchd => "launchd" },
            "dry_run": self.dry_run,
            "ok": self.ok,
            "daemon": self.daemon,
            "files": self.files,
            "commands": self.commands,
            "notes": self.notes,
        });
        if let Value::Object(m) = &mut v {
            m.extend(self.state.clone());
        }
        v
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The outcome of one external command.
struct Ran {
    /// None: the program could not be started at all (not installed).
    code: Option<i32>,
    output: String,
}

impl Ran {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs a command, reports it (command line, result, its output) and returns the outcome.
fn run_cmd(report: &mut Report, program: &str, args: &[&str]) -> Ran {
    let line = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    let ran = match Command::new(program).args(args).output() {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            if !err.is_empty() {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&err);
            }
            Ran { code: Some(out.status.code().unwrap_or(-1)), output: text }
        }
        Err(e) => Ran { code: None, output: e.to_string() },
    };
    let result = match ran.code {
        Some(0) => "ok".to_string(),
        Some(c) => format!("failed (exit {c})"),
        None => format!("could not run it ({})", ran.output),
    };
    report.say(&format!("Ran `{line}`: {result}"));
    if ran.code.is_some_and(|c| c != 0) && !ran.output.is_empty() {
        for l in ran.output.lines() {
            report.say(&format!("    {l}"));
        }
    }
    report
        .commands
        .push(json!({"command": line, "exit_code": ran.code, "ok": ran.ok(), "output": ran.output}));
    ran
}

/// sonorad next to this sonoractl (an unpacked release, `cargo build`), else the first in PATH.
fn find_daemon() -> Option<PathBuf> {
    let exe_name = format!("sonorad{}", std::env::consts::EXE_SUFFIX);
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        let p = dir.join(&exe_name);
        if is_executable(&p) {
            return Some(p);
        }
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(&exe_name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn daemon_or_explain(report: &mut Report) -> Option<PathBuf> {
    match find_daemon() {
        Some(p) => {
            let p = p.canonicalize().unwrap_or(p);
            report.say(&format!("Using the daemon at {}", p.display()));
            report.daemon = Some(p.clone());
            Some(p)
        }
        None => {
            report.note(
                "Cannot find sonorad: it is neither next to this sonoractl nor in PATH. Install it \
                 (packaging/install.sh or `cargo install --path daemon`) and run this again.",
            );
            None
        }
    }
}

/// systemd unit-file quoting: `%` starts a specifier, and spaces split arguments.
fn systemd_quote(path: &Path) -> String {
    let s = path.display().to_string().replace('%', "%%");
    if s.chars().any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '\\') {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s
    }
}

/// The systemd unit with the daemon's real path. `@bindir@/sonorad` is replaced as a whole so a
/// path that needs quoting stays one argument.
pub fn render_unit(daemon: &Path) -> String {
    UNIT_TEMPLATE.replace("@bindir@/sonorad", &systemd_quote(daemon))
}

/// The D-Bus activation file with the daemon's real path (the bus splits Exec= like a shell).
pub fn render_dbus_service(daemon: &Path) -> String {
    DBUS_TEMPLATE.replace("@bindir@/sonorad", &systemd_quote(daemon).replace("%%", "%"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The LaunchAgent with the daemon's real path and absolute log paths (launchd does not expand ~).
pub fn render_plist(daemon: &Path, home: &Path) -> String {
    PLIST_TEMPLATE
        .replace("@bindir@/sonorad", &xml_escape(&daemon.display().to_string()))
        .replace("@home@", &xml_escape(&home.display().to_string()))
}

fn write_file(report: &mut Report, path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().expect("service files have a parent folder");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let existed = path.exists();
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    report.file(path, if existed { "replaced" } else { "wrote" });
    Ok(())
}

fn remove_file(report: &mut Report, path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => report.file(path, "removed"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            report.say(&format!("Nothing to remove at {}", path.display()));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
    Ok(())
}

fn install_systemd(ctx: &Ctx, report: &mut Report) -> Result<bool> {
    let Some(daemon) = daemon_or_explain(report) else { return Ok(false) };
    write_file(report, &ctx.unit_path(), &render_unit(&daemon))?;
    write_file(report, &ctx.dbus_path(), &render_dbus_service(&daemon))?;
    // The unit's ReadWritePaths= must exist before the sandbox is set up.
    for d in [ctx.home.join(".local/share/sonora"), ctx.home.join(".config/sonora")] {
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    if ctx.dry_run {
        report.note(
            "Dry run (SONORA_SERVICE_DRY_RUN): not running `systemctl --user daemon-reload` or \
             `systemctl --user enable --now sonorad.service`.",
        );
        return Ok(true);
    }
    let reload = run_cmd(report, "systemctl", &["--user", "daemon-reload"]);
    if !reload.ok() {
        explain_no_systemd(report, &reload);
        return Ok(false);
    }
    let enable = run_cmd(report, "systemctl", &["--user", "enable", "--now", UNIT_NAME]);
    if !enable.ok() {
        report.note(format!(
            "The unit is installed but could not be enabled. See `systemctl --user status {UNIT_NAME}` \
             and `journalctl --user -u {UNIT_NAME}`."
        ));
        return Ok(false);
    }
    report.note(
        "Sonora's daemon is running and will start with every login. To keep it running after \
         you log out, run `loginctl enable-linger $USER`.",
    );
    Ok(true)
}

fn explain_no_systemd(report: &mut Report, ran: &Ran) {
    if ran.code.is_none() {
        report.note(
            "systemctl is not available, so nothing was enabled. The files above are in place; \
             start sonorad from your session's autostart instead, or install it again once systemd runs.",
        );
    } else {
        report.note(
            "systemd's user manager did not answer (no user session bus, or systemd is not running \
             for this user), so nothing was enabled. The files above are in place and will be used \
             once it runs: log in normally and run `sonoractl service install` again.",
        );
    }
}

fn uninstall_systemd(ctx: &Ctx, report: &mut Report) -> Result<bool> {
    let mut ok = true;
    let unit = ctx.unit_path();
    if ctx.dry_run {
        report.note("Dry run (SONORA_SERVICE_DRY_RUN): not running systemctl.");
    } else if unit.exists() {
        let disable = run_cmd(report, "systemctl", &["--user", "disable", "--now", UNIT_NAME]);
        if disable.code.is_none() {
            report.note("systemctl is not available, so there is no running service to stop.");
        } else if !disable.ok() {
            report.note(
                "Could not stop and disable the service; the daemon may still be running (stop it \
                 with `sonoractl quit`).",
            );
            ok = false;
        }
    }
    remove_file(report, &unit)?;
    remove_file(report, &ctx.dbus_path())?;
    if !ctx.dry_run {
        let reload = run_cmd(report, "systemctl", &["--user", "daemon-reload"]);
        // Without systemd there is nothing to reload; only a present-but-failing one matters.
        if reload.code.is_some() && !reload.ok() {
            ok = false;
        }
    }
    if ok {
        report
            .note("Sonora's daemon no longer starts with your session. Your settings and history are kept.");
    }
    Ok(ok)
}

fn status_systemd(ctx: &Ctx, report: &mut Report) -> bool {
    let unit = ctx.unit_path();
    let dbus = ctx.dbus_path();
    let (unit_present, dbus_present) = (unit.is_file(), dbus.is_file());
    let mark = |b: bool| if b { "present" } else { "missing" };
    report.say(&format!("Unit file: {} ({})", unit.display(), mark(unit_present)));
    report.say(&format!("D-Bus activation file: {} ({})", dbus.display(), mark(dbus_present)));
    report.state.insert("unit".into(), json!(unit));
    report.state.insert("unit_present".into(), json!(unit_present));
    report.state.insert("dbus_service".into(), json!(dbus));
    report.state.insert("dbus_service_present".into(), json!(dbus_present));
    let (mut enabled, mut active) = (Value::Null, Value::Null);
    if ctx.dry_run {
        report
            .note("Dry run (SONORA_SERVICE_DRY_RUN): not asking systemctl whether it is enabled or running.");
    } else {
        // is-enabled/is-active print the answer and exit non-zero for "disabled"/"inactive",
        // which is an answer, not a failure.
        for (key, verb) in [("enabled", "is-enabled"), ("active", "is-active")] {
            let out = Command::new("systemctl").args(["--user", verb, UNIT_NAME]).output();
            let answer = match out {
                Ok(o) => {
                    let s = String::from_utf8_lossy(&o.stdout).trim().to_string();
                    if s.is_empty() { "unknown (systemd's user manager did not answer)".into() } else { s }
                }
                Err(_) => "unknown (systemctl is not available)".to_string(),
            };
            report.say(&format!("{}: {answer}", capitalise(key)));
            if key == "enabled" {
                enabled = json!(answer);
            } else {
                active = json!(answer);
            }
        }
    }
    report.state.insert("enabled".into(), enabled);
    report.state.insert("active".into(), active);
    if !unit_present {
        report.note("Not installed: run `sonoractl service install`.");
    }
    unit_present
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc_getuid() }
}

unsafe extern "C" {
    #[link_name = "getuid"]
    fn libc_getuid() -> u32;
}

fn install_launchd(ctx: &Ctx, report: &mut Report) -> Result<bool> {
    let Some(daemon) = daemon_or_explain(report) else { return Ok(false) };
    let logs = ctx.log_dir();
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let plist = ctx.plist_path();
    let existed = plist.exists();
    write_file(report, &plist, &render_plist(&daemon, &ctx.home))?;
    if ctx.dry_run {
        report.note("Dry run (SONORA_SERVICE_DRY_RUN): not running `launchctl bootstrap`.");
        return Ok(true);
    }
    let domain = format!("gui/{}", uid());
    if existed {
        // bootstrap refuses a label that is already loaded; reload it so the new file counts.
        let target = format!("{domain}/{LAUNCHD_LABEL}");
        let _ = run_cmd(report, "launchctl", &["bootout", &target]);
    }
    let plist_s = plist.display().to_string();
    let boot = run_cmd(report, "launchctl", &["bootstrap", &domain, &plist_s]);
    if !boot.ok() {
        report.note(format!(
            "launchctl could not load the agent; the file is in place and will load at your next \
             login. Logs: {}",
            logs.display()
        ));
        return Ok(false);
    }
    report.note(format!(
        "Sonora's daemon is running and will start with every login. Logs: {}",
        logs.join("sonorad.log").display()
    ));
    Ok(true)
}

fn uninstall_launchd(ctx: &Ctx, report: &mut Report) -> Result<bool> {
    let mut ok = true;
    let plist = ctx.plist_path();
    if ctx.dry_run {
        report.note("Dry run (SONORA_SERVICE_DRY_RUN): not running `launchctl bootout`.");
    } else if plist.exists() {
        let target = format!("gui/{}/{LAUNCHD_LABEL}", uid());
        let out = run_cmd(report, "launchctl", &["bootout", &target]);
        // Exit 3/113 ("no such process"/"not loaded") means it was not running: fine.
        if out.code.is_none() || out.code.is_some_and(|c| c != 0 && c != 3 && c != 113) {
            report.note("Could not unload the agent; the daemon may still be running (`sonoractl quit`).");
            ok = false;
        }
    }
    remove_file(report, &plist)?;
    if ok {
        report.note("Sonora's daemon no longer starts at login. Your settings, history and logs are kept.");
    }
    Ok(ok)
}

fn status_launchd(ctx: &Ctx, report: &mut Report) -> bool {
    let plist = ctx.plist_path();
    let present = plist.is_file();
    report.say(&format!(
        "LaunchAgent: {} ({})",
        plist.display(),
        if present { "present" } else { "missing" }
    ));
    report.state.insert("plist".into(), json!(plist));
    report.state.insert("plist_present".into(), json!(present));
    let mut loaded = Value::Null;
    if ctx.dry_run {
        report.note("Dry run (SONORA_SERVICE_DRY_RUN): not asking launchctl whether it is loaded.");
    } else {
        let target = format!("gui/{}/{LAUNCHD_LABEL}", uid());
        let answer = match Command::new("launchctl").args(["print", &target]).output() {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                let state = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("state = "))
                    .unwrap_or("loaded")
                    .to_string();
                report.say(&format!("Loaded: yes ({state})"));
                json!(state)
            }
            Ok(_) => {
                report.say("Loaded: no");
                json!("not loaded")
            }
            Err(_) => {
                report.say("Loaded: unknown (launchctl is not available)");
                Value::Null
            }
        };
        loaded = answer;
    }
    report.state.insert("loaded".into(), loaded);
    if !present {
        report.note("Not installed: run `sonoractl service install`.");
    }
    present
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_gets_the_real_path_and_quotes_odd_ones() {
        let u = render_unit(Path::new("/usr/local/bin/sonorad"));
        assert!(u.contains("\nExecStart=/usr/local/bin/sonorad\n"), "{u}");
        assert!(!u.contains("@bindir@"));
        let u = render_unit(Path::new("/home/a b/100%/sonorad"));
        assert!(u.contains("\nExecStart=\"/home/a b/100%%/sonorad\"\n"), "{u}");
        let d = render_dbus_service(Path::new("/home/a b/100%/sonorad"));
        assert!(d.contains("\nExec=\"/home/a b/100%/sonorad\"\n"), "{d}");
    }

    #[test]
    fn plist_gets_absolute_log_paths() {
        let p = render_plist(Path::new("/opt/s&n/sonorad"), Path::new("/Users/ana"));
        assert!(p.contains("<string>/opt/s&amp;n/sonorad</string>"));
        assert!(p.contains("<string>/Users/ana/Library/Logs/Sonora/sonorad.log</string>"));
        assert!(!p.contains('@'));
    }
}
