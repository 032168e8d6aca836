//! Every kind of unusable input: unreadable files must give a clear error, readable but
//! unusable recordings a plain quality reason with no markers. Nothing may panic.

mod common;

use common::{Rng, SENTENCES, Synth, espeak};
use sonora_analysis::{
    AnalyzeOptions, Audio, AudioError, analyze, read_audio_bytes, read_audio_file, resample,
};
use sonora_proto::VoiceReport;
use std::path::Path;

fn check_rejected(r: &VoiceReport, expect: &str) {
    assert!(!r.quality.ok, "expected rejection ({expect}), got ok: {r:?}");
    assert!(r.markers.is_none());
    assert_eq!(r.confidence, 0.0);
    let reason = r.quality.reason.as_deref().unwrap_or("");
    assert!(reason.contains(expect), "reason {reason:?} should mention {expect:?}");
}

fn speech(dir: &Path) -> Audio {
    read_audio_file(&espeak(dir, "speech", &[], SENTENCES[3])).unwrap()
}

fn opts() -> AnalyzeOptions {
    AnalyzeOptions::default()
}

#[test]
fn silence_is_rejected() {
    let a = Audio { samples: vec![0.0; 48_000], sample_rate: 16_000 };
    check_rejected(&analyze(&a, &opts()), "silence");
    let mut rng = Rng::new(3);
    let hiss: Vec<f32> = (0..48_000).map(|_| (rng.normal() * 1e-5) as f32).collect();
    check_rejected(&analyze(&Audio { samples: hiss, sample_rate: 16_000 }, &opts()), "silence");
}

#[test]
fn empty_and_tiny_are_rejected() {
    let r = analyze(&Audio { samples: vec![], sample_rate: 16_000 }, &opts());
    check_rejected(&r, "empty");
    let r = analyze(&Audio { samples: vec![0.1; 100], sample_rate: 16_000 }, &opts());
    check_rejected(&r, "too short");
    let r = analyze(&Audio { samples: vec![0.1; 100_000], sample_rate: 1 }, &opts());
    check_rejected(&r, "sample rate");
}

#[test]
fn too_little_speech_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let a = read_audio_file(&espeak(dir.path(), "short", &[], "Hello there.")).unwrap();
    let r = analyze(&a, &opts());
    check_rejected(&r, "too little speech");
    // The features that could be read are still reported.
    assert!(r.f0_median_hz.is_some());
}

#[test]
fn clipping_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = speech(dir.path());
    a.samples.iter_mut().for_each(|v| *v = (*v * 12.0).clamp(-1.0, 1.0));
    check_rejected(&analyze(&a, &opts()), "distorted");
}

#[test]
fn pure_tone_is_rejected() {
    for f in [150.0f32, 440.0, 1000.0] {
        let samples =
            (0..64_000).map(|i| 0.3 * (2.0 * std::f32::consts::PI * f * i as f32 / 16_000.0).sin()).collect();
        check_rejected(&analyze(&Audio { samples, sample_rate: 16_000 }, &opts()), "tone");
    }
}

#[test]
fn noise_without_voice_is_rejected() {
    let mut rng = Rng::new(5);
    let samples = (0..80_000).map(|_| (0.1 * rng.normal()) as f32).collect();
    check_rejected(&analyze(&Audio { samples, sample_rate: 16_000 }, &opts()), "no voice");
}

#[test]
fn speech_buried_in_noise_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = speech(dir.path());
    let rms = (a.samples.iter().map(|v| (v * v) as f64).sum::<f64>() / a.samples.len() as f64).sqrt();
    let mut rng = Rng::new(9);
    a.samples.iter_mut().for_each(|v| *v += (rms * 1.5 * rng.normal()) as f32);
    let r = analyze(&a, &opts());
    assert!(!r.quality.ok && r.markers.is_none(), "{r:?}");
    let reason = r.quality.reason.unwrap();
    assert!(reason.contains("noise"), "{reason}");
}

