//! The local socket: newline-delimited JSON, MPD-style (greeting, request/reply, `subscribe`).
//!
//! Only the owning user gets in: the directory is 0700, the socket 0600 (the daemon runs with
//! umask 077) and every connection's peer uid is checked. Each connection runs in its own task,
//! so a silent client or half a frame never holds up anyone else.

use crate::core::CoreHandle;
use interprocess::local_socket::tokio::{RecvHalf, SendHalf, prelude::*};
use interprocess::local_socket::{GenericFilePath, ListenerOptions};
use sonora_proto::{Command, ErrorBody, ErrorCode, Event, Greeting, MAX_LINE_BYTES, Reply, Request};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, watch};

/// Requests a connection may send per second on average (bursts of twice that are fine).
const RATE_PER_S: f64 = 200.0;

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("cannot create the socket directory {dir}: {source}")]
    Dir { dir: PathBuf, source: std::io::Error },
    #[error("cannot listen on {path}: {source}")]
    Bind { path: PathBuf, source: std::io::Error },
}

/// Binds the socket. The caller holds the single-instance lock, so a leftover socket file is stale.
pub fn bind(path: &Path) -> Result<interprocess::local_socket::tokio::Listener, SocketError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| SocketError::Dir { dir: dir.to_path_buf(), source: e })?;
        set_mode(dir, 0o700).map_err(|e| SocketError::Dir { dir: dir.to_path_buf(), source: e })?;
    }
    let _ = std::fs::remove_file(path);
    let name = path
        .to_fs_name::<GenericFilePath>()
        .map_err(|e| SocketError::Bind { path: path.to_path_buf(), source: e })?;
    let listener = ListenerOptions::new()
        .name(name)
        .reclaim_name(false)
        .create_tokio()
        .map_err(|e| SocketError::Bind { path: path.to_path_buf(), source: e })?;
    set_mode(path, 0o600).map_err(|e| SocketError::Bind { path: path.to_path_buf(), source: e })?;
    Ok(listener)
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

