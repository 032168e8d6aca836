//! The local socket transport (daemon/src/transport/socket.rs) and the command core behind it,
//! driven by the real `sonoractl` and by raw protocol lines.

use serde_json::Value;
use sonora_tests::{Daemon, Env, RawConn, mode_of, wait_until};
use std::time::Duration;

fn status(d: &Daemon) -> Value {
    d.ctl_json(&["--via", "socket", "status"])
}

#[test]
fn sonoractl_drives_a_session_over_the_socket() {
    let d = Daemon::start();
    let st = status(&d);
    assert_eq!(st["state"], "idle");
    assert_eq!(st["outcome"], Value::Null);
    assert!(st["remaining_s"].is_null());
    assert!(st["volume"].as_f64().is_some());

    let st = d.ctl_json(&["--via", "socket", "start", "calm", "--minutes", "5"]);
    assert_eq!(st["state"], "playing");
    assert_eq!(st["outcome"], "calm");
    let left = st["remaining_s"].as_f64().unwrap();
    assert!((295.0..=300.0).contains(&left), "remaining_s {left}");
    assert!(st["layers"].as_array().is_some_and(|l| !l.is_empty()), "a scene has layers: {st}");
    assert!(st["explanation"].as_str().is_some_and(|e| !e.is_empty()));

    let st = d.ctl_json(&["--via", "socket", "volume", "0.4"]);
    assert_eq!(st["volume"], 0.4);

    // toggle to another outcome switches; toggling the active one stops it.
    let st = d.ctl_json(&["--via", "socket", "toggle", "focus"]);
    assert_eq!((st["state"].as_str(), st["outcome"].as_str()), (Some("playing"), Some("focus")));
    let st = d.ctl_json(&["--via", "socket", "toggle", "focus"]);
    assert_ne!(st["state"], "playing");
    let idle = wait_until(Duration::from_secs(10), || (status(&d)["state"] == "idle").then_some(()));
    assert!(idle.is_some(), "the fade ends in idle");

    let v = d.ctl_json(&["--via", "socket", "version"]);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["protocol"], 1);

    // Human output is short and plain.
    let out = d.ctl(&["--via", "socket", "status"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Idle."));
}

#[test]
fn greeting_replies_and_bad_lines_keep_the_connection_usable() {
    let d = Daemon::start();
    let mut c = RawConn::open(&d.env.socket());
    assert_eq!(c.greeting["protocol"], 1);
    assert_eq!(c.greeting["version"], env!("CARGO_PKG_VERSION"));

    let r = c.request(r#"{"id": 7, "cmd": "start", "args": {"outcome": "calm", "minutes": 20}}"#);
    assert_eq!(r["id"], 7);
    assert_eq!(r["ok"]["outcome"], "calm");

    let r = c.request("{this is not json");
    assert_eq!(r["error"]["code"], "bad_request", "{r}");
    let r = c.request(r#"{"id": 8, "cmd": "dance"}"#);
    assert_eq!((r["id"].as_u64(), r["error"]["code"].as_str()), (Some(8), Some("unknown_command")));
    let r = c.request(r#"{"id": 9, "cmd": "start", "args": {"outcome": "party"}}"#);
    assert_eq!(r["error"]["code"], "invalid_args");
    assert!(r["error"]["message"].as_str().unwrap().contains("party"));
    let r = c.request(r#"{"id": 10, "cmd": "volume", "args": {"level": 7}}"#);
    assert_eq!(r["error"]["code"], "invalid_args");
    let r = c.request(r#"[1, 2, 3]"#);
    assert_eq!(r["error"]["code"], "bad_request");

    // A line over 64 KiB is refused, and the next request still works.
    let big = format!("{{\"id\": 11, \"cmd\": \"status\", \"args\": \"{}\"}}\n", "x".repeat(100 * 1024));
    c.send_raw(big.as_bytes());
    let r = c.read_json();
    assert_eq!(r["error"]["code"], "too_large", "{r}");

    let r = c.request(r#"{"id": 12, "cmd": "status"}"#);
    assert_eq!(r["id"], 12);
    assert_eq!(r["ok"]["state"], "playing");
    let r = c.request(r#"{"id": 13, "cmd": "stop"}"#);
    assert!(r.get("ok").is_some());
}

#[test]
fn subscribers_receive_state_and_volume_events() {
    let d = Daemon::start();
    let mut sub = RawConn::open(&d.env.socket());
    let r = sub.request(r#"{"id": 1, "cmd": "subscribe"}"#);
    assert_eq!(r["ok"]["subscribed"], true);
    d.ctl_json(&["--via", "socket", "start", "focus"]);
    let ev = sub.read_json();
    assert_eq!(ev["event"], "state");
    assert_eq!(ev["data"]["state"], "playing");
    assert_eq!(ev["data"]["outcome"], "focus");
    d.ctl_json(&["--via", "socket", "volume", "0.3"]);
    let ev = sub.read_json();
    assert_eq!(ev["event"], "volume");
    assert_eq!(ev["data"]["volume"], 0.3);

    // `sonoractl watch --json` prints the same stream.
    let mut watch = d
        .env
        .command(sonora_tests::bin("sonoractl"))
        .args(["--via", "socket", "--json", "watch"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    d.ctl_json(&["--via", "socket", "stop"]);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(watch.stdout.take().unwrap()), &mut line)
        .unwrap();
    let _ = watch.kill();
    let _ = watch.wait();
    let ev: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(ev["event"], "state");
    assert_eq!(ev["data"]["state"], "fading");
}

#[test]
fn socket_is_private_to_the_user() {
    let d = Daemon::start();
    let sock = d.env.socket();
    assert_eq!(mode_of(&sock), 0o600, "socket mode");
    assert_eq!(mode_of(sock.parent().unwrap()), 0o700, "socket directory mode");
}

#[test]
fn a_second_daemon_refuses_to_start_and_the_first_keeps_serving() {
    let d = Daemon::start();
    let out = d.env.command(sonora_tests::bin("sonorad")).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "second sonorad exit code");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already running"), "{err}");
    assert_eq!(status(&d)["state"], "idle");
}

#[test]
fn sigterm_fades_out_and_removes_the_socket() {
    let mut d = Daemon::start();
    d.ctl_json(&["--via", "socket", "start", "sleep"]);
    let st = d.terminate();
    assert!(st.success(), "sonorad exit status {st}");
    assert!(!d.env.socket().exists(), "socket removed on shutdown");
    assert!(d.log_text().contains("sonorad stopped"));
}

#[test]
fn quit_stops_the_daemon() {
    let mut d = Daemon::start();
    let v = d.ctl_json(&["--via", "socket", "quit"]);
    assert_eq!(v["quitting"], true);
    let st =
        sonora_tests::wait_child(&mut d.child, Duration::from_secs(10)).expect("daemon exits after quit");
    assert!(st.success());
}

#[test]
fn sonoractl_says_when_the_daemon_is_not_running() {
    let env = Env::new();
    let out = env.ctl(&["status"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not running") && err.contains("sonorad"), "{err}");
}

#[test]
fn refused_commands_exit_with_code_4() {
    let d = Daemon::start();
    let out = d.ctl(&["--via", "socket", "volume", "3"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0 and 1"));
}
