//! Requests: `{"id": 7, "cmd": "start", "args": {"outcome": "calm", "minutes": 20}}`.

use crate::reply::{ErrorBody, ErrorCode};
use crate::types::Outcome;
use serde::{Deserialize, Serialize};

/// Everything a client can ask the daemon. The serde form is the wire form of `cmd` + `args`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", content = "args", rename_all = "snake_case")]
pub enum Command {
    Status,
    Start(StartArgs),
    Stop,
    Toggle(ToggleArgs),
    Volume(VolumeArgs),
    Reload,
    Version,
    Quit,
    /// Turns the connection into an event stream.
    Subscribe,
    About,
    Checkin(CheckinArgs),
    Next,
    Layers,
    Layer(LayerArgs),
    PresetSave(NameArgs),
    Packs,
    Schedule,
    ScheduleSkipNext(NameArgs),
    SchedulePause,
    ScheduleResume,
    History(HistoryArgs),
    Rate(RateArgs),
    Forget(ForgetArgs),
    /// All stored data as CSV or JSON text (the client writes the file).
    Export(ExportArgs),
    /// Saved presets.
    Presets,
    /// What the learner has learned from ratings, and what it will try next; `reset` starts afresh.
    Insights(InsightsArgs),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct InsightsArgs {
    /// Forget what was learned (the history itself stays).
    #[serde(default)]
    pub reset: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportArgs {
    pub format: ExportFormat,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartArgs {
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Play this pack (by name) instead of the rotation's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToggleArgs {
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeArgs {
    /// 0..1
    pub level: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CheckinArgs {
    /// Seconds to record from the default input (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Analyse this file instead of recording (a path the daemon can read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerArgs {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// true mutes, false unmutes, absent leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameArgs {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HistoryArgs {
    /// Only entries newer than this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateArgs {
    /// 1..5, "did this help?" for the latest session.
    pub rating: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ForgetArgs {
    #[serde(default)]
    pub all: bool,
    /// RFC 3339 date or date-time: delete everything before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
}

impl Command {
    /// The wire name of the command (`"start"`, `"preset_save"`...).
    pub fn name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(v) => v.get("cmd").and_then(|c| c.as_str()).unwrap_or("?").to_string(),
            Err(_) => "?".to_string(),
        }
    }
}

/// One request line: an id chosen by the client, echoed in the reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: u64,
    pub command: Command,
}

/// A request that could not be parsed: the error to send back, with the id when one was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRequest {
    pub id: Option<u64>,
    pub error: ErrorBody,
}

const KNOWN: &[&str] = &[
    "status",
    "start",
    "stop",
    "toggle",
    "volume",
    "reload",
    "version",
    "quit",
    "subscribe",
    "about",
    "checkin",
    "next",
    "layers",
    "layer",
    "preset_save",
    "packs",
    "schedule",
    "schedule_skip_next",
    "schedule_pause",
    "schedule_resume",
    "history",
    "rate",
    "forget",
    "export",
    "presets",
    "insights",
];

impl Request {
    /// Parses one line. Never panics; every failure names what was wrong.
    pub fn parse(line: &str) -> Result<Request, BadRequest> {
        if line.len() > crate::MAX_LINE_BYTES {
            return Err(BadRequest {
                id: None,
                error: ErrorBody::new(
                    ErrorCode::TooLarge,
                    format!("request is {} bytes; the limit is {} bytes", line.len(), crate::MAX_LINE_BYTES),
                ),
            });
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| BadRequest {
            id: None,
            error: ErrorBody::new(ErrorCode::BadRequest, format!("not valid JSON: {e}")),
        })?;
        let obj = value.as_object().ok_or_else(|| BadRequest {
            id: None,
            error: ErrorBody::new(ErrorCode::BadRequest, "a request must be a JSON object"),
        })?;
        let id = match obj.get("id") {
            Some(v) => Some(v.as_u64().ok_or_else(|| BadRequest {
                id: None,
                error: ErrorBody::new(ErrorCode::BadRequest, "\"id\" must be a non-negative integer"),
            })?),
            None => None,
        };
        let bad = |code, msg: String| BadRequest { id, error: ErrorBody::new(code, msg) };
        let id_val = id.ok_or_else(|| bad(ErrorCode::BadRequest, "missing \"id\"".into()))?;
        let cmd = obj
            .get("cmd")
            .and_then(|c| c.as_str())
            .ok_or_else(|| bad(ErrorCode::BadRequest, "missing \"cmd\" (a string)".into()))?;
        if !KNOWN.contains(&cmd) {
            return Err(bad(ErrorCode::UnknownCommand, format!("unknown command '{cmd}'")));
        }
        if let Some(extra) = obj.keys().find(|k| !matches!(k.as_str(), "id" | "cmd" | "args")) {
            return Err(bad(ErrorCode::BadRequest, format!("unexpected field \"{extra}\"")));
        }
        // Unit commands take no args: accept absent, null or {} so hand-typed requests work.
        let args = match obj.get("args") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Object(m)) if m.is_empty() => None,
            Some(a) => Some(a.clone()),
        };
        let mut wire = serde_json::Map::new();
        wire.insert("cmd".into(), serde_json::Value::String(cmd.to_string()));
        if let Some(a) = args {
            wire.insert("args".into(), a);
        }
        let command: Command = serde_json::from_value(serde_json::Value::Object(wire))
            .or_else(|e| {
                // Commands whose args are all optional accept no args at all.
                let defaults = match cmd {
                    "checkin" => Some(Command::Checkin(CheckinArgs::default())),
                    "history" => Some(Command::History(HistoryArgs::default())),
                    "forget" => Some(Command::Forget(ForgetArgs::default())),
                    "insights" => Some(Command::Insights(InsightsArgs::default())),
                    _ => None,
                };
                match (defaults, obj.get("args")) {
                    (Some(d), None | Some(serde_json::Value::Null)) => Ok(d),
                    (Some(d), Some(serde_json::Value::Object(m))) if m.is_empty() => Ok(d),
                    _ => Err(e),
                }
            })
            .map_err(|e| {
                bad(
                    ErrorCode::InvalidArgs,
                    format!("bad arguments for '{cmd}': {}", clean_serde(&e.to_string())),
                )
            })?;
        Ok(Request { id: id_val, command })
    }

