//! Event hooks: the `on_event` program from the config, run on session start/stop, fade-out,
//! volume changes, check-in results and errors, so people can wire Sonora into the rest of their
//! desktop (Do Not Disturb during focus, a log of focus blocks, a smart light...).
//!
//! The program gets no arguments and no stdin; what happened is in its environment:
//! `SONORA_EVENT` (`session_started`, `session_stopped`, `session_fading`, `checkin`, `volume`,
//! `error`), `SONORA_OUTCOME`, `SONORA_STATE`, `SONORA_VOLUME`, `SONORA_REMAINING_S` (timed
//! sessions), `SONORA_STRESS`, `SONORA_FATIGUE`, `SONORA_ENERGY`, `SONORA_CONFIDENCE` (check-ins
//! with a reading) and `SONORA_MESSAGE` (errors). Its stderr goes to the daemon's log.
//!
//! A hook must never hold the daemon up: it is spawned and left running (a task reaps it so no
//! zombies pile up), killed with its whole process group after [`HOOK_TIMEOUT`], and at most
//! [`MAX_RUNNING`] run at once (more are dropped with a warning rather than queued, so a stuck
//! hook cannot build an ever-growing backlog). Hooks run concurrently, so two quick events may
//! finish in either order.
//!
//! The core broadcasts a `state` event for every change of the session (remaining time, layers,
//! volume...); hooks only want transitions, so [`Hooks`] remembers the previous state.

use sonora_proto::{Event, Outcome, StateKind, Status};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// How long a hook may run before it (and anything it started) is killed.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(30);
/// Hooks allowed to run at the same time.
pub const MAX_RUNNING: usize = 8;

pub struct Hooks {
    program: Option<PathBuf>,
    timeout: Duration,
    prev: Mutex<Prev>,
    running: Arc<AtomicUsize>,
}

/// What the last events said, to turn state snapshots into transitions and to give volume events
/// their context.
#[derive(Default)]
struct Prev {
    state: Option<StateKind>,
    outcome: Option<Outcome>,
    volume: Option<f64>,
}

impl Hooks {
    /// `on_event` as written in the config: "" for none; `~/` means the home folder.
    pub fn new(on_event: &str) -> Hooks {
        let program = program_of(on_event);
        if let Some(p) = &program {
            tracing::info!(program = %p.display(), "event hook configured");
        }
        Hooks { program, timeout: HOOK_TIMEOUT, prev: Mutex::new(Prev::default()), running: Arc::default() }
    }

    /// The config's `on_event` changed (reload): the next events run the new program. What the
    /// last events said is kept, so a session already playing is not "started" again.
    pub fn set_program(&mut self, on_event: &str) {
        let next = program_of(on_event);
        if next != self.program {
            match &next {
                Some(p) => tracing::info!(program = %p.display(), "event hook changed"),
                None => tracing::info!("event hook removed"),
            }
            self.program = next;
        }
    }

    /// The program that will run, if any.
    pub fn program(&self) -> Option<&Path> {
        self.program.as_deref()
    }

    /// Runs the hook for `event` if it is one hooks care about. Returns at once: the program runs
    /// detached. Must be called inside a Tokio runtime (it spawns the reaper task there).
    pub fn fire(&self, event: &sonora_proto::Event) {
        let Some(env) = self.env_for(event) else { return };
        let Some(program) = &self.program else { return };
        self.spawn(program, env);
    }

