//! The daemon's clock: the system clock, or (for tests and demos) a simulated one that starts at
//! a given local time and runs faster, so a day of schedule passes in seconds.
//!
//! `SONORA_TEST_CLOCK=2026-03-28T21:29:50+01:00[Europe/Berlin]` and `SONORA_TEST_CLOCK_SPEED=60`.

use jiff::Zoned;
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct DaemonClock {
    fake: Option<(Zoned, Instant, f64)>,
}

impl DaemonClock {
    pub fn from_env() -> DaemonClock {
        let fake = std::env::var("SONORA_TEST_CLOCK").ok().and_then(|s| match s.parse::<Zoned>() {
            Ok(z) => {
                let speed = std::env::var("SONORA_TEST_CLOCK_SPEED")
                    .ok()
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .unwrap_or(1.0);
                tracing::warn!(start = %z, speed, "using a simulated clock (SONORA_TEST_CLOCK)");
                Some((z, Instant::now(), speed))
            }
            Err(e) => {
                tracing::error!(error = %e, "SONORA_TEST_CLOCK is not a zoned time; using the system clock");
                None
            }
        });
        DaemonClock { fake }
    }

    pub fn now(&self) -> Zoned {
        match &self.fake {
            None => Zoned::now(),
            Some((start, real, speed)) => {
                let elapsed = jiff::SignedDuration::from_secs_f64(real.elapsed().as_secs_f64() * speed);
                start.checked_add(elapsed).unwrap_or_else(|_| start.clone())
            }
        }
    }

    /// Real time to wait until the clock shows `at` (zero if it already has).
    pub fn real_until(&self, at: &Zoned) -> Duration {
        let now = self.now();
        let secs = now.duration_until(at).as_secs_f64().max(0.0);
        let speed = self.fake.as_ref().map(|f| f.2).unwrap_or(1.0);
        Duration::from_secs_f64(secs / speed)
    }
}

impl sonora_schedule::Clock for DaemonClock {
    fn now(&self) -> Zoned {
        DaemonClock::now(self)
    }
}
