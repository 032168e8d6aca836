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
    super::require_program("parec", "pulseaudio-utils");
    let child = Command::new("parec")
        .args([
            "--latency-msec=20",
            "-d",
            &default_monitor(),
            "--file-format=wav",
            "--rate=48000",
            "--channels=2",
        ])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start parec");
    std::thread::sleep(Duration::from_millis(200));
    Recording { child, path: path.to_path_buf() }
}

impl Recording {
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
