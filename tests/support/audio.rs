//! Recording what the daemon plays: `parec` on the default sink's monitor.
//!
//! Audio tests share one sound server, so they take a machine-wide lock while they record:
//! two tests playing at once would hear each other.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Held while a test uses the shared sound server.
pub struct AudioLock(#[allow(dead_code)] File);

pub fn lock() -> AudioLock {
    super::require_audio_server();
    let f = File::create(std::env::temp_dir().join("sonora-tests-audio.lock")).unwrap();
    // SAFETY: flock on an owned descriptor; blocks until the other test is done.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
    AudioLock(f)
}

/// The default sink's monitor source.
pub fn default_monitor() -> String {
    let out = Command::new("pactl").arg("get-default-sink").output().expect("pactl");
    let sink = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!sink.is_empty(), "the audio server has no default sink");
    format!("{sink}.monitor")
}

pub struct Recording {
    child: Child,
    pub path: PathBuf,
}

/// Starts recording the default sink's monitor to a WAV file.
pub fn record(path: &Path) -> Recording {
    record_monitor(None, &default_monitor(), path)
}

impl Recording {
    /// Records on for `secs`, then stops and returns the interleaved samples.
    pub fn stop_after(self, secs: f64) -> Vec<f32> {
        std::thread::sleep(Duration::from_secs_f64(secs));
        self.stop()
    }

    /// Stops recording and returns the interleaved samples.
    pub fn stop(mut self) -> Vec<f32> {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let _ = super::wait_child(&mut self.child, Duration::from_secs(5));
        let _ = self.child.kill();
        let _ = self.child.wait();
        read_wav(&self.path)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn read_wav(path: &Path) -> Vec<f32> {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let spec = r.spec();
    match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap_or(0.0)).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>().map(|s| s.unwrap_or(0) as f32 / scale).collect()
        }
    }
}

pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))
}

