//! The learner's part of the history (schema v3, issue 15) against real SQLite files.

mod common;

use common::report;
use rusqlite::Connection;
use sonora_proto::types::Outcome;
use sonora_store::{SCHEMA_VERSION, SessionScene, SessionSource, Store, Timestamp, migrations};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn scene(pack: &str) -> SessionScene {
    SessionScene {
        pack: pack.into(),
        layers: serde_json::json!([{"name": "waves", "volume": 0.8, "muted": false}]),
        seed: u64::MAX - 3,
        time_bucket: "evening".into(),
        choice: "rotation".into(),
    }
}

/// A history written by the schema that shipped before this one (v2), with a rated session linked
/// to a check-in, opens under v3 (and later versions) with every row kept and the new columns empty.
#[test]
fn migrates_a_v2_history_keeping_sessions_and_ratings() {
    const { assert!(SCHEMA_VERSION >= 3) };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let raw = Connection::open(&db).unwrap();
    for sql in &migrations()[..2] {
        raw.execute_batch(sql).unwrap();
    }
    raw.pragma_update(None, "user_version", 2).unwrap();
    raw.execute_batch(
        "INSERT INTO checkins (at, at_unix, features, stress, fatigue, energy, confidence, quality_ok)
           VALUES ('2026-01-01T20:00:00Z', 1767297600, '{\"duration_s\": 5.0}', 0.7, 0.3, 0.5, 0.8, 1);
         INSERT INTO sessions (started_at, started_unix, ended_at, outcome, planned_minutes, actual_s,
                               stopped_early, source, rating, checkin_id)
           VALUES ('2026-01-01T20:00:10Z', 1767297610, '2026-01-01T20:20:10Z', 'calm', 20, 1200.0, 0, 'manual', 4, 1);
         UPDATE checkins SET session_id = 1;",
    )
    .unwrap();
    drop(raw);

    let s = Store::open(&db).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let sessions = s.sessions(None).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        (sessions[0].rating, sessions[0].checkin_id, sessions[0].actual_s),
        (Some(4), Some(1), Some(1200.0))
    );
    assert_eq!((sessions[0].pack.as_ref(), sessions[0].choice.as_ref()), (None, None));
    assert_eq!(s.checkins(None).unwrap()[0].session.as_ref().unwrap().rating, Some(4));
    // Old sessions have no pack: nothing to learn from them, and nothing breaks.
    assert!(s.learning_rows().unwrap().is_empty());
    assert_eq!(s.load_model().unwrap(), None);
    // The new columns work on the migrated file.
    s.set_session_scene(1, &scene("shore")).unwrap();
    let rows = s.learning_rows().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].rating, Some(4));
    assert_eq!(rows[0].opening.unwrap().0.stress, 0.7);
    assert_eq!(rows[0].opening.unwrap().1, 0.8);
}

#[test]
fn scene_rating_question_and_closing_checkin() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("h.db")).unwrap();
    let open = s.add_checkin(&report(0.8, true, "a"), ts("2026-03-01T20:00:00Z")).unwrap();
    let id = s
        .start_session(
            Outcome::Sleep,
            Some(30),
            SessionSource::Manual,
            Some(open),
            ts("2026-03-01T20:00:05Z"),
        )
        .unwrap();
    s.set_session_scene(id, &scene("night")).unwrap();
    assert!(s.learning_rows().unwrap().is_empty(), "a running session is not learned from");
    s.end_session(id, ts("2026-03-01T20:30:05Z"), false).unwrap();
    s.set_ask_rating(id, true).unwrap();
    let (pid, outcome, ended) = s.pending_rating().unwrap().unwrap();
    assert_eq!((pid, outcome, ended), (id, Outcome::Sleep, ts("2026-03-01T20:30:05Z")));
    let close = s.add_checkin(&report(0.2, true, "b"), ts("2026-03-01T20:30:30Z")).unwrap();
    s.link_close_checkin(id, close).unwrap();
    s.rate_session(id, 5).unwrap();
    assert_eq!(s.pending_rating().unwrap(), None, "an answer clears the question");
    let row = &s.learning_rows().unwrap()[0];
    assert_eq!((row.pack.as_str(), row.time_bucket.as_str(), row.rating), ("night", "evening", Some(5)));
    assert_eq!(row.closing.unwrap().0.stress, 0.2);
    let exported = &s.sessions(None).unwrap()[0];
    assert_eq!(exported.seed.as_deref(), Some((u64::MAX - 3).to_string().as_str()));
    assert_eq!(exported.layers.as_ref().unwrap()[0]["name"], "waves");
    assert_eq!(exported.close_checkin_id, Some(close));
    assert!(s.rate_session(id + 10, 3).is_err());
    assert!(s.rate_session(id, 6).is_err());
}

#[test]
fn model_is_exported_reset_and_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("h.db")).unwrap();
    let id = s
        .start_session(Outcome::Calm, Some(20), SessionSource::Manual, None, ts("2026-03-01T08:00:00Z"))
        .unwrap();
    s.set_session_scene(id, &scene("shore")).unwrap();
    s.end_session(id, ts("2026-03-01T08:20:00Z"), false).unwrap();
    s.rate_session(id, 5).unwrap();
    s.save_model(&serde_json::json!({"arms": [{"pack": "shore"}]}), ts("2026-03-01T08:21:00Z")).unwrap();
    let mut json = Vec::new();
    s.export_json(&mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["learner"]["model"]["arms"][0]["pack"], "shore");
    assert_eq!(v["learner"]["reset_after"], 0);

    // Reset: the history stays, but is no longer learned from.
    assert_eq!(s.reset_model(ts("2026-03-02T08:00:00Z")).unwrap(), 1);
    assert_eq!(s.load_model().unwrap(), Some(serde_json::json!({})));
    assert!(s.learning_rows().unwrap().is_empty());
    assert_eq!(s.sessions(None).unwrap().len(), 1);
    let id2 = s
        .start_session(Outcome::Calm, Some(20), SessionSource::Manual, None, ts("2026-03-02T08:00:00Z"))
        .unwrap();
    s.set_session_scene(id2, &scene("hearth")).unwrap();
    s.end_session(id2, ts("2026-03-02T08:20:00Z"), true).unwrap();
    let rows = s.learning_rows().unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id2]);
    assert_eq!(rows[0].stopped_early, Some(true));

    // Forget everything: the model goes too.
    s.save_model(&serde_json::json!({"arms": []}), ts("2026-03-02T08:21:00Z")).unwrap();
    s.forget_all().unwrap();
    assert_eq!(s.load_model().unwrap(), None);
    assert_eq!(s.learner_export().unwrap(), serde_json::Value::Null);
}
