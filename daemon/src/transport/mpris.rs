//! MPRIS on the session bus (`org.mpris.MediaPlayer2.sonora` at `/org/mpris/MediaPlayer2`), so
//! media keys, desktop media widgets and `playerctl -p sonora` control Sonora like any player.
//!
//! Sonora has sessions, not tracks, so the mapping is deliberate:
//! - Play / PlayPause start the current or last outcome (calm before anything ran); Sonora has no
//!   paused state, so Pause and Stop both stop with the usual fade, and PlayPause on a session
//!   stops it. That is what a media key should do for ambient sound.
//! - Next asks the core for a fresh scene of the same outcome (`next`); Previous is not offered.
//! - PlaybackStatus: Playing while a session plays, Paused during a check-in (the daemon is
//!   listening, not playing), Stopped when idle or already fading out after a stop.
//! - Metadata: one track per session (its id changes when a session starts or is re-rolled),
//!   titled "Calm — shore" (outcome and pack), with a length for timed sessions.
//! - Volume is the daemon's master volume (the `volume` command).
//!
//! It uses the same zbus as the control interface (no mpris-server crate: that would bring a
//! second zbus and a second executor), on a connection of its own so either name can come and go
//! without the other, and re-registers like [`super::dbus`] when the bus goes away.

use crate::core::CoreHandle;
use futures_util::StreamExt;
use sonora_proto::command::{StartArgs, VolumeArgs};
use sonora_proto::paths::MPRIS_NAME;
use sonora_proto::{Command, Event, Outcome, StateKind, Status};
use std::collections::HashMap;
use tokio::sync::watch;
use zbus::fdo;
use zbus::zvariant::{ObjectPath, OwnedValue, Str, Value};

const MPRIS_PATH: &str = "/org/mpris/MediaPlayer2";
const NO_TRACK: &str = "/org/mpris/MediaPlayer2/TrackList/NoTrack";

/// `org.mpris.MediaPlayer2`: who we are. Sonora has no window to raise and is not quit from a
/// media widget (it is a background service), so both are declined.
struct Root;

#[zbus::interface(name = "org.mpris.MediaPlayer2")]
impl Root {
    fn raise(&self) {}

    fn quit(&self) {}

