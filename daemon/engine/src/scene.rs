//! A scene: layers from one pack, mixed under the session arc, with live loudness calibration and
//! a safety limiter. [`Scene`] is the realtime half; [`SceneControl`] the control half.
//!
//! Loudness without a look at the future: at build each layer renders two seconds (with slow
//! modulators sped up) through a K-weighting filter, which sets its calibration gain so the
//! nominal mix sits at -23 LUFS. While playing, a slow automatic gain (20 s time constant, at
//! most ±6 dB) tracks the nominal mix's estimated K-weighted energy so arc changes in
//! brightness and density don't drift the loudness. User volumes and mutes act after that
//! estimate, so turning a layer down really makes the scene quieter.

use crate::arc::SessionArc;
use crate::dsp::limiter::{DcBlock, Limiter};
use crate::dsp::mod_source::Ramp;
use crate::dsp::rng::Rng;
use crate::dsp::space::Space;
use crate::dsp::{db_to_amp, smoothstep};
use crate::layers::{self, Control, Generator, SceneCtx};
use crate::loudness::{KWeight, ms_for_lufs};
use crate::pack::{Kind, LayerSpec, Pack};
use crate::{EngineError, Preset, PresetLayer, Source};
use sonora_proto::LayerInfo;
use sonora_proto::Outcome;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Frames per internal block: control values (arc, filter settings) update at this rate.
pub const BLOCK: usize = 128;
/// Loudness every scene is calibrated to.
pub const TARGET_LUFS: f64 = -23.0;
/// Sample-peak ceiling of the safety limiter (-3 dBFS keeps true peak under -1 dBTP).
const CEILING: f32 = 0.708;
/// A layer with `enter_s` > 0 fades in over this long.
const ENTRY_FADE_S: f64 = 8.0;
/// The master's DC blocker: below hearing, above the slowest drift of a brown-noise bed.
const DC_CUTOFF_HZ: f32 = 20.0;
/// Automatic gain time constant.
const AGC_TAU_S: f64 = 20.0;

struct LiveLayer {
    generator: Box<dyn Generator>,
    /// Calibration gain times the pack's gain_db: the layer's level in the nominal mix.
    cal: f32,
    /// K-weighted energy / plain energy, measured at build, to estimate loudness from plain RMS.
    k_ratio: f32,
    bal_l: f32,
    bal_r: f32,
    user: Arc<AtomicU32>,
    muted: Arc<AtomicBool>,
    gain: Ramp,
    enter_s: f64,
    /// Rough relative render cost, for splitting layers over threads.
    cost: f32,
    /// Dry and wet (space send) shares: `dry^2 + wet^2 = 1`, so sends keep the calibrated level.
    dry: f32,
    wet: f32,
    /// Carries the focus pulse (when on).
    pulsed: bool,
}

/// Calm's slow breathing swell on the scene's level: about six swells a minute once settled
/// (quicker while the arc is still lively), each cycle a little longer or shorter than the last.
struct Breath {
    phase: f64,
    jitter: f64,
    rng: Rng,
}

impl Breath {
    /// Peak-to-trough depth in dB.
    const DEPTH_DB: f32 = 3.5;

    /// Advances by `dt` seconds at the arc's `activity` and returns the gain (mean 0 dB).
    fn step(&mut self, dt: f64, activity: f32) -> f32 {
        let per_min = 6.0 + 3.0 * activity.clamp(0.0, 1.0) as f64;
        self.phase += dt * per_min / 60.0 * self.jitter;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
            self.jitter = self.rng.range(0.88, 1.12) as f64;
        }
        let x = 0.5 - 0.5 * (std::f64::consts::TAU * self.phase).cos();
        db_to_amp(Self::DEPTH_DB * (x as f32 - 0.5))
    }
}

/// The focus pulse: a gentle amplitude modulation of the bed (see `[pulse]` in the manifest).
struct Pulse {
    osc: crate::dsp::osc::Sine,
    depth: f32,
    env: Vec<f32>,
}

/// Stands in for a layer whose generator was detached to render on another thread.
struct Elsewhere;

impl Generator for Elsewhere {
    fn render(&mut self, _: &Control, out: &mut [f32]) {
        out.fill(0.0);
    }
}

