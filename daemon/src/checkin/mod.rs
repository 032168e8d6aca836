//! A voice check-in: from audio (microphone or file) to a stored, explained reading.
//!
//! The analyser gives features and population-default markers; here they are read against the
//! person's own baseline from the history, stored as derived numbers only, and put into plain
//! words. Raw audio is dropped when this returns, unless `keep_audio = true`.

pub mod mic;

use sonora_analysis::{Audio, BASELINE_MAX, BASELINE_MIN, Baseline, Features};
use sonora_proto::{BaselineInfo, CheckinReport, Markers, VoiceReport};
use std::path::Path;

/// Reads `audio` against the person's baseline (built from `history`, newest first).
pub fn read(audio: &Audio, history: &[VoiceReport]) -> CheckinReport {
    let mut report = sonora_analysis::analyze(audio, &sonora_analysis::AnalyzeOptions { frames: false });
    let past: Vec<Features> = history.iter().take(BASELINE_MAX).filter_map(Features::from_report).collect();
    let baseline = Baseline::from_history(&past);
    if report.quality.ok {
        sonora_analysis::apply_baseline(&mut report, &baseline);
    }
    let info = BaselineInfo {
        checkins: baseline.len() as u32,
        needed: BASELINE_MIN as u32,
        reference: if baseline.len() >= BASELINE_MIN { "personal" } else { "population" }.into(),
    };
    let summary = summary(&report, &info);
    CheckinReport { report, baseline: info, summary, checkin_id: None, first_run_notice: None }
}

fn level(v: f64, strong: &'static str, some: &'static str) -> Option<&'static str> {
    if v >= 0.65 {
        Some(strong)
    } else if v >= 0.5 {
        Some(some)
    } else {
        None
    }
}

/// Everyday words for markers: "you sound a little tense and tired".
pub fn markers_in_words(m: &Markers) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(level(m.stress, "tense", "a little tense"));
    parts.extend(level(m.fatigue, "tired", "a little tired"));
    if m.energy >= 0.65 {
        parts.push("full of energy");
    } else if m.energy <= 0.3 {
        parts.push("low on energy");
    }
    match parts.len() {
        0 => "You sound fairly settled".into(),
        1 => format!("You sound {}", parts[0]),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("You sound {} and {last}", parts.join(", "))
        }
    }
}

pub fn confidence_word(c: f64) -> &'static str {
    if c < 0.4 {
        "low"
    } else if c < 0.7 {
        "medium"
    } else {
        "high"
    }
}

/// The few plain lines `sonoractl checkin` prints.
pub fn summary(report: &VoiceReport, baseline: &BaselineInfo) -> String {
    let Some(m) = report.markers.filter(|_| report.quality.ok) else {
        let why = report.quality.reason.as_deref().unwrap_or("the recording was not usable");
        return format!("No reading this time: {why}. Nothing was stored; try again somewhere quiet.");
    };
    let base = if baseline.checkins as usize >= BASELINE_MIN {
        format!("compared with your own voice over {} check-ins", baseline.checkins)
    } else {
        format!("{} of {} baseline check-ins", baseline.checkins, baseline.needed)
    };
    format!(
        "{}; confidence: {}, {base}.\nThese are everyday estimates from your voice, not a health measurement.",
        markers_in_words(&m),
        confidence_word(report.confidence)
    )
}

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
    match (r.quality.ok, r.markers) {
        (true, Some(m)) => out.push_str(&format!(
            "{} (stress {:.2}, fatigue {:.2}, energy {:.2}; confidence {:.2}, {}).\n",
            markers_in_words(&m),
            m.stress,
            m.fatigue,
            m.energy,
            r.confidence,
            confidence_word(r.confidence)
        )),
        _ => out.push_str(&format!(
            "No reading: {}.\n",
            r.quality.reason.as_deref().unwrap_or("the recording was not usable")
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_markers() {
        let m = |s, f, e| Markers { stress: s, fatigue: f, energy: e };
        assert_eq!(markers_in_words(&m(0.7, 0.55, 0.5)), "You sound tense and a little tired");
        assert_eq!(markers_in_words(&m(0.3, 0.3, 0.5)), "You sound fairly settled");
        assert_eq!(markers_in_words(&m(0.3, 0.3, 0.8)), "You sound full of energy");
        assert_eq!(confidence_word(0.2), "low");
    }
}
