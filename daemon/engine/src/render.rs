//! Offline rendering of a whole session to a 48 kHz stereo WAV (32-bit float), loudness
//! normalised to -23 LUFS integrated with true peak under -1 dBTP.
//!
//! One rendering pass writes a temporary file next to the target while our BS.1770 meter measures
//! it; when the result is off target by more than 0.25 LU a second, cheap pass streams it into
//! the target with the gain applied, otherwise it is simply renamed into place. (Rendering twice
//! would double the time; holding the whole session in memory would cost ~230 MB per 10 minutes;
//! rewriting the file in place stalls on page writeback.) Scenes are already calibrated live to
//! about -23 LUFS, so the correction is small. Sleep is normalised on its level before the arc's
//! quietening (the "bed"), so its integrated loudness comes out lower, as it fades.

use crate::loudness::{Meter, gated};
use crate::scene::SceneControl;
use crate::{EngineError, PackLibrary, SceneRequest, Source, build_scene_inner};
use sonora_proto::Outcome;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

/// Output rate of rendered files.
pub const RENDER_RATE: u32 = 48_000;
/// Upper bound on true peak after normalisation (with margin under the -1 dBTP requirement).
const MAX_TRUE_PEAK_DBTP: f64 = -1.5;
/// Fade-in at the start of a rendered file, and fade-out at its end for calm and focus (sleep
/// fades by its arc). Live playback leaves fades to the daemon.
const FADE_IN_S: f64 = 3.0;
const FADE_OUT_S: f64 = 5.0;
/// A render whose loudness is already this close to target is kept as rendered (saves a second
/// pass over the file; EBU R128 allows ±0.5 LU where exact normalisation isn't practical).
const NORMALISE_TOLERANCE_DB: f64 = 0.25;
/// Size of the WAV header this module writes (RIFF + fmt + fact + data chunk headers).
const HEADER_LEN: u64 = 12 + 24 + 12 + 8;

#[derive(Debug, Clone, PartialEq)]
pub struct RenderReport {
    pub seconds: f64,
    pub integrated_lufs: f64,
    pub true_peak_dbtp: f64,
    /// Gain applied by normalisation.
    pub gain_db: f64,
}

fn wav_header(frames: u64) -> Vec<u8> {
    let data = frames * 8;
    let mut h = Vec::with_capacity(HEADER_LEN as usize);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&((HEADER_LEN - 8 + data) as u32).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&RENDER_RATE.to_le_bytes());
    h.extend_from_slice(&(RENDER_RATE * 8).to_le_bytes());
    h.extend_from_slice(&8u16.to_le_bytes());
    h.extend_from_slice(&32u16.to_le_bytes());
    h.extend_from_slice(b"fact");
    h.extend_from_slice(&4u32.to_le_bytes());
    h.extend_from_slice(&(frames as u32).to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&(data as u32).to_le_bytes());
    h
}

