//! Audio output (daemon/src/audio): a session is really heard on the sound server's sink, and
//! after `stop` and its fade the sink is silent and the stream is released.

use sonora_tests::audio::{self, peak, rms};
use sonora_tests::{Daemon, Env};
use std::time::Duration;

fn sink_inputs() -> usize {
    let out = std::process::Command::new("pactl").args(["list", "short", "sink-inputs"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.trim().is_empty()).count()
}

#[test]
fn a_session_is_heard_and_stop_fades_to_silence() {
    let _lock = audio::lock();
    let env = Env::new();
    env.write_config("fade_in_s = 0.5\nstop_fade_s = 0.5\n");
    let d = Daemon::start_in(env);
    let before = sink_inputs();

    d.ctl_json(&["start", "calm"]);
    std::thread::sleep(Duration::from_millis(800));
    let rec = audio::record(&d.env.root.join("playing.wav"));
    std::thread::sleep(Duration::from_secs(2));
    let playing = rec.stop();
    let (r, p) = (rms(&playing), peak(&playing));
    assert!(playing.len() > 48_000 * 2, "recorded {} samples", playing.len());
    assert!(r > 0.003, "a playing session is clearly not silent: rms {r}");
    assert!(p < 1.0, "no clipping: peak {p}");
    assert!(sink_inputs() > before, "sonorad holds a stream while playing");

    d.ctl_json(&["stop"]);
    std::thread::sleep(Duration::from_millis(1500));
    let rec = audio::record(&d.env.root.join("stopped.wav"));
    std::thread::sleep(Duration::from_millis(1500));
    let stopped = rec.stop();
    assert!(rms(&stopped) < 1e-4, "silent after stop: rms {}", rms(&stopped));
    assert_eq!(d.ctl_json(&["status"])["state"], "idle");
    assert_eq!(sink_inputs(), before, "the stream is released when idle");
}

#[test]
fn a_pack_broken_mid_session_keeps_playing_its_last_good_version() {
    let _lock = audio::lock();
    let env = Env::new();
    env.write_config("fade_in_s = 0.3\nstop_fade_s = 0.3\n");
    let pack_dir = env.data.join("sonora/packs/mine");
    std::fs::create_dir_all(&pack_dir).unwrap();
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../packs/shore/pack.toml"))
        .unwrap()
        .replace("name = \"shore\"", "name = \"mine\"");
    std::fs::write(pack_dir.join("pack.toml"), &manifest).unwrap();
    let d = Daemon::start_in(env);
    let packs = d.ctl_json(&["packs"]);
    assert!(
        packs.as_array().unwrap().iter().any(|p| p["name"] == "mine" && p["state"] == "loaded"),
        "{packs}"
    );
    d.ctl_json(&["start", "calm"]);

    // Replace the manifest with garbage while the session plays: reloaded by the file watcher.
    std::fs::write(pack_dir.join("pack.toml"), "name = [[[ this is not toml").unwrap();
    let broken = sonora_tests::wait_until(Duration::from_secs(5), || {
        let packs = d.ctl_json(&["packs"]);
        packs.as_array().unwrap().iter().find(|p| p["name"] == "mine" && p["error"].is_string()).cloned()
    })
    .expect("the broken pack is reported");
    assert!(broken["error"].as_str().unwrap().contains("pack.toml"), "the error names the file: {broken}");
    assert!(broken["description"].is_string(), "the last good version stays in use: {broken}");

    let rec = audio::record(&d.env.root.join("after.wav"));
    std::thread::sleep(Duration::from_secs(1));
    let after = rec.stop();
    assert!(rms(&after) > 0.003, "still playing after the pack broke: rms {}", rms(&after));
    assert_eq!(d.ctl_json(&["status"])["state"], "playing");
}
