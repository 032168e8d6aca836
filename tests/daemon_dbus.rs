//! The D-Bus transport (daemon/src/transport/dbus.rs) on a real (private) session bus.

use serde_json::Value;
use sonora_tests::{Daemon, require_program};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn sonoractl_drives_a_session_over_dbus() {
    let d = Daemon::start();
    d.wait_for_dbus();
    let st = d.ctl_json(&["--via", "dbus", "status"]);
    assert_eq!(st["state"], "idle");
    let st = d.ctl_json(&["--via", "dbus", "start", "sleep", "--minutes", "2"]);
    assert_eq!((st["state"].as_str(), st["outcome"].as_str()), (Some("playing"), Some("sleep")));
    // The same session is visible over the socket: one core behind both transports.
    let st = d.ctl_json(&["--via", "socket", "status"]);
    assert_eq!(st["outcome"], "sleep");
    let out = d.ctl(&["--via", "dbus", "volume", "9"]);
    assert_eq!(out.status.code(), Some(4), "errors cross D-Bus too");
    d.ctl_json(&["--via", "dbus", "stop"]);
}

#[test]
fn interface_is_introspectable_with_methods_and_properties() {
    require_program("busctl", "systemd");
    let d = Daemon::start();
    d.wait_for_dbus();
    let out = d
        .env
        .command("busctl")
        .args(["--user", "introspect", "org.sonora.Sonora1", "/org/sonora/Sonora1", "org.sonora.Sonora1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for member in [
        ".Call", ".Start", ".Stop", ".Toggle", ".Status", ".State", ".Outcome", ".Volume", ".EndsAt",
        ".Event",
    ] {
        assert!(text.contains(member), "introspection lacks {member}:\n{text}");
    }
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
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "s \"idle\"");
}

#[test]
fn properties_changed_follows_state() {
    require_program("dbus-monitor", "dbus-bin");
    let d = Daemon::start();
    d.wait_for_dbus();
    let mut mon = d
        .env
        .command("dbus-monitor")
        .args([
            "--session",
            "type='signal',interface='org.freedesktop.DBus.Properties',path='/org/sonora/Sonora1'",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = mon.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    d.ctl_json(&["--via", "socket", "start", "calm"]);
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline
        && !(seen.contains("\"State\"") && seen.contains("\"playing\""))
    {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&l);
            seen.push('\n');
        }
    }
    let _ = mon.kill();
    let _ = mon.wait();
    assert!(
        seen.contains("\"State\"") && seen.contains("\"playing\""),
        "no PropertiesChanged for State:\n{seen}"
    );
}

#[test]
fn call_carries_any_request_and_reports_bad_ones() {
    let d = Daemon::start();
    d.wait_for_dbus();
    let call = |req: &str| -> Value {
        let out = d
            .env
            .command("busctl")
            .args(["--user", "--json=short", "call", "org.sonora.Sonora1", "/org/sonora/Sonora1"])
            .args(["org.sonora.Sonora1", "Call", "s", req])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        serde_json::from_str(v["data"][0].as_str().unwrap()).unwrap()
    };
    let r = call(r#"{"id":5,"cmd":"version"}"#);
    assert_eq!(r["id"], 5);
    assert_eq!(r["ok"]["protocol"], 1);
    let r = call("not json");
    assert_eq!(r["error"]["code"], "bad_request");
    let r = call(r#"{"id":6,"cmd":"nope"}"#);
    assert_eq!(r["error"]["code"], "unknown_command");
}

#[test]
fn the_latest_checkin_is_a_property() {
    let d = Daemon::start();
    d.wait_for_dbus();
    let wav = d.env.root.join("v.wav");
    sonora_tests::speak("When the sunlight strikes raindrops in the air, they act as a prism.", &wav, &[]);
    d.ctl_json(&["checkin", "--file", wav.to_str().unwrap()]);
    let out = d
        .env
        .command("busctl")
        .args(["--user", "--json=short", "get-property", "org.sonora.Sonora1", "/org/sonora/Sonora1"])
        .args(["org.sonora.Sonora1", "LastCheckinJson"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let report: Value = serde_json::from_str(v["data"].as_str().unwrap()).unwrap();
    assert_eq!(report["quality"]["ok"], true, "{report}");
    assert!(report["markers"]["stress"].is_number() && report["summary"].is_string());
}