/// Renders the session `req` describes (10 minutes if `minutes` is None) to `path`.
/// `progress` gets values from 0 to 1.
pub fn render_wav(
    req: &SceneRequest,
    packs: &PackLibrary,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<RenderReport, EngineError> {
    render_wav_with_control(req, packs, path, progress).map(|(r, _)| r)
}

/// [`render_wav`] that also returns the scene's control (its explanation and layers).
pub fn render_wav_with_control(
    req: &SceneRequest,
    packs: &PackLibrary,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<(RenderReport, SceneControl), EngineError> {
    let minutes = req.minutes.unwrap_or(10.0);
    if !(minutes.is_finite() && minutes > 0.0 && minutes <= 180.0) {
        return Err(EngineError::BadMinutes(minutes));
    }
    let req = SceneRequest { sample_rate: RENDER_RATE, minutes: Some(minutes), ..req.clone() };
    let (mut scene, control) = build_scene_inner(&req, packs)?;
    let io = |e: std::io::Error| EngineError::Io { path: path.to_path_buf(), message: e.to_string() };
    let sr = RENDER_RATE as f64;
    let frames = (minutes * 60.0 * sr).round() as u64;
    let tmp = path.with_extension("partial.wav");
    let tmp_io = |e: std::io::Error| EngineError::Io { path: tmp.clone(), message: e.to_string() };
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(tmp_io)?);
    w.write_all(&wav_header(frames)).map_err(tmp_io)?;
    let chunk = (RENDER_RATE / 10) as usize; // one 100 ms meter sub-block per chunk
    let mut buf = vec![0.0f32; chunk * 2];
    let mut bytes = vec![0u8; chunk * 8];
    let mut meter = Meter::new(RENDER_RATE);
    // Level of the arc per sub-block, for the sleep bed measurement.
    let mut levels: Vec<f64> = Vec::with_capacity((frames / chunk as u64 + 1) as usize);
    let fade_out = req.outcome != Outcome::Sleep;
    let mut done = 0u64;
    while done < frames {
        let n = (frames - done).min(chunk as u64) as usize;
        let out = &mut buf[..n * 2];
        scene.fill(out);
        let t0 = done as f64 / sr;
        levels.push(scene.arc().at(t0 + n as f64 / 2.0 / sr).level as f64);
        let end_s = frames as f64 / sr;
        if t0 < FADE_IN_S || (fade_out && t0 + 0.1 > end_s - FADE_OUT_S) {
            for (i, f) in out.chunks_exact_mut(2).enumerate() {
                let t = t0 + i as f64 / sr;
                let mut g = crate::dsp::smoothstep(t / FADE_IN_S);
                if fade_out {
                    g *= crate::dsp::smoothstep((end_s - t) / FADE_OUT_S);
                }
                f[0] *= g as f32;
                f[1] *= g as f32;
            }
        }
        meter.add(out);
        for (b, s) in bytes.chunks_exact_mut(4).zip(out.iter()) {
            b.copy_from_slice(&s.to_le_bytes());
        }
        w.write_all(&bytes[..n * 8]).map_err(tmp_io)?;
        done += n as u64;
        progress(0.9 * done as f64 / frames as f64);
    }
    w.flush().map_err(tmp_io)?;
    drop(w);

    let measured = meter.integrated();
    let reference = if req.outcome == Outcome::Sleep {
        // Loudness with the arc's level divided out, ignoring the final fade (level < 0.3).
        let bed: Vec<f64> = meter
            .subs
            .iter()
            .zip(&levels)
            .map(|(&ms, &lv)| if lv > 0.3 { ms / (lv * lv) } else { f64::NAN })
            .collect();
        gated(&bed)
    } else {
        measured
    };
    let tp = meter.true_peak_dbtp();
    let mut gain_db = if reference.is_finite() { crate::scene::TARGET_LUFS - reference } else { 0.0 };
    gain_db = gain_db.min(MAX_TRUE_PEAK_DBTP - tp).clamp(-40.0, 40.0);
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    if gain_db.abs() <= NORMALISE_TOLERANCE_DB && tp + 0.0 <= MAX_TRUE_PEAK_DBTP {
        // Live calibration already landed on target: the measured file is the result.
        gain_db = 0.0;
        std::fs::rename(&tmp, path).map_err(io)?;
        progress(1.0);
    } else {
        let result = apply_gain(&tmp, path, frames, gain, progress).map_err(io);
        let _ = std::fs::remove_file(&tmp);
        result?;
    }
    let report = RenderReport {
        seconds: frames as f64 / sr,
        integrated_lufs: measured + gain_db,
        true_peak_dbtp: tp + gain_db,
        gain_db,
    };
    Ok((report, control))
}

/// Streams the measured render from `tmp` into `path`, scaled by `gain`.
fn apply_gain(
    tmp: &Path,
    path: &Path,
    frames: u64,
    gain: f32,
    progress: &mut dyn FnMut(f64),
) -> std::io::Result<()> {
    let mut r = File::open(tmp)?;
    let mut w = File::create(path)?;
    let mut header = vec![0u8; HEADER_LEN as usize];
    r.read_exact(&mut header)?;
    w.write_all(&header)?;
    let total = frames * 8;
    let mut pos = 0u64;
    let mut block = vec![0u8; 1 << 20];
    while pos < total {
        let n = (total - pos).min(block.len() as u64) as usize;
        r.read_exact(&mut block[..n])?;
        for b in block[..n].chunks_exact_mut(4) {
            let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * gain;
            b.copy_from_slice(&v.clamp(-1.0, 1.0).to_le_bytes());
        }
        w.write_all(&block[..n])?;
        pos += n as u64;
        progress(0.9 + 0.1 * pos as f64 / total as f64);
    }
    w.flush()
}
