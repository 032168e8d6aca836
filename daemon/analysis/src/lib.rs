//! Sonora's voice analyser: reads a few seconds of speech and returns voice features (after
//! Praat's definitions) and everyday signals — stress, fatigue, energy — as estimates with a
//! confidence. Disclaimer: a consumer wellbeing tool, not a medical device; the markers describe
//! how a voice sounds, nothing more.
//!
//! Pipeline: resample to 16 kHz → F0 track (Boersma 1993, Viterbi path) → intensity contour,
//! speech/pause segmentation and syllable nuclei (de Jong & Wempe 2009) → glottal cycles for
//! jitter and shimmer, autocorrelation HNR → spectral balance → quality gate → markers.

mod audio;
mod markers;
pub mod pitch;
pub mod prosody;
mod resample;
pub mod spectral;
pub mod voice;

pub use audio::{
    Audio, AudioError, MAX_DURATION_S, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, read_audio_bytes, read_audio_file,
};
pub use markers::{
    BASELINE_MAX, BASELINE_MIN, Baseline, Features, POPULATION_CONFIDENCE_MAX, apply_baseline, baseline_info,
    personal_markers, population_markers, summary,
};
pub use resample::{ANALYSIS_RATE, resample};

use sonora_proto::{PitchFrame, Quality, VoiceReport};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnalyzeOptions {
    /// Include the 10 ms F0 track in the report.
    pub frames: bool,
}

/// Speech needed for a reading; below this the features swing too much between takes.
pub const MIN_SPEECH_S: f64 = 1.5;
/// Voiced time needed: jitter, shimmer, F0 range all come from voiced frames.
const MIN_VOICED_S: f64 = 0.5;
/// Voiced 10 ms frames needed before F0 statistics are reported.
const MIN_F0_FRAMES: usize = 20;
/// Loudest frames below this (dBFS) mean nobody spoke.
const SILENCE_DBFS: f64 = -55.0;
/// Speech less than this many dB above the background is too noisy to read.
const MIN_SNR_DB: f64 = 10.0;
/// Share of samples in flat runs at full scale above which the level was too high.
const MAX_CLIPPED: f64 = 0.001;
/// Share of power around one frequency above which the sound is a tone, not a voice.
const MAX_TONE_FRACTION: f64 = 0.85;
/// dB of a full-scale (1.0) RMS sine in Praat's scale: 20·log10(1/√2 / 2e-5).
const FULL_SCALE_DB: f64 = 90.97;

