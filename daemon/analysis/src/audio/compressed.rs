//! FLAC, Ogg Vorbis and MP3 through symphonia, with the same limits and the same errors as WAV:
//! mono or stereo, 8..192 kHz, at most `MAX_DURATION_S`, never a panic on hostile bytes.

use super::{Audio, AudioError, MAX_DURATION_S, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, CODEC_TYPE_OPUS, DecoderOptions};
use symphonia::core::errors::Error;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Damaged packets skipped before the file counts as broken: an MP3 often opens with a frame or
/// two a decoder cannot use (a cut at the start, a tag read as audio), and that is not an error.
const MAX_BAD_PACKETS: usize = 8;

/// Decodes a whole file held in memory (`bytes`), after its tags were checked (tags.rs).
pub(super) fn decode(bytes: Vec<u8>, ext: Option<&str>, name: &str) -> Result<Audio, AudioError> {
    let not_audio = |detail: String| AudioError::NotAudio { source_name: name.to_string(), detail };
    super::tags::check(&bytes).map_err(not_audio)?;
    let mss = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    // Gapless: lossy codecs add encoder delay and padding, which would read as a pause.
    let options = FormatOptions { enable_gapless: true, ..Default::default() };
    let probed = symphonia::default::get_probe()
        .format(&hint, mss, &options, &MetadataOptions::default())
        .map_err(|e| not_audio(e.to_string()))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| not_audio("no audio track".into()))?;
    let params = track.codec_params.clone();
    let track_id = track.id;
    if params.codec == CODEC_TYPE_OPUS {
        return Err(AudioError::UnsupportedCodec { source_name: name.to_string(), codec: "Opus".into() });
    }
    if let Some(rate) = params.sample_rate
        && !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate)
    {
        return Err(AudioError::SampleRate { source_name: name.to_string(), rate });
    }
    if let Some(ch) = params.channels
        && ch.count() > 2
    {
        return Err(AudioError::Channels { source_name: name.to_string(), channels: ch.count() as u16 });
    }
    let mut decoder =
        symphonia::default::get_codecs().make(&params, &DecoderOptions::default()).map_err(|_| {
            let codec = symphonia::default::get_codecs()
                .get_codec(params.codec)
                .map(|d| d.short_name.to_string())
                .unwrap_or_else(|| "this kind of".into());
            AudioError::UnsupportedCodec { source_name: name.to_string(), codec }
        })?;

    let mut samples: Vec<f32> = Vec::new();
    let mut rate = params.sample_rate;
    let mut bad_packets = 0;
    let truncated = |frames: usize, e: Error| AudioError::Truncated {
        source_name: name.to_string(),
        frames,
        detail: e.to_string(),
    };
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(Error::ResetRequired) => break,
            Err(e) => return Err(truncated(samples.len(), e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(Error::DecodeError(_)) if bad_packets < MAX_BAD_PACKETS => {
                bad_packets += 1;
                continue;
            }
            Err(e) => return Err(truncated(samples.len(), e)),
        };
        let spec = *decoded.spec();
        let sr = *rate.get_or_insert(spec.rate);
        if spec.rate != sr || !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sr) {
            return Err(AudioError::SampleRate { source_name: name.to_string(), rate: spec.rate });
        }
        let ch = spec.channels.count();
        if ch == 0 || ch > 2 {
            return Err(AudioError::Channels { source_name: name.to_string(), channels: ch as u16 });
        }
        let mut buf = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
        buf.copy_interleaved_ref(decoded);
        let frames = buf.samples().len() / ch;
        let keep = (packet.trim_start as usize).min(frames)..frames.saturating_sub(packet.trim_end as usize);
        let kept = buf.samples().get(keep.start * ch..keep.end.max(keep.start) * ch).unwrap_or(&[]);
        for frame in kept.chunks_exact(ch) {
            let v = frame.iter().sum::<f32>() / ch as f32;
            samples.push(if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 });
        }
        if samples.len() > MAX_DURATION_S as usize * sr as usize {
            return Err(AudioError::TooLong { source_name: name.to_string() });
        }
    }
    // The stream's own length (FLAC's STREAMINFO, Ogg's final granule): decoders may emit the last
    // packet's padding too.
    if let Some(n) = params.n_frames {
        samples.truncate(n as usize);
    }
    match rate {
        Some(sample_rate) if !samples.is_empty() => Ok(Audio { samples, sample_rate }),
        _ => Err(AudioError::Empty { source_name: name.to_string() }),
    }
}
