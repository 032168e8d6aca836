//! Sonora's history: check-ins and sessions in one SQLite file on the person's own machine.
//!
//! Privacy: only derived numbers are stored (the analyser's [`VoiceReport`] without its per-frame pitch
//! track), never audio. Nothing here talks to the network. The file is owner-only (mode 0600) and
//! [`Store::forget_all`] / [`Store::forget_before`] really remove data from the file (secure delete, then
//! `VACUUM` and a WAL checkpoint that truncates the log), not just mark it deleted.
//!
//! Durability: the database runs in WAL mode with `synchronous=NORMAL`. In that combination a transaction
//! that has committed is in the WAL file (in the OS page cache at least) before the call returns, so it
//! survives the daemon being killed (`kill -9`, a crash, an OOM kill): the next open replays the WAL. Only
//! a power cut or kernel crash can lose the last few commits, and even then the file stays consistent.
//! That trade-off is right for a wellbeing history: no fsync per check-in, no risk of a broken file.
//! `tests/durability.rs` kills a writer with SIGKILL at random points to hold us to this.
//!
//! A [`Store`] wraps one connection and is `Send` but not `Sync`: the daemon keeps it behind a mutex or on
//! one task. Several processes may open the same file (for example `sonoractl` reading while the daemon
//! writes); `busy_timeout` makes them wait for each other instead of failing.

mod error;
mod export;
mod learner;
mod schedule;
mod sparkline;

pub use error::StoreError;
pub use export::CSV_FEATURES;
pub use jiff::Timestamp;
pub use learner::{LearnRow, SessionScene};
pub use sparkline::{sparkline, sparkline_range};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sonora_proto::types::{Markers, Outcome, VoiceReport};
use std::fmt;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// How long one connection waits for another's lock before giving up. Writes are tiny, so anything
/// longer than a moment means something is stuck; five seconds leaves room for a slow disk.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema migrations, in order. Entry `i` takes the database from version `i` to `i + 1`
/// (`PRAGMA user_version`). Each runs in its own transaction together with the version bump, so a crash
/// mid-migration leaves the previous version intact. Never edit an entry that has shipped: append one.
const MIGRATIONS: &[&str] = &[
    // v1: the two tables. Ids are AUTOINCREMENT so an id is never reused after a forget: an id printed
    // in an old export or log never names a different check-in later.
    "CREATE TABLE checkins (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT    NOT NULL,            -- RFC 3339, UTC, whole seconds
        at_unix     INTEGER NOT NULL,            -- the same instant, seconds since the epoch
        features    TEXT    NOT NULL,            -- JSON: the full VoiceReport minus frames
        stress      REAL,                        -- markers, null when quality was not ok
        fatigue     REAL,
        energy      REAL,
        confidence  REAL    NOT NULL,
        quality_ok  INTEGER NOT NULL CHECK (quality_ok IN (0, 1)),
        session_id  INTEGER REFERENCES sessions(id) ON DELETE SET NULL
    );
    CREATE TABLE sessions (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at      TEXT    NOT NULL,
        started_unix    INTEGER NOT NULL,
        ended_at        TEXT,
        outcome         TEXT    NOT NULL CHECK (outcome IN ('calm', 'focus', 'sleep')),
        planned_minutes INTEGER,
        actual_s        REAL,
        stopped_early   INTEGER CHECK (stopped_early IN (0, 1)),
        source          TEXT    NOT NULL CHECK (source IN ('manual', 'schedule', 'tray', 'mpris')),
        rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
        checkin_id      INTEGER REFERENCES checkins(id) ON DELETE SET NULL
    );",
    // v2: history and forget-before query by time.
    "CREATE INDEX checkins_at_unix ON checkins(at_unix);
     CREATE INDEX sessions_started_unix ON sessions(started_unix);
     CREATE INDEX checkins_session ON checkins(session_id);
     CREATE INDEX sessions_checkin ON sessions(checkin_id);",
    // v3 (issue 15, learning from ratings): what each session played and why, the check-in taken at
    // its end, whether it still owes a "did that help?" question, and the learner's model. Older
    // sessions keep nulls in the new columns and are simply not used for learning.
    "ALTER TABLE sessions ADD COLUMN pack TEXT;                 -- the pack that played
     ALTER TABLE sessions ADD COLUMN layers TEXT;               -- JSON [{name, volume, muted}] at the start
     ALTER TABLE sessions ADD COLUMN seed TEXT;                 -- the scene seed (u64, decimal)
     ALTER TABLE sessions ADD COLUMN time_bucket TEXT;          -- morning/afternoon/evening/night, local
     ALTER TABLE sessions ADD COLUMN choice TEXT;               -- learned, rotation or explicit
     ALTER TABLE sessions ADD COLUMN close_checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL;
     ALTER TABLE sessions ADD COLUMN ask_rating INTEGER;        -- 1: ask 'did that help?' next time
     CREATE TABLE learner (
         id          INTEGER PRIMARY KEY CHECK (id = 1),
         model       TEXT    NOT NULL,               -- JSON, the learner's current model
         reset_after INTEGER NOT NULL DEFAULT 0,     -- sessions up to this id are not learned from
         updated_at  TEXT    NOT NULL
     );",
    // v4 (issue 17, restarts never double-fire): per schedule entry, the occurrence that fired last,
    // so a daemon restarted (or crashed and restarted) inside the grace window does not fire it again.
    // Keyed by the entry's name, as the config names it; not personal history, so forget keeps it.
    "CREATE TABLE schedule_fired (
         entry          TEXT    PRIMARY KEY,
         scheduled_unix INTEGER NOT NULL,          -- the occurrence that fired, seconds since the epoch
         fired_at       TEXT    NOT NULL           -- when it fired (RFC 3339, UTC), for people reading the file
     );",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The migration SQL, exposed so tests can build a database at an older version by hand.
