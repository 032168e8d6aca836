//! Synthetic users for the learner: hidden preferences over five packs, noisy 1-5 ratings.
//!
//!     cargo run -p sonora-learn --release --example simulate [-- --runs 400 --png docs/learning-curves.png]
//!
//! Prints, per kind of user, the share of sessions on the best pack around sessions 10, 30 and
//! 60, and the cumulative regret (hidden mean rating lost against always playing the best pack)
//! of the learner, of random choice and of "always the last top-rated pack". docs/learning.md
//! holds the figures; `--png` also draws the learning curves.

use sonora_learn::rng::Rng;
use sonora_learn::{Context, MarkerBucket, Model, Observation, TimeBucket};
use sonora_proto::Outcome;

const PACKS: [&str; 5] = ["shore", "night", "hearth", "forest", "rain"];
const SESSIONS: usize = 60;
const CHANGE_AT: usize = 30;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Clear,
    TwoClose,
    NoPreference,
    Changes,
    RatesAThird,
}

impl Kind {
    const ALL: [Kind; 5] =
        [Kind::Clear, Kind::TwoClose, Kind::NoPreference, Kind::Changes, Kind::RatesAThird];
    fn name(self) -> &'static str {
        match self {
            Kind::Clear => "clear favourite",
            Kind::TwoClose => "two close favourites",
            Kind::NoPreference => "no preference",
            Kind::Changes => "favourite changes at 30",
            Kind::RatesAThird => "rates a third of sessions",
        }
    }
    /// Hidden mean rating of each pack at session `t`.
    fn means(self, t: usize) -> [f64; 5] {
        match self {
            Kind::Clear | Kind::RatesAThird => [4.5, 3.0, 2.6, 2.4, 2.0],
            Kind::TwoClose => [4.3, 4.0, 2.6, 2.4, 2.0],
            Kind::NoPreference => [3.2; 5],
            Kind::Changes if t < CHANGE_AT => [4.5, 3.0, 2.6, 2.4, 2.0],
            Kind::Changes => [2.0, 3.0, 2.6, 4.5, 2.4],
        }
    }
    fn rates(self, t: usize, rng: &mut Rng) -> bool {
        match self {
            Kind::RatesAThird => rng.uniform() < 1.0 / 3.0 || t == 0,
            _ => true,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Policy {
    Learner,
    Random,
    LastTop,
}

const CTX: Context = Context { time: TimeBucket::Evening, markers: MarkerBucket::Unknown };

fn argmax(v: &[f64; 5]) -> usize {
    (0..5).max_by(|&a, &b| v[a].total_cmp(&v[b]).then(b.cmp(&a))).unwrap_or(0)
}

/// One simulated person over SESSIONS sessions: (pack index per session, regret per session).
fn run(kind: Kind, policy: Policy, seed: u64) -> (Vec<usize>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let candidates: Vec<String> = PACKS.iter().map(|s| s.to_string()).collect();
    let mut history: Vec<Observation> = Vec::new();
    let mut recent: Vec<usize> = Vec::new(); // rotation: last two
    let mut last_top: Option<usize> = None;
    let (mut picks, mut regret) = (Vec::new(), Vec::new());
    for t in 0..SESSIONS {
        let means = kind.means(t);
        let session_seed = rng.next_u64();
        let rotation = |rng: &mut Rng, recent: &[usize]| {
            let free: Vec<usize> = (0..5).filter(|i| !recent.contains(i)).collect();
            free[rng.below(free.len())]
        };
        let pick = match policy {
            Policy::Random => rng.below(5),
            Policy::LastTop => last_top.unwrap_or_else(|| rotation(&mut rng, &recent)),
            Policy::Learner => {
                let model = Model::build(&history);
                match model.choose(Outcome::Sleep, CTX, &candidates, session_seed) {
                    Some(c) => PACKS.iter().position(|p| *p == c.pack).unwrap_or(0),
                    None => rotation(&mut rng, &recent),
                }
            }
        };
        recent.insert(0, pick);
        recent.truncate(2);
        let felt = means[pick] + 0.8 * rng.normal();
        let rating = felt.round().clamp(1.0, 5.0) as u8;
        let rated = kind.rates(t, &mut rng);
        if rated && rating >= 4 {
            last_top = Some(pick);
        } else if rated && last_top == Some(pick) && rating <= 2 {
            last_top = None;
        }
        let listened = (0.55 + 0.15 * (means[pick] - 3.0) + 0.2 * rng.normal()).clamp(0.05, 1.0);
        history.push(Observation {
            outcome: Outcome::Sleep,
            context: CTX,
            pack: PACKS[pick].to_string(),
            rating: rated.then_some(rating),
            listened: Some(listened),
            opening: None,
            closing: None,
        });
        picks.push(pick);
        regret.push(means[argmax(&means)] - means[pick]);
    }
    (picks, regret)
}

struct Summary {
    /// Share of runs on the best pack at each session.
    on_best: Vec<f64>,
    regret: f64,
}

fn summarise(kind: Kind, policy: Policy, runs: u64) -> Summary {
    let mut on_best = vec![0.0; SESSIONS];
    let mut regret = 0.0;
    for r in 0..runs {
        let (picks, reg) = run(kind, policy, 1000 + r);
        for (t, p) in picks.iter().enumerate() {
            if *p == argmax(&kind.means(t)) {
                on_best[t] += 1.0 / runs as f64;
            }
        }
        regret += reg.iter().sum::<f64>() / runs as f64;
    }
    Summary { on_best, regret }
}

/// Mean share on the best pack over sessions (from, to], 1-based.
fn window(v: &[f64], from: usize, to: usize) -> f64 {
    v[from..to].iter().sum::<f64>() / (to - from) as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let runs: u64 = opt("--runs").and_then(|v| v.parse().ok()).unwrap_or(400);
    println!(
        "{runs} simulated people per kind, {SESSIONS} sessions each, 5 packs, ratings = hidden mean + noise (sd 0.8), rounded to 1-5"
    );
    println!();
    println!(
        "| kind | on best, sessions 1-10 | 21-30 | 51-60 | regret learner | regret random | regret last top-rated |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut curves = Vec::new();
    for kind in Kind::ALL {
        let l = summarise(kind, Policy::Learner, runs);
        let r = summarise(kind, Policy::Random, runs);
        let t = summarise(kind, Policy::LastTop, runs);
        println!(
            "| {} | {:.0} % | {:.0} % | {:.0} % | {:.1} | {:.1} | {:.1} |",
            kind.name(),
            100.0 * window(&l.on_best, 0, 10),
            100.0 * window(&l.on_best, 20, 30),
            100.0 * window(&l.on_best, 50, 60),
            l.regret,
            r.regret,
            t.regret
        );
        if kind == Kind::Changes {
            let back = (CHANGE_AT..SESSIONS).find(|&s| l.on_best[s] >= 0.5).map(|s| s - CHANGE_AT + 1);
            match back {
                Some(n) => println!(
                    "|   (after the change: half the people are back on the new favourite by session {n} after it) ||||||"
                ),
                None => println!(
                    "|   (after the change: never back on the new favourite for half the people) ||||||"
                ),
            }
        }
        curves.push((kind, l.on_best, r.on_best));
    }
    if let Some(path) = opt("--png") {
        let png = draw(&curves);
        std::fs::write(&path, png).expect("write the PNG");
        println!();
        println!("learning curves written to {path}");
    }
}

// ------------------------------------------------------------------ a tiny PNG writer

const W: usize = 640;
const H: usize = 320;

fn draw(curves: &[(Kind, Vec<f64>, Vec<f64>)]) -> Vec<u8> {
    let mut img = vec![[255u8; 3]; W * H];
    let (left, right, top, bottom) = (40usize, W - 20, 20usize, H - 30);
    let x_of = |t: usize| left + (right - left) * t / (SESSIONS - 1);
    let y_of = |v: f64| bottom - ((bottom - top) as f64 * v.clamp(0.0, 1.0)) as usize;
    // Grid: 0, 25, 50, 75, 100 % and every 10 sessions.
    for q in 0..=4 {
        let y = y_of(q as f64 / 4.0);
        for x in left..=right {
            img[y * W + x] = if q == 0 { [0, 0, 0] } else { [220, 220, 220] };
        }
    }
    for s in (0..SESSIONS).step_by(10).chain([SESSIONS - 1]) {
        let x = x_of(s);
        for y in top..=bottom {
            img[y * W + x] = if s == 0 { [0, 0, 0] } else { [220, 220, 220] };
        }
    }
    let colours = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]];
    let random_colour = [150, 150, 150];
    let line = |img: &mut Vec<[u8; 3]>, v: &[f64], c: [u8; 3], thick: i64| {
        for t in 1..v.len() {
            let (x0, y0, x1, y1) =
                (x_of(t - 1) as i64, y_of(v[t - 1]) as i64, x_of(t) as i64, y_of(v[t]) as i64);
            let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
            for k in 0..=steps {
                let x = x0 + (x1 - x0) * k / steps;
                let y = y0 + (y1 - y0) * k / steps;
                for dy in -thick..=thick {
                    let yy = (y + dy).clamp(0, H as i64 - 1) as usize;
                    img[yy * W + x as usize] = c;
                }
            }
        }
    };
    // Random choice for the clear favourite, for reference.
    if let Some((_, _, r)) = curves.first() {
        line(&mut img, r, random_colour, 0);
    }
    for (i, (_, l, _)) in curves.iter().enumerate() {
        line(&mut img, l, colours[i % colours.len()], 1);
    }
    let mut raw = Vec::with_capacity((W * 3 + 1) * H);
    for y in 0..H {
        raw.push(0);
        for x in 0..W {
            raw.extend_from_slice(&img[y * W + x]);
        }
    }
    png(W as u32, H as u32, &raw)
}

fn png(w: u32, h: u32, raw: &[u8]) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib with stored (uncompressed) deflate blocks.
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(last as u8);
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}
