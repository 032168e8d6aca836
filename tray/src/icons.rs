//! Tray pictures, drawn in code so Sonora ships no third-party art.
//!
//! Each picture is a few simple shapes (discs, rings, strokes) described by signed distance
//! functions and painted with 4x4 supersampling, which keeps edges smooth at panel sizes without an
//! image library. Colours carry the state at a glance: grey idle, blue calm, amber focus, indigo
//! sleep, rose with a microphone while a check-in listens, a struck-through ring when the daemon is
//! away.

use crate::view::IconKind;
use sonora_proto::Outcome;

/// Side of the square icons in pixels; panels scale it down, and 64 stays crisp on HiDPI.
pub const SIZE: u32 = 64;

type Rgb = [u8; 3];

const GREY: Rgb = [0x9a, 0xa0, 0xa6];
const CALM: Rgb = [0x3b, 0x8e, 0xd0];
const FOCUS: Rgb = [0xe8, 0x9a, 0x1c];
const SLEEP: Rgb = [0x5b, 0x4f, 0xc4];
const LISTEN: Rgb = [0xd9, 0x46, 0x6f];
const WHITE: Rgb = [0xff, 0xff, 0xff];

/// A shape in a unit square (0..1 on both axes, y down); negative distance is inside.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Disc {
        cx: f32,
        cy: f32,
        r: f32,
    },
    Ring {
        cx: f32,
        cy: f32,
        r: f32,
        width: f32,
    },
    /// A line segment with round ends.
    Stroke {
        ax: f32,
        ay: f32,
        bx: f32,
        by: f32,
        width: f32,
    },
    /// Inside `a` but outside `b` (used for the sleep crescent).
    Minus(&'static Shape, &'static Shape),
}