/// Layers rendered ahead (by [`render_detached`]) for the next [`Scene::fill_with`]: `idx[j]` is
/// the scene layer whose whole chunk sits at `buf[j * stride..][..stride]`.
pub struct Detached<'a> {
    pub idx: &'a [usize],
    pub buf: &'a [f32],
    pub stride: usize,
}

/// Renders detached generators over the blocks `ctls` describes (from [`Scene::controls`]), each
/// generator's chunk contiguous at `buf[j * stride..]`.
pub fn render_detached(gens: &mut [Box<dyn Generator>], ctls: &[Control], buf: &mut [f32], stride: usize) {
    for (j, g) in gens.iter_mut().enumerate() {
        let mut off = j * stride;
        for c in ctls {
            let n = c.frames * 2;
            g.render(c, &mut buf[off..off + n]);
            off += n;
        }
    }
}

/// The realtime half of a scene.
pub struct Scene {
    layers: Vec<LiveLayer>,
    arc: SessionArc,
    sr: f32,
    frame: u64,
    scratch: Vec<f32>,
    target_ms: f64,
    agc_ms: f64,
    agc_alpha: f64,
    master: Ramp,
    send: Vec<f32>,
    space: Space,
    dc: DcBlock,
    limiter: Limiter,
    breath: Option<Breath>,
    pulse: Option<Pulse>,
}

impl Scene {
    pub fn arc(&self) -> &SessionArc {
        &self.arc
    }

    /// Seconds rendered so far.
    pub fn time_s(&self) -> f64 {
        self.frame as f64 / self.sr as f64
    }

    /// Starts the scene `t_s` seconds into its session: the arc, the layers' entries and sleep's
    /// closing fade go on from there. For a scene rebuilt mid-session (the daemon's sound device
    /// came back), so the session keeps its place instead of opening again. Call before the first
    /// fill.
    pub fn start_at(&mut self, t_s: f64) {
        if t_s.is_finite() && t_s > 0.0 {
            self.frame = (t_s * self.sr as f64) as u64;
        }
    }

    /// Rough relative render cost of each layer.
    pub fn layer_costs(&self) -> Vec<f32> {
        self.layers.iter().map(|l| l.cost).collect()
    }

    /// Moves the generators of layers `which` out, for [`render_detached`] on another thread;
    /// afterwards only [`Scene::fill_with`] (with their renders) gives the full scene.
    pub fn detach(&mut self, which: &[usize]) -> Vec<Box<dyn Generator>> {
        which.iter().map(|&i| std::mem::replace(&mut self.layers[i].generator, Box::new(Elsewhere))).collect()
    }

    /// The per-block controls of `len` interleaved samples starting at `start_frame`, exactly as
    /// [`Source::fill`] will use them there. Appends to `out`.
    pub fn controls(&self, start_frame: u64, len: usize, out: &mut Vec<Control>) {
        let mut f = start_frame;
        let mut pos = 0;
        while pos < len {
            let n = (len - pos).min(BLOCK * 2);
            let frames = (n & !1) / 2;
            let t = f as f64 / self.sr as f64 + frames as f64 / 2.0 / self.sr as f64;
            out.push(self.control(t, frames));
            f += frames as u64;
            pos += n;
        }
    }

    fn control(&self, t: f64, frames: usize) -> Control {
        let p = self.arc.at(t);
        Control { activity: p.activity, brightness: p.brightness, sr: self.sr, frames, mod_speed: 1.0, t }
    }

    /// Like [`Source::fill`], with the detached layers' output taken from `det`; `out` must be the
    /// chunk `det` was rendered for (same start frame and length).
    pub fn fill_with(&mut self, out: &mut [f32], det: &Detached<'_>) {
        let mut off = 0;
        for chunk in out.chunks_mut(BLOCK * 2) {
            let even = chunk.len() & !1;
            self.block(&mut chunk[..even], Some((det, off)));
            chunk[even..].fill(0.0);
            off += chunk.len();
        }
    }

