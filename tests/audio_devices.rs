//! Sonora on a real desktop's sound server (PulseAudio or PipeWire, whichever tests/run started;
//! both pass): the mixer names the stream "Sonora", the sound follows the default output when it
//! changes mid-session, and a session whose every output device goes away keeps its place and its
//! timer, then sounds again by itself when a device is back.

use serde_json::Value;
use sonora_tests::audio::{self, PrivateServer, ServerKind, rms, rms_windows};
use sonora_tests::{Daemon, Env, wait_until};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `pactl list sink-inputs` block of the stream the process `pid` plays.
fn stream_of(server: Option<&str>, pid: u32) -> Option<String> {
    let id = format!("application.process.id = \"{pid}\"");
    audio::sink_inputs(server).into_iter().find(|b| b.contains(&id))
}

fn remaining(st: &Value) -> f64 {
    st["remaining_s"].as_f64().unwrap_or_else(|| panic!("no remaining_s: {st}"))
}

#[test]
fn the_mixer_shows_the_stream_as_sonora() {
    let _lock = audio::lock();
    let env = Env::new();
    env.write_config("fade_in_s = 0.3\nstop_fade_s = 0.3\n");
    let d = Daemon::start_in(env);
    d.ctl_json(&["start", "calm"]);
    let pid = d.child.id();
    let block = wait_until(Duration::from_secs(5), || stream_of(None, pid)).unwrap_or_else(|| {
        panic!("no stream of sonorad ({pid}) in pactl list sink-inputs; log:\n{}", d.log_text())
    });
    for prop in
        ["application.name = \"Sonora\"", "application.icon_name = \"sonora\"", "media.role = \"music\""]
    {
        assert!(block.contains(prop), "the mixer shows {prop}:\n{block}");
    }
    assert!(!block.contains("ALSA plug-in"), "not the ALSA plugin's own name:\n{block}");
    if audio::server_kind() == ServerKind::PipeWire {
        // PipeWire's own view (what GNOME Settings and helvum read) says the same.
        sonora_tests::require_program("pw-dump", "pipewire-bin");
        let out = Command::new("pw-dump").output().expect("pw-dump");
        let nodes: Value = serde_json::from_slice(&out.stdout).expect("pw-dump prints JSON");
        let ours = nodes
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o["info"]["props"].as_object())
            .find(|p| {
                p.get("media.class").and_then(Value::as_str) == Some("Stream/Output/Audio")
                    && p.get("application.process.id")
                        .map(|v| v.to_string().trim_matches('"') == pid.to_string())
                        == Some(true)
            })
            .unwrap_or_else(|| panic!("no output stream node of sonorad ({pid}) in pw-dump"));
        assert_eq!(ours.get("application.name").and_then(Value::as_str), Some("Sonora"), "{ours:?}");
        // pipewire-pulse writes PulseAudio's role names capitalised ("music" -> "Music").
        let role = ours.get("media.role").and_then(Value::as_str).unwrap_or_default();
        assert!(role.eq_ignore_ascii_case("music"), "{ours:?}");
    }
    d.ctl_json(&["stop"]);
}

/// A second null sink on the shared server, unloaded (and the default put back) when dropped.
struct AltSink {
    module: String,
    previous_default: String,
    reader: Child,
}

impl AltSink {
    fn load(name: &str) -> AltSink {
        let previous_default = audio::pactl(None, &["get-default-sink"]).trim().to_string();
        let module = audio::pactl(
            None,
            &[
                "load-module",
                "module-null-sink",
                &format!("sink_name={name}"),
                "rate=48000",
                "channels=2",
                "sink_properties=device.description=SonoraAlt",
            ],
        )
        .trim()
        .to_string();
        let monitor = format!("{name}.monitor");
        let ok = wait_until(Duration::from_secs(5), || {
            audio::pactl(None, &["list", "short", "sources"]).lines().any(|l| l.contains(&monitor))
        });
        assert!(ok.is_some(), "{name} did not appear");
        // A null sink without a low-latency reader runs in large blocks: keep one, as tests/run does.
        let reader = Command::new("parec")
            .args(["--latency-msec=20", "--property=node.dont-reconnect=true", "-d", &monitor])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start parec");
        AltSink { module, previous_default, reader }
    }
}

