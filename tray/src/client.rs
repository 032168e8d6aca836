//! The tray's side of the daemon's D-Bus API.
//!
//! Runs on its own thread with a tokio runtime, so the GTK loop on the main thread never waits on
//! the bus. It follows `org.sonora.Sonora1` through `NameOwnerChanged` (the daemon may start after
//! the tray, stop, or restart), rebuilds its subscriptions for each new owner, and forwards every
//! `PropertiesChanged` as a fresh [`Status`]. Menu actions arrive on a channel and each runs as its
//! own task, so a six-second check-in never holds up *Stop*.

use crate::view::Presence;
use futures_util::StreamExt;
use sonora_proto::command::{CheckinArgs, ToggleArgs, VolumeArgs};
use sonora_proto::paths::{DBUS_INTERFACE, DBUS_NAME, DBUS_PATH};
use sonora_proto::{CheckinReport, Command, ErrorBody, Outcome, Reply, Request, Status};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::{debug, info, warn};
use zbus::proxy::CacheProperties;

// The daemon's D-Bus interface, defined once in the client crate.
pub use sonora_client::dbus::SonoraProxy;

/// What a menu item asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Start this outcome, or stop it when it is the one playing.
    Toggle(Outcome),
    Stop,
    /// 0..1
    Volume(f64),
    CheckIn,
    /// true pauses the schedule, false resumes it.
    PauseSchedule(bool),
}

impl Action {
    /// The protocol command behind the action.
    pub fn command(self) -> Command {
        match self {
            Action::Toggle(outcome) => Command::Toggle(ToggleArgs { outcome, minutes: None }),
            Action::Stop => Command::Stop,
            Action::Volume(level) => Command::Volume(VolumeArgs { level: level.clamp(0.0, 1.0) }),
            Action::CheckIn => Command::Checkin(CheckinArgs::default()),
            Action::PauseSchedule(true) => Command::SchedulePause,
            Action::PauseSchedule(false) => Command::ScheduleResume,
        }
    }

    /// Words for an error dialog: "Couldn't start Calm".
    pub fn failure_title(self) -> String {
        match self {
            Action::Toggle(o) => format!("Couldn't switch {}", crate::view::outcome_label(o)),
            Action::Stop => "Couldn't stop".into(),
            Action::Volume(_) => "Couldn't change the volume".into(),
            Action::CheckIn => "Check-in didn't work".into(),
            Action::PauseSchedule(true) => "Couldn't pause the schedule".into(),
            Action::PauseSchedule(false) => "Couldn't resume the schedule".into(),
        }
    }
}

/// What the client thread tells the GTK thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Presence(Presence),
    /// Something to show the person in a small window.
    Message {
        title: String,
        body: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("D-Bus: {0}")]
    Bus(#[from] zbus::Error),
    #[error("D-Bus: {0}")]
    Fdo(#[from] zbus::fdo::Error),
    #[error("{}", .0.message)]
    Daemon(ErrorBody),
    #[error("the daemon sent something the tray cannot read ({0})")]
    BadReply(String),
    #[error("the signal stream from the bus ended")]
    StreamEnded,
}

/// Reads one reply line from `Call`.
pub fn parse_reply(line: &str) -> Result<serde_json::Value, ClientError> {
    let reply: Reply = serde_json::from_str(line).map_err(|e| ClientError::BadReply(e.to_string()))?;
    reply.into_result().map_err(ClientError::Daemon)
}

/// Reads the daemon's status JSON (the `StatusJson` property, `Status()` and `ok` of `status`).
pub fn parse_status(json: &str) -> Result<Status, ClientError> {
    serde_json::from_str(json).map_err(|e| ClientError::BadReply(format!("status: {e}")))
}

/// The text shown after a check-in: the daemon's own plain summary, plus its one-time notice.
pub fn checkin_message(report: &CheckinReport) -> String {
    match &report.first_run_notice {
        Some(n) if !n.is_empty() => format!("{}\n\n{}", report.summary.trim_end(), n.trim_end()),
        _ => report.summary.trim_end().to_string(),
    }
}

pub(crate) const NOT_RUNNING: &str =
    "Sonora isn't running. Start it with `systemctl --user start sonorad` (or run `sonorad`).";

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The tray's own bus name. Owning it keeps a second tray (autostart plus a manual start) from
/// putting a second icon in the panel.
pub const TRAY_NAME: &str = "org.sonora.SonoraTray";

/// Outcome of [`claim_single_instance`].
pub enum Claim {
    /// This is the only tray; keep the connection (it holds the name).
    Owned(zbus::Connection),
    AlreadyRunning,
    /// No session bus yet: run anyway and keep retrying, the panel may come later.
    NoBus(zbus::Error),
}

pub async fn claim_single_instance() -> Claim {
    use zbus::fdo::{RequestNameFlags, RequestNameReply};
    let conn = match zbus::Connection::session().await {
        Ok(c) => c,
        Err(e) => return Claim::NoBus(e),
    };
    match conn.request_name_with_flags(TRAY_NAME, RequestNameFlags::DoNotQueue.into()).await {
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => Claim::Owned(conn),
        Ok(RequestNameReply::Exists | RequestNameReply::InQueue) | Err(zbus::Error::NameTaken) => {
            Claim::AlreadyRunning
        }
        Err(e) => {
            warn!("could not claim {TRAY_NAME} ({e}); a second tray would not be noticed");
            Claim::Owned(conn)
        }
    }
}

/// Follows the daemon until the GTK side hangs up, on `first` and then on fresh connections.
/// Never returns an error: every failure is logged, shown as "Sonora isn't running", and retried.
pub async fn run(
    tx: Sender<Update>,
    mut actions: UnboundedReceiver<Action>,
    first: Option<zbus::Connection>,
) {
    let mut first = first;
    loop {
        let conn = match first.take() {
            Some(c) => Ok(c),
            None => zbus::Connection::session().await,
        };
        match conn {
            Ok(conn) => match follow(&conn, &tx, &mut actions).await {
                Ok(()) => return,
                Err(e) => warn!("lost the session bus: {e}"),
            },
            Err(e) => warn!("no session bus: {e}"),
        }
        if tx.send(Update::Presence(Presence::Absent)).is_err() {
            return;
        }
        let retry = tokio::time::sleep(Duration::from_secs(2));
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = &mut retry => break,
                a = actions.recv() => match a {
                    Some(a) => refuse(&tx, a),
                    None => return,
                },
            }
        }
    }
}

