//! What can go wrong with the history database, each error naming the file so a person can act on it.

use std::io;
use std::path::PathBuf;

/// Errors from [`crate::Store`]. Every variant that touches the file names its path: "history is broken"
/// without a path leaves the person nowhere to look.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder for the database could not be made (read-only parent, a file in the way...).
    #[error("cannot create the history folder {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },

    /// The database file could not be created, opened or given owner-only permissions.
    #[error("cannot open the history database {path}: {source}")]
    Io { path: PathBuf, source: io::Error },

    /// The file exists but is not a readable SQLite database. Sonora never deletes it by itself: it may be
    /// the person's only copy of their history.
    #[error(
        "the history database {path} is damaged or is not a Sonora database ({detail}); \
         move it aside and Sonora will start a fresh history"
    )]
    Corrupt { path: PathBuf, detail: String },

    /// The file or its folder cannot be written (SQLite needs to write the file and, in WAL mode, create
    /// `-wal` and `-shm` files beside it).
    #[error("the history database {path} cannot be written (is its folder read-only?): {source}")]
    ReadOnly { path: PathBuf, source: rusqlite::Error },

    /// The file was written by a newer Sonora; opening it with this one could lose data.
    #[error(
        "the history database {path} has schema version {found}, newer than this Sonora understands \
         ({supported}); update Sonora"
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },

    /// Any other SQLite failure.
    #[error("history database {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },

    /// A stored row could not be read back (its JSON is not what this version expects).
    #[error("history database {path}: check-in {id} could not be read: {source}")]
    BadRow { path: PathBuf, id: i64, source: serde_json::Error },

    /// `rate_latest_session` with nothing to rate.
    #[error("there is no session to rate yet")]
    NoSession,

    /// A session id that does not exist (or was forgotten).
    #[error("there is no session with id {0}")]
    UnknownSession(i64),

    /// A check-in id that does not exist (or was forgotten).
    #[error("there is no check-in with id {0}")]
    UnknownCheckin(i64),

    /// `end_session` twice for the same session.
    #[error("session {0} has already ended")]
    SessionEnded(i64),

    /// Ratings are 1 to 5.
    #[error("rating {0} is out of range: use 1 to 5")]
    RatingOutOfRange(i64),

    /// Writing an export failed (disk full, closed pipe...).
    #[error("export failed: {0}")]
    Export(#[from] io::Error),
}
