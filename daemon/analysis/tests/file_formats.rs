//! Check-in recordings in the formats people's recorders and phones save: FLAC reads sample for
//! sample like the WAV it came from, Ogg Vorbis and MP3 give the same voice (pitch, level, speech
//! time) within what a lossy codec changes, and broken or unsupported files get a clear error
//! that names the file. The files are made by SoX from espeak-ng speech, as a person's would be.

mod common;
use common::*;
use sonora_analysis::{AnalyzeOptions, AudioError, analyze, read_audio_bytes, read_audio_file};
use std::path::{Path, PathBuf};
use std::process::Command;

fn sox(input: &Path, out: PathBuf) -> PathBuf {
    let st = Command::new("sox").arg(input).arg(&out).status().unwrap_or_else(|e| {
        panic!(
            "sox is required for the file-format tests ({e}); install it: apt-get install sox libsox-fmt-all"
        )
    });
    assert!(st.success(), "sox could not write {}", out.display());
    out
}

fn speech(dir: &Path) -> PathBuf {
    espeak(dir, "voice", &["-p", "45"], SENTENCES[1])
}

#[test]
fn flac_reads_exactly_like_the_wav_it_was_made_from() {
    let dir = tempfile::tempdir().unwrap();
    let wav = speech(dir.path());
    let flac = sox(&wav, dir.path().join("voice.flac"));
    let a = read_audio_file(&wav).unwrap();
    let b = read_audio_file(&flac).unwrap();
    assert_eq!(a.sample_rate, b.sample_rate);
    assert_eq!(a.samples.len(), b.samples.len());
    let worst = a.samples.iter().zip(&b.samples).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "lossless means the same samples: worst difference {worst}");
    let opts = AnalyzeOptions::default();
    assert_eq!(analyze(&a, &opts).markers, analyze(&b, &opts).markers);
}

#[test]
fn vorbis_and_mp3_give_the_same_voice_within_what_the_codec_changes() {
    let dir = tempfile::tempdir().unwrap();
    let wav = speech(dir.path());
    let opts = AnalyzeOptions::default();
    let reference = analyze(&read_audio_file(&wav).unwrap(), &opts);
    let f0 = reference.f0_median_hz.expect("espeak speech has a pitch");
    for ext in ["ogg", "mp3"] {
        let file = sox(&wav, dir.path().join(format!("voice.{ext}")));
        let audio = read_audio_file(&file).unwrap_or_else(|e| panic!("{ext}: {e}"));
        let dur = (audio.duration_s() - reference.duration_s).abs();
        assert!(dur < 0.1, "{ext}: {:.3} s against {:.3} s", audio.duration_s(), reference.duration_s);
        let r = analyze(&audio, &opts);
        assert!(r.quality.ok, "{ext}: {:?}", r.quality);
        let g = r.f0_median_hz.unwrap();
        assert!((g / f0 - 1.0).abs() < 0.03, "{ext}: median pitch {g:.1} Hz against {f0:.1} Hz");
        let (li, ri) = (r.intensity_mean_db.unwrap(), reference.intensity_mean_db.unwrap());
        assert!((li - ri).abs() < 1.0, "{ext}: level {li:.1} dB against {ri:.1} dB");
        assert!(
            (r.speech_s - reference.speech_s).abs() < 0.2,
            "{ext}: speech {} s vs {} s",
            r.speech_s,
            reference.speech_s
        );
        let (m, n) = (r.markers.unwrap(), reference.markers.unwrap());
        for (what, x, y) in [
            ("stress", m.stress, n.stress),
            ("fatigue", m.fatigue, n.fatigue),
            ("energy", m.energy, n.energy),
        ] {
            assert!((x - y).abs() < 0.08, "{ext}: {what} {x:.3} against {y:.3} from the WAV");
        }
        // The contents decide, not the name.
        let renamed = dir.path().join(format!("misnamed-{ext}.wav"));
        std::fs::copy(&file, &renamed).unwrap();
        assert_eq!(read_audio_file(&renamed).unwrap().samples.len(), audio.samples.len(), "{ext}");
        assert_eq!(
            read_audio_bytes(&std::fs::read(&file).unwrap()).unwrap().samples.len(),
            audio.samples.len()
        );
    }
}

