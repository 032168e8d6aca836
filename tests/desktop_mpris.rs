//! MPRIS (daemon/src/transport/mpris.rs) driven by the real `playerctl` on the test's private bus,
//! the way media keys and desktop media widgets drive it.

use sonora_tests::{Daemon, require_audio_server, require_program, wait_until};
use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn playerctl(d: &Daemon, args: &[&str]) -> Output {
    d.env.command("playerctl").args(["-p", "sonora"]).args(args).output().expect("run playerctl")
}

/// Runs playerctl and returns its trimmed stdout, failing the test if it failed.
fn pc(d: &Daemon, args: &[&str]) -> String {
    let out = playerctl(d, args);
    assert!(
        out.status.success(),
        "playerctl {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn start() -> Daemon {
    require_program("playerctl", "playerctl");
    require_program("busctl", "systemd");
    require_audio_server();
    let d = Daemon::start();
    let up = wait_until(Duration::from_secs(10), || {
        d.env
            .command("busctl")
            .args(["--user", "status", sonora_proto::paths::MPRIS_NAME])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        up.is_some(),
        "{} never appeared on the bus; log:\n{}",
        sonora_proto::paths::MPRIS_NAME,
        d.log_text()
    );
    d
}

/// Waits until `playerctl status` says `want` (property updates follow the core's events).
fn wait_status(d: &Daemon, want: &str) {
    let mut last = String::new();
    let ok = wait_until(Duration::from_secs(5), || {
        last = pc(d, &["status"]);
        last == want
    });
    assert!(ok.is_some(), "playerctl status stayed {last:?}, expected {want:?}");
}

#[test]
fn playerctl_finds_and_drives_sonora() {
    let d = start();
    let listed = d.env.command("playerctl").arg("-l").output().unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout).lines().any(|l| l == "sonora"),
        "playerctl -l: {listed:?}"
    );
    assert_eq!(pc(&d, &["status"]), "Stopped");

    // PlayPause with nothing played yet starts calm.
    pc(&d, &["play-pause"]);
    let st = d.ctl_json(&["status"]);
    assert_eq!((st["state"].as_str(), st["outcome"].as_str()), (Some("playing"), Some("calm")), "{st}");
    wait_status(&d, "Playing");
    let title = pc(&d, &["metadata", "xesam:title"]);
    assert!(title.starts_with("Calm"), "title {title:?}");
    if let Some(pack) = st["layers"].as_array().and_then(|l| l.iter().find_map(|l| l["pack"].as_str())) {
        assert_eq!(title, format!("Calm — {pack}"));
    }
    assert_eq!(pc(&d, &["metadata", "xesam:artist"]), "Sonora");

    pc(&d, &["volume", "0.3"]);
    let st = d.ctl_json(&["status"]);
    assert_eq!(st["volume"].as_f64(), Some(0.3), "{st}");
    let shown: f64 = pc(&d, &["volume"]).parse().unwrap();
    assert!((shown - 0.3).abs() < 1e-6, "playerctl volume shows {shown}");

    // Next re-rolls the scene: same outcome, a new track id.
    let before = pc(&d, &["metadata", "mpris:trackid"]);
    pc(&d, &["next"]);
    let changed = wait_until(Duration::from_secs(5), || pc(&d, &["metadata", "mpris:trackid"]) != before);
    assert!(changed.is_some(), "Next did not start a new scene (track id stayed {before})");
    assert_eq!(d.ctl_json(&["status"])["outcome"], "calm");

    pc(&d, &["stop"]);
    let st = d.ctl_json(&["status"]);
    assert_ne!(st["state"], "playing", "{st}");
    wait_status(&d, "Stopped");
}

#[test]
fn play_resumes_the_last_outcome_and_timed_sessions_have_a_length() {
    let d = start();
    d.ctl_json(&["start", "focus", "--minutes", "2"]);
    wait_status(&d, "Playing");
    assert_eq!(pc(&d, &["metadata", "mpris:length"]), "120000000");
    let title = pc(&d, &["metadata", "xesam:title"]);
    assert!(title.starts_with("Focus"), "{title}");
    // Pause is a stop for Sonora; Play brings the same outcome back.
    pc(&d, &["pause"]);
    wait_status(&d, "Stopped");
    pc(&d, &["play"]);
    wait_status(&d, "Playing");
    assert_eq!(d.ctl_json(&["status"])["outcome"], "focus");
    // The MPRIS identity media widgets show.
    let out = d
        .env
        .command("busctl")
        .args(["--user", "get-property", sonora_proto::paths::MPRIS_NAME, "/org/mpris/MediaPlayer2"])
        .args(["org.mpris.MediaPlayer2", "Identity", "DesktopEntry"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "s \"Sonora\"\ns \"sonora\"");
    let out = d
        .env
        .command("busctl")
        .args(["--user", "get-property", sonora_proto::paths::MPRIS_NAME, "/org/mpris/MediaPlayer2"])
        .args(["org.mpris.MediaPlayer2.Player", "CanSeek", "CanGoNext", "CanControl"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "b false\nb true\nb true");
    pc(&d, &["stop"]);
}

#[test]
fn followers_see_changes_made_elsewhere() {
    // `playerctl --follow` prints on PropertiesChanged: what desktop widgets rely on.
    let d = start();
    let mut follow = d
        .env
        .command("playerctl")
        .args(["-p", "sonora", "--follow", "status"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = follow.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(5)).expect("playerctl --follow printed nothing");
    assert_eq!(first, "Stopped");
    d.ctl_json(&["start", "sleep"]);
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline && !seen.contains(&"Playing".to_string()) {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    assert!(seen.contains(&"Playing".to_string()), "no Playing after `sonoractl start`: {seen:?}");
    d.ctl_json(&["stop"]);
    let mut stopped = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline && !stopped {
        stopped = rx.recv_timeout(Duration::from_millis(200)).is_ok_and(|l| l == "Stopped");
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(stopped, "no Stopped after `sonoractl stop`");
}
