//! Times each layer kind and the meter separately (development aid).
use sonora_engine::dsp::rng::Rng;
use sonora_engine::layers::{self, Control};
use sonora_engine::loudness::Meter;
use sonora_engine::{PackLibrary, Source};
use std::time::Instant;

fn main() {
    let packs = PackLibrary::builtin_only();
    let secs = 60.0;
    let frames = (48_000.0 * secs) as usize;
    for name in ["shore", "study", "night", "hearth"] {
        let p = packs.get(name).unwrap();
        for spec in &p.layers {
            let mut g = layers::build(spec, &mut Rng::new(1), 48_000.0);
            let mut buf = vec![0.0f32; 256];
            let t = Instant::now();
            for _ in 0..frames / 128 {
                let c = Control { activity: 0.3, brightness: 0.4, sr: 48_000.0, frames: 128, mod_speed: 1.0 };
                g.render(&c, &mut buf);
            }
            let e = t.elapsed().as_secs_f64();
            println!(
                "{name}/{:12} {:?}: {:.1} ns/frame ({:.0}x)",
                spec.name,
                spec.kind,
                e * 1e9 / frames as f64,
                secs / e
            );
        }
    }
    let mut m = Meter::new(48_000);
    let mut r = Rng::new(3);
    let x: Vec<f32> = (0..9600).map(|_| r.bipolar() * 0.1).collect();
    let t = Instant::now();
    for _ in 0..frames / 4800 {
        m.add(&x);
    }
    let e = t.elapsed().as_secs_f64();
    println!("meter: {:.1} ns/frame", e * 1e9 / frames as f64);
    for o in sonora_proto::Outcome::ALL {
        let req = sonora_engine::SceneRequest {
            outcome: o,
            markers: None,
            seed: 1,
            minutes: Some(10.0),
            sample_rate: 48_000,
            preset: None,
        };
        let (mut s, _) = sonora_engine::build_scene_inner(&req, &packs).unwrap();
        let mut buf = vec![0.0f32; 9600];
        let t = Instant::now();
        for _ in 0..frames / 4800 {
            s.fill(&mut buf);
        }
        let e = t.elapsed().as_secs_f64();
        println!("scene {o}: {:.1} ns/frame ({:.0}x)", e * 1e9 / frames as f64, secs / e);
    }
}
