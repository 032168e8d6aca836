//! The history store against real SQLite files in temporary folders.

mod common;

use common::report;
use rusqlite::Connection;
use sonora_proto::types::Outcome;
use sonora_store::{
    CSV_FEATURES, CheckinRow, ForgetReport, SCHEMA_VERSION, SessionSource, Store, StoreError, Timestamp,
    migrations,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn open_creates_dirs_file_0600_and_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a/b/history.db");
    let store = Store::open(&db).unwrap();
    store.add_checkin(&report(0.5, true, "x"), ts("2026-03-01T08:00:00Z")).unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    // SQLite gives the WAL the main file's mode.
    let wal = dir.path().join("a/b/history.db-wal");
    assert!(wal.exists(), "WAL file exists while open");
    assert_eq!(mode(&wal), 0o600);
    let raw = Connection::open(&db).unwrap();
    let jm: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(jm, "wal");
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn open_fixes_mode_of_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    drop(Store::open(&db).unwrap());
    fs::set_permissions(&db, fs::Permissions::from_mode(0o644)).unwrap();
    drop(Store::open(&db).unwrap());
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn migrations_from_v0_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    // An empty file is a v0 database.
    fs::write(&db, b"").unwrap();
    let s = Store::open(&db).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    let id = s.add_checkin(&report(0.2, true, "x"), ts("2026-03-01T08:00:00Z")).unwrap();
    drop(s);
    // Opening again changes nothing and keeps data.
    for _ in 0..3 {
        let s = Store::open(&db).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.checkins(None).unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), vec![id]);
    }
}

#[test]
fn migrates_each_older_version_keeping_data() {
    for start in 1..SCHEMA_VERSION as usize {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("history.db");
        let raw = Connection::open(&db).unwrap();
        for sql in &migrations()[..start] {
            raw.execute_batch(sql).unwrap();
        }
        raw.pragma_update(None, "user_version", start as i64).unwrap();
        raw.execute(
            "INSERT INTO checkins (at, at_unix, features, confidence, quality_ok)
             VALUES ('2026-01-01T00:00:00Z', 1767225600, '{\"duration_s\": 5.0}', 0.1, 0)",
            [],
        )
        .unwrap();
        drop(raw);
        let s = Store::open(&db).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let rows = s.checkins(None).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].features["duration_s"], 5.0);
    }
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    Connection::open(&db).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let e = Store::open(&db).unwrap_err();
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e}");
    assert!(e.to_string().contains(&db.display().to_string()));
}

#[test]
fn corrupt_file_is_a_clear_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    fs::write(&db, vec![0x5a_u8; 8192]).unwrap();
    let e = Store::open(&db).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&db.display().to_string()), "{msg}");
    assert!(msg.contains("damaged"), "{msg}");
    // The file is left alone: it may be the only copy of someone's history.
    assert_eq!(fs::read(&db).unwrap(), vec![0x5a_u8; 8192]);
}

#[test]
fn damaged_pages_inside_a_real_database_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    {
        let s = Store::open(&db).unwrap();
        for i in 0..200 {
            s.add_checkin(
                &report(0.5, true, &"pad".repeat(50)),
                Timestamp::from_second(1_700_000_000 + i).unwrap(),
            )
            .unwrap();
        }
    }
    // Closed cleanly: the WAL is checkpointed into the file. Scribble over everything after page 1.
    let mut bytes = fs::read(&db).unwrap();
    assert!(bytes.len() > 8192);
    for b in &mut bytes[4096..] {
        *b = 0xa5;
    }
    fs::write(&db, &bytes).unwrap();
    let e = Store::open(&db).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains(&db.display().to_string()));
}

