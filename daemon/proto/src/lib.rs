//! Sonora's control protocol, defined once.
//!
//! `sonorad`, `sonoractl` and `sonora-tray` all import these types, so the three cannot disagree
//! about what a request, reply or event looks like. The wire format (newline-delimited JSON over
//! the local socket, and the same JSON carried by the D-Bus `Call` method) is documented in
//! `docs/protocol.md`.
//!
//! Layout:
//! - [`types`]: the nouns (outcomes, states, status, markers, scene and pack descriptions).
//! - [`command`]: what a client can ask ([`Command`]) and how a request line is parsed.
//! - [`reply`]: replies and the error codes a client can rely on.
//! - [`event`]: what a subscriber receives.
//! - [`paths`]: where the socket lives and the D-Bus names.
//! - [`about`]: the one source of the "what Sonora is and is not" text.

pub mod about;
pub mod app;
pub mod command;
pub mod event;
pub mod paths;
pub mod reply;
pub mod types;

pub use command::{Command, Request};
pub use event::Event;
pub use reply::{ErrorBody, ErrorCode, Greeting, Reply};
pub use types::*;

/// Version of the wire protocol. Bumped only for incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest request line the daemon accepts, in bytes (newline excluded).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Version of this build of Sonora (all crates share the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
