//! Logging: one line per event on stderr, filtered by `SONORA_LOG` (or `RUST_LOG`).
//!
//! Under journald (`JOURNAL_STREAM` set) timestamps and colours are left out: the journal adds its
//! own and would show escape codes verbatim.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = std::env::var("SONORA_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info,zbus=warn"));
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    if journald {
        builder.without_time().with_ansi(false).init();
    } else {
        builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
}