    fn block(&mut self, out: &mut [f32], det: Option<(&Detached<'_>, usize)>) {
        let frames = out.len() / 2;
        let t = self.time_s() + frames as f64 / 2.0 / self.sr as f64;
        let p = self.arc.at(t);
        let ctl = Control {
            activity: p.activity,
            brightness: p.brightness,
            sr: self.sr,
            frames,
            mod_speed: 1.0,
            t,
        };
        out.fill(0.0);
        let send = &mut self.send[..out.len()];
        send.fill(0.0);
        let dt = frames as f64 / self.sr as f64;
        let breath = self.breath.as_mut().map_or(1.0, |b| b.step(dt, p.activity));
        if let Some(pl) = &mut self.pulse {
            for e in &mut pl.env[..frames] {
                *e = 1.0 - pl.depth * (0.5 + 0.5 * pl.osc.tick());
            }
            pl.osc.renormalize();
        }
        let mut est = 0.0f64;
        for (i, l) in self.layers.iter_mut().enumerate() {
            let ext = det.and_then(|(d, off)| {
                d.idx.iter().position(|&k| k == i).map(|j| &d.buf[j * d.stride + off..][..out.len()])
            });
            let buf: &mut [f32] = &mut self.scratch[..out.len()];
            match ext {
                Some(b) => buf.copy_from_slice(b),
                None => l.generator.render(&ctl, buf),
            }
            if let (true, Some(pl)) = (l.pulsed, &self.pulse) {
                for (f, e) in buf.chunks_exact_mut(2).zip(&pl.env[..frames]) {
                    f[0] *= e;
                    f[1] *= e;
                }
            }
            let entry = if l.enter_s > 0.0 { smoothstep((t - l.enter_s) / ENTRY_FADE_S) as f32 } else { 1.0 };
            let user = if l.muted.load(Ordering::Relaxed) {
                0.0
            } else {
                f32::from_bits(l.user.load(Ordering::Relaxed)).clamp(0.0, 1.0)
            };
            let target = l.cal * user * entry * breath;
            // User changes glide over ~50 ms (several blocks) instead of stepping.
            let next = l.gain.value + (target - l.gain.value) * (frames as f32 / (0.05 * self.sr)).min(1.0);
            // Gains as start + step * n (not accumulated), and the energy in eight partial sums,
            // so both loops vectorise.
            let (g0, step) = (l.gain.value, (next - l.gain.value) / frames.max(1) as f32);
            let (dl, dr) = (l.dry * l.bal_l, l.dry * l.bal_r);
            mix_ramped(out, buf, [g0 * dl, g0 * dr], [step * dl, step * dr]);
            if l.wet > 0.0 {
                let (wl, wr) = (l.wet * l.bal_l, l.wet * l.bal_r);
                mix_ramped(send, buf, [g0 * wl, g0 * wr], [step * wl, step * wr]);
            }
            l.gain.land(next);
            let ms = sum_squares(buf);
            if ms.is_finite() {
                est += (ms / frames.max(1) as f32 * l.cal * l.cal * l.k_ratio) as f64;
            }
        }
        self.space.process(send, out);
        self.agc_ms += (est - self.agc_ms) * self.agc_alpha;
        let agc = (self.target_ms / self.agc_ms.max(1e-12)).sqrt().clamp(0.5, 2.0) as f32;
        let master = agc * p.level;
        let (g0, step) = (self.master.value, (master - self.master.value) / frames.max(1) as f32);
        gain_guard(out, g0, step);
        self.dc.process(out);
        self.limiter.process(out);
        self.master.land(master);
        self.frame += frames as u64;
    }
}

/// Frames handled per step of the vectorised loops below (eight interleaved samples).
const LANE_FRAMES: usize = 4;

/// `out += buf * gain`, interleaved stereo, the gain of frame `i` being `g0 + step * (i + 1)` per
/// channel. Gains are computed as `base + inc * k` over fixed-size lanes (not accumulated), so the
/// loop vectorises and rounding never builds up.
fn mix_ramped(out: &mut [f32], buf: &[f32], g0: [f32; 2], step: [f32; 2]) {
    const W: usize = LANE_FRAMES * 2;
    let mut base = [0.0f32; W];
    let mut inc = [0.0f32; W];
    for j in 0..W {
        base[j] = g0[j % 2] + step[j % 2] * (j / 2 + 1) as f32;
        inc[j] = step[j % 2] * LANE_FRAMES as f32;
    }
    let mut o_it = out.chunks_exact_mut(W);
    let mut b_it = buf.chunks_exact(W);
    let mut k = 0usize;
    let mut kf = 0.0f32;
    for (o, b) in (&mut o_it).zip(&mut b_it) {
        let (o, b): (&mut [f32; W], &[f32; W]) = (o.try_into().unwrap(), b.try_into().unwrap());
        for j in 0..W {
            o[j] += b[j] * (base[j] + inc[j] * kf);
        }
        k += 1;
        kf += 1.0;
    }
    let first = k * LANE_FRAMES;
    for (i, (o, b)) in
        o_it.into_remainder().chunks_exact_mut(2).zip(b_it.remainder().chunks_exact(2)).enumerate()
    {
        let n = (first + i + 1) as f32;
        o[0] += b[0] * (g0[0] + step[0] * n);
        o[1] += b[1] * (g0[1] + step[1] * n);
    }
}

/// Applies the master gain ramp `g0 + step * (i + 1)` and the guard: anything non-finite is
/// replaced by silence, and samples are bounded to ±4 (far above the limiter's ceiling, so this
/// never shapes sound; it only keeps a runaway value from reaching the filters after it).
/// Vectorised like [`mix_ramped`].
fn gain_guard(out: &mut [f32], g0: f32, step: f32) {
    const W: usize = LANE_FRAMES * 2;
    let mut base = [0.0f32; W];
    for (j, b) in base.iter_mut().enumerate() {
        *b = g0 + step * (j / 2 + 1) as f32;
    }
    let inc = step * LANE_FRAMES as f32;
    #[inline(always)]
    fn guard(v: f32) -> f32 {
        // Plain compares and selects (NaN and inf fail `<`), which vectorise; f32::clamp and
        // max/min carry NaN rules that keep the loop scalar.
        let c = if v > 4.0 { 4.0 } else { v };
        let c = if c < -4.0 { -4.0 } else { c };
        if v.abs() < f32::INFINITY { c } else { 0.0 }
    }
    let mut it = out.chunks_exact_mut(W);
    let mut k = 0usize;
    let mut kf = 0.0f32;
    for o in &mut it {
        let o: &mut [f32; W] = o.try_into().unwrap();
        for j in 0..W {
            o[j] = guard(o[j] * (base[j] + inc * kf));
        }
        k += 1;
        kf += 1.0;
    }
    let first = k * LANE_FRAMES;
    for (i, f) in it.into_remainder().chunks_exact_mut(2).enumerate() {
        let g = g0 + step * (first + i + 1) as f32;
        f[0] = guard(f[0] * g);
        f[1] = guard(f[1] * g);
    }
}

/// Sum of squares in eight partial sums (vectorisable, deterministic).
fn sum_squares(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * v;
        }
    }
    let tail: f32 = it.remainder().iter().map(|v| v * v).sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

