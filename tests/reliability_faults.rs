//! Faults while sonorad runs: a broken config file, `kill -9`, the session bus going away and
//! coming back, the audio server dying and coming back. Each test drives the real daemon.

use serde_json::Value;
use sonora_tests::{Daemon, Env, RawConn, audio, bin, require_program, wait_child, wait_until};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGTERM, then SIGKILL) when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        if wait_child(&mut self.0, Duration::from_secs(3)).is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts another sonorad in `env` (with extra variables) and waits for its socket.
fn spawn_daemon(env: &Env, log: &Path, extra: &[(&str, &str)]) -> Guard {
    let mut cmd = env.command(bin("sonorad"));
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let child =
        cmd.stdout(Stdio::null()).stderr(std::fs::File::create(log).unwrap()).spawn().expect("start sonorad");
    let g = Guard(child);
    let sock = env.socket();
    let up = wait_until(Duration::from_secs(10), || UnixStream::connect(&sock).is_ok());
    assert!(
        up.is_some(),
        "sonorad did not open its socket; log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
    g
}

fn remaining(st: &Value) -> f64 {
    st["remaining_s"].as_f64().unwrap_or_else(|| panic!("no remaining_s: {st}"))
}

// ---------------------------------------------------------------- (a) config file faults

/// Something done to the config file while the daemon runs.
type Breakage = Box<dyn Fn(&Path)>;

#[test]
fn a_broken_config_file_is_named_and_the_last_good_settings_stay() {
    let env = Env::new();
    env.write_config("default_minutes = 7.0\n");
    let d = Daemon::start_in(env);
    let file = d.env.config_file();
    let name = file.display().to_string();
    let breakages: Vec<(&str, Breakage)> = vec![
        (
            "garbage bytes",
            Box::new(|f: &Path| std::fs::write(f, b"\x00\xff\xfe garbage \x89PNG\r\n\x1a\n").unwrap()),
        ),
        ("garbage text", Box::new(|f: &Path| std::fs::write(f, "}}}} ### [[[ = = =\n").unwrap())),
        (
            "truncated mid-value",
            Box::new(|f: &Path| std::fs::write(f, "default_minutes = 3.0\nvolume = 0.").unwrap()),
        ),
        ("truncated mid-key", Box::new(|f: &Path| std::fs::write(f, "default_minutes = 3.0\nvolu").unwrap())),
        (
            "out of range",
            Box::new(|f: &Path| std::fs::write(f, "default_minutes = 3.0\nvolume = 9\n").unwrap()),
        ),
        (
            // As root, chmod 000 does not stop reads; a directory in the file's place does.
            "a directory in place of the file",
            Box::new(|f: &Path| {
                std::fs::remove_file(f).unwrap();
                std::fs::create_dir(f).unwrap();
            }),
        ),
        (
            "a symlink loop in place of the file",
            Box::new(|f: &Path| {
                std::fs::remove_file(f).unwrap();
                std::os::unix::fs::symlink(f, f).unwrap();
            }),
        ),
    ];
    for (what, breakage) in &breakages {
        breakage(&file);
        let out = d.ctl(&["reload"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{what}: reload must be refused: {err}");
        assert!(err.contains(&name), "{what}: the error names {name}: {err}");
        assert!(err.contains("keeping the last good configuration"), "{what}: {err}");
        // Still serving, still on the last good settings (7-minute sessions).
        let st = d.ctl_json(&["status"]);
        assert!(st["state"].is_string(), "{what}: {st}");
        let st = d.ctl_json(&["start", "calm"]);
        assert!((400.0..=420.0).contains(&remaining(&st)), "{what}: last good default_minutes kept: {st}");
        d.ctl_json(&["stop"]);
        // Put a file back for the next breakage.
        if file.is_dir() {
            std::fs::remove_dir(&file).unwrap();
        } else {
            let _ = std::fs::remove_file(&file);
        }
        std::fs::write(&file, "default_minutes = 7.0\n").unwrap();
    }
    // A fixed file is picked up again.
    std::fs::write(&file, "default_minutes = 3.0\n").unwrap();
    assert!(d.ctl(&["reload"]).status.success());
    assert!(remaining(&d.ctl_json(&["start", "focus"])) <= 180.0);
}

// ---------------------------------------------------------------- (b) kill -9

#[test]
fn after_kill_9_mid_session_a_restart_replaces_the_stale_socket() {
    let mut d = Daemon::start();
    let st = d.ctl_json(&["--via", "socket", "start", "sleep", "--minutes", "30"]);
    assert_eq!(st["state"], "playing");
    d.child.kill().unwrap(); // SIGKILL: no cleanup at all
    d.child.wait().unwrap();
    let sock = d.env.socket();
    assert!(sock.exists(), "SIGKILL leaves the socket file behind");
    assert!(UnixStream::connect(&sock).is_err(), "nobody answers on the stale socket");
    let out = d.ctl(&["--via", "socket", "status"]);
    assert_eq!(out.status.code(), Some(3), "sonoractl says the daemon is not running");

    let log2 = d.env.root.join("sonorad-2.log");
    let _second = spawn_daemon(&d.env, &log2, &[]);
    let st = d.ctl_json(&["--via", "socket", "status"]);
    assert_eq!(st["state"], "idle", "a fresh daemon starts idle: {st}");
    let st = d.ctl_json(&["--via", "socket", "start", "calm"]);
    assert_eq!(st["state"], "playing");
    // The lock was released by the kernel and is now held by the second daemon.
    let out = d.env.command(bin("sonorad")).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "a third daemon is refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------- (c) session bus restart

/// The pid of the dbus-daemon listening at `address`.
fn bus_pid(address: &str) -> Option<i32> {
    let needle = format!("--address={address}");
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        cmd.split(|b| *b == 0).any(|a| a == needle.as_bytes()).then_some(pid)
    })
}

fn dbus_has_sonora(env: &Env) -> bool {
    env.command("busctl")
        .args(["--user", "status", "org.sonora.Sonora1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn the_session_bus_goes_away_and_comes_back() {
    require_program("busctl", "systemd");
    let d = Daemon::start();
    d.wait_for_dbus();
    let addr = d.env.bus_address.clone();
    let pid = bus_pid(&addr).expect("find the private dbus-daemon");
    // SAFETY: killing the test's own private bus.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert!(wait_until(Duration::from_secs(5), || bus_pid(&addr).is_none()).is_some(), "the bus did not die");

    // The socket keeps serving without a bus.
    let mut c = RawConn::open(&d.env.socket());
    let r = c.request(r#"{"id":1,"cmd":"start","args":{"outcome":"focus"}}"#);
    assert_eq!(r["ok"]["state"], "playing", "{r}");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(c.request(r#"{"id":2,"cmd":"status"}"#)["ok"]["state"], "playing");

    // A new bus at the same address.
    let bus_path = d.env.runtime.join("bus");
    let _ = std::fs::remove_file(&bus_path);
    let bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", &format!("--address={addr}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon");
    let _bus = Guard(bus);
    assert!(wait_until(Duration::from_secs(5), || bus_path.exists()).is_some(), "the new bus did not start");
    let t = Instant::now();
    let back = wait_until(Duration::from_secs(10), || dbus_has_sonora(&d.env));
    assert!(
        back.is_some(),
        "org.sonora.Sonora1 was not registered again within 10 s of the bus coming back; log:\n{}",
        d.log_text()
    );
    eprintln!("re-registered on the new bus after {:?}", t.elapsed());
    // And it serves over the new bus, with the current state.
    let out = d
        .env
        .command("busctl")
        .args([
            "--user",
            "get-property",
            "org.sonora.Sonora1",
            "/org/sonora/Sonora1",
            "org.sonora.Sonora1",
            "State",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("playing"),
        "State over the new bus: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------- (d) audio server restart

/// The sound server (PulseAudio or PipeWire, whichever the tests run against: a private one, so
/// killing it disturbs no other test) dies mid-session and comes back: the session keeps playing
/// and counting, status says why it is silent, and sound returns by itself.
#[test]
fn the_audio_server_dies_and_comes_back_mid_session() {
    require_program("parec", "pulseaudio-utils");
    let env = Env::new();
    let mut server = audio::PrivateServer::new(&env.root, &env.bus_address);
    eprintln!("private sound server: {:?}", server.kind);
    let log = env.root.join("sonorad.log");
    let pulse_server = server.server.clone();
    let _d = spawn_daemon(&env, &log, &[("PULSE_SERVER", &pulse_server)]);
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let status = || env.ctl_json(&["--via", "socket", "status"]);

    let st = env.ctl_json(&["--via", "socket", "start", "calm", "--minutes", "10"]);
    assert_eq!(st["state"], "playing");
    assert_eq!(st["audio_error"], Value::Null, "{st}");
    assert_eq!(st["silent_reason"], Value::Null, "{st}");
    assert_eq!(st["output"], "device", "{st}");
    let started_at = st["started_at"].clone();
    let rms_before = audio::rms(&server.record("sonora_test.monitor", 2.5));
    assert!(rms_before > 1e-4, "the private sink hears the session before the fault (rms {rms_before})");

    server.kill();
    let t = Instant::now();
    let noticed = wait_until(Duration::from_secs(10), || {
        let st = status();
        (!st["audio_error"].is_null()).then_some(st)
    });
    let st = noticed.unwrap_or_else(|| {
        panic!(
            "10 s after the audio server died, status still shows no audio_error: {}\nlog:\n{}",
            status(),
            log_text()
        )
    });
    eprintln!("audio_error after {:?}: {}", t.elapsed(), st["audio_error"]);
    assert_eq!(st["state"], "playing", "the session keeps playing through the fault: {st}");
    assert_eq!(st["outcome"], "calm");
    assert_eq!(st["output"], "none", "{st}");
    assert!(st["silent_reason"].as_str().is_some_and(|r| r.contains("no sound device")), "{st}");
    let human = String::from_utf8_lossy(&env.ctl(&["--via", "socket", "status"]).stdout).into_owned();
    assert!(human.contains("Silent for now: no sound device is available"), "{human}");
    // Timed sessions keep counting while silent.
    let left = remaining(&st);
    std::thread::sleep(Duration::from_secs(2));
    let st = status();
    assert_eq!(st["started_at"], started_at, "the same session: {st}");
    assert!(remaining(&st) < left - 1.5, "the timer keeps counting while silent: {left} then {st}");

    server.start();
    let t = Instant::now();
    let recovered = wait_until(Duration::from_secs(10), || {
        let st = status();
        (st["audio_error"].is_null() && st["output"] == "device").then_some(st)
    });
    let st = recovered.unwrap_or_else(|| {
        panic!(
            "10 s after the audio server came back, audio_error is still set: {}\nlog:\n{}",
            status(),
            log_text()
        )
    });
    eprintln!("audio back after {:?}", t.elapsed());
    assert_eq!(st["silent_reason"], Value::Null, "{st}");
    assert_eq!(st["started_at"], started_at, "the same session goes on: {st}");
    std::thread::sleep(Duration::from_millis(1500)); // the 1 s fade-in after reopening
    let rms_after = audio::rms(&server.record("sonora_test.monitor", 2.5));
    assert!(
        rms_after > rms_before * 0.1,
        "the new server's sink hears the session again (rms {rms_after}, before {rms_before}); log:\n{}",
        log_text()
    );
    assert_eq!(status()["state"], "playing");
}

// ---------------------------------------------------------------- (e) a stalled daemon

/// The whole daemon stops for half a second (SIGSTOP, as a swapping or overloaded machine would
/// stall it): the sound device runs dry, and the daemon counts and logs that hiccup by itself.
#[test]
fn a_stalled_daemon_counts_and_logs_the_audio_hiccup() {
    let _audio = audio::lock();
    let env = Env::new();
    env.write_config("fade_in_s = 0.3\nstop_fade_s = 0.3\n");
    let d = Daemon::start_in(env);
    let underruns = || d.ctl_json(&["status"])["underruns"].as_u64().expect("status has underruns");
    assert_eq!(d.ctl_json(&["start", "calm"])["state"], "playing");
    std::thread::sleep(Duration::from_secs(1));
    let before = underruns();
    eprintln!("underruns after 1 s of healthy playback: {before}");

    // A low-latency reader on the sink while it happens, so the sink plays in small blocks and
    // really runs dry during the stall (a null sink left without one plays in 2 s blocks).
    let _listening = audio::record(&d.env.root.join("stall.wav"));
    let pid = d.child.id() as i32;
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };

    let after = wait_until(Duration::from_secs(5), || {
        let n = underruns();
        (n > before).then_some(n)
    });
    let after = after.unwrap_or_else(|| panic!("a 500 ms stall was not counted; log:\n{}", d.log_text()));
    eprintln!("underruns after the stall: {after}");
    let logged = wait_until(Duration::from_secs(5), || {
        d.log_text().contains("audio hiccup: the sound device was not fed in time")
    });
    assert!(logged.is_some(), "the hiccup is logged; log:\n{}", d.log_text());
    let human = String::from_utf8_lossy(&d.ctl(&["status"]).stdout).into_owned();
    assert!(human.contains("Sound hiccups: the sound device was not fed in time"), "{human}");
    assert_eq!(d.ctl_json(&["status"])["state"], "playing", "it plays on after the hiccup");
}
