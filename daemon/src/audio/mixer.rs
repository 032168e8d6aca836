//! The realtime end of the output: master volume, fades and scene crossfades.
//!
//! The [`Mixer`] lives inside the audio callback. Everything reaches it without locks: new scenes
//! and fade commands through an `rtrb` ring, volume through an atomic. Scenes it lets go of are
//! handed back through a second ring so they are dropped (deallocated) on the control side, never
//! in the callback.

use sonora_engine::Source;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// Frames the mixer renders per inner step; scratch buffers are sized for it up front.
const BLOCK_FRAMES: usize = 1024;

pub enum MixerMsg {
    /// Crossfade from the current scene to this one over the given frames (0 = cut in, used for
    /// the first scene, which fades in through the master gain).
    Scene(Box<dyn Source>, usize),
    /// Move the master fade gain to a target over the given frames.
    FadeTo(f32, usize),
}

/// Shared between control side and callback.
#[derive(Default)]
pub struct MixerShared {
    /// f32 bits of the user volume, 0..1.
    pub volume: AtomicU32,
    /// Set once a fade to silence has finished; the control side can then release the device.
    pub silent: AtomicBool,
    /// Frames rendered so far (for tests and status).
    pub frames: AtomicU64,
    /// Scenes that could not be handed back because the return ring was full (leaked, not freed
    /// in the callback). Should stay 0.
    pub leaked: AtomicU64,
    /// Non-finite samples replaced by silence: a scene bug must never reach the device as NaN.
    pub non_finite: AtomicU64,
}

pub struct Mixer {
    current: Option<Box<dyn Source>>,
    incoming: Option<Box<dyn Source>>,
    xfade_pos: usize,
    xfade_len: usize,
    fade_gain: f32,
    fade_step: f32,
    fade_target: f32,
    vol: f32,
    cur_buf: Vec<f32>,
    in_buf: Vec<f32>,
    rx: rtrb::Consumer<MixerMsg>,
    trash: rtrb::Producer<Box<dyn Source>>,
    shared: Arc<MixerShared>,
}

/// The control side's ends of the rings.
pub struct MixerControl {
    pub tx: rtrb::Producer<MixerMsg>,
    pub trash: rtrb::Consumer<Box<dyn Source>>,
    pub shared: Arc<MixerShared>,
}

impl MixerControl {
    /// Frees scenes the callback has let go of. Call from the control side.
    pub fn collect_trash(&mut self) {
        while let Ok(old) = self.trash.pop() {
            drop(old);
        }
    }

    pub fn send(&mut self, msg: MixerMsg) -> Result<(), MixerMsg> {
        self.collect_trash();
        self.tx.push(msg).map_err(|rtrb::PushError::Full(m)| m)
    }
}

pub fn mixer(volume: f32) -> (Mixer, MixerControl) {
    let (tx, rx) = rtrb::RingBuffer::new(32);
    let (trash_tx, trash_rx) = rtrb::RingBuffer::new(32);
    let shared = Arc::new(MixerShared::default());
    shared.volume.store(volume.to_bits(), Ordering::Relaxed);
    let m = Mixer {
        current: None,
        incoming: None,
        xfade_pos: 0,
        xfade_len: 0,
        fade_gain: 0.0,
        fade_step: 0.0,
        fade_target: 0.0,
        vol: volume,
        cur_buf: vec![0.0; BLOCK_FRAMES * 2],
        in_buf: vec![0.0; BLOCK_FRAMES * 2],
        rx,
        trash: trash_tx,
        shared: shared.clone(),
    };
    (m, MixerControl { tx, trash: trash_rx, shared })
}

