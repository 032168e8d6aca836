//! `sonorad analyze` and `sonorad render`: the analyser and the engine without a running daemon,
//! for people, scripts and benchmarks.

use crate::exit_code;
use sonorad_cli::{AnalyzeArgs, RenderArgs};
use std::io::{IsTerminal, Write};

/// Exit code 0 also when the recording was not usable: the analysis worked, and
/// `quality.ok = false` with its reason says why there are no markers.
pub fn analyze(args: &AnalyzeArgs) -> u8 {
    let audio = match sonora_analysis::read_audio_file(&args.path) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sonorad analyze: {e}");
            return exit_code::FAILURE;
        }
    };
    let report = sonora_analysis::analyze(&audio, &sonora_analysis::AnalyzeOptions { frames: args.frames });
    if args.json || args.frames {
        match serde_json::to_string(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("sonorad analyze: {e}");
                return exit_code::FAILURE;
            }
        }
    } else {
        print!("{}", crate::checkin::describe_report(&report));
    }
    0
}

pub fn render(args: &RenderArgs) -> u8 {
    let markers = match (args.stress, args.fatigue, args.energy) {
        (None, None, None) => None,
        (s, f, e) => {
            let m = sonora_proto::Markers {
                stress: s.unwrap_or(0.5),
                fatigue: f.unwrap_or(0.5),
                energy: e.unwrap_or(0.5),
            };
            if [m.stress, m.fatigue, m.energy].iter().any(|v| !(0.0..=1.0).contains(v)) {
                eprintln!("sonorad render: --stress, --fatigue and --energy take values from 0 to 1");
                return exit_code::CONFIG;
            }
            // Values given by hand are as sure as the person giving them.
            Some((m, 1.0))
        }
    };
    let settings = crate::config::load().unwrap_or_else(|e| {
        eprintln!("sonorad render: {e}; using the built-in defaults");
        crate::config::defaults()
    });
    let packs = sonora_engine::PackLibrary::load(&crate::core::pack_dirs(&settings));
    let req = sonora_engine::SceneRequest {
        outcome: args.outcome.into(),
        markers,
        seed: args.seed,
        minutes: Some(args.minutes),
        sample_rate: 48_000,
        preset: None,
        pack: args.pack.clone(),
        avoid: Vec::new(),
        focus_pulse: args.focus_pulse,
    };
    let tty = std::io::stderr().is_terminal();
    let mut last = -1i64;
    let mut progress = |p: f64| {
        if tty {
            let pct = (p * 100.0) as i64;
            if pct != last {
                last = pct;
                let bar = "#".repeat((pct / 4) as usize);
                eprint!("\rrendering {:<25} {pct:>3}%", bar);
                let _ = std::io::stderr().flush();
            }
        }
    };
    match sonora_engine::render::render_wav_with_control(&req, &packs, &args.out, &mut progress) {
        Ok((report, control)) => {
            if tty {
                eprintln!();
            }
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "path": args.out,
                        "seconds": report.seconds,
                        "integrated_lufs": report.integrated_lufs,
                        "true_peak_dbtp": report.true_peak_dbtp,
                        "gain_db": report.gain_db,
                        "pack": control.pack_name(),
                        "explanation": control.explanation(),
                        "layers": control.layers(),
                    })
                );
            } else {
                println!(
                    "Wrote {} ({:.0} s, {:.1} LUFS, true peak {:.1} dBTP).\n{}",
                    args.out.display(),
                    report.seconds,
                    report.integrated_lufs,
                    report.true_peak_dbtp,
                    control.explanation()
                );
            }
            0
        }
        Err(e) => {
            eprintln!("sonorad render: {e}");
            exit_code::FAILURE
        }
    }
}
