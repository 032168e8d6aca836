//! Prints a live scene's layers and its loudness over time (development aid).
//! `cargo run --release -p sonora-engine --example live -- OUTCOME SEED SECONDS`
use sonora_engine::loudness::Meter;
use sonora_engine::{PackLibrary, SceneRequest, build_scene};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let outcome = a.first().map_or("calm", |s| s.as_str()).parse().unwrap();
    let seed = a.get(1).map_or(1, |s| s.parse().unwrap());
    let secs: usize = a.get(2).map_or(30, |s| s.parse().unwrap());
    let req = SceneRequest::new(outcome, seed);
    let (mut src, ctl) = build_scene(&req, &PackLibrary::builtin_only()).unwrap();
    println!("{}", ctl.explanation());
    let mut buf = vec![0.0f32; 96_000 * 5];
    for i in 0..secs / 5 {
        src.fill(&mut buf);
        let mut m = Meter::new(48_000);
        m.add(&buf);
        println!("{:3}-{:3} s: {:.2} LUFS", i * 5, i * 5 + 5, m.integrated());
    }
}
