//! `sonoractl` exit codes (also listed in `docs/protocol.md` and `sonoractl --help`).

/// The command did what was asked.
pub const OK: u8 = 0;
/// Something failed on this side (bad output file, I/O).
pub const FAILURE: u8 = 1;
// 2 is clap's: bad usage.
/// The daemon is not running or cannot be reached.
pub const NOT_RUNNING: u8 = 3;
/// The daemon answered with an error (bad arguments, nothing playing, ...).
pub const REFUSED: u8 = 4;
