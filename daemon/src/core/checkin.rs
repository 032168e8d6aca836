//! The check-in path of the core: record (off the actor), read, store, reshape the session.

use super::{CallResult, Core, Msg, State, to_value};
use crate::checkin;
use sonora_proto::command::CheckinArgs;
use sonora_proto::{ErrorBody, ErrorCode, Event};
use tokio::sync::oneshot;
use tokio::time::Instant;

impl Core {
    /// Starts a check-in. From a file it finishes at once; from the microphone the recording runs
    /// on a blocking thread and reports back through [`Msg::CheckinAudio`], so the core keeps
    /// answering (and `status` shows `checking_in`) meanwhile.
    pub(super) fn checkin(&mut self, args: CheckinArgs, reply: oneshot::Sender<CallResult>) {
        if self.checking_in {
            let _ = reply.send(Err(ErrorBody::new(ErrorCode::Busy, "a check-in is already listening")));
            return;
        }
        if let Some(file) = args.file {
            let result = match sonora_analysis::read_audio_file(std::path::Path::new(&file)) {
                Ok(audio) => self.finish_checkin(&audio),
                Err(e) => Err(ErrorBody::new(ErrorCode::Unusable, e.to_string())),
            };
            let _ = reply.send(result);
            return;
        }
        let seconds = args.seconds.unwrap_or(self.settings.checkin_seconds);
        if !(seconds.is_finite() && (1.5..=60.0).contains(&seconds)) {
            let _ = reply.send(Err(ErrorBody::new(
                ErrorCode::InvalidArgs,
                format!("a check-in records between 1.5 and 60 seconds, got {seconds}"),
            )));
            return;
        }
        self.checking_in = true;
        self.broadcast_state();
        let events = self.events.clone();
        let tx = self.self_tx.clone();
        tokio::task::spawn_blocking(move || {
            let audio = checkin::mic::record(seconds, |remaining_s, level_db| {
                let _ = events.send(Event::CheckinLevel { remaining_s, level_db });
            });
            let _ = tx.blocking_send(Msg::CheckinAudio(audio, reply));
        });
    }

    pub(super) fn finish_checkin(&mut self, audio: &sonora_analysis::Audio) -> CallResult {
        let history = match &self.store {
            Some(store) => store.recent_good_reports(sonora_analysis::BASELINE_MAX).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the baseline; using population defaults");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let mut result = checkin::read(audio, &history);
        let mut closed = false;
        let now = jiff::Timestamp::now();
        if result.report.quality.ok {
            if let Some(store) = &self.store {
                match store.add_checkin(&result.report, now) {
                    Ok(id) => {
                        result.checkin_id = Some(id);
                        match self.closing_for.take() {
                            // A check-in after a session sits next to its opening one.
                            Some(sid) => match store.link_close_checkin(sid, id) {
                                Ok(()) => closed = true,
                                Err(e) => tracing::warn!(error = %e, "could not link the closing check-in"),
                            },
                            None => self.last_checkin = Some((id, Instant::now())),
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not store the check-in");
                        result.summary.push_str(&format!("\n(Not stored: {e}.)"));
                    }
                }
            } else if let Some(why) = &self.store_error {
                result.summary.push_str(&format!("\n(Not stored: the history is unavailable: {why}.)"));
            }
            if self.settings.keep_audio {
                let dir = sonora_proto::paths::data_dir().join("recordings");
                match checkin::keep_audio(&dir, audio, now) {
                    Ok(p) => {
                        tracing::info!(path = %p.display(), "kept the check-in audio (keep_audio = true)")
                    }
                    Err(e) => tracing::warn!(error = %e, "could not keep the check-in audio"),
                }
            }
            if let Some(m) = result.report.markers {
                self.last_markers = Some((m, result.report.confidence));
                tracing::info!(
                    stress = m.stress,
                    fatigue = m.fatigue,
                    energy = m.energy,
                    confidence = result.report.confidence,
                    "check-in read"
                );
            }
            result.first_run_notice =
                crate::notice::take_first_run_notice(&sonora_proto::paths::data_dir()).map(String::from);
            self.reshape_running_session();
        } else {
            tracing::info!(reason = ?result.report.quality.reason, "check-in not usable");
        }
        self.closing_for = None;
        if closed {
            self.rebuild_learner(true);
        }
        let _ = self.events.send(Event::Checkin(Box::new(result.clone())));
        self.broadcast_state();
        to_value(result)
    }

    /// A fresh check-in during a session crossfades into a scene shaped by it.
    fn reshape_running_session(&mut self) {
        let State::Playing(s) = &self.state else { return };
        if s.scene.is_none() {
            return;
        }
        let (outcome, seed, minutes, preset, pack) =
            (s.outcome, s.seed, s.remaining_minutes(), s.preset.clone(), s.pack.clone());
        let Ok(info) = self.output.open() else { return };
        match self.build_scene_at(outcome, seed, minutes, info.sample_rate, preset, pack, 0.0) {
            Ok((source, control)) => {
                self.output.play(source, self.settings.crossfade_s);
                if let State::Playing(s) = &mut self.state {
                    s.scene = Some(control);
                }
            }
            Err(e) => tracing::warn!("{}", e.message),
        }
    }
}
