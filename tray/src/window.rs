//! Opening Sonora's window (`sonora-app`) from the tray, when it is installed (found by
//! [`sonora_proto::app`], shared with the daemon).

use std::path::Path;
use tracing::warn;

pub use sonora_proto::app::app_path;

/// Runs `sonora-app ARGS` without waiting for it; true when it started.
pub fn open(app: &Path, args: &[&str]) -> bool {
    match sonora_proto::app::open(app, args) {
        Ok(()) => true,
        Err(e) => {
            warn!("could not run {} {args:?}: {e}", app.display());
            false
        }
    }
}
