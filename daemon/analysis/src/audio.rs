//! Reading voice samples from files or memory: WAV through hound (exact, and every integer
//! width), FLAC, Ogg Vorbis and MP3 through symphonia (what people's recorders and phones save).
//! Ogg Opus is refused clearly: symphonia 0.5 has no Opus decoder.

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;

mod compressed;
mod tags;

/// Mono audio in -1..1 at its original rate; analysis resamples internally.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 { 0.0 } else { self.samples.len() as f64 / self.sample_rate as f64 }
    }
}

/// Lowest and highest sample rates accepted: below 8 kHz speech loses the harmonics the pitch
/// tracker needs, above 192 kHz the file is almost certainly not a voice recording.
pub const MIN_SAMPLE_RATE: u32 = 8_000;
pub const MAX_SAMPLE_RATE: u32 = 192_000;
/// Longest recording read, so a hostile or mistaken file cannot exhaust memory; check-ins last seconds.
pub const MAX_DURATION_S: u32 = 600;

/// Largest compressed file read: ten minutes of 192 kHz stereo FLAC fit; a hostile size does not.
pub const MAX_COMPRESSED_BYTES: u64 = 256 * 1024 * 1024;

/// Why a recording could not be read. `source` names the file (or "audio data" for memory input).
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{source_name}: cannot open the file: {err}")]
    Open { source_name: String, err: std::io::Error },
    #[error("{source_name}: not a WAV, FLAC, Ogg Vorbis or MP3 file, or a damaged one ({detail})")]
    NotAudio { source_name: String, detail: String },
    #[error(
        "{source_name}: {codec} audio cannot be read; save the recording as WAV, FLAC, Ogg Vorbis or MP3"
    )]
    UnsupportedCodec { source_name: String, codec: String },
    #[error(
        "{source_name}: unsupported WAV encoding: {detail} (supported: 8/16/24/32-bit integer PCM, 32-bit float)"
    )]
    Unsupported { source_name: String, detail: String },
    #[error("{source_name}: sample rate {rate} Hz is outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz")]
    SampleRate { source_name: String, rate: u32 },
    #[error("{source_name}: {channels} channels; only mono or stereo recordings are read")]
    Channels { source_name: String, channels: u16 },
    #[error("{source_name}: the recording is cut short or damaged after {frames} frames ({detail})")]
    Truncated { source_name: String, frames: usize, detail: String },
    #[error("{source_name}: the recording holds no audio")]
    Empty { source_name: String },
    #[error(
        "{source_name}: the recording is longer than {MAX_DURATION_S} s; a check-in needs only a few seconds"
    )]
    TooLong { source_name: String },
}

/// Reads a recording: WAV (8/16/24-bit integer, 32-bit float or integer), FLAC, Ogg Vorbis or
/// MP3; mono, or stereo downmixed. The contents decide, not the file name.
pub fn read_audio_file(path: &Path) -> Result<Audio, AudioError> {
    let name = path.display().to_string();
    let open = |err| AudioError::Open { source_name: name.clone(), err };
    let mut file = std::fs::File::open(path).map_err(open)?;
    let mut head = [0u8; 12];
    let n = read_up_to(&mut file, &mut head).map_err(open)?;
    file.seek(SeekFrom::Start(0)).map_err(open)?;
    if is_wav(&head[..n]) {
        read_wav(std::io::BufReader::new(file), &name)
    } else {
        // Compressed files are read whole: their tags are checked before the decoder sees them
        // (tags.rs). A check-in lasts seconds; a file this large is not one.
        if file.metadata().map_err(open)?.len() > MAX_COMPRESSED_BYTES {
            return Err(AudioError::TooLong { source_name: name });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(open)?;
        let hint = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        guarded(&name, || compressed::decode(bytes, hint.as_deref(), &name))
    }
}

/// Reads a recording held in memory (any format [`read_audio_file`] reads). Never panics,
/// whatever the bytes.
pub fn read_audio_bytes(bytes: &[u8]) -> Result<Audio, AudioError> {
    if is_wav(bytes) {
        read_wav(Cursor::new(bytes), "audio data")
    } else {
        guarded("audio data", || compressed::decode(bytes.to_vec(), None, "audio data"))
    }
}

/// RIFF/RIFX/RF64 with the WAVE form type: hound's part. Everything else goes to symphonia, whose
/// probe refuses what it cannot read.
fn is_wav(head: &[u8]) -> bool {
    head.len() >= 12 && matches!(&head[..4], b"RIFF" | b"RIFX" | b"RF64") && &head[8..12] == b"WAVE"
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A decoder bug on a hostile file becomes an error instead of taking the daemon down.
fn guarded(name: &str, f: impl FnOnce() -> Result<Audio, AudioError>) -> Result<Audio, AudioError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(AudioError::NotAudio { source_name: name.to_string(), detail: "decoder failed".into() })
    })
}

