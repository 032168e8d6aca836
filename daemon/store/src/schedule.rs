//! When each schedule entry fired last (schema v4), so restarts never fire an entry twice.

use crate::{Store, StoreError, rfc3339};
use jiff::Timestamp;
use rusqlite::params;
use std::collections::HashMap;

impl Store {
    /// Records that the entry `name` fired for its occurrence at `scheduled_for` (at `at`). A later
    /// occurrence replaces an earlier one; an earlier one never replaces a later one (a clock that
    /// stepped back does not make an entry fire again).
    pub fn set_schedule_fired(
        &self,
        name: &str,
        scheduled_for: Timestamp,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO schedule_fired (entry, scheduled_unix, fired_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(entry) DO UPDATE SET scheduled_unix = excluded.scheduled_unix,
                                                  fired_at = excluded.fired_at
                 WHERE excluded.scheduled_unix > schedule_fired.scheduled_unix",
                params![name, scheduled_for.as_second(), rfc3339(at)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The occurrence each entry fired for last, by entry name.
    pub fn schedule_fired(&self) -> Result<HashMap<String, Timestamp>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entry, scheduled_unix FROM schedule_fired")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for row in rows {
            let (name, unix) = row.map_err(|e| self.err(e))?;
            if let Ok(t) = Timestamp::from_second(unix) {
                out.insert(name, t);
            }
        }
        Ok(out)
    }
}
