//! Suspend and resume (daemon/src/sleep.rs, daemon/src/core/suspend.rs): a private *system* bus (a
//! real `dbus-daemon` with a minimal config in the test's folder, given to the daemon as
//! `DBUS_SYSTEM_BUS_ADDRESS`) with a small logind stand-in on it that owns `org.freedesktop.login1`,
//! emits `PrepareForSleep` and hands out delay inhibitors (pipes: the test sees when the daemon lets
//! go of one). Sound is checked on the test sink's monitor, the stream with `pactl`.

use sonora_tests::audio::{self, rms};
use sonora_tests::{Daemon, Env, wait_until};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zbus::object_server::SignalEmitter;

/// A private system bus: `dbus-daemon --config-file` allowing everything, on a socket in `dir`.
struct SystemBus {
    child: Child,
    address: String,
}

impl SystemBus {
    fn start(dir: &std::path::Path) -> SystemBus {
        sonora_tests::require_program("dbus-daemon", "dbus");
        let sock = dir.join("system_bus_socket");
        let conf = dir.join("system-bus.conf");
        std::fs::write(
            &conf,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"#,
                sock.display()
            ),
        )
        .unwrap();
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--nopidfile"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the private system bus");
        wait_until(Duration::from_secs(5), || sock.exists()).expect("the private system bus did not start");
        SystemBus { child, address: format!("unix:path={}", sock.display()) }
    }
}

impl Drop for SystemBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The logind stand-in's state: the read ends of the inhibitor pipes it handed out, and the calls.
#[derive(Clone, Default)]
struct Manager {
    inhibitors: Arc<Mutex<Vec<File>>>,
    calls: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    fn inhibit(
        &self,
        what: &str,
        who: &str,
        why: &str,
        mode: &str,
    ) -> zbus::fdo::Result<zbus::zvariant::OwnedFd> {
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 fills two descriptors we then own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(zbus::fdo::Error::Failed("pipe failed".into()));
        }
        // SAFETY: fresh descriptors from pipe2, each wrapped once.
        let (read, write) = unsafe { (File::from_raw_fd(fds[0]), std::os::fd::OwnedFd::from_raw_fd(fds[1])) };
        self.calls.lock().unwrap().push(format!("{what}|{who}|{why}|{mode}"));
        self.inhibitors.lock().unwrap().push(read);
        Ok(write.into())
    }

    #[zbus(signal)]
    async fn prepare_for_sleep(emitter: &SignalEmitter<'_>, start: bool) -> zbus::Result<()>;
}

struct Logind {
    rt: tokio::runtime::Runtime,
    conn: zbus::Connection,
    manager: Manager,
}

impl Logind {
    fn start(bus: &SystemBus) -> Logind {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let manager = Manager::default();
        let conn = rt.block_on(async {
            zbus::connection::Builder::address(bus.address.as_str())
                .unwrap()
                .name("org.freedesktop.login1")
                .unwrap()
                .serve_at("/org/freedesktop/login1", manager.clone())
                .unwrap()
                .build()
                .await
                .expect("logind stand-in on the private system bus")
        });
        Logind { rt, conn, manager }
    }

    fn prepare_for_sleep(&self, start: bool) {
        self.rt.block_on(async {
            let emitter = SignalEmitter::new(&self.conn, "/org/freedesktop/login1").unwrap();
            Manager::prepare_for_sleep(&emitter, start).await.unwrap();
        });
    }

    fn inhibit_calls(&self) -> Vec<String> {
        self.manager.calls.lock().unwrap().clone()
    }

    /// How many inhibitors handed out are still held (their write end open in the daemon).
    fn held(&self) -> usize {
        let fds = self.manager.inhibitors.lock().unwrap();
        fds.iter()
            .filter(|f| {
                let mut p = libc::pollfd { fd: f.as_raw_fd(), events: libc::POLLIN, revents: 0 };
                // SAFETY: one valid pollfd, zero timeout.
                unsafe { libc::poll(&mut p, 1, 0) };
                p.revents & libc::POLLHUP == 0
            })
            .count()
    }
}

