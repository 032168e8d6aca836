//! Event hooks (daemon/src/hooks.rs): the `on_event` program runs on session transitions and
//! volume changes with the documented environment, and a slow hook never holds the daemon up.

use sonora_tests::{Daemon, Env, require_audio_server, wait_until};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn script(env: &Env, name: &str, body: &str) -> PathBuf {
    let p = env.root.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    sonora_tests::chmod(&p, 0o755);
    p
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p).unwrap_or_default().lines().map(String::from).collect()
}

/// Waits until the hook log has a line equal to `want`.
fn wait_line(log: &Path, want: &str, d: &Daemon) {
    let ok = wait_until(Duration::from_secs(10), || lines(log).iter().any(|l| l == want));
    assert!(ok.is_some(), "hook never logged {want:?}; got {:?}\ndaemon log:\n{}", lines(log), d.log_text());
}

/// Children of `pid` that are zombies (exited, never reaped).
fn zombies_of(pid: u32) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
        // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 1 && f[0] == "Z" && f[1] == pid.to_string() {
            out.push(stat);
        }
    }
    out
}

#[test]
fn hook_sees_session_transitions_and_volume() {
    // With a device the stop fades (session_fading) before it ends.
    require_audio_server();
    let env = Env::new();
    let log = env.root.join("events.log");
    let hook = script(
        &env,
        "hook",
        &format!(
            "echo \"$SONORA_EVENT $SONORA_OUTCOME\" >> '{}'\necho \"$SONORA_EVENT state=$SONORA_STATE volume=$SONORA_VOLUME remaining=${{SONORA_REMAINING_S:-}}\" >> '{}.env'",
            log.display(),
            log.display()
        ),
    );
    env.write_config(&format!("on_event = \"{}\"\nstop_fade_s = 0.3\n", hook.display()));
    let mut d = Daemon::start_in(env);

    d.ctl_json(&["start", "focus", "--minutes", "30"]);
    wait_line(&log, "session_started focus", &d);
    // State snapshots repeat (volume, layers, remaining time); the hook only sees transitions.
    d.ctl_json(&["volume", "0.4"]);
    wait_line(&log, "volume focus", &d);
    d.ctl_json(&["stop"]);
    wait_line(&log, "session_fading focus", &d);
    wait_line(&log, "session_stopped focus", &d);
    std::thread::sleep(Duration::from_millis(300));
    let mut got = lines(&log);
    got.sort();
    assert_eq!(
        got,
        ["session_fading focus", "session_started focus", "session_stopped focus", "volume focus"],
        "each transition once"
    );
    let env_lines = lines(&log.with_extension("log.env"));
    let started = env_lines.iter().find(|l| l.starts_with("session_started ")).unwrap();
    assert!(started.contains("state=playing"), "{started}");
    let remaining: f64 = started.split("remaining=").nth(1).unwrap().parse().unwrap();
    assert!((1790.0..=1800.0).contains(&remaining), "{started}");
    assert!(env_lines.iter().any(|l| l.starts_with("volume ") && l.contains("volume=0.4")), "{env_lines:?}");

    // Hooks are reaped: no zombies left under the daemon.
    let z = zombies_of(d.child.id());
    assert!(z.is_empty(), "unreaped hook processes: {z:?}");
    assert!(d.alive());
}

#[test]
fn a_slow_hook_does_not_delay_the_daemon() {
    let env = Env::new();
    let pids = env.root.join("hook.pids");
    let hook = script(&env, "slow-hook", &format!("echo $$ >> '{}'\nexec sleep 60", pids.display()));
    env.write_config(&format!("on_event = \"{}\"\nstop_fade_s = 0.2\n", hook.display()));
    let d = Daemon::start_in(env);
    let mut worst = Duration::ZERO;
    for outcome in ["calm", "focus", "sleep"] {
        let t = Instant::now();
        let st = d.ctl_json(&["start", outcome]);
        worst = worst.max(t.elapsed());
        assert_eq!(st["state"], "playing");
    }
    let t = Instant::now();
    d.ctl_json(&["stop"]);
    d.ctl_json(&["status"]);
    worst = worst.max(t.elapsed());
    let started = wait_until(Duration::from_secs(5), || lines(&pids).len() >= 3);
    // Kill the sleeping hooks we caused (each runs in its own process group).
    for pid in lines(&pids) {
        if let Ok(pid) = pid.trim().parse::<i32>() {
            // SAFETY: signalling a process group this test's daemon created.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
    assert!(started.is_some(), "the hooks did not run: {:?}\n{}", lines(&pids), d.log_text());
    assert!(worst < Duration::from_millis(1500), "a command took {worst:?} while hooks slept");
}

#[test]
fn a_hook_added_changed_or_removed_by_a_reload_applies_without_a_restart() {
    let env = Env::new();
    let first = env.root.join("first.log");
    let second = env.root.join("second.log");
    let hook1 = script(&env, "hook1", &format!("echo \"$SONORA_EVENT\" >> '{}'", first.display()));
    let hook2 = script(&env, "hook2", &format!("echo \"$SONORA_EVENT\" >> '{}'", second.display()));
    env.write_config("stop_fade_s = 0.2\n");
    let d = Daemon::start_in(env);
    let pid = d.child.id();

    // No hook yet: nothing runs.
    d.ctl_json(&["volume", "0.5"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(lines(&first).is_empty());

    // Added by `sonoractl reload`.
    d.env.write_config(&format!("on_event = \"{}\"\nstop_fade_s = 0.2\n", hook1.display()));
    d.ctl_json(&["reload"]);
    d.ctl_json(&["volume", "0.6"]);
    wait_line(&first, "volume", &d);

    // Changed by editing the file (the daemon watches it): the new program runs, the old no more.
    // A session already playing is not "started" again by the change.
    d.ctl_json(&["start", "calm"]);
    wait_line(&first, "session_started", &d);
    d.env.write_config(&format!("on_event = \"{}\"\nstop_fade_s = 0.2\n", hook2.display()));
    let took = format!("event hook changed program={}", hook2.display());
    let changed = wait_until(Duration::from_secs(10), || d.log_text().contains(&took).then_some(()));
    assert!(changed.is_some(), "the daemon never took the new hook:\n{}", d.log_text());
    let before = lines(&first).len();
    d.ctl_json(&["volume", "0.7"]);
    wait_line(&second, "volume", &d);
    assert!(!lines(&second).iter().any(|l| l == "session_started"), "{:?}", lines(&second));
    d.ctl_json(&["stop"]);
    wait_line(&second, "session_stopped", &d);
    assert_eq!(lines(&first).len(), before, "the old hook ran after the change: {:?}", lines(&first));

    // Removed.
    d.env.write_config("on_event = \"\"\nstop_fade_s = 0.2\n");
    d.ctl_json(&["reload"]);
    let n = lines(&second).len();
    d.ctl_json(&["volume", "0.4"]);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(lines(&second).len(), n, "a removed hook still ran: {:?}", lines(&second));
    assert_eq!(d.child.id(), pid, "all without a restart");
}
