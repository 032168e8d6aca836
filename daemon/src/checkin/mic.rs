//! Recording a few seconds from the default input device.
//!
//! The microphone is opened only for the length of one check-in and closed right after. Samples
//! stay in memory; nothing is written to disk here. The input callback only copies into a
//! pre-sized lock-free ring, so it never allocates or blocks.

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use sonora_analysis::Audio;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum MicError {
    #[error("no microphone was found")]
    NoDevice,
    #[error("the microphone could not be opened ({0}); it may be busy or unplugged")]
    Open(String),
    #[error("the microphone stopped working during the check-in ({0})")]
    Stream(String),
}

/// Records `seconds` of audio, calling `level` about ten times a second with
/// (seconds left, level in dBFS) so clients can show a countdown and a meter.
pub fn record(seconds: f64, mut level: impl FnMut(f64, f64)) -> Result<Audio, MicError> {
    let host = cpal::default_host();
    let device = host.default_input_device().ok_or(MicError::NoDevice)?;
    let supported = device.default_input_config().map_err(|e| MicError::Open(e.to_string()))?;
    let format = supported.sample_format();
    let config: cpal::StreamConfig = supported.into();
    let channels = config.channels.max(1) as usize;
    let rate = config.sample_rate.0;
    let capacity = ((seconds + 1.0) * rate as f64) as usize * channels;
    let (mut producer, mut consumer) = rtrb::RingBuffer::<f32>::new(capacity);
    let (err_tx, err_rx) = std::sync::mpsc::channel::<String>();
    let on_error = move |e: cpal::StreamError| {
        let _ = err_tx.send(e.to_string());
    };
    macro_rules! input_stream {
        ($t:ty, $conv:expr) => {
            device.build_input_stream(
                &config,
                move |data: &[$t], _| {
                    for &s in data {
                        // A full ring means the check-in is over; extra samples are dropped.
                        let _ = producer.push($conv(s));
                    }
                },
                on_error,
                None,
            )
        };
    }
    let stream = match format {
        cpal::SampleFormat::F32 => input_stream!(f32, |s: f32| s),
        cpal::SampleFormat::I16 => input_stream!(i16, |s: i16| s as f32 / 32768.0),
        cpal::SampleFormat::I32 => input_stream!(i32, |s: i32| (s as f64 / 2147483648.0) as f32),
        cpal::SampleFormat::U16 => input_stream!(u16, |s: u16| (s as f32 - 32768.0) / 32768.0),
        other => return Err(MicError::Open(format!("unsupported sample format {other:?}"))),
    }
    .map_err(|e| MicError::Open(e.to_string()))?;
    stream.play().map_err(|e| MicError::Open(e.to_string()))?;
    tracing::info!(seconds, rate, channels, "microphone open for a check-in");

    let wanted = (seconds * rate as f64) as usize * channels;
    let mut interleaved = Vec::with_capacity(wanted);
    let start = Instant::now();
    let limit = Duration::from_secs_f64(seconds + 5.0);
    while interleaved.len() < wanted {
        std::thread::sleep(Duration::from_millis(100));
        let before = interleaved.len();
        while let Ok(s) = consumer.pop() {
            interleaved.push(s);
        }
        if let Ok(e) = err_rx.try_recv() {
            return Err(MicError::Stream(e));
        }
        let fresh = &interleaved[before..];
        let rms = (fresh.iter().map(|s| s * s).sum::<f32>() / fresh.len().max(1) as f32).sqrt();
        let left = (seconds - interleaved.len() as f64 / (rate as f64 * channels as f64)).max(0.0);
        level(left, 20.0 * (rms.max(1e-9) as f64).log10());
        if start.elapsed() > limit {
            return Err(MicError::Stream("no audio arrived from the microphone".into()));
        }
    }
    drop(stream);
    tracing::info!("microphone closed");
    interleaved.truncate(wanted);
    let samples = interleaved.chunks(channels).map(|f| f.iter().sum::<f32>() / channels as f32).collect();
    Ok(Audio { samples, sample_rate: rate })
}
