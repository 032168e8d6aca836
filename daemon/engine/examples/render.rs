//! Renders a session to a WAV and prints the report and speed.
//!
//! `cargo run --release -p sonora-engine --example render -- OUTCOME MINUTES [SEED] [OUT.wav]
//!  [stress fatigue energy]`; `PACK=name` renders that pack.

use sonora_engine::{PackLibrary, SceneRequest, render::render_wav_with_control};
use sonora_proto::{Markers, Outcome};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome: Outcome = args.first().map_or("calm", |s| s.as_str()).parse().expect("outcome");
    let minutes: f64 = args.get(1).map_or(Ok(10.0), |s| s.parse()).expect("minutes");
    let seed: u64 = args.get(2).map_or(Ok(1), |s| s.parse()).expect("seed");
    let out = args.get(3).cloned().unwrap_or_else(|| format!("{outcome}.wav"));
    let markers = if args.len() >= 7 {
        let m: Vec<f64> = args[4..7].iter().map(|s| s.parse().expect("marker")).collect();
        Some((Markers { stress: m[0], fatigue: m[1], energy: m[2] }, 0.9))
    } else {
        None
    };
    let req = SceneRequest {
        outcome,
        markers,
        seed,
        minutes: Some(minutes),
        sample_rate: 48_000,
        preset: None,
        pack: std::env::var("PACK").ok().filter(|p| !p.is_empty()),
        avoid: Vec::new(),
        focus_pulse: false,
    };
    let packs = PackLibrary::load(&[std::path::PathBuf::from("packs")]);
    let t = Instant::now();
    let (r, ctl) = render_wav_with_control(&req, &packs, out.as_ref(), &mut |_| {}).expect("render");
    let secs = t.elapsed().as_secs_f64();
    println!("{}", ctl.explanation());
    println!(
        "{outcome}: {:.0} s in {secs:.2} s = {:.0}x realtime; {:.2} LUFS, {:.2} dBTP, gain {:+.2} dB -> {out}",
        r.seconds,
        r.seconds / secs,
        r.integrated_lufs,
        r.true_peak_dbtp,
        r.gain_db
    );
}
