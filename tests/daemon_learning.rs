//! Learning from ratings (issue 15) through the real daemon: the "Did that help?" notification on
//! a small notification server on the test's session bus (as tests/daemon_schedule.rs does), the
//! learner's pack choice, presets and `next` overriding it, `insights`, export and forget.

use sonora_tests::notifications::Desktop;
use sonora_tests::{Daemon, Env, wait_until};
use std::time::Duration;

/// An evening (simulated clock at real speed, so the time of day is known) with `config`.
fn evening(config: &str) -> Env {
    let mut env = Env::new();
    env.extra.push(("TZ".into(), "UTC".into()));
    env.extra.push(("SONORA_TEST_CLOCK".into(), "2026-11-27T20:00:00+00:00[UTC]".into()));
    env.write_config(config);
    env
}

fn export(d: &Daemon) -> serde_json::Value {
    let path = d.env.root.join(format!("export-{}.json", std::process::id()));
    d.ctl_json(&["export", "--json", path.to_str().unwrap()]);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn session(export: &serde_json::Value, id: &serde_json::Value) -> serde_json::Value {
    export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| &s["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("session {id} not in the export: {export}"))
}

/// Packs that suit calm, from `packs --json`.
fn calm_packs(d: &Daemon) -> Vec<String> {
    let packs = d.ctl_json(&["packs"]);
    let names: Vec<String> = packs
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["error"].is_null() && p["outcomes"].as_array().unwrap().iter().any(|o| o == "calm"))
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 3, "these tests need three calm packs: {names:?}");
    names
}

fn session_id_of_latest(d: &Daemon) -> serde_json::Value {
    export(d)["sessions"].as_array().unwrap().last().unwrap()["id"].clone()
}

#[test]
fn a_session_that_ends_asks_did_that_help_and_the_answer_rates_that_session() {
    let env = evening("rating_prompt_min_minutes = 0.0\n");
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);

    // Stop: the question appears with its three answers, and the answer rates that session.
    d.ctl_json(&["start", "calm", "--minutes", "20"]);
    let first = session_id_of_latest(&d);
    assert_eq!(desk.count(), 0, "nothing is asked while the session plays");
    d.ctl_json(&["stop"]);
    let (id, summary, body, actions) = desk.wait_for(1);
    assert_eq!(summary, "Did that help?");
    assert!(body.contains("calm session") && body.contains("stays on this computer"), "{body}");
    for a in ["helped", "Helped", "so-so", "So-so", "not-really", "Not really"] {
        assert!(actions.iter().any(|x| x == a), "action {a} missing: {actions:?}");
    }
    desk.invoke(id, "helped");
    let rated = wait_until(Duration::from_secs(5), || {
        let s = session(&export(&d), &first);
        (s["rating"] == 5).then_some(s)
    })
    .expect("Helped is stored as 5 against the session that ended");
    assert!(rated["pack"].is_string() && rated["seed"].is_string(), "{rated}");
    assert_eq!(rated["time_bucket"], "evening");
    assert_eq!(rated["choice"], "rotation", "nothing learned yet: rotation chose");
    assert!(rated["layers"].as_array().is_some_and(|l| !l.is_empty()), "{rated}");

    // A new session ends the running one: the question is about the one that ended, not the new one.
    d.ctl_json(&["start", "calm"]);
    let second = session_id_of_latest(&d);
    d.ctl_json(&["start", "focus"]);
    let third = session_id_of_latest(&d);
    let (id, _, body, _) = desk.wait_for(2);
    assert!(body.contains("calm session"), "{body}");
    desk.invoke(id, "not-really");
    wait_until(Duration::from_secs(5), || session(&export(&d), &second)["rating"] == 1)
        .expect("Not really is stored as 1 against the replaced session");
    assert!(session(&export(&d), &third)["rating"].is_null(), "the playing session is not rated");

    // `rate` rates the session that just ended, even while a new one plays; a dismissed question
    // stores nothing.
    d.ctl_json(&["start", "calm"]);
    let (id, ..) = desk.wait_for(3);
    let r = d.ctl_json(&["rate", "4"]);
    assert_eq!(r["session"], third);
    desk.invoke(id, "default");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(session(&export(&d), &third)["rating"], 4);
}

