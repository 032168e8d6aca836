//! The schedule inside the core: entries from the config file fire at their local times; those
//! with `checkin = true` ask first through a desktop notification.

use super::{CallResult, Core, State, to_value};
use crate::notify::{ACTION_CHECKIN, ACTION_PLAY, ACTION_SKIP, NotifyCmd};
use sonora_proto::command::CheckinArgs;
use sonora_proto::{ErrorBody, ErrorCode, Outcome};
use sonora_schedule::Scheduler;
use sonora_store::SessionSource;
use std::time::Duration;
use tokio::time::Instant;

/// Longest the core sleeps before looking at the schedule again. Tokio's timers do not count
/// time the machine spends suspended; a cap keeps a resumed machine punctual without busy polling.
const MAX_SCHEDULE_SLEEP: Duration = Duration::from_secs(300);

pub(super) struct Prompt {
    pub token: u64,
    pub entry: String,
    pub outcome: Outcome,
    pub minutes: Option<f64>,
    pub deadline: Instant,
}

pub(super) fn new_scheduler(clock: crate::clock::DaemonClock) -> Scheduler {
    let tz = jiff::tz::TimeZone::system();
    Scheduler::with_clock(Vec::new(), tz, std::sync::Arc::new(clock))
}

impl Core {
    /// The schedule at start-up: entries whose time passed within the grace window still fire (a
    /// machine switched on at 21:35 gets its 21:30 wind-down), except an occurrence that already
    /// fired before a restart or crash (the history keeps what fired last, per entry).
    pub(super) fn start_schedule(&mut self) {
        let text = std::fs::read_to_string(crate::config::config_file()).unwrap_or_default();
        let (entries, errors) = sonora_schedule::parse_entries(&text);
        let tz = jiff::tz::TimeZone::system();
        self.scheduler = Scheduler::with_clock(entries, tz, std::sync::Arc::new(self.clock.clone()));
        for e in &errors {
            tracing::warn!("{e}; the other entries keep working");
        }
        self.scheduler.set_errors(errors.iter().map(ToString::to_string).collect());
        if let Some(store) = &self.store {
            match store.schedule_fired() {
                Ok(fired) => self.scheduler.set_last_fired(fired),
                Err(e) => tracing::warn!(
                    error = %e,
                    "cannot read when schedule entries last fired; an entry that fired just before a restart may fire again"
                ),
            }
        }
        let n = self.scheduler.entries().count();
        if n > 0 {
            tracing::info!(entries = n, "schedule loaded");
        }
    }

    /// (Re)reads `[[schedule]]` from the config file; bad entries are reported and skipped.
    pub(super) fn load_schedule(&mut self) {
        let file = crate::config::config_file();
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let errors = self.scheduler.load_config(&text);
        for e in &errors {
            tracing::warn!("{e}; the other entries keep working");
        }
        let n = self.scheduler.entries().count();
        if n > 0 {
            tracing::info!(entries = n, "schedule loaded");
        }
    }

    pub(super) fn schedule_deadline(&self) -> Option<Instant> {
        if self.suspended.is_some() {
            return None; // polled on resume
        }
        let now = self.clock.now();
        let wake = self.scheduler.next_wakeup(&now)?;
        Some(Instant::now() + self.clock.real_until(&wake).min(MAX_SCHEDULE_SLEEP))
    }

    /// Whether a schedule entry is due now (by the daemon's clock, not a monotonic deadline).
    pub(super) fn schedule_due(&self) -> bool {
        if self.suspended.is_some() {
            return false;
        }
        let now = self.clock.now();
        self.scheduler.next_wakeup(&now).is_some_and(|w| w <= now)
    }

    pub(super) fn poll_schedule(&mut self) {
        let now = self.clock.now();
        for fire in self.scheduler.poll(&now) {
            // Kept on disk before anything happens, so a restart or crash never fires it twice.
            if let Some(store) = &self.store
                && let Err(e) = store.set_schedule_fired(
                    &fire.entry.name,
                    fire.scheduled_for.timestamp(),
                    jiff::Timestamp::now(),
                )
            {
                tracing::warn!(entry = %fire.entry.name, error = %e, "could not record that the entry fired");
            }
            let manual = match &self.state {
                State::Playing(s) => s.source != SessionSource::Schedule,
                _ => false,
            };
            let e = &fire.entry;
            if !sonora_schedule::should_fire(&fire, manual) {
                tracing::info!(entry = %e.name, "scheduled session not started: you started one yourself");
                continue;
            }
            let minutes = e.minutes.map(f64::from);
            self.schedule_checkin_after = e.checkin_after;
            tracing::info!(entry = %e.name, outcome = %e.outcome, checkin = e.checkin, "schedule entry fired");
            if !e.checkin {
                let _ = self.start(e.outcome, minutes, None, SessionSource::Schedule);
            } else if self.settings.auto_listen {
                self.notifier.send(NotifyCmd::Info {
                    summary: format!("Time for {} ({})", e.outcome, e.name),
                    body: "Listening for a few seconds for your check-in (auto_listen is on).".into(),
                });
                self.scheduled_checkin(e.outcome, minutes);
            } else {
                self.prompt_counter += 1;
                let token = self.prompt_counter;
                let (summary, body) = crate::notify::prompt_texts(&e.name, e.outcome);
                let timeout_s = self.settings.prompt_timeout_s;
                let actions =
                    [(ACTION_CHECKIN, "Check in"), (ACTION_PLAY, "Just play"), (ACTION_SKIP, "Skip")]
                        .map(|(k, l)| (k.to_string(), l.to_string()))
                        .to_vec();
                self.notifier.send(NotifyCmd::Prompt { token, summary, body, actions, timeout_s });
                self.prompt = Some(Prompt {
                    token,
                    entry: e.name.clone(),
                    outcome: e.outcome,
                    minutes,
                    deadline: Instant::now() + Duration::from_secs_f64(timeout_s),
                });
            }
        }
    }