impl Drop for AltSink {
    fn drop(&mut self) {
        let _ = Command::new("pactl").args(["set-default-sink", &self.previous_default]).status();
        let _ = self.reader.kill();
        let _ = self.reader.wait();
        let _ = Command::new("pactl").args(["unload-module", &self.module]).status();
    }
}

#[test]
fn the_sound_follows_the_default_output_when_it_changes_mid_session() {
    let _lock = audio::lock();
    let env = Env::new();
    env.write_config("fade_in_s = 0.3\nstop_fade_s = 0.3\n");
    let d = Daemon::start_in(env);
    let alt = AltSink::load("sonora_alt");
    let main_monitor = format!("{}.monitor", alt.previous_default);

    let st = d.ctl_json(&["start", "calm", "--minutes", "10"]);
    let started_at = st["started_at"].clone();
    std::thread::sleep(Duration::from_millis(800));
    let before =
        rms(&audio::record_monitor(None, &main_monitor, &d.env.root.join("main-before.wav")).stop_after(1.5));
    assert!(before > 0.003, "the session plays on {main_monitor} first: rms {before}");

    // Record both outputs across the switch.
    let on_alt = audio::record_monitor(None, "sonora_alt.monitor", &d.env.root.join("alt.wav"));
    let on_main = audio::record_monitor(None, &main_monitor, &d.env.root.join("main.wav"));
    let rec_start = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let switched_at = rec_start.elapsed().as_secs_f64();
    audio::pactl(None, &["set-default-sink", "sonora_alt"]);
    std::thread::sleep(Duration::from_secs(4));
    let (alt_samples, main_samples) = (on_alt.stop(), on_main.stop());

    // 100 ms windows; the recordings started within ~0.2 s of rec_start.
    let alt_w = rms_windows(&alt_samples, 0.1);
    let main_w = rms_windows(&main_samples, 0.1);
    let first_sound = alt_w.iter().position(|r| *r > 0.003).map(|i| i as f64 * 0.1);
    let first_sound = first_sound.unwrap_or_else(|| {
        panic!(
            "no sound on sonora_alt within 4 s of making it the default: {alt_w:?}\nlog:\n{}",
            d.log_text()
        )
    });
    let followed_after = (first_sound - switched_at).max(0.0);
    eprintln!("sound on the new default output {followed_after:.1} s after the switch");
    assert!(followed_after < 2.0, "the sound follows within 2 s, not {followed_after:.1} s: {alt_w:?}");
    let tail = |w: &[f32]| w.iter().rev().skip(2).take(10).copied().collect::<Vec<_>>();
    assert!(tail(&alt_w).iter().all(|r| *r > 0.003), "it keeps playing there: {alt_w:?}");
    assert!(tail(&main_w).iter().all(|r| *r < 1e-4), "and the old output falls silent: {main_w:?}");

    // The same session goes on: no restart, the timer kept counting.
    let st = d.ctl_json(&["status"]);
    assert_eq!(st["state"], "playing", "{st}");
    assert_eq!(st["started_at"], started_at, "the same session: {st}");
    assert!(remaining(&st) < 600.0 - 5.0, "the timer kept counting: {st}");
    assert_eq!(st["output"], "device", "{st}");
    assert!(
        d.log_text().matches("audio output opened").count() == 1,
        "the stream was not reopened:\n{}",
        d.log_text()
    );
    drop(alt);
    d.ctl_json(&["stop"]);
}

/// Every module that makes a sink or a source on `server` (the test's private one).
fn unload_all_devices(server: &PrivateServer) {
    let modules = server.pactl(&["list", "short", "modules"]);
    let mut ids: Vec<u32> = modules
        .lines()
        .filter(|l| {
            ["module-null-sink", "module-remap-source", "module-virtual-source"].iter().any(|m| l.contains(m))
        })
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    // Sources built on a sink's monitor first.
    ids.sort_unstable_by(|a, b| b.cmp(a));
    for id in ids {
        server.pactl(&["unload-module", &id.to_string()]);
    }
}

