//! History through the daemon (daemon/src/core/history.rs over sonora-store): a real SQLite
//! file, history/export/rate/forget from sonoractl.

use sonora_tests::{Daemon, mode_of, speak};

#[test]
fn history_export_rate_and_forget() {
    let d = Daemon::start();
    let wav = d.env.root.join("v.wav");
    speak(
        "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow.",
        &wav,
        &[],
    );
    for _ in 0..3 {
        d.ctl_json(&["checkin", "--file", wav.to_str().unwrap()]);
    }
    d.ctl_json(&["start", "calm", "--minutes", "10"]);
    d.ctl_json(&["stop"]);
    let rated = d.ctl_json(&["rate", "4"]);
    assert_eq!(rated["rating"], 4);
    assert_eq!(d.ctl(&["rate", "9"]).status.code(), Some(4), "ratings are 1 to 5");

    let db = d.env.data.join("sonora").join("history.db");
    assert!(db.exists());
    assert_eq!(mode_of(&db), 0o600);

    let h = d.ctl_json(&["history", "--since", "7d"]);
    let rows = h.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert!(r["at"].is_string() && r["features"]["f0_median_hz"].is_number());
        assert!(r["markers"]["stress"].is_number() && r["confidence"].is_number());
    }
    assert!(
        rows[2]["session"]["outcome"] == "calm",
        "the latest check-in is linked to the session: {}",
        rows[2]
    );
    let text = String::from_utf8_lossy(&d.ctl(&["history"]).stdout).to_string();
    assert!(text.contains("stress") && text.chars().any(|c| ('▁'..='█').contains(&c)), "{text}");

    let csv = d.env.root.join("out.csv");
    assert!(d.ctl(&["export", "--csv", csv.to_str().unwrap()]).status.success());
    let body = std::fs::read_to_string(&csv).unwrap();
    assert!(body.lines().next().unwrap().starts_with("id,at,"));
    assert_eq!(body.lines().count(), 4, "a header and one row per check-in");
    let json = d.env.root.join("out.json");
    assert!(d.ctl(&["export", "--json", json.to_str().unwrap()]).status.success());
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["checkins"].as_array().unwrap().len(), 3);
    assert!(!v["sessions"].as_array().unwrap().is_empty());

    let out = d.ctl(&["forget", "--all"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Deleted 3 check-ins"));
    assert_eq!(d.ctl_json(&["history"]).as_array().unwrap().len(), 0);
    assert_eq!(d.ctl(&["forget"]).status.code(), Some(4), "forget needs --all or --before");
}

#[test]
fn a_corrupt_history_file_is_reported_and_sessions_still_play() {
    let env = sonora_tests::Env::new();
    let db = env.data.join("sonora").join("history.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(&db, vec![0x5a; 8192]).unwrap();
    let d = Daemon::start_in(env);
    let st = d.ctl_json(&["start", "calm"]);
    assert_eq!(st["state"], "playing", "sessions play without a history");
    let out = d.ctl(&["history"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("history.db") && err.contains("storage"), "the error names the file: {err}");
    assert!(d.log_text().contains("history.db"), "and so does the log");
    assert_eq!(std::fs::read(&db).unwrap(), vec![0x5a; 8192], "the damaged file is left as it was");
}
