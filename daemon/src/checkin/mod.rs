//! A voice check-in: from audio (microphone or file) to a stored, explained reading.
//!
//! The analyser gives features and population-default markers; here they are read against the
//! person's own baseline from the history, stored as derived numbers only, and put into plain
//! words. Raw audio is dropped when this returns, unless `keep_audio = true`.

pub mod mic;

use sonora_analysis::{Audio, BASELINE_MAX, Baseline, Features};
use sonora_proto::{CheckinReport, VoiceReport};
use std::path::Path;

/// Reads `audio` against the person's baseline (built from `history`, newest first).
pub fn read(audio: &Audio, history: &[VoiceReport]) -> CheckinReport {
    let mut report = sonora_analysis::analyze(audio, &sonora_analysis::AnalyzeOptions { frames: false });
    let past: Vec<Features> = history.iter().take(BASELINE_MAX).filter_map(Features::from_report).collect();
    let baseline = Baseline::from_history(&past);
    if report.quality.ok {
        sonora_analysis::apply_baseline(&mut report, &baseline);
    }
    let summary = if report.quality.ok {
        format!("{}\n{ESTIMATES}", sonora_analysis::summary(&report, &baseline))
    } else {
        format!(
            "{} Nothing was stored; try again somewhere quiet.",
            sonora_analysis::summary(&report, &baseline)
        )
    };
    CheckinReport {
        baseline: sonora_analysis::baseline_info(&baseline),
        report,
        summary,
        checkin_id: None,
        first_run_notice: None,
    }
}

/// Said wherever markers are shown.
const ESTIMATES: &str = "These are everyday estimates from your voice, not a health measurement.";

/// Plain lines for `sonorad analyze` without `--json`.
pub fn describe_report(r: &VoiceReport) -> String {
    let f = |v: Option<f64>, unit: &str| v.map(|x| format!("{x:.1} {unit}")).unwrap_or_else(|| "n/a".into());
    let mut out = format!(
        "{:.1} s of audio, {:.1} s of speech. Pitch {} (spread {}), loudness {}, pace {}, pauses {}.\n",
        r.duration_s,
        r.speech_s,
        f(r.f0_median_hz, "Hz"),
        f(r.f0_sd_st, "st"),
        f(r.intensity_mean_db, "dB"),
        f(r.speech_rate_syl_s, "syllables/s"),
        r.pause_fraction.map(|p| format!("{:.0}%", p * 100.0)).unwrap_or_else(|| "n/a".into()),
    );
    out.push_str(&sonora_analysis::summary(r, &Baseline::from_history(&[])));
    out.push('\n');
    if let (true, Some(m)) = (r.quality.ok, r.markers) {
        out.push_str(&format!(
            "stress {:.2}, fatigue {:.2}, energy {:.2}, confidence {:.2}. {ESTIMATES}\n",
            m.stress, m.fatigue, m.energy, r.confidence
        ));
    }
    out
}

/// Writes a check-in's audio only when the person asked for it (`keep_audio = true`).
pub fn keep_audio(dir: &Path, audio: &Audio, at: jiff::Timestamp) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("checkin-{}.wav", at.strftime("%Y%m%dT%H%M%SZ")));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: audio.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).map_err(std::io::Error::other)?;
    for s in &audio.samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16).map_err(std::io::Error::other)?;
    }
    w.finalize().map_err(std::io::Error::other)?;
    Ok(path)
}
