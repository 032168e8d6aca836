//! The default audio output, owned through cpal.
//!
//! cpal streams are not `Send`, so one dedicated thread owns the stream; the command core talks to
//! it through [`Output`]. The stream exists only while a session plays: when a session ends the
//! stream is dropped, so an idle daemon uses no CPU and does not keep the sound server's sink awake.
//!
//! Underruns (the device ran out of sound because the callback came too late) are counted by the
//! callback itself, see [`UnderrunWatch`], and logged by the audio thread, never by the callback.

use super::mixer::{self, MixerControl, MixerMsg};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use sonora_engine::Source;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// How often the audio thread looks at the underrun count while a stream is open (and logs when it
/// went up): the log gets at most one line per period, however bad things are.
const UNDERRUN_LOG_EVERY: Duration = Duration::from_secs(2);

/// Things the audio thread reports to the core.
#[derive(Debug, Clone)]
pub enum AudioEvent {
    /// The stream failed (device vanished, sound server restarted...).
    StreamError(String),
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("no audio output device found")]
    NoDevice,
    #[error("cannot open the audio output: {0}")]
    Open(String),
    #[error("the audio thread is gone")]
    ThreadGone,
}

enum ThreadCmd {
    Open(mixer::Mixer, mpsc::Sender<Result<StreamInfo, OutputError>>),
    Close,
}

#[derive(Debug, Clone)]
pub struct StreamInfo {
    pub sample_rate: u32,
    pub device: String,
}

/// Control handle of the output; owned by the command core.
pub struct Output {
    cmd: mpsc::Sender<ThreadCmd>,
    control: Option<MixerControl>,
    info: Option<StreamInfo>,
    volume: f32,
    /// Underruns since the daemon started, over every stream it opened.
    underruns: Arc<AtomicU64>,
}

impl Output {
    /// Starts the audio thread (it sleeps until a session opens a stream).
    pub fn new(volume: f32, events: tokio::sync::mpsc::UnboundedSender<AudioEvent>) -> Output {
        let (tx, rx) = mpsc::channel::<ThreadCmd>();
        let underruns = Arc::new(AtomicU64::new(0));
        let counter = underruns.clone();
        std::thread::Builder::new()
            .name("sonora-audio".into())
            .spawn(move || audio_thread(rx, events, counter))
            .expect("spawn audio thread");
        Output { cmd: tx, control: None, info: None, volume, underruns }
    }

    /// Times the sound device ran out of sound since the daemon started.
    pub fn underruns(&self) -> u64 {
        self.underruns.load(Ordering::Relaxed)
    }

    pub fn is_open(&self) -> bool {
        self.control.is_some()
    }

    /// Opens the default output device (silent until a scene and a fade arrive).
    pub fn open(&mut self) -> Result<StreamInfo, OutputError> {
        if let Some(info) = &self.info {
            return Ok(info.clone());
        }
        let (mixer, control) = mixer::mixer(self.volume);
        let (reply_tx, reply_rx) = mpsc::channel();
        self.cmd.send(ThreadCmd::Open(mixer, reply_tx)).map_err(|_| OutputError::ThreadGone)?;
        let info = reply_rx.recv_timeout(Duration::from_secs(5)).map_err(|_| OutputError::ThreadGone)??;
        self.control = Some(control);
        self.info = Some(info.clone());
        Ok(info)
    }

    /// Releases the device.
    pub fn close(&mut self) {
        if self.control.take().is_some() {
            let _ = self.cmd.send(ThreadCmd::Close);
        }
        self.info = None;
    }

    fn send(&mut self, msg: MixerMsg) {
        if let Some(c) = self.control.as_mut()
            && c.send(msg).is_err()
        {
            tracing::warn!("audio command queue full; command dropped");
        }
    }