#[test]
fn read_only_directory_is_a_clear_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    let db = ro.join("history.db");
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    if is_root() {
        // Root ignores directory permissions: try as an unprivileged user in a child process.
        use std::os::unix::process::CommandExt;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new(common::writer_bin())
            .arg(&db)
            .arg("--probe")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{text}");
        assert!(text.contains("cannot open the history database"), "{text}");
        assert!(text.contains(&db.display().to_string()), "{text}");
    } else {
        let e = Store::open(&db).unwrap_err();
        assert!(matches!(e, StoreError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains(&db.display().to_string()));
    }
    // A read-only folder where the folder itself must be created.
    let nested = ro.join("sub").join("history.db");
    if is_root() {
        use std::os::unix::process::CommandExt;
        let out = std::process::Command::new(common::writer_bin())
            .arg(&nested)
            .arg("--probe")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("cannot create the history folder"), "{text}");
        assert!(text.contains(&ro.join("sub").display().to_string()), "{text}");
    } else {
        let e = Store::open(&nested).unwrap_err();
        assert!(matches!(e, StoreError::CreateDir { .. }), "{e:?}");
        assert!(e.to_string().contains(&ro.join("sub").display().to_string()));
    }
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn existing_db_in_read_only_directory_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    let db = ro.join("history.db");
    drop(Store::open(&db).unwrap());
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    if is_root() {
        use std::os::unix::process::CommandExt;
        // The unprivileged user must own the file to get past open(2), so only the folder is in the way.
        std::os::unix::fs::chown(&db, Some(65534), Some(65534)).unwrap();
        let out = std::process::Command::new(common::writer_bin())
            .arg(&db)
            .arg("--probe")
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{text}");
        assert!(text.contains(&db.display().to_string()), "{text}");
        assert!(text.contains("read-only") || text.contains("cannot open"), "{text}");
    } else {
        let e = Store::open(&db).unwrap_err();
        assert!(e.to_string().contains(&db.display().to_string()), "{e}");
    }
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn checkins_sessions_and_ratings() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("h.db")).unwrap();
    assert!(matches!(s.rate_latest_session(3), Err(StoreError::NoSession)));

    let c1 = s.add_checkin(&report(0.8, true, "one"), ts("2026-03-01T08:00:00Z")).unwrap();
    let c2 = s.add_checkin(&report(0.1, false, "two"), ts("2026-03-02T08:00:00Z")).unwrap();
    let c3 = s.add_checkin(&report(0.4, true, "three"), ts("2026-03-03T08:00:00Z")).unwrap();
    assert!(c1 < c2 && c2 < c3);

    let sid = s
        .start_session(
            Outcome::Sleep,
            Some(40),
            SessionSource::Schedule,
            Some(c3),
            ts("2026-03-03T08:01:00Z"),
        )
        .unwrap();
    s.end_session(sid, ts("2026-03-03T08:21:30Z"), true).unwrap();
    assert!(matches!(
        s.end_session(sid, ts("2026-03-03T08:30:00Z"), false),
        Err(StoreError::SessionEnded(_))
    ));
    assert!(matches!(
        s.end_session(999, ts("2026-03-03T08:30:00Z"), false),
        Err(StoreError::UnknownSession(999))
    ));
    assert!(matches!(
        s.start_session(Outcome::Calm, None, SessionSource::Tray, Some(999), ts("2026-03-03T09:00:00Z")),
        Err(StoreError::UnknownCheckin(999))
    ));

    assert!(matches!(s.rate_latest_session(0), Err(StoreError::RatingOutOfRange(0))));
    assert!(matches!(s.rate_latest_session(6), Err(StoreError::RatingOutOfRange(6))));
    assert_eq!(s.rate_latest_session(4).unwrap(), sid);

    // Baseline material: good quality only, newest first, no frames.
    let good = s.recent_good_reports(10).unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!(good[0].quality.reason.as_deref(), Some("three"));
    assert_eq!(good[1].quality.reason.as_deref(), Some("one"));
    assert!(good.iter().all(|r| r.frames.is_none()));
    let mut want = report(0.4, true, "three");
    want.frames = None;
    assert_eq!(good[0], want);
    assert_eq!(s.recent_good_reports(1).unwrap().len(), 1);

    let all = s.checkins(None).unwrap();
    assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c1, c2, c3]);
    assert!(all[1].markers.is_none());
    assert_eq!(all[2].markers.unwrap().stress, 0.4);
    let sess = all[2].session.as_ref().unwrap();
    assert_eq!(
        (sess.id, sess.outcome, sess.actual_s, sess.stopped_early, sess.rating),
        (sid, Outcome::Sleep, Some(1230.0), Some(true), Some(4))
    );
    assert!(all[0].session.is_none());
    assert!(all[0].features.get("frames").is_none());

    let since = s.checkins(Some(ts("2026-03-02T00:00:00Z"))).unwrap();
    assert_eq!(since.iter().map(|c| c.id).collect::<Vec<_>>(), vec![c2, c3]);
    assert_eq!(s.checkin_counts().unwrap(), (3, 2));
    assert_eq!(s.latest_checkin().unwrap().unwrap().id, c3);

    // A check-in taken after a session can be linked to it.
    s.link_checkin(c2, sid).unwrap();
    assert_eq!(s.checkins(None).unwrap()[1].session.as_ref().unwrap().id, sid);
}

