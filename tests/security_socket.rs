//! Security properties of the local socket (daemon/src/transport/socket.rs): who can reach it,
//! how much one client can send, and that sonorad listens on nothing but that one socket.

use serde_json::Value;
use sonora_tests::{Daemon, RawConn, chmod, mode_of, require_program};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A tiny AF_UNIX client run as another user (nobody) through `setpriv`: prints every line the
/// daemon sends until it closes, then `EOF`; or `ERR <errno name>` if it cannot connect.
fn connect_as_nobody(socket: &Path) -> String {
    require_program("setpriv", "util-linux");
    assert!(
        Path::new("/usr/bin/python3").exists(),
        "/usr/bin/python3 is needed: install the Debian package python3"
    );
    const CLIENT: &str = r#"
import socket, sys, errno
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("ERR", errno.errorcode.get(e.errno, e.errno)); sys.exit(0)
try:
    s.sendall(b'{"id":1,"cmd":"status"}\n')
except (BrokenPipeError, ConnectionResetError):
    pass  # the daemon may already have refused and closed
buf = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
except socket.timeout:
    print(buf.decode(errors="replace")); print("TIMEOUT"); sys.exit(0)
except ConnectionResetError:
    # Linux resets the peer when a socket is closed with unread data (our request): also a close.
    print(buf.decode(errors="replace")); print("EOF"); sys.exit(0)
print(buf.decode(errors="replace")); print("EOF")
"#;
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", CLIENT])
        .arg(socket)
        .env_clear()
        .output()
        .expect("run setpriv");
    assert!(
        out.status.success(),
        "the nobody client failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn socket_lock_and_directory_are_private() {
    let d = Daemon::start();
    let sock = d.env.socket();
    assert_eq!(mode_of(&sock), 0o600, "socket mode");
    assert_eq!(mode_of(sock.parent().unwrap()), 0o700, "socket directory mode");
    assert_eq!(mode_of(&sock.with_extension("lock")), 0o600, "lock file mode");
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&sock).unwrap().uid(), me);
}

#[test]
fn another_user_cannot_reach_the_socket_directory() {
    let d = Daemon::start();
    // The runtime dir is 0700 in the test env, like a real XDG_RUNTIME_DIR; open it up to the
    // socket's own 0700 directory so this checks sonorad's directory, not the test's.
    chmod(&d.env.runtime, 0o711);
    let out = connect_as_nobody(&d.env.socket());
    assert!(out.starts_with("ERR EACCES"), "nobody must not get through the 0700 directory: {out}");
    assert_eq!(d.ctl_json(&["--via", "socket", "status"])["state"], "idle");
}

