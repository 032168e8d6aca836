//! The schedule inside the daemon (daemon/src/core/schedule.rs, daemon/src/notify.rs) on a
//! simulated clock, with a small notification server on the test's session bus that records
//! prompts and answers them through `ActionInvoked`, as a desktop would.

use sonora_tests::notifications::Desktop;
use sonora_tests::{Daemon, Env, wait_until};
use std::time::Duration;

/// A day that starts 5 simulated seconds before 21:30 UTC, running 10x fast.
fn evening_env(entries: &str) -> Env {
    let mut env = Env::new();
    env.extra.push(("TZ".into(), "UTC".into()));
    env.extra.push(("SONORA_TEST_CLOCK".into(), "2026-11-27T21:29:55+00:00[UTC]".into()));
    env.extra.push(("SONORA_TEST_CLOCK_SPEED".into(), "10".into()));
    env.write_config(&format!("checkin_seconds = 2.0\nprompt_timeout_s = 60.0\n{entries}"));
    env
}

/// Waits up to `secs` for the daemon to play; its status then, or a panic saying `what`.
fn wait_playing(d: &Daemon, secs: u64, what: &str) -> serde_json::Value {
    wait_until(Duration::from_secs(secs), || {
        let st = d.ctl_json(&["status"]);
        (st["state"] == "playing").then_some(st)
    })
    .expect(what)
}

const WIND_DOWN: &str = r#"
[[schedule]]
name = "wind-down"
at = "21:30"
days = "daily"
outcome = "sleep"
minutes = 40
checkin = true
"#;

#[test]
fn a_checkin_entry_asks_first_and_just_play_starts_the_session() {
    let env = evening_env(WIND_DOWN);
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    let (id, summary, body, actions) = desk.wait_for_prompt();
    assert!(summary.contains("sleep") && summary.contains("wind-down"), "{summary}");
    assert!(body.contains("microphone only opens if you choose Check in"), "{body}");
    for a in ["checkin", "Check in", "play", "Just play", "skip", "Skip"] {
        assert!(actions.iter().any(|x| x == a), "action {a} missing: {actions:?}");
    }
    assert_eq!(d.ctl_json(&["status"])["state"], "idle", "nothing plays before an answer");
    desk.invoke(id, "play");
    let st = wait_playing(&d, 5, "Just play starts the session");
    assert_eq!(st["outcome"], "sleep");
}

#[test]
fn skip_starts_nothing_and_checkin_opens_the_microphone_first() {
    let env = evening_env(WIND_DOWN);
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    let (id, ..) = desk.wait_for_prompt();
    desk.invoke(id, "skip");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(d.ctl_json(&["status"])["state"], "idle");
    drop(d);

    let _lock = sonora_tests::audio::lock();
    let env = evening_env(WIND_DOWN);
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    let (id, ..) = desk.wait_for_prompt();
    desk.invoke(id, "checkin");
    wait_until(Duration::from_secs(5), || d.ctl_json(&["status"])["state"] == "checking_in")
        .expect("the microphone opens after Check in (state checking_in)");
    // Without Sonora's window, a notice says what to read and for how long.
    let notice = wait_until(Duration::from_secs(3), || {
        desk.calls().into_iter().find(|c| c.1 == sonora_proto::about::CHECKIN_NOTICE_SUMMARY)
    })
    .expect("a notice with the passage to read");
    assert!(notice.2.contains(sonora_proto::about::CHECKIN_PASSAGE), "{}", notice.2);
    assert!(notice.2.contains("listens for"), "{}", notice.2);
    // Whatever the check-in hears, the session follows it.
    let st = wait_playing(&d, 10, "the session starts after the check-in");
    assert_eq!(st["outcome"], "sleep");
}