    #[zbus(property)]
    fn can_quit(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn can_raise(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn has_track_list(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn identity(&self) -> String {
        "Sonora".into()
    }

    #[zbus(property)]
    fn desktop_entry(&self) -> String {
        "sonora".into()
    }

    #[zbus(property)]
    fn supported_uri_schemes(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(property)]
    fn supported_mime_types(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `org.mpris.MediaPlayer2.Player`, translating to core commands. Holds the last status seen
/// so property reads never wait for the core.
struct Player {
    core: CoreHandle,
    status: Status,
    /// What Play starts: the outcome of the current or latest session.
    last_outcome: Outcome,
    /// Bumped whenever a new session (or a re-rolled scene) begins; names the MPRIS track.
    track: u64,
}

fn failed(e: sonora_proto::ErrorBody) -> fdo::Error {
    fdo::Error::Failed(format!("{}: {}", e.code.as_str(), e.message))
}

impl Player {
    fn new(core: CoreHandle, status: Status) -> Player {
        let mut p = Player { core, status: Status::idle(0.0), last_outcome: Outcome::Calm, track: 0 };
        p.absorb(status);
        p
    }

    /// Takes a new status in; returns the old one so the caller can announce what changed.
    fn absorb(&mut self, new: Status) -> Status {
        if let Some(o) = new.outcome {
            self.last_outcome = o;
        }
        if new.started_at.is_some() && new.started_at != self.status.started_at {
            self.track += 1;
        }
        std::mem::replace(&mut self.status, new)
    }

    fn playing(&self) -> bool {
        self.status.state == StateKind::Playing
    }

    async fn call(&self, cmd: Command) -> fdo::Result<()> {
        self.core.call(cmd).await.map(|_| ()).map_err(failed)
    }

    async fn start_last(&self) -> fdo::Result<()> {
        self.call(Command::Start(StartArgs {
            outcome: self.last_outcome,
            minutes: None,
            preset: None,
            pack: None,
        }))
        .await
    }
}

/// Title shown by media widgets: "Calm — shore", or just "Calm" when no scene is built yet
/// (no sound device).
pub fn title(status: &Status) -> Option<String> {
    let outcome = status.outcome?;
    let name = outcome.as_str();
    let mut title = name[..1].to_uppercase() + &name[1..];
    if let Some(pack) = status.layers.iter().find_map(|l| l.pack.as_deref()) {
        title.push_str(" — ");
        title.push_str(pack);
    }
    Some(title)
}

/// Length of a timed session in microseconds, from its start and end times.
fn length_us(status: &Status) -> Option<i64> {
    let start: jiff::Timestamp = status.started_at.as_deref()?.parse().ok()?;
    let end: jiff::Timestamp = status.ends_at.as_deref()?.parse().ok()?;
    Some(end.duration_since(start).as_micros() as i64)
}

pub fn playback_status(state: StateKind) -> &'static str {
    match state {
        StateKind::Playing => "Playing",
        StateKind::CheckingIn => "Paused",
        StateKind::Idle | StateKind::Fading => "Stopped",
    }
}

fn owned(v: Value<'_>) -> OwnedValue {
    v.try_into_owned().expect("metadata values carry no file descriptors")
}

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl Player {
    /// A fresh scene for the playing outcome; nothing to skip to when idle.
    async fn next(&self) -> fdo::Result<()> {
        if !self.playing() {
            return Ok(());
        }
        self.call(Command::Next).await
    }

    /// CanGoPrevious is false: a scene is generated, there is no previous one to return to.
    fn previous(&self) {}

    async fn pause(&self) -> fdo::Result<()> {
        if !self.playing() {
            return Ok(());
        }
        self.call(Command::Stop).await
    }

    async fn play_pause(&self) -> fdo::Result<()> {
        if self.playing() { self.call(Command::Stop).await } else { self.start_last().await }
    }

    async fn stop(&self) -> fdo::Result<()> {
        if self.status.state == StateKind::Idle {
            return Ok(());
        }
        self.call(Command::Stop).await
    }

    async fn play(&self) -> fdo::Result<()> {
        if self.playing() {
            return Ok(());
        }
        self.start_last().await
    }

    /// CanSeek is false: generated sound has no timeline to move along.
    fn seek(&self, _offset: i64) {}

    fn set_position(&self, _track_id: ObjectPath<'_>, _position: i64) {}

    fn open_uri(&self, _uri: &str) -> fdo::Result<()> {
        Err(fdo::Error::NotSupported("Sonora generates its sound; it does not open files or URLs".into()))
    }

    #[zbus(property)]
    fn playback_status(&self) -> String {
        playback_status(self.status.state).into()
    }

    #[zbus(property)]
    fn rate(&self) -> f64 {
        1.0
    }

    #[zbus(property)]
    fn minimum_rate(&self) -> f64 {
        1.0
    }

    #[zbus(property)]
    fn maximum_rate(&self) -> f64 {
        1.0
    }

    #[zbus(property)]
    fn metadata(&self) -> HashMap<String, OwnedValue> {
        let mut m = HashMap::new();
        let Some(title) = title(&self.status) else {
            let no_track = ObjectPath::from_static_str_unchecked(NO_TRACK);
            m.insert("mpris:trackid".into(), OwnedValue::from(no_track));
            return m;
        };
        let id = format!("/org/sonora/Sonora1/session/{}", self.track);
        let id = ObjectPath::try_from(id).expect("digits make a valid object path");
        m.insert("mpris:trackid".into(), OwnedValue::from(id));
        m.insert("xesam:title".into(), OwnedValue::from(Str::from(title)));
        m.insert("xesam:artist".into(), owned(Value::from(vec!["Sonora".to_string()])));
        if let Some(o) = self.status.outcome {
            m.insert("xesam:genre".into(), owned(Value::from(vec![o.as_str().to_string()])));
        }
        if let Some(pack) = self.status.layers.iter().find_map(|l| l.pack.clone()) {
            m.insert("xesam:album".into(), OwnedValue::from(Str::from(pack)));
        }
        if let Some(us) = length_us(&self.status) {
            m.insert("mpris:length".into(), OwnedValue::from(us));
        }
        m
    }

    #[zbus(property)]
    fn volume(&self) -> f64 {
        self.status.volume
    }

    /// MPRIS allows values outside 0..1 ("clamp them"); the core does not, so clamp here.
    #[zbus(property)]
    async fn set_volume(&mut self, level: f64) -> fdo::Result<()> {
        if !level.is_finite() {
            return Err(fdo::Error::InvalidArgs(format!("volume must be a number, got {level}")));
        }
        let level = level.clamp(0.0, 1.0);
        self.core.call(Command::Volume(VolumeArgs { level })).await.map_err(failed)?;
        // The automatic PropertiesChanged after a setter reads the getter: make it the new value.
        self.status.volume = level;
        Ok(())
    }

    /// Microseconds since the session started (clients poll it; it is not signalled, per spec).
    #[zbus(property(emits_changed_signal = "false"))]
    fn position(&self) -> i64 {
        let Some(start) = self.status.started_at.as_deref().and_then(|s| s.parse::<jiff::Timestamp>().ok())
        else {
            return 0;
        };
        let us = jiff::Timestamp::now().duration_since(start).as_micros() as i64;
        length_us(&self.status).map_or(us, |len| us.min(len)).max(0)
    }

    #[zbus(property)]
    fn can_go_next(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn can_go_previous(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn can_play(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn can_pause(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn can_seek(&self) -> bool {
        false
    }

    #[zbus(property(emits_changed_signal = "const"))]
    fn can_control(&self) -> bool {
        true
    }
}

/// Keeps `org.mpris.MediaPlayer2.sonora` registered for as long as the daemon runs, registering
/// again when the bus comes back. Spawn it beside `transport::dbus::serve`.
pub async fn serve(core: CoreHandle, shutdown: watch::Receiver<bool>) {
    super::keep_on_bus("MPRIS (media keys)", shutdown, |sd| serve_once(core.clone(), sd)).await
}

/// Returns Ok(true) on shutdown, Ok(false) when the bus went away.
async fn serve_once(core: CoreHandle, mut shutdown: watch::Receiver<bool>) -> zbus::Result<bool> {
    let status: Status = match core.call(Command::Status).await {
        Ok(v) => serde_json::from_value(v).unwrap_or_else(|_| Status::idle(0.0)),
        Err(_) => return Ok(true),
    };
    let mut events = core.subscribe();
    let conn = zbus::connection::Builder::session()?
        .serve_at(MPRIS_PATH, Root)?
        .serve_at(MPRIS_PATH, Player::new(core.clone(), status))?
        .name(MPRIS_NAME)?
        .build()
        .await?;
    tracing::info!(name = MPRIS_NAME, "MPRIS player registered");
    let player = conn.object_server().interface::<_, Player>(MPRIS_PATH).await?;
    let mut bus_messages = zbus::MessageStream::from(&conn);
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(Event::State(st)) => announce(&player, st).await,
                Ok(_) => {}
                // Missed some: the next state event carries the full picture, but fetch it now.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if let Ok(v) = core.call(Command::Status).await
                        && let Ok(st) = serde_json::from_value(v)
                    {
                        announce(&player, st).await;
                    }
                }
                Err(_) => return Ok(true),
            },
            msg = bus_messages.next() => if msg.is_none() { return Ok(false) },
            _ = shutdown.changed() => return Ok(true),
        }
    }
}

/// Stores the new status and emits PropertiesChanged for what media widgets show.
async fn announce(player: &zbus::object_server::InterfaceRef<Player>, new: Status) {
    let mut p = player.get_mut().await;
    let old_track = p.track;
    let old = p.absorb(new);
    let new = &p.status;
    let em = player.signal_emitter();
    if playback_status(old.state) != playback_status(new.state) {
        let _ = p.playback_status_changed(em).await;
    }
    let layers_pack = |s: &Status| s.layers.iter().find_map(|l| l.pack.clone());
    if old_track != p.track
        || old.outcome != new.outcome
        || old.ends_at != new.ends_at
        || layers_pack(&old) != layers_pack(new)
    {
        let _ = p.metadata_changed(em).await;
    }
    if old.volume != new.volume {
        let _ = p.volume_changed(em).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonora_proto::LayerInfo;

    fn playing(pack: Option<&str>) -> Status {
        let mut s = Status::idle(0.5);
        s.state = StateKind::Playing;
        s.outcome = Some(Outcome::Calm);
        s.started_at = Some("2025-01-01T10:00:00Z".into());
        s.ends_at = Some("2025-01-01T10:20:00Z".into());
        s.layers = vec![LayerInfo {
            name: "water".into(),
            kind: "waves".into(),
            pack: pack.map(Into::into),
            volume: 1.0,
            muted: false,
        }];
        s
    }

    #[test]
    fn title_names_outcome_and_pack() {
        assert_eq!(title(&playing(Some("shore"))).as_deref(), Some("Calm — shore"));
        assert_eq!(title(&playing(None)).as_deref(), Some("Calm"));
        assert_eq!(title(&Status::idle(0.5)), None);
    }

    #[test]
    fn length_of_a_timed_session() {
        assert_eq!(length_us(&playing(None)), Some(20 * 60 * 1_000_000));
        let mut open = playing(None);
        open.ends_at = None;
        assert_eq!(length_us(&open), None);
    }

    #[test]
    fn states_map_to_playback_status() {
        assert_eq!(playback_status(StateKind::Playing), "Playing");
        assert_eq!(playback_status(StateKind::Fading), "Stopped");
        assert_eq!(playback_status(StateKind::Idle), "Stopped");
        assert_eq!(playback_status(StateKind::CheckingIn), "Paused");
    }
}