impl Source for Scene {
    fn fill(&mut self, out: &mut [f32]) {
        for chunk in out.chunks_mut(BLOCK * 2) {
            let even = chunk.len() & !1;
            self.block(&mut chunk[..even], None);
            chunk[even..].fill(0.0);
        }
    }
}

struct Slot {
    info: LayerInfo,
    user: Arc<AtomicU32>,
    muted: Arc<AtomicBool>,
}

struct Shared {
    explanation: String,
    pack: String,
    slots: Vec<Slot>,
}

/// Control half of a scene; cheap to clone, safe to use from any thread.
#[derive(Clone)]
pub struct SceneControl {
    inner: Arc<Shared>,
}

impl SceneControl {
    /// One plain line on why the scene sounds as it does.
    pub fn explanation(&self) -> String {
        self.inner.explanation.clone()
    }

    pub fn pack_name(&self) -> Option<String> {
        Some(self.inner.pack.clone())
    }

    fn info(s: &Slot) -> LayerInfo {
        LayerInfo {
            volume: f32::from_bits(s.user.load(Ordering::Relaxed)) as f64,
            muted: s.muted.load(Ordering::Relaxed),
            ..s.info.clone()
        }
    }

    pub fn layers(&self) -> Vec<LayerInfo> {
        self.inner.slots.iter().map(Self::info).collect()
    }