#[doc(hidden)]
pub fn migrations() -> &'static [&'static str] {
    MIGRATIONS
}

/// What started a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionSource {
    Manual,
    Schedule,
    Tray,
    Mpris,
}

impl SessionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionSource::Manual => "manual",
            SessionSource::Schedule => "schedule",
            SessionSource::Tray => "tray",
            SessionSource::Mpris => "mpris",
        }
    }
}

impl fmt::Display for SessionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown session source string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown session source '{0}' (expected manual, schedule, tray or mpris)")]
pub struct UnknownSource(pub String);

impl FromStr for SessionSource {
    type Err = UnknownSource;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "manual" => Ok(SessionSource::Manual),
            "schedule" => Ok(SessionSource::Schedule),
            "tray" => Ok(SessionSource::Tray),
            "mpris" => Ok(SessionSource::Mpris),
            _ => Err(UnknownSource(s.to_string())),
        }
    }
}

/// The session a check-in belongs to, as shown next to the check-in in history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: i64,
    pub outcome: Outcome,
    pub started_at: String,
    /// Seconds actually played; null while the session runs.
    pub actual_s: Option<f64>,
    /// Null while the session runs.
    pub stopped_early: Option<bool>,
    pub rating: Option<u8>,
}

/// One check-in as `sonoractl history --json` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinRow {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The analyser's report (without per-frame pitch): a JSON object.
    pub features: serde_json::Value,
    /// Null when the sample's quality was not good enough for a reading.
    pub markers: Option<Markers>,
    pub confidence: f64,
    pub session: Option<SessionSummary>,
}

/// One session, as exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub id: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub outcome: Outcome,
    pub planned_minutes: Option<u32>,
    pub actual_s: Option<f64>,
    pub stopped_early: Option<bool>,
    pub source: SessionSource,
    pub rating: Option<u8>,
    pub checkin_id: Option<i64>,
    /// The pack that played (null for sessions recorded before schema v3 or without sound).
    #[serde(default)]
    pub pack: Option<String>,
    /// The layers and their volumes at the start (JSON array), when known.
    #[serde(default)]
    pub layers: Option<serde_json::Value>,
    /// The scene seed, as decimal text (a u64 does not fit every JSON reader).
    #[serde(default)]
    pub seed: Option<String>,
    /// morning, afternoon, evening or night (local time when it started).
    #[serde(default)]
    pub time_bucket: Option<String>,
    /// How the pack was chosen: learned, rotation or explicit.
    #[serde(default)]
    pub choice: Option<String>,
    /// The check-in taken when it ended, if any.
    #[serde(default)]
    pub close_checkin_id: Option<i64>,
}

/// How much a forget removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ForgetReport {
    pub checkins: u64,
    pub sessions: u64,
}

/// The history database. See the crate docs for durability and privacy.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Whole seconds, UTC, `Z`: sorts as text, reads as a time, and is what the protocol's RFC 3339 fields use.
fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn bool_opt(v: Option<i64>) -> Option<bool> {
    v.map(|v| v != 0)
}