    /// The environment for `event`, or None when it is not a hook event (for example a state
    /// snapshot that only updates the remaining time). Updates the remembered state.
    fn env_for(&self, event: &Event) -> Option<Vec<(&'static str, String)>> {
        let mut prev = self.prev.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::State(st) => {
                let before = (prev.state, prev.outcome);
                prev.state = Some(st.state);
                prev.volume = Some(st.volume);
                // An idle snapshot has no outcome; keep the last one so "stopped" can name it.
                let outcome = st.outcome.or(prev.outcome);
                prev.outcome = outcome;
                let name = transition(before, st)?;
                Some(state_env(name, st, outcome))
            }
            Event::Volume { volume } => {
                if prev.volume == Some(*volume) {
                    return None;
                }
                prev.volume = Some(*volume);
                let mut env =
                    vec![("SONORA_EVENT", "volume".to_string()), ("SONORA_VOLUME", fmt_num(*volume))];
                if let Some(s) = prev.state {
                    env.push(("SONORA_STATE", s.as_str().into()));
                }
                if let (Some(o), Some(StateKind::Playing | StateKind::Fading)) = (prev.outcome, prev.state) {
                    env.push(("SONORA_OUTCOME", o.as_str().into()));
                }
                Some(env)
            }
            Event::Checkin(report) => {
                let mut env = vec![
                    ("SONORA_EVENT", "checkin".to_string()),
                    ("SONORA_CONFIDENCE", fmt_num(report.report.confidence)),
                ];
                if let Some(m) = report.report.markers {
                    env.push(("SONORA_STRESS", fmt_num(m.stress)));
                    env.push(("SONORA_FATIGUE", fmt_num(m.fatigue)));
                    env.push(("SONORA_ENERGY", fmt_num(m.energy)));
                }
                if let Some(s) = prev.state {
                    env.push(("SONORA_STATE", s.as_str().into()));
                }
                Some(env)
            }
            Event::Error(e) => Some(vec![
                ("SONORA_EVENT", "error".to_string()),
                ("SONORA_ERROR_CODE", e.code.as_str().to_string()),
                ("SONORA_MESSAGE", e.message.clone()),
            ]),
            // Lagged, and progress events (such as microphone levels) that are not worth a process.
            _ => None,
        }
    }

    fn spawn(&self, program: &Path, env: Vec<(&'static str, String)>) {
        if self.running.load(Ordering::SeqCst) >= MAX_RUNNING {
            tracing::warn!(
                program = %program.display(),
                "{MAX_RUNNING} event hooks are still running; skipping this one"
            );
            return;
        }
        let mut cmd = tokio::process::Command::new(program);
        cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            // Its own process group: a timeout kill reaches whatever the hook started too, and a
            // Ctrl-C meant for a foreground daemon does not hit hooks.
            .process_group(0);
        let event = env.first().map(|(_, v)| v.clone()).unwrap_or_default();
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(program = %program.display(), error = %e, "cannot run the event hook");
                return;
            }
        };
        tracing::debug!(program = %program.display(), %event, "event hook started");
        let running = self.running.clone();
        running.fetch_add(1, Ordering::SeqCst);
        let timeout = self.timeout;
        let program = program.to_path_buf();
        tokio::spawn(async move {
            match tokio::time::timeout(timeout, child.wait()).await {
                Ok(Ok(status)) if !status.success() => {
                    tracing::warn!(program = %program.display(), %event, %status, "event hook failed");
                }
                Ok(_) => {}
                Err(_) => {
                    tracing::warn!(
                        program = %program.display(), %event,
                        "event hook still running after {}s; killing it", timeout.as_secs()
                    );
                    if let Some(pid) = child.id() {
                        // SAFETY: signalling the process group we created for this child.
                        unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
                    }
                    let _ = child.kill().await;
                }
            }
            running.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// Follows the core's events and fires hooks until the daemon stops. `program` is the config's
/// `on_event`, updated on every reload (the core holds the sender), so a new or removed hook
/// applies without a restart, like every other setting.
pub async fn run(mut program: watch::Receiver<String>, mut events: broadcast::Receiver<Event>) {
    let mut hooks = Hooks::new(&program.borrow_and_update());
    let mut watching = true;
    loop {
        tokio::select! {
            changed = program.changed(), if watching => match changed {
                Ok(()) => hooks.set_program(&program.borrow_and_update()),
                // The core is gone; events end soon too.
                Err(_) => watching = false,
            },
            ev = events.recv() => match ev {
                // Events are followed even without a program: a hook added later needs to know
                // what plays.
                Ok(ev) => hooks.fire(&ev),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    if hooks.program().is_some() {
                        tracing::warn!(missed, "event hooks fell behind; some events ran no hook");
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// Which hook event a state snapshot is, given the previous (state, outcome); None when it is
/// not a transition.
fn transition(before: (Option<StateKind>, Option<Outcome>), st: &Status) -> Option<&'static str> {
    let (prev_state, prev_outcome) = before;
    match st.state {
        StateKind::Playing if prev_state != Some(StateKind::Playing) || prev_outcome != st.outcome => {
            Some("session_started")
        }
        StateKind::Fading if prev_state != Some(StateKind::Fading) => Some("session_fading"),
        // The first snapshot of an idle daemon is not the end of anything.
        StateKind::Idle if matches!(prev_state, Some(StateKind::Playing | StateKind::Fading)) => {
            Some("session_stopped")
        }
        _ => None,
    }
}

fn state_env(name: &'static str, st: &Status, outcome: Option<Outcome>) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("SONORA_EVENT", name.to_string()),
        ("SONORA_STATE", st.state.as_str().to_string()),
        ("SONORA_VOLUME", fmt_num(st.volume)),
    ];
    if let Some(o) = outcome {
        env.push(("SONORA_OUTCOME", o.as_str().to_string()));
    }
    if let Some(r) = st.remaining_s {
        env.push(("SONORA_REMAINING_S", fmt_num(r)));
    }
    env
}

/// Numbers as shells and `awk` read them: plain decimals, no exponent, trailing zeros trimmed.
fn fmt_num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" { "0".into() } else { s.to_string() }
}

/// The program `on_event` names: "" for none; `~/` means the home folder.
fn program_of(on_event: &str) -> Option<PathBuf> {
    let on_event = on_event.trim();
    (!on_event.is_empty()).then(|| expand_home(on_event))
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonora_proto::{BaselineInfo, CheckinReport, ErrorBody, ErrorCode, Markers, Quality, VoiceReport};

    fn status(state: StateKind, outcome: Option<Outcome>) -> Status {
        let mut s = Status::idle(0.6);
        s.state = state;
        s.outcome = outcome;
        s
    }

    fn get<'a>(env: &'a [(&'static str, String)], key: &str) -> Option<&'a str> {
        env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    fn state(h: &Hooks, st: StateKind, o: Option<Outcome>) -> Option<Vec<(&'static str, String)>> {
        h.env_for(&Event::State(status(st, o)))
    }

    #[test]
    fn state_snapshots_become_transitions() {
        let h = Hooks::new("/bin/true");
        assert!(state(&h, StateKind::Idle, None).is_none(), "start-up idle is no event");
        let env = state(&h, StateKind::Playing, Some(Outcome::Focus)).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("session_started"));
        assert_eq!(get(&env, "SONORA_OUTCOME"), Some("focus"));
        assert_eq!(get(&env, "SONORA_STATE"), Some("playing"));
        assert_eq!(get(&env, "SONORA_VOLUME"), Some("0.6"));
        assert!(state(&h, StateKind::Playing, Some(Outcome::Focus)).is_none(), "same state twice");
        let env = state(&h, StateKind::Playing, Some(Outcome::Calm)).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("session_started"), "switching outcome");
        let env = state(&h, StateKind::Fading, Some(Outcome::Calm)).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("session_fading"));
        assert!(state(&h, StateKind::Fading, Some(Outcome::Calm)).is_none());
        let env = state(&h, StateKind::Idle, None).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("session_stopped"));
        assert_eq!(get(&env, "SONORA_OUTCOME"), Some("calm"), "stopped names what stopped");
        assert!(state(&h, StateKind::Idle, None).is_none());
    }

    #[test]
    fn remaining_time_and_volume() {
        let h = Hooks::new("/bin/true");
        let mut st = status(StateKind::Playing, Some(Outcome::Sleep));
        st.remaining_s = Some(2400.0);
        let env = h.env_for(&Event::State(st)).unwrap();
        assert_eq!(get(&env, "SONORA_REMAINING_S"), Some("2400"));
        let env = h.env_for(&Event::Volume { volume: 0.25 }).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("volume"));
        assert_eq!(get(&env, "SONORA_VOLUME"), Some("0.25"));
        assert_eq!(get(&env, "SONORA_OUTCOME"), Some("sleep"));
        assert!(h.env_for(&Event::Volume { volume: 0.25 }).is_none(), "unchanged volume");
    }

    #[test]
    fn checkin_and_error_env() {
        let h = Hooks::new("/bin/true");
        let report = VoiceReport {
            speech_s: 4.0,
            voiced_fraction: 0.6,
            markers: Some(Markers { stress: 0.7, fatigue: 0.2, energy: 0.5 }),
            confidence: 0.4,
            quality: Quality { ok: true, reason: None },
            ..VoiceReport::empty(6.0, 16000)
        };
        let ev = Event::Checkin(Box::new(CheckinReport {
            report,
            baseline: BaselineInfo { checkins: 2, needed: 5, reference: "population".into() },
            summary: String::new(),
            checkin_id: None,
            first_run_notice: None,
        }));
        let env = h.env_for(&ev).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("checkin"));
        assert_eq!(get(&env, "SONORA_STRESS"), Some("0.7"));
        assert_eq!(get(&env, "SONORA_FATIGUE"), Some("0.2"));
        assert_eq!(get(&env, "SONORA_ENERGY"), Some("0.5"));
        assert_eq!(get(&env, "SONORA_CONFIDENCE"), Some("0.4"));
        let env = h.env_for(&Event::Error(ErrorBody::new(ErrorCode::Device, "gone"))).unwrap();
        assert_eq!(get(&env, "SONORA_EVENT"), Some("error"));
        assert_eq!(get(&env, "SONORA_MESSAGE"), Some("gone"));
        assert!(h.env_for(&Event::Lagged { missed: 3 }).is_none());
    }

    #[test]
    fn program_path() {
        assert!(Hooks::new("  ").program().is_none());
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(Hooks::new("~/bin/hook").program(), Some(Path::new(&format!("{home}/bin/hook"))));
        assert_eq!(Hooks::new("/usr/bin/hook").program(), Some(Path::new("/usr/bin/hook")));
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(-0.5), "-0.5");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_slow_hook_does_not_block_and_is_killed_at_the_timeout() {
        let dir = std::env::temp_dir().join(format!("sonora-hook-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("slow");
        std::fs::write(&script, "#!/bin/sh\nsleep 60\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let mut h = Hooks::new(&script.display().to_string());
        h.timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        h.fire(&Event::Volume { volume: 0.1 });
        assert!(started.elapsed() < Duration::from_millis(200), "fire() waited for the hook");
        assert_eq!(h.running.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(h.running.load(Ordering::SeqCst), 0, "the hook was not killed at its timeout");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