pub async fn serve(
    listener: interprocess::local_socket::tokio::Listener,
    core: CoreHandle,
    mut shutdown: watch::Receiver<bool>,
) {
    // SAFETY: getuid has no preconditions and cannot fail.
    let my_uid = unsafe { libc::getuid() };
    loop {
        tokio::select! {
            conn = listener.accept() => match conn {
                Ok(stream) => {
                    let uid = stream.peer_creds().ok().and_then(|c| c.euid());
                    let core = core.clone();
                    let shutdown = shutdown.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection(stream, uid == Some(my_uid), uid, core, shutdown).await {
                            tracing::debug!(error = %e, "socket connection ended");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "socket accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
    }
}

async fn connection(
    stream: interprocess::local_socket::tokio::Stream,
    allowed: bool,
    uid: Option<u32>,
    core: CoreHandle,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let (recv, mut send) = stream.split();
    if !allowed {
        tracing::warn!(peer_uid = ?uid, "refused a socket connection from another user");
        let err = Reply::error(
            None,
            ErrorBody::new(ErrorCode::BadRequest, "this Sonora daemon belongs to another user"),
        );
        write_line(&mut send, &err.to_line()).await?;
        return Ok(());
    }
    write_line(&mut send, &serde_json::to_string(&Greeting::current()).unwrap_or_default()).await?;
    let mut reader = BufReader::new(recv);
    let mut bucket = TokenBucket::new(RATE_PER_S, RATE_PER_S * 2.0);
    loop {
        let line = tokio::select! {
            l = read_line(&mut reader) => l?,
            _ = shutdown.changed() => return Ok(()),
        };
        let line = match line {
            Line::Eof => return Ok(()),
            Line::TooLong(n) => {
                // The id stays null: the line is dropped 64 KiB at a time as it arrives (memory
                // stays bounded), and its "id" may come after the part that was read.
                let e = ErrorBody::new(
                    ErrorCode::TooLarge,
                    format!("request line is over {n} bytes; the limit is {MAX_LINE_BYTES} bytes"),
                );
                write_line(&mut send, &Reply::error(None, e).to_line()).await?;
                continue;
            }
            Line::Text(t) => t,
        };
        if line.trim().is_empty() {
            continue;
        }
        if !bucket.take() {
            let e = ErrorBody::new(ErrorCode::RateLimited, "too many requests on this connection; slow down");
            write_line(&mut send, &Reply::error(peek_id(&line), e).to_line()).await?;
            continue;
        }
        let reply = match Request::parse(&line) {
            Err(bad) => Reply::error(bad.id, bad.error),
            Ok(Request { id, command: Command::Subscribe }) => {
                write_line(&mut send, &Reply::ok(id, serde_json::json!({"subscribed": true})).to_line())
                    .await?;
                return stream_events(reader, send, core.subscribe(), shutdown).await;
            }
            Ok(Request { id, command }) => match core.call(command).await {
                Ok(v) => Reply::ok(id, v),
                Err(e) => Reply::error(Some(id), e),
            },
        };
        write_line(&mut send, &reply.to_line()).await?;
    }
}

/// The request's id, read without parsing the rest into values (a rate-limited line is refused
/// cheaply but still answered with its id). None when the line is not an object with an integer id.
fn peek_id(line: &str) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Peek {
        id: Option<u64>,
    }
    // serde would also read a struct from an array; a request is an object.
    if !line.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<Peek>(line).ok()?.id
}

/// After `subscribe` the connection only carries events, until the client hangs up.
async fn stream_events(
    mut reader: BufReader<RecvHalf>,
    mut send: SendHalf,
    mut events: broadcast::Receiver<Event>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut sink = [0u8; 1024];
    // A client that half-closes its side still gets events; a gone one fails the next write.
    let mut reading = true;
    loop {
        tokio::select! {
            ev = events.recv() => {
                let ev = match ev {
                    Ok(ev) => ev,
                    Err(broadcast::error::RecvError::Lagged(missed)) => Event::Lagged { missed },
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                };
                write_line(&mut send, &ev.to_line()).await?;
            }
            n = reader.read(&mut sink), if reading => if n? == 0 { reading = false },
            _ = shutdown.changed() => return Ok(()),
        }
    }
}

enum Line {
    Text(String),
    TooLong(usize),
    Eof,
}

/// Reads one line of at most [`MAX_LINE_BYTES`]; a longer one is consumed and reported, so the
/// connection stays usable.
async fn read_line(reader: &mut BufReader<RecvHalf>) -> std::io::Result<Line> {
    let mut buf = Vec::new();
    let n = (&mut *reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if buf.len() <= MAX_LINE_BYTES {
            return Ok(Line::Text(String::from_utf8_lossy(&buf).into_owned()));
        }
    } else if buf.len() <= MAX_LINE_BYTES {
        // EOF in the middle of a line: treat what came as the last line.
        return Ok(Line::Text(String::from_utf8_lossy(&buf).into_owned()));
    }
    // Too long: skip to the end of this line.
    let mut total = buf.len();
    loop {
        buf.clear();
        let n = (&mut *reader).take(64 * 1024).read_until(b'\n', &mut buf).await?;
        total += n;
        if n == 0 || buf.last() == Some(&b'\n') {
            return Ok(Line::TooLong(total));
        }
    }
}

async fn write_line(send: &mut SendHalf, line: &str) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    send.write_all(&bytes).await?;
    send.flush().await
}

struct TokenBucket {
    rate: f64,
    cap: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    fn new(rate: f64, cap: f64) -> Self {
        TokenBucket { rate, cap, tokens: cap, last: Instant::now() }
    }
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.cap);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::peek_id;

    #[test]
    fn peek_id_reads_only_a_whole_number_id() {
        assert_eq!(peek_id(r#"{"id":7,"cmd":"version"}"#), Some(7));
        assert_eq!(peek_id(r#"{"cmd":"start","args":{"id":3,"x":[1,2]},"id":12}"#), Some(12));
        assert_eq!(peek_id(r#"{"cmd":"version"}"#), None);
        assert_eq!(peek_id(r#"{"id":"7","cmd":"version"}"#), None);
        assert_eq!(peek_id(r#"{"id":-1}"#), None);
        assert_eq!(peek_id("not json"), None);
        assert_eq!(peek_id("[7]"), None);
    }
}