    pub(super) fn prompt_answered(&mut self, token: u64, action: &str) {
        if self.rating_prompt.as_ref().is_some_and(|r| r.token == token) {
            self.rating_answered(action);
            return;
        }
        if self.closing_prompt.as_ref().is_some_and(|r| r.token == token) {
            self.closing_answered(action);
            return;
        }
        let Some(p) = self.prompt.take_if(|p| p.token == token) else { return };
        tracing::info!(entry = %p.entry, action, "check-in prompt answered");
        self.apply_prompt(p, action, false);
    }

    pub(super) fn prompt_timed_out(&mut self) {
        let Some(p) = self.prompt.take() else { return };
        let action = self.settings.prompt_default.clone();
        tracing::info!(entry = %p.entry, action, "no answer to the check-in prompt; using the default");
        self.notifier.send(NotifyCmd::Close { token: p.token });
        self.apply_prompt(p, &action, true);
    }

    fn apply_prompt(&mut self, p: Prompt, action: &str, unanswered: bool) {
        match action {
            ACTION_CHECKIN => self.scheduled_checkin(p.outcome, p.minutes),
            ACTION_PLAY => {
                if unanswered && self.volume > self.settings.gentle_volume {
                    self.volume = self.settings.gentle_volume;
                    self.output.set_volume(self.volume as f32);
                }
                let _ = self.start(p.outcome, p.minutes, None, SessionSource::Schedule);
            }
            ACTION_SKIP => tracing::info!(entry = %p.entry, "scheduled session skipped"),
            other => tracing::warn!(action = other, "unknown notification action ignored"),
        }
    }

    /// Records a check-in (the person chose it, or `auto_listen` is on), then starts the session.
    fn scheduled_checkin(&mut self, outcome: Outcome, minutes: Option<f64>) {
        self.after_checkin = Some((outcome, minutes));
        let (tx, _rx) = tokio::sync::oneshot::channel();
        self.checkin(CheckinArgs::default(), tx);
        if self.checking_in {
            self.show_what_to_read();
        } else {
            // The check-in could not even start: play from the baseline.
            if let Some((o, m)) = self.after_checkin.take() {
                let _ = self.start(o, m, None, SessionSource::Schedule);
            }
        }
    }

    /// The microphone just opened for a scheduled check-in: show the person the passage to read
    /// and how long Sonora listens, on the window's check-in page (its countdown and meter follow
    /// the daemon's events) or, without the window or a display, in a notification.
    fn show_what_to_read(&self) {
        if sonora_proto::app::display_available()
            && let Some(app) = sonora_proto::app::app_path()
        {
            match sonora_proto::app::open(&app, &["--page", "checkin"]) {
                Ok(()) => return,
                Err(e) => tracing::warn!("could not open Sonora's window ({}): {e}", app.display()),
            }
        }
        self.notifier.send(NotifyCmd::Info {
            summary: sonora_proto::about::CHECKIN_NOTICE_SUMMARY.into(),
            body: sonora_proto::about::checkin_notice_body(self.settings.checkin_seconds),
        });
    }

    pub(super) fn schedule_info(&self) -> CallResult {
        to_value(self.scheduler.infos(&self.clock.now()))
    }

    pub(super) fn schedule_skip(&mut self, name: &str) -> CallResult {
        self.scheduler.skip_next(name).map_err(|e| ErrorBody::new(ErrorCode::NotFound, e.to_string()))?;
        self.schedule_info()
    }

    pub(super) fn schedule_pause(&mut self, pause: bool) -> CallResult {
        if pause {
            self.scheduler.pause();
        } else {
            self.scheduler.resume();
        }
        tracing::info!(paused = pause, "schedule {}", if pause { "paused" } else { "resumed" });
        self.broadcast_state();
        self.schedule_info()
    }
}