fn read_wav<R: Read + Seek>(reader: R, name: &str) -> Result<Audio, AudioError> {
    // hound validates headers itself; the guard is a last line of defence.
    guarded(name, || decode(reader, name))
}

fn decode<R: Read + Seek>(reader: R, name: &str) -> Result<Audio, AudioError> {
    let not_wav = |e: hound::Error| match e {
        hound::Error::Unsupported => {
            AudioError::Unsupported { source_name: name.to_string(), detail: "encoding not supported".into() }
        }
        other => AudioError::NotAudio { source_name: name.to_string(), detail: other.to_string() },
    };
    let mut wav = hound::WavReader::new(reader).map_err(not_wav)?;
    let spec = wav.spec();
    if spec.channels == 0 || spec.channels > 2 {
        return Err(AudioError::Channels { source_name: name.to_string(), channels: spec.channels });
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&spec.sample_rate) {
        return Err(AudioError::SampleRate { source_name: name.to_string(), rate: spec.sample_rate });
    }
    let channels = spec.channels as usize;
    let max_frames = MAX_DURATION_S as usize * spec.sample_rate as usize;
    let declared_frames = wav.duration() as usize;
    if declared_frames > max_frames {
        return Err(AudioError::TooLong { source_name: name.to_string() });
    }
    // The declared length is only a hint: a damaged header may claim more than the file holds.
    let mut samples = Vec::with_capacity(declared_frames.min(1 << 22));
    let truncated = |frames: usize, e: hound::Error| AudioError::Truncated {
        source_name: name.to_string(),
        frames,
        detail: e.to_string(),
    };
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => {
            let mut acc = 0.0f32;
            for (i, s) in wav.samples::<f32>().enumerate() {
                let v = s.map_err(|e| truncated(i / channels, e))?;
                let v = if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 };
                acc += v;
                if (i + 1) % channels == 0 {
                    samples.push(acc / channels as f32);
                    acc = 0.0;
                }
            }
        }
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            let scale = 1.0 / (1i64 << (bits - 1)) as f32;
            let mut acc = 0.0f32;
            for (i, s) in wav.samples::<i32>().enumerate() {
                let v = s.map_err(|e| truncated(i / channels, e))? as f32 * scale;
                acc += v;
                if (i + 1) % channels == 0 {
                    samples.push(acc / channels as f32);
                    acc = 0.0;
                }
            }
        }
        (fmt, bits) => {
            return Err(AudioError::Unsupported {
                source_name: name.to_string(),
                detail: format!(
                    "{bits}-bit {}",
                    if fmt == hound::SampleFormat::Float { "float" } else { "integer" }
                ),
            });
        }
    }
    if samples.len() > max_frames {
        return Err(AudioError::TooLong { source_name: name.to_string() });
    }
    if samples.is_empty() {
        return Err(AudioError::Empty { source_name: name.to_string() });
    }
    Ok(Audio { samples, sample_rate: spec.sample_rate })
}
