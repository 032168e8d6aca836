//! Real speech rendered by espeak-ng at test time: features must move the right way, and the
//! personal baseline must read louder/faster/higher as more stress and energy, slower/quieter/
//! flatter as more fatigue. Fails (never skips) when espeak-ng is missing.

mod common;

use common::{SENTENCES, espeak};
use sonora_analysis::{
    AnalyzeOptions, BASELINE_MIN, Baseline, Features, POPULATION_CONFIDENCE_MAX, analyze, apply_baseline,
    read_audio_file,
};
use sonora_proto::VoiceReport;
use std::path::Path;

fn analyse(path: &Path) -> VoiceReport {
    let audio = read_audio_file(path).unwrap_or_else(|e| panic!("{e}"));
    analyze(&audio, &AnalyzeOptions { frames: true })
}

#[test]
fn higher_pitch_gives_higher_f0() {
    let dir = tempfile::tempdir().unwrap();
    let mut last = 0.0;
    for p in [20, 50, 80] {
        let pitch = p.to_string();
        let r = analyse(&espeak(dir.path(), &format!("p{p}"), &["-p", &pitch], SENTENCES[0]));
        assert!(r.quality.ok, "p{p}: {:?}", r.quality.reason);
        let f0 = r.f0_median_hz.unwrap();
        assert!(f0 > last * 1.05, "pitch {p}: median F0 {f0} Hz not above {last} Hz");
        last = f0;
    }
}

#[test]
fn faster_rate_gives_higher_speech_rate() {
    let dir = tempfile::tempdir().unwrap();
    let mut last = 0.0;
    for s in [110, 170, 240] {
        let rate = s.to_string();
        let r = analyse(&espeak(dir.path(), &format!("s{s}"), &["-s", &rate], SENTENCES[1]));
        assert!(r.quality.ok, "s{s}: {:?}", r.quality.reason);
        let sr = r.speech_rate_syl_s.unwrap();
        assert!(sr > last * 1.1, "rate {s}: {sr} syl/s not above {last}");
        last = sr;
    }
}

#[test]
fn report_is_complete_and_plausible_for_ordinary_speech() {
    let dir = tempfile::tempdir().unwrap();
    let r = analyse(&espeak(dir.path(), "plain", &[], SENTENCES[2]));
    assert!(r.quality.ok, "{:?}", r.quality.reason);
    let m = r.markers.expect("markers on good speech");
    for v in [m.stress, m.fatigue, m.energy] {
        assert!((0.0..=1.0).contains(&v));
    }
    assert!(r.confidence > 0.0 && r.confidence <= POPULATION_CONFIDENCE_MAX);
    assert!(r.speech_s > 3.0 && r.speech_s <= r.duration_s);
    assert!((60.0..300.0).contains(&r.f0_median_hz.unwrap()));
    assert!(
        r.f0_p5_hz.unwrap() <= r.f0_median_hz.unwrap() && r.f0_median_hz.unwrap() <= r.f0_p95_hz.unwrap()
    );
    assert!((2.0..8.0).contains(&r.speech_rate_syl_s.unwrap()));
    for v in [
        r.jitter_local,
        r.shimmer_local,
        r.hnr_db,
        r.pause_fraction,
        r.alpha_ratio_db,
        r.spectral_centroid_hz,
    ] {
        assert!(v.is_some_and(f64::is_finite));
    }
    let frames = r.frames.as_ref().unwrap();
    assert!(frames.windows(2).all(|w| (w[1].t - w[0].t - 0.01).abs() < 1e-6), "10 ms hop");
    let json = serde_json::to_value(&r).unwrap();
    for key in ["duration_s", "f0_sd_st", "alpha_ratio_db", "markers", "confidence", "quality", "frames"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    let no_frames = serde_json::to_value(analyze(
        &read_audio_file(&dir.path().join("plain.wav")).unwrap(),
        &AnalyzeOptions { frames: false },
    ))
    .unwrap();
    assert!(no_frames.get("frames").is_none(), "frames only on request");
}

fn personal(dir: &Path, name: &str, args: &[&str], text: &str, baseline: &Baseline) -> VoiceReport {
    let mut r = analyse(&espeak(dir, name, args, text));
    assert!(r.quality.ok, "{name}: {:?}", r.quality.reason);
    apply_baseline(&mut r, baseline);
    r
}

#[test]
fn personal_baseline_reads_direction_of_change() {
    let dir = tempfile::tempdir().unwrap();
    // Six ordinary check-ins with the small take-to-take variation a person has.
    let normal_args =
        [("48", "165"), ("52", "175"), ("50", "170"), ("47", "172"), ("53", "168"), ("50", "176")];
    let history: Vec<Features> = normal_args
        .iter()
        .enumerate()
        .map(|(i, (p, s))| {
            let r = analyse(&espeak(
                dir.path(),
                &format!("n{i}"),
                &["-p", p, "-s", s, "-a", "100"],
                SENTENCES[i],
            ));
            assert!(r.quality.ok, "normal {i}: {:?}", r.quality.reason);
            Features::from_report(&r).expect("features of a good check-in")
        })
        .collect();
    let baseline = Baseline::from_history(&history);
    assert_eq!(baseline.len(), 6);
    assert!(baseline.len() >= BASELINE_MIN);

    let text = SENTENCES[6];
    let normal = personal(dir.path(), "normal", &["-p", "50", "-s", "170", "-a", "100"], text, &baseline);
    let tense = personal(dir.path(), "tense", &["-p", "75", "-s", "230", "-a", "180"], text, &baseline);
    let tired_text = format!("<speak><prosody range=\"x-low\">{text}</prosody></speak>");
    let tired =
        personal(dir.path(), "tired", &["-m", "-p", "42", "-s", "120", "-a", "45"], &tired_text, &baseline);

    let (n, t, f) = (normal.markers.unwrap(), tense.markers.unwrap(), tired.markers.unwrap());
    eprintln!("normal {n:?}\ntense  {t:?}\ntired  {f:?}");
    assert!(t.stress > n.stress + 0.15, "louder/faster/higher must raise stress: {t:?} vs {n:?}");
    assert!(t.energy > n.energy + 0.15, "louder/faster/higher must raise energy: {t:?} vs {n:?}");
    assert!(f.fatigue > n.fatigue + 0.15, "slower/quieter/flatter must raise fatigue: {f:?} vs {n:?}");
    assert!(f.energy < n.energy, "slower/quieter/flatter must lower energy: {f:?} vs {n:?}");
    assert!(
        (0.3..0.7).contains(&n.stress) && (0.3..0.7).contains(&n.fatigue),
        "ordinary take reads as ordinary: {n:?}"
    );
    assert!(normal.confidence > POPULATION_CONFIDENCE_MAX, "personal readings are trusted more");

    // Partially blended before BASELINE_MIN: a 2-check-in baseline moves markers only part-way.
    let small = Baseline::from_history(&history[..2]);
    let mut partial = analyse(&dir.path().join("tense.wav"));
    let pop = partial.markers.unwrap();
    apply_baseline(&mut partial, &small);
    let pm = partial.markers.unwrap();
    assert!(pm.stress != pop.stress || pm.energy != pop.energy);
    assert!(partial.confidence < normal.confidence);
}
