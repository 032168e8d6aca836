//! Desktop notifications (org.freedesktop.Notifications) for scheduled check-ins and for the
//! "Did that help?" question after a session.
//!
//! A scheduled entry with `checkin = true` asks first: *Check in*, *Just play*, *Skip*. The
//! answer (an action key) goes back to the core; no answer within the configured time means the
//! configured default. Notifications are best effort: without a notification server the core
//! simply applies the default.

use crate::core::CoreHandle;
use futures_util::StreamExt;
use std::collections::HashMap;
use tokio::sync::mpsc;

pub const ACTION_CHECKIN: &str = "checkin";
pub const ACTION_PLAY: &str = "play";
pub const ACTION_SKIP: &str = "skip";

/// Texts of the check-in prompt, in everyday words.
pub fn prompt_texts(entry: &str, outcome: sonora_proto::Outcome) -> (String, String) {
    (
        format!("Time for {outcome} ({entry})"),
        format!(
            "Would you like a short voice check-in first? Sonora listens for a few seconds and shapes the {outcome} \
             session to how you sound. The microphone only opens if you choose Check in."
        ),
    )
}

/// Answers of the "Did that help?" prompt and the ratings they stand for.
pub const RATING_ACTIONS: [(&str, &str, u8); 3] =
    [("helped", "Helped", 5), ("so-so", "So-so", 3), ("not-really", "Not really", 1)];

/// The rating an action key stands for: one of [`RATING_ACTIONS`], or "1" to "5".
pub fn rating_of(action: &str) -> Option<u8> {
    RATING_ACTIONS
        .iter()
        .find(|(k, _, _)| *k == action)
        .map(|(_, _, r)| *r)
        .or_else(|| action.parse().ok().filter(|r| (1..=5).contains(r)))
}

/// Texts of the rating prompt, in everyday words.
pub fn rating_texts(outcome: sonora_proto::Outcome, pack: Option<&str>, later: bool) -> (String, String) {
    let what = match pack {
        Some(p) => format!("{outcome} session with {p}"),
        None => format!("{outcome} session"),
    };
    let when = if later { "Your last" } else { "That" };
    (
        "Did that help?".into(),
        format!(
            "{when} {what}: did it help? Your answer helps Sonora learn which sounds you seem to like. \
             It stays on this computer; no answer is fine too."
        ),
    )
}

#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, zbus::zvariant::Value<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    fn close_notification(&self, id: u32) -> zbus::Result<()>;

    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: &str) -> zbus::Result<()>;
}

pub enum NotifyCmd {
    /// Ask; the answer comes back as `CoreHandle::notification_action(token, action)`.
    Prompt {
        token: u64,
        summary: String,
        body: String,
        /// (key, label) pairs.
        actions: Vec<(String, String)>,
        /// Seconds before the desktop hides it; 0 = until answered or closed.
        timeout_s: f64,
    },
    /// A plain message without actions.
    Info {
        summary: String,
        body: String,
    },
    Close {
        token: u64,
    },
}

#[derive(Clone)]
pub struct Notifier {
    tx: mpsc::UnboundedSender<NotifyCmd>,
}

impl Notifier {
    pub fn send(&self, cmd: NotifyCmd) {
        let _ = self.tx.send(cmd);
    }

    /// A notifier that drops everything (offline commands, tests of the core).
    pub fn disabled() -> Notifier {
        let (tx, _) = mpsc::unbounded_channel();
        Notifier { tx }
    }
}

pub fn spawn(core: CoreHandle) -> Notifier {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(core, rx));
    Notifier { tx }
}

async fn run(core: CoreHandle, mut rx: mpsc::UnboundedReceiver<NotifyCmd>) {
    let mut ids: HashMap<u32, u64> = HashMap::new();
    let mut conn: Option<(NotificationsProxy<'static>, ActionInvokedStream)> = None;
    loop {
        let next_action = async {
            match conn.as_mut() {
                Some((_, stream)) => stream.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            cmd = rx.recv() => {
                let Some(cmd) = cmd else { return };
                if conn.is_none() {
                    conn = connect().await;
                }
                let Some((proxy, _)) = conn.as_ref() else {
                    tracing::info!("no notification server; scheduled prompts use their default answer");
                    continue;
                };
                match cmd {
                    NotifyCmd::Prompt { token, summary, body, actions, timeout_s } => {
                        let actions: Vec<&str> = actions.iter().flat_map(|(k, l)| [k.as_str(), l.as_str()]).collect();
                        let timeout_ms = (timeout_s * 1000.0) as i32;
                        match proxy.notify("Sonora", 0, "audio-headphones", &summary, &body, &actions, HashMap::new(), timeout_ms).await {
                            Ok(id) => { ids.insert(id, token); }
                            Err(e) => { tracing::warn!(error = %e, "could not post the notification"); conn = None; }
                        }
                    }
                    NotifyCmd::Info { summary, body } => {
                        if let Err(e) = proxy.notify("Sonora", 0, "audio-headphones", &summary, &body, &[], HashMap::new(), 8000).await {
                            tracing::debug!(error = %e, "notification failed");
                        }
                    }
                    NotifyCmd::Close { token } => {
                        if let Some((&id, _)) = ids.iter().find(|(_, t)| **t == token) {
                            let _ = proxy.close_notification(id).await;
                            ids.remove(&id);
                        }
                    }
                }
            }
            sig = next_action => match sig {
                Some(sig) => {
                    if let Ok(args) = sig.args()
                        && let Some(token) = ids.remove(&args.id) {
                            core.notification_action(token, args.action_key.to_string());
                        }
                }
                None => conn = None,
            },
        }
    }
}

async fn connect() -> Option<(NotificationsProxy<'static>, ActionInvokedStream)> {
    let c = zbus::Connection::session().await.ok()?;
    let proxy = NotificationsProxy::new(&c).await.ok()?;
    let stream = proxy.receive_action_invoked().await.ok()?;
    Some((proxy, stream))
}