impl Shape {
    fn distance(&self, x: f32, y: f32) -> f32 {
        match *self {
            Shape::Disc { cx, cy, r } => ((x - cx).hypot(y - cy)) - r,
            Shape::Ring { cx, cy, r, width } => ((x - cx).hypot(y - cy) - r).abs() - width / 2.0,
            Shape::Stroke { ax, ay, bx, by, width } => {
                let (px, py, dx, dy) = (x - ax, y - ay, bx - ax, by - ay);
                let t = ((px * dx + py * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                (px - dx * t).hypot(py - dy * t) - width / 2.0
            }
            Shape::Minus(a, b) => a.distance(x, y).max(-b.distance(x, y)),
        }
    }
}

/// One painted layer: a shape, a colour and an opacity.
struct Layer(Shape, Rgb, f32);

static MOON_OUTER: Shape = Shape::Disc { cx: 0.5, cy: 0.5, r: 0.42 };
static MOON_BITE: Shape = Shape::Disc { cx: 0.68, cy: 0.36, r: 0.34 };

fn layers(kind: IconKind) -> Vec<Layer> {
    let disc = |c: Rgb, a: f32| Layer(Shape::Disc { cx: 0.5, cy: 0.5, r: 0.44 }, c, a);
    match kind {
        IconKind::Idle => vec![Layer(Shape::Ring { cx: 0.5, cy: 0.5, r: 0.38, width: 0.1 }, GREY, 1.0)],
        IconKind::Absent => vec![
            Layer(Shape::Ring { cx: 0.5, cy: 0.5, r: 0.38, width: 0.08 }, GREY, 0.8),
            Layer(Shape::Stroke { ax: 0.2, ay: 0.8, bx: 0.8, by: 0.2, width: 0.09 }, GREY, 0.8),
        ],
        IconKind::Playing(o) => outcome_layers(o, 1.0),
        IconKind::Fading(o) => outcome_layers(o, 0.5),
        IconKind::CheckingIn => vec![
            disc(LISTEN, 1.0),
            // microphone: capsule head, cradle arc approximated by three strokes, stand
            Layer(Shape::Stroke { ax: 0.5, ay: 0.28, bx: 0.5, by: 0.48, width: 0.16 }, WHITE, 1.0),
            Layer(Shape::Stroke { ax: 0.34, ay: 0.5, bx: 0.4, by: 0.6, width: 0.05 }, WHITE, 1.0),
            Layer(Shape::Stroke { ax: 0.4, ay: 0.6, bx: 0.6, by: 0.6, width: 0.05 }, WHITE, 1.0),
            Layer(Shape::Stroke { ax: 0.6, ay: 0.6, bx: 0.66, by: 0.5, width: 0.05 }, WHITE, 1.0),
            Layer(Shape::Stroke { ax: 0.5, ay: 0.62, bx: 0.5, by: 0.74, width: 0.05 }, WHITE, 1.0),
        ],
    }
}

fn outcome_layers(o: Outcome, alpha: f32) -> Vec<Layer> {
    match o {
        // a disc with two gentle waves, each a zigzag of round-capped strokes
        Outcome::Calm => {
            let mut layers = vec![Layer(Shape::Disc { cx: 0.5, cy: 0.5, r: 0.44 }, CALM, alpha)];
            for base in [0.42, 0.6] {
                let pts = [(0.24, base), (0.37, base - 0.05), (0.5, base), (0.63, base + 0.05), (0.76, base)];
                for w in pts.windows(2) {
                    let (ax, ay, bx, by) = (w[0].0, w[0].1, w[1].0, w[1].1);
                    layers.push(Layer(Shape::Stroke { ax, ay, bx, by, width: 0.07 }, WHITE, alpha));
                }
            }
            layers
        }
        // a target: disc, white ring, centre dot
        Outcome::Focus => vec![
            Layer(Shape::Disc { cx: 0.5, cy: 0.5, r: 0.44 }, FOCUS, alpha),
            Layer(Shape::Ring { cx: 0.5, cy: 0.5, r: 0.24, width: 0.07 }, WHITE, alpha),
            Layer(Shape::Disc { cx: 0.5, cy: 0.5, r: 0.08 }, WHITE, alpha),
        ],
        // a crescent moon
        Outcome::Sleep => vec![Layer(Shape::Minus(&MOON_OUTER, &MOON_BITE), SLEEP, alpha)],
    }
}

/// The picture for `kind` as straight (non-premultiplied) RGBA, `SIZE`x`SIZE`, row-major.
pub fn rgba(kind: IconKind) -> Vec<u8> {
    rgba_sized(kind, SIZE)
}

/// The application icon (menus, the launcher, media widgets): the calm picture, the one people see
/// most in the panel.
pub const APP_ICON: IconKind = IconKind::Playing(Outcome::Calm);

/// Writes `kind` drawn at `size` x `size` pixels as a PNG (`sonora-tray --write-icon`, which
/// packaging uses for the hicolor theme's sizes, so the menu icon is the tray's own picture).
pub fn write_png(kind: IconKind, size: u32, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), size, size);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgba_sized(kind, size))?;
    writer.finish()?;
    Ok(())
}

/// The picture for `kind` at any size (the shapes are in a unit square).
pub fn rgba_sized(kind: IconKind, size: u32) -> Vec<u8> {
    const SS: u32 = 4;
    let layers = layers(kind);
    let n = size as usize;
    let mut out = vec![0u8; n * n * 4];
    for py in 0..size {
        for px in 0..size {
            // composite "over" in float, straight alpha
            let (mut r, mut g, mut b, mut a) = (0f32, 0f32, 0f32, 0f32);
            for layer in &layers {
                let mut cover = 0u32;
                for sy in 0..SS {
                    for sx in 0..SS {
                        let x = (px as f32 + (sx as f32 + 0.5) / SS as f32) / size as f32;
                        let y = (py as f32 + (sy as f32 + 0.5) / SS as f32) / size as f32;
                        if layer.0.distance(x, y) <= 0.0 {
                            cover += 1;
                        }
                    }
                }
                let la = layer.2 * cover as f32 / (SS * SS) as f32;
                if la == 0.0 {
                    continue;
                }
                let out_a = la + a * (1.0 - la);
                let mix = |dst: f32, src: u8| (f32::from(src) * la + dst * a * (1.0 - la)) / out_a;
                r = mix(r, layer.1[0]);
                g = mix(g, layer.1[1]);
                b = mix(b, layer.1[2]);
                a = out_a;
            }
            let i = ((py * size + px) * 4) as usize;
            out[i..i + 4].copy_from_slice(&[
                r.round() as u8,
                g.round() as u8,
                b.round() as u8,
                (a * 255.0).round() as u8,
            ]);
        }
    }
    out
}

