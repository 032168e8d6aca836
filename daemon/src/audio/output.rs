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

/// How often the audio thread looks at the underrun count while a stream is open (it also looks
/// when a stream opens or closes) and logs when it went up: however bad things are, the log gets
/// one line per look at most.
const UNDERRUN_LOG_EVERY: Duration = Duration::from_secs(2);

/// Audio the device is asked to hold ahead of the callback. Sonora plays soundscapes, so latency
/// matters little (a volume change is heard up to this much later), while a busy machine that runs
/// the callback late must not make the sound stutter: with the usual 40 ms periods and ~100 ms
/// buffer, a callback 80 ms late is already a hiccup; with this, ~190 ms late still is not.
const DEVICE_BUFFER_S: f64 = 0.25;

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

/// The longest wait, in microseconds, between two callbacks that counted as an underrun since the
/// last log line (for the log only).
static LONGEST_LATE_US: AtomicU64 = AtomicU64::new(0);

/// Logs once when the underrun count went up since the last look.
fn log_underruns(underruns: &AtomicU64, logged: &mut u64) {
    let n = underruns.load(Ordering::Relaxed);
    if n > *logged {
        let longest_ms = LONGEST_LATE_US.swap(0, Ordering::Relaxed) / 1000;
        tracing::warn!(
            underruns = n,
            new = n - *logged,
            longest_wait_ms = longest_ms,
            "audio hiccup: the sound device was not fed in time ({n} so far); a very busy computer can cause this"
        );
        *logged = n;
    }
}

/// Notices, from inside the output callback, that the sound device ran out of sound.
///
/// cpal's ALSA backend (which also serves PulseAudio and PipeWire through their ALSA plugins)
/// recovers from an underrun without telling the callback, so the callback watches its own timing.
/// cpal writes all the room the device has, so after a callback the device is full: it can play
/// on unfed for what it still had queued plus what was just written. That is, in order of
/// preference: the device delay cpal reports (`playback - callback`) plus the buffer written; the
/// device buffer (known when the stream asked for a fixed size, else learnt from the first callback,
/// which fills the empty device whole); at least 1.5 times the buffer just written. A next callback
/// later than that, plus [`UnderrunWatch::SLACK`], means the device went dry in between. The first
/// callbacks after the stream opens are never counted.
///
/// On Linux the delay is in practice always 0: alsa 0.9.1 (under cpal 0.15) fills its status
/// struct through a pointer taken from a shared reference, and optimised builds read it back as
/// zeros (a debug build of cpal sees the real ~80 ms). So the device-buffer rule is what applies.
///
/// Realtime-safe: arithmetic on its own fields and one relaxed atomic add; no locks, no allocation.
pub(crate) struct UnderrunWatch {
    last: Option<Instant>,
    budget: Duration,
    callbacks: u32,
    count: Arc<AtomicU64>,
    /// How much audio the device holds when full, if known.
    pub device_buffer: Option<Duration>,
}

impl UnderrunWatch {
    /// Callbacks after the stream opens that are never counted as late.
    pub const WARMUP_CALLBACKS: u32 = 3;
    /// Scheduling jitter allowed on top of the budget.
    pub const SLACK: Duration = Duration::from_millis(10);

    pub fn new(count: Arc<AtomicU64>) -> UnderrunWatch {
        UnderrunWatch { last: None, budget: Duration::ZERO, callbacks: 0, count, device_buffer: None }
    }

