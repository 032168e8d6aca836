//! What the learner needs from the history (issue 15): what each session played and why, its
//! rating and check-ins, and the learner's model itself, kept in the same file so export shows it
//! and forget removes it.

use crate::{Store, StoreError, Timestamp, parse_outcome, rfc3339};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sonora_proto::types::{Markers, Outcome};

/// What a session played, stored once sound starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionScene {
    pub pack: String,
    /// JSON array of the layers and their volumes.
    pub layers: serde_json::Value,
    pub seed: u64,
    pub time_bucket: String,
    /// learned, rotation or explicit.
    pub choice: String,
}

/// One ended session as the learner reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnRow {
    pub id: i64,
    pub outcome: Outcome,
    pub pack: String,
    pub time_bucket: String,
    pub choice: Option<String>,
    pub rating: Option<u8>,
    pub planned_minutes: Option<u32>,
    pub actual_s: Option<f64>,
    pub stopped_early: Option<bool>,
    /// Opening and closing check-in markers with their confidence (null when not taken or not usable).
    pub opening: Option<(Markers, f64)>,
    pub closing: Option<(Markers, f64)>,
}

fn markers(s: Option<f64>, f: Option<f64>, e: Option<f64>, c: Option<f64>) -> Option<(Markers, f64)> {
    match (s, f, e, c) {
        (Some(stress), Some(fatigue), Some(energy), Some(c)) => {
            Some((Markers { stress, fatigue, energy }, c))
        }
        _ => None,
    }
}

impl Store {
    /// Records what a session played (pack, layers, seed, time of day, how the pack was chosen).
    pub fn set_session_scene(&self, id: i64, scene: &SessionScene) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE sessions SET pack = ?1, layers = ?2, seed = ?3, time_bucket = ?4, choice = ?5 WHERE id = ?6",
                params![
                    scene.pack,
                    scene.layers.to_string(),
                    scene.seed.to_string(),
                    scene.time_bucket,
                    scene.choice,
                    id
                ],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::UnknownSession(id));
        }
        Ok(())
    }

    /// Rates one session (1 to 5); rating again overwrites. Clears its pending question.
    pub fn rate_session(&self, id: i64, rating: i64) -> Result<(), StoreError> {
        if !(1..=5).contains(&rating) {
            return Err(StoreError::RatingOutOfRange(rating));
        }
        let n = self
            .conn
            .execute("UPDATE sessions SET rating = ?1, ask_rating = NULL WHERE id = ?2", params![rating, id])
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::UnknownSession(id));
        }
        Ok(())
    }

    /// Marks (or unmarks) a session as owing a "did that help?" question (a sleep session that
    /// ended by its timer asks the next time the person uses Sonora).
    pub fn set_ask_rating(&self, id: i64, ask: bool) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE sessions SET ask_rating = ?1 WHERE id = ?2", params![ask.then_some(1), id])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The newest session still owing a question and not rated: (id, outcome, when it ended).
    pub fn pending_rating(&self) -> Result<Option<(i64, Outcome, Timestamp)>, StoreError> {
        let row: Option<(i64, String, i64, Option<f64>)> = self
            .conn
            .query_row(
                "SELECT id, outcome, started_unix, actual_s FROM sessions
                 WHERE ask_rating = 1 AND rating IS NULL ORDER BY started_unix DESC, id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, outcome, started, actual)) = row else { return Ok(None) };
        let outcome = outcome.parse().map_err(|_| StoreError::UnknownSession(id))?;
        let ended =
            Timestamp::from_second(started + actual.unwrap_or(0.0) as i64).unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(Some((id, outcome, ended)))
    }

    /// Links the check-in taken when a session ended.
    pub fn link_close_checkin(&self, session_id: i64, checkin_id: i64) -> Result<(), StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE sessions SET close_checkin_id = ?1 WHERE id = ?2",
                params![checkin_id, session_id],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::UnknownSession(session_id));
        }
        Ok(())
    }

    /// Ended sessions with a known pack since the last reset, oldest first.
    pub fn learning_rows(&self) -> Result<Vec<LearnRow>, StoreError> {
        let reset_after: i64 = self
            .conn
            .query_row("SELECT reset_after FROM learner WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .unwrap_or(0);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.id, s.outcome, s.pack, s.time_bucket, s.choice, s.rating, s.planned_minutes, s.actual_s,
                        s.stopped_early,
                        o.stress, o.fatigue, o.energy, o.confidence,
                        c.stress, c.fatigue, c.energy, c.confidence
                 FROM sessions s
                 LEFT JOIN checkins o ON o.id = s.checkin_id
                 LEFT JOIN checkins c ON c.id = s.close_checkin_id
                 WHERE s.id > ?1 AND s.ended_at IS NOT NULL AND s.pack IS NOT NULL AND s.time_bucket IS NOT NULL
                 ORDER BY s.started_unix ASC, s.id ASC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([reset_after], |r| {
                Ok(LearnRow {
                    id: r.get(0)?,
                    outcome: parse_outcome(&r.get::<_, String>(1)?, 1)?,
                    pack: r.get(2)?,
                    time_bucket: r.get(3)?,
                    choice: r.get(4)?,
                    rating: r.get(5)?,
                    planned_minutes: r.get(6)?,
                    actual_s: r.get(7)?,
                    stopped_early: r.get::<_, Option<i64>>(8)?.map(|v| v != 0),
                    opening: markers(r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?),
                    closing: markers(r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Stores the learner's model (JSON), keeping the reset point.
    pub fn save_model(&self, model: &serde_json::Value, at: Timestamp) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO learner (id, model, reset_after, updated_at) VALUES (1, ?1, 0, ?2)
                 ON CONFLICT(id) DO UPDATE SET model = excluded.model, updated_at = excluded.updated_at",
                params![model.to_string(), rfc3339(at)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The stored model, if any.
    pub fn load_model(&self) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT model FROM learner WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Starts learning afresh: the sessions stored so far stay in the history (and in exports) but
    /// are no longer learned from; the model is emptied. Returns how many sessions were set aside.
    pub fn reset_model(&self, at: Timestamp) -> Result<u64, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let (max, old): (i64, i64) = tx
            .query_row(
                "SELECT COALESCE((SELECT MAX(id) FROM sessions), 0),
                        COALESCE((SELECT reset_after FROM learner WHERE id = 1), 0)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        let set_aside: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM sessions WHERE id > ?1 AND id <= ?2 AND pack IS NOT NULL",
                params![old, max],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO learner (id, model, reset_after, updated_at) VALUES (1, '{}', ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET model = '{}', reset_after = excluded.reset_after,
                                           updated_at = excluded.updated_at",
            params![max, rfc3339(at)],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(set_aside as u64)
    }

    /// The learner's row for exports: `{"model": ..., "reset_after": id, "updated_at": time}` or null.
    pub fn learner_export(&self) -> Result<serde_json::Value, StoreError> {
        let row: Option<(String, i64, String)> = self
            .conn
            .query_row("SELECT model, reset_after, updated_at FROM learner WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(match row {
            Some((model, reset_after, updated_at)) => serde_json::json!({
                "model": serde_json::from_str::<serde_json::Value>(&model).unwrap_or(serde_json::Value::Null),
                "reset_after": reset_after,
                "updated_at": updated_at,
            }),
            None => serde_json::Value::Null,
        })
    }
}
