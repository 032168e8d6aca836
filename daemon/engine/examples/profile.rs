//! CPU cost of every built-in pack's layers, of layer kinds at their busiest settings (a dawn
//! chorus, the densest rustle, dense melodies, five-voice pads), of each outcome's whole scene and
//! of the loudness meter, in ns per frame (best of seven short runs).
//! `cargo run --release -p sonora-engine --example profile`
use sonora_engine::loudness::Meter;
use sonora_engine::{PackLibrary, SceneRequest, Source, build_scene_inner};
/// Wall-clock nanoseconds. Runs are short and the best of several is kept, so time lost to other
/// processes on a busy machine drops out. (Thread CPU time would be the natural measure, but on
/// virtual machines it often advances only at scheduler ticks, 4 ms at a time.)
fn now() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_nanos() as f64
}

const RUNS: usize = 7;

fn main() {
    let packs = PackLibrary::builtin_only();
    let secs = 10usize;
    let names: Vec<String> = packs.infos().into_iter().map(|i| i.name).collect();
    for name in &names {
        let p = packs.get(name).unwrap();
        let ctx = sonora_engine::layers::SceneCtx {
            outcome: p.outcomes[0],
            total_s: Some(600.0),
            settle_s: 300.0,
            music: &p.music,
            music_seed: 1,
        };
        for spec in &p.layers {
            let mut best = f64::MAX;
            for _ in 0..RUNS {
                let mut g = sonora_engine::layers::build(
                    spec,
                    &ctx,
                    &mut sonora_engine::dsp::rng::Rng::new(1),
                    48_000.0,
                );
                let mut buf = vec![0.0f32; 256];
                let t = now();
                for _ in 0..48_000 * 5 / 128 {
                    let c = sonora_engine::layers::Control {
                        activity: 0.3,
                        brightness: 0.4,
                        sr: 48_000.0,
                        frames: 128,
                        mod_speed: 1.0,
                        t: 0.0,
                    };
                    g.render(&c, &mut buf);
                }
                best = best.min((now() - t) / 48_000.0 / 5.0);
            }
            println!("{name}/{:12} {:?}: {best:.2} ns/frame", spec.name, spec.kind);
        }
    }
    // Busiest settings of the kinds whose cost grows with their parameters.
    let busy = [
        ("birds, dawn chorus", "birds", "density = 60.0\nspecies = 6"),
        ("leaves, densest rustle", "leaves", "rustle = 800.0"),
        ("harmony, 5 pad voices", "harmony", "instrument = \"pad\"\nvoices = 5"),
        ("melody, dense bell", "melody", "instrument = \"bell\"\ndensity = 60.0\nnote_s = 12.0"),
        ("melody, dense pluck", "melody", "instrument = \"pluck\"\ndensity = 60.0\nnote_s = 12.0"),
        ("melody, dense glass", "melody", "instrument = \"glass\"\ndensity = 60.0\nnote_s = 12.0"),
    ];
    for (label, kind, params) in busy {
        let text = format!(
            "name = \"busy\"\nversion = \"1\"\noutcomes = [\"calm\"]\n[[layers]]\nname = \"x\"\nkind = \"{kind}\"\n[layers.params]\n{params}\n"
        );
        let p = sonora_engine::pack::parse_manifest(&text, std::path::Path::new("busy.toml"), None).unwrap();
        let ctx = sonora_engine::layers::SceneCtx {
            outcome: sonora_proto::Outcome::Calm,
            total_s: Some(600.0),
            settle_s: 300.0,
            music: &p.music,
            music_seed: 1,
        };
        let mut best = f64::MAX;
        for _ in 0..RUNS {
            let mut g = sonora_engine::layers::build(
                &p.layers[0],
                &ctx,
                &mut sonora_engine::dsp::rng::Rng::new(1),
                48_000.0,
            );
            let mut buf = vec![0.0f32; 256];
            let c = |t: f64| sonora_engine::layers::Control {
                activity: 0.3,
                brightness: 0.4,
                sr: 48_000.0,
                frames: 128,
                mod_speed: 1.0,
                t,
            };
            // 20 s in first, so dense settings have all their voices ringing.
            for b in 0..48_000 * 20 / 128 {
                g.render(&c(b as f64 * 128.0 / 48_000.0), &mut buf);
            }
            let t = now();
            for b in 0..48_000 * 5 / 128 {
                g.render(&c(20.0 + b as f64 * 128.0 / 48_000.0), &mut buf);
            }
            best = best.min((now() - t) / 48_000.0 / 5.0);
        }
        println!("{label:24}: {best:.2} ns/frame");
    }
    for o in sonora_proto::Outcome::ALL {
        let mut best = f64::MAX;
        let mut x = vec![0.0f32; 48_000 * 2 * secs];
        for _ in 0..RUNS {
            let req = SceneRequest {
                outcome: o,
                markers: None,
                seed: 1,
                minutes: Some(10.0),
                sample_rate: 48_000,
                preset: None,
                pack: None,
                avoid: Vec::new(),
                focus_pulse: false,
            };
            let (mut s, _) = build_scene_inner(&req, &packs).unwrap();
            let t = now();
            for c in x.chunks_mut(9600) {
                s.fill(c);
            }
            best = best.min((now() - t) / 48_000.0 / secs as f64);
        }
        let mut mbest = f64::MAX;
        for _ in 0..RUNS {
            let mut m = Meter::new(48_000);
            let t = now();
            for c in x.chunks(96_000) {
                m.add(c);
            }
            mbest = mbest.min((now() - t) / 48_000.0 / secs as f64);
        }
        println!("{o}: scene {best:.2} ns/frame, meter {mbest:.2} ns/frame (best of 7)");
    }
}