#[test]
fn checkin_row_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("h.db")).unwrap();
    let c = s.add_checkin(&report(0.25, true, "shape"), ts("2026-03-01T08:00:00Z")).unwrap();
    s.start_session(Outcome::Focus, Some(25), SessionSource::Manual, Some(c), ts("2026-03-01T08:00:05Z"))
        .unwrap();
    s.add_checkin(&report(0.25, false, "bad"), ts("2026-03-01T09:00:00Z")).unwrap();
    let rows = s.checkins(None).unwrap();
    let v = serde_json::to_value(&rows).unwrap();
    let keys = |o: &serde_json::Value| {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v[0]), ["at", "confidence", "features", "id", "markers", "session"]);
    assert_eq!(keys(&v[0]["markers"]), ["energy", "fatigue", "stress"]);
    assert_eq!(
        keys(&v[0]["session"]),
        ["actual_s", "id", "outcome", "rating", "started_at", "stopped_early"]
    );
    assert_eq!(v[0]["at"], "2026-03-01T08:00:00Z");
    assert_eq!(v[0]["session"]["outcome"], "focus");
    assert!(v[0]["features"].is_object());
    assert_eq!(v[0]["features"]["f0_mean_hz"], 182.5);
    assert!(v[1]["session"].is_null());
    assert!(v[1]["markers"].is_null());
    let back: Vec<CheckinRow> = serde_json::from_value(v).unwrap();
    assert_eq!(back, rows);
}

#[test]
fn export_csv_and_json_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("h.db")).unwrap();
    let c = s.add_checkin(&report(0.5, true, "a, \"quoted\" note"), ts("2026-03-01T08:00:00Z")).unwrap();
    let sid = s
        .start_session(Outcome::Calm, Some(20), SessionSource::Tray, Some(c), ts("2026-03-01T08:00:10Z"))
        .unwrap();
    s.end_session(sid, ts("2026-03-01T08:20:10Z"), false).unwrap();
    s.rate_latest_session(5).unwrap();
    s.add_checkin(&report(0.5, false, "b"), ts("2026-03-02T08:00:00Z")).unwrap();

    let mut csv = Vec::new();
    s.export_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(&header[..2], ["id", "at"]);
    assert_eq!(&header[2..2 + CSV_FEATURES.len()], CSV_FEATURES);
    assert_eq!(
        &header[2 + CSV_FEATURES.len()..],
        ["quality_ok", "stress", "fatigue", "energy", "confidence", "session_outcome", "session_rating"]
    );
    for l in &lines[1..] {
        assert_eq!(l.split(',').count(), header.len(), "{l}");
    }
    let r1: Vec<&str> = lines[1].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(r1[col("at")], "2026-03-01T08:00:00Z");
    assert_eq!(r1[col("f0_mean_hz")], "182.5");
    assert_eq!(r1[col("sample_rate")], "16000");
    assert_eq!(r1[col("spectral_centroid_hz")], "");
    assert_eq!(r1[col("stress")], "0.5");
    assert_eq!(r1[col("session_outcome")], "calm");
    assert_eq!(r1[col("session_rating")], "5");
    let r2: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(r2[col("quality_ok")], "false");
    assert_eq!(r2[col("stress")], "");
    assert_eq!(r2[col("session_outcome")], "");
    // No raw audio, no frames, no free text in the CSV.
    assert!(!csv.contains("quoted"));

    let mut json = Vec::new();
    s.export_json(&mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["checkins", "learner", "sessions"]);
    assert_eq!(v["learner"], serde_json::Value::Null, "no model before anything was learned");
    assert_eq!(v["checkins"].as_array().unwrap().len(), 2);
    let sess = &v["sessions"][0];
    assert_eq!(sess["id"], sid);
    assert_eq!(sess["source"], "tray");
    assert_eq!(sess["planned_minutes"], 20);
    assert_eq!(sess["actual_s"], 1200.0);
    assert_eq!(sess["stopped_early"], false);
    assert_eq!(sess["rating"], 5);
    assert_eq!(sess["checkin_id"], c);
    assert_eq!(sess["ended_at"], "2026-03-01T08:20:10Z");
}

