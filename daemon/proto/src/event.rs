//! Events: `{"event": "state", "data": {...}}`, one per line on a subscribed connection, and
//! the payload of the D-Bus `Event` signal.

use crate::reply::ErrorBody;
use crate::types::{CheckinReport, Status};
use serde::{Deserialize, Serialize};

// A few events a second at most, moved through channels once each: the size of the state
// snapshot beside the small variants costs nothing worth a Box in every client's match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum Event {
    /// The state machine moved, or the session changed (outcome, scene, remaining time).
    State(Status),
    Volume {
        volume: f64,
    },
    /// Something went wrong that a client should show (device lost, pack broken...).
    Error(ErrorBody),
    /// A check-in finished.
    Checkin(Box<CheckinReport>),
    /// While the microphone records a check-in, about ten times a second.
    CheckinLevel {
        remaining_s: f64,
        level_db: f64,
    },
    /// Subscribers that fall behind miss events; this says how many.
    Lagged {
        missed: u64,
    },
}

impl Event {
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("events always serialise")
    }
}