#[test]
fn short_sessions_do_not_ask_and_the_switch_turns_the_question_off() {
    // Default: sessions under 5 minutes do not ask.
    let env = evening("");
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    d.ctl_json(&["start", "calm"]);
    d.ctl_json(&["stop"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(desk.count(), 0, "a session of a few seconds is not asked about");
    // Rating still works, whatever the length.
    assert_eq!(d.ctl_json(&["rate", "2"])["rating"], 2);
    drop(d);

    let env = evening("rating_prompt = false\nrating_prompt_min_minutes = 0.0\n");
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    d.ctl_json(&["start", "calm"]);
    d.ctl_json(&["stop"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(desk.count(), 0, "rating_prompt = false never asks");
}

#[test]
fn a_sleep_session_that_ends_by_its_timer_asks_next_time() {
    let env = evening("rating_prompt_min_minutes = 0.0\nend_fade_s = 1.0\n");
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    d.ctl_json(&["start", "sleep", "--minutes", "0.04"]);
    let sleep = session_id_of_latest(&d);
    wait_until(Duration::from_secs(15), || d.ctl_json(&["status"])["state"] == "idle")
        .expect("the sleep session ends by its timer");
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(desk.count(), 0, "no question while they are probably asleep");
    // Next use: the question about last night's session.
    d.ctl_json(&["start", "calm"]);
    let (id, _, body, _) = desk.wait_for(1);
    assert!(body.contains("last sleep session"), "{body}");
    desk.invoke(id, "so-so");
    wait_until(Duration::from_secs(5), || session(&export(&d), &sleep)["rating"] == 3)
        .expect("So-so is stored as 3 against the sleep session");
    // Asked once only.
    d.ctl_json(&["stop"]);
    let n = desk.count();
    d.ctl_json(&["start", "focus"]);
    std::thread::sleep(Duration::from_millis(800));
    assert!(desk.wait_for(n).1 == "Did that help?");
    assert!(
        desk.calls().iter().filter(|c| c.2.contains("last sleep session")).count() == 1,
        "the sleep session is asked about once"
    );
}

/// Rates `fav` 5 four times and every other calm pack 1 once, all chosen explicitly.
fn teach(d: &Daemon, fav: &str, others: &[String]) {
    for _ in 0..4 {
        d.ctl_json(&["start", "calm", "--pack", fav]);
        d.ctl_json(&["stop"]);
        d.ctl_json(&["rate", "5"]);
    }
    for o in others {
        d.ctl_json(&["start", "calm", "--pack", o]);
        d.ctl_json(&["stop"]);
        d.ctl_json(&["rate", "1"]);
    }
}

#[test]
fn a_learned_favourite_comes_back_and_explicit_choices_win() {
    let d = Daemon::start_in(evening(""));
    let packs = calm_packs(&d);
    // Before anything is rated, automatic sessions rotate: three in a row are three packs.
    let mut rotated = Vec::new();
    for _ in 0..3 {
        let st = d.ctl_json(&["start", "calm"]);
        assert!(!st["explanation"].as_str().unwrap_or("").contains("chosen because"), "{st}");
        rotated.push(st["pack"].as_str().unwrap().to_string());
    }
    rotated.sort();
    rotated.dedup();
    assert_eq!(rotated.len(), 3, "rotation before anything was learned: {rotated:?}");
    d.ctl_json(&["stop"]);

    // The favourite is the pack rotation would avoid most: the last one played.
    let fav = d.ctl_json(&["status"])["pack"].as_str().map(String::from).unwrap_or_else(|| packs[0].clone());
    let others: Vec<String> = packs.iter().filter(|p| **p != fav).cloned().collect();
    teach(&d, &fav, &others);

    // Automatic sessions now play the favourite, and say why. It keeps exploring a little (about
    // 8 % of choices here, see sonora-learn's unit tests), so ask for most, not all, of ten.
    let mut hits = 0;
    for _ in 0..10 {
        let st = d.ctl_json(&["start", "calm"]);
        d.ctl_json(&["stop"]);
        let why = st["explanation"].as_str().unwrap();
        if st["pack"] == fav.as_str() {
            hits += 1;
            assert!(why.contains(&format!("chosen because you rated {fav} highly in the evening")), "{why}");
        } else {
            assert!(why.contains("to learn what you like"), "{why}");
        }
    }
    assert!(hits >= 6, "the favourite came back {hits} times of 10");
    let sessions = export(&d)["sessions"].as_array().unwrap().clone();
    let learned = sessions.iter().filter(|s| s["choice"] == "learned").count();
    assert_eq!(learned, 10, "the ten automatic sessions were the learner's choices");

    // Explicit choices win: --pack, a preset, and `next` (which rotates instead).
    let other = &others[0];
    let st = d.ctl_json(&["start", "calm", "--pack", other]);
    assert_eq!(st["pack"], other.as_str());
    d.ctl_json(&["preset", "save", "mine"]);
    d.ctl_json(&["stop"]);
    let st = d.ctl_json(&["start", "calm", "--preset", "mine"]);
    assert_eq!(st["pack"], other.as_str(), "a preset overrides what was learned");
    let st = d.ctl_json(&["next"]);
    assert!(!st["explanation"].as_str().unwrap_or("").contains("chosen because"), "{st}");
    d.ctl_json(&["stop"]);
    let last = export(&d)["sessions"].as_array().unwrap().clone();
    let n = last.len();
    assert_eq!(last[n - 3]["choice"], "explicit");
    assert_eq!(last[n - 2]["choice"], "explicit");
    assert_eq!(last[n - 1]["choice"], "rotation", "next rotates");
    // Explicit choices are not ratings: unrated explicit sessions leave the counts alone.
    let ins = d.ctl_json(&["insights"]);
    let calm = ins["outcomes"].as_array().unwrap().iter().find(|o| o["outcome"] == "calm").unwrap().clone();
    let evening = &calm["times"][0];
    let other_row =
        evening["packs"].as_array().unwrap().iter().find(|p| p["pack"] == other.as_str()).unwrap();
    assert_eq!(other_row["rated"], 1);
}

#[test]
fn insights_json_export_reset_and_forget() {
    let d = Daemon::start_in(evening(""));
    let packs = calm_packs(&d);
    let ins = d.ctl_json(&["insights"]);
    assert!(ins["note"].as_str().unwrap().contains("not a measurement of health"), "{ins}");
    assert_eq!(ins["outcomes"].as_array().unwrap().len(), 3);
    assert!(ins["outcomes"][0]["times"].as_array().unwrap().is_empty(), "nothing learned yet: {ins}");

    let fav = packs[1].clone();
    let others: Vec<String> = packs.iter().filter(|p| **p != fav).cloned().collect();
    teach(&d, &fav, &others);
    let ins = d.ctl_json(&["insights"]);
    let calm = ins["outcomes"].as_array().unwrap().iter().find(|o| o["outcome"] == "calm").unwrap().clone();
    assert_eq!(calm["rated_sessions"], 4 + others.len());
    assert_eq!(calm["sessions"], 4 + others.len());
    let t = &calm["times"][0];
    assert_eq!(t["time"], "evening");
    assert_eq!(t["best"], fav.as_str());
    let top = &t["packs"][0];
    assert_eq!(top["pack"], fav.as_str());
    assert_eq!((top["rated"].as_u64(), top["mean_rating"].as_f64()), (Some(4), Some(5.0)));
    let (est, lo, hi) = (
        top["estimate"].as_f64().unwrap(),
        top["interval"][0].as_f64().unwrap(),
        top["interval"][1].as_f64().unwrap(),
    );
    assert!(lo <= est && est <= hi && est > 4.0, "{top}");
    assert_eq!(t["next"][0]["pack"], fav.as_str());
    assert!(t["next"][0]["share"].as_f64().unwrap() > 0.5);
    let summary = t["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("Evenings, calm: {fav} rated 5.0 on average over 4 sessions")),
        "{summary}"
    );
    assert!(summary.contains("still tries others now and then"), "{summary}");
    let plain = String::from_utf8_lossy(&d.ctl(&["insights"]).stdout).to_string();
    assert!(plain.contains(summary) && plain.contains("not a measurement of health"), "{plain}");

    // Export carries the model; reset empties it but keeps the history; forget --all removes it.
    let ex = export(&d);
    let arms = ex["learner"]["model"]["arms"].as_array().unwrap();
    assert!(arms.iter().any(|a| a["pack"] == fav.as_str() && a["rated"] == 4), "{}", ex["learner"]);
    let reset = d.ctl_json(&["insights", "--reset"]);
    assert_eq!(reset["reset_sessions"], 4 + others.len());
    assert!(reset["outcomes"][0]["times"].as_array().unwrap().is_empty());
    let ex = export(&d);
    assert_eq!(ex["sessions"].as_array().unwrap().len(), 4 + others.len(), "the history stays");
    assert_eq!(ex["learner"]["model"], serde_json::json!({}));
    let st = d.ctl_json(&["start", "calm"]);
    assert!(
        !st["explanation"].as_str().unwrap_or("").contains("chosen because"),
        "after reset, rotation: {st}"
    );
    d.ctl_json(&["stop"]);
    d.ctl_json(&["rate", "5"]);
    assert!(export(&d)["learner"]["model"]["arms"].as_array().is_some_and(|a| !a.is_empty()));
    d.ctl_json(&["forget", "--all"]);
    let ex = export(&d);
    assert!(ex["learner"].is_null(), "forget --all deletes the model: {}", ex["learner"]);
    let ins = d.ctl_json(&["insights"]);
    assert!(ins["outcomes"].as_array().unwrap().iter().all(|o| o["times"].as_array().unwrap().is_empty()));
}

/// `checkin_after`: when a session ends the daemon offers a check-in; choosing it records from the
/// real (virtual) microphone and stores the check-in as the session's closing one.
#[test]
fn a_check_in_after_the_session_is_stored_next_to_the_opening_one() {
    let _lock = sonora_tests::audio::lock();
    let env = evening(
        "checkin_after = true\nrating_prompt = false\nrating_prompt_min_minutes = 0.0\ncheckin_seconds = 4.0\n",
    );
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    let wav = d.env.root.join("speech.wav");
    sonora_tests::speak(
        "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow.",
        &wav,
        &["-s", "150"],
    );
    d.ctl_json(&["start", "calm"]);
    let id = session_id_of_latest(&d);
    d.ctl_json(&["stop"]);
    let (nid, summary, body, actions) = desk.wait_for(1);
    assert_eq!(summary, "Check in after your session?");
    assert!(body.contains("microphone only opens if you choose Check in"), "{body}");
    assert_eq!(actions, ["checkin", "Check in", "skip", "Not now"]);
    assert_eq!(desk.count(), 1, "rating_prompt = false: no 'Did that help?'");
    desk.invoke(nid, "checkin");
    wait_until(Duration::from_secs(5), || d.ctl_json(&["status"])["state"] == "checking_in")
        .expect("Check in opens the microphone");
    std::thread::sleep(Duration::from_millis(300));
    let sink = std::env::var("SONORA_TEST_MIC_SINK").unwrap_or_else(|_| "sonora_mic".into());
    let st = std::process::Command::new("paplay").args(["-d", &sink]).arg(&wav).status().expect("paplay");
    assert!(st.success());
    let s = wait_until(Duration::from_secs(10), || {
        let s = session(&export(&d), &id);
        s["close_checkin_id"].is_i64().then_some(s)
    })
    .expect("the check-in is linked to the session as its closing one");
    assert!(s["checkin_id"].is_null(), "it is not the session's opening check-in: {s}");

    // Not now: nothing is recorded.
    d.ctl_json(&["start", "focus"]);
    let id2 = session_id_of_latest(&d);
    d.ctl_json(&["stop"]);
    let (nid, ..) = desk.wait_for(2);
    desk.invoke(nid, "skip");
    std::thread::sleep(Duration::from_millis(500));
    assert_ne!(d.ctl_json(&["status"])["state"], "checking_in");
    assert!(session(&export(&d), &id2)["close_checkin_id"].is_null());
}
