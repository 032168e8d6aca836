//! Replays every committed fuzz input on stable, as part of the ordinary `cargo test`: the seed
//! corpora (`fuzz/corpus/<target>/`), the regressions of fixed crashes
//! (`fuzz/regressions/<target>/`) and the analysis fuzzer's corpus for the same decoder
//! (`daemon/analysis/fuzz/corpus/read_audio_bytes/`, when present).
//!
//! The checks are the fuzz targets' own (`fuzz/src/checks.rs`, included below), so a crash that
//! the nightly fuzzer found stays fixed without nightly. The config target runs the real
//! `sonorad --print-config` on each file, since the loader lives in the daemon binary.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every input of `target`: seeds, regressions and any extra corpus directories.
fn inputs(target: &str, extra: &[PathBuf]) -> Vec<PathBuf> {
    let seeds = root().join("fuzz/corpus").join(target);
    let mut dirs = vec![seeds.clone(), root().join("fuzz/regressions").join(target)];
    dirs.extend_from_slice(extra);
    let mut files = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        files.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    let seeds_n = files.iter().filter(|p| p.starts_with(&seeds)).count();
    assert!(seeds_n >= 5, "{} holds {seeds_n} seeds; the committed corpus is missing", seeds.display());
    files
}

/// Runs `check` on every input, collecting every failure (not just the first) with its file.
fn replay(target: &str, extra: &[PathBuf], check: impl Fn(&[u8])) {
    let files = inputs(target, extra);
    let mut failures = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data)));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {msg}", f.display()));
        }
    }
    eprintln!("{target}: {} inputs replayed", files.len());
    assert!(
        failures.is_empty(),
        "{target}: {} of {} inputs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn ipc_request_corpus() {
    replay("ipc_request", &[], checks::ipc);
}

#[test]
fn pack_manifest_corpus() {
    replay("pack_manifest", &[], checks::pack);
}

#[test]
fn audio_decode_corpus() {
    let analysis = root().join("daemon/analysis/fuzz/corpus/read_audio_bytes");
    replay("audio_decode", &[analysis], checks::audio);
}

#[test]
fn config_corpus_through_sonorad() {
    let sonorad = sonora_tests::bin("sonorad");
    let files = inputs("config", &[]);
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for f in &files {
        let mut cmd = Command::new(&sonorad);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("SONORA_") {
                cmd.env_remove(k);
            }
        }
        let out = cmd.arg("--print-config").env("SONORA_CONFIG", f).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) if stdout.contains("volume =") => accepted += 1,
            // Exit code 2 (exit_code::CONFIG) with a message naming the file.
            Some(2) if stderr.contains(&*f.to_string_lossy()) => refused += 1,
            _ => {
                failures.push(format!("{}: {} stdout {stdout:?} stderr {stderr:?}", f.display(), out.status))
            }
        }
    }
    eprintln!("config: {accepted} accepted, {refused} refused");
    assert!(failures.is_empty(), "config inputs failed:\n{}", failures.join("\n"));
    assert!(accepted > 0 && refused > 0, "the corpus holds both valid and invalid files");
}
