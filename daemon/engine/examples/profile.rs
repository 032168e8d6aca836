//! CPU cost of each layer kind, each outcome's whole scene and the loudness meter, in ns per
//! frame (development aid; best of three runs).
//! `cargo run --release -p sonora-engine --example profile`
use sonora_engine::loudness::Meter;
use sonora_engine::{PackLibrary, SceneRequest, Source, build_scene_inner};
/// Nanoseconds this thread has run (Linux), so other processes on a busy machine don't inflate
/// the figures; elsewhere, wall time.
fn cpu() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or_else(|| START.get_or_init(std::time::Instant::now).elapsed().as_nanos() as f64)
}
fn main() {
    let packs = PackLibrary::builtin_only();
    let secs = 60usize;
    for name in ["shore", "study", "night", "hearth"] {
        let p = packs.get(name).unwrap();
        for spec in &p.layers {
            let mut best = f64::MAX;
            for _ in 0..3 {
                let mut g =
                    sonora_engine::layers::build(spec, &mut sonora_engine::dsp::rng::Rng::new(1), 48_000.0);
                let mut buf = vec![0.0f32; 256];
                let t = cpu();
                for _ in 0..48_000 * 20 / 128 {
                    let c = sonora_engine::layers::Control {
                        activity: 0.3,
                        brightness: 0.4,
                        sr: 48_000.0,
                        frames: 128,
                        mod_speed: 1.0,
                    };
                    g.render(&c, &mut buf);
                }
                best = best.min((cpu() - t) / 48_000.0 / 20.0);
            }
            println!("{name}/{:12} {:?}: {best:.2} ns/frame", spec.name, spec.kind);
        }
    }
    for o in sonora_proto::Outcome::ALL {
        let mut best = f64::MAX;
        let mut x = vec![0.0f32; 48_000 * 2 * secs];
        for _ in 0..3 {
            let req = SceneRequest {
                outcome: o,
                markers: None,
                seed: 1,
                minutes: Some(10.0),
                sample_rate: 48_000,
                preset: None,
            };
            let (mut s, _) = build_scene_inner(&req, &packs).unwrap();
            let t = cpu();
            for c in x.chunks_mut(9600) {
                s.fill(c);
            }
            best = best.min((cpu() - t) / 48_000.0 / secs as f64);
        }
        let mut mbest = f64::MAX;
        for _ in 0..3 {
            let mut m = Meter::new(48_000);
            let t = cpu();
            for c in x.chunks(96_000) {
                m.add(c);
            }
            mbest = mbest.min((cpu() - t) / 48_000.0 / secs as f64);
        }
        println!("{o}: scene {best:.2} ns/frame, meter {mbest:.2} ns/frame (cpu time)");
    }
}
