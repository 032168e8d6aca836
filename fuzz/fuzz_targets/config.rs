//! Any text as `config.toml`, through the daemon's real loader: daemon/src/config.rs is compiled
//! in here (it lives in the sonorad binary crate, so it cannot be a dependency). Loading never
//! panics, errors name the file, and accepted settings are inside their documented ranges.
#![no_main]

#[path = "../../daemon/src/config.rs"]
#[allow(dead_code)]
mod config;

use std::io::Write;
use std::path::PathBuf;

fn file() -> &'static PathBuf {
    static FILE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        // SONORA_* variables would layer over the file; the fuzzer checks the file alone.
        for (k, _) in std::env::vars() {
            if k.starts_with("SONORA_") {
                // SAFETY: set up once, before any other thread reads the environment.
                unsafe { std::env::remove_var(k) };
            }
        }
        std::env::temp_dir().join(format!("sonora-fuzz-config-{}.toml", std::process::id()))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let path = file();
    std::fs::File::create(path).and_then(|mut f| f.write_all(data)).expect("write the config file");
    match config::load_from(path) {
        Ok(s) => {
            assert!((0.0..=1.0).contains(&s.volume), "volume {}", s.volume);
            for (k, v) in [
                ("fade_in_s", s.fade_in_s),
                ("stop_fade_s", s.stop_fade_s),
                ("end_fade_s", s.end_fade_s),
                ("crossfade_s", s.crossfade_s),
                ("default_minutes", s.default_minutes),
                ("checkin_seconds", s.checkin_seconds),
            ] {
                assert!(v.is_finite() && v >= 0.0, "{k} = {v}");
            }
            let _ = config::to_toml(&s);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&*path.to_string_lossy()) || matches!(e, config::ConfigError::Layering(_)),
                "error does not name the file: {msg}"
            );
        }
    }
});
