//! The D-Bus control interface on the session bus: `org.sonora.Sonora1` at `/org/sonora/Sonora1`.
//!
//! Methods mirror the commands (and `Call` carries any socket-protocol request, so every command
//! works over D-Bus without a second definition); properties mirror the state and emit
//! `PropertiesChanged`, which is what the tray follows. If the bus is missing or goes away the
//! daemon keeps serving its socket and registers again when the bus is back.

use crate::core::CoreHandle;
use futures_util::StreamExt;
use sonora_proto::command::{StartArgs, ToggleArgs, VolumeArgs};
use sonora_proto::paths::{DBUS_NAME, DBUS_PATH};
use sonora_proto::{Command, Event, Outcome, Reply, Request, Status};
use tokio::sync::watch;
use zbus::fdo;
use zbus::object_server::SignalEmitter;

pub struct SonoraIface {
    core: CoreHandle,
    status: Status,
    /// The latest check-in reply as JSON ("" before any in this run of the daemon).
    last_checkin: String,
}

fn outcome_arg(s: &str) -> fdo::Result<Outcome> {
    s.parse::<Outcome>().map_err(|e| fdo::Error::InvalidArgs(e.to_string()))
}

fn failed(e: sonora_proto::ErrorBody) -> fdo::Error {
    fdo::Error::Failed(format!("{}: {}", e.code.as_str(), e.message))
}

impl SonoraIface {
    async fn run(&self, cmd: Command) -> fdo::Result<String> {
        self.core.call(cmd).await.map(|v| v.to_string()).map_err(failed)
    }
}

#[zbus::interface(name = "org.sonora.Sonora1")]
impl SonoraIface {
    /// Any request of the socket protocol, as its JSON line; returns the reply line.
    async fn call(&self, request: &str) -> String {
        let reply = match Request::parse(request) {
            Err(bad) => Reply::error(bad.id, bad.error),
            Ok(Request { id, command: Command::Subscribe }) => Reply::error(
                Some(id),
                sonora_proto::ErrorBody::new(
                    sonora_proto::ErrorCode::BadRequest,
                    "over D-Bus, listen to the Event signal instead of subscribing",
                ),
            ),
            Ok(Request { id, command }) => match self.core.call(command).await {
                Ok(v) => Reply::ok(id, v),
                Err(e) => Reply::error(Some(id), e),
            },
        };
        reply.to_line()
    }

    async fn status(&self) -> fdo::Result<String> {
        self.run(Command::Status).await
    }

    /// `minutes` <= 0 starts an open-ended session.
    async fn start(&self, outcome: &str, minutes: f64) -> fdo::Result<String> {
        let outcome = outcome_arg(outcome)?;
        let minutes = (minutes > 0.0).then_some(minutes);
        self.run(Command::Start(StartArgs { outcome, minutes, preset: None, pack: None })).await
    }

    async fn stop(&self) -> fdo::Result<String> {
        self.run(Command::Stop).await
    }

    async fn toggle(&self, outcome: &str) -> fdo::Result<String> {
        let outcome = outcome_arg(outcome)?;
        self.run(Command::Toggle(ToggleArgs { outcome, minutes: None })).await
    }

    #[zbus(property)]
    fn state(&self) -> String {
        self.status.state.as_str().to_string()
    }

    #[zbus(property)]
    fn outcome(&self) -> String {
        self.status.outcome.map(|o| o.as_str().to_string()).unwrap_or_default()
    }

    #[zbus(property)]
    fn volume(&self) -> f64 {
        self.status.volume
    }

    #[zbus(property)]
    async fn set_volume(&mut self, level: f64) -> fdo::Result<()> {
        self.core.call(Command::Volume(VolumeArgs { level })).await.map(|_| ()).map_err(failed)
    }

    #[zbus(property)]
    fn ends_at(&self) -> String {
        self.status.ends_at.clone().unwrap_or_default()
    }

