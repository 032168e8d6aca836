//! Check-ins through the daemon (daemon/src/checkin, daemon/src/core/checkin.rs): from a real
//! input device (the test audio server's virtual microphone) and from files; bad input.

use sonora_tests::audio;
use sonora_tests::{Daemon, Env, speak};
use std::process::Command;
use std::time::Duration;

const SENTENCE: &str = "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow. The rainbow is a division of white light.";

/// The null sink whose monitor feeds the default (virtual) microphone; `tests/run` creates it.
fn mic_sink() -> String {
    let sink = std::env::var("SONORA_TEST_MIC_SINK").unwrap_or_else(|_| "sonora_mic".into());
    let out = Command::new("pactl").args(["list", "short", "sinks"]).output().expect("pactl");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&sink),
        "the audio server has no sink '{sink}' feeding a virtual microphone; run the tests through tests/run"
    );
    sink
}

#[test]
fn checkin_hears_speech_from_the_real_input_device() {
    let _lock = audio::lock();
    let sink = mic_sink();
    let d = Daemon::start();
    let wav = d.env.root.join("speech.wav");
    speak(SENTENCE, &wav, &["-s", "150"]);
    // Speak into the virtual microphone shortly after the recording starts.
    let player = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let st = Command::new("paplay").args(["-d", &sink]).arg(&wav).status().expect("paplay");
        assert!(st.success());
    });
    let r = d.ctl_json(&["checkin", "--seconds", "4"]);
    player.join().unwrap();
    assert_eq!(r["quality"]["ok"], true, "captured speech is usable: {r}");
    assert!(r["speech_s"].as_f64().unwrap() > 1.5, "{r}");
    for m in ["stress", "fatigue", "energy"] {
        let v = r["markers"][m].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v));
    }
    assert!(r["confidence"].as_f64().unwrap() <= 0.35, "no baseline yet: low confidence");
    assert!(r["first_run_notice"].as_str().is_some_and(|n| n.contains("forget")), "first check-in notice");
    assert!(r["checkin_id"].as_i64().is_some());
    // Nothing but the history was written: no audio files anywhere in the data dir.
    let wavs = walk(&d.env.data).into_iter().filter(|p| p.extension().is_some_and(|e| e == "wav")).count();
    assert_eq!(wavs, 0, "raw audio is never written without keep_audio");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn file_checkins_build_a_personal_baseline() {
    let d = Daemon::start();
    let wav = d.env.root.join("normal.wav");
    speak(SENTENCE, &wav, &["-s", "150", "-p", "45", "-a", "100"]);
    let path = wav.to_str().unwrap();
    let first = d.ctl_json(&["checkin", "--file", path]);
    assert_eq!(first["quality"]["ok"], true, "{first}");
    assert_eq!(first["baseline"]["reference"], "population");
    assert!(first["first_run_notice"].is_string());
    for _ in 0..5 {
        d.ctl_json(&["checkin", "--file", path]);
    }
    let later = d.ctl_json(&["checkin", "--file", path]);
    assert_eq!(later["baseline"]["reference"], "personal", "{later}");
    assert!(later["first_run_notice"].is_null(), "the notice shows once");
    assert!(later["confidence"].as_f64() > first["confidence"].as_f64());
    // Louder, faster and higher than the person's own usual voice reads as more stress and energy.
    let tense = d.env.root.join("tense.wav");
    speak(SENTENCE, &tense, &["-s", "230", "-p", "75", "-a", "200"]);
    let t = d.ctl_json(&["checkin", "--file", tense.to_str().unwrap()]);
    assert_eq!(t["quality"]["ok"], true, "{t}");
    assert!(t["markers"]["stress"].as_f64() > later["markers"]["stress"].as_f64(), "{t}\n{later}");
    assert!(t["markers"]["energy"].as_f64() > later["markers"]["energy"].as_f64());
    // Human output is a few plain lines with the confidence.
    let out = d.ctl(&["checkin", "--file", path]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("You sound") && text.contains("confidence"), "{text}");
    // The reading is on the status and shapes the scene's explanation.
    let st = d.ctl_json(&["start", "calm"]);
    assert!(st["last_markers"]["stress"].is_number());
}

#[test]
fn unusable_or_broken_audio_gets_a_clear_answer() {
    let env = Env::new();
    let silence = env.root.join("silence.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&silence, spec).unwrap();
    for _ in 0..16_000 * 3 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    let garbage = env.root.join("garbage.wav");
    std::fs::write(&garbage, b"RIFF....WAVEfmt this is not audio").unwrap();
    let d = Daemon::start_in(env);

    let r = d.ctl_json(&["checkin", "--file", silence.to_str().unwrap()]);
    assert_eq!(r["quality"]["ok"], false);
    assert!(r["markers"].is_null());
    assert!(r["quality"]["reason"].as_str().is_some_and(|s| !s.is_empty()));
    let out = d.ctl(&["checkin", "--file", silence.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Could not read your voice this time"));

    let out = d.ctl(&["checkin", "--file", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    let out = d.ctl(&["checkin", "--file", "/nonexistent/voice.wav"]);
    assert_eq!(out.status.code(), Some(1), "a missing file is reported by sonoractl itself");
    // Unusable readings are not stored.
    assert_eq!(d.ctl_json(&["history"]).as_array().map(|a| a.len()), Some(0));
    assert_eq!(d.ctl_json(&["status"])["state"], "idle");
}

/// `sonoractl checkin --file` takes the recordings people have: FLAC, Ogg Vorbis and MP3 read the
/// same voice as the WAV they were made from (SoX converts, as a person's recorder would save).
#[test]
fn checkins_from_flac_ogg_and_mp3_files() {
    sonora_tests::require_program("sox", "sox libsox-fmt-all");
    let d = Daemon::start();
    let wav = d.env.root.join("voice.wav");
    speak(SENTENCE, &wav, &["-s", "150", "-p", "45"]);
    let from_wav = d.ctl_json(&["checkin", "--file", wav.to_str().unwrap()]);
    assert_eq!(from_wav["quality"]["ok"], true, "{from_wav}");
    for ext in ["flac", "ogg", "mp3"] {
        let file = d.env.root.join(format!("voice.{ext}"));
        let st = std::process::Command::new("sox").arg(&wav).arg(&file).status().expect("run sox");
        assert!(st.success(), "sox could not write {ext}");
        let r = d.ctl_json(&["checkin", "--file", file.to_str().unwrap()]);
        assert_eq!(r["quality"]["ok"], true, "{ext}: {r}");
        for m in ["stress", "fatigue", "energy"] {
            let (x, y) = (r["markers"][m].as_f64().unwrap(), from_wav["markers"][m].as_f64().unwrap());
            assert!((x - y).abs() < 0.1, "{ext}: {m} {x:.3} against {y:.3} from the WAV");
        }
    }
    // A file that is none of them: refused with the file's name and the formats that work.
    let notes = d.env.root.join("notes.mp3");
    std::fs::write(&notes, b"ID3\x03\x00\x00\x00\x00\x00\x00 no audio here").unwrap();
    let out = d.ctl(&["checkin", "--file", notes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "the daemon refuses it");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notes.mp3") && err.contains("WAV, FLAC, Ogg Vorbis or MP3"), "{err}");
    assert_eq!(d.ctl_json(&["status"])["state"], "idle", "and keeps running");
}
