//! What every fuzz target asserts, shared by the libFuzzer targets (`fuzz/fuzz_targets/*.rs`,
//! nightly) and by the stable corpus test (`tests/corpus.rs`), which includes this file with
//! `#[path]` so both run exactly the same checks over the same inputs.
//!
//! Errors are fine; panics, non-finite audio and replies that do not round-trip are not.
#![allow(dead_code)]

use sonora_proto::{ErrorCode, Event, MAX_LINE_BYTES, Reply, Request};
use std::path::{Path, PathBuf};

/// `ipc_request`: any bytes, as the socket reads them (UTF-8-lossy), line by line and whole.
pub fn ipc(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    request_line(&text);
    for line in text.split('\n') {
        request_line(line.strip_suffix('\r').unwrap_or(line));
    }
    // What clients parse: replies and events from the daemon.
    if let Ok(reply) = serde_json::from_str::<Reply>(&text) {
        let line = reply.to_line();
        assert!(!line.contains('\n'), "a reply line holds a newline: {line:?}");
        let back: Reply =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("reply {line} re-parses: {e}"));
        assert_eq!(back.id, reply.id);
    }
    if let Ok(event) = serde_json::from_str::<Event>(&text) {
        let line = event.to_line();
        assert!(!line.contains('\n'), "an event line holds a newline: {line:?}");
        serde_json::from_str::<Event>(&line).unwrap_or_else(|e| panic!("event {line} re-parses: {e}"));
    }
}

fn request_line(line: &str) {
    match Request::parse(line) {
        Ok(req) => {
            let wire = req.to_line();
            assert!(!wire.contains('\n'), "a request line holds a newline: {wire:?}");
            let back = Request::parse(&wire).unwrap_or_else(|e| panic!("{wire} does not re-parse: {e:?}"));
            assert_eq!(back.id, req.id, "{wire}");
            assert_eq!(back.command.name(), req.command.name(), "{wire}");
            // Exact equality except for float noise: serde_json's default float parser may be
            // one ulp off on rare inputs; that is not a protocol bug.
            assert_eq!(Request::parse(&back.to_line()).ok(), Some(back.clone()), "{wire}");
        }
        Err(bad) => {
            assert!(!bad.error.message.is_empty(), "empty error message for {line:?}");
            if line.len() > MAX_LINE_BYTES {
                assert_eq!(bad.error.code, ErrorCode::TooLarge);
            }
            let reply = Reply::error(bad.id, bad.error).to_line();
            assert!(!reply.contains('\n'));
        }
    }
}

/// A folder holding `a.wav`, a valid 1.5 s sample, so fuzzed manifests can name a real file.
pub fn pack_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("sonora-fuzz-pack-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("create the fuzz pack folder");
        std::fs::write(d.join("a.wav"), sine_wav(8000, 12_000)).expect("write a.wav");
        d
    })
    .clone()
}

/// A 16-bit mono PCM WAV of a quiet sine.
pub fn sine_wav(rate: u32, frames: u32) -> Vec<u8> {
    let data_len = frames * 2;
    let mut v = Vec::with_capacity(44 + data_len as usize);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&(rate * 2).to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        let s = (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 8000.0;
        v.extend_from_slice(&(s as i16).to_le_bytes());
    }
    v
}

/// `pack_manifest`: any text as a user pack's `pack.toml`. Whatever validates must build a scene
/// whose output is finite and inside [-1, 1] (pack.rs promises this for everything it accepts).
pub fn pack(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = pack_dir();
    let file = dir.join("pack.toml");
    let pack = match sonora_engine::pack::parse_manifest(text, &file, Some(&dir)) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&dir.display().to_string()), "a manifest error names the file: {msg}");
            return;
        }
    };
    // Built-in packs are parsed without a folder; that path must agree or refuse sample files.
    let _ = sonora_engine::pack::parse_manifest(text, Path::new("builtin:fuzz"), None);
    assert!(!pack.layers.is_empty() && pack.layers.len() <= 12);
    let seed =
        data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100_0000_01b3));
    let sample_rate = if seed & 1 == 0 { 48_000 } else { 44_100 };
    for outcome in pack.outcomes.iter().take(1) {
        let arc = sonora_engine::arc::SessionArc::new(*outcome, None, Some(1.0), pack.markers);
        let layers = pack.layers.iter().map(|l| (l, 1.0, false)).collect();
        let (mut scene, control) = sonora_engine::scene::build(sonora_engine::scene::Plan {
            pack: &pack,
            layers,
            arc,
            seed,
            sample_rate,
            focus_pulse: true,
        });
        let mut out = vec![0.0f32; 960];
        for block in 0..8 {
            if block == 4 {
                // Live layer changes from the control half.
                if let Some(first) = control.layers().first() {
                    let _ = control.set_layer(&first.name, Some(0.3), Some(false));
                }
            }
            sonora_engine::Source::fill(&mut scene, &mut out);
            for (i, s) in out.iter().enumerate() {
                assert!(s.is_finite() && s.abs() <= 1.0, "sample {i} of block {block} is {s}");
            }
        }
    }
}

/// `audio_decode`: any bytes as a voice file. Decoded audio is mono, in range, finite, bounded.
pub fn audio(data: &[u8]) {
    match sonora_analysis::read_audio_bytes(data) {
        Ok(a) => {
            assert!(
                (sonora_analysis::MIN_SAMPLE_RATE..=sonora_analysis::MAX_SAMPLE_RATE)
                    .contains(&a.sample_rate),
                "rate {}",
                a.sample_rate
            );
            assert!(!a.samples.is_empty());
            assert!(a.duration_s() <= sonora_analysis::MAX_DURATION_S as f64 + 1e-9);
            if let Some(s) = a.samples.iter().find(|s| !(s.is_finite() && s.abs() <= 1.0)) {
                panic!("decoded sample {s} is outside [-1, 1]");
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