    /// Sets a layer's volume (0..1) and/or mute; the callback picks it up within a block.
    pub fn set_layer(
        &self,
        name: &str,
        volume: Option<f64>,
        mute: Option<bool>,
    ) -> Result<LayerInfo, EngineError> {
        let slot = self
            .inner
            .slots
            .iter()
            .find(|l| l.info.name == name)
            .ok_or_else(|| EngineError::NoSuchLayer(name.to_string()))?;
        if let Some(v) = volume {
            if !(0.0..=1.0).contains(&v) {
                return Err(EngineError::BadVolume(v));
            }
            slot.user.store((v as f32).to_bits(), Ordering::Relaxed);
        }
        if let Some(m) = mute {
            slot.muted.store(m, Ordering::Relaxed);
        }
        Ok(Self::info(slot))
    }

    /// The scene's pack and current layer settings, for `sonoractl preset save`.
    pub fn preset(&self) -> Preset {
        Preset {
            pack: self.inner.pack.clone(),
            layers: self
                .layers()
                .into_iter()
                .map(|l| PresetLayer { name: l.name, volume: l.volume, muted: l.muted })
                .collect(),
        }
    }
}

/// Measures a layer: renders two seconds of a twin instance at the arc's opening with slow
/// modulators at 8x, and returns (K-weighted mean square, plain mean square), summed over channels.
fn measure(spec: &LayerSpec, ctx: &SceneCtx<'_>, rng: &mut Rng, sr: f32, arc: &SessionArc) -> (f64, f64) {
    let mut generator = layers::build(spec, ctx, rng, sr);
    let p = arc.start();
    let mut buf = vec![0.0f32; BLOCK * 2];
    let mut kw = [KWeight::new(sr as f64), KWeight::new(sr as f64)];
    let (mut k, mut plain, mut n) = (0.0f64, 0.0f64, 0usize);
    let total = (2.0 * sr) as usize / BLOCK;
    let skip = total / 8;
    for b in 0..total {
        let ctl = Control {
            activity: p.activity,
            brightness: p.brightness,
            sr,
            frames: BLOCK,
            mod_speed: 8.0,
            t: 0.0,
        };
        generator.render(&ctl, &mut buf);
        for f in buf.chunks_exact(2) {
            let (l, r) = (kw[0].tick(f[0]), kw[1].tick(f[1]));
            if b >= skip {
                k += l * l + r * r;
                plain += (f[0] * f[0] + f[1] * f[1]) as f64;
                n += 1;
            }
        }
    }
    let n = n.max(1) as f64;
    (k / n, plain / n)
}

/// Everything `build` needs besides the request's numbers.
pub struct Plan<'a> {
    pub pack: &'a Pack,
    /// Chosen layers with their user volume and mute.
    pub layers: Vec<(&'a LayerSpec, f64, bool)>,
    pub arc: SessionArc,
    pub seed: u64,
    pub sample_rate: u32,
    /// Turn on the pack's focus pulse (focus sessions only).
    pub focus_pulse: bool,
}

