//! Suspend and resume inside the core (the logind listener is `crate::sleep`).
//!
//! Before the machine sleeps the session fades out quickly ([`SLEEP_FADE_S`]) and the output device
//! is released; the session itself stays. After resume the device is reopened and the session goes
//! on where it is. **Timers count wall-clock time, sleep included**: a 30-minute session started at
//! 22:00 ends at 22:30 whether or not the laptop slept in between, so a timed session whose end
//! passed while the machine slept ends on resume (recorded as ended by its timer, without a fade:
//! there is nothing to fade). Schedule entries that fell inside the sleep follow the schedule's
//! catch-up rule (within the grace window they still fire, later ones are reported as missed); the
//! core polls the schedule as soon as it resumes.

use super::{Core, State, learning};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Seconds of the fade before sleep: short, so the machine is not held up, but without a click.
pub const SLEEP_FADE_S: f64 = 0.3;

/// What the sleep listener tells the core.
pub enum SleepMsg {
    /// The machine is about to sleep; `done` is answered once the sound has faded and the device is
    /// released (the listener then lets the machine go).
    Prepare(oneshot::Sender<()>),
    /// The quick fade before sleep is over: release the device.
    Faded,
    /// The machine woke up.
    Resumed,
}

/// The core while the machine sleeps.
pub struct Suspended {
    pub since: jiff::Timestamp,
    /// Answered when the device is released.
    done: Option<oneshot::Sender<()>>,
}

impl Core {
    pub(crate) fn on_sleep(&mut self, msg: SleepMsg) {
        match msg {
            SleepMsg::Prepare(done) => self.prepare_for_sleep(done),
            SleepMsg::Faded => self.release_for_sleep(),
            SleepMsg::Resumed => self.resumed(),
        }
    }

    fn prepare_for_sleep(&mut self, done: oneshot::Sender<()>) {
        if self.suspended.is_some() {
            let _ = done.send(());
            return;
        }
        tracing::info!("the computer is going to sleep; fading out and releasing the sound device");
        self.suspended = Some(Suspended { since: jiff::Timestamp::now(), done: Some(done) });
        // No device retries while asleep: the resume reopens it.
        self.retry_at = None;
        if !self.output.is_open() {
            self.release_for_sleep();
            return;
        }
        self.output.fade_to(0.0, SLEEP_FADE_S);
        let tx = self.self_tx.clone();
        tokio::spawn(async move {
            // A little more than the fade, so the last block of it is played before the release.
            tokio::time::sleep(Duration::from_secs_f64(SLEEP_FADE_S + 0.05)).await;
            let _ = tx.send(super::Msg::Sleep(SleepMsg::Faded)).await;
        });
        self.broadcast_state();
    }

    fn release_for_sleep(&mut self) {
        let Some(s) = self.suspended.as_mut() else { return };
        let done = s.done.take();
        if self.output.is_open() {
            self.output.close();
            tracing::info!("sound device released for sleep");
        }
        // A stop's fade that was still running has nothing left to fade.
        if let State::Fading { .. } = self.state {
            self.state = State::Idle;
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
        self.broadcast_state();
    }

    fn resumed(&mut self) {
        let Some(s) = self.suspended.take() else { return };
        let now = jiff::Timestamp::now();
        let slept = now.duration_since(s.since).as_secs_f64().max(0.0);
        tracing::info!(slept_s = slept.round(), "the computer woke up");
        if let Some(done) = s.done {
            // The fade had not finished (a very short sleep): it is over now.
            let _ = done.send(());
        }
        if let State::Fading { .. } = self.state {
            self.output.close();
            self.state = State::Idle;
        }
        let ran_out = match &mut self.state {
            State::Playing(p) => match p.ends {
                // Wall-clock end: the monotonic deadline did not count the sleep.
                Some((_, wall)) if wall <= now => true,
                Some((_, wall)) => {
                    let left = now.duration_until(wall).as_secs_f64().max(0.0);
                    p.ends = Some((Instant::now() + Duration::from_secs_f64(left), wall));
                    false
                }
                None => false,
            },
            _ => false,
        };
        if ran_out {
            if let State::Playing(p) = std::mem::replace(&mut self.state, State::Idle) {
                tracing::info!(outcome = %p.outcome, "the session's time ran out while the computer slept; it has ended");
                self.record_session_end(&p, false);
                self.session_ended(learning::Ended::of(&p), true);
            }
            self.output.close();
            self.audio_error = None;
        } else if matches!(self.state, State::Playing(_)) {
            // Reopen the device and go on where the session is (as after a device failure).
            self.retry_device();
            tracing::info!("session continues after sleep");
        }
        // Entries that fell inside the sleep: the catch-up rule decides, now.
        if self.schedule_due() {
            self.poll_schedule();
        }
        self.broadcast_state();
    }
}
