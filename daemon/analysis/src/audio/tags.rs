//! Checks the tag blocks of FLAC and Ogg files before symphonia reads them.
//!
//! symphonia 0.5 allocates each Vorbis comment and picture field at the length the file claims,
//! before reading it: a damaged or hostile file that claims 4 GiB aborts the whole daemon (an
//! allocation failure is not a panic, so no `catch_unwind` helps). Found by fuzz/audio_decode.
//! Sonora reads no tags at all, so a file whose tag lengths run past its end is refused as
//! damaged here, and symphonia only ever sees lengths that fit in the file. A WAV header after
//! junk is refused here too: it would reach symphonia's WAV reader, which panics on a zero
//! sample rate (WAV is read by hound, from the start of a file only).

/// How far into a file symphonia's probe looks for a format's marker (it skips junk and tags
/// before it), with room to spare.
const PROBE_REACH: usize = 2 << 20;

/// Checks every length field of the tag blocks in `b` (a whole file); Err says what is wrong.
/// Only tag lengths that run past what the file holds are errors; any other damage is left to
/// the decoder, which reports it without allocating on the file's word.
pub(super) fn check(b: &[u8]) -> Result<(), String> {
    let head = &b[..b.len().min(PROBE_REACH)];
    // A WAV header after junk would reach symphonia's WAV reader, which panics on a zero sample
    // rate (fuzzing found it); WAV is hound's, and only at the start of a file.
    if let Some(at) = find_all(head, b"WAVE").find(|at| *at >= 8 && &b[at - 8..at - 4] == b"RIFF") {
        return Err(format!("{at} bytes of something else before a WAV header"));
    }
    for at in find_all(head, b"fLaC") {
        flac_blocks(&b[at + 4..], false)?;
    }
    if let Some(at) = find_all(head, b"OggS").next() {
        ogg(&b[at..])?;
    }
    Ok(())
}

fn find_all<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    hay.windows(needle.len()).enumerate().filter(move |(_, w)| *w == needle).map(|(i, _)| i)
}

/// FLAC metadata blocks (native: until the last-block flag; in Ogg, `one` block per packet).
fn flac_blocks(b: &[u8], one: bool) -> Result<(), String> {
    let mut i = 0;
    loop {
        let Some(head) = b.get(i..i + 4) else { return Ok(()) };
        let len = u32::from_be_bytes([0, head[1], head[2], head[3]]) as usize;
        // A block cut short by the end of the file is checked as far as it goes.
        let body = b.get(i + 4..).map_or(&[][..], |rest| &rest[..len.min(rest.len())]);
        match head[0] & 0x7f {
            4 => vorbis_comment(body)?,
            6 => picture(body)?,
            _ => {}
        }
        if one || head[0] & 0x80 != 0 {
            return Ok(());
        }
        i += 4 + len;
    }
}

fn u32_at(b: &[u8], at: usize, big: bool) -> Result<usize, String> {
    let x: [u8; 4] = b.get(at..at + 4).and_then(|s| s.try_into().ok()).ok_or("a tag is cut short")?;
    Ok(if big { u32::from_be_bytes(x) } else { u32::from_le_bytes(x) } as usize)
}

/// A field of `len` bytes at `at` must fit in `b`; returns where the next field starts.
fn field(b: &[u8], at: usize, len: usize) -> Result<usize, String> {
    at.checked_add(len)
        .filter(|end| *end <= b.len())
        .ok_or_else(|| "a tag is longer than its block".to_string())
}

/// Vendor string, then a count of comments, each with its length (little-endian).
fn vorbis_comment(b: &[u8]) -> Result<(), String> {
    let mut at = field(b, 4, u32_at(b, 0, false)?)?;
    let n = u32_at(b, at, false)?;
    at += 4;
    for _ in 0..n {
        let len = u32_at(b, at, false)?;
        at = field(b, at + 4, len)?;
    }
    Ok(())
}