impl Mixer {
    fn retire(&mut self, s: Box<dyn Source>) {
        if let Err(rtrb::PushError::Full(s)) = self.trash.push(s) {
            // Never free in the callback; a leak is the lesser evil and is counted.
            std::mem::forget(s);
            self.shared.leaked.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn take_messages(&mut self) {
        while let Ok(msg) = self.rx.pop() {
            match msg {
                MixerMsg::Scene(s, frames) => {
                    if self.current.is_none() || frames == 0 {
                        if let Some(old) = self.current.replace(s) {
                            self.retire(old);
                        }
                    } else {
                        // A crossfade already running finishes instantly into its target.
                        if let Some(prev) = self.incoming.take()
                            && let Some(old) = self.current.replace(prev)
                        {
                            self.retire(old);
                        }
                        self.incoming = Some(s);
                        self.xfade_pos = 0;
                        self.xfade_len = frames;
                    }
                }
                MixerMsg::FadeTo(target, frames) => {
                    self.fade_target = target.clamp(0.0, 1.0);
                    if frames == 0 {
                        self.fade_gain = self.fade_target;
                        self.fade_step = 0.0;
                    } else {
                        self.fade_step = (self.fade_target - self.fade_gain) / frames as f32;
                    }
                    self.shared.silent.store(false, Ordering::Relaxed);
                }
            }
        }
    }

    /// Fills interleaved stereo `out`. Realtime-safe: no locks, no allocation, no blocking.
    pub fn fill(&mut self, out: &mut [f32]) {
        self.take_messages();
        let target_vol = f32::from_bits(self.shared.volume.load(Ordering::Relaxed)).clamp(0.0, 1.0);
        for chunk in out.chunks_mut(BLOCK_FRAMES * 2) {
            let n = chunk.len();
            let cur = &mut self.cur_buf[..n];
            match self.current.as_mut() {
                Some(s) => s.fill(cur),
                None => cur.fill(0.0),
            }
            let xfading = self.incoming.is_some();
            if let Some(s) = self.incoming.as_mut() {
                s.fill(&mut self.in_buf[..n]);
            }
            for (i, frame) in chunk.chunks_exact_mut(2).enumerate() {
                // Equal-power crossfade between whole scenes.
                let (a, b) = if xfading {
                    let p = ((self.xfade_pos + i) as f32 / self.xfade_len.max(1) as f32).min(1.0);
                    let t = p * std::f32::consts::FRAC_PI_2;
                    (t.cos(), t.sin())
                } else {
                    (1.0, 0.0)
                };
                // One-pole smoothing of the volume avoids zipper noise on changes.
                self.vol += (target_vol - self.vol) * 0.0015;
                if self.fade_step != 0.0 {
                    self.fade_gain += self.fade_step;
                    if (self.fade_step > 0.0 && self.fade_gain >= self.fade_target)
                        || (self.fade_step < 0.0 && self.fade_gain <= self.fade_target)
                    {
                        self.fade_gain = self.fade_target;
                        self.fade_step = 0.0;
                    }
                }
                // A squared fade curve sounds even to the ear at both ends.
                let g = self.fade_gain * self.fade_gain * self.vol;
                for (ch, out) in frame.iter_mut().enumerate() {
                    let j = i * 2 + ch;
                    let mut s = cur[j] * a;
                    if xfading {
                        s += self.in_buf[j] * b;
                    }
                    let mut y = s * g;
                    if !y.is_finite() {
                        y = 0.0;
                        self.shared.non_finite.fetch_add(1, Ordering::Relaxed);
                    }
                    *out = y.clamp(-1.0, 1.0);
                }
            }
            if xfading {
                self.xfade_pos += n / 2;
                if self.xfade_pos >= self.xfade_len {
                    let next = self.incoming.take();
                    if let (Some(old), Some(next)) = (self.current.take(), next) {
                        self.current = Some(next);
                        self.retire(old);
                    }
                }
            }
        }
        if self.fade_gain == 0.0 && self.fade_step == 0.0 {
            self.shared.silent.store(true, Ordering::Relaxed);
        }
        self.shared.frames.fetch_add((out.len() / 2) as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dc(f32);
    impl Source for Dc {
        fn fill(&mut self, out: &mut [f32]) {
            out.fill(self.0);
        }
    }
    struct Nan;
    impl Source for Nan {
        fn fill(&mut self, out: &mut [f32]) {
            out.fill(f32::NAN);
        }
    }

    fn run(m: &mut Mixer, frames: usize) -> Vec<f32> {
        let mut out = vec![0.0; frames * 2];
        m.fill(&mut out);
        out
    }

    #[test]
    fn fades_in_and_out_smoothly_then_reports_silence() {
        let (mut m, mut c) = mixer(1.0);
        c.send(MixerMsg::Scene(Box::new(Dc(0.5)), 0)).ok().unwrap();
        c.send(MixerMsg::FadeTo(1.0, 4800)).ok().unwrap();
        let out = run(&mut m, 9600);
        let max_jump = out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
        assert!(max_jump < 0.01, "fade-in jumps by {max_jump}");
        assert!((out[out.len() - 1] - 0.5).abs() < 1e-3);
        c.send(MixerMsg::FadeTo(0.0, 4800)).ok().unwrap();
        let out = run(&mut m, 9600);
        assert_eq!(out[out.len() - 1], 0.0);
        assert!(c.shared.silent.load(Ordering::Relaxed));
    }

    #[test]
    fn crossfade_is_click_free_and_returns_the_old_scene() {
        let (mut m, mut c) = mixer(1.0);
        c.send(MixerMsg::Scene(Box::new(Dc(0.4)), 0)).ok().unwrap();
        c.send(MixerMsg::FadeTo(1.0, 0)).ok().unwrap();
        run(&mut m, 1000);
        c.send(MixerMsg::Scene(Box::new(Dc(-0.4)), 9600)).ok().unwrap();
        let out = run(&mut m, 12_000);
        let max_jump = out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
        assert!(max_jump < 0.01, "crossfade jumps by {max_jump}");
        assert!((out[out.len() - 1] + 0.4).abs() < 1e-3);
        assert!(c.trash.pop().is_ok(), "old scene handed back for freeing");
    }

    #[test]
    fn non_finite_samples_never_reach_the_device() {
        let (mut m, mut c) = mixer(1.0);
        c.send(MixerMsg::Scene(Box::new(Nan), 0)).ok().unwrap();
        c.send(MixerMsg::FadeTo(1.0, 0)).ok().unwrap();
        let out = run(&mut m, 512);
        assert!(out.iter().all(|s| *s == 0.0));
        assert!(c.shared.non_finite.load(Ordering::Relaxed) > 0);
    }
}