#[test]
fn the_peer_uid_check_refuses_another_user_even_when_the_file_modes_allow_it() {
    let d = Daemon::start();
    let sock = d.env.socket();
    chmod(&d.env.runtime, 0o711);
    chmod(sock.parent().unwrap(), 0o711);
    chmod(&sock, 0o666);
    let out = connect_as_nobody(&sock);
    assert!(out.trim_end().ends_with("EOF"), "the daemon closes the connection: {out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 1, "exactly one error line, no greeting, no reply: {out}");
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert!(v.get("protocol").is_none(), "no greeting for another user: {v}");
    assert_eq!(v["id"], Value::Null, "the request is never read: {v}");
    assert_eq!(v["error"]["code"], "bad_request", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("another user"), "{v}");
    assert!(d.log_text().contains("refused a socket connection from another user"), "{}", d.log_text());
    // The owner is unaffected.
    let mut c = RawConn::open(&sock);
    assert_eq!(c.request(r#"{"id":2,"cmd":"status"}"#)["ok"]["state"], "idle");
}

#[test]
fn line_size_limit_is_exact_and_the_connection_stays_usable() {
    let d = Daemon::start();
    let mut c = RawConn::open(&d.env.socket());
    let max = sonora_proto::MAX_LINE_BYTES;
    // Exactly the limit (padding after the JSON object is whitespace): accepted.
    let head = r#"{"id":1,"cmd":"status"}"#;
    let line = format!("{head}{}", " ".repeat(max - head.len()));
    assert_eq!(line.len(), max);
    let r = c.request(&line);
    assert_eq!(r["id"], 1, "a line of exactly {max} bytes is served: {r}");
    // One byte more: too_large.
    let r = c.request(&format!("{line} "));
    assert_eq!(r["error"]["code"], "too_large", "{r}");
    // 65 KiB, sent in pieces with pauses: too_large, then the connection still works.
    let big = format!("{{\"id\":2,\"cmd\":\"status\",\"args\":\"{}\"}}\n", "x".repeat(65 * 1024));
    for chunk in big.as_bytes().chunks(7000) {
        c.send_raw(chunk);
        std::thread::sleep(Duration::from_millis(5));
    }
    let r = c.read_json();
    assert_eq!(r["error"]["code"], "too_large", "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("65536"), "{r}");
    // 5 MiB without a newline at all, then the newline: one too_large, no memory blow-up.
    let mut huge = vec![b'a'; 5 * 1024 * 1024];
    huge.push(b'\n');
    c.send_raw(&huge);
    assert_eq!(c.read_json()["error"]["code"], "too_large");
    let r = c.request(r#"{"id":3,"cmd":"version"}"#);
    assert_eq!((r["id"].as_u64(), r["ok"]["protocol"].as_u64()), (Some(3), Some(1)), "{r}");
    // Invalid UTF-8 is read lossily and refused as bad JSON, not a dropped connection.
    c.send_raw(b"{\"id\":4,\"cmd\":\"sta\xff\xfetus\"}\n");
    assert_eq!(c.read_json()["error"]["code"], "unknown_command");
    assert_eq!(c.request(r#"{"id":5,"cmd":"status"}"#)["id"], 5);
}

#[test]
fn a_flood_is_rate_limited_per_connection_and_others_are_unaffected() {
    let d = Daemon::start();
    let sock = d.env.socket();
    let flood = UnixStream::connect(&sock).unwrap();
    flood.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut reader = BufReader::new(flood.try_clone().unwrap());
    let mut greeting = String::new();
    reader.read_line(&mut greeting).unwrap();
    const N: usize = 3000;
    let mut w = flood.try_clone().unwrap();
    let started = Instant::now();
    let writer = std::thread::spawn(move || {
        let mut batch = String::new();
        for i in 0..N {
            batch.push_str(&format!("{{\"id\":{i},\"cmd\":\"version\"}}\n"));
        }
        w.write_all(batch.as_bytes()).unwrap();
    });
    // A well-behaved client on its own connection, during the flood.
    let polite = std::thread::spawn({
        let sock = sock.clone();
        move || {
            let mut c = RawConn::open(&sock);
            let mut worst = Duration::ZERO;
            for i in 0..50 {
                let t = Instant::now();
                let r = c.request(&format!(r#"{{"id":{i},"cmd":"status"}}"#));
                worst = worst.max(t.elapsed());
                assert_eq!(r["id"], i, "the polite client gets its own replies: {r}");
                assert!(r.get("ok").is_some(), "the polite client is never rate limited: {r}");
                std::thread::sleep(Duration::from_millis(10));
            }
            worst
        }
    });
    let (mut ok, mut limited) = (0usize, 0usize);
    for i in 0..N {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the daemon closed the flooding connection");
        let v: Value = serde_json::from_str(&line).unwrap();
        // Served or refused, every reply carries its request's id, in order.
        assert_eq!(v["id"], i, "{v}");
        if v.get("ok").is_some() {
            ok += 1;
        } else {
            assert_eq!(v["error"]["code"], "rate_limited", "{v}");
            limited += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    writer.join().unwrap();
    let worst = polite.join().unwrap();
    eprintln!("flood: {ok} served, {limited} rate limited in {elapsed:.2} s; polite worst latency {worst:?}");
    assert!(limited > 0, "3000 pipelined requests must hit the limit (burst 400, 200/s)");
    let allowed = 400.0 + 200.0 * elapsed + 50.0;
    assert!((ok as f64) <= allowed, "{ok} served in {elapsed:.2} s exceeds burst + rate ({allowed:.0})");
    assert!(ok >= 400, "the burst of 400 is served: {ok}");
    assert!(worst < Duration::from_secs(2), "the flood slowed another connection to {worst:?}");
    // The flooding connection recovers once it slows down.
    std::thread::sleep(Duration::from_millis(500));
    let mut w = flood.try_clone().unwrap();
    w.write_all(b"{\"id\":99999,\"cmd\":\"version\"}\n").unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("\"id\":99999") && line.contains("\"ok\""), "{line}");
}

#[test]
fn stalled_and_silent_clients_do_not_block_anyone() {
    let d = Daemon::start();
    let sock = d.env.socket();
    // Half a frame, then silence.
    let mut half = UnixStream::connect(&sock).unwrap();
    half.write_all(br#"{"id":1,"cmd":"sta"#).unwrap();
    // Connected but never says anything, never reads.
    let _silent = UnixStream::connect(&sock).unwrap();
    // Subscribed but never reads its events, while events pile up.
    let mut deaf = RawConn::open(&sock);
    assert_eq!(deaf.request(r#"{"id":1,"cmd":"subscribe"}"#)["ok"]["subscribed"], true);
    // Sends requests but never reads replies, so its socket buffer fills.
    let mut hog = UnixStream::connect(&sock).unwrap();
    hog.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let hog_lines = r#"{"id":1,"cmd":"about"}"#.to_string() + "\n";
    for _ in 0..300 {
        if hog.write_all(hog_lines.as_bytes()).is_err() {
            break;
        }
    }
    let mut c = RawConn::open(&sock);
    c.request(r#"{"id":1,"cmd":"start","args":{"outcome":"calm"}}"#);
    let t = Instant::now();
    let mut slept = Duration::ZERO;
    for i in 0..600u32 {
        let level = (i % 10) as f64 / 10.0;
        let r = c.request(&format!(r#"{{"id":{i},"cmd":"volume","args":{{"level":{level}}}}}"#));
        assert_eq!(r["id"], i, "{r}");
        if i % 100 == 99 {
            std::thread::sleep(Duration::from_millis(600)); // stay under the rate limit
            slept += Duration::from_millis(600);
        }
    }
    let per_request = (t.elapsed() - slept) / 600;
    eprintln!("600 volume changes beside stalled clients: {per_request:?} per request");
    assert!(per_request < Duration::from_millis(50), "stalled clients slowed others: {per_request:?}");
    // A fresh connection still gets its greeting at once.
    let t = Instant::now();
    let fresh = RawConn::open(&sock);
    assert_eq!(fresh.greeting["protocol"], 1);
    assert!(t.elapsed() < Duration::from_secs(1));
    // The deaf subscriber, once it reads, learns it missed events (no unbounded queue).
    deaf.set_read_timeout(Duration::from_secs(5));
    let mut saw_lagged = false;
    for _ in 0..5000 {
        let ev = deaf.read_json();
        if ev["event"] == "lagged" {
            assert!(ev["data"]["missed"].as_u64().unwrap() > 0);
            saw_lagged = true;
            break;
        }
    }
    assert!(saw_lagged, "a subscriber that fell behind is told how many events it missed");
    // Finishing the half frame later is served normally.
    half.write_all(b"tus\"}\n").unwrap();
    let mut r = BufReader::new(half);
    let mut greeting = String::new();
    r.read_line(&mut greeting).unwrap();
    let mut reply = String::new();
    r.get_mut().set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    r.read_line(&mut reply).unwrap();
    assert!(reply.contains("\"id\":1") && reply.contains("\"ok\""), "{reply}");
}

/// Socket inodes held by `pid`.
fn socket_inodes(pid: u32) -> HashSet<u64> {
    let mut set = HashSet::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().flatten() {
        if let Ok(target) = std::fs::read_link(e.path()) {
            let t = target.to_string_lossy();
            if let Some(n) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                set.insert(n.parse().unwrap());
            }
        }
    }
    set
}

/// (inode, line) of every socket in `/proc/<pid>/net/<table>`.
fn table(pid: u32, name: &str) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/{name}")).unwrap_or_default();
    let col = if name == "unix" { 6 } else { 9 };
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let inode = l.split_whitespace().nth(col)?.parse().ok()?;
            Some((inode, l.to_string()))
        })
        .collect()
}

#[test]
fn the_daemon_opens_no_network_sockets() {
    let d = Daemon::start();
    d.wait_for_dbus();
    // With a session playing (audio server connection open) and D-Bus connected.
    d.ctl_json(&["--via", "socket", "start", "calm"]);
    std::thread::sleep(Duration::from_millis(500));
    let pid = d.child.id();
    let mine = socket_inodes(pid);
    assert!(!mine.is_empty(), "sonorad holds its listening socket");
    for t in ["tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6"] {
        let net: Vec<_> = table(pid, t).into_iter().filter(|(i, _)| mine.contains(i)).collect();
        assert!(net.is_empty(), "sonorad holds {t} sockets: {net:?}");
    }
    // Every socket is a Unix socket, and the only one listening is sonorad.sock.
    let unix = table(pid, "unix");
    let unix_inodes: HashSet<u64> = unix.iter().map(|(i, _)| *i).collect();
    let other: Vec<_> = mine.iter().filter(|i| !unix_inodes.contains(i)).collect();
    // Netlink sockets (ALSA/udev device lookups) are local too; list them apart.
    let netlink: HashSet<u64> = std::fs::read_to_string(format!("/proc/{pid}/net/netlink"))
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(9)?.parse().ok())
        .collect();
    let other: Vec<_> = other.into_iter().filter(|i| !netlink.contains(i)).collect();
    assert!(other.is_empty(), "sockets that are neither Unix nor netlink: {other:?}");
    let listening: Vec<_> = unix
        .iter()
        .filter(|(i, l)| mine.contains(i) && l.split_whitespace().nth(3) == Some("00010000"))
        .map(|(_, l)| l.split_whitespace().nth(7).unwrap_or("(unnamed)").to_string())
        .collect();
    let sock = d.env.socket().display().to_string();
    assert_eq!(listening, vec![sock], "sonorad listens only on its own socket");
}
