//! The command core: one state machine that every transport (socket, D-Bus, schedule, tray)
//! drives, run as a single actor task so state changes are serialised without locks.
//!
//! Transports hold a [`CoreHandle`]; they send a [`Command`] and await its result, and subscribe
//! to the [`Event`] broadcast. The actor owns the audio output and the session.

mod checkin;
mod history;
mod learning;
mod presets;
mod rotation;
mod schedule;
mod session;
pub(crate) mod suspend;

use crate::audio::{AudioEvent, Output};
use crate::config::{self, Settings};
use session::{Session, State};
use sonora_proto::command::{StartArgs, ToggleArgs, VolumeArgs};
use sonora_proto::{Command, ErrorBody, ErrorCode, Event, Markers, Outcome, StateKind, Status, VersionInfo};
use sonora_store::{SessionSource, Store};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

pub type CallResult = Result<serde_json::Value, ErrorBody>;

pub(crate) enum Msg {
    Call(Command, oneshot::Sender<CallResult>),
    /// The microphone finished recording a check-in.
    CheckinAudio(Result<sonora_analysis::Audio, crate::checkin::mic::MicError>, oneshot::Sender<CallResult>),
    /// A watched file (config, packs) changed on disk.
    FilesChanged,
    /// Someone answered a notification: (prompt token, action key).
    NotificationAction(u64, String),
    /// The machine goes to sleep or woke up (from `crate::sleep`).
    Sleep(suspend::SleepMsg),
}

/// What transports hold: a way to call the core and to follow its events.
#[derive(Clone)]
pub struct CoreHandle {
    tx: mpsc::Sender<Msg>,
    events: broadcast::Sender<Event>,
}

impl CoreHandle {
    /// Tells the core that watched files changed (from the file watcher's thread).
    pub fn files_changed(&self) {
        let _ = self.tx.try_send(Msg::FilesChanged);
    }

    /// Sleep and resume (from the logind listener).
    pub fn sleep_event(&self, msg: suspend::SleepMsg) {
        let _ = self.tx.try_send(Msg::Sleep(msg));
    }

    /// An answer to a notification prompt (from the notifier task).
    pub fn notification_action(&self, token: u64, action: String) {
        let _ = self.tx.try_send(Msg::NotificationAction(token, action));
    }

    pub async fn call(&self, cmd: Command) -> CallResult {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Msg::Call(cmd, tx))
            .await
            .map_err(|_| ErrorBody::new(ErrorCode::Internal, "the daemon is shutting down"))?;
        rx.await.map_err(|_| ErrorBody::new(ErrorCode::Internal, "the daemon is shutting down"))?
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}

pub struct Core {
    settings: Settings,
    packs: sonora_engine::PackLibrary,
    state: State,
    volume: f64,
    output: Output,
    audio_rx: mpsc::UnboundedReceiver<AudioEvent>,
    audio_error: Option<String>,
    /// When to try the output device again after it failed.
    retry_at: Option<Instant>,
    events: broadcast::Sender<Event>,
    rx: mpsc::Receiver<Msg>,
    /// For work that finishes later (a check-in recording) to report back to the actor.
    self_tx: mpsc::Sender<Msg>,
    seed_counter: u64,
    rotation: rotation::Rotation,
    /// History; None when the database could not be opened (the reason is in `store_error`).
    store: Option<Store>,
    store_error: Option<String>,
    /// Latest usable check-in: its markers and confidence shape the next scenes.
    last_markers: Option<(Markers, f64)>,
    last_checkin: Option<(i64, Instant)>,
    /// True while the microphone records a check-in.
    checking_in: bool,
    /// Watched files changed: reload at this time (editors write in bursts).
    reload_at: Option<Instant>,
    clock: crate::clock::DaemonClock,
    scheduler: sonora_schedule::Scheduler,
    notifier: crate::notify::Notifier,
    /// A scheduled check-in prompt waiting for an answer.
    prompt: Option<schedule::Prompt>,
    prompt_counter: u64,
    /// A scheduled session to start once the running check-in finishes.
    after_checkin: Option<(Outcome, Option<f64>)>,
    /// What was learned from ratings (rebuilt from the history).
    learner: sonora_learn::Model,
    /// A "Did that help?" question waiting for an answer.
    rating_prompt: Option<learning::RatingPrompt>,
    /// The session that ended last in this run (what `rate` rates).
    last_ended: Option<i64>,
    /// A check-in offered at a session's end, waiting for an answer.
    closing_prompt: Option<learning::RatingPrompt>,
    /// The session the running check-in closes (its markers go next to the opening ones).
    closing_for: Option<i64>,
    /// The schedule entry that fired last asked for a check-in after its session.
    schedule_checkin_after: bool,
    /// Set while the machine sleeps (see suspend.rs).
    suspended: Option<suspend::Suspended>,
    /// The config's `on_event`, for the hooks task (hooks.rs): sent again on every reload.
    hook_program: tokio::sync::watch::Sender<String>,
}

