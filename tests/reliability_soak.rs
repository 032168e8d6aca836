//! Soak: one sonorad driven for `SONORA_SOAK_SECS` (default 60; `SONORA_SOAK_SECS=7200` gives
//! the two-hour soak) through everything a long day brings: sessions started, stopped and toggled,
//! outcomes changed, scenes re-rolled, layers and volume moved, timed sessions that end by
//! themselves, check-ins from a file, subscribers that come and go, clients over D-Bus, and a
//! schedule that keeps firing.
//!
//! The daemon runs on a simulated clock (`SONORA_TEST_CLOCK`, `SONORA_TEST_CLOCK_SPEED` = 600, see
//! daemon/src/clock.rs): it drives the schedule, so a daily entry every two simulated hours fires
//! every 12 real seconds. Session lengths and fades are real time (the audio is real), so the soak
//! uses short ones: timed sessions of 2 to 4 seconds and fades of a fraction of a second.
//!
//! Every cycle ends with the daemon idle and its audio stream closed; there the test samples the
//! daemon's RSS (VmRSS), open descriptors (/proc/PID/fd) and threads (Threads), at most every
//! 2 seconds, so samples compare like with like. After a warm-up (a quarter of the run, 15 s to
//! 10 min) the descriptor and thread counts must come back to their warm-up values (± 2) and the
//! RSS may grow by at most 4 MiB or 20 %, whichever is more. A background sampler also records the
//! peak RSS while playing. The series summary is printed.

use serde_json::{Value, json};
use sonora_tests::{Daemon, Env, RawConn, audio, speak, wait_until};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLOCK_SPEED: f64 = 600.0;
const SAMPLE_EVERY: Duration = Duration::from_secs(2);
/// Descriptors and threads may differ from their warm-up value by this much.
const COUNT_SLACK: i64 = 2;

