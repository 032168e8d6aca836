//! Following suspend and resume: logind's `PrepareForSleep(bool)` signal on the system bus
//! (`org.freedesktop.login1`, `/org/freedesktop/login1`, `org.freedesktop.login1.Manager`).
//!
//! `true` (going to sleep): the core fades the session out over 0.3 s and releases the sound
//! device; `false` (woke up): it reopens the device and the session goes on, or ends if its time
//! ran out meanwhile (timers count wall-clock time, see `core/suspend.rs`).
//!
//! So the fade happens before the machine sleeps, the listener holds a logind *delay* inhibitor
//! (`Inhibit("sleep", ..., "delay")`) while awake and lets go of it once the sound has faded (logind
//! waits at most its `InhibitDelayMaxSec`, 5 s by default); it takes a new one after resume.
//!
//! Without a system bus or without logind (a container, another init system), the daemon works as
//! before and says once in its log that it cannot follow sleep.

use crate::core::CoreHandle;
use crate::core::suspend::SleepMsg;
use futures_util::StreamExt;
use std::time::Duration;

const LOGIND: &str = "org.freedesktop.login1";

/// Longest the listener waits for the core's fade before letting the machine sleep anyway.
const FADE_WAIT: Duration = Duration::from_secs(2);

#[zbus::proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1"
)]
trait Manager {
    fn inhibit(&self, what: &str, who: &str, why: &str, mode: &str) -> zbus::Result<zbus::zvariant::OwnedFd>;

    #[zbus(signal)]
    fn prepare_for_sleep(&self, start: bool) -> zbus::Result<()>;
}

/// Runs for the daemon's lifetime (returns at once when sleep cannot be followed).
pub async fn run(core: CoreHandle) {
    let conn = match zbus::Connection::system().await {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, "cannot follow sleep and resume: no system bus; sessions play on as usual");
            return;
        }
    };
    let present = match zbus::fdo::DBusProxy::new(&conn).await {
        Ok(dbus) => match zbus::names::BusName::try_from(LOGIND) {
            Ok(name) => dbus.name_has_owner(name).await.unwrap_or(false),
            Err(_) => false,
        },
        Err(_) => false,
    };
    if !present {
        tracing::info!(
            "cannot follow sleep and resume: logind is not on the system bus; sessions play on as usual"
        );
        return;
    }
    let proxy = match ManagerProxy::new(&conn).await {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(error = %e, "cannot follow sleep and resume: logind did not answer");
            return;
        }
    };
    let mut signals = match proxy.receive_prepare_for_sleep().await {
        Ok(s) => s,
        Err(e) => {
            tracing::info!(error = %e, "cannot follow sleep and resume: cannot listen to logind");
            return;
        }
    };
    let mut inhibitor = inhibit(&proxy).await;
    tracing::info!(delay_inhibitor = inhibitor.is_some(), "following sleep and resume (logind)");
    while let Some(sig) = signals.next().await {
        let Ok(args) = sig.args() else { continue };
        if args.start {
            let (tx, rx) = tokio::sync::oneshot::channel();
            core.sleep_event(SleepMsg::Prepare(tx));
            if tokio::time::timeout(FADE_WAIT, rx).await.is_err() {
                tracing::warn!("the fade before sleep took too long; letting the computer sleep anyway");
            }
            // Closing the descriptor lets logind go on with the sleep.
            drop(inhibitor.take());
        } else {
            core.sleep_event(SleepMsg::Resumed);
            if inhibitor.is_none() {
                inhibitor = inhibit(&proxy).await;
            }
        }
    }
    tracing::info!("logind went away; no longer following sleep and resume");
}

/// A delay inhibitor, or None (logind may refuse: then the fade is best effort).
async fn inhibit(proxy: &ManagerProxy<'_>) -> Option<zbus::zvariant::OwnedFd> {
    match proxy.inhibit("sleep", "Sonora", "Fading out the sound before sleep", "delay").await {
        Ok(fd) => Some(fd),
        Err(e) => {
            tracing::info!(error = %e, "no sleep delay from logind; the fade may be cut short by sleep");
            None
        }
    }
}
