//! Any bytes as a voice file (`checkin --file`: WAV, FLAC, Ogg Vorbis or MP3, the corpus has
//! seeds of each): decoding never panics (not even inside the
//! decoder's catch_unwind: libFuzzer aborts on any panic) and decoded audio is sane.
//! Analysis of decoded audio is fuzzed by daemon/analysis/fuzz (read_audio_bytes); run.sh also
//! feeds that target's corpus to this one.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::audio(data));
