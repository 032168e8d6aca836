//! The default audio output, owned through cpal.
//!
//! cpal streams are not `Send`, so one dedicated thread owns the stream; the command core talks to
//! it through [`Output`]. The stream exists only while a session plays: when a session ends the
//! stream is dropped, so an idle daemon uses no CPU and does not keep the sound server's sink awake.

use super::mixer::{self, MixerControl, MixerMsg};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use sonora_engine::Source;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

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
}

impl Output {
    /// Starts the audio thread (it sleeps until a session opens a stream).
    pub fn new(volume: f32, events: tokio::sync::mpsc::UnboundedSender<AudioEvent>) -> Output {
        let (tx, rx) = mpsc::channel::<ThreadCmd>();
        std::thread::Builder::new()
            .name("sonora-audio".into())
            .spawn(move || audio_thread(rx, events))
            .expect("spawn audio thread");
        Output { cmd: tx, control: None, info: None, volume }
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

fn audio_thread(rx: mpsc::Receiver<ThreadCmd>, events: tokio::sync::mpsc::UnboundedSender<AudioEvent>) {
    let mut stream: Option<cpal::Stream> = None;
    while let Ok(cmd) = rx.recv() {
        match cmd {
            ThreadCmd::Open(mixer, reply) => {
                stream = None;
                let result = open_stream(mixer, events.clone()).map(|(s, info)| {
                    stream = Some(s);
                    info
                });
                let _ = reply.send(result);
            }
            ThreadCmd::Close => {
                if let Some(s) = stream.take() {
                    let _ = s.pause();
                    drop(s);
                    tracing::debug!("audio output released");
                }
            }
        }
    }
}

fn open_stream(
    mut mixer: mixer::Mixer,
    events: tokio::sync::mpsc::UnboundedSender<AudioEvent>,
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
    let err_events = events.clone();
    let on_error = move |e: cpal::StreamError| {
        let _ = err_events.send(AudioEvent::StreamError(e.to_string()));
    };
    // Scratch for stereo frames, sized once; the callback never allocates.
    let mut stereo = vec![0.0f32; 16_384];
    let mut render = move |out_frames: usize, write: &mut dyn FnMut(usize, f32)| {
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
    };
    let stream = match format {
        cpal::SampleFormat::F32 => device.build_output_stream(
            &config,
            move |data: &mut [f32], _| render(data.len() / channels, &mut |i, v| data[i] = v),
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_output_stream(
            &config,
            move |data: &mut [i16], _| {
                render(data.len() / channels, &mut |i, v| data[i] = (v * i16::MAX as f32) as i16)
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::I32 => device.build_output_stream(
            &config,
            move |data: &mut [i32], _| {
                render(data.len() / channels, &mut |i, v| data[i] = (v as f64 * i32::MAX as f64) as i32)
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::U16 => device.build_output_stream(
            &config,
            move |data: &mut [u16], _| {
                render(data.len() / channels, &mut |i, v| {
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
    let info = StreamInfo { sample_rate: config.sample_rate.0, device: name };
    tracing::info!(device = %info.device, sample_rate = info.sample_rate, channels, "audio output opened");
    Ok((stream, info))
}