/// Analyses a voice sample. Markers come from population defaults with confidence at most
/// `POPULATION_CONFIDENCE_MAX`; `apply_baseline` re-reads them against the person's own voice.
pub fn analyze(audio: &Audio, opts: &AnalyzeOptions) -> VoiceReport {
    let duration_s = audio.duration_s();
    let mut report = empty_report(duration_s, audio.sample_rate);
    if audio.samples.is_empty() {
        report.quality.reason = Some("the recording is empty".into());
        return report;
    }
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&audio.sample_rate) {
        report.quality.reason = Some(format!(
            "sample rate {} Hz is outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz",
            audio.sample_rate
        ));
        return report;
    }
    let fs = ANALYSIS_RATE as f64;
    let mut x = resample(&audio.samples, audio.sample_rate, ANALYSIS_RATE);
    x.iter_mut().for_each(|v| {
        if !v.is_finite() {
            *v = 0.0
        }
    });
    let band_limit = audio.sample_rate as f64 / 2.0;

    let pitch = pitch::PitchTracker::new(fs, pitch::PitchParams::default()).track(&x);
    let loud = prosody::intensity(&x, fs, 100.0, 0.01);
    let seg = prosody::segment(&loud);
    let syl_contour = prosody::intensity(&x, fs, 50.0, 0.016);
    let nuclei = prosody::syllable_nuclei(&syl_contour, &pitch);

    let voiced: Vec<f64> = pitch.frames.iter().filter_map(|f| f.f0).collect();
    let voiced_s = voiced.len() as f64 * pitch.time_step;
    report.speech_s = round(seg.speech_s, 3);
    report.voiced_fraction =
        if seg.speech_s > 0.0 { round((voiced_s / seg.speech_s).min(1.0), 3) } else { 0.0 };
    // A handful of stray voiced frames (whisper, noise) is not a pitch; report none rather than invent one.
    if voiced.len() >= MIN_F0_FRAMES {
        let mean = voiced.iter().sum::<f64>() / voiced.len() as f64;
        let st: Vec<f64> = voiced.iter().map(|f| 12.0 * f.log2()).collect();
        let st_mean = st.iter().sum::<f64>() / st.len() as f64;
        let st_sd = (st.iter().map(|s| (s - st_mean).powi(2)).sum::<f64>() / st.len() as f64).sqrt();
        report.f0_mean_hz = Some(round(mean, 2));
        report.f0_median_hz = prosody::quantile(&voiced, 0.5).map(|v| round(v, 2));
        report.f0_sd_st = (voiced.len() >= 2).then(|| round(st_sd, 3));
        report.f0_p5_hz = prosody::quantile(&voiced, 0.05).map(|v| round(v, 2));
        report.f0_p95_hz = prosody::quantile(&voiced, 0.95).map(|v| round(v, 2));
    }
    // Loudness over voiced frames only, so the amount of pausing does not masquerade as quietness.
    let voiced_db: Vec<f64> = pitch
        .frames
        .iter()
        .filter(|f| f.f0.is_some())
        .filter_map(|f| loud.index_at(f.t).map(|i| loud.db[i]))
        .collect();
    let intensity_mean = energy_mean_db(&voiced_db);
    report.intensity_mean_db = intensity_mean.map(|v| round(v, 2));

    let cycles = voice::cycles(&x, fs, &pitch);
    report.jitter_local = voice::jitter_local(&cycles).map(|v| round(v, 5));
    report.shimmer_local = voice::shimmer_local(&cycles).map(|v| round(v, 5));
    report.hnr_db = voice::hnr_db(&pitch).map(|v| round(v, 2));
    if seg.speech_s > 0.0 {
        report.speech_rate_syl_s = Some(round(nuclei.len() as f64 / seg.speech_s, 3));
    }
    report.pause_fraction = seg.pause_fraction.map(|v| round(v, 3));
    let spec = spectral::analyse(&x, fs, &pitch, &seg, band_limit);
    report.spectral_centroid_hz = spec.centroid_hz.map(|v| round(v, 1));
    report.alpha_ratio_db = spec.alpha_ratio_db.map(|v| round(v, 2));

    if opts.frames {
        report.frames = Some(
            pitch
                .frames
                .iter()
                .map(|f| PitchFrame { t: round(f.t, 4), f0: f.f0.map(|v| round(v, 2)) })
                .collect(),
        );
    }

    // Quality gate: the first problem found is the one reported, most fundamental first.
    let max99 = prosody::quantile(&loud.db, 0.99).unwrap_or(prosody::FLOOR_DB);
    let floor = prosody::quantile(&loud.db, 0.10).unwrap_or(prosody::FLOOR_DB);
    let clipped = clipped_fraction(&audio.samples);
    let problem = if loud.db.is_empty() {
        Some(format!("the recording is too short ({duration_s:.1} s)"))
    } else if max99 - FULL_SCALE_DB < SILENCE_DBFS {
        Some("only silence: no voice was heard (check the microphone)".to_string())
    } else if clipped > MAX_CLIPPED {
        Some(format!(
            "the recording is distorted: {:.1}% of it hits the loudest level the microphone can take; speak a little further from it or turn the input level down",
            clipped * 100.0
        ))
    } else if spec.tone_fraction.is_some_and(|t| t > MAX_TONE_FRACTION) {
        Some("a steady tone, not a voice".to_string())
    } else if voiced_s < MIN_VOICED_S || report.voiced_fraction < 0.15 {
        Some("no voice found, only noise or whispering".to_string())
    } else if intensity_mean.is_some_and(|v| v - floor < MIN_SNR_DB) {
        Some(format!(
            "too much background noise (speech only {:.1} dB above it, need {MIN_SNR_DB} dB); find a quieter spot",
            intensity_mean.unwrap_or(0.0) - floor
        ))
    } else if seg.speech_s < MIN_SPEECH_S {
        Some(format!("too little speech ({:.1} s, need {MIN_SPEECH_S} s)", seg.speech_s))
    } else {
        None
    };
    match problem {
        Some(reason) => {
            report.quality = Quality { ok: false, reason: Some(reason) };
            report.markers = None;
            report.confidence = 0.0;
        }
        None => {
            report.quality = Quality { ok: true, reason: None };
            // Confidence: more speech and cleaner voicing give steadier features.
            let amount = ((seg.speech_s - MIN_SPEECH_S) / 6.0 + 0.5).clamp(0.0, 1.0);
            let clean = report.hnr_db.map(|h| ((h - 3.0) / 9.0).clamp(0.3, 1.0)).unwrap_or(0.3);
            report.confidence = round(POPULATION_CONFIDENCE_MAX * amount * clean, 3);
            let features = Features::from_report(&report).unwrap_or_default();
            let m = population_markers(&features);
            report.markers = Some(sonora_proto::Markers {
                stress: round(m.stress, 3),
                fatigue: round(m.fatigue, 3),
                energy: round(m.energy, 3),
            });
        }
    }
    report
}

fn empty_report(duration_s: f64, sample_rate: u32) -> VoiceReport {
    VoiceReport::empty(round(duration_s, 3), sample_rate)
}

fn round(v: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (v * p).round() / p
}

/// Mean of dB values taken on energy, as Praat's "Get mean ... energy".
fn energy_mean_db(db: &[f64]) -> Option<f64> {
    if db.is_empty() {
        return None;
    }
    let e = db.iter().map(|d| 10f64.powf(d / 10.0)).sum::<f64>() / db.len() as f64;
    Some(10.0 * e.log10())
}

/// Share of samples in runs of three or more at (nearly) full scale: the flat tops clipping leaves.
fn clipped_fraction(x: &[f32]) -> f64 {
    let peak = x.iter().fold(0.0f32, |a, &v| a.max(v.abs()));
    if peak < 0.95 || x.is_empty() {
        return 0.0;
    }
    let lim = peak * 0.999;
    let (mut clipped, mut run) = (0usize, 0usize);
    for &v in x {
        if v.abs() >= lim {
            run += 1;
        } else {
            if run >= 3 {
                clipped += run;
            }
            run = 0;
        }
    }
    if run >= 3 {
        clipped += run;
    }
    clipped as f64 / x.len() as f64
}