/// Sink inputs (streams) of process `pid` on the sound server.
fn streams_of(pid: u32) -> usize {
    let out = Command::new("pactl").args(["list", "sink-inputs"]).output().expect("pactl");
    let text = String::from_utf8_lossy(&out.stdout);
    text.matches(&format!("application.process.id = \"{pid}\"")).count()
}

fn sleep_env(bus: &SystemBus) -> Env {
    let mut env = Env::new();
    env.extra.push(("DBUS_SYSTEM_BUS_ADDRESS".into(), bus.address.clone()));
    env.write_config("fade_in_s = 0.5\nstop_fade_s = 0.5\nrating_prompt = false\n");
    env
}

fn wait_following(d: &Daemon) {
    let ok = wait_until(Duration::from_secs(10), || d.log_text().contains("following sleep and resume"));
    assert!(ok.is_some(), "the daemon never followed logind; log:\n{}", d.log_text());
}

/// RMS of consecutive 10 ms windows of interleaved 48 kHz stereo.
fn envelope(samples: &[f32]) -> Vec<f32> {
    samples.chunks(960).map(rms).collect()
}

#[test]
fn sleep_fades_out_and_releases_the_device_and_resume_goes_on() {
    let _lock = audio::lock();
    let root = std::env::temp_dir().join(format!("sonora-sleep-{}-a", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let bus = SystemBus::start(&root);
    let logind = Logind::start(&bus);
    let d = Daemon::start_in(sleep_env(&bus));
    wait_following(&d);
    let pid = d.child.id();
    assert_eq!(logind.inhibit_calls(), ["sleep|Sonora|Fading out the sound before sleep|delay"]);
    assert_eq!(logind.held(), 1, "the daemon holds a delay inhibitor while awake");

    d.ctl_json(&["start", "calm", "--minutes", "30"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(streams_of(pid), 1, "a stream while playing");
    let before = d.ctl_json(&["status"]);
    let rec = audio::record(&d.env.root.join("sleep.wav"));
    let rec_start = Instant::now();
    std::thread::sleep(Duration::from_millis(1000));

    let t_sleep = Instant::now();
    logind.prepare_for_sleep(true);
    let released = wait_until(Duration::from_secs(3), || logind.held() == 0);
    let release_s = t_sleep.elapsed().as_secs_f64();
    assert!(released.is_some(), "the inhibitor is let go after the fade; log:\n{}", d.log_text());
    assert!(release_s < 1.0, "the machine is held up {release_s:.2} s (fade 0.3 s)");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(streams_of(pid), 0, "no Sonora stream while asleep");
    let asleep = d.ctl_json(&["status"]);
    assert_eq!(asleep["state"], "playing", "the session is kept while asleep: {asleep}");
    assert_eq!(asleep["output"], "none", "{asleep}");

    let t_wake = Instant::now();
    logind.prepare_for_sleep(false);
    let back = wait_until(Duration::from_secs(5), || streams_of(pid) == 1);
    assert!(back.is_some(), "the stream is reopened after resume; log:\n{}", d.log_text());
    std::thread::sleep(Duration::from_millis(2500));
    let samples = rec.stop();
    let after = d.ctl_json(&["status"]);
    let wall = t_wake.elapsed().as_secs_f64() + (t_wake - t_sleep).as_secs_f64();

    // Same session, same start; its timer kept counting through the sleep (wall clock).
    assert_eq!(after["state"], "playing", "{after}");
    assert_eq!(after["started_at"], before["started_at"], "the same session goes on");
    assert_eq!(after["outcome"], "calm");
    let used = before["remaining_s"].as_f64().unwrap() - after["remaining_s"].as_f64().unwrap();
    assert!(used >= wall - 0.5, "the timer counted the sleep: {used:.1} s used, {wall:.1} s passed");
    assert!(logind.held() == 1 && logind.inhibit_calls().len() == 2, "a new inhibitor after resume");

    // The sound: loud before, silent soon after PrepareForSleep(true), back after (false).
    let env = envelope(&samples);
    let at = |t: Instant| ((t - rec_start).as_secs_f64() * 100.0) as usize;
    let (i_sleep, i_wake) = (at(t_sleep), at(t_wake));
    let loud = env[..i_sleep.min(env.len())].iter().copied().fold(0.0f32, f32::max);
    assert!(loud > 0.003, "the session was heard before sleep: peak window rms {loud}");
    let silent_from = (i_sleep..i_wake)
        .find(|&i| env[i..i_wake.min(env.len())].iter().all(|&r| r < 1e-4))
        .expect("silence before resume");
    let to_silence_s = (silent_from - i_sleep) as f64 / 100.0;
    let sound_from = (i_wake..env.len()).find(|&i| env[i] > 1e-3).expect("sound after resume");
    let to_sound_s = (sound_from - i_wake) as f64 / 100.0;
    eprintln!(
        "PrepareForSleep(true) -> silence {to_silence_s:.2} s, inhibitor released {release_s:.2} s; \
         PrepareForSleep(false) -> sound {to_sound_s:.2} s"
    );
    // Both figures include up to ~0.2 s of uncertainty about when the recorder started.
    assert!(to_silence_s <= 1.0, "silent {to_silence_s:.2} s after the sleep signal (fade 0.3 s)");
    assert!(to_sound_s <= 2.0, "sound back {to_sound_s:.2} s after resume");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_timed_session_whose_end_passes_during_sleep_ends_on_resume() {
    let _lock = audio::lock();
    let root = std::env::temp_dir().join(format!("sonora-sleep-{}-b", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let bus = SystemBus::start(&root);
    let logind = Logind::start(&bus);
    let d = Daemon::start_in(sleep_env(&bus));
    wait_following(&d);
    let pid = d.child.id();

    // A 6-second session; the machine sleeps after 1 s and wakes after its end.
    d.ctl_json(&["start", "focus", "--minutes", "0.1"]);
    std::thread::sleep(Duration::from_secs(1));
    logind.prepare_for_sleep(true);
    wait_until(Duration::from_secs(3), || logind.held() == 0).expect("inhibitor released");
    // While asleep nothing happens (a sleeping machine runs no timers): the session is still there.
    std::thread::sleep(Duration::from_secs(6));
    let st = d.ctl_json(&["status"]);
    assert_eq!(st["state"], "playing", "nothing ends while the machine sleeps: {st}");
    logind.prepare_for_sleep(false);
    let ended = wait_until(Duration::from_secs(3), || d.ctl_json(&["status"])["state"] == "idle");
    assert!(ended.is_some(), "the session ends on resume; log:\n{}", d.log_text());
    assert!(d.log_text().contains("ran out while the computer slept"), "{}", d.log_text());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(streams_of(pid), 0, "no stream is reopened for a session that ended");

    // Recorded as ended by its timer, with the sleep counted.
    let export = d.env.root.join("export.json");
    d.ctl_json(&["export", "--json", export.to_str().unwrap()]);
    let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    let s = &data["sessions"][0];
    assert_eq!(s["stopped_early"], false, "{s}");
    assert!(s["actual_s"].as_f64().unwrap() >= 6.0, "{s}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn without_logind_or_a_system_bus_the_daemon_runs_and_says_so() {
    let root: PathBuf = std::env::temp_dir().join(format!("sonora-sleep-{}-c", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    // A system bus without logind.
    let bus = SystemBus::start(&root);
    let d = Daemon::start_in(sleep_env(&bus));
    let said = wait_until(Duration::from_secs(5), || d.log_text().contains("cannot follow sleep"));
    assert!(said.is_some(), "{}", d.log_text());
    assert_eq!(d.log_text().matches("cannot follow sleep").count(), 1, "said once");
    assert!(d.log_text().contains("logind is not on the system bus"), "{}", d.log_text());
    assert_eq!(d.ctl_json(&["start", "calm"])["state"], "playing");
    drop(d);

    // No system bus at all.
    let mut env = Env::new();
    env.extra.push(("DBUS_SYSTEM_BUS_ADDRESS".into(), format!("unix:path={}/none", root.display())));
    let d = Daemon::start_in(env);
    let said = wait_until(Duration::from_secs(5), || d.log_text().contains("cannot follow sleep"));
    assert!(said.is_some(), "{}", d.log_text());
    assert!(d.log_text().contains("no system bus"), "{}", d.log_text());
    assert!(d.log_text().contains("INFO"), "{}", d.log_text());
    assert_eq!(d.ctl_json(&["status"])["state"], "idle");
    let _ = std::fs::remove_dir_all(&root);
}