#[test]
fn a_session_whose_output_goes_away_keeps_its_place_and_sounds_again_when_one_is_back() {
    sonora_tests::require_program("parec", "pulseaudio-utils");
    let env = Env::new();
    env.write_config("fade_in_s = 0.3\nstop_fade_s = 0.3\n");
    let server = PrivateServer::new(&env.root, &env.bus_address);
    eprintln!("private sound server: {:?}", server.kind);
    let mut env = env;
    env.extra.push(("PULSE_SERVER".into(), server.server.clone()));
    let d = Daemon::start_in(env);
    let status = || d.ctl_json(&["--via", "socket", "status"]);

    let st = d.ctl_json(&["start", "sleep", "--minutes", "10"]);
    let started_at = st["started_at"].clone();
    std::thread::sleep(Duration::from_millis(800));
    let before = rms(&server.record("sonora_test.monitor", 1.5));
    assert!(before > 0.003, "the session plays before the device goes: rms {before}");

    unload_all_devices(&server);
    let gone = Instant::now();
    let left = remaining(&status());
    std::thread::sleep(Duration::from_secs(3));
    let st = status();
    assert_eq!(st["state"], "playing", "the session goes on without a device: {st}");
    assert_eq!(st["started_at"], started_at, "the same session: {st}");
    assert!(remaining(&st) < left - 2.5, "a timed session keeps counting while silent: {left} then {st}");
    match server.kind {
        // PulseAudio ends the stream: the daemon knows it is silent and says why.
        ServerKind::PulseAudio => {
            assert_eq!(st["output"], "none", "{st}");
            assert!(st["silent_reason"].as_str().is_some_and(|r| r.contains("no sound device")), "{st}");
            let human = String::from_utf8_lossy(&d.ctl(&["status"]).stdout).into_owned();
            assert!(human.contains("Silent for now: no sound device is available"), "{human}");
        }
        // pipewire-pulse parks the stream on its dummy sink (auto_null) instead: the stream stays
        // open and nothing tells an ALSA client (see docs/audio.md).
        ServerKind::PipeWire => {
            let sinks = server.pactl(&["list", "short", "sinks"]);
            assert!(!sinks.contains("sonora_test"), "{sinks}");
        }
    }

    // A device comes back: a new sink, made the default.
    server.pactl(&["load-module", "module-null-sink", "sink_name=sonora_test", "rate=48000", "channels=2"]);
    server.pactl(&["set-default-sink", "sonora_test"]);
    let back = Instant::now();
    let rec =
        audio::record_monitor(Some(&server.server), "sonora_test.monitor", &d.env.root.join("back.wav"));
    std::thread::sleep(Duration::from_secs(6));
    let w = rms_windows(&rec.stop(), 0.1);
    let first = w.iter().position(|r| *r > 0.003).unwrap_or_else(|| {
        panic!(
            "no sound within 6 s of a device coming back: {w:?}\nstatus {}\nlog:\n{}",
            status(),
            d.log_text()
        )
    });
    // The recording started ~0.2 s after `back`.
    eprintln!(
        "sound back {:.1} s after the device returned (silent for {:.1} s in all)",
        first as f64 * 0.1 + 0.2,
        back.duration_since(gone).as_secs_f64() + first as f64 * 0.1 + 0.2
    );
    assert!(w.iter().rev().skip(2).take(10).all(|r| *r > 0.003), "and it keeps playing: {w:?}");
    let st = status();
    assert_eq!(st["state"], "playing", "{st}");
    assert_eq!(st["started_at"], started_at, "the same session goes on: {st}");
    assert_eq!(st["output"], "device", "{st}");
    assert_eq!(st["silent_reason"], Value::Null, "{st}");
    assert_eq!(st["audio_error"], Value::Null, "{st}");
    d.ctl_json(&["stop"]);
}