#[test]
fn clean_speech_with_mild_noise_passes() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = speech(dir.path());
    let rms = (a.samples.iter().map(|v| (v * v) as f64).sum::<f64>() / a.samples.len() as f64).sqrt();
    let mut rng = Rng::new(11);
    a.samples.iter_mut().for_each(|v| *v += (rms * 0.03 * rng.normal()) as f32);
    let r = analyze(&a, &opts());
    assert!(r.quality.ok, "{:?}", r.quality.reason);
}

#[test]
fn dc_offset_and_mains_hum_do_not_block_a_reading() {
    let dir = tempfile::tempdir().unwrap();
    let a = speech(dir.path());
    let clean = analyze(&a, &opts());
    let mut dc = a.clone();
    dc.samples.iter_mut().for_each(|v| *v = *v * 0.7 + 0.2);
    let r = analyze(&dc, &opts());
    assert!(r.quality.ok, "DC offset: {:?}", r.quality.reason);
    let f0 = r.f0_median_hz.unwrap();
    assert!((f0 / clean.f0_median_hz.unwrap() - 1.0).abs() < 0.01);
    let mut hum = a.clone();
    let fs = hum.sample_rate as f32;
    for (i, v) in hum.samples.iter_mut().enumerate() {
        *v += 0.03 * (2.0 * std::f32::consts::PI * 50.0 * i as f32 / fs).sin();
    }
    let r = analyze(&hum, &opts());
    assert!(r.quality.ok, "hum: {:?}", r.quality.reason);
    assert!((r.f0_median_hz.unwrap() / clean.f0_median_hz.unwrap() - 1.0).abs() < 0.02);
}

#[test]
fn synthetic_voice_with_pauses_passes_the_gate() {
    // Phrases of a glottal-pulse voice separated by pauses: a voice, not a tone.
    let out = Synth::new(130.0).render();
    let mut samples = Vec::new();
    for chunk in out.samples.chunks(8_000) {
        samples.extend_from_slice(chunk);
        samples.extend(std::iter::repeat_n(0.0f32, 4_000));
    }
    let r = analyze(&Audio { samples, sample_rate: 16_000 }, &opts());
    assert!(r.quality.ok, "{:?}", r.quality.reason);
}

fn wav_bytes(samples: &[f32], fs: u32, channels: u16, bits: u16, float: bool) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: fs,
        bits_per_sample: bits,
        sample_format: if float { hound::SampleFormat::Float } else { hound::SampleFormat::Int },
    };
    let mut cur = std::io::Cursor::new(Vec::new());
    {
        let mut w = hound::WavWriter::new(&mut cur, spec).unwrap();
        for &s in samples {
            for _ in 0..channels {
                if float {
                    w.write_sample(s).unwrap();
                } else if bits == 8 {
                    w.write_sample((s * 127.0).round() as i8).unwrap();
                } else {
                    let max = ((1i64 << (bits - 1)) - 1) as f32;
                    w.write_sample((s * max).round() as i32).unwrap();
                }
            }
        }
        w.finalize().unwrap();
    }
    cur.into_inner()
}

#[test]
fn every_format_and_rate_reads_the_same_voice() {
    let dir = tempfile::tempdir().unwrap();
    let a = speech(dir.path());
    let reference = analyze(&a, &opts()).f0_median_hz.unwrap();
    for fs in [8_000u32, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 96_000, 192_000] {
        let x = resample(&a.samples, a.sample_rate, fs);
        for (bits, float) in [(8u16, false), (16, false), (24, false), (32, false), (32, true)] {
            for channels in [1u16, 2] {
                let bytes = wav_bytes(&x, fs, channels, bits, float);
                let b = read_audio_bytes(&bytes).unwrap_or_else(|e| panic!("{fs} Hz {bits}-bit: {e}"));
                assert_eq!(b.sample_rate, fs);
                assert_eq!(b.samples.len(), x.len());
                if channels == 1 && bits != 32 || float {
                    let r = analyze(&b, &opts());
                    assert!(r.quality.ok, "{fs} Hz {bits}-bit float={float}: {:?}", r.quality.reason);
                    let f0 = r.f0_median_hz.unwrap();
                    assert!(
                        (f0 / reference - 1.0).abs() < 0.02,
                        "{fs} Hz {bits}-bit: F0 {f0} vs {reference}"
                    );
                    assert_eq!(r.alpha_ratio_db.is_some(), fs >= 10_000, "{fs} Hz: alpha ratio needs 5 kHz");
                }
            }
        }
    }
}