pub fn build(plan: Plan<'_>) -> (Scene, SceneControl) {
    let sr = plan.sample_rate as f32;
    let mut root = Rng::new(plan.seed ^ 0x05EE_D0F5_CE7E);
    let mut cal_root = Rng::new(plan.seed ^ 0xCA11_B8A7E);
    let ctx = SceneCtx {
        outcome: plan.arc.outcome(),
        total_s: plan.arc.total_s(),
        settle_s: plan.arc.settle_s(),
        music: &plan.pack.music,
        music_seed: Rng::new(plan.seed ^ 0x3D5C_A1E5).next_u64(),
    };
    let mut built = Vec::new();
    for (i, (spec, _, _)) in plan.layers.iter().enumerate() {
        let mut rng = root.fork(i as u64);
        let pan = rng.range(spec.pan.0.min(spec.pan.1), spec.pan.0.max(spec.pan.1) + 1e-6);
        let generator = layers::build(spec, &ctx, &mut rng, sr);
        let (kms, plain) = measure(spec, &ctx, &mut cal_root.fork(i as u64), sr, &plan.arc);
        built.push((generator, pan, kms, plain));
    }
    let target = ms_for_lufs(TARGET_LUFS);
    // Share the target among audible layers by their pack gains (powers add).
    let audible: f64 = plan
        .layers
        .iter()
        .zip(&built)
        .filter(|(_, b)| b.2 > 1e-12)
        .map(|((s, _, _), _)| (db_to_amp(s.gain_db) as f64).powi(2))
        .sum();
    let outcome = plan.arc.outcome();
    let pulse_on = plan.focus_pulse && outcome == Outcome::Focus && plan.pack.pulse.depth > 0.0;
    let pulse_layers = &plan.pack.pulse.layers;
    let mut live = Vec::new();
    let mut slots = Vec::new();
    for ((spec, volume, muted), (generator, pan, kms, plain)) in plan.layers.iter().zip(built) {
        let g = db_to_amp(spec.gain_db) as f64;
        let cal = if kms > 1e-12 && audible > 0.0 { g * (target / audible / kms).sqrt() } else { 0.0 };
        let user = Arc::new(AtomicU32::new((*volume as f32).to_bits()));
        let muted = Arc::new(AtomicBool::new(*muted));
        live.push(LiveLayer {
            generator,
            cal: cal as f32,
            k_ratio: if plain > 1e-15 { (kms / plain) as f32 } else { 1.0 },
            bal_l: (1.0 - pan).min(1.0),
            bal_r: (1.0 + pan).min(1.0),
            user: user.clone(),
            muted: muted.clone(),
            gain: Ramp::new(0.0),
            enter_s: spec.enter_s as f64,
            cost: spec.kind.render_cost(),
            dry: (1.0 - spec.space * spec.space).max(0.0).sqrt(),
            wet: spec.space,
            pulsed: pulse_on
                && if pulse_layers.is_empty() {
                    !spec.kind.is_music()
                } else {
                    pulse_layers.contains(&spec.name)
                },
        });
        slots.push(Slot {
            info: LayerInfo {
                name: spec.name.clone(),
                kind: spec.kind.as_str().into(),
                pack: Some(plan.pack.name.clone()),
                volume: *volume,
                muted: false,
            },
            user,
            muted,
        });
    }
    // Start the gain ramps at their targets: the daemon fades the scene in, so a layer
    // that is present from the start needs no fade of its own.
    for l in &mut live {
        if l.enter_s <= 0.0 && !l.muted.load(Ordering::Relaxed) {
            l.gain = Ramp::new(l.cal * f32::from_bits(l.user.load(Ordering::Relaxed)));
        }
    }
    let names: Vec<&str> = plan.layers.iter().map(|(s, _, _)| s.name.as_str()).collect();
    let explanation = format!("{}; {} sounds: {}", plan.arc.explanation(), plan.pack.name, names.join(", "));
    let block_s = BLOCK as f64 / sr as f64;
    let scene = Scene {
        layers: live,
        arc: plan.arc,
        sr,
        frame: 0,
        scratch: vec![0.0; BLOCK * 2],
        target_ms: target,
        agc_ms: target,
        agc_alpha: 1.0 - (-block_s / AGC_TAU_S).exp(),
        // From silence over the first block: the look-ahead delay starts out holding zeros.
        master: Ramp::new(0.0),
        send: vec![0.0; BLOCK * 2],
        space: Space::new(plan.pack.space.size, plan.pack.space.damping, sr),
        dc: DcBlock::new(DC_CUTOFF_HZ, sr),
        limiter: Limiter::new(CEILING, 0.15, sr),
        // Waves swell by themselves; a second, unrelated swell on top would blur both.
        breath: (outcome == Outcome::Calm && !plan.layers.iter().any(|(s, _, _)| s.kind == Kind::Waves))
            .then(|| Breath { phase: 0.25, jitter: 1.0, rng: Rng::new(plan.seed ^ 0x00B4_EA7E) }),
        pulse: pulse_on.then(|| Pulse {
            osc: crate::dsp::osc::Sine::new(plan.pack.pulse.rate_hz, 0.0, sr),
            depth: plan.pack.pulse.depth,
            env: vec![1.0; BLOCK],
        }),
    };
    let control =
        SceneControl { inner: Arc::new(Shared { explanation, pack: plan.pack.name.clone(), slots }) };
    (scene, control)
}