/// Daily schedule entries every two simulated hours, rotating the outcomes; no check-in prompt.
fn schedule() -> String {
    let outcomes = ["calm", "focus", "sleep"];
    (0..12)
        .map(|i| {
            format!(
                "[[schedule]]\nname = \"soak-{i}\"\nat = \"{:02}:15\"\ndays = \"daily\"\noutcome = \"{}\"\n\
                 minutes = 1\ncheckin = false\n\n",
                i * 2,
                outcomes[i % 3]
            )
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
struct Sample {
    t: f64,
    rss_kib: u64,
    fds: i64,
    threads: i64,
}

fn proc_status_field(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn sample(pid: u32, t0: Instant) -> Sample {
    Sample {
        t: t0.elapsed().as_secs_f64(),
        rss_kib: proc_status_field(pid, "VmRSS:"),
        fds: std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count() as i64).unwrap_or(-1),
        threads: proc_status_field(pid, "Threads:") as i64,
    }
}

/// A tiny xorshift, so a run can be repeated (`SONORA_SOAK_SEED`).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// The test's control connection, reopened now and then (connections come and go too).
struct Ctl {
    sock: std::path::PathBuf,
    conn: RawConn,
    id: u64,
    requests: u64,
}

impl Ctl {
    fn new(sock: &Path) -> Ctl {
        Ctl { sock: sock.to_path_buf(), conn: RawConn::open(sock), id: 0, requests: 0 }
    }

    fn reconnect(&mut self) {
        self.conn = RawConn::open(&self.sock);
    }

    /// Sends a command; returns the reply's `ok`, or the error code as `Err`.
    fn call(&mut self, cmd: &str, args: Value) -> Result<Value, String> {
        self.id += 1;
        self.requests += 1;
        let line = json!({"id": self.id, "cmd": cmd, "args": args}).to_string();
        let reply = self.conn.request(&line);
        assert_eq!(reply["id"], self.id, "reply to {line} carries its id: {reply}");
        match reply.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(reply["error"]["code"].as_str().unwrap_or("?").to_string()),
        }
    }

    /// A command that must succeed, or fail only with one of `allowed` (e.g. not_playing).
    fn must(&mut self, cmd: &str, args: Value, allowed: &[&str]) -> Option<Value> {
        match self.call(cmd, args.clone()) {
            Ok(v) => Some(v),
            Err(code) if allowed.contains(&code.as_str()) => None,
            Err(code) => panic!("{cmd} {args} failed with {code}"),
        }
    }

    fn status(&mut self) -> Value {
        self.must("status", Value::Null, &[]).unwrap()
    }

    /// Stops whatever plays and waits until the daemon is idle with its stream released.
    fn settle_idle(&mut self) {
        for _ in 0..3 {
            self.must("stop", Value::Null, &[]);
            let idle = wait_until(Duration::from_secs(10), || {
                let st = self.status();
                (st["state"] == "idle" && st["output"].is_null()).then_some(())
            });
            if idle.is_some() {
                return;
            }
        }
        panic!("the daemon did not come back to idle: {}", self.status());
    }
}

/// One cycle: a session from start to its end, with things done to it in between.
fn cycle(ctl: &mut Ctl, rng: &mut Rng, d: &Daemon, voice: &Path, counts: &mut Counts) {
    let outcomes = ["calm", "focus", "sleep"];
    let timed = rng.below(3) == 0;
    let outcome = rng.pick(&outcomes);
    let mut args = json!({"outcome": outcome});
    let secs = 2.0 + rng.below(3) as f64;
    if timed {
        args["minutes"] = json!(secs / 60.0);
    }
    let st = ctl.must("start", args, &[]).unwrap();
    assert_eq!(st["state"], "playing", "{st}");
    for _ in 0..(2 + rng.below(6)) {
        std::thread::sleep(Duration::from_millis(50 + rng.below(250)));
        match rng.below(12) {
            0 => {
                ctl.must("next", Value::Null, &["not_playing"]);
            }
            1 => {
                ctl.must("volume", json!({"level": rng.below(101) as f64 / 100.0}), &[]);
            }
            2 => {
                let layers = ctl.must("layers", Value::Null, &[]).unwrap();
                if let Some(l) = layers.as_array().and_then(|ls| ls.first()) {
                    let args = if rng.below(2) == 0 {
                        json!({"name": l["name"], "volume": rng.below(100) as f64 / 100.0})
                    } else {
                        json!({"name": l["name"], "mute": rng.below(2) == 0})
                    };
                    ctl.must("layer", args, &["not_playing", "invalid_args"]);
                }
            }
            3 => {
                // Change the outcome mid-session (crossfade).
                ctl.must("start", json!({"outcome": rng.pick(&outcomes)}), &[]);
            }
            4 => {
                // Toggle: another outcome starts it, the same one stops it (then start again).
                let st = ctl.must("toggle", json!({"outcome": rng.pick(&outcomes)}), &[]).unwrap();
                if st["state"] != "playing" {
                    ctl.must("start", json!({"outcome": outcome}), &[]);
                }
            }
            5 if counts.cycles.is_multiple_of(2) => {
                ctl.must("checkin", json!({"file": voice.display().to_string()}), &["unusable"]);
                counts.checkins += 1;
            }
            6 => {
                // A subscriber that reads a little and hangs up.
                let mut sub = RawConn::open(&ctl.sock);
                assert_eq!(sub.request(r#"{"id":1,"cmd":"subscribe"}"#)["ok"]["subscribed"], true);
                ctl.must("volume", json!({"level": 0.5}), &[]);
                sub.set_read_timeout(Duration::from_millis(300));
                let _ = sub.read_available();
                counts.subscribers += 1;
            }
            7 if counts.cycles.is_multiple_of(5) => {
                let st = d.ctl_json(&["--via", "dbus", "status"]);
                assert!(st["state"].is_string(), "{st}");
                counts.dbus += 1;
            }
            8 => {
                ctl.must("history", json!({"since_s": 86400}), &[]);
            }
            9 => {
                ctl.must("preset_save", json!({"name": format!("soak{}", rng.below(3))}), &["not_playing"]);
            }
            _ => {
                ctl.status();
            }
        }
    }
    if timed && rng.below(2) == 0 {
        // Let a timed session end by itself: time up, end fade, device released.
        let mine = ctl.must("start", json!({"outcome": outcome, "minutes": secs / 60.0}), &[]).unwrap();
        // Ended: fading or idle, or already followed by a scheduled session (the schedule only
        // starts one once nothing the person started plays).
        let ended = wait_until(Duration::from_secs_f64(secs + 5.0), || {
            let st = ctl.status();
            (st["state"] != "playing" || st["started_at"] != mine["started_at"]).then_some(())
        });
        assert!(ended.is_some(), "a {secs} s session did not end by itself: {}", ctl.status());
        counts.ended_by_themselves += 1;
    } else if rng.below(2) == 0 {
        ctl.must("toggle", json!({"outcome": "calm"}), &[]);
    }
    if rng.below(4) == 0 {
        ctl.reconnect();
    }
    ctl.settle_idle();
    counts.cycles += 1;
}

#[derive(Default, Debug)]
struct Counts {
    cycles: u64,
    ended_by_themselves: u64,
    checkins: u64,
    subscribers: u64,
    dbus: u64,
}

fn summary(label: &str, s: &Sample) -> String {
    format!("{label} at {:.0} s: RSS {} KiB, {} fds, {} threads", s.t, s.rss_kib, s.fds, s.threads)
}

#[test]
fn a_long_day_of_use_leaks_nothing() {
    let secs: f64 = std::env::var("SONORA_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60.0);
    let seed: u64 = std::env::var("SONORA_SOAK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let warmup = (secs / 4.0).clamp(15.0, 600.0);
    // Sessions play on the shared sound server.
    let _audio = audio::lock();
    let mut env = Env::new();
    env.extra.push(("TZ".into(), "UTC".into()));
    env.extra.push(("SONORA_TEST_CLOCK".into(), "2026-11-27T00:00:00+00:00[UTC]".into()));
    env.extra.push(("SONORA_TEST_CLOCK_SPEED".into(), CLOCK_SPEED.to_string()));
    env.extra.push(("SONORA_LOG".into(), "info".into()));
    env.write_config(&format!(
        "fade_in_s = 0.3\nstop_fade_s = 0.3\nend_fade_s = 0.5\ncrossfade_s = 0.5\n\n{}",
        schedule()
    ));
    let voice = env.root.join("voice.wav");
    speak("I am reading this sentence aloud for a short check-in before a session.", &voice, &[]);
    let mut d = Daemon::start_in(env);
    let pid = d.child.id();
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs_f64(secs);

    // Peak RSS at any moment (playing included), for the report.
    let stop = Arc::new(AtomicBool::new(false));
    let peak = std::thread::spawn({
        let stop = stop.clone();
        move || {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(proc_status_field(pid, "VmRSS:"));
                std::thread::sleep(Duration::from_millis(500));
            }
            peak
        }
    });

    let mut ctl = Ctl::new(&d.env.socket());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut counts = Counts::default();
    let first = sample(pid, t0);
    let mut samples: Vec<Sample> = Vec::new();
    let mut last_sample = Instant::now() - SAMPLE_EVERY;
    while Instant::now() < end {
        cycle(&mut ctl, &mut rng, &d, &voice, &mut counts);
        assert!(d.alive(), "sonorad exited; log:\n{}", d.log_text());
        if last_sample.elapsed() >= SAMPLE_EVERY {
            // Idle, stream closed: let the audio thread drop the stream, then sample.
            std::thread::sleep(Duration::from_millis(200));
            let s = sample(pid, t0);
            // A scheduled session may have started meanwhile: such a sample is not "idle".
            if ctl.status()["state"] == "idle" {
                samples.push(s);
                last_sample = Instant::now();
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let peak_kib = peak.join().unwrap();
    let log = d.log_text();
    let fired = log.lines().filter(|l| l.contains("schedule entry fired")).count();
    let yielded = log.lines().filter(|l| l.contains("scheduled session not started")).count();
    let simulated_h = t0.elapsed().as_secs_f64() * CLOCK_SPEED / 3600.0;

    let warm: Vec<&Sample> = samples.iter().filter(|s| s.t <= warmup).collect();
    let after: Vec<&Sample> = samples.iter().filter(|s| s.t > warmup).collect();
    assert!(
        warm.len() >= 2 && after.len() >= 2,
        "too few samples (warm-up {}, after {}): make SONORA_SOAK_SECS longer",
        warm.len(),
        after.len()
    );
    let warm_last = **warm.last().unwrap();
    let end_s = **after.last().unwrap();
    let last_quarter: Vec<&Sample> = after.iter().copied().filter(|s| s.t > secs * 0.75).collect();
    let last_quarter = if last_quarter.is_empty() { vec![&end_s] } else { last_quarter };
    let warm_rss = warm.iter().map(|s| s.rss_kib).max().unwrap();
    let end_rss = last_quarter.iter().map(|s| s.rss_kib).max().unwrap();
    let rss_bound = (4 * 1024).max(warm_rss / 5);
    let max_fds_after = after.iter().map(|s| s.fds).max().unwrap();
    let max_threads_warm = warm.iter().map(|s| s.threads).max().unwrap();
    let max_threads_after = after.iter().map(|s| s.threads).max().unwrap();
    eprintln!(
        "soak: {:.0} s real ({simulated_h:.1} simulated hours at {CLOCK_SPEED}x), {} cycles, {} requests, \
         {} timed sessions ended by themselves, {fired} scheduled sessions started ({yielded} more entries yielded to a session already playing), {} check-ins, \
         {} subscribers, {} D-Bus clients; {} idle samples",
        t0.elapsed().as_secs_f64(),
        counts.cycles,
        ctl.requests,
        counts.ended_by_themselves,
        counts.checkins,
        counts.subscribers,
        counts.dbus,
        samples.len()
    );
    eprintln!("soak: {}", summary("start", &first));
    eprintln!("soak: {}", summary("end of warm-up", &warm_last));
    eprintln!("soak: {}", summary("end", &end_s));
    eprintln!(
        "soak: RSS warm-up max {warm_rss} KiB, last-quarter max {end_rss} KiB (growth {} KiB, bound {rss_bound} KiB), \
         peak while playing {peak_kib} KiB; fds after warm-up max {max_fds_after}; threads warm-up max \
         {max_threads_warm}, after max {max_threads_after}",
        end_rss as i64 - warm_rss as i64
    );
    let series: Vec<String> =
        samples.iter().map(|s| format!("{:.0}s:{}K/{}fd/{}th", s.t, s.rss_kib, s.fds, s.threads)).collect();
    eprintln!("soak: series {}", series.join(" "));

    assert!(!log.contains("panicked"), "the daemon panicked:\n{log}");
    assert!(counts.cycles >= 3, "only {} cycles ran", counts.cycles);
    assert!(
        (end_s.fds - warm_last.fds).abs() <= COUNT_SLACK && max_fds_after <= warm_last.fds + COUNT_SLACK,
        "open descriptors did not come back: {} after warm-up, {} at the end (max {max_fds_after}); \
         /proc/{pid}/fd:\n{}",
        warm_last.fds,
        end_s.fds,
        fd_list(pid)
    );
    assert!(
        (end_s.threads - warm_last.threads).abs() <= COUNT_SLACK
            && max_threads_after <= max_threads_warm + COUNT_SLACK,
        "threads did not stay flat: {} after warm-up (max {max_threads_warm}), {} at the end (max {max_threads_after})",
        warm_last.threads,
        end_s.threads
    );
    assert!(
        end_rss <= warm_rss + rss_bound,
        "RSS kept growing: warm-up max {warm_rss} KiB, last-quarter max {end_rss} KiB (bound +{rss_bound} KiB)"
    );
    // Still answering.
    assert!(ctl.status()["state"].is_string());
}

/// What the daemon's descriptors point at, for a failure message.
fn fd_list(pid: u32) -> String {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    let target =
                        std::fs::read_link(e.path()).map(|p| p.display().to_string()).unwrap_or_default();
                    format!("  {} -> {target}", e.file_name().to_string_lossy())
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}