/// The microphone is missing when the wind-down asks for a check-in (a source that does not
/// exist on the test audio server): a plain message, and the sleep session still starts, from
/// the usual baseline.
#[test]
fn a_missing_microphone_still_starts_the_wind_down() {
    let mut env = evening_env(WIND_DOWN);
    env.extra.push(("PULSE_SOURCE".into(), "sonora_no_such_microphone".into()));
    let desk = Desktop::start(&env);
    let _lock = sonora_tests::audio::lock();
    let d = Daemon::start_in(env);
    let (id, ..) = desk.wait_for_prompt();
    desk.invoke(id, "checkin");
    let st = wait_playing(&d, 10, "the session starts although nothing could be recorded");
    assert_eq!(st["outcome"], "sleep");
    let log = d.log_text();
    assert!(log.contains("check-in recording failed") && log.contains("microphone"), "{log}");

    // Asked directly, the person gets the reason and what still works.
    d.ctl_json(&["stop"]);
    let out = d.ctl(&["checkin", "--seconds", "2"]);
    assert_eq!(out.status.code(), Some(4), "a check-in that heard nothing is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("microphone") && err.contains("could not be opened"), "{err}");
    assert!(err.contains("--file") && err.contains("baseline"), "says what still works: {err}");
    assert!(d.ctl_json(&["status"])["state"].is_string(), "still answering");
}

#[test]
fn schedule_lists_skips_and_pauses_entries() {
    let env = evening_env(&format!(
        "{WIND_DOWN}\n[[schedule]]\nname = \"focus-block\"\nat = \"09:00\"\ndays = \"mon-fri\"\noutcome = \"focus\"\n\n[[schedule]]\nname = \"broken\"\nat = \"25:99\"\noutcome = \"calm\"\n"
    ));
    let d = Daemon::start_in(env);
    let s = d.ctl_json(&["schedule"]);
    let entries = s["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "the broken entry is skipped, the rest work: {s}");
    let focus = entries.iter().find(|e| e["name"] == "focus-block").unwrap();
    // 2026-11-27 is a Friday: the next weekday 09:00 is Monday the 30th.
    assert_eq!(focus["next_run"], "2026-11-30T09:00:00+00:00");
    let errors = s["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e.as_str().unwrap().contains("line") && e.as_str().unwrap().contains("broken")),
        "{s}"
    );

    let s = d.ctl_json(&["schedule", "skip-next", "focus-block"]);
    let focus = s["entries"].as_array().unwrap().iter().find(|e| e["name"] == "focus-block").unwrap().clone();
    assert_eq!(focus["skip_next"], true);
    assert_eq!(focus["next_run"], "2026-12-01T09:00:00+00:00");
    assert_eq!(d.ctl(&["schedule", "skip-next", "nope"]).status.code(), Some(4));

    let s = d.ctl_json(&["schedule", "pause"]);
    assert_eq!(s["paused"], true);
    assert!(s["entries"][0]["next_run"].is_null());
    assert_eq!(d.ctl_json(&["status"])["schedule_paused"], true);
    let text = String::from_utf8_lossy(&d.ctl(&["schedule"]).stdout).to_string();
    assert!(text.contains("paused"), "{text}");
    assert_eq!(d.ctl_json(&["schedule", "resume"])["paused"], false);
}

#[test]
fn a_paused_schedule_fires_nothing_and_a_manual_session_is_not_interrupted() {
    let plain = "\n[[schedule]]\nname = \"night\"\nat = \"21:30\"\noutcome = \"sleep\"\nminutes = 30\n";
    let env = evening_env(plain);
    let d = Daemon::start_in(env);
    d.ctl_json(&["start", "focus"]);
    std::thread::sleep(Duration::from_secs(1));
    let st = d.ctl_json(&["status"]);
    assert_eq!(st["outcome"], "focus", "the user's session wins: {st}");

    let env = evening_env(plain);
    let d = Daemon::start_in(env);
    d.ctl_json(&["schedule", "pause"]);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(d.ctl_json(&["status"])["state"], "idle", "paused: nothing fires");

    let env = evening_env(plain);
    let d = Daemon::start_in(env);
    let st = wait_playing(&d, 5, "an entry without check-in starts its session by itself");
    assert_eq!(st["outcome"], "sleep");
}

#[test]
fn an_unanswered_prompt_plays_at_a_gentle_volume() {
    let env = evening_env(WIND_DOWN);
    // The shortest answer time the config allows (real seconds).
    env.write_config(&format!("checkin_seconds = 2.0\nprompt_timeout_s = 5.0\nvolume = 0.8\n{WIND_DOWN}"));
    let desk = Desktop::start(&env);
    let d = Daemon::start_in(env);
    desk.wait_for_prompt();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(d.ctl_json(&["status"])["state"], "idle", "still waiting for an answer");
    let st = wait_playing(&d, 6, "no answer: the default (Just play) happens");
    assert_eq!(st["outcome"], "sleep");
    assert_eq!(st["volume"], 0.35, "at the gentle volume");
}

const NIGHT: &str = "\n[[schedule]]\nname = \"night\"\nat = \"21:30\"\noutcome = \"sleep\"\nminutes = 30\n";

/// A daemon this test kills itself (SIGKILL), also when an assertion fails first.
struct Killed(std::process::Child);

impl Killed {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `sonorad` in `env` with the simulated clock starting at `clock` (UTC), logging to `log`.
fn spawn_daemon(env: &Env, clock: &str, log: &std::path::Path) -> Killed {
    let child = env
        .command(sonora_tests::bin("sonorad"))
        .env("SONORA_TEST_CLOCK", clock)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start sonorad");
    let child = Killed(child);
    let sock = env.socket();
    let up = wait_until(Duration::from_secs(10), || {
        std::os::unix::net::UnixStream::connect(&sock).is_ok()
            && env.ctl(&["--json", "status"]).status.success()
    });
    assert!(up.is_some(), "sonorad did not come up: {}", std::fs::read_to_string(log).unwrap_or_default());
    child
}

fn fired_lines(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("schedule entry fired"))
        .count()
}

/// The daemon is killed with SIGKILL right after the 21:30 entry fired and restarted a minute later
/// (inside the 10-minute grace window, where a machine switched on late still gets its run): the
/// entry does not fire a second time, because the history keeps what fired last. A daemon with a
/// fresh history started at the same moment does fire it, so the first restart would have too.
#[test]
fn a_restart_inside_the_grace_window_never_fires_an_entry_twice() {
    let env = evening_env(NIGHT);
    let log1 = env.root.join("first.log");
    let mut first = spawn_daemon(&env, "2026-11-27T21:29:55+00:00[UTC]", &log1);
    let playing = wait_until(Duration::from_secs(5), || env.ctl_json(&["status"])["state"] == "playing");
    assert!(playing.is_some(), "the entry fires at 21:30: {}", std::fs::read_to_string(&log1).unwrap());
    assert_eq!(fired_lines(&log1), 1);
    first.kill(); // SIGKILL: no clean shutdown, nothing flushed on the way out

    let log2 = env.root.join("second.log");
    let mut second = spawn_daemon(&env, "2026-11-27T21:31:00+00:00[UTC]", &log2);
    // 3 real seconds are 30 simulated ones: far more than the restart needs to poll the schedule.
    std::thread::sleep(Duration::from_secs(3));
    let st = env.ctl_json(&["status"]);
    let text = std::fs::read_to_string(&log2).unwrap();
    assert_eq!(fired_lines(&log2), 0, "the entry fired again after the restart:\n{text}");
    assert_eq!(st["state"], "idle", "no second session: {st}");
    let next = &env.ctl_json(&["schedule"])["entries"][0]["next_run"];
    assert_eq!(next, "2026-11-28T21:30:00+00:00", "the next run is tomorrow's");
    second.kill();

    // The same moment with a history that never saw it fire: the entry is caught up (it fires).
    let fresh = evening_env(NIGHT);
    let log3 = fresh.root.join("fresh.log");
    let mut third = spawn_daemon(&fresh, "2026-11-27T21:31:00+00:00[UTC]", &log3);
    let caught_up = wait_until(Duration::from_secs(5), || fresh.ctl_json(&["status"])["state"] == "playing");
    third.kill();
    assert!(caught_up.is_some(), "a fresh start inside the grace window fires the entry");
    assert_eq!(fired_lines(&log3), 1);
}
