//! Measurements the tests read: time to the first frame and how long the daemon takes to
//! acknowledge a slider move. Printing is opt-in (`SONORA_APP_TIMINGS=1`).

use std::cell::RefCell;
use std::time::{Duration, Instant};

thread_local! {
    static LAYER_ACKS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

pub fn enabled() -> bool {
    std::env::var_os("SONORA_APP_TIMINGS").is_some_and(|v| v == "1")
}

/// A slider move was acknowledged by the daemon after `took`.
pub fn layer_ack(took: Duration) {
    let ms = took.as_secs_f64() * 1000.0;
    LAYER_ACKS.with(|a| a.borrow_mut().push(ms));
    if enabled() {
        println!("sonora-app: layer-ack-ms {ms:.2}");
    }
}

/// Every acknowledgement time so far, in milliseconds.
pub fn layer_acks() -> Vec<f64> {
    LAYER_ACKS.with(|a| a.borrow().clone())
}

/// The window painted its first frame `since` after the program started.
pub fn first_frame(since: Instant) {
    if enabled() {
        use std::io::Write;
        println!("sonora-app: first-frame-ms {:.1}", since.elapsed().as_secs_f64() * 1000.0);
        let _ = std::io::stdout().flush();
    }
}