    /// Call at the start of every callback. `queued` is the device delay cpal reports (None or 0
    /// when the backend has none). Returns true when this callback came too late.
    pub fn on_callback(
        &mut self,
        now: Instant,
        frames: usize,
        sample_rate: u32,
        queued: Option<Duration>,
    ) -> bool {
        let gap = self.last.map(|last| now.saturating_duration_since(last)).unwrap_or_default();
        let late = self.callbacks > Self::WARMUP_CALLBACKS && gap > self.budget + Self::SLACK;
        if late {
            self.count.fetch_add(1, Ordering::Relaxed);
            LONGEST_LATE_US.fetch_max(gap.as_micros() as u64, Ordering::Relaxed);
        }
        let wrote = Duration::from_secs_f64(frames as f64 / sample_rate.max(1) as f64);
        if self.callbacks == 0 && self.device_buffer.is_none() {
            self.device_buffer = Some(wrote);
        }
        self.budget = match queued {
            Some(q) if q > Duration::ZERO && q < Duration::from_secs(10) => q + wrote,
            _ => self.device_buffer.unwrap_or(Duration::ZERO).max(wrote.mul_f64(1.5)),
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

/// What the output callback owns: the mixer, the underrun watch and a scratch buffer.
struct Render {
    mixer: mixer::Mixer,
    watch: UnderrunWatch,
    /// Scratch for stereo frames, sized once; the callback never allocates.
    stereo: Vec<f32>,
    channels: usize,
    sample_rate: u32,
}

impl Render {
    /// The body of every callback. Debug builds abort on any allocation or free in here (see
    /// main.rs).
    fn run(&mut self, info: &cpal::OutputCallbackInfo, out_frames: usize, write: &mut dyn FnMut(usize, f32)) {
        assert_no_alloc::assert_no_alloc(|| {
            let ts = info.timestamp();
            let queued = ts.playback.duration_since(&ts.callback);
            self.watch.on_callback(Instant::now(), out_frames, self.sample_rate, queued);
            let channels = self.channels;
            let mut done = 0;
            while done < out_frames {
                let n = (out_frames - done).min(self.stereo.len() / 2);
                let buf = &mut self.stereo[..n * 2];
                self.mixer.fill(buf);
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
    }
}

/// Where a stream's callback finds its [`Render`]: it takes it on its first run, so a stream that
/// fails to build (a device refusing the buffer size asked for) leaves it for the next attempt.
type RenderSlot = Arc<std::sync::Mutex<Option<Render>>>;

/// Builds the data callback for one sample format around the shared slot.
fn callback<T: Send + 'static>(
    slot: RenderSlot,
    channels: usize,
    convert: fn(f32) -> T,
) -> impl FnMut(&mut [T], &cpal::OutputCallbackInfo) + Send + 'static {
    let mut render: Option<Render> = None;
    move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
        if render.is_none() {
            // Once, on the first callback; try_lock never blocks (the slot is only touched while
            // the stream is being built), and a miss just plays silence this once.
            if let Ok(mut s) = slot.try_lock() {
                render = s.take();
            }
        }
        match render.as_mut() {
            Some(r) => r.run(info, data.len() / channels.max(1), &mut |i, v| data[i] = convert(v)),
            None => data.iter_mut().for_each(|x| *x = convert(0.0)),
        }
    }
}

fn open_stream(
    mixer: mixer::Mixer,
    events: tokio::sync::mpsc::UnboundedSender<AudioEvent>,
    underruns: Arc<AtomicU64>,
) -> Result<(cpal::Stream, StreamInfo), OutputError> {
    let host = cpal::default_host();
    let device = host.default_output_device().ok_or(OutputError::NoDevice)?;
    let name = device.name().unwrap_or_else(|_| "default".into());
    let supported = device.default_output_config().map_err(|e| OutputError::Open(e.to_string()))?;
    let format = supported.sample_format();
    let buffer_range = *supported.buffer_size();
    let mut config: cpal::StreamConfig = supported.into();
    let channels = config.channels as usize;
    let sample_rate = config.sample_rate.0;
    // A soundscape needs no low latency, but it must never run dry on a busy machine: ask for a
    // quarter of a second of buffer (in four periods) where the device allows it, else its default.
    // cpal asks ALSA for periods of a quarter of it: keep it a whole number of periods.
    let wanted = (sample_rate as f64 * DEVICE_BUFFER_S / 4.0) as u32 * 4;
    let mut sizes = Vec::new();
    if let cpal::SupportedBufferSize::Range { min, max } = buffer_range
        && (min..=max).contains(&wanted)
    {
        sizes.push(cpal::BufferSize::Fixed(wanted));
    }
    sizes.push(cpal::BufferSize::Default);
    let slot: RenderSlot = Arc::new(std::sync::Mutex::new(Some(Render {
        mixer,
        watch: UnderrunWatch::new(underruns.clone()),
        stereo: vec![0.0f32; 16_384],
        channels,
        sample_rate,
    })));
    let mut last_error = String::new();
    let mut stream = None;
    for size in sizes {
        config.buffer_size = size;
        if let Some(r) = slot.lock().ok().as_mut().and_then(|s| s.as_mut()) {
            r.watch.device_buffer = match size {
                cpal::BufferSize::Fixed(n) => Some(Duration::from_secs_f64(n as f64 / sample_rate as f64)),
                cpal::BufferSize::Default => None,
            };
        }
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
        let s = slot.clone();
        let built = match format {
            cpal::SampleFormat::F32 => {
                device.build_output_stream(&config, callback::<f32>(s, channels, |v| v), on_error, None)
            }
            cpal::SampleFormat::I16 => device.build_output_stream(
                &config,
                callback::<i16>(s, channels, |v| (v * i16::MAX as f32) as i16),
                on_error,
                None,
            ),
            cpal::SampleFormat::I32 => device.build_output_stream(
                &config,
                callback::<i32>(s, channels, |v| (v as f64 * i32::MAX as f64) as i32),
                on_error,
                None,
            ),
            cpal::SampleFormat::U16 => device.build_output_stream(
                &config,
                callback::<u16>(s, channels, |v| ((v * 0.5 + 0.5) * u16::MAX as f32) as u16),
                on_error,
                None,
            ),
            other => return Err(OutputError::Open(format!("unsupported sample format {other:?}"))),
        };
        match built {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => {
                tracing::debug!(buffer = ?config.buffer_size, error = %e, "the device refused this buffer size");
                last_error = e.to_string();
            }
        }
    }
    let stream = stream.ok_or(OutputError::Open(last_error))?;
    stream.play().map_err(|e| OutputError::Open(e.to_string()))?;
    let info = StreamInfo { sample_rate, device: name };
    tracing::info!(
        device = %info.device,
        sample_rate,
        channels,
        buffer = ?config.buffer_size,
        "audio output opened"
    );
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
    fn without_a_device_delay_the_budget_is_the_device_buffer_learnt_from_the_first_callback() {
        // Every callback writes 40 ms, the first one too: the device holds 40 ms, the budget is
        // 1.5 x 40 = 60 ms (+ 10 ms slack).
        let (n, late) = run(&[0, 40, 40, 40, 40, 65, 40, 75, 40], None);
        assert_eq!(n, 1);
        assert!(late[7]);
        // A first callback of 100 ms (the empty device filled whole), then 40 ms ones: 110 ms.
        let count = Arc::new(AtomicU64::new(0));
        let mut w = UnderrunWatch::new(count.clone());
        let t = Instant::now();
        let mut late = vec![w.on_callback(t, 4800, 48_000, Some(Duration::ZERO))];
        for (i, at) in [40u32, 80, 120, 160, 260, 300, 420].iter().enumerate() {
            let frames = if i == 0 { 4800 } else { 1920 };
            late.push(w.on_callback(t + MS * *at, frames, 48_000, Some(Duration::ZERO)));
        }
        assert_eq!(late, [false, false, false, false, false, false, false, true]);
        assert_eq!(count.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_known_device_buffer_sets_the_budget() {
        let count = Arc::new(AtomicU64::new(0));
        let mut w = UnderrunWatch::new(count.clone());
        w.device_buffer = Some(250 * MS);
        let t = Instant::now();
        for (i, at) in [0u32, 62, 125, 187, 250, 450, 730, 780].iter().enumerate() {
            let late = w.on_callback(t + MS * *at, 3000, 48_000, None);
            assert_eq!(late, i == 6, "callback {i} at {at} ms");
        }
        assert_eq!(count.load(Ordering::Relaxed), 1);
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
