//! Any text as a user pack's `pack.toml`: validation never panics, and anything it accepts
//! builds a scene whose output stays finite and inside [-1, 1].
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::pack(data));