/// The picture as a `tray-icon` icon.
pub fn tray_icon(kind: IconKind) -> tray_icon::Icon {
    tray_icon::Icon::from_rgba(rgba(kind), SIZE, SIZE).expect("icon buffers are always SIZE*SIZE*4 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [IconKind; 9] = [
        IconKind::Idle,
        IconKind::Absent,
        IconKind::CheckingIn,
        IconKind::Playing(Outcome::Calm),
        IconKind::Playing(Outcome::Focus),
        IconKind::Playing(Outcome::Sleep),
        IconKind::Fading(Outcome::Calm),
        IconKind::Fading(Outcome::Focus),
        IconKind::Fading(Outcome::Sleep),
    ];

    fn pixel(buf: &[u8], x: u32, y: u32) -> [u8; 4] {
        let i = ((y * SIZE + x) * 4) as usize;
        [buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]
    }

    #[test]
    fn every_icon_is_the_right_size_and_distinct() {
        let bufs: Vec<Vec<u8>> = ALL.iter().map(|k| rgba(*k)).collect();
        for (k, b) in ALL.iter().zip(&bufs) {
            assert_eq!(b.len(), (SIZE * SIZE * 4) as usize, "{k:?}");
            assert!(b.chunks(4).any(|p| p[3] > 100), "{k:?} has no visible pixel");
            assert_eq!(pixel(b, 0, 0)[3], 0, "{k:?} corner must be transparent");
        }
        for i in 0..bufs.len() {
            for j in i + 1..bufs.len() {
                assert_ne!(bufs[i], bufs[j], "{:?} and {:?} look the same", ALL[i], ALL[j]);
            }
        }
    }

    #[test]
    fn colours_tell_the_outcomes_apart() {
        // a point inside the disc but away from the white marks
        let calm = pixel(&rgba(IconKind::Playing(Outcome::Calm)), 32, 12);
        let focus = pixel(&rgba(IconKind::Playing(Outcome::Focus)), 32, 8);
        assert_eq!(&calm[..3], &CALM);
        assert_eq!(&focus[..3], &FOCUS);
        let fading = pixel(&rgba(IconKind::Fading(Outcome::Calm)), 32, 12);
        assert!(fading[3] < calm[3], "fading is paler");
        // the idle ring is hollow
        assert_eq!(pixel(&rgba(IconKind::Idle), 32, 32)[3], 0);
    }

    #[test]
    fn writes_the_app_icon_at_any_size() {
        let dir = std::env::temp_dir().join(format!("sonora-icon-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for size in [16, 48, 256] {
            let path = dir.join(format!("{size}.png"));
            write_png(APP_ICON, size, &path).unwrap();
            let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height), (size, size));
            assert_eq!(&buf[..info.buffer_size()], &rgba_sized(APP_ICON, size)[..]);
            // the calm blue at the centre, transparent in the corner
            let alpha = |x: u32, y: u32| buf[((y * size + x) * 4 + 3) as usize];
            assert_eq!(alpha(size / 2, size / 4), 255);
            assert_eq!(alpha(0, 0), 0);
        }
        assert_eq!(rgba_sized(APP_ICON, SIZE), rgba(APP_ICON));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn builds_a_tray_icon() {
        let _ = tray_icon(IconKind::CheckingIn);
    }
}