/// How long the shutdown fade lasts: short, so SIGTERM is answered promptly but without a click.
const SHUTDOWN_FADE_S: f64 = 0.4;
const DEVICE_RETRY: Duration = Duration::from_secs(2);
/// `status.silent_reason` while a session plays without a sound device (`audio_error` has the
/// technical detail).
const SILENT_REASON: &str = "no sound device is available right now; the session keeps its place and its \
     timer, and sound comes back by itself when a device appears";

impl Core {
    pub fn new(settings: Settings) -> (Core, CoreHandle) {
        let (tx, rx) = mpsc::channel(256);
        let (events, _) = broadcast::channel(256);
        let (audio_tx, audio_rx) = mpsc::unbounded_channel();
        let volume = settings.volume;
        let clock = crate::clock::DaemonClock::from_env();
        let packs = sonora_engine::PackLibrary::load(&pack_dirs(&settings));
        for info in packs.infos().iter().filter(|p| p.error.is_some()) {
            tracing::warn!(pack = %info.name, error = ?info.error, "sound pack did not load");
        }
        let (store, store_error) = match Store::open(sonora_proto::paths::data_dir().join("history.db")) {
            Ok(s) => (Some(s), None),
            Err(e) => {
                tracing::error!(error = %e, "history is unavailable; sessions still play but nothing is stored");
                (None, Some(e.to_string()))
            }
        };
        let last_markers = store
            .as_ref()
            .and_then(|s| s.latest_checkin().ok().flatten())
            .and_then(|row| row.markers.map(|m| (m, row.confidence)));
        let core = Core {
            packs,
            store,
            store_error,
            last_markers,
            last_checkin: None,
            checking_in: false,
            reload_at: None,
            clock: clock.clone(),
            scheduler: schedule::new_scheduler(clock),
            notifier: crate::notify::Notifier::disabled(),
            prompt: None,
            prompt_counter: 0,
            after_checkin: None,
            learner: sonora_learn::Model::default(),
            rating_prompt: None,
            last_ended: None,
            closing_prompt: None,
            closing_for: None,
            schedule_checkin_after: false,
            suspended: None,
            hook_program: tokio::sync::watch::channel(settings.on_event.clone()).0,
            self_tx: tx.clone(),
            output: Output::new(volume as f32, audio_tx),
            settings,
            state: State::Idle,
            volume,
            audio_rx,
            audio_error: None,
            retry_at: None,
            events: events.clone(),
            rx,
            seed_counter: 0,
            rotation: rotation::Rotation::default(),
        };
        let mut core = core;
        core.seed_rotation();
        core.start_schedule();
        core.rebuild_learner(false);
        (core, CoreHandle { tx, events })
    }

    /// Rotation survives restarts: the last sessions' packs in the history count as played.
    fn seed_rotation(&mut self) {
        let Some(store) = &self.store else { return };
        let since = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(24 * 30)).ok();
        match store.sessions(since) {
            Ok(rows) => {
                for r in rows.iter().filter(|r| r.pack.is_some()) {
                    self.rotation.played(r.outcome, r.pack.as_deref().unwrap_or_default());
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read recent sessions; pack rotation starts afresh")
            }
        }
    }

    /// Desktop notifications for scheduled check-ins (needs the runtime, so it comes after new()).
    pub fn set_notifier(&mut self, n: crate::notify::Notifier) {
        self.notifier = n;
    }