pub(crate) fn refuse(tx: &Sender<Update>, action: Action) {
    let _ = tx.send(Update::Message { title: action.failure_title(), body: NOT_RUNNING.into() });
}

/// Follows the name on one bus connection. `Ok` means the GTK side is gone.
async fn follow(
    conn: &zbus::Connection,
    tx: &Sender<Update>,
    actions: &mut UnboundedReceiver<Action>,
) -> Result<(), ClientError> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await?;
    let mut owners = dbus.receive_name_owner_changed_with_args(&[(0, DBUS_NAME)]).await?;
    loop {
        let name = zbus::names::BusName::try_from(DBUS_NAME).expect("a valid bus name");
        if !dbus.name_has_owner(name).await? {
            info!("{DBUS_NAME} is not on the bus; waiting for it");
            if tx.send(Update::Presence(Presence::Absent)).is_err() {
                return Ok(());
            }
            loop {
                tokio::select! {
                    sig = owners.next() => {
                        let sig = sig.ok_or(ClientError::StreamEnded)?;
                        if sig.args()?.new_owner().is_some() {
                            break;
                        }
                    }
                    a = actions.recv() => match a {
                        Some(a) => refuse(tx, a),
                        None => return Ok(()),
                    },
                }
            }
        }
        if !watch(conn, &mut owners, tx, actions).await? {
            return Ok(());
        }
    }
}

/// Follows one owner of the name. `Ok(true)`: the owner left or changed; `Ok(false)`: the GTK side
/// is gone.
async fn watch(
    conn: &zbus::Connection,
    owners: &mut zbus::fdo::NameOwnerChangedStream,
    tx: &Sender<Update>,
    actions: &mut UnboundedReceiver<Action>,
) -> Result<bool, ClientError> {
    // Fresh proxies per owner: no property cache or match rule survives from a previous daemon.
    let props = zbus::fdo::PropertiesProxy::builder(conn)
        .destination(DBUS_NAME)?
        .path(DBUS_PATH)?
        .cache_properties(CacheProperties::No)
        .build()
        .await?;
    let mut changes = props.receive_properties_changed().await?;
    let sonora = SonoraProxy::builder(conn).cache_properties(CacheProperties::No).build().await?;
    let mut events = sonora.receive_event().await?;
    info!("{DBUS_NAME} is on the bus");
    refresh(&sonora, tx, true).await;
    // A check-in the tray started (without Sonora's window): tell the person what to read once
    // the daemon starts listening, which is also when the length it listens for is known.
    let mut notice_due = false;

    loop {
        tokio::select! {
            sig = owners.next() => {
                let sig = sig.ok_or(ClientError::StreamEnded)?;
                let args = sig.args()?;
                if args.new_owner().is_none() {
                    info!("{DBUS_NAME} left the bus");
                    let _ = tx.send(Update::Presence(Presence::Absent));
                }
                return Ok(true);
            }
            change = changes.next() => {
                let change = change.ok_or(ClientError::StreamEnded)?;
                let args = change.args()?;
                if args.interface_name().as_str() != DBUS_INTERFACE {
                    continue;
                }
                let json = args.changed_properties().get("StatusJson").and_then(|v| <&str>::try_from(v).ok());
                match json.map(parse_status) {
                    Some(Ok(status)) => send_status(tx, status),
                    Some(Err(e)) => warn!("{e}"),
                    // Some other property changed (or was only invalidated): ask for the whole picture.
                    None => refresh(&sonora, tx, false).await,
                }
            }
            event = events.next() => {
                let event = event.ok_or(ClientError::StreamEnded)?;
                if let Ok(args) = event.args() {
                    match serde_json::from_str::<sonora_proto::Event>(args.event_json) {
                        Ok(sonora_proto::Event::State(status)) => send_status(tx, status),
                        Ok(sonora_proto::Event::CheckinLevel { remaining_s, .. }) if notice_due => {
                            notice_due = false;
                            let conn = conn.clone();
                            tokio::spawn(async move {
                                if let Err(e) = crate::notice::post(&conn, remaining_s).await {
                                    warn!("could not show the check-in notice: {e}");
                                }
                            });
                        }
                        Ok(sonora_proto::Event::Error(e)) => warn!("daemon reports: {e}"),
                        Ok(other) => debug!("event: {other:?}"),
                        Err(e) => warn!("unreadable event: {e}"),
                    }
                }
            }
            action = actions.recv() => {
                let Some(action) = action else { return Ok(false) };
                notice_due |= action == Action::CheckIn;
                let (sonora, tx) = (sonora.clone(), tx.clone());
                tokio::spawn(async move { perform(&sonora, &tx, action).await });
            }
        }
    }
}

