//! History commands of the core: sessions recorded as they start and end, and the person's
//! own view of what is stored (history, rate, export, forget).

use super::{CallResult, Core, Session, to_value};
use sonora_proto::command::{ExportArgs, ExportFormat, ForgetArgs, HistoryArgs, RateArgs};
use sonora_proto::{ErrorBody, ErrorCode};
use sonora_store::{SessionSource, Store};
use std::time::Duration;

/// A check-in this recent counts as the one that shaped a session.
const CHECKIN_SHAPES_SESSION: Duration = Duration::from_secs(30 * 60);

impl Core {
    fn store(&self) -> Result<&Store, ErrorBody> {
        self.store.as_ref().ok_or_else(|| {
            ErrorBody::new(
                ErrorCode::Storage,
                format!(
                    "the history is unavailable: {}",
                    self.store_error.as_deref().unwrap_or("not opened")
                ),
            )
        })
    }

    pub(super) fn record_session_start(&self, s: &Session, source: SessionSource) -> Option<i64> {
        let store = self.store.as_ref()?;
        let checkin =
            self.last_checkin.filter(|(_, at)| at.elapsed() < CHECKIN_SHAPES_SESSION).map(|(id, _)| id);
        let minutes = s.minutes.map(|m| m.round().max(1.0) as u32);
        store
            .start_session(s.outcome, minutes, source, checkin, s.started_at)
            .map_err(|e| tracing::error!(error = %e, "could not record the session start; playing anyway"))
            .ok()
    }

    pub(super) fn record_session_end(&self, s: &Session, stopped_by_user: bool) {
        let (Some(store), Some(id)) = (&self.store, s.history_id) else { return };
        let early = stopped_by_user && s.ends.is_some_and(|(d, _)| d > tokio::time::Instant::now());
        if let Err(e) = store.end_session(id, jiff::Timestamp::now(), early) {
            tracing::error!(error = %e, "could not record the session end");
        }
    }

    pub(super) fn history(&self, args: HistoryArgs) -> CallResult {
        let since = match args.since_s {
            Some(s) if !(s.is_finite() && s > 0.0) => {
                return Err(ErrorBody::new(ErrorCode::InvalidArgs, "since must be a positive duration"));
            }
            Some(s) => jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_secs_f64(s)).ok(),
            None => None,
        };
        let rows = self.store()?.checkins(since).map_err(storage)?;
        to_value(rows)
    }

    /// Rates the session that just ended (the latest one when none ended in this run).
    pub(super) fn rate(&mut self, args: RateArgs) -> CallResult {
        if !(1..=5).contains(&args.rating) {
            return Err(ErrorBody::new(ErrorCode::InvalidArgs, "a rating is 1 to 5"));
        }
        let store = self.store()?;
        let just_ended = self.last_ended.filter(|id| store.rate_session(*id, args.rating as i64).is_ok());
        let id = match just_ended {
            Some(id) => id,
            None => store.rate_latest_session(args.rating as i64).map_err(|e| match e {
                sonora_store::StoreError::NoSession => {
                    ErrorBody::new(ErrorCode::NotFound, "there is no session to rate yet")
                }
                other => storage(other),
            })?,
        };
        self.rated(id);
        Ok(serde_json::json!({"session": id, "rating": args.rating}))
    }

    pub(super) fn forget(&mut self, args: ForgetArgs) -> CallResult {
        let store = self.store()?;
        let report = match (args.all, args.before.as_deref()) {
            (true, None) => store.forget_all().map_err(storage)?,
            (false, Some(before)) => {
                let ts = parse_date(before)?;
                store.forget_before(ts).map_err(storage)?
            }
            _ => {
                return Err(ErrorBody::new(
                    ErrorCode::InvalidArgs,
                    "say what to forget: --all, or --before DATE (e.g. 2026-11-01)",
                ));
            }
        };
        if args.all {
            self.last_markers = None;
            self.last_checkin = None;
            self.last_ended = None;
            self.rating_prompt = None;
        }
        self.rebuild_learner(false);
        tracing::info!(
            checkins = report.checkins,
            sessions = report.sessions,
            "history forgotten on request"
        );
        to_value(report)
    }

    pub(super) fn export(&self, args: ExportArgs) -> CallResult {
        let mut buf = Vec::new();
        let store = self.store()?;
        match args.format {
            ExportFormat::Csv => store.export_csv(&mut buf),
            ExportFormat::Json => store.export_json(&mut buf),
        }
        .map_err(storage)?;
        let content =
            String::from_utf8(buf).map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))?;
        Ok(serde_json::json!({"format": args.format, "content": content}))
    }
}

fn storage(e: sonora_store::StoreError) -> ErrorBody {
    ErrorBody::new(ErrorCode::Storage, e.to_string())
}

/// "2026-11-01" (local midnight) or a full RFC 3339 time.
fn parse_date(s: &str) -> Result<jiff::Timestamp, ErrorBody> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts);
    }
    s.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::system()).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            ErrorBody::new(
                ErrorCode::InvalidArgs,
                format!("'{s}' is not a date (use 2026-11-01 or RFC 3339)"),
            )
        })
}
