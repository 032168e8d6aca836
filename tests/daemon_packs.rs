//! Pack choice (daemon/src/core/rotation.rs, the pack side of daemon/src/core/mod.rs and
//! `sonorad render --pack`): `sonoractl start OUTCOME --pack NAME` plays that pack, an unknown
//! pack is refused and changes nothing, by default sessions and `next` rotate so no pack repeats
//! within three sessions of an outcome unless it is the only one that fits, and an explicit pack
//! wins over rotation (and still counts as played).
//!
//! The packs each outcome can play are read from `sonoractl packs --json`, never hard-coded:
//! packs are being added. Tests that only look at status keep the daemon at volume 0, so the one
//! test that listens to the sink hears only its own daemon.

use serde_json::Value;
use sonora_tests::audio::{self, peak, rms};
use sonora_tests::{Daemon, Env, RawConn, bin};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Short fades; volume 0 keeps the shared sink quiet for the audio test.
const QUIET: &str = "volume = 0.0\nfade_in_s = 0.2\nstop_fade_s = 0.2\ncrossfade_s = 0.2\n";

fn quiet_daemon() -> Daemon {
    let env = Env::new();
    env.write_config(QUIET);
    Daemon::start_in(env)
}

/// Outcome name -> the packs it can play (sorted), as the daemon's library sees them: an entry
/// with a usable version (a description) counts, and a later entry of the same name (a user pack)
/// replaces an earlier one (the built-in), as `PackLibrary::for_outcome` does.
fn packs_by_outcome(d: &Daemon) -> BTreeMap<String, Vec<String>> {
    let packs = d.ctl_json(&["packs"]);
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in packs.as_array().unwrap_or_else(|| panic!("packs --json is a list: {packs}")) {
        if !p["description"].is_string() {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_else(|| panic!("a pack has a name: {p}")).to_string();
        let outcomes = p["outcomes"].as_array().unwrap_or_else(|| panic!("a pack lists its outcomes: {p}"));
        by_name.insert(name, outcomes.iter().map(|o| o.as_str().unwrap().to_string()).collect());
    }
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, outcomes) in by_name {
        for o in outcomes {
            out.entry(o).or_default().push(name.clone());
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Checks that a report lists layers, each with a name, a kind, volume, muted and `pack` equal to
/// `pack`.
fn check_layers(report: &Value, pack: &str) {
    let layers = report["layers"].as_array().unwrap_or_else(|| panic!("lists layers: {report}"));
    assert!(!layers.is_empty(), "at least one layer: {report}");
    for l in layers {
        assert_eq!(l["pack"], pack, "every layer is from {pack}: {report}");
        assert!(l["kind"].as_str().is_some_and(|k| !k.is_empty()), "every layer has a kind: {l}");
        assert!(l["name"].as_str().is_some_and(|n| !n.is_empty()), "every layer has a name: {l}");
        assert!(l["volume"].is_number() && l["muted"].is_boolean(), "volume and muted: {l}");
    }
}

/// The pack a status (or a start/next reply) says is playing, after checking that every live layer
/// belongs to it.
fn pack_of(st: &Value) -> String {
    let pack =
        st["pack"].as_str().unwrap_or_else(|| panic!("a playing session names its pack: {st}")).to_string();
    check_layers(st, &pack);
    pack
}

/// Runs a `start`/`next`, checks the reply and a fresh status agree, and returns the pack.
fn session(d: &Daemon, args: &[&str], outcome: &str) -> String {
    let reply = d.ctl_json(args);
    assert_eq!(reply["state"], "playing", "{args:?}: {reply}");
    assert_eq!(reply["outcome"], outcome, "{args:?}: {reply}");
    let pack = pack_of(&reply);
    let st = d.ctl_json(&["status"]);
    assert_eq!(st["outcome"], outcome, "{st}");
    assert_eq!(pack_of(&st), pack, "status agrees with the {args:?} reply");
    pack
}

/// The rotation promise for one outcome's sequence of sessions: all from the outcome's packs, no
/// pack twice within any `min(3, n)` consecutive sessions (n = packs that fit), so one pack
/// repeats every time, two alternate, three or more never repeat within three.
fn check_rotation(outcome: &str, seq: &[String], fits: &[String]) {
    for p in seq {
        assert!(fits.contains(p), "{outcome}: {p} is not one of its packs {fits:?}; sessions {seq:?}");
    }
    let window = fits.len().min(3);
    for w in seq.windows(window) {
        let distinct: BTreeSet<&String> = w.iter().collect();
        assert_eq!(
            distinct.len(),
            window,
            "{outcome} has {} packs {fits:?}: no pack may repeat within {window} consecutive sessions; got {seq:?}",
            fits.len()
        );
    }
}

#[test]
fn start_with_a_pack_plays_that_pack_and_calm_is_heard() {
    let _lock = audio::lock();
    let env = Env::new();
    env.write_config("fade_in_s = 0.3\nstop_fade_s = 0.3\ncrossfade_s = 0.3\n");
    let d = Daemon::start_in(env);
    let calm = packs_by_outcome(&d).remove("calm").unwrap_or_default();
    assert!(calm.contains(&"shore".to_string()), "shore is a calm pack: {calm:?}");

    assert_eq!(session(&d, &["start", "calm", "--pack", "shore"], "calm"), "shore");
    std::thread::sleep(Duration::from_millis(800));
    let rec = audio::record(&d.env.root.join("shore.wav"));
    std::thread::sleep(Duration::from_millis(1500));
    let heard = rec.stop();
    let (r, p) = (rms(&heard), peak(&heard));
    assert!(heard.len() > 48_000 * 2, "recorded {} samples", heard.len());
    assert!(r > 0.003, "calm --pack shore is heard on the sink: rms {r}");
    assert!(p < 1.0, "no clipping: peak {p}");
    assert_eq!(pack_of(&d.ctl_json(&["status"])), "shore", "still shore after playing a while");

    // Another calm pack, asked for by name while shore plays, replaces it and is heard.
    let other = calm.iter().find(|p| *p != "shore").expect("calm has more than one pack");
    assert_eq!(&session(&d, &["start", "calm", "--pack", other], "calm"), other);
    std::thread::sleep(Duration::from_millis(800));
    let rec = audio::record(&d.env.root.join("other.wav"));
    std::thread::sleep(Duration::from_millis(1000));
    let heard = rec.stop();
    assert!(rms(&heard) > 0.003, "calm --pack {other} is heard: rms {}", rms(&heard));
}

#[test]
fn start_with_each_loaded_pack_plays_it_for_each_of_its_outcomes() {
    let d = quiet_daemon();
    let by_outcome = packs_by_outcome(&d);
    assert!(by_outcome.len() >= 3, "calm, focus and sleep each have packs: {by_outcome:?}");
    let mut started = 0;
    for (outcome, packs) in &by_outcome {
        for pack in packs {
            assert_eq!(&session(&d, &["start", outcome, "--pack", pack], outcome), pack);
            started += 1;
        }
        // From idle too, not only replacing a playing session.
        d.ctl_json(&["stop"]);
        assert_eq!(&session(&d, &["start", outcome, "--pack", &packs[0]], outcome), &packs[0]);
    }
    assert!(started >= 5, "every pack of every outcome was tried ({started})");
}

#[test]
fn an_unknown_pack_is_refused_with_its_name_and_nothing_changes() {
    let d = quiet_daemon();
    let loaded: BTreeSet<String> = packs_by_outcome(&d).into_values().flatten().collect();
    let refused = |d: &Daemon| {
        let out = d.ctl(&["start", "calm", "--pack", "no-such-pack"]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "an unknown pack fails: {err}");
        assert!(err.contains("'no-such-pack'"), "the error names the pack: {err}");
        assert!(err.contains("invalid_args"), "error code invalid_args: {err}");
        for name in &loaded {
            assert!(err.contains(name.as_str()), "the error lists the loaded pack {name}: {err}");
        }
    };
    let key = |st: &Value| {
        let layers: Vec<Value> = st["layers"].as_array().cloned().unwrap_or_default();
        (st["state"].clone(), st["outcome"].clone(), st["pack"].clone(), st["started_at"].clone(), layers)
    };

    // Idle stays idle.
    let before = d.ctl_json(&["status"]);
    assert_eq!(before["state"], "idle");
    refused(&d);
    let after = d.ctl_json(&["status"]);
    assert_eq!(key(&after), key(&before), "idle before, idle after: {after}");
    assert!(after["pack"].is_null(), "no pack while idle: {after}");

    // A playing session keeps playing as it was (same pack, same layers, not restarted).
    session(&d, &["start", "calm", "--pack", "shore"], "calm");
    let before = d.ctl_json(&["status"]);
    refused(&d);
    let after = d.ctl_json(&["status"]);
    assert_eq!(key(&after), key(&before), "the session is untouched:\nbefore {before}\nafter  {after}");

    // On the wire: invalid_args, the message names the pack, and an empty name is unknown too.
    let mut c = RawConn::open(&d.env.socket());
    let r = c.request(r#"{"id": 3, "cmd": "start", "args": {"outcome": "focus", "pack": "Shore"}}"#);
    assert_eq!(r["id"], 3);
    assert_eq!(r["error"]["code"], "invalid_args", "{r}");
    assert!(r["error"]["message"].as_str().is_some_and(|m| m.contains("'Shore'")), "{r}");
    let r = c.request(r#"{"id": 4, "cmd": "start", "args": {"outcome": "calm", "pack": ""}}"#);
    assert_eq!(r["error"]["code"], "invalid_args", "{r}");
    assert_eq!(key(&d.ctl_json(&["status"])), key(&before), "still untouched");

    // --pack and --preset conflict in the CLI (nothing reaches the daemon).
    let out = d.ctl(&["start", "calm", "--pack", "shore", "--preset", "mine"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a usage error: {err}");
    assert!(err.contains("--pack") && err.contains("--preset"), "names both flags: {err}");
    assert_eq!(key(&d.ctl_json(&["status"])), key(&before));
}

/// Nine sessions of every outcome: blocks of start, next, next (a stop before every other block),
/// outcomes interleaved so other outcomes' sessions come between an outcome's blocks.
fn nine_sessions_each(d: &Daemon, outcomes: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut seqs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for block in 0..3 {
        for o in outcomes {
            if block % 2 == 1 {
                d.ctl_json(&["stop"]);
            }
            let seq = seqs.entry(o.clone()).or_default();
            seq.push(session(d, &["start", o], o));
            seq.push(session(d, &["next"], o));
            seq.push(session(d, &["next"], o));
        }
    }
    seqs
}

#[test]
fn rotation_never_repeats_a_pack_within_three_sessions_of_an_outcome() {
    let d = quiet_daemon();
    let fits = packs_by_outcome(&d);
    let calm = fits.get("calm").cloned().unwrap_or_default();
    assert!(calm.len() >= 3, "calm has at least three packs: {calm:?}");
    let outcomes: Vec<String> = fits.keys().cloned().collect();
    let seqs = nine_sessions_each(&d, &outcomes);
    for (o, seq) in &seqs {
        assert_eq!(seq.len(), 9);
        let n = fits[o].len();
        if n == 2 {
            // Only membership here: see two_packs_alternate (the daemon drops rotation then).
            assert!(seq.iter().all(|p| fits[o].contains(p)), "{o}: {seq:?} not all from {:?}", fits[o]);
        } else {
            check_rotation(o, seq, &fits[o]);
        }
    }
    // With three or more packs at least three are heard; with exactly three the choice is forced
    // (two are left out), so each plays exactly three times in nine.
    for (o, seq) in &seqs {
        let n = fits[o].len();
        let used: BTreeSet<&String> = seq.iter().collect();
        if n >= 3 {
            assert!(used.len() >= 3, "{o}: rotation used {used:?} of {n}");
        }
        if n == 3 {
            for p in &fits[o] {
                assert_eq!(seq.iter().filter(|s| *s == p).count(), 3, "{o}: {p} thrice in {seq:?}");
            }
        }
    }
}

/// A daemon whose focus has exactly one pack and sleep exactly two: every other built-in that fits
/// focus or sleep is replaced by a user pack of the same name that only fits calm (a user pack
/// with a built-in's name wins). Returns the daemon and the kept packs.
fn daemon_with_one_focus_and_two_sleep_packs() -> (Daemon, String, Vec<String>) {
    let builtin = {
        let d = quiet_daemon();
        let packs = d.ctl_json(&["packs"]);
        packs.as_array().unwrap().clone()
    };
    let fits = |p: &Value, o: &str| p["outcomes"].as_array().is_some_and(|a| a.iter().any(|x| x == o));
    let name = |p: &Value| p["name"].as_str().unwrap().to_string();
    let loaded: Vec<&Value> = builtin.iter().filter(|p| p["state"] == "loaded").collect();
    let focus_keep = loaded
        .iter()
        .find(|p| fits(p, "focus") && !fits(p, "sleep"))
        .map(|p| name(p))
        .expect("a focus-only pack");
    let sleep_keep: Vec<String> =
        loaded.iter().filter(|p| fits(p, "sleep") && !fits(p, "focus")).take(2).map(|p| name(p)).collect();
    assert_eq!(sleep_keep.len(), 2, "two sleep packs that do not fit focus: {builtin:?}");

    let shore =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../packs/shore/pack.toml")).unwrap();
    assert!(
        shore.contains("name = \"shore\"") && shore.contains("outcomes = [\"calm\"]"),
        "shore's manifest"
    );
    let env = Env::new();
    env.write_config(QUIET);
    for p in &loaded {
        let n = name(p);
        if (fits(p, "focus") || fits(p, "sleep")) && n != focus_keep && !sleep_keep.contains(&n) {
            let dir = env.data.join("sonora/packs").join(&n);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("pack.toml"),
                shore.replace("name = \"shore\"", &format!("name = \"{n}\"")),
            )
            .unwrap();
        }
    }
    let d = Daemon::start_in(env);
    let now = packs_by_outcome(&d);
    assert_eq!(now.get("focus"), Some(&vec![focus_keep.clone()]), "focus has one pack: {now:?}");
    let mut want_sleep = sleep_keep.clone();
    want_sleep.sort();
    assert_eq!(now.get("sleep"), Some(&want_sleep), "sleep has two packs: {now:?}");
    (d, focus_keep, want_sleep)
}

#[test]
fn an_outcome_with_one_pack_plays_it_every_time() {
    let (d, focus, _) = daemon_with_one_focus_and_two_sleep_packs();
    let seqs = nine_sessions_each(&d, &["focus".to_string(), "calm".to_string()]);
    assert_eq!(seqs["focus"], vec![focus.clone(); 9], "the only focus pack, nine times");
    let calm = packs_by_outcome(&d)["calm"].clone();
    check_rotation("calm", &seqs["calm"], &calm);
}

#[test]
fn two_packs_alternate() {
    let (d, _, sleep) = daemon_with_one_focus_and_two_sleep_packs();
    let seqs = nine_sessions_each(&d, &["sleep".to_string()]);
    check_rotation("sleep", &seqs["sleep"], &sleep);
}

#[test]
fn an_explicit_pack_wins_over_rotation_and_counts_as_played() {
    let d = quiet_daemon();
    let calm = packs_by_outcome(&d)["calm"].clone();
    assert!(calm.len() >= 3, "calm has at least three packs: {calm:?}");

    let a = session(&d, &["start", "calm"], "calm");
    let b = session(&d, &["next"], "calm");
    assert_ne!(a, b, "rotation: next is another pack");
    // Just played: rotation would leave it out, the explicit choice wins.
    assert_eq!(session(&d, &["start", "calm", "--pack", &b], "calm"), b, "just played, asked for again");
    assert_eq!(session(&d, &["start", "calm", "--pack", &a], "calm"), a, "played two sessions ago");
    d.ctl_json(&["stop"]);
    assert_eq!(session(&d, &["start", "calm", "--pack", &a], "calm"), a, "from idle, right after itself");

    // An explicit pack counts as played: after b, a and then c (explicit), the next automatic
    // choice leaves out c and a (with three calm packs it can only be b).
    let c = calm.iter().find(|p| **p != a && **p != b).unwrap().clone();
    assert_eq!(session(&d, &["start", "calm", "--pack", &c], "calm"), c);
    let next = session(&d, &["next"], "calm");
    assert!(next != c && next != a, "after explicit {a}, {c} the rotation avoids both; got {next}");
    let after = session(&d, &["start", "calm"], "calm");
    assert!(after != next && after != c, "then avoids {next} and {c}; got {after}");

    // With many packs one such check could pass by luck, so repeat it: two explicit packs that
    // rotation alone would not leave out, then `next` must leave out both.
    let mut recent = vec![after, next];
    for round in 0..12 {
        let mut fresh: Vec<String> = calm.iter().filter(|p| !recent.contains(p)).cloned().collect();
        let k = round % fresh.len();
        fresh.rotate_left(k);
        let x = fresh[0].clone();
        let y = fresh.get(1).cloned().unwrap_or_else(|| recent[0].clone());
        assert_eq!(session(&d, &["start", "calm", "--pack", &x], "calm"), x);
        assert_eq!(session(&d, &["start", "calm", "--pack", &y], "calm"), y);
        let n = session(&d, &["next"], "calm");
        assert!(n != x && n != y, "round {round}: after explicit {x}, {y} next avoids both; got {n}");
        recent = vec![n, y];
    }
}

#[test]
fn render_with_a_pack_reports_that_packs_layers_and_refuses_an_unknown_one() {
    let dir = std::env::temp_dir().join(format!("sonora-render-packs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let render = |outcome: &str, pack: &str, out: &std::path::Path| {
        std::process::Command::new(bin("sonorad"))
            .args(["render", "--outcome", outcome, "--pack", pack, "--minutes", "0.2", "--json", "--out"])
            .arg(out)
            .output()
            .expect("run sonorad render")
    };

    // The kinds the daemon reports for shore's layers, to compare with the render's report.
    let live: BTreeMap<String, String> = {
        let d = quiet_daemon();
        let st = d.ctl_json(&["start", "calm", "--pack", "shore"]);
        pack_of(&st);
        let by_outcome = packs_by_outcome(&d);
        let pairs = st["layers"].as_array().unwrap().iter();
        let live =
            pairs.map(|l| (l["name"].as_str().unwrap().into(), l["kind"].as_str().unwrap().into())).collect();
        // Render every pack of every outcome it fits (short, faster than real time).
        for (outcome, packs) in &by_outcome {
            for pack in packs {
                let out = dir.join(format!("{outcome}-{pack}.wav"));
                let o = render(outcome, pack, &out);
                assert!(
                    o.status.success(),
                    "render {outcome} --pack {pack}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                let report: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
                check_layers(&report, pack);
                let seconds = report["seconds"].as_f64().unwrap_or_default();
                assert!((seconds - 12.0).abs() < 0.5, "0.2 minutes is 12 s: {report}");
                let samples = audio::read_wav(&out);
                assert!(samples.len() >= 48_000 * 2 * 11, "{} samples in {}", samples.len(), out.display());
                assert!(
                    rms(&samples) > 0.003,
                    "{outcome} --pack {pack} renders sound: rms {}",
                    rms(&samples)
                );
                assert!(peak(&samples) <= 1.0, "{outcome} --pack {pack}: peak {}", peak(&samples));
            }
        }
        live
    };

    let out = dir.join("shore.wav");
    let o = render("calm", "shore", &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).expect("a JSON report");
    check_layers(&report, "shore");
    for l in report["layers"].as_array().unwrap() {
        let (name, kind) = (l["name"].as_str().unwrap(), l["kind"].as_str().unwrap());
        if let Some(k) = live.get(name) {
            assert_eq!(k, kind, "layer {name} has the same kind in render and in the daemon");
        }
    }
    assert!(report["explanation"].as_str().is_some_and(|e| e.contains("shore")), "{report}");

    // Unknown pack: non-zero exit, the message names it, no report and no file.
    let bad = dir.join("bad.wav");
    let o = render("calm", "no-such-pack", &bad);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "an unknown pack fails: {err}");
    assert!(err.contains("no-such-pack"), "the message names the pack: {err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("\"layers\""), "no report for a failed render");
    assert!(!bad.exists(), "no file for a failed render");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The rotation's memory comes back from the history after a restart: with two sleep packs, the
/// first automatic session after a restart plays the one that was *not* heard last. Three rounds,
/// alternating which was last, so a daemon that forgot would pass only one time in eight.
#[test]
fn rotation_survives_a_restart() {
    let (mut d, _, sleep) = daemon_with_one_focus_and_two_sleep_packs();
    for round in 0..3 {
        let (older, last) = if round % 2 == 0 { (&sleep[0], &sleep[1]) } else { (&sleep[1], &sleep[0]) };
        assert_eq!(&session(&d, &["start", "sleep", "--pack", older], "sleep"), older);
        assert_eq!(&session(&d, &["start", "sleep", "--pack", last], "sleep"), last);
        d.ctl(&["stop"]);
        assert!(d.terminate().success(), "log:\n{}", d.log_text());
        // The same folders, a new daemon.
        let env = std::mem::replace(&mut d.env, Env::new());
        d = Daemon::start_in(env);
        let next = session(&d, &["start", "sleep"], "sleep");
        assert_eq!(
            &next, older,
            "round {round}: after a restart, {last} was heard last, so {older} comes next"
        );
        d.ctl(&["stop"]);
    }
}
