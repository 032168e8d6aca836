//! Any bytes: reading must return Ok or a clear error, and whatever decodes must analyse
//! without panicking (the daemon reads files users point it at).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sonora_analysis::{AnalyzeOptions, analyze, read_audio_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(audio) = read_audio_bytes(data) {
        // Keep runs short: long decodes are legitimate but slow the fuzzer down.
        if audio.samples.len() <= 200_000 {
            let _ = analyze(&audio, &AnalyzeOptions { frames: true });
        }
    }
});
