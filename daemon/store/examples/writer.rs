//! Writes check-ins in a loop, printing each id once its transaction has committed. The durability test
//! kills this with SIGKILL at random moments and then checks every printed id is in the database.
//!
//! `writer DB [COUNT]` writes COUNT check-ins (forever when absent); every 7th starts and ends a session.
//! `writer DB --probe` only opens the store and prints `ok` or the error (used to test a read-only folder
//! as an unprivileged user).

#[path = "../tests/common/mod.rs"]
mod common;

use sonora_proto::types::Outcome;
use sonora_store::{SessionSource, Store, Timestamp};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(db) = args.next() else {
        eprintln!("usage: writer DB [COUNT|--probe]");
        return ExitCode::from(2);
    };
    let arg = args.next();
    let store = match Store::open(&db) {
        Ok(s) => s,
        Err(e) => {
            println!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if arg.as_deref() == Some("--probe") {
        println!("ok");
        return ExitCode::SUCCESS;
    }
    let count: u64 = arg.and_then(|a| a.parse().ok()).unwrap_or(u64::MAX);
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        let now = Timestamp::now();
        let id = match store.add_checkin(&common::report((i % 10) as f64 / 10.0, i % 5 != 0, "writer"), now) {
            Ok(id) => id,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if i % 7 == 0 {
            let s = store.start_session(Outcome::Calm, Some(10), SessionSource::Manual, Some(id), now);
            if let Ok(s) = s {
                let _ = store.end_session(s, now, false);
            }
        }
        // Printed only after add_checkin returned, i.e. after COMMIT.
        if writeln!(out, "{id}").and_then(|_| out.flush()).is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}
