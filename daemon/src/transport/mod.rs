//! Transports: ways into the command core. Each only translates; the core decides.

pub mod dbus;
pub mod mpris;
#[allow(deprecated)] // split halves: a buffered reader in one loop and a writer beside it
pub mod socket;

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// Keeps one bus service (the control interface, MPRIS) registered for the daemon's lifetime.
/// `serve_once` returns Ok(true) on shutdown and Ok(false) when the bus went away; either way
/// of losing the bus is retried every few seconds while the socket keeps working.
pub async fn keep_on_bus<F, Fut>(what: &'static str, mut shutdown: watch::Receiver<bool>, mut serve_once: F)
where
    F: FnMut(watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = zbus::Result<bool>>,
{
    let mut warned = false;
    loop {
        match serve_once(shutdown.clone()).await {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!("lost the session bus; {what} will register again when it is back");
                warned = false;
            }
            Err(e) => {
                if !warned {
                    tracing::warn!(error = %e, "{what} not available on D-Bus; the socket keeps working, retrying");
                    warned = true;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
