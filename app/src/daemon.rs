//! The one link to `sonorad`: a tokio thread running `sonora-client`, and a handle the GTK side
//! uses to send commands and receive answers and events.
//!
//! GTK must never wait on the daemon, so every call is asynchronous: the client thread answers
//! through an async-channel that the main loop drains with `glib::spawn_future_local`. The thread
//! reconnects by itself every second while the daemon is away.

use sonora_client::{Client, ClientError, Via};
use sonora_proto::{Command, ErrorCode, Event, Status};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// How long to wait between attempts to reach a daemon that is not running.
const RETRY: Duration = Duration::from_secs(1);

/// Why a call did not succeed, in words the window can show.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// The daemon's error code, when the daemon answered at all.
    pub code: Option<ErrorCode>,
    pub message: String,
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Daemon(body) => Failure { code: Some(body.code), message: body.message },
            other => Failure { code: None, message: other.to_string() },
        }
    }
}

/// What the client thread tells the window.
// A few messages a second, each moved once: as in `sonora_proto::Event`, boxing the large
// variant would cost more than it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    /// Connected (again); the daemon's state right now.
    Up(Box<Status>),
    /// The daemon is not reachable; the text says how to start it.
    Down(String),
    Event(Event),
    Reply {
        id: u64,
        result: Result<serde_json::Value, Failure>,
    },
}

struct Job {
    id: u64,
    command: Command,
}

type Callback = Box<dyn FnOnce(Result<serde_json::Value, Failure>)>;

/// The GTK side of the link. Cheap to clone (shared).
#[derive(Clone)]
pub struct Daemon {
    inner: Rc<Inner>,
}

struct Inner {
    jobs: UnboundedSender<Job>,
    pending: RefCell<HashMap<u64, Callback>>,
    next_id: Cell<u64>,
}

impl Daemon {
    /// Starts the client thread. Messages arrive on the returned receiver, in order.
    pub fn start() -> std::io::Result<(Daemon, async_channel::Receiver<Msg>)> {
        let (msg_tx, msg_rx) = async_channel::unbounded();
        let (job_tx, job_rx) = unbounded_channel();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("sonora-client".into())
            .spawn(move || rt.block_on(run(msg_tx, job_rx)))?;
        let inner = Inner { jobs: job_tx, pending: RefCell::new(HashMap::new()), next_id: Cell::new(1) };
        Ok((Daemon { inner: Rc::new(inner) }, msg_rx))
    }

    /// Sends a command; `done` runs on the GTK thread with the answer.
    pub fn call(&self, command: Command, done: impl FnOnce(Result<serde_json::Value, Failure>) + 'static) {
        let id = self.inner.next_id.get();
        self.inner.next_id.set(id + 1);
        self.inner.pending.borrow_mut().insert(id, Box::new(done));
        if self.inner.jobs.send(Job { id, command }).is_err()
            && let Some(f) = self.inner.pending.borrow_mut().remove(&id)
        {
            f(Err(Failure { code: None, message: "the connection thread has stopped".into() }));
        }
    }

    /// Sends a command whose answer only matters when it failed (the event that follows shows
    /// the change); failures go to `on_error`.
    pub fn send(&self, command: Command, on_error: impl Fn(&Failure) + 'static) {
        self.call(command, move |r| {
            if let Err(e) = r {
                on_error(&e);
            }
        });
    }

    /// Runs the callback of a reply (called by the window's message loop).
    pub fn answer(&self, id: u64, result: Result<serde_json::Value, Failure>) {
        let f = self.inner.pending.borrow_mut().remove(&id);
        if let Some(f) = f {
            f(result);
        }
    }
}

/// The client thread: connect, forward events, run commands, and start over when the daemon goes.
async fn run(out: async_channel::Sender<Msg>, mut jobs: UnboundedReceiver<Job>) {
    let mut said_down = false;
    loop {
        match connect().await {
            Ok((mut calls, mut events, status)) => {
                said_down = false;
                if out.send(Msg::Up(Box::new(status))).await.is_err() {
                    return;
                }
                let why = loop {
                    tokio::select! {
                        ev = events.next() => match ev {
                            Some(Ok(e)) => if out.send(Msg::Event(e)).await.is_err() { return },
                            Some(Err(e)) => break e.to_string(),
                            None => break "the daemon went away".to_string(),
                        },
                        job = jobs.recv() => {
                            let Some(job) = job else { return };
                            if matches!(job.command, Command::Checkin(_) | Command::Export(_)) {
                                // Slow: its own connection, so the mixer stays live meanwhile.
                                let out = out.clone();
                                tokio::spawn(async move {
                                    let result = one_off(job.command).await;
                                    let _ = out.send(Msg::Reply { id: job.id, result }).await;
                                });
                                continue;
                            }
                            let result = calls.call(job.command).await;
                            let broken = matches!(result, Err(ClientError::Io(_) | ClientError::Protocol(_)));
                            let result = result.map_err(Failure::from);
                            if out.send(Msg::Reply { id: job.id, result }).await.is_err() {
                                return;
                            }
                            if broken {
                                break "the connection to the daemon broke".to_string();
                            }
                        }
                    }
                };
                tracing_line(&why);
            }
            Err(e) => {
                if !said_down && out.send(Msg::Down(down_text(&e))).await.is_err() {
                    return;
                }
                said_down = true;
                // Answer whatever is asked meanwhile at once, then try again.
                let sleep = tokio::time::sleep(RETRY);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        _ = &mut sleep => break,
                        job = jobs.recv() => {
                            let Some(job) = job else { return };
                            let result = Err(Failure { code: None, message: down_text(&e) });
                            if out.send(Msg::Reply { id: job.id, result }).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Two connections: one for commands, one turned into the event stream.
async fn connect() -> Result<(Client, sonora_client::EventStream, Status), ClientError> {
    // The socket only: D-Bus activation would restart a daemon the person just stopped.
    let mut calls = Client::connect(Via::Socket).await?;
    let events = Client::connect(Via::Socket).await?.events().await?;
    let status = calls.call_as::<Status>(Command::Status).await?;
    Ok((calls, events, status))
}

async fn one_off(command: Command) -> Result<serde_json::Value, Failure> {
    let mut c = Client::connect(Via::Socket).await?;
    Ok(c.call(command).await?)
}

/// The banner's text: the client library's own words say how to start the daemon.
fn down_text(e: &ClientError) -> String {
    if e.is_not_running() {
        "Sonora's daemon is not running. Start it with `sonorad` (or `systemctl --user start sonorad`); \
         this window reconnects by itself."
            .to_string()
    } else {
        format!("Cannot reach Sonora's daemon: {e}. Trying again every second.")
    }
}

fn tracing_line(why: &str) {
    if std::env::var_os("SONORA_APP_DEBUG").is_some() {
        eprintln!("sonora-app: {why}; reconnecting");
    }
}
