//! Prints the `sonorad analyze --json` object for a WAV file, for comparisons and debugging
//! without building the daemon: `analyze [--frames] FILE...` (one JSON line per file).

use sonora_analysis::{AnalyzeOptions, analyze, read_audio_file};
use std::path::Path;

fn main() {
    let mut frames = false;
    let mut code = 0;
    for arg in std::env::args().skip(1) {
        if arg == "--frames" {
            frames = true;
            continue;
        }
        if arg == "--json" {
            continue;
        }
        match read_audio_file(Path::new(&arg)) {
            Ok(audio) => {
                let t = std::time::Instant::now();
                let report = analyze(&audio, &AnalyzeOptions { frames });
                let elapsed = t.elapsed();
                println!("{}", serde_json::to_string(&report).expect("report serialises"));
                eprintln!("{arg}: analysed in {:.2} ms", elapsed.as_secs_f64() * 1e3);
            }
            Err(e) => {
                eprintln!("error: {e}");
                code = 1;
            }
        }
    }
    std::process::exit(code);
}