#[test]
fn broken_compressed_files_are_clear_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let wav = speech(dir.path());
    for ext in ["flac", "ogg", "mp3"] {
        let file = sox(&wav, dir.path().join(format!("voice.{ext}")));
        let bytes = std::fs::read(&file).unwrap();
        // Only the first few hundred bytes: headers and hardly any audio.
        let stub = dir.path().join(format!("stub.{ext}"));
        std::fs::write(&stub, &bytes[..bytes.len().min(300)]).unwrap();
        match read_audio_file(&stub) {
            Ok(a) => assert!(a.duration_s() < 0.5, "{ext}: {} s from 300 bytes", a.duration_s()),
            Err(e) => assert!(e.to_string().contains(&format!("stub.{ext}")), "{ext}: {e}"),
        }
        // Every cut and a scribble in the middle: an error or the audio that is there, never a panic.
        for cut in (0..bytes.len()).step_by(bytes.len() / 40 + 1) {
            let _ = read_audio_bytes(&bytes[..cut]);
        }
        let mut scribbled = bytes.clone();
        let mid = scribbled.len() / 2;
        for b in &mut scribbled[mid..mid + 64] {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
        let _ = read_audio_bytes(&scribbled);
    }
    let junk = dir.path().join("notes.mp3");
    std::fs::write(&junk, b"ID3\x03\x00\x00\x00\x00\x00\x00 these are no samples at all").unwrap();
    let e = read_audio_file(&junk).unwrap_err();
    assert!(e.to_string().contains("notes.mp3") && e.to_string().contains("not a WAV, FLAC"), "{e}");
}

/// One Ogg page (CRC and all) holding `packet`.
fn ogg_page(packet: &[u8], header_type: u8, seq: u32, granule: u64) -> Vec<u8> {
    let mut p = b"OggS\x00".to_vec();
    p.push(header_type);
    p.extend_from_slice(&granule.to_le_bytes());
    p.extend_from_slice(&0x5eed_u32.to_le_bytes());
    p.extend_from_slice(&seq.to_le_bytes());
    p.extend_from_slice(&[0; 4]);
    assert!(packet.len() < 255);
    p.push(1);
    p.push(packet.len() as u8);
    p.extend_from_slice(packet);
    let mut crc = 0u32;
    for &b in &p {
        crc ^= (b as u32) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04c1_1db7 } else { crc << 1 };
        }
    }
    p[22..26].copy_from_slice(&crc.to_le_bytes());
    p
}

#[test]
fn ogg_opus_is_refused_with_what_to_use_instead() {
    let mut head = b"OpusHead\x01\x01".to_vec();
    head.extend_from_slice(&312u16.to_le_bytes());
    head.extend_from_slice(&48_000u32.to_le_bytes());
    head.extend_from_slice(&[0, 0, 0]);
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&[4, 0, 0, 0]);
    tags.extend_from_slice(b"test");
    tags.extend_from_slice(&[0, 0, 0, 0]);
    let mut bytes = ogg_page(&head, 2, 0, 0);
    bytes.extend(ogg_page(&tags, 0, 1, 0));
    // Audio pages: 20 ms packets (TOC byte of a CELT frame and a little payload).
    for i in 0..10u32 {
        let last = if i == 9 { 4 } else { 0 };
        bytes.extend(ogg_page(&[0xfc, 0xff, 0xfe, 0x00, 0x11], last, 2 + i, 312 + 960 * (i as u64 + 1)));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memo.opus");
    std::fs::write(&path, &bytes).unwrap();
    let e = read_audio_file(&path).unwrap_err();
    assert!(matches!(e, AudioError::UnsupportedCodec { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("memo.opus") && text.contains("Opus") && text.contains("FLAC"), "{text}");
}

/// Found by fuzz/audio_decode: a FLAC whose Vorbis comment claims 4 GiB made the decoder library
/// allocate that much before reading, which aborts the whole daemon. Refused as damaged instead.
#[test]
fn tags_that_claim_more_than_the_file_holds_are_refused_not_allocated() {
    let crash = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/audio_decode/flac_comment_claims_4gib"
    ))
    .unwrap();
    let e = read_audio_bytes(&crash).unwrap_err();
    assert!(matches!(e, AudioError::NotAudio { .. }), "{e:?}");
    // The decoder also finds a FLAC after a few bytes of junk: so does the check.
    let after_junk = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/regressions/audio_decode/flac_after_junk_claims_2gib"
    ))
    .unwrap();
    assert!(matches!(read_audio_bytes(&after_junk), Err(AudioError::NotAudio { .. })));
    // The same inside a real file made by SoX: its comment length rewritten to 0xFFFFFFF0.
    let dir = tempfile::tempdir().unwrap();
    let flac = sox(&speech(dir.path()), dir.path().join("voice.flac"));
    let mut bytes = std::fs::read(&flac).unwrap();
    let mut i = 4;
    loop {
        let (kind, last) = (bytes[i] & 0x7f, bytes[i] & 0x80 != 0);
        let len = u32::from_be_bytes([0, bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        if kind == 4 {
            let vendor = u32::from_le_bytes(bytes[i + 4..i + 8].try_into().unwrap()) as usize;
            bytes[i + 8 + vendor..i + 12 + vendor].copy_from_slice(&1u32.to_le_bytes());
            bytes[i + 12 + vendor..i + 16 + vendor].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
            break;
        }
        assert!(!last, "sox wrote no comment block");
        i += 4 + len;
    }
    let bad = dir.path().join("tagged.flac");
    std::fs::write(&bad, &bytes).unwrap();
    let e = read_audio_file(&bad).unwrap_err();
    assert!(e.to_string().contains("tagged.flac") && e.to_string().contains("longer than its block"), "{e}");
}
