//! A client for `sonorad`, over its local socket or D-Bus.
//!
//! `sonoractl` and `sonora-tray` both use it; the wire types come from `sonora-proto`, so the
//! client and the daemon cannot disagree.

// interprocess deprecates split stream halves in favour of sharing one stream; the halves are
// exactly what a buffered reader beside a writer needs, so they stay.
#![allow(deprecated)]

pub mod dbus;

use futures_util::StreamExt;
use interprocess::local_socket::tokio::{RecvHalf, SendHalf, prelude::*};
use interprocess::local_socket::{GenericFilePath, ToFsName};
use serde::de::DeserializeOwned;
use sonora_proto::{Command, ErrorBody, Event, Greeting, Reply, Request};
use std::path::PathBuf;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Which way to reach the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Socket,
    Dbus,
    /// The socket, then D-Bus (which can also start the daemon by activation).
    Auto,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("Sonora's daemon is not running (no socket at {socket}{dbus}). Start it with `sonorad` (or `systemctl --user start sonorad`).",
        socket = socket.display(),
        dbus = dbus.as_ref().map(|_| ", nor on the session bus").unwrap_or_default())]
    NotRunning { socket: PathBuf, dbus: Option<String> },
    #[error("{0}")]
    Daemon(ErrorBody),
    #[error("connection to the daemon failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("D-Bus: {0}")]
    Dbus(#[from] zbus::Error),
    #[error("unexpected answer from the daemon: {0}")]
    Protocol(String),
}

impl ClientError {
    pub fn is_not_running(&self) -> bool {
        matches!(self, ClientError::NotRunning { .. })
    }
}

enum Transport {
    Socket { reader: BufReader<RecvHalf>, send: SendHalf },
    Dbus(dbus::SonoraProxy<'static>),
}

pub struct Client {
    transport: Transport,
    next_id: u64,
    pub greeting: Option<Greeting>,
}

impl Client {
    pub async fn connect(via: Via) -> Result<Client, ClientError> {
        let socket = sonora_proto::paths::socket_path();
        match via {
            Via::Socket => Self::connect_socket().await.map_err(|e| not_running_if_absent(e, &socket, None)),
            Via::Dbus => Self::connect_dbus().await.map_err(|e| match e {
                ClientError::Dbus(d) if is_absent_on_bus(&d) => {
                    ClientError::NotRunning { socket, dbus: Some(d.to_string()) }
                }
                other => other,
            }),
            Via::Auto => match Self::connect_socket().await {
                Ok(c) => Ok(c),
                Err(sock_err) => match Self::connect_dbus().await {
                    Ok(c) => Ok(c),
                    Err(dbus_err) => Err(match sock_err {
                        ClientError::Io(ref e) if is_absent(e) => {
                            ClientError::NotRunning { socket, dbus: Some(dbus_err.to_string()) }
                        }
                        other => other,
                    }),
                },
            },
        }
    }

    /// "socket" or "dbus".
    pub fn via(&self) -> &'static str {
        match self.transport {
            Transport::Socket { .. } => "socket",
            Transport::Dbus(_) => "dbus",
        }
    }

    async fn connect_socket() -> Result<Client, ClientError> {
        let path = sonora_proto::paths::socket_path();
        let name = path.as_path().to_fs_name::<GenericFilePath>()?;
        let stream = interprocess::local_socket::tokio::Stream::connect(name).await?;
        let (recv, send) = stream.split();
        let mut reader = BufReader::new(recv);
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        // A daemon of another user answers with an error instead of a greeting.
        if let Ok(reply) = serde_json::from_str::<Reply>(&line)
            && let Err(e) = reply.into_result()
        {
            return Err(ClientError::Daemon(e));
        }
        let greeting: Greeting = serde_json::from_str(line.trim())
            .map_err(|e| ClientError::Protocol(format!("bad greeting {line:?}: {e}")))?;
        Ok(Client { transport: Transport::Socket { reader, send }, next_id: 1, greeting: Some(greeting) })
    }

