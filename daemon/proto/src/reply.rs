//! Replies: `{"id": 7, "ok": <result>}` or `{"id": 7, "error": {"code": "...", "message": "..."}}`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable error codes; scripts match on these, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The line was not a valid request (bad JSON, missing id or cmd).
    BadRequest,
    UnknownCommand,
    InvalidArgs,
    /// The line was longer than [`crate::MAX_LINE_BYTES`].
    TooLarge,
    /// Too many requests on this connection; slow down.
    RateLimited,
    /// The command needs a running session.
    NotPlaying,
    /// Something else is in progress (for example a check-in).
    Busy,
    /// A file, pack, preset or entry that does not exist.
    NotFound,
    /// A needed device (microphone, output) is missing or busy.
    Device,
    /// The input was read but was not usable.
    Unusable,
    /// A config or data file problem.
    Config,
    Storage,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::UnknownCommand => "unknown_command",
            ErrorCode::InvalidArgs => "invalid_args",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotPlaying => "not_playing",
            ErrorCode::Busy => "busy",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Device => "device",
            ErrorCode::Unusable => "unusable",
            ErrorCode::Config => "config",
            ErrorCode::Storage => "storage",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody { code, message: message.into() }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_str())
    }
}

impl std::error::Error for ErrorBody {}

/// A reply line. `id` is null only when the request's id could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub id: Option<u64>,
    #[serde(flatten)]
    pub body: ReplyBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyBody {
    Ok(serde_json::Value),
    Error(ErrorBody),
}

impl Reply {
    pub fn ok(id: u64, value: serde_json::Value) -> Self {
        Reply { id: Some(id), body: ReplyBody::Ok(value) }
    }
    pub fn error(id: Option<u64>, error: ErrorBody) -> Self {
        Reply { id, body: ReplyBody::Error(error) }
    }
    pub fn into_result(self) -> Result<serde_json::Value, ErrorBody> {
        match self.body {
            ReplyBody::Ok(v) => Ok(v),
            ReplyBody::Error(e) => Err(e),
        }
    }
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("replies always serialise")
    }
}

/// The first line the daemon sends on a new socket connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    pub protocol: u32,
    pub version: String,
}

impl Greeting {
    pub fn current() -> Self {
        Greeting { protocol: crate::PROTOCOL_VERSION, version: crate::VERSION.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shapes() {
        let ok = Reply::ok(7, serde_json::json!({"state": "idle"}));
        assert_eq!(ok.to_line(), r#"{"id":7,"ok":{"state":"idle"}}"#);
        let err = Reply::error(Some(7), ErrorBody::new(ErrorCode::BadRequest, "nope"));
        assert_eq!(err.to_line(), r#"{"id":7,"error":{"code":"bad_request","message":"nope"}}"#);
        let back: Reply = serde_json::from_str(&err.to_line()).unwrap();
        assert_eq!(back, err);
        assert_eq!(ErrorCode::UnknownCommand.as_str(), "unknown_command");
    }
}