/// Which sound server the tests run against: `SONORA_TEST_AUDIO_SERVER` (set by tests/run), else
/// what `pactl info` says. Either way the same devices exist (see tests/services/).
pub fn server_kind() -> ServerKind {
    match std::env::var("SONORA_TEST_AUDIO_SERVER").as_deref() {
        Ok("pipewire") => ServerKind::PipeWire,
        Ok("pulseaudio") => ServerKind::PulseAudio,
        _ => {
            let out = Command::new("pactl").arg("info").output().expect("pactl");
            if String::from_utf8_lossy(&out.stdout).contains("PipeWire") {
                ServerKind::PipeWire
            } else {
                ServerKind::PulseAudio
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    PulseAudio,
    PipeWire,
}

impl ServerKind {
    /// Its script in tests/services (start DIR, stop DIR [SIGNAL]).
    pub fn script(self) -> PathBuf {
        let name = match self {
            ServerKind::PulseAudio => "pulseaudio.sh",
            ServerKind::PipeWire => "pipewire.sh",
        };
        Path::new(env!("CARGO_MANIFEST_DIR")).join("services").join(name)
    }
}

/// Starts recording a given monitor source (of the server `server`, or the environment's when
/// None) to a WAV file.
pub fn record_monitor(server: Option<&str>, monitor: &str, path: &Path) -> Recording {
    super::require_program("parec", "pulseaudio-utils");
    let mut cmd = Command::new("parec");
    if let Some(s) = server {
        cmd.args(["--server", s]);
    }
    let child = cmd
        // PipeWire moves a recording of the default sink's monitor along when the default changes;
        // a test listening to one output must stay on it (PulseAudio ignores the property).
        .args(["--latency-msec=20", "--property=node.dont-reconnect=true", "-d", monitor])
        .args(["--file-format=wav", "--rate=48000", "--channels=2"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start parec");
    // Returns once sound data flows (the header plus ~25 ms), not after a guess: a null sink that
    // had no low-latency reader runs in 2 s blocks, and a recording started then would hear
    // nothing for its first block.
    let flowing = super::wait_until(Duration::from_secs(3), || {
        std::fs::metadata(path).ok().filter(|m| m.len() > 44 + 9_600).map(|_| ())
    });
    if flowing.is_none() {
        eprintln!("recording {monitor}: no data after 3 s; going on");
    }
    Recording { child, path: path.to_path_buf() }
}

/// RMS of consecutive windows of `window_s` seconds (48 kHz stereo samples).
pub fn rms_windows(samples: &[f32], window_s: f64) -> Vec<f32> {
    let n = ((48_000.0 * window_s) as usize * 2).max(2);
    samples.chunks(n).map(rms).collect()
}

/// `pactl` against a given server (or the environment's when None); asserts success, returns
/// stdout.
pub fn pactl(server: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new("pactl");
    if let Some(s) = server {
        cmd.args(["--server", s]);
    }
    let out = cmd.args(args).output().expect("run pactl");
    assert!(
        out.status.success(),
        "pactl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The property blocks of `pactl list sink-inputs`, one string per stream.
pub fn sink_inputs(server: Option<&str>) -> Vec<String> {
    let text = pactl(server, &["list", "sink-inputs"]);
    text.split("Sink Input #").skip(1).map(|s| s.to_string()).collect()
}

/// A private sound server of the kind the tests run against ([`server_kind`]), with the same
/// devices as the shared one (null sinks `sonora_test`, the default, and `sonora_mic`; virtual
/// microphone `sonora_vmic`; idle readers on the monitors), started by tests/services. Tests that
/// kill the server or take every device away use one, so other tests never notice. Stopped when
/// dropped.
pub struct PrivateServer {
    pub kind: ServerKind,
    pub dir: PathBuf,
    /// For PULSE_SERVER and `pactl --server`.
    pub server: String,
    /// The test's private session bus: the shared one already has the shared server's names.
    bus: String,
    running: bool,
}

impl PrivateServer {
    pub fn new(root: &Path, bus: &str) -> PrivateServer {
        let kind = server_kind();
        match kind {
            ServerKind::PulseAudio => super::require_program("pulseaudio", "pulseaudio"),
            ServerKind::PipeWire => {
                super::require_program("pipewire", "pipewire-bin");
                super::require_program("wireplumber", "wireplumber");
                super::require_program("pipewire-pulse", "pipewire-pulse");
            }
        }
        super::require_program("pactl", "pulseaudio-utils");
        // Its own folder, not under `root`: the test's Env (usually owned by its Daemon) may be
        // dropped and removed first, and the server must still be stopped by its pid file.
        let _ = root;
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("sonora-sound-server-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let server = format!("unix:{}", dir.join("run/pulse/native").display());
        let mut s = PrivateServer { kind, dir, server, bus: bus.to_string(), running: false };
        s.start();
        s
    }

    fn script(&self, args: &[&str]) -> std::process::ExitStatus {
        Command::new(self.kind.script())
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(self.dir.with_extension("script.log"))
                    .map_or(Stdio::null(), Stdio::from),
            )
            .status()
            .expect("run tests/services script")
    }

    /// Starts it (again): the same devices, a fresh process.
    pub fn start(&mut self) {
        std::fs::create_dir_all(&self.dir).unwrap();
        let dir = self.dir.display().to_string();
        let st = self.script(&["start", &dir]);
        assert!(
            st.success(),
            "private {:?} server did not start: {}\n{}",
            self.kind,
            std::fs::read_to_string(self.dir.with_extension("script.log")).unwrap_or_default(),
            self.log()
        );
        self.running = true;
    }

    /// Kills it (SIGKILL, like a crash), readers too.
    pub fn kill(&mut self) {
        let dir = self.dir.display().to_string();
        self.script(&["stop", &dir, "KILL"]);
        self.running = false;
    }

    pub fn pactl(&self, args: &[&str]) -> String {
        pactl(Some(&self.server), args)
    }

    /// Its logs (for failure messages).
    pub fn log(&self) -> String {
        ["pulse.log", "pipewire.log", "wireplumber.log", "pipewire-pulse.log"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(self.dir.join(f)).ok().map(|t| format!("--- {f}\n{t}")))
            .collect()
    }

    /// Records a monitor of this server for `secs` and returns the samples (the first 200 ms,
    /// the stream's start, left out).
    pub fn record(&self, monitor: &str, secs: f64) -> Vec<f32> {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = self.dir.join(format!("rec-{n}.wav"));
        let rec = record_monitor(Some(&self.server), monitor, &path);
        std::thread::sleep(Duration::from_secs_f64(secs));
        let samples = rec.stop();
        samples.get(19_200..).unwrap_or(&[]).to_vec()
    }
}

static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Drop for PrivateServer {
    fn drop(&mut self) {
        if self.running {
            let dir = self.dir.display().to_string();
            self.script(&["stop", &dir]);
        }
        if std::thread::panicking() {
            eprintln!("---- private sound server logs ----\n{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(self.dir.with_extension("script.log"));
    }
}