fn file_contains(path: &Path, needle: &[u8]) -> bool {
    match fs::read(path) {
        Ok(bytes) => bytes.windows(needle.len()).any(|w| w == needle),
        Err(_) => false,
    }
}

fn db_files_contain(db: &Path, needle: &[u8]) -> bool {
    let s = db.display().to_string();
    [s.clone(), format!("{s}-wal"), format!("{s}-journal")]
        .iter()
        .any(|p| file_contains(Path::new(p), needle))
}

#[test]
fn forget_all_removes_bytes_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let s = Store::open(&db).unwrap();
    let tag = "Zq7-DISTINCTIVE-forget-all-7qZ";
    for i in 0..50 {
        let c = s
            .add_checkin(&report(0.5, true, tag), Timestamp::from_second(1_770_000_000 + i).unwrap())
            .unwrap();
        s.start_session(
            Outcome::Calm,
            Some(5),
            SessionSource::Mpris,
            Some(c),
            Timestamp::from_second(1_770_000_000 + i).unwrap(),
        )
        .unwrap();
    }
    // Force the data into the main file too, so both places are tested.
    drop(s);
    let s = Store::open(&db).unwrap();
    s.add_checkin(&report(0.5, true, tag), ts("2026-03-05T00:00:00Z")).unwrap();
    assert!(db_files_contain(&db, tag.as_bytes()));
    let r = s.forget_all().unwrap();
    assert_eq!(r, ForgetReport { checkins: 51, sessions: 50 });
    assert!(!db_files_contain(&db, tag.as_bytes()), "forgotten data still in the file");
    assert!(s.checkins(None).unwrap().is_empty());
    assert!(s.sessions(None).unwrap().is_empty());
    // Ids are not reused after forgetting.
    let next = s.add_checkin(&report(0.5, true, "after"), ts("2026-03-06T00:00:00Z")).unwrap();
    assert!(next > 51);
    drop(s);
    assert!(!db_files_contain(&db, tag.as_bytes()));
}