    /// Runs until `quit` or until `shutdown` resolves, then fades out and releases the device.
    pub async fn run(mut self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                msg = self.rx.recv() => match msg {
                    Some(Msg::Call(Command::Checkin(args), reply)) => self.checkin(args, reply),
                    Some(Msg::Call(cmd, reply)) => {
                        let quit = matches!(cmd, Command::Quit);
                        let result = self.handle(cmd);
                        let _ = reply.send(result);
                        if quit {
                            tracing::info!("quit requested");
                            break;
                        }
                    }
                    Some(Msg::NotificationAction(token, action)) => self.prompt_answered(token, &action),
                    Some(Msg::Sleep(m)) => self.on_sleep(m),
                    Some(Msg::CheckinAudio(audio, reply)) => {
                        self.checking_in = false;
                        if audio.is_err() {
                            self.closing_for = None;
                        }
                        let result = match audio {
                            Ok(audio) => self.finish_checkin(&audio),
                            Err(e) => {
                                tracing::warn!(error = %e, "check-in recording failed");
                                self.broadcast_state();
                                Err(ErrorBody::new(ErrorCode::Device, format!(
                                    "{e}. Nothing was recorded; you can check in from a file with --file, \
                                     and sessions still start from your usual baseline."
                                )))
                            }
                        };
                        let _ = reply.send(result);
                        if let Some((outcome, minutes)) = self.after_checkin.take() {
                            let _ = self.start(outcome, minutes, None, SessionSource::Schedule);
                        }
                    }
                    Some(Msg::FilesChanged) => {
                        self.reload_at.get_or_insert(Instant::now() + Duration::from_millis(300));
                    }
                    None => break,
                },
                Some(ev) = self.audio_rx.recv() => self.on_audio_event(ev),
                _ = sleep_until_opt(deadline), if deadline.is_some() => self.on_timer(),
                _ = &mut shutdown => {
                    tracing::info!("shutting down");
                    break;
                }
            }
            self.output.collect_trash();
        }
        self.fade_out_and_release().await;
    }

    async fn fade_out_and_release(&mut self) {
        if self.output.is_open() {
            self.output.fade_to(0.0, SHUTDOWN_FADE_S);
            tokio::time::sleep(Duration::from_secs_f64(SHUTDOWN_FADE_S + 0.1)).await;
            self.output.close();
        }
        self.state = State::Idle;
    }

    fn next_deadline(&self) -> Option<Instant> {
        let state_deadline = match &self.state {
            State::Idle => None,
            // Asleep: the session's end is decided by the wall clock on resume.
            State::Playing(_) if self.suspended.is_some() => None,
            State::Playing(s) => s.ends.map(|(i, _)| i),
            State::Fading { until, .. } => Some(*until),
        };
        [
            state_deadline,
            self.retry_at,
            self.reload_at,
            self.schedule_deadline(),
            self.prompt.as_ref().map(|p| p.deadline),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn on_timer(&mut self) {
        let now = Instant::now();
        if self.reload_at.is_some_and(|t| t <= now) {
            self.reload_at = None;
            self.files_changed();
        }
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.retry_device();
        }
        if self.prompt.as_ref().is_some_and(|p| p.deadline <= now) {
            self.prompt_timed_out();
        }
        if self.schedule_due() {
            self.poll_schedule();
        }
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Playing(mut s) if s.ends.is_some_and(|(i, _)| i <= now) && self.suspended.is_none() => {
                tracing::info!(outcome = %s.outcome, "session time is up; fading out");
                self.record_session_end(&s, false);
                self.session_ended(learning::Ended::of(&s), true);
                s.ends_at_fade = Some(jiff::Timestamp::now());
                let fade = self.settings.end_fade_s;
                self.output.fade_to(0.0, fade);
                self.state = State::Fading { session: s, until: now + Duration::from_secs_f64(fade + 0.2) };
                self.broadcast_state();
            }
            State::Fading { session, until } if until <= now => {
                self.output.close();
                tracing::info!(outcome = %session.outcome, "session ended; audio output released");
                self.audio_error = None;
                self.retry_at = None;
                self.broadcast_state();
            }
            other => self.state = other,
        }
    }

    fn on_audio_event(&mut self, ev: AudioEvent) {
        match ev {
            AudioEvent::StreamError(msg) => {
                if !self.output.is_open() {
                    return;
                }
                tracing::warn!(error = %msg, "audio output failed; will retry on the default device");
                self.output.close();
                let plain = format!("the sound device stopped working ({msg}); trying again");
                self.audio_error = Some(plain.clone());
                self.retry_at = Some(Instant::now() + DEVICE_RETRY);
                let _ = self.events.send(Event::Error(ErrorBody::new(ErrorCode::Device, plain)));
                self.broadcast_state();
            }
        }
    }

    /// Reopens the output and rebuilds the running scene after a device failure.
    fn retry_device(&mut self) {
        let State::Playing(s) = &self.state else {
            self.audio_error = None;
            return;
        };
        let (outcome, seed, minutes, preset, pack) =
            (s.outcome, s.seed, s.minutes, s.preset.clone(), s.pack.clone());
        // The session kept its place while silent: the rebuilt scene goes on from there.
        let into_s = jiff::Timestamp::now().duration_since(s.started_at).as_secs_f64().max(0.0);
        match self.output.open() {
            Ok(info) => {
                let (source, control) =
                    match self.build_scene_at(outcome, seed, minutes, info.sample_rate, preset, pack, into_s)
                    {
                        Ok(scene) => scene,
                        Err(e) => {
                            tracing::error!("{}", e.message);
                            return;
                        }
                    };
                self.output.play(source, 0.0);
                self.output.fade_to(1.0, 1.0);
                if let State::Playing(s) = &mut self.state {
                    if s.pack.is_none() {
                        let name = control.pack_name();
                        if let Some(n) = &name {
                            self.rotation.played(outcome, n);
                        }
                        s.pack = name;
                    }
                    s.scene = Some(control);
                }
                if let State::Playing(s) = &self.state {
                    self.record_scene(s);
                }
                tracing::info!(device = %info.device, "audio output back; playing again");
                self.audio_error = None;
            }
            Err(e) => {
                self.audio_error = Some(no_device_message(&e));
                self.retry_at = Some(Instant::now() + DEVICE_RETRY);
            }
        }
        self.broadcast_state();
    }

    fn handle(&mut self, cmd: Command) -> CallResult {
        tracing::debug!(cmd = %cmd.name(), "command");
        match cmd {
            Command::Status => to_value(self.status()),
            Command::Start(StartArgs { outcome, minutes, preset, pack }) => {
                let preset = match preset {
                    Some(name) => Some(presets::load(&name)?),
                    None => None,
                };
                if let Some(name) = &pack
                    && self.packs.get(name).is_none()
                {
                    let known: Vec<String> = self
                        .packs
                        .infos()
                        .into_iter()
                        .filter(|i| i.error.is_none())
                        .map(|i| i.name)
                        .collect();
                    return Err(ErrorBody::new(
                        ErrorCode::InvalidArgs,
                        format!("no sound pack named '{name}' (loaded: {})", known.join(", ")),
                    ));
                }
                self.start_with(outcome, minutes, preset, pack, SessionSource::Manual, true)
            }
            Command::Schedule => self.schedule_info(),
            Command::ScheduleSkipNext(args) => self.schedule_skip(&args.name),
            Command::SchedulePause => self.schedule_pause(true),
            Command::ScheduleResume => self.schedule_pause(false),
            Command::Stop => self.stop(),
            Command::Toggle(ToggleArgs { outcome, minutes }) => {
                let active = match &self.state {
                    State::Playing(s) => Some(s.outcome),
                    _ => None,
                };
                if active == Some(outcome) {
                    self.stop()
                } else {
                    self.start(outcome, minutes, None, SessionSource::Manual)
                }
            }
            Command::Volume(VolumeArgs { level }) => {
                if !(0.0..=1.0).contains(&level) || !level.is_finite() {
                    return Err(ErrorBody::new(
                        ErrorCode::InvalidArgs,
                        format!("volume must be between 0 and 1, got {level}"),
                    ));
                }
                self.volume = level;
                self.output.set_volume(level as f32);
                let _ = self.events.send(Event::Volume { volume: level });
                self.broadcast_state();
                to_value(self.status())
            }
            Command::Reload => match config::load() {
                Ok(settings) => {
                    self.use_settings(settings);
                    self.packs.reload(&pack_dirs(&self.settings));
                    tracing::info!("configuration and sound packs reloaded");
                    to_value(self.status())
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reload failed; keeping the last good configuration");
                    let err = ErrorBody::new(
                        ErrorCode::Config,
                        format!("{e} (keeping the last good configuration)"),
                    );
                    let _ = self.events.send(Event::Error(err.clone()));
                    Err(err)
                }
            },
            Command::Version => to_value(VersionInfo {
                version: sonora_proto::VERSION.into(),
                protocol: sonora_proto::PROTOCOL_VERSION,
            }),
            Command::Quit => Ok(serde_json::json!({"quitting": true})),
            Command::About => to_value(sonora_proto::about::about()),
            Command::Subscribe => Err(ErrorBody::new(
                ErrorCode::BadRequest,
                "subscribe is a transport command: send it on the socket, or listen to the D-Bus Event signal",
            )),
            Command::Layers => Ok(serde_json::to_value(self.status().layers).unwrap_or_default()),
            Command::Layer(args) => {
                let State::Playing(s) = &self.state else {
                    return Err(not_playing());
                };
                let scene = s.scene.as_ref().ok_or_else(not_playing)?;
                let info = scene
                    .set_layer(&args.name, args.volume, args.mute)
                    .map_err(|e| ErrorBody::new(ErrorCode::InvalidArgs, e.to_string()))?;
                self.broadcast_state();
                to_value(info)
            }
            Command::Next => {
                let State::Playing(s) = &self.state else {
                    return Err(not_playing());
                };
                // `next` asks for something else: rotation, not the learner's favourite.
                let (outcome, remaining) = (s.outcome, s.remaining_minutes());
                self.start_with(outcome, remaining, None, None, SessionSource::Manual, false)
            }
            Command::Packs => to_value(self.packs.infos()),
            Command::PresetSave(args) => {
                let State::Playing(s) = &self.state else {
                    return Err(not_playing());
                };
                let scene = s.scene.as_ref().ok_or_else(not_playing)?;
                let path = presets::save(&args.name, &scene.preset())?;
                Ok(serde_json::json!({"name": args.name, "path": path, "preset": scene.preset()}))
            }
            Command::Presets => to_value(presets::list()),
            Command::History(args) => self.history(args),
            Command::Rate(args) => self.rate(args),
            Command::Forget(args) => self.forget(args),
            Command::Export(args) => self.export(args),
            Command::Insights(args) => self.insights(args),
            Command::Checkin(_) => unreachable!("check-ins are dispatched in run()"),
        }
    }

    /// New valid settings (reload or a changed file): the schedule and the event hook follow.
    fn use_settings(&mut self, settings: Settings) {
        self.settings = settings;
        self.load_schedule();
        let program = self.settings.on_event.clone();
        self.hook_program.send_if_modified(|p| {
            let changed = *p != program;
            *p = program;
            changed
        });
    }

    /// The config's `on_event`, now and after every reload (for hooks.rs).
    pub fn hook_program(&self) -> tokio::sync::watch::Receiver<String> {
        self.hook_program.subscribe()
    }

    /// Config or pack files changed on disk: take what is valid, keep the last good rest.
    fn files_changed(&mut self) {
        match config::load() {
            Ok(settings) if settings != self.settings => {
                tracing::info!("config file changed; new settings in use");
                self.use_settings(settings);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "config file changed but is not valid; keeping the last good settings");
                let _ = self.events.send(Event::Error(ErrorBody::new(
                    ErrorCode::Config,
                    format!("{e} (keeping the last good configuration)"),
                )));
            }
        }
        let before: Vec<_> = self.packs.infos();
        self.packs.reload(&pack_dirs(&self.settings));
        for info in self.packs.infos() {
            if info.error.is_some() && !before.contains(&info) {
                tracing::warn!(pack = %info.name, error = ?info.error, "sound pack has a problem; its last good version stays");
                let _ = self.events.send(Event::Error(ErrorBody::new(
                    ErrorCode::Config,
                    format!("sound pack {}: {}", info.name, info.error.clone().unwrap_or_default()),
                )));
            }
        }
    }

    fn fresh_seed(&mut self) -> u64 {
        self.seed_counter += 1;
        (jiff::Timestamp::now().as_nanosecond() as u64) ^ self.seed_counter.rotate_left(32)
    }

    /// The scene for a session, starting `into_s` seconds into it (0 for a new session; more
    /// when a sound device came back mid-session).
    #[allow(clippy::too_many_arguments)]
    fn build_scene_at(
        &self,
        outcome: Outcome,
        seed: u64,
        minutes: Option<f64>,
        sample_rate: u32,
        preset: Option<sonora_engine::Preset>,
        pack: Option<String>,
        into_s: f64,
    ) -> Result<(Box<dyn sonora_engine::Source>, sonora_engine::SceneControl), ErrorBody> {
        // Rotation only steers the seeded choice; a preset or an explicit pack wins.
        let avoid =
            if preset.is_none() && pack.is_none() { self.rotation.avoid(outcome) } else { Vec::new() };
        sonora_engine::build_scene_inner(
            &sonora_engine::SceneRequest {
                outcome,
                markers: self.last_markers,
                seed,
                minutes,
                sample_rate,
                preset,
                pack,
                avoid,
                focus_pulse: self.settings.focus_pulse,
            },
            &self.packs,
        )
        .map(|(mut scene, control)| {
            scene.start_at(into_s);
            (Box::new(scene) as Box<dyn sonora_engine::Source>, control)
        })
        .map_err(|e| ErrorBody::new(ErrorCode::Config, format!("cannot build the scene: {e}")))
    }

    /// Starts a session with the pack the learner chooses (rotation while nothing was learned),
    /// or the preset's pack.
    fn start(
        &mut self,
        outcome: Outcome,
        minutes: Option<f64>,
        preset: Option<sonora_engine::Preset>,
        source: SessionSource,
    ) -> CallResult {
        self.start_with(outcome, minutes, preset, None, source, true)
    }

    /// `learn`: let the learner choose when neither a preset nor a pack is given (false for
    /// `next`, which rotates).
    fn start_with(
        &mut self,
        outcome: Outcome,
        minutes: Option<f64>,
        preset: Option<sonora_engine::Preset>,
        pack: Option<String>,
        source: SessionSource,
        learn: bool,
    ) -> CallResult {
        let minutes = match minutes {
            Some(m) if !(m.is_finite() && m > 0.0 && m <= 24.0 * 60.0) => {
                return Err(ErrorBody::new(
                    ErrorCode::InvalidArgs,
                    format!("minutes must be between 0 and 1440, got {m}"),
                ));
            }
            Some(m) => Some(m),
            None if self.settings.default_minutes > 0.0 => Some(self.settings.default_minutes),
            None => None,
        };
        self.ask_pending_rating();
        let seed = self.fresh_seed();
        let time_bucket = self.time_bucket();
        let mut choice = if preset.is_some() || pack.is_some() {
            learning::CHOICE_EXPLICIT
        } else {
            learning::CHOICE_ROTATION
        };
        let mut why = None;
        let mut pack = pack;
        if learn
            && choice == learning::CHOICE_ROTATION
            && let Some(c) = self.learned_choice(outcome, time_bucket, seed)
        {
            tracing::info!(pack = %c.pack, why = %c.explanation, "pack chosen from what was learned");
            pack = Some(c.pack);
            why = Some(c.explanation);
            choice = learning::CHOICE_LEARNED;
        }
        let was_sounding = self.output.is_open();
        let mut scene = None;
        match self.output.open() {
            Ok(info) => {
                let (source, control) = self.build_scene_at(
                    outcome,
                    seed,
                    minutes,
                    info.sample_rate,
                    preset.clone(),
                    pack.clone(),
                    0.0,
                )?;
                if was_sounding {
                    let xf = self.settings.crossfade_s;
                    self.output.play(source, xf);
                    self.output.fade_to(1.0, xf);
                } else {
                    self.output.play(source, 0.0);
                    self.output.fade_to(1.0, self.settings.fade_in_s);
                }
                scene = Some(control);
                self.audio_error = None;
                self.retry_at = None;
            }
            Err(e) => {
                let msg = no_device_message(&e);
                tracing::warn!(error = %e, "{msg}");
                self.audio_error = Some(msg);
                self.retry_at = Some(Instant::now() + DEVICE_RETRY);
            }
        }
        // The session being replaced ends here in the history.
        let ended = match &self.state {
            State::Playing(old) | State::Fading { session: old, .. } if old.ends_at_fade.is_none() => {
                self.record_session_end(old, true);
                Some(learning::Ended::of(old))
            }
            _ => None,
        };
        if let Some(e) = ended {
            self.session_ended(e, false);
        }
        // The pack actually playing (None while no device is open: chosen when sound starts).
        let pack = scene.as_ref().and_then(|c| c.pack_name()).or(pack);
        if scene.is_some()
            && let Some(p) = &pack
        {
            self.rotation.played(outcome, p);
        }
        let mut session = Session::new(outcome, minutes, seed, scene, preset, source);
        session.pack = pack;
        session.choice = choice;
        session.why = why;
        session.time_bucket = time_bucket;
        session.checkin_after = self.settings.checkin_after
            || (source == SessionSource::Schedule && std::mem::take(&mut self.schedule_checkin_after));
        session.history_id = self.record_session_start(&session, source);
        self.record_scene(&session);
        tracing::info!(%outcome, minutes = ?minutes, "session started");
        self.state = State::Playing(session);
        self.broadcast_state();
        to_value(self.status())
    }

    fn stop(&mut self) -> CallResult {
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Playing(mut session) => {
                let fade = self.settings.stop_fade_s;
                tracing::info!(outcome = %session.outcome, "session stopped; fading out");
                self.record_session_end(&session, true);
                self.session_ended(learning::Ended::of(&session), false);
                session.ends_at_fade = Some(jiff::Timestamp::now());
                if self.output.is_open() {
                    self.output.fade_to(0.0, fade);
                    self.state = State::Fading {
                        session,
                        until: Instant::now() + Duration::from_secs_f64(fade + 0.2),
                    };
                } else {
                    self.audio_error = None;
                    self.retry_at = None;
                }
                self.broadcast_state();
            }
            other => self.state = other,
        }
        to_value(self.status())
    }

    pub(crate) fn status(&self) -> Status {
        let mut st = Status::idle(self.volume);
        st.audio_error = self.audio_error.clone();
        let (kind, session) = match &self.state {
            State::Idle => (StateKind::Idle, None),
            State::Playing(s) => (StateKind::Playing, Some(s)),
            State::Fading { session, .. } => (StateKind::Fading, Some(session)),
        };
        st.state = if self.checking_in { StateKind::CheckingIn } else { kind };
        st.last_markers = self.last_markers.map(|(m, _)| m);
        st.schedule_paused = self.scheduler.is_paused();
        st.underruns = self.output.underruns();
        if let Some(s) = session {
            s.describe(&mut st);
            st.output = Some(if self.output.is_open() { "device" } else { "none" }.into());
            if !self.output.is_open() && matches!(self.state, State::Playing(_)) {
                st.silent_reason = Some(SILENT_REASON.into());
            }
        }
        st
    }

    fn broadcast_state(&self) {
        let _ = self.events.send(Event::State(self.status()));
    }
}

/// User pack folders: `$XDG_DATA_HOME/sonora/packs` and any listed in the config.
pub fn pack_dirs(settings: &Settings) -> Vec<std::path::PathBuf> {
    // Installed packs (e.g. /usr/share/sonora/packs), then the user's, then configured folders:
    // a later folder's pack shadows an earlier one of the same name.
    let mut dirs = sonora_proto::paths::system_pack_dirs();
    dirs.push(sonora_proto::paths::data_dir().join("packs"));
    dirs.extend(settings.pack_dirs.iter().cloned());
    dirs
}

fn not_playing() -> ErrorBody {
    ErrorBody::new(ErrorCode::NotPlaying, "no session is playing; start one with `sonoractl start calm`")
}

fn no_device_message(e: &crate::audio::OutputError) -> String {
    format!("no sound device is available ({e}); the session runs silently until one appears")
}

fn to_value<T: serde::Serialize>(v: T) -> CallResult {
    serde_json::to_value(v).map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
