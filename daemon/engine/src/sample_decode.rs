//! Decodes pack audio files (WAV, FLAC, Ogg Vorbis) with symphonia into interleaved stereo.
//! Done once when a pack loads, so a corrupt file is reported then, not in the audio callback.

use crate::pack::SampleData;
use std::path::Path;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Longest sample a pack may carry (keeps memory bounded: 20 min of 48 kHz stereo is ~460 MB).
const MAX_SECONDS: f64 = 600.0;
/// Shortest usable loop.
const MIN_SECONDS: f64 = 1.0;

pub fn decode(path: &Path) -> Result<SampleData, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    // Gapless: lossy codecs add encoder delay and padding; left in, they would sit in every loop
    // as a gap or a click.
    let gapless = FormatOptions { enable_gapless: true, ..Default::default() };
    let probed = symphonia::default::get_probe()
        .format(&hint, mss, &gapless, &MetadataOptions::default())
        .map_err(|e| format!("not a readable WAV, FLAC or Ogg Vorbis file ({e})"))?;
    let mut format = probed.format;
    let track = format.default_track().ok_or("no audio track")?;
    let track_id = track.id;
    // The stream's own length (Ogg's final granule position): symphonia's Vorbis decoder emits
    // the last packet's padding too, which would otherwise sit in every loop as a glitch.
    let total = track.codec_params.n_frames;
    let sample_rate = track.codec_params.sample_rate.ok_or("unknown sample rate")?;
    if !(8_000..=192_000).contains(&sample_rate) {
        return Err(format!("sample rate {sample_rate} Hz is outside 8000..192000"));
    }
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| format!("unsupported codec ({e})"))?;
    let max_frames = (MAX_SECONDS * sample_rate as f64) as usize;
    let mut out: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(Error::ResetRequired) => break,
            Err(e) => return Err(format!("corrupt audio data ({e})")),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = decoder.decode(&packet).map_err(|e| format!("corrupt audio data ({e})"))?;
        let spec = *decoded.spec();
        let ch = spec.channels.count().max(1);
        let mut buf = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
        buf.copy_interleaved_ref(decoded);
        let frames = buf.samples().len() / ch;
        let keep = (packet.trim_start as usize).min(frames)..frames.saturating_sub(packet.trim_end as usize);
        let kept = buf.samples().get(keep.start * ch..keep.end.max(keep.start) * ch).unwrap_or(&[]);
        for frame in kept.chunks_exact(ch) {
            let (l, r) = if ch == 1 { (frame[0], frame[0]) } else { (frame[0], frame[1]) };
            if !(l.is_finite() && r.is_finite()) {
                return Err("corrupt audio data (non-finite samples)".into());
            }
            out.push(l.clamp(-1.0, 1.0));
            out.push(r.clamp(-1.0, 1.0));
        }
        if out.len() / 2 > max_frames {
            return Err(format!("longer than {} minutes", MAX_SECONDS / 60.0));
        }
    }
    if let Some(n) = total {
        out.truncate((n as usize).saturating_mul(2).min(out.len()));
    }
    let secs = out.len() as f64 / 2.0 / sample_rate as f64;
    if secs < MIN_SECONDS {
        return Err(format!("only {secs:.2} s of audio; a loop needs at least {MIN_SECONDS} s"));
    }
    Ok(SampleData { samples: out, sample_rate })
}