    async fn connect_dbus() -> Result<Client, ClientError> {
        let conn = zbus::Connection::session().await?;
        let proxy = dbus::SonoraProxy::new(&conn).await?;
        Ok(Client { transport: Transport::Dbus(proxy), next_id: 1, greeting: None })
    }

    /// Sends one command and returns its result.
    pub async fn call(&mut self, command: Command) -> Result<serde_json::Value, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let line = Request { id, command }.to_line();
        let reply_line = match &mut self.transport {
            Transport::Socket { reader, send } => {
                send.write_all(format!("{line}\n").as_bytes()).await?;
                send.flush().await?;
                loop {
                    let mut buf = String::new();
                    if reader.read_line(&mut buf).await? == 0 {
                        return Err(ClientError::Protocol("the daemon closed the connection".into()));
                    }
                    // Skip anything that is not our reply (there should be nothing).
                    let v: serde_json::Value = serde_json::from_str(buf.trim())
                        .map_err(|e| ClientError::Protocol(format!("{e}: {buf:?}")))?;
                    if v.get("id").and_then(|i| i.as_u64()) == Some(id)
                        || v.get("id") == Some(&serde_json::Value::Null)
                    {
                        break buf;
                    }
                }
            }
            Transport::Dbus(proxy) => proxy.call(&line).await.map_err(|e| {
                if is_absent_on_bus(&e) {
                    ClientError::NotRunning {
                        socket: sonora_proto::paths::socket_path(),
                        dbus: Some(e.to_string()),
                    }
                } else {
                    ClientError::Dbus(e)
                }
            })?,
        };
        let reply: Reply = serde_json::from_str(reply_line.trim())
            .map_err(|e| ClientError::Protocol(format!("{e}: {reply_line:?}")))?;
        reply.into_result().map_err(ClientError::Daemon)
    }

    /// Like [`Client::call`], decoding the result.
    pub async fn call_as<T: DeserializeOwned>(&mut self, command: Command) -> Result<T, ClientError> {
        let v = self.call(command).await?;
        serde_json::from_value(v).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    /// Turns this client into a stream of the daemon's events.
    pub async fn events(mut self) -> Result<EventStream, ClientError> {
        match self.transport {
            Transport::Socket { .. } => {
                self.call(Command::Subscribe).await?;
                let Transport::Socket { reader, send } = self.transport else { unreachable!() };
                // Keep the write half: dropping it would half-close the connection.
                Ok(EventStream::Socket(reader, send))
            }
            Transport::Dbus(proxy) => Ok(EventStream::Dbus(Box::new(proxy.receive_event().await?))),
        }
    }
}

pub enum EventStream {
    Socket(BufReader<RecvHalf>, SendHalf),
    Dbus(Box<dbus::EventStream>),
}

impl EventStream {
    /// The next event; None when the daemon goes away.
    pub async fn next(&mut self) -> Option<Result<Event, ClientError>> {
        let line = match self {
            EventStream::Socket(reader, _) => {
                let mut buf = String::new();
                match reader.read_line(&mut buf).await {
                    Ok(0) => return None,
                    Ok(_) => buf,
                    Err(e) => return Some(Err(e.into())),
                }
            }
            EventStream::Dbus(stream) => {
                let sig = stream.next().await?;
                match sig.args() {
                    Ok(a) => a.event_json().to_string(),
                    Err(e) => return Some(Err(e.into())),
                }
            }
        };
        Some(serde_json::from_str(line.trim()).map_err(|e| ClientError::Protocol(format!("{e}: {line:?}"))))
    }
}

fn is_absent(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused)
}

fn is_absent_on_bus(e: &zbus::Error) -> bool {
    let s = e.to_string();
    s.contains("ServiceUnknown") || s.contains("NameHasNoOwner") || s.contains("was not provided by any")
}

fn not_running_if_absent(e: ClientError, socket: &std::path::Path, dbus: Option<String>) -> ClientError {
    match e {
        ClientError::Io(ref io) if is_absent(io) => {
            ClientError::NotRunning { socket: socket.to_path_buf(), dbus }
        }
        other => other,
    }
}