    #[zbus(property)]
    fn status_json(&self) -> String {
        serde_json::to_string(&self.status).unwrap_or_default()
    }

    #[zbus(property)]
    fn schedule_paused(&self) -> bool {
        self.status.schedule_paused
    }

    /// The latest check-in (the `checkin` reply: features, markers, confidence, summary) as JSON.
    #[zbus(property)]
    fn last_checkin_json(&self) -> String {
        self.last_checkin.clone()
    }

    /// Every event of the socket's event stream, as its JSON line.
    #[zbus(signal)]
    async fn event(emitter: &SignalEmitter<'_>, event_json: &str) -> zbus::Result<()>;
}

/// Keeps the interface registered for as long as the daemon runs, reconnecting when the bus
/// comes back after going away.
pub async fn serve(core: CoreHandle, shutdown: watch::Receiver<bool>) {
    super::keep_on_bus("the control interface", shutdown, |sd| serve_once(core.clone(), sd)).await
}

/// Returns Ok(true) on shutdown, Ok(false) when the bus went away.
async fn serve_once(core: CoreHandle, mut shutdown: watch::Receiver<bool>) -> zbus::Result<bool> {
    let status: Status = match core.call(Command::Status).await {
        Ok(v) => serde_json::from_value(v).unwrap_or_else(|_| Status::idle(0.0)),
        Err(_) => return Ok(true),
    };
    let mut events = core.subscribe();
    let iface = SonoraIface { core: core.clone(), status, last_checkin: String::new() };
    let conn =
        zbus::connection::Builder::session()?.serve_at(DBUS_PATH, iface)?.name(DBUS_NAME)?.build().await?;
    tracing::info!(name = DBUS_NAME, path = DBUS_PATH, "D-Bus interface registered");
    let iface_ref = conn.object_server().interface::<_, SonoraIface>(DBUS_PATH).await?;
    let mut bus_messages = zbus::MessageStream::from(&conn);
    loop {
        tokio::select! {
            ev = events.recv() => {
                let ev = match ev {
                    Ok(ev) => ev,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => Event::Lagged { missed },
                    Err(_) => return Ok(true),
                };
                match &ev {
                    Event::State(st) => update_properties(&iface_ref, st.clone()).await,
                    Event::Checkin(report) => {
                        let mut iface = iface_ref.get_mut().await;
                        iface.last_checkin = serde_json::to_string(report).unwrap_or_default();
                        let _ = iface.last_checkin_json_changed(iface_ref.signal_emitter()).await;
                    }
                    _ => {}
                }
                let _ = SonoraIface::event(iface_ref.signal_emitter(), &ev.to_line()).await;
            }
            msg = bus_messages.next() => if msg.is_none() { return Ok(false) },
            _ = shutdown.changed() => return Ok(true),
        }
    }
}

async fn update_properties(iface_ref: &zbus::object_server::InterfaceRef<SonoraIface>, new: Status) {
    let mut iface = iface_ref.get_mut().await;
    let old = std::mem::replace(&mut iface.status, new);
    let new = &iface.status;
    let em = iface_ref.signal_emitter();
    if old.state != new.state {
        let _ = iface.state_changed(em).await;
    }
    if old.outcome != new.outcome {
        let _ = iface.outcome_changed(em).await;
    }
    if old.volume != new.volume {
        let _ = iface.volume_changed(em).await;
    }
    if old.ends_at != new.ends_at {
        let _ = iface.ends_at_changed(em).await;
    }
    if old.schedule_paused != new.schedule_paused {
        let _ = iface.schedule_paused_changed(em).await;
    }
    // Remaining time alone changes every moment; only announce the full snapshot on real changes.
    let mut a = old.clone();
    let mut b = new.clone();
    a.remaining_s = None;
    b.remaining_s = None;
    if a != b {
        let _ = iface.status_json_changed(em).await;
    }
}