    /// Puts a scene on: cut in when nothing plays, else crossfade over `xfade_s`.
    pub fn play(&mut self, source: Box<dyn Source>, xfade_s: f64) {
        let frames = self.frames(xfade_s);
        self.send(MixerMsg::Scene(source, frames));
    }

    pub fn fade_to(&mut self, gain: f32, secs: f64) {
        let frames = self.frames(secs);
        self.send(MixerMsg::FadeTo(gain, frames));
    }

    pub fn set_volume(&mut self, v: f32) {
        self.volume = v;
        if let Some(c) = &self.control {
            c.shared.volume.store(v.to_bits(), Ordering::Relaxed);
        }
    }

    /// Frees scenes the callback has finished with.
    pub fn collect_trash(&mut self) {
        if let Some(c) = self.control.as_mut() {
            c.collect_trash();
        }
    }

    fn frames(&self, secs: f64) -> usize {
        let sr = self.info.as_ref().map(|i| i.sample_rate).unwrap_or(48_000);
        (secs.max(0.0) * sr as f64) as usize
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.close();
    }
}

fn audio_thread(
    rx: mpsc::Receiver<ThreadCmd>,
    events: tokio::sync::mpsc::UnboundedSender<AudioEvent>,
    underruns: Arc<AtomicU64>,
) {
    let mut stream: Option<cpal::Stream> = None;
    let mut logged = 0u64;
    loop {
        // Idle: sleep until told otherwise (no wake-ups). Playing: look at the count now and then.
        let cmd = if stream.is_some() {
            match rx.recv_timeout(UNDERRUN_LOG_EVERY) {
                Ok(cmd) => Some(cmd),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(cmd) => Some(cmd),
                Err(_) => break,
            }
        };
        match cmd {
            None => {}
            Some(ThreadCmd::Open(mixer, reply)) => {
                stream = None;
                let result = open_stream(mixer, events.clone(), underruns.clone()).map(|(s, info)| {
                    stream = Some(s);
                    info
                });
                let _ = reply.send(result);
            }
            Some(ThreadCmd::Close) => {
                if let Some(s) = stream.take() {
                    let _ = s.pause();
                    drop(s);
                    tracing::debug!("audio output released");
                }
            }
        }
        log_underruns(&underruns, &mut logged);
    }
}

/// Logs once when the underrun count went up since the last look.
fn log_underruns(underruns: &AtomicU64, logged: &mut u64) {
    let n = underruns.load(Ordering::Relaxed);
    if n > *logged {
        tracing::warn!(
            underruns = n,
            new = n - *logged,
            "audio hiccup: the sound device was not fed in time ({n} so far); a very busy computer can cause this"
        );
        *logged = n;
    }
}

/// Notices, from inside the output callback, that the sound device ran out of sound.
///
/// cpal's ALSA backend (which also serves PulseAudio and PipeWire through their ALSA plugins)
/// recovers from an underrun without telling the callback, so the callback watches its own timing.
/// After a callback the device holds what it still had queued (cpal's `playback - callback`
/// timestamps, i.e. the device delay) plus what the callback just wrote: that is how long it can
/// play on unfed. The next callback coming later than that (plus [`UnderrunWatch::SLACK`]) means
/// the device went dry in between. When the backend reports no delay, the budget is 1.5 times the
/// duration of the buffer just written. The first callbacks after the stream opens are ignored
/// (the device starts empty and the first one fills it whole).
///
/// Realtime-safe: arithmetic on its own fields and one relaxed atomic add; no locks, no allocation.
pub(crate) struct UnderrunWatch {
    last: Option<Instant>,
    budget: Duration,
    callbacks: u32,
    count: Arc<AtomicU64>,
}

impl UnderrunWatch {
    /// Callbacks after the stream opens that are never counted as late.
    pub const WARMUP_CALLBACKS: u32 = 3;
    /// Scheduling jitter allowed on top of the budget.
    pub const SLACK: Duration = Duration::from_millis(10);

