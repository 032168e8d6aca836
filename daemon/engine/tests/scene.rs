//! The scene's output stage measured on rendered files, the way an outside listener's tools would
//! see them: calm's breathing swell in short-term loudness, no drift upward toward the end, no DC,
//! no flat-topped peaks, and the focus pulse's modulation.

mod common;
use common::*;
use sonora_engine::{PackLibrary, SceneRequest, render_wav};
use sonora_proto::{Markers, Outcome};

fn render_pack(pack: &str, outcome: Outcome, seed: u64, markers: Markers, minutes: f64) -> Vec<f32> {
    let dir = scratch(&format!("scene-{pack}-{seed}-{}", markers.stress));
    let path = dir.join("out.wav");
    let req = SceneRequest {
        markers: Some((markers, 1.0)),
        pack: Some(pack.into()),
        minutes: Some(minutes),
        ..SceneRequest::new(outcome, seed)
    };
    render_wav(&req, &PackLibrary::builtin_only(), &path, &mut |_| {}).unwrap();
    let x = read_wav(&path);
    let _ = std::fs::remove_dir_all(dir);
    x
}

/// Momentary loudness (400 ms K-weighted windows) every 100 ms, in LUFS.
fn momentary(x: &[f32]) -> Vec<f64> {
    use ebur128::{EbuR128, Mode};
    let mut m = EbuR128::new(2, SR, Mode::M).unwrap();
    let hop = SR as usize / 10 * 2;
    x.chunks(hop)
        .map(|c| {
            m.add_frames_f32(c).unwrap();
            m.loudness_momentary().unwrap()
        })
        .collect()
}

/// Swells per minute and their median depth (dB, peak to trough) in a loudness course sampled
/// every 100 ms: the course is smoothed over 1 s (impulsive layers flicker faster than any swell),
/// and a swell is a rise from a trough to a peak and back of at least 0.3 dB each way.
fn swells(l: &[f64]) -> (f64, f64) {
    let s: Vec<f64> = l.windows(10).map(|w| w.iter().sum::<f64>() / 10.0).collect();
    let h = 0.3;
    let (mut lo, mut hi) = (s[0], s[0]);
    let mut rising = true;
    let mut depths = Vec::new();
    let mut trough = s[0];
    for &v in &s {
        if rising {
            hi = hi.max(v);
            if v < hi - h {
                // A peak at `hi`: one swell from the last trough.
                depths.push(hi - trough);
                rising = false;
                lo = v;
            }
        } else {
            lo = lo.min(v);
            if v > lo + h {
                trough = lo;
                rising = true;
                hi = v;
            }
        }
    }
    // The first "swell" starts from the file's first value, not a trough.
    if !depths.is_empty() {
        depths.remove(0);
    }
    let minutes = s.len() as f64 / 600.0;
    let n = depths.len() as f64;
    depths.sort_by(|a, b| a.total_cmp(b));
    let depth = depths.get(depths.len() / 2).copied().unwrap_or(0.0);
    (n / minutes, depth)
}

fn mean_db(l: &[f64]) -> f64 {
    let p: f64 = l.iter().map(|v| 10f64.powf(v / 10.0)).sum::<f64>() / l.len() as f64;
    10.0 * p.log10()
}

/// Every calm pack, tense and settled openings: after the settle the scene swells 4 to 9 times a
/// minute, at least 1 dB deep, and its last third is no louder than the rest.
#[test]
fn every_calm_scene_breathes_and_does_not_creep_up() {
    let packs = PackLibrary::builtin_only();
    let minutes = 10.0;
    let tense = Markers { stress: 0.8, fatigue: 0.2, energy: 0.8 };
    let settled = Markers { stress: 0.1, fatigue: 0.2, energy: 0.2 };
    let mut failures = Vec::new();
    for pack in packs.for_outcome(Outcome::Calm) {
        for (what, m) in [("tense", tense), ("settled", settled)] {
            let x = render_pack(&pack.name, Outcome::Calm, 11, m, minutes);
            let l = momentary(&x);
            // The calm arc settles within 5 of these 10 minutes; the file fades out over its last 5 s.
            let after = &l[300 * 10..l.len() - 60];
            let (rate, depth) = swells(after);
            let body = &l[50..l.len() - 60];
            let third = body.len() / 3;
            let (rest, last) = (mean_db(&body[..2 * third]), mean_db(&body[2 * third..]));
            println!(
                "{} {what}: {rate:.1} swells/min, {depth:.2} dB deep; last third {:+.2} dB",
                pack.name,
                last - rest
            );
            if !(4.0..=9.0).contains(&rate) || depth < 1.0 || last - rest > 0.5 {
                failures.push(format!(
                    "{} {what}: {rate:.1}/min {depth:.2} dB {:+.2} dB",
                    pack.name,
                    last - rest
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// No DC on the master over the file or any 10 s window, and no flat tops (three or more equal
/// samples in a row at a peak) in any pack's render.
#[test]
fn no_dc_and_no_flat_tops() {
    let packs = PackLibrary::builtin_only();
    let m = Markers { stress: 0.8, fatigue: 0.2, energy: 0.8 };
    for info in packs.infos() {
        let pack = packs.get(&info.name).unwrap();
        let outcome = pack.outcomes[0];
        let x = render_pack(&pack.name, outcome, 11, m, 1.0);
        let mut worst: f64 = 0.0;
        for ch in 0..2 {
            let s: Vec<f64> = x.iter().skip(ch).step_by(2).map(|v| *v as f64).collect();
            worst = worst.max((s.iter().sum::<f64>() / s.len() as f64).abs());
            // Every 10 s window, one second apart.
            for start in (0..s.len().saturating_sub(SR as usize * 10) + 1).step_by(SR as usize) {
                let w = &s[start..start + SR as usize * 10];
                worst = worst.max((w.iter().sum::<f64>() / w.len() as f64).abs());
            }
        }
        let peak = x.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let mut flat = 0;
        for ch in 0..2 {
            let s: Vec<f32> = x.iter().skip(ch).step_by(2).copied().collect();
            flat += s.windows(3).filter(|w| w[0] == w[1] && w[1] == w[2] && w[0].abs() > 0.5 * peak).count();
        }
        println!("{}: |DC| max {worst:.1e}, peak {peak:.3}, flat tops {flat}", pack.name);
        assert!(worst <= 1e-4, "{}: DC {worst:e}", pack.name);
        assert_eq!(flat, 0, "{}: flat-topped peaks", pack.name);
    }
}
