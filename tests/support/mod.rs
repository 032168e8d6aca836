//! Helpers for Sonora's integration tests. Everything here is real: the built binaries, a
//! private `dbus-daemon` per test daemon (so tests can run in parallel without fighting over the
//! bus name), the audio server the environment provides (PulseAudio with a null sink, see
//! `.ci/run`), real files in temporary directories.
//!
//! Tests that need a service the environment lacks fail with a message naming it; they never skip.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The workspace's target dir (honours CARGO_TARGET_DIR).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Path of a built binary of the workspace.
pub fn bin(name: &str) -> PathBuf {
    let p = target_dir().join("debug").join(name);
    assert!(
        p.exists(),
        "{} is not built: run `cargo build --workspace --bins` first (the README's test command does)",
        p.display()
    );
    p
}

/// Fails the test with a clear message if a program the test needs is missing.
pub fn require_program(name: &str, package: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{name}` is needed for this test: install the Debian package {package} (the README's test command does)"
    );
}

/// Fails the test unless the audio server is reachable.
pub fn require_audio_server() {
    require_program("pactl", "pulseaudio-utils");
    let ok = Command::new("pactl").arg("info").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        ok.map(|s| s.success()).unwrap_or(false),
        "no audio server: these tests need PulseAudio (or PipeWire) with a null sink as the default output; \
         run them through `.ci/run` or `tests/run`, which start one"
    );
}

/// A private set of XDG directories and a private session bus.
pub struct Env {
    pub root: PathBuf,
    pub runtime: PathBuf,
    pub config: PathBuf,
    pub data: PathBuf,
    pub bus_address: String,
    bus: Child,
    /// Extra environment for the daemon and clients of this test (e.g. a simulated clock).
    pub extra: Vec<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Env {
    pub fn new() -> Env {
        require_program("dbus-daemon", "dbus");
        let root = std::env::temp_dir().join(format!(
            "sonora-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        let runtime = root.join("run");
        let config = root.join("config");
        let data = root.join("data");
        for d in [&runtime, &config, &data] {
            std::fs::create_dir_all(d).unwrap();
        }
        chmod(&runtime, 0o700);
        let bus_path = runtime.join("bus");
        let bus_address = format!("unix:path={}", bus_path.display());
        let bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", &format!("--address={bus_address}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        wait_until(Duration::from_secs(5), || bus_path.exists()).expect("private session bus did not start");
        Env { root, runtime, config, data, bus_address, bus, extra: Vec::new() }
    }

    /// Environment variables every Sonora process in this test gets.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("XDG_RUNTIME_DIR".into(), self.runtime.display().to_string()),
            ("XDG_CONFIG_HOME".into(), self.config.display().to_string()),
            ("XDG_DATA_HOME".into(), self.data.display().to_string()),
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.bus_address.clone()),
            ("SONORA_LOG".into(), "debug".into()),
            // No window pops up from a test's daemon or tray unless the test asks (env.extra).
            ("SONORA_APP_BIN".into(), String::new()),
        ];
        // The audio server lives in the outer runtime dir; keep pointing at it.
        if let Ok(p) = std::env::var("PULSE_SERVER") {
            v.push(("PULSE_SERVER".into(), p));
        } else if let Ok(r) = std::env::var("XDG_RUNTIME_DIR") {
            v.push(("PULSE_SERVER".into(), format!("unix:{r}/pulse/native")));
        }
        // Last, so a test's own values (a private sound server, say) win: the last of two
        // equal names is the one a child gets.
        v.extend(self.extra.iter().cloned());
        v
    }

    pub fn socket(&self) -> PathBuf {
        self.runtime.join("sonora").join("sonorad.sock")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("sonora").join("config.toml")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config.join("sonora")).unwrap();
        std::fs::write(self.config_file(), text).unwrap();
    }

    /// Runs a command with this environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_remove("SONORA_SOCKET").env_remove("SONORA_CONFIG");
        for (k, v) in self.vars() {
            c.env(k, v);
        }
        c
    }

    /// Runs `sonoractl` with these arguments and returns its output.
    pub fn ctl(&self, args: &[&str]) -> Output {
        self.command(bin("sonoractl")).args(args).output().expect("run sonoractl")
    }

    /// Runs `sonoractl --json ARGS`, asserts success and parses stdout.
    pub fn ctl_json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ctl(&all);
        assert!(
            out.status.success(),
            "sonoractl {args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("sonoractl {args:?} printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
        })
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// A running `sonorad`, killed (SIGTERM, then SIGKILL) when dropped.
pub struct Daemon {
    pub env: Env,
    pub child: Child,
    pub log: PathBuf,
}

impl Daemon {
    pub fn start() -> Daemon {
        Daemon::start_in(Env::new())
    }

    pub fn start_in(env: Env) -> Daemon {
        let log = env.root.join("sonorad.log");
        let child = env
            .command(bin("sonorad"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start sonorad");
        let d = Daemon { env, child, log };
        let sock = d.env.socket();
        if wait_until(Duration::from_secs(10), || UnixStream::connect(&sock).is_ok()).is_none() {
            panic!("sonorad did not open its socket; log:\n{}", d.log_text());
        }
        d
    }

    /// Waits until the daemon's D-Bus name is on its private bus.
    pub fn wait_for_dbus(&self) {
        let ok = wait_until(Duration::from_secs(10), || {
            self.env
                .command("busctl")
                .args(["--user", "status", "org.sonora.Sonora1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        });
        assert!(ok.is_some(), "sonorad never appeared on D-Bus; log:\n{}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn ctl(&self, args: &[&str]) -> Output {
        self.env.ctl(args)
    }

    pub fn ctl_json(&self, args: &[&str]) -> Value {
        self.env.ctl_json(args)
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        // SAFETY: kill with a pid we own.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        wait_child(&mut self.child, Duration::from_secs(10)).expect("sonorad did not stop on SIGTERM")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.alive() {
            // SAFETY: kill with a pid we own.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            if wait_child(&mut self.child, Duration::from_secs(3)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
        if std::thread::panicking() {
            eprintln!("---- sonorad log ----\n{}", self.log_text());
        }
    }
}

pub fn wait_child(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    wait_until(timeout, || child.try_wait().ok().flatten())
}

/// Polls `f` every 20 ms until it returns Some/true or the timeout passes.
pub fn wait_until<T, F: FnMut() -> R, R: IntoOption<T>>(timeout: Duration, mut f: F) -> Option<T> {
    let end = Instant::now() + timeout;
    loop {
        if let Some(v) = f().into_option() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub trait IntoOption<T> {
    fn into_option(self) -> Option<T>;
}
impl IntoOption<()> for bool {
    fn into_option(self) -> Option<()> {
        self.then_some(())
    }
}
impl<T> IntoOption<T> for Option<T> {
    fn into_option(self) -> Option<T> {
        self
    }
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A raw connection to the daemon's socket, for protocol-level tests.
pub struct RawConn {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    pub greeting: Value,
}

impl RawConn {
    pub fn open(socket: &Path) -> RawConn {
        let s = UnixStream::connect(socket).expect("connect to sonorad's socket");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let writer = s.try_clone().unwrap();
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let greeting = serde_json::from_str(&line).expect("greeting is JSON");
        RawConn { reader, writer, greeting }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    pub fn read_json(&mut self) -> Value {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).expect("read a line from sonorad");
        assert!(n > 0, "sonorad closed the connection");
        serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
    }

    /// Sends one line and reads one line back.
    pub fn request(&mut self, line: &str) -> Value {
        self.send_raw(format!("{line}\n").as_bytes());
        self.read_json()
    }

    pub fn set_read_timeout(&self, t: Duration) {
        self.reader.get_ref().set_read_timeout(Some(t)).unwrap();
    }

    /// Reads whatever arrives within the timeout (empty if nothing).
    pub fn read_available(&mut self) -> Vec<u8> {
        let mut buf = vec![0u8; 65536];
        match self.reader.read(&mut buf) {
            Ok(n) => buf[..n].to_vec(),
            Err(_) => Vec::new(),
        }
    }
}

pub mod audio;
pub mod notifications;

/// Speaks `text` with espeak-ng into a WAV file (test speech with known content).
pub fn speak(text: &str, path: &Path, args: &[&str]) {
    require_program("espeak-ng", "espeak-ng");
    let st = Command::new("espeak-ng").arg("-w").arg(path).args(args).arg(text).status().expect("espeak-ng");
    assert!(st.success(), "espeak-ng failed");
}
