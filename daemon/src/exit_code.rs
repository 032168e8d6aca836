//! `sonorad`'s exit codes, named so scripts and units can rely on them.

pub const FAILURE: u8 = 1;
/// A bad config file or bad arguments.
pub const CONFIG: u8 = 2;
/// Another sonorad already runs for this user.
pub const ALREADY_RUNNING: u8 = 3;
