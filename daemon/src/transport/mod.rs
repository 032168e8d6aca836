//! Transports: ways into the command core. Each only translates; the core decides.

pub mod dbus;
pub mod mpris;
#[allow(deprecated)] // split halves: a buffered reader in one loop and a writer beside it
pub mod socket;
