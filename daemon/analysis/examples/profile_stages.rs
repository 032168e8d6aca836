use sonora_analysis::*;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let a = read_audio_file(std::path::Path::new(&path)).unwrap();
    let fs = 16000.0;
    for _ in 0..3 {
        let t = Instant::now();
        let x = resample(&a.samples, a.sample_rate, 16000);
        let t1 = t.elapsed();
        let p = pitch::PitchTracker::new(fs, Default::default()).track(&x);
        let t2 = t.elapsed();
        let c = prosody::intensity(&x, fs, 100.0, 0.01);
        let seg = prosody::segment(&c);
        let c2 = prosody::intensity(&x, fs, 50.0, 0.016);
        let _n = prosody::syllable_nuclei(&c2, &p);
        let t3 = t.elapsed();
        let cy = voice::cycles(&x, fs, &p);
        let t4 = t.elapsed();
        let _s = spectral::analyse(&x, fs, &p, &seg, 11025.0);
        let t5 = t.elapsed();
        let _r = analyze(&a, &AnalyzeOptions { frames: true });
        let t6 = t.elapsed();
        println!(
            "resample {:?} pitch {:?} prosody {:?} cycles {:?} ({}) spectral {:?} full {:?}",
            t1,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            cy.count(),
            t5 - t4,
            t6 - t5
        );
    }
}
