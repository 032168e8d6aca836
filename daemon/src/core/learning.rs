//! Learning from ratings (issue 15) inside the core: "Did that help?" after a session, the
//! learner's pack choice for automatic sessions, and `insights`.
//!
//! The model ([`sonora_learn::Model`]) is rebuilt from the history whenever a session ends or is
//! rated: a query over at most a few thousand rows and a linear pass, well under a millisecond,
//! so it stays on the actor.

use super::{CallResult, Core, Session, to_value};
use crate::notify::{ACTION_CHECKIN, ACTION_SKIP, NotifyCmd, RATING_ACTIONS};
use sonora_learn::{Choice, Context, MarkerBucket, Model, Observation, TimeBucket};
use sonora_proto::command::InsightsArgs;
use sonora_proto::{
    ErrorBody, ErrorCode, Insights, NextPick, Outcome, OutcomeInsight, PackInsight, TimeInsight,
};
use sonora_store::{LearnRow, SessionScene};

/// A "did that help?" notification waiting for an answer.
pub(super) struct RatingPrompt {
    pub token: u64,
    pub session_id: i64,
}

/// What the core keeps of a session that just ended, for its question.
pub(super) struct Ended {
    pub id: Option<i64>,
    pub outcome: Outcome,
    pub pack: Option<String>,
    pub started_at: jiff::Timestamp,
    pub checkin_after: bool,
}

impl Ended {
    pub fn of(s: &Session) -> Ended {
        Ended {
            id: s.history_id,
            outcome: s.outcome,
            pack: s.pack.clone(),
            started_at: s.started_at,
            checkin_after: s.checkin_after,
        }
    }
}

/// How the pack of a session was chosen, as stored.
pub(super) const CHOICE_LEARNED: &str = "learned";
pub(super) const CHOICE_ROTATION: &str = "rotation";
pub(super) const CHOICE_EXPLICIT: &str = "explicit";

/// A "Did that help?" about a sleep session that ended by its timer is asked the next time the
/// person uses Sonora, unless that is later than this.
const ASK_LATER_WITHIN: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

pub(super) const INSIGHTS_NOTE: &str = "Sonora learns which sounds you seem to like from your ratings, how long you \
     listen and, when you check in before and after, how your voice sounded; it keeps this on this computer only. \
     It is not a measurement of health.";

fn observation(row: &LearnRow) -> Option<Observation> {
    let time = TimeBucket::parse(&row.time_bucket)?;
    let explicit = row.choice.as_deref() == Some(CHOICE_EXPLICIT);
    // An explicit choice is not a rating: only what the person said about it counts.
    if explicit && row.rating.is_none() {
        return None;
    }
    let listened = match (explicit, row.planned_minutes, row.actual_s) {
        (false, Some(p), Some(a)) if p > 0 => Some(a / (p as f64 * 60.0)),
        _ => None,
    };
    Some(Observation {
        outcome: row.outcome,
        context: Context { time, markers: MarkerBucket::from_markers(row.outcome, row.opening) },
        pack: row.pack.clone(),
        rating: row.rating,
        listened,
        opening: row.opening,
        closing: row.closing,
    })
}

impl Core {
    pub(super) fn time_bucket(&self) -> TimeBucket {
        TimeBucket::from_hour(self.clock.now().hour().clamp(0, 23) as u8)
    }

    fn context(&self, outcome: Outcome, time: TimeBucket) -> Context {
        Context { time, markers: MarkerBucket::from_markers(outcome, self.last_markers) }
    }

    fn candidates(&self, outcome: Outcome) -> Vec<String> {
        self.packs.for_outcome(outcome).iter().map(|p| p.name.clone()).collect()
    }

    /// The learner's pack for an automatic session, or None while nothing was learned here.
    pub(super) fn learned_choice(&self, outcome: Outcome, time: TimeBucket, seed: u64) -> Option<Choice> {
        self.learner.choose(outcome, self.context(outcome, time), &self.candidates(outcome), seed)
    }