pub(crate) fn send_status(tx: &Sender<Update>, status: Status) {
    let _ = tx.send(Update::Presence(Presence::Running(Box::new(status))));
}

/// Reads the full status. Right after the name appears the object may not be exported yet, so
/// the first read retries for a couple of seconds.
async fn refresh(sonora: &SonoraProxy<'_>, tx: &Sender<Update>, just_appeared: bool) {
    let tries = if just_appeared { 20 } else { 1 };
    for attempt in 1..=tries {
        match sonora.status().await.map_err(ClientError::from).and_then(|s| parse_status(&s)) {
            Ok(status) => return send_status(tx, status),
            Err(e) if attempt == tries => warn!("could not read the daemon's status: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Runs one action; failures become a message for the person, successes a status refresh.
async fn perform(sonora: &SonoraProxy<'_>, tx: &Sender<Update>, action: Action) {
    let request = Request { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), command: action.command() };
    debug!("-> {}", request.to_line());
    let result = match sonora.call(&request.to_line()).await {
        Ok(line) => parse_reply(&line),
        Err(e) => Err(ClientError::from(e)),
    };
    report(tx, action, result.map_err(|e| e.to_string()));
    // The menu may have flipped a check mark locally; make sure it ends up showing the truth.
    refresh(sonora, tx, false).await;
}

/// Tells the person how an action went: the check-in summary, or what failed. Silent on plain
/// success, because the menu itself shows the new state.
pub fn report(tx: &Sender<Update>, action: Action, result: Result<serde_json::Value, String>) {
    match result {
        Ok(value) if action == Action::CheckIn => {
            let body = match serde_json::from_value::<CheckinReport>(value) {
                Ok(report) => checkin_message(&report),
                Err(e) => format!("The check-in finished, but its summary could not be read ({e})."),
            };
            let _ = tx.send(Update::Message { title: "Check-in".into(), body });
        }
        Ok(_) => {}
        Err(e) => {
            warn!("{action:?} failed: {e}");
            let _ = tx.send(Update::Message { title: action.failure_title(), body: e });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonora_proto::ErrorCode;

    #[test]
    fn actions_map_to_protocol_commands() {
        let line = |a: Action| Request { id: 1, command: a.command() }.to_line();
        assert_eq!(
            line(Action::Toggle(Outcome::Focus)),
            r#"{"args":{"outcome":"focus"},"cmd":"toggle","id":1}"#
        );
        assert_eq!(line(Action::Stop), r#"{"cmd":"stop","id":1}"#);
        assert_eq!(line(Action::Volume(1.4)), r#"{"args":{"level":1.0},"cmd":"volume","id":1}"#);
        assert_eq!(line(Action::PauseSchedule(true)), r#"{"cmd":"schedule_pause","id":1}"#);
        assert_eq!(line(Action::PauseSchedule(false)), r#"{"cmd":"schedule_resume","id":1}"#);
        assert_eq!(line(Action::CheckIn), r#"{"args":{},"cmd":"checkin","id":1}"#);
        // every line the tray sends is one the daemon's parser accepts
        for a in [Action::Toggle(Outcome::Calm), Action::Stop, Action::Volume(0.4), Action::CheckIn] {
            assert_eq!(Request::parse(&line(a)).unwrap().command, a.command());
        }
    }

    #[test]
    fn replies_become_values_or_the_daemons_message() {
        assert_eq!(parse_reply(r#"{"id":1,"ok":{"a":1}}"#).unwrap()["a"], 1);
        match parse_reply(r#"{"id":1,"error":{"code":"busy","message":"a check-in is running"}}"#) {
            Err(ClientError::Daemon(e)) => {
                assert_eq!(e.code, ErrorCode::Busy);
                assert_eq!(ClientError::Daemon(e).to_string(), "a check-in is running");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_reply("nope"), Err(ClientError::BadReply(_))));
    }

    #[test]
    fn status_json_round_trips() {
        let mut s = Status::idle(0.5);
        s.outcome = Some(Outcome::Sleep);
        assert_eq!(parse_status(&serde_json::to_string(&s).unwrap()).unwrap(), s);
        assert!(parse_status("{}").is_err());
    }
}
