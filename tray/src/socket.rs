//! Following the daemon over its local socket instead of D-Bus: the way on macOS, where there is
//! no session bus, and on Linux desktops without one (`sonora-tray --via socket`).
//!
//! One connection subscribes to events; each action opens its own short connection, so a
//! six-second check-in never holds up the event stream. When the socket goes away the tray shows
//! "Sonora isn't running" and tries again every two seconds.

use crate::client::{Action, Update, refuse, report, send_status};
use crate::view::Presence;
use sonora_client::{Client, EventStream, Via};
use sonora_proto::{Command, Event, Status};
use std::sync::mpsc::Sender;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tracing::{debug, info, warn};

/// Follows the daemon until the UI side hangs up.
pub async fn run(tx: Sender<Update>, mut actions: UnboundedReceiver<Action>) {
    loop {
        match Client::connect(Via::Socket).await {
            Ok(client) => {
                info!("connected to the daemon's socket");
                if !follow(client, &tx, &mut actions).await {
                    return;
                }
                info!("the daemon's socket closed");
            }
            Err(e) => debug!("daemon not reachable: {e}"),
        }
        if tx.send(Update::Presence(Presence::Absent)).is_err() {
            return;
        }
        let retry = tokio::time::sleep(Duration::from_secs(2));
        tokio::pin!(retry);
        loop {
            tokio::select! {
                _ = &mut retry => break,
                a = actions.recv() => match a {
                    Some(a) => refuse(&tx, a),
                    None => return,
                },
            }
        }
    }
}

/// Follows one connection. Returns false when the UI side is gone.
async fn follow(mut client: Client, tx: &Sender<Update>, actions: &mut UnboundedReceiver<Action>) -> bool {
    let mut last = match client.call_as::<Status>(Command::Status).await {
        Ok(status) => status,
        Err(e) => {
            warn!("could not read the daemon's status: {e}");
            return true;
        }
    };
    send_status(tx, last.clone());
    let events = match client.events().await {
        Ok(events) => events,
        Err(e) => {
            warn!("could not subscribe to the daemon's events: {e}");
            return true;
        }
    };
    // Reading a line is not safe to cancel inside `select!` (a half-read line would be lost), so
    // the stream is read on its own task and handed over whole.
    let (event_tx, mut event_rx) = unbounded_channel();
    let reader = tokio::spawn(read_events(events, event_tx));
    let alive = loop {
        tokio::select! {
            event = event_rx.recv() => match event {
                Some(Event::State(status)) => {
                    last = status;
                    send_status(tx, last.clone());
                }
                Some(Event::Volume { volume }) => {
                    last.volume = volume;
                    send_status(tx, last.clone());
                }
                Some(Event::Error(e)) => warn!("daemon reports: {e}"),
                Some(other) => debug!("event: {other:?}"),
                None => break true,
            },
            action = actions.recv() => match action {
                Some(action) => {
                    let tx = tx.clone();
                    tokio::spawn(async move { perform(&tx, action).await });
                }
                None => break false,
            },
        }
    };
    reader.abort();
    alive
}

async fn read_events(mut events: EventStream, out: tokio::sync::mpsc::UnboundedSender<Event>) {
    while let Some(event) = events.next().await {
        match event {
            Ok(event) => {
                if out.send(event).is_err() {
                    return;
                }
            }
            Err(e) => {
                warn!("event stream: {e}");
                return;
            }
        }
    }
}

async fn perform(tx: &Sender<Update>, action: Action) {
    let result = match Client::connect(Via::Socket).await {
        Ok(mut client) => client.call(action.command()).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    report(tx, action, result);
}