    /// Rebuilds the model from the history; `save` also stores it next to the history.
    pub(super) fn rebuild_learner(&mut self, save: bool) {
        let Some(store) = &self.store else { return };
        let rows = match store.learning_rows() {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the history for learning; keeping the last model");
                return;
            }
        };
        let obs: Vec<Observation> = rows.iter().filter_map(observation).collect();
        self.learner = Model::build(&obs);
        if save {
            let value = serde_json::to_value(&self.learner).unwrap_or_default();
            if let Err(e) = store.save_model(&value, jiff::Timestamp::now()) {
                tracing::warn!(error = %e, "could not store the learned model");
            }
        }
    }

    /// Stores what a session plays, once its pack is known.
    pub(super) fn record_scene(&self, s: &Session) {
        let (Some(store), Some(id), Some(pack)) = (&self.store, s.history_id, &s.pack) else { return };
        let layers = s.scene.as_ref().map(|c| serde_json::to_value(c.layers()).unwrap_or_default());
        let scene = SessionScene {
            pack: pack.clone(),
            layers: layers.unwrap_or(serde_json::json!([])),
            seed: s.seed,
            time_bucket: s.time_bucket.as_str().into(),
            choice: s.choice.into(),
        };
        if let Err(e) = store.set_session_scene(id, &scene) {
            tracing::warn!(error = %e, "could not record what the session played");
        }
    }

    /// A session ended (its end is already recorded): learn from it and ask "Did that help?".
    pub(super) fn session_ended(&mut self, e: Ended, by_timer: bool) {
        self.last_ended = e.id.or(self.last_ended);
        self.rebuild_learner(true);
        let Some(id) = e.id else { return };
        let listened_s = jiff::Timestamp::now().duration_since(e.started_at).as_secs_f64();
        if listened_s < self.settings.rating_prompt_min_minutes * 60.0 {
            return;
        }
        let asleep = e.outcome == Outcome::Sleep && by_timer;
        if e.checkin_after && !asleep {
            self.offer_closing_checkin(id, e.outcome);
        }
        if !self.settings.rating_prompt {
            return;
        }
        if asleep {
            // They are probably asleep: ask next time.
            if let Some(store) = &self.store
                && let Err(err) = store.set_ask_rating(id, true)
            {
                tracing::warn!(error = %err, "could not keep the question for later");
            }
            return;
        }
        self.post_rating_prompt(id, e.outcome, e.pack.as_deref(), false);
    }

    /// The person is using Sonora again: ask about a sleep session that ended by its timer, if it
    /// ended within a day (otherwise the question is dropped).
    pub(super) fn ask_pending_rating(&mut self) {
        let Some(store) = &self.store else { return };
        let Ok(Some((id, outcome, ended))) = store.pending_rating() else { return };
        let _ = store.set_ask_rating(id, false);
        if !self.settings.rating_prompt || jiff::Timestamp::now().duration_since(ended) > ASK_LATER_WITHIN {
            return;
        }
        self.post_rating_prompt(id, outcome, None, true);
    }

    fn post_rating_prompt(&mut self, session_id: i64, outcome: Outcome, pack: Option<&str>, later: bool) {
        if let Some(old) = self.rating_prompt.take() {
            self.notifier.send(NotifyCmd::Close { token: old.token });
        }
        self.prompt_counter += 1;
        let token = self.prompt_counter;
        let (summary, body) = crate::notify::rating_texts(outcome, pack, later);
        let actions = RATING_ACTIONS.iter().map(|(k, l, _)| (k.to_string(), l.to_string())).collect();
        tracing::info!(session = session_id, "asking whether the session helped");
        self.notifier.send(NotifyCmd::Prompt { token, summary, body, actions, timeout_s: 0.0 });
        self.rating_prompt = Some(RatingPrompt { token, session_id });
    }

    /// Offers a short check-in after a session (`checkin_after`): the microphone opens only if
    /// the person chooses Check in.
    fn offer_closing_checkin(&mut self, session_id: i64, outcome: Outcome) {
        if let Some(old) = self.closing_prompt.take() {
            self.notifier.send(NotifyCmd::Close { token: old.token });
        }
        self.prompt_counter += 1;
        let token = self.prompt_counter;
        let actions = [(ACTION_CHECKIN, "Check in"), (ACTION_SKIP, "Not now")]
            .map(|(k, l)| (k.to_string(), l.to_string()))
            .to_vec();
        let summary = "Check in after your session?".to_string();
        let body = format!(
            "Your {outcome} session ended. Read a sentence aloud for a few seconds and Sonora can compare how you \
             sounded before and after, to learn what seems to suit you. The microphone only opens if you choose \
             Check in."
        );
        self.notifier.send(NotifyCmd::Prompt { token, summary, body, actions, timeout_s: 0.0 });
        self.closing_prompt = Some(RatingPrompt { token, session_id });
    }

    pub(super) fn closing_answered(&mut self, action: &str) {
        let Some(p) = self.closing_prompt.take() else { return };
        if action != ACTION_CHECKIN {
            tracing::info!(action, "no check-in after the session");
            return;
        }
        if self.checking_in {
            return;
        }
        self.closing_for = Some(p.session_id);
        let (tx, _rx) = tokio::sync::oneshot::channel();
        self.checkin(sonora_proto::command::CheckinArgs::default(), tx);
        if !self.checking_in {
            self.closing_for = None;
        }
    }

    /// An answer to "Did that help?" (unanswered means no rating).
    pub(super) fn rating_answered(&mut self, action: &str) {
        let Some(p) = self.rating_prompt.take() else { return };
        let Some(rating) = crate::notify::rating_of(action) else {
            tracing::info!(action, "the question was dismissed; no rating stored");
            return;
        };
        let Some(store) = &self.store else { return };
        match store.rate_session(p.session_id, rating as i64) {
            Ok(()) => {
                tracing::info!(session = p.session_id, rating, "rating stored");
                self.rebuild_learner(true);
            }
            Err(e) => tracing::warn!(error = %e, "could not store the rating"),
        }
    }

    /// A rating from `sonoractl rate` or the tray settles the open question for that session.
    pub(super) fn rated(&mut self, session_id: i64) {
        if let Some(p) = self.rating_prompt.take_if(|p| p.session_id == session_id) {
            self.notifier.send(NotifyCmd::Close { token: p.token });
        }
        self.rebuild_learner(true);
    }

    pub(super) fn insights(&mut self, args: InsightsArgs) -> CallResult {
        let mut reset_sessions = None;
        if args.reset {
            let store = self.store.as_ref().ok_or_else(|| {
                ErrorBody::new(
                    ErrorCode::Storage,
                    "the history is unavailable, so nothing was learned to reset",
                )
            })?;
            let n = store
                .reset_model(jiff::Timestamp::now())
                .map_err(|e| ErrorBody::new(ErrorCode::Storage, e.to_string()))?;
            tracing::info!(sessions = n, "learning reset on request");
            self.rebuild_learner(false);
            reset_sessions = Some(n);
        }
        let outcomes = Outcome::ALL.into_iter().map(|o| self.outcome_insight(o)).collect();
        to_value(Insights { note: INSIGHTS_NOTE.into(), outcomes, reset_sessions })
    }

    fn outcome_insight(&self, outcome: Outcome) -> OutcomeInsight {
        let arms: Vec<_> = self.learner.arms.iter().filter(|a| a.outcome == outcome).collect();
        let mut candidates = self.candidates(outcome);
        for a in &arms {
            if !candidates.contains(&a.pack) {
                candidates.push(a.pack.clone());
            }
        }
        let mut times = Vec::new();
        for time in TimeBucket::ALL {
            let here: Vec<_> = arms.iter().filter(|a| a.context.time == time).collect();
            let sessions: u32 = here.iter().map(|a| a.sessions).sum();
            if sessions == 0 {
                continue;
            }
            let rated: u32 = here.iter().map(|a| a.rated).sum();
            let ctx = self.context(outcome, time);
            let mut packs: Vec<PackInsight> = candidates
                .iter()
                .map(|p| {
                    let (r, _, sum) = self.learner.counts(outcome, time, p);
                    let post = self.learner.posterior(outcome, ctx, p);
                    let (lo, hi) = post.interval();
                    PackInsight {
                        pack: p.clone(),
                        sessions: here.iter().filter(|a| &a.pack == p).map(|a| a.sessions).sum(),
                        rated: r,
                        mean_rating: (r > 0).then(|| round1(sum as f64 / r as f64)),
                        estimate: round1(sonora_learn::to_rating_scale(post.mean())),
                        interval: [
                            round1(sonora_learn::to_rating_scale(lo)),
                            round1(sonora_learn::to_rating_scale(hi)),
                        ],
                    }
                })
                .collect();
            packs.sort_by(|a, b| b.estimate.total_cmp(&a.estimate).then_with(|| a.pack.cmp(&b.pack)));
            let best = (rated > 0).then(|| packs.first().map(|p| p.pack.clone())).flatten();
            let next: Vec<NextPick> = if rated > 0 {
                self.learner
                    .next_odds(outcome, ctx, &candidates, 200)
                    .into_iter()
                    .filter(|(_, s)| *s > 0.0)
                    .take(3)
                    .map(|(pack, share)| NextPick { pack, share: round2(share) })
                    .collect()
            } else {
                Vec::new()
            };
            let summary = time_summary(outcome, time, &packs, best.as_deref(), &next, rated);
            times.push(TimeInsight {
                time: time.as_str().into(),
                sessions,
                rated_sessions: rated,
                best,
                packs,
                next,
                summary,
            });
        }
        OutcomeInsight {
            outcome,
            sessions: arms.iter().map(|a| a.sessions).sum(),
            rated_sessions: arms.iter().map(|a| a.rated).sum(),
            times,
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn plural(n: u32, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

/// "Evenings, sleep: night rated 4.5 on average over 6 sessions; will most likely play night next
/// (about 80 % of the time) and still tries others now and then."
fn time_summary(
    outcome: Outcome,
    time: TimeBucket,
    packs: &[PackInsight],
    best: Option<&str>,
    next: &[NextPick],
    rated: u32,
) -> String {
    let head = format!("{}, {outcome}", time.plural());
    let Some(best) = best else {
        return format!("{head}: nothing rated yet, so Sonora takes turns between packs.");
    };
    let b = packs.iter().find(|p| p.pack == best);
    let seems = match b.and_then(|p| p.mean_rating.map(|m| (m, p.rated))) {
        Some((m, n)) => format!("{best} rated {m:.1} on average over {}", plural(n, "session")),
        None => format!("{best} seems to suit you best so far (from how long you listened)"),
    };
    let sure = match b {
        Some(p) if p.interval[1] - p.interval[0] <= 1.0 => "fairly sure",
        _ => "not sure yet",
    };
    let next_note = match next.first() {
        Some(n) if n.share >= 0.5 => format!(
            "will most likely play {} next (about {:.0} % of the time) and still tries others now and then",
            n.pack,
            n.share * 100.0
        ),
        Some(n) => format!("still trying packs to learn what you like; {} is the most likely next", n.pack),
        None => "still trying packs to learn what you like".into(),
    };
    format!("{head}: {seems} ({sure}, {} rated here); {next_note}.", plural(rated, "session"))
}
