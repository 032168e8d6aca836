//! A committed check-in survives `kill -9`: spawn the `writer` example, SIGKILL it at random moments,
//! and check the database always opens and holds every id the writer printed as committed.

mod common;

use sonora_store::Store;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

/// xorshift64*: enough randomness for kill timing without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn committed_checkins_survive_sigkill() {
    let bin = common::writer_bin();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("seed {seed}");
    let mut rng = Rng(seed);
    let mut committed = BTreeSet::new();
    let loops = 30;
    for round in 0..loops {
        let mut child = Command::new(&bin)
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn writer");
        let stdout = child.stdout.take().unwrap();
        // Read on a thread so a kill at any moment still leaves us every line written before it.
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill anywhere from during open/migrate (0 ms) to well into the write loop.
        let delay = Duration::from_micros(rng.next() % 150_000);
        let start = Instant::now();
        while start.elapsed() < delay {
            std::thread::sleep(Duration::from_micros(500));
        }
        child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
        let status = child.wait().unwrap();
        assert!(!status.success() || status.code() == Some(0));
        reader.join().unwrap();
        let before = committed.len();
        for line in rx.try_iter() {
            if line.starts_with("error") {
                panic!("round {round}: writer failed: {line}");
            }
            committed.insert(line.parse::<i64>().expect("id line"));
        }
        let store = Store::open(&db).unwrap_or_else(|e| panic!("round {round}: store does not open: {e}"));
        let present: BTreeSet<i64> = store.checkins(None).unwrap().into_iter().map(|c| c.id).collect();
        let missing: Vec<_> = committed.difference(&present).collect();
        assert!(missing.is_empty(), "round {round}: committed ids lost after SIGKILL: {missing:?}");
        eprintln!(
            "round {round}: killed after {delay:?}, +{} committed, {} stored",
            committed.len() - before,
            present.len()
        );
    }
    assert!(committed.len() > loops, "the writer committed too little to test anything: {}", committed.len());
}
