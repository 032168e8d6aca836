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
use crate::scene::{Detached, Scene, SceneControl, render_detached};
use crate::{EngineError, PackLibrary, SceneRequest, Source, build_scene_inner};
use sonora_proto::Outcome;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::mpsc;

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
    let sub = (RENDER_RATE / 10) as usize; // one 100 ms meter sub-block
    // One second per chunk: few hand-overs between the threads below (waiting threads spin a
    // little before they sleep, which costs CPU time on a busy machine).
    let chunk = 10 * sub;
    // Level of the arc per sub-block, for the sleep bed measurement.
    let mut levels: Vec<f64> = Vec::with_capacity((frames / sub as u64 + 1) as usize);
    let fade_out = req.outcome != Outcome::Sleep;
    // Two stages on two threads: this one renders the scene (and fades); the other meters,
    // converts to bytes and writes. Chunks go through in order, so the output and the measurement
    // are exactly what one thread would produce; buffers circulate, nothing is allocated per chunk.
    const IN_FLIGHT: usize = 4;
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<f32>, usize)>(IN_FLIGHT);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<f32>>(IN_FLIGHT);
    // Layers split in two groups by estimated cost: one renders here, mixed block by block as in
    // live playback; the other renders one chunk ahead on a helper thread. Each generator sees
    // exactly the controls it would in a single thread, so the output is bit-identical.
    let detached = split_layers(&scene.layer_costs());
    let stride = chunk * 2;
    let mut gens = scene.detach(&detached);
    type Job = (Vec<Box<dyn crate::layers::Generator>>, Vec<crate::layers::Control>, Vec<f32>);
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(1);
    let (res_tx, res_rx) = mpsc::sync_channel::<Job>(1);
    let (meter, written) = std::thread::scope(|s| {
        let writer = s.spawn(move || -> std::io::Result<Meter> {
            let mut meter = Meter::new(RENDER_RATE);
            let mut bytes = vec![0u8; chunk * 8];
            for (buf, n) in full_rx {
                let out = &buf[..n * 2];
                meter.add(out);
                for (b, s) in bytes.chunks_exact_mut(4).zip(out.iter()) {
                    b.copy_from_slice(&s.to_le_bytes());
                }
                w.write_all(&bytes[..n * 8])?;
                // The renderer may have stopped early; then the buffer is simply dropped.
                let _ = empty_tx.send(buf);
            }
            w.flush()?;
            Ok(meter)
        });
        if !detached.is_empty() {
            s.spawn(move || {
                for (mut g, c, mut b) in job_rx {
                    render_detached(&mut g, &c, &mut b, stride);
                    if res_tx.send((g, c, b)).is_err() {
                        break;
                    }
                }
            });
        }
        let mut ahead = vec![0.0f32; stride * detached.len()];
        let ctls = Vec::with_capacity(chunk / crate::scene::BLOCK + 2);
        // Starts the helper on the chunk at `start`; false when it has gone.
        let send_job = |start: u64, gens: Vec<_>, mut ctls: Vec<_>, buf: Vec<f32>, scene: &Scene| {
            let n = (frames - start).min(chunk as u64) as usize;
            ctls.clear();
            scene.controls(start, n * 2, &mut ctls);
            job_tx.send((gens, ctls, buf)).is_ok()
        };
        let mut ok = detached.is_empty() || send_job(0, std::mem::take(&mut gens), ctls, ahead, &scene);
        ahead = Vec::new();
        let mut spare: Vec<Vec<f32>> = (0..IN_FLIGHT).map(|_| vec![0.0f32; chunk * 2]).collect();
        let mut done = 0u64;
        while ok && done < frames {
            let Some(mut buf) = spare.pop().or_else(|| empty_rx.recv().ok()) else { break };
            let n = (frames - done).min(chunk as u64) as usize;
            let out = &mut buf[..n * 2];
            if detached.is_empty() {
                scene.fill(out);
            } else {
                let Ok((g, c, ready)) = res_rx.recv() else { break };
                let next = done + n as u64;
                if next < frames {
                    // The helper renders the next chunk while this one is mixed.
                    let back = std::mem::replace(&mut ahead, ready);
                    let back = if back.is_empty() { vec![0.0f32; stride * detached.len()] } else { back };
                    ok = send_job(next, g, c, back, &scene);
                } else {
                    ahead = ready;
                }
                scene.fill_with(out, &Detached { idx: &detached, buf: &ahead, stride });
            }
            let t0 = done as f64 / sr;
            for s0 in (0..n).step_by(sub) {
                let m = (n - s0).min(sub);
                let mid = (done + s0 as u64) as f64 / sr + m as f64 / 2.0 / sr;
                levels.push(scene.arc().at(mid).level as f64);
            }
            let end_s = frames as f64 / sr;
            if t0 < FADE_IN_S || (fade_out && t0 + n as f64 / sr > end_s - FADE_OUT_S) {
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
            if full_tx.send((buf, n)).is_err() {
                break; // the writer failed; its error is reported below
            }
            done += n as u64;
            progress(0.9 * done as f64 / frames as f64);
        }
        drop(full_tx);
        drop(job_tx);
        let meter = writer.join().unwrap_or_else(|_| Err(std::io::Error::other("writer thread panicked")));
        (meter, done)
    });
    let meter = meter.map_err(tmp_io)?;
    if written < frames {
        return Err(tmp_io(std::io::Error::other("rendering stopped early")));
    }

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

/// Picks the layers to render on the helper thread: greedy by cost, balancing this thread (which
/// also mixes) against the helper and the writer (which meters). Empty for a single layer.
fn split_layers(costs: &[f32]) -> Vec<usize> {
    if costs.len() < 2 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]).then(a.cmp(&b)));
    // Estimated ns per frame of mixing (here) and metering plus writing (on the writer).
    let (mut here, mut there) = (5.0f32, 6.0f32);
    let mut out = Vec::new();
    for i in order {
        if there < here {
            there += costs[i];
            out.push(i);
        } else {
            here += costs[i];
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Control;

    /// Rendering some layers ahead on another thread gives exactly the single-thread output.
    #[test]
    fn detached_layers_render_bit_identical() {
        let packs = PackLibrary::builtin_only();
        for outcome in Outcome::ALL {
            let req = SceneRequest {
                outcome,
                markers: None,
                seed: 7,
                minutes: Some(1.0),
                sample_rate: RENDER_RATE,
                preset: None,
                pack: None,
                avoid: Vec::new(),
                focus_pulse: false,
            };
            let (mut a, _) = build_scene_inner(&req, &packs).unwrap();
            let (mut b, _) = build_scene_inner(&req, &packs).unwrap();
            let idx = split_layers(&b.layer_costs());
            let mut gens = b.detach(&idx);
            let chunk = 4800;
            let stride = chunk * 2;
            let mut ahead = vec![0.0f32; stride * idx.len()];
            let mut ctls: Vec<Control> = Vec::new();
            let (mut x, mut y) = (vec![0.0f32; stride], vec![0.0f32; stride]);
            for k in 0..30u64 {
                a.fill(&mut x);
                ctls.clear();
                b.controls(k * chunk as u64, stride, &mut ctls);
                render_detached(&mut gens, &ctls, &mut ahead, stride);
                b.fill_with(&mut y, &Detached { idx: &idx, buf: &ahead, stride });
                assert!(
                    x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
                    "{outcome}: chunk {k} differs"
                );
            }
        }
    }
}
