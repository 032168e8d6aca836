//! Configuration (daemon/src/config.rs): layering, `--print-config`, bad files, `reload`.

use sonora_tests::{Daemon, Env, bin};

#[test]
fn print_config_layers_defaults_file_and_environment() {
    let env = Env::new();
    let out = env.command(bin("sonorad")).arg("--print-config").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("volume = 0.6"), "{text}");

    env.write_config("volume = 0.25\nend_fade_s = 12.0\n");
    let out = env.command(bin("sonorad")).arg("--print-config").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("volume = 0.25") && text.contains("end_fade_s = 12.0"), "{text}");

    let out = env.command(bin("sonorad")).arg("--print-config").env("SONORA_VOLUME", "0.8").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("volume = 0.8"), "environment beats the file: {text}");
}

#[test]
fn a_bad_file_is_named_with_its_line_and_key() {
    let env = Env::new();
    env.write_config("# my settings\nfade_in_s = 2.0\nvolume = \"loud\"\n");
    let out = env.command(bin("sonorad")).arg("--print-config").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml") && err.contains("line 3") && err.contains("volume"), "{err}");
}

#[test]
fn reload_keeps_the_last_good_config_when_the_file_breaks() {
    let env = Env::new();
    env.write_config("default_minutes = 7.0\n");
    let d = Daemon::start_in(env);
    std::fs::write(d.env.config_file(), "default_minutes = \n").unwrap();
    let out = d.ctl(&["reload"]);
    assert_eq!(out.status.code(), Some(4), "reload of a broken file is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml") && err.contains("line 1"), "{err}");
    // Still serving, still with the last good config (7-minute default sessions).
    let st = d.ctl_json(&["start", "calm"]);
    let left = st["remaining_s"].as_f64().unwrap();
    assert!((400.0..=420.0).contains(&left), "last good default_minutes kept: {left}");
    std::fs::write(d.env.config_file(), "default_minutes = 3.0\n").unwrap();
    assert!(d.ctl(&["reload"]).status.success());
    let st = d.ctl_json(&["start", "focus"]);
    assert!(st["remaining_s"].as_f64().unwrap() <= 180.0);
}

#[test]
fn the_daemon_starts_on_defaults_when_the_file_is_broken() {
    let env = Env::new();
    env.write_config("volume = [\n");
    let d = Daemon::start_in(env);
    assert_eq!(d.ctl_json(&["status"])["volume"], 0.6);
    assert!(d.log_text().contains("config.toml"), "the log names the file:\n{}", d.log_text());
}