/// Picture type, MIME type, description, four numbers, then the picture (big-endian lengths).
fn picture(b: &[u8]) -> Result<(), String> {
    let at = field(b, 8, u32_at(b, 4, true)?)?;
    let at = field(b, at + 4, u32_at(b, at, true)?)?;
    let at = at + 16;
    field(b, at + 4, u32_at(b, at, true)?).map(|_| ())
}

/// The header packets of each Ogg stream: Vorbis and Opus comment headers, and FLAC-in-Ogg
/// metadata packets. Pages are walked as the format says (segment tables), so a comment that
/// spans pages is reassembled before it is checked.
fn ogg(b: &[u8]) -> Result<(), String> {
    use std::collections::HashMap;
    // Per stream serial: the packet being assembled, how many packets so far, its codec.
    let mut streams: HashMap<u32, (Vec<u8>, usize, u8)> = HashMap::new();
    let mut i = 0;
    while let Some(head) = b.get(i..i + 27) {
        if &head[..4] != b"OggS" {
            // Not a page: the reader looks for the next one, and so does this walk.
            match find_all(&b[i + 1..], b"OggS").next() {
                Some(next) => {
                    i += 1 + next;
                    continue;
                }
                None => return Ok(()),
            }
        }
        let serial = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
        let segments = head[26] as usize;
        // A page cut short ends the walk: its packet never completes, so no reader parses it.
        let Some(table) = b.get(i + 27..i + 27 + segments) else { return Ok(()) };
        let mut at = i + 27 + segments;
        for &lace in table {
            let Some(chunk) = b.get(at..at + lace as usize) else { return Ok(()) };
            at += lace as usize;
            let s = streams.entry(serial).or_default();
            // Only header packets carry tags; the audio after them is left alone.
            if s.1 < 16 {
                s.0.extend_from_slice(chunk);
            }
            if lace < 255 {
                let packet = std::mem::take(&mut s.0);
                if s.1 == 0 {
                    s.2 = match packet.first() {
                        Some(0x01) if packet.get(1..7) == Some(b"vorbis") => b'v',
                        Some(0x7f) if packet.get(1..5) == Some(b"FLAC") => b'f',
                        _ if packet.starts_with(b"OpusHead") => b'o',
                        _ => b'-',
                    };
                }
                s.1 += 1;
                match s.2 {
                    b'v' if packet.starts_with(b"\x03vorbis") => vorbis_comment(&packet[7..])?,
                    b'o' if packet.starts_with(b"OpusTags") => vorbis_comment(&packet[8..])?,
                    b'f' if s.1 > 1 && s.1 <= 16 => flac_blocks(&packet, true)?,
                    _ => {}
                }
            }
        }
        if streams.values().all(|s| s.1 >= 16) {
            return Ok(());
        }
        i = at;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flac_with_comment(comment_len: u32) -> Vec<u8> {
        let mut body = 3u32.to_le_bytes().to_vec();
        body.extend_from_slice(b"abc");
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&comment_len.to_le_bytes());
        body.extend_from_slice(b"TITLE=x");
        let mut f = b"fLaC".to_vec();
        f.push(0x84); // last block, type 4
        f.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        f.extend(body);
        f
    }

    #[test]
    fn a_comment_that_fits_passes_and_one_claiming_gigabytes_is_refused() {
        assert!(check(&flac_with_comment(7)).is_ok());
        let e = check(&flac_with_comment(0xffff_fff0)).unwrap_err();
        assert!(e.contains("longer than its block"), "{e}");
        assert!(check(&flac_with_comment(8)).is_err());
    }

    #[test]
    fn cut_or_odd_inputs_never_panic() {
        let good = flac_with_comment(7);
        for n in 0..good.len() {
            let _ = check(&good[..n]);
        }
        let _ = check(b"OggS");
        let _ = check(b"OggS\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\xff");
    }
}
