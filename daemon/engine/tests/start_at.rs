//! A scene rebuilt mid-session (the daemon's sound device came back) starts where the session is,
//! not at its opening: a 1-minute sleep session rebuilt 58 s in is in its closing fade.

mod common;
use common::*;
use sonora_engine::{PackLibrary, Source, build_scene_inner};
use sonora_proto::Outcome;

fn rms_of_two_seconds(start_s: f64) -> f32 {
    let packs = PackLibrary::builtin_only();
    let (mut scene, _) = build_scene_inner(&req(Outcome::Sleep, 7, Some(1.0)), &packs).unwrap();
    scene.start_at(start_s);
    assert!((scene.time_s() - start_s).abs() < 1e-3, "time_s {} after start_at({start_s})", scene.time_s());
    let mut buf = vec![0.0f32; SR as usize * 2 * 2];
    // Skip the first half second of each render (the output stage settles).
    let mut warm = vec![0.0f32; SR as usize];
    scene.fill(&mut warm);
    scene.fill(&mut buf);
    (buf.iter().map(|x| x * x).sum::<f32>() / buf.len() as f32).sqrt()
}

#[test]
fn a_scene_started_late_in_a_session_follows_the_arc_from_there() {
    let opening = rms_of_two_seconds(0.0);
    let closing = rms_of_two_seconds(57.5);
    assert!(opening > 1e-3, "the opening is audible: rms {opening}");
    assert!(
        closing < opening * 0.1,
        "58 s into a 1-minute sleep session the closing fade is nearly done: rms {closing} vs {opening} at the opening"
    );
}