    pub fn new(count: Arc<AtomicU64>) -> UnderrunWatch {
        UnderrunWatch { last: None, budget: Duration::ZERO, callbacks: 0, count }
    }

    /// Call at the start of every callback. `queued` is the device delay cpal reports (None when
    /// it has none). Returns true when this callback came too late.
    pub fn on_callback(
        &mut self,
        now: Instant,
        frames: usize,
        sample_rate: u32,
        queued: Option<Duration>,
    ) -> bool {
        let late = match self.last {
            Some(last) if self.callbacks > Self::WARMUP_CALLBACKS => {
                now.saturating_duration_since(last) > self.budget + Self::SLACK
            }
            _ => false,
        };
        if late {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        let wrote = Duration::from_secs_f64(frames as f64 / sample_rate.max(1) as f64);
        self.budget = match queued {
            Some(q) if q > Duration::ZERO && q < Duration::from_secs(10) => q + wrote,
            _ => wrote.mul_f64(1.5),
        };
        self.last = Some(now);
        self.callbacks = self.callbacks.saturating_add(1);
        late
    }
}

/// Whether a stream error only reports an underrun (the stream itself goes on). cpal 0.15 has no
/// kind for it; backends that report one say so in the description.
fn is_underrun_error(e: &cpal::StreamError) -> bool {
    match e {
        cpal::StreamError::BackendSpecific { err } => {
            let d = err.description.to_ascii_lowercase();
            d.contains("underrun") || d.contains("xrun") || d.contains("underflow")
        }
        cpal::StreamError::DeviceNotAvailable => false,
    }
}

fn open_stream(
    mut mixer: mixer::Mixer,
    events: tokio::sync::mpsc::UnboundedSender<AudioEvent>,
    underruns: Arc<AtomicU64>,
) -> Result<(cpal::Stream, StreamInfo), OutputError> {
    let host = cpal::default_host();
    let device = host.default_output_device().ok_or(OutputError::NoDevice)?;
    let name = device.name().unwrap_or_else(|_| "default".into());
    let supported = device.default_output_config().map_err(|e| OutputError::Open(e.to_string()))?;
    let format = supported.sample_format();
    let mut config: cpal::StreamConfig = supported.into();
    let channels = config.channels as usize;
    // ~20 ms blocks: responsive fades without waking the CPU more than needed.
    config.buffer_size = cpal::BufferSize::Default;
    let sample_rate = config.sample_rate.0;
    let err_events = events.clone();
    let err_underruns = underruns.clone();
    // Runs on cpal's worker thread but outside the data callback: it may allocate.
    let on_error = move |e: cpal::StreamError| {
        if is_underrun_error(&e) {
            err_underruns.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let _ = err_events.send(AudioEvent::StreamError(e.to_string()));
    };
    let mut watch = UnderrunWatch::new(underruns);
    // Scratch for stereo frames, sized once; the callback never allocates.
    let mut stereo = vec![0.0f32; 16_384];
    let mut render =
        move |info: &cpal::OutputCallbackInfo, out_frames: usize, write: &mut dyn FnMut(usize, f32)| {
            // Debug builds abort on any allocation or free in here (see main.rs).
            assert_no_alloc::assert_no_alloc(|| {
                let ts = info.timestamp();
                watch.on_callback(
                    Instant::now(),
                    out_frames,
                    sample_rate,
                    ts.playback.duration_since(&ts.callback),
                );
                let mut done = 0;
                while done < out_frames {
                    let n = (out_frames - done).min(stereo.len() / 2);
                    let buf = &mut stereo[..n * 2];
                    mixer.fill(buf);
                    for f in 0..n {
                        let (l, r) = (buf[f * 2], buf[f * 2 + 1]);
                        for ch in 0..channels {
                            let v = match (channels, ch) {
                                (1, _) => 0.5 * (l + r),
                                (_, 0) => l,
                                (_, 1) => r,
                                _ => 0.0,
                            };
                            write((done + f) * channels + ch, v);
                        }
                    }
                    done += n;
                }
            })
        };
    let stream = match format {
        cpal::SampleFormat::F32 => device.build_output_stream(
            &config,
            move |data: &mut [f32], info| render(info, data.len() / channels, &mut |i, v| data[i] = v),
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_output_stream(
            &config,
            move |data: &mut [i16], info| {
                render(info, data.len() / channels, &mut |i, v| data[i] = (v * i16::MAX as f32) as i16)
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::I32 => device.build_output_stream(
            &config,
            move |data: &mut [i32], info| {
                render(info, data.len() / channels, &mut |i, v| data[i] = (v as f64 * i32::MAX as f64) as i32)
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::U16 => device.build_output_stream(
            &config,
            move |data: &mut [u16], info| {
                render(info, data.len() / channels, &mut |i, v| {
                    data[i] = ((v * 0.5 + 0.5) * u16::MAX as f32) as u16
                })
            },
            on_error,
            None,
        ),
        other => return Err(OutputError::Open(format!("unsupported sample format {other:?}"))),
    }
    .map_err(|e| OutputError::Open(e.to_string()))?;
    stream.play().map_err(|e| OutputError::Open(e.to_string()))?;
    let info = StreamInfo { sample_rate, device: name };
    tracing::info!(device = %info.device, sample_rate = info.sample_rate, channels, "audio output opened");
    Ok((stream, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Feeds callbacks at the given gaps (ms), each writing 40 ms at 48 kHz with `queued` delay.
    fn run(gaps: &[u64], queued: Option<Duration>) -> (u64, Vec<bool>) {
        let count = Arc::new(AtomicU64::new(0));
        let mut w = UnderrunWatch::new(count.clone());
        let mut t = Instant::now();
        let mut late = Vec::new();
        for g in gaps {
            t += MS * *g as u32;
            late.push(w.on_callback(t, 1920, 48_000, queued));
        }
        (count.load(Ordering::Relaxed), late)
    }

    #[test]
    fn steady_callbacks_are_not_underruns() {
        assert_eq!(run(&[0, 24, 37, 40, 40, 41, 39, 40, 40], Some(80 * MS)).0, 0);
        assert_eq!(run(&[0, 24, 37, 40, 40, 41, 39, 40, 40], None).0, 0);
    }

    #[test]
    fn a_callback_later_than_what_the_device_held_is_counted() {
        // 80 ms queued + 40 ms written: a 100 ms gap is late but still fed, 200 ms is not.
        let (n, late) = run(&[0, 40, 40, 40, 40, 100, 40, 200, 40], Some(80 * MS));
        assert_eq!(n, 1);
        assert_eq!(late, [false, false, false, false, false, false, false, true, false]);
    }

    #[test]
    fn without_a_device_delay_the_budget_is_one_and_a_half_buffers() {
        // 40 ms buffers: 60 ms budget + 10 ms slack.
        let (n, late) = run(&[0, 40, 40, 40, 40, 65, 40, 75, 40], None);
        assert_eq!(n, 1);
        assert!(late[7]);
    }

    #[test]
    fn the_first_callbacks_after_opening_are_ignored() {
        assert_eq!(run(&[0, 500, 500, 500], Some(80 * MS)).0, 0);
        assert_eq!(run(&[0, 500, 500, 500, 500], Some(80 * MS)).0, 1);
    }

    #[test]
    fn underrun_errors_are_recognised() {
        let e = |d: &str| cpal::StreamError::BackendSpecific {
            err: cpal::BackendSpecificError { description: d.into() },
        };
        assert!(is_underrun_error(&e("buffer underrun")));
        assert!(is_underrun_error(&e("ALSA XRUN detected")));
        assert!(!is_underrun_error(&e("`alsa::poll()` returned POLLERR")));
        assert!(!is_underrun_error(&cpal::StreamError::DeviceNotAvailable));
    }
}
