//! The realtime path never allocates: `Source::fill` runs under assert_no_alloc's allocator,
//! which aborts a debug build on any allocation, for every outcome and with a sample layer.

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use sonora_engine::{PackLibrary, SceneRequest, build_scene};
use sonora_proto::{Markers, Outcome};

#[global_allocator]
static A: AllocDisabler = AllocDisabler;

#[test]
fn fill_never_allocates() {
    let packs = PackLibrary::builtin_only();
    // Every built-in pack for each outcome it suits (so every layer kind runs), with the focus
    // pulse on, plus seeded choices.
    let mut cases: Vec<(Outcome, u64, Option<String>)> = Vec::new();
    for info in packs.infos() {
        for o in packs.get(&info.name).unwrap().outcomes.iter() {
            cases.push((*o, 1, Some(info.name.clone())));
        }
    }
    for o in Outcome::ALL {
        cases.extend((0..2).map(|seed| (o, seed, None)));
    }
    for (outcome, seed, pack) in cases {
        {
            let markers = Some((Markers { stress: 0.8, fatigue: 0.3, energy: 0.5 }, 0.7));
            let req = SceneRequest {
                outcome,
                markers,
                seed,
                minutes: Some(0.2),
                sample_rate: 48_000,
                preset: None,
                pack,
                avoid: Vec::new(),
                focus_pulse: true,
            };
            let (mut src, ctl) = build_scene(&req, &packs).unwrap();
            let mut buf = vec![0.0f32; 1024];
            let names: Vec<String> = ctl.layers().into_iter().map(|l| l.name).collect();
            // 15 s in odd-sized callbacks (covers voicing changes, drop bursts, the sleep fade);
            // a control thread's changes land mid-way.
            for i in 0..700 {
                if i == 300 {
                    ctl.set_layer(&names[0], Some(0.3), Some(true)).unwrap();
                }
                let n = [1024, 2, 514, 96][i % 4];
                assert_no_alloc(|| src.fill(&mut buf[..n]));
            }
            assert!(buf.iter().all(|v| v.is_finite()));
        }
    }
}