fn parse_outcome(s: &str, col: usize) -> rusqlite::Result<Outcome> {
    s.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e)))
}

fn parse_source(s: &str, col: usize) -> rusqlite::Result<SessionSource> {
    s.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e)))
}

impl Store {
    /// Opens (creating if needed) the history database at `path`.
    ///
    /// Creates missing parent folders (mode 0700), creates the file with mode 0600 and tightens an
    /// existing file to 0600 (history is personal). Turns on WAL, `synchronous=NORMAL`, foreign keys,
    /// secure delete and a busy timeout, runs a quick integrity check and applies pending migrations.
    /// A damaged file gives [`StoreError::Corrupt`]; a folder that cannot be written gives
    /// [`StoreError::ReadOnly`], [`StoreError::Io`] or [`StoreError::CreateDir`], all naming the path.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| StoreError::CreateDir { path: dir.to_path_buf(), source })?;
        }
        // Create the file ourselves so it is born 0600; SQLite gives its -wal and -shm files the main
        // file's mode, so they are owner-only too.
        let io_err = |source| StoreError::Io { path: path.clone(), source };
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false) // an existing history is kept, never emptied
            .mode(0o600)
            .open(&path)
            .map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if meta.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(io_err)?;
        }
        drop(file);

        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags).map_err(|e| classify(&path, e))?;
        let mut store = Store { conn, path };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let c = &self.conn;
        let cl = |e| classify(&path, e);
        c.busy_timeout(BUSY_TIMEOUT).map_err(cl)?;
        // The first statement that reads the file: a damaged or foreign file fails here.
        let mode: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(cl)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt {
                path: path.clone(),
                detail: format!("could not switch to WAL journal mode (got '{mode}')"),
            });
        }
        c.pragma_update(None, "synchronous", "NORMAL").map_err(cl)?;
        c.pragma_update(None, "foreign_keys", "ON").map_err(cl)?;
        // Overwrite deleted content with zeros so "forget" does not leave readable bytes in free pages.
        c.pragma_update(None, "secure_delete", "ON").map_err(cl)?;
        // A quick structural check on open: the history is small, and a clear "damaged" error at start
        // beats a puzzling failure halfway through a session.
        let check: String = c.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)).map_err(cl)?;
        if check != "ok" {
            return Err(StoreError::Corrupt { path, detail: check });
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let cl = |e| classify(&path, e);
        let found: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(cl)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path, found, supported: SCHEMA_VERSION });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            let tx = self.conn.transaction().map_err(cl)?;
            tx.execute_batch(sql).map_err(cl)?;
            // user_version lives in the file header and is written inside the same transaction.
            tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(cl)?;
            tx.commit().map_err(cl)?;
        }
        Ok(())
    }

    /// The file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (equal to [`SCHEMA_VERSION`] after a successful open).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        classify(&self.path, e)
    }

    /// Records a check-in and returns its id. When this returns, the row is committed (see the crate
    /// docs on durability). Per-frame pitch (`frames`) is dropped: it is bulky and not needed later.
    pub fn add_checkin(&self, report: &VoiceReport, at: Timestamp) -> Result<i64, StoreError> {
        let mut features = serde_json::to_value(report).expect("VoiceReport serialises");
        if let Some(obj) = features.as_object_mut() {
            obj.remove("frames");
        }
        let m = report.markers;
        self.conn
            .execute(
                "INSERT INTO checkins (at, at_unix, features, stress, fatigue, energy, confidence, quality_ok)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    rfc3339(at),
                    at.as_second(),
                    features.to_string(),
                    m.map(|m| m.stress),
                    m.map(|m| m.fatigue),
                    m.map(|m| m.energy),
                    report.confidence,
                    report.quality.ok,
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the start of a session and returns its id. A `checkin_id` (the check-in that led to it)
    /// is linked both ways, so the check-in's history row shows this session.
    pub fn start_session(
        &self,
        outcome: Outcome,
        planned_minutes: Option<u32>,
        source: SessionSource,
        checkin_id: Option<i64>,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        if let Some(c) = checkin_id {
            let exists: Option<i64> = tx
                .query_row("SELECT id FROM checkins WHERE id = ?1", [c], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if exists.is_none() {
                return Err(StoreError::UnknownCheckin(c));
            }
        }
        tx.execute(
            "INSERT INTO sessions (started_at, started_unix, outcome, planned_minutes, source, checkin_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                rfc3339(at),
                at.as_second(),
                outcome.as_str(),
                planned_minutes,
                source.as_str(),
                checkin_id
            ],
        )
        .map_err(|e| self.err(e))?;
        let id = tx.last_insert_rowid();
        if let Some(c) = checkin_id {
            tx.execute("UPDATE checkins SET session_id = ?1 WHERE id = ?2", params![id, c])
                .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Links a check-in to a session after the fact (for example a check-in taken at a session's end).
    pub fn link_checkin(&self, checkin_id: i64, session_id: i64) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let s: Option<i64> = tx
            .query_row("SELECT id FROM sessions WHERE id = ?1", [session_id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        if s.is_none() {
            return Err(StoreError::UnknownSession(session_id));
        }
        let n = tx
            .execute("UPDATE checkins SET session_id = ?1 WHERE id = ?2", params![session_id, checkin_id])
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(StoreError::UnknownCheckin(checkin_id));
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Records the end of a session: end time, seconds actually played (never negative, even if the
    /// clock stepped back) and whether the person stopped it before its planned end.
    pub fn end_session(&self, id: i64, at: Timestamp, stopped_early: bool) -> Result<(), StoreError> {
        let row: Option<(i64, Option<String>)> = self
            .conn
            .query_row("SELECT started_unix, ended_at FROM sessions WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| self.err(e))?;
        let (started, ended) = row.ok_or(StoreError::UnknownSession(id))?;
        if ended.is_some() {
            return Err(StoreError::SessionEnded(id));
        }
        let actual = (at.as_second() - started).max(0) as f64;
        self.conn
            .execute(
                "UPDATE sessions SET ended_at = ?1, actual_s = ?2, stopped_early = ?3 WHERE id = ?4",
                params![rfc3339(at), actual, stopped_early, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Rates the most recently started session (1 to 5) and returns its id. Rating again overwrites:
    /// people change their minds.
    pub fn rate_latest_session(&self, rating: i64) -> Result<i64, StoreError> {
        if !(1..=5).contains(&rating) {
            return Err(StoreError::RatingOutOfRange(rating));
        }
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM sessions ORDER BY started_unix DESC, id DESC LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        let id = id.ok_or(StoreError::NoSession)?;
        self.conn
            .execute("UPDATE sessions SET rating = ?1, ask_rating = NULL WHERE id = ?2", params![rating, id])
            .map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Up to `n` check-ins whose quality was ok, newest first, as the analyser's reports (without
    /// frames): the material for the personal baseline.
    pub fn recent_good_reports(&self, n: usize) -> Result<Vec<VoiceReport>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, features FROM checkins WHERE quality_ok = 1
                 ORDER BY at_unix DESC, id DESC LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([n.min(i64::MAX as usize) as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, json) = row.map_err(|e| self.err(e))?;
            let report = serde_json::from_str(&json).map_err(|source| StoreError::BadRow {
                path: self.path.clone(),
                id,
                source,
            })?;
            out.push(report);
        }
        Ok(out)
    }

    /// Check-ins at or after `since` (all when `None`), oldest first so a history reads left to right.
    pub fn checkins(&self, since: Option<Timestamp>) -> Result<Vec<CheckinRow>, StoreError> {
        let since = since.map(|t| t.as_second()).unwrap_or(i64::MIN);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.at, c.features, c.stress, c.fatigue, c.energy, c.confidence,
                        s.id, s.outcome, s.started_at, s.actual_s, s.stopped_early, s.rating
                 FROM checkins c LEFT JOIN sessions s ON s.id = c.session_id
                 WHERE c.at_unix >= ?1
                 ORDER BY c.at_unix ASC, c.id ASC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                let markers = match (r.get::<_, Option<f64>>(3)?, r.get(4)?, r.get(5)?) {
                    (Some(stress), Some(fatigue), Some(energy)) => Some(Markers { stress, fatigue, energy }),
                    _ => None,
                };
                let session = match r.get::<_, Option<i64>>(7)? {
                    Some(id) => Some(SessionSummary {
                        id,
                        outcome: parse_outcome(&r.get::<_, String>(8)?, 8)?,
                        started_at: r.get(9)?,
                        actual_s: r.get(10)?,
                        stopped_early: bool_opt(r.get(11)?),
                        rating: r.get(12)?,
                    }),
                    None => None,
                };
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    markers,
                    r.get(6)?,
                    session,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, features, markers, confidence, session) = row.map_err(|e| self.err(e))?;
            let features = serde_json::from_str(&features).map_err(|source| StoreError::BadRow {
                path: self.path.clone(),
                id,
                source,
            })?;
            out.push(CheckinRow { id, at, features, markers, confidence, session });
        }
        Ok(out)
    }

    /// Sessions started at or after `since` (all when `None`), oldest first.
    pub fn sessions(&self, since: Option<Timestamp>) -> Result<Vec<SessionRow>, StoreError> {
        let since = since.map(|t| t.as_second()).unwrap_or(i64::MIN);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, started_at, ended_at, outcome, planned_minutes, actual_s, stopped_early, source,
                        rating, checkin_id, pack, layers, seed, time_bucket, choice, close_checkin_id
                 FROM sessions WHERE started_unix >= ?1 ORDER BY started_unix ASC, id ASC",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok(SessionRow {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    ended_at: r.get(2)?,
                    outcome: parse_outcome(&r.get::<_, String>(3)?, 3)?,
                    planned_minutes: r.get(4)?,
                    actual_s: r.get(5)?,
                    stopped_early: bool_opt(r.get(6)?),
                    source: parse_source(&r.get::<_, String>(7)?, 7)?,
                    rating: r.get(8)?,
                    checkin_id: r.get(9)?,
                    pack: r.get(10)?,
                    layers: r.get::<_, Option<String>>(11)?.and_then(|j| serde_json::from_str(&j).ok()),
                    seed: r.get(12)?,
                    time_bucket: r.get(13)?,
                    choice: r.get(14)?,
                    close_checkin_id: r.get(15)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The newest check-in, if any (for the status line's last markers).
    pub fn latest_checkin(&self) -> Result<Option<CheckinRow>, StoreError> {
        let id: Option<(i64, i64)> = self
            .conn
            .query_row("SELECT id, at_unix FROM checkins ORDER BY at_unix DESC, id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, at)) = id else { return Ok(None) };
        let since = Timestamp::from_second(at).unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(self.checkins(Some(since))?.into_iter().find(|c| c.id == id))
    }

    /// How many check-ins are stored, and how many of them had good quality.
    pub fn checkin_counts(&self) -> Result<(u64, u64), StoreError> {
        self.conn
            .query_row("SELECT COUNT(*), COALESCE(SUM(quality_ok), 0) FROM checkins", [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.err(e))
    }

    /// Deletes every check-in and session and the learner's model, then purges them from the file (see [`Store::purge`]).
    pub fn forget_all(&self) -> Result<ForgetReport, StoreError> {
        self.conn.execute("DELETE FROM learner", []).map_err(|e| self.err(e))?;
        self.forget_where(i64::MAX)
    }

    /// Deletes check-ins taken and sessions started strictly before `before`, then purges them from the
    /// file. Links from newer rows to deleted ones become null.
    pub fn forget_before(&self, before: Timestamp) -> Result<ForgetReport, StoreError> {
        self.forget_where(before.as_second())
    }

    fn forget_where(&self, before_unix: i64) -> Result<ForgetReport, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let checkins =
            tx.execute("DELETE FROM checkins WHERE at_unix < ?1", [before_unix]).map_err(|e| self.err(e))?;
        let sessions = tx
            .execute("DELETE FROM sessions WHERE started_unix < ?1", [before_unix])
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        self.purge()?;
        Ok(ForgetReport { checkins: checkins as u64, sessions: sessions as u64 })
    }

    /// Makes deleted data leave the file: `VACUUM` rewrites the database without free pages, then a
    /// `TRUNCATE` checkpoint copies the WAL back and cuts the `-wal` file to zero bytes, so no old page
    /// image survives there either. If another process holds a read transaction the checkpoint waits up
    /// to the busy timeout, then reports [`StoreError::Sqlite`] (the rows are deleted either way).
    pub fn purge(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("VACUUM").map_err(|e| self.err(e))?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if busy != 0 {
            return Err(self.err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some(
                    "another process is reading the history; old data stays in the WAL until it stops".into(),
                ),
            )));
        }
        Ok(())
    }
}

/// Turns a SQLite error into the variant a person can act on.
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path, detail: e.to_string() }
        }
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::ReadOnly { path, source: e }
        }
        _ => StoreError::Sqlite { path, source: e },
    }
}
