//! Any bytes as socket input: `Request::parse` never panics, accepted requests round-trip through
//! `to_line`, and replies/events clients parse re-serialise cleanly.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::ipc(data));