    /// The wire line, without the trailing newline.
    pub fn to_line(&self) -> String {
        let mut v = serde_json::to_value(&self.command).expect("commands always serialise");
        if let Some(o) = v.as_object_mut() {
            o.insert("id".into(), self.id.into());
        }
        v.to_string()
    }
}

/// serde's messages mention internal enum names; keep what helps a person.
fn clean_serde(msg: &str) -> String {
    msg.replace("variant", "value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_start_with_args() {
        let r = Request::parse(r#"{"id": 7, "cmd": "start", "args": {"outcome": "calm", "minutes": 20}}"#)
            .unwrap();
        assert_eq!(r.id, 7);
        assert_eq!(
            r.command,
            Command::Start(StartArgs {
                outcome: Outcome::Calm,
                minutes: Some(20.0),
                preset: None,
                pack: None
            })
        );
    }

    #[test]
    fn unit_commands_accept_missing_null_or_empty_args() {
        for line in [
            r#"{"id":1,"cmd":"status"}"#,
            r#"{"id":1,"cmd":"status","args":null}"#,
            r#"{"id":1,"cmd":"status","args":{}}"#,
        ] {
            assert_eq!(Request::parse(line).unwrap().command, Command::Status, "{line}");
        }
        assert_eq!(
            Request::parse(r#"{"id":1,"cmd":"checkin"}"#).unwrap().command,
            Command::Checkin(CheckinArgs::default())
        );
    }

    #[test]
    fn round_trips_through_the_wire() {
        let req = Request {
            id: 3,
            command: Command::Layer(LayerArgs { name: "rain".into(), volume: Some(0.3), mute: None }),
        };
        assert_eq!(Request::parse(&req.to_line()).unwrap(), req);
        let req = Request { id: 4, command: Command::Stop };
        assert_eq!(Request::parse(&req.to_line()).unwrap(), req);
    }

    #[test]
    fn errors_are_specific() {
        let e = Request::parse("{not json").unwrap_err();
        assert_eq!(e.error.code, ErrorCode::BadRequest);
        let e = Request::parse(r#"{"id":2,"cmd":"dance"}"#).unwrap_err();
        assert_eq!((e.id, e.error.code), (Some(2), ErrorCode::UnknownCommand));
        let e = Request::parse(r#"{"id":2,"cmd":"start","args":{"outcome":"party"}}"#).unwrap_err();
        assert_eq!(e.error.code, ErrorCode::InvalidArgs);
        assert!(e.error.message.contains("party"), "{}", e.error.message);
        let e = Request::parse(r#"{"cmd":"status"}"#).unwrap_err();
        assert!(e.error.message.contains("id"));
        let big = format!(r#"{{"id":1,"cmd":"status","args":"{}"}}"#, "x".repeat(70_000));
        assert_eq!(Request::parse(&big).unwrap_err().error.code, ErrorCode::TooLarge);
    }

    #[test]
    fn command_names_match_the_wire() {
        assert_eq!(Command::PresetSave(NameArgs { name: "a".into() }).name(), "preset_save");
        assert_eq!(Command::Status.name(), "status");
        for name in KNOWN {
            let line = format!(r#"{{"id":1,"cmd":"{name}"}}"#);
            // every known name is either accepted bare or rejected for its args, never "unknown"
            if let Err(e) = Request::parse(&line) {
                assert_eq!(e.error.code, ErrorCode::InvalidArgs, "{name}");
            }
        }
    }
}