#[test]
fn files_on_disk_are_read_and_errors_name_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("voice.wav");
    std::fs::write(&path, wav_bytes(&[0.1, -0.1, 0.2], 16_000, 1, 16, false)).unwrap();
    assert_eq!(read_audio_file(&path).unwrap().samples.len(), 3);
    let missing = dir.path().join("missing.wav");
    let e = read_audio_file(&missing).unwrap_err();
    assert!(matches!(e, AudioError::Open { .. }));
    assert!(e.to_string().contains("missing.wav"), "{e}");
    let garbage = dir.path().join("notes.wav");
    std::fs::write(&garbage, b"these are not the samples you are looking for").unwrap();
    let e = read_audio_file(&garbage).unwrap_err();
    assert!(e.to_string().contains("notes.wav") && e.to_string().contains("not a WAV"), "{e}");
}

#[test]
fn unsupported_layouts_are_refused_clearly() {
    let e = read_audio_bytes(&wav_bytes(&[0.0; 100], 4_000, 1, 16, false)).unwrap_err();
    assert!(matches!(e, AudioError::SampleRate { rate: 4_000, .. }), "{e}");
    assert!(e.to_string().contains("4000 Hz"));
    let e = read_audio_bytes(&wav_bytes(&[0.0; 100], 384_000, 1, 16, false)).unwrap_err();
    assert!(matches!(e, AudioError::SampleRate { .. }), "{e}");
    let e = read_audio_bytes(&wav_bytes(&[0.0; 100], 16_000, 3, 16, false)).unwrap_err();
    assert!(matches!(e, AudioError::Channels { channels: 3, .. }), "{e}");
    let e = read_audio_bytes(&wav_bytes(&[], 16_000, 1, 16, false)).unwrap_err();
    assert!(matches!(e, AudioError::Empty { .. }), "{e}");
}

#[test]
fn garbage_and_damaged_headers_are_errors_not_panics() {
    assert!(read_audio_bytes(b"").is_err());
    assert!(read_audio_bytes(b"RIFF").is_err());
    assert!(read_audio_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ").is_err());
    assert!(read_audio_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00 mp3 data").is_err());
    let good = wav_bytes(
        &(0..1600).map(|i| (i as f32 * 0.05).sin() * 0.5).collect::<Vec<_>>(),
        16_000,
        1,
        16,
        false,
    );
    // Wrong magic.
    let mut wrong = good.clone();
    wrong[8..12].copy_from_slice(b"AVI ");
    assert!(matches!(read_audio_bytes(&wrong), Err(AudioError::NotAudio { .. })));
    // Cut short in the data chunk: either an error or the samples that are there, never a panic.
    for cut in [44, 45, 100, 1000] {
        let _ = read_audio_bytes(&good[..cut]);
    }
    // Random corruption of a valid file, and pure noise bytes.
    let mut rng = Rng::new(77);
    for _ in 0..2_000 {
        let mut b = good.clone();
        let n = 1 + (rng.next_u64() % 8) as usize;
        for _ in 0..n {
            let i = (rng.next_u64() % 60) as usize;
            b[i] = rng.next_u64() as u8;
        }
        if let Ok(a) = read_audio_bytes(&b) {
            let _ = analyze(&a, &opts());
        }
        let len = (rng.next_u64() % 200) as usize;
        let noise: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let _ = read_audio_bytes(&noise);
    }
}

#[test]
fn odd_sample_values_do_not_break_analysis() {
    let mut samples = vec![0.0f32; 40_000];
    samples[100] = f32::NAN;
    samples[200] = f32::INFINITY;
    let r = analyze(&Audio { samples, sample_rate: 16_000 }, &opts());
    assert!(!r.quality.ok);
    let r = analyze(&Audio { samples: vec![1.0; 40_000], sample_rate: 16_000 }, &opts());
    assert!(!r.quality.ok);
}