#[test]
fn forget_before_keeps_newer_and_purges_older() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let s = Store::open(&db).unwrap();
    let old_tag = "Old-Q9x-DISTINCTIVE";
    let new_tag = "New-K2w-DISTINCTIVE";
    let old = s.add_checkin(&report(0.5, true, old_tag), ts("2026-01-01T08:00:00Z")).unwrap();
    let old_s = s
        .start_session(
            Outcome::Sleep,
            Some(30),
            SessionSource::Schedule,
            Some(old),
            ts("2026-01-01T08:01:00Z"),
        )
        .unwrap();
    let newer = s.add_checkin(&report(0.5, true, new_tag), ts("2026-02-01T08:00:00Z")).unwrap();
    // A new check-in linked to an old session: the link goes null, the check-in stays.
    s.link_checkin(newer, old_s).unwrap();
    let r = s.forget_before(ts("2026-01-15T00:00:00Z")).unwrap();
    assert_eq!(r, ForgetReport { checkins: 1, sessions: 1 });
    let rows = s.checkins(None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, newer);
    assert!(rows[0].session.is_none());
    assert!(!db_files_contain(&db, old_tag.as_bytes()));
    assert!(db_files_contain(&db, new_tag.as_bytes()));
}

#[test]
fn sparkline_for_history() {
    assert_eq!(sonora_store::sparkline(&[0.1, 0.5, 0.9]), "▁▅█");
    assert_eq!(sonora_store::sparkline_range(&[0.0, 1.0], 0.0, 1.0), "▁█");
}

#[test]
fn store_is_send_and_two_handles_share_the_file() {
    fn assert_send<T: Send>() {}
    assert_send::<Store>();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let daemon = Store::open(&db).unwrap();
    let ctl = Store::open(&db).unwrap();
    let id = daemon.add_checkin(&report(0.3, true, "x"), ts("2026-03-01T08:00:00Z")).unwrap();
    assert_eq!(ctl.checkins(None).unwrap()[0].id, id);
    let t =
        std::thread::spawn(move || daemon.add_checkin(&report(0.3, true, "y"), ts("2026-03-01T09:00:00Z")));
    t.join().unwrap().unwrap();
    assert_eq!(ctl.checkin_counts().unwrap(), (2, 2));
}

/// Schema v4: a v3 history (with data) gains the schedule_fired table, keeps its rows, and the table
/// keeps the latest occurrence per entry (an older one never replaces it).
#[test]
fn v3_to_v4_adds_schedule_fired_and_keeps_the_latest_occurrence() {
    assert_eq!(SCHEMA_VERSION, 4);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let raw = Connection::open(&db).unwrap();
    for sql in &migrations()[..3] {
        raw.execute_batch(sql).unwrap();
    }
    raw.pragma_update(None, "user_version", 3i64).unwrap();
    raw.execute(
        "INSERT INTO sessions (started_at, started_unix, outcome, source, pack)
         VALUES ('2026-01-01T00:00:00Z', 1767225600, 'sleep', 'schedule', 'night')",
        [],
    )
    .unwrap();
    let has_table = |c: &Connection| -> bool {
        c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schedule_fired'", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
            == 1
    };
    assert!(!has_table(&raw), "v3 has no schedule_fired table");
    drop(raw);

    let s = Store::open(&db).unwrap();
    assert_eq!(s.schema_version().unwrap(), 4);
    assert_eq!(s.sessions(None).unwrap()[0].pack.as_deref(), Some("night"), "v3 data kept");
    assert!(s.schedule_fired().unwrap().is_empty());
    let at = ts("2026-11-27T21:30:05Z");
    s.set_schedule_fired("wind-down", ts("2026-11-27T21:30:00Z"), at).unwrap();
    s.set_schedule_fired("focus", ts("2026-11-27T09:00:00Z"), at).unwrap();
    // An older occurrence (a clock stepped back) does not replace the newer one.
    s.set_schedule_fired("wind-down", ts("2026-11-26T21:30:00Z"), at).unwrap();
    drop(s);
    let s = Store::open(&db).unwrap();
    let fired = s.schedule_fired().unwrap();
    assert_eq!(fired.len(), 2);
    assert_eq!(fired["wind-down"], ts("2026-11-27T21:30:00Z"));
    s.set_schedule_fired("wind-down", ts("2026-11-28T21:30:00Z"), at).unwrap();
    assert_eq!(s.schedule_fired().unwrap()["wind-down"], ts("2026-11-28T21:30:00Z"));
    assert!(has_table(&Connection::open(&db).unwrap()));
}
