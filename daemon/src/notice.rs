//! The one-time notice shown with the very first check-in.
//!
//! The check-in path calls [`take_first_run_notice`] and puts the result into
//! `CheckinReport::first_run_notice`; `sonoractl checkin` and the tray print it under the summary.
//! Whether it was shown is remembered by an empty marker file in the data dir, so it appears once
//! per person and machine, not once per daemon start.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Name of the marker file in the data dir (next to `history.db`).
pub const MARKER_FILE: &str = "first-checkin-notice-shown";

/// Shown once, under the first check-in's summary. Short, plain, and the same promises as
/// `sonora_proto::about`.
pub const FIRST_CHECKIN_NOTICE: &str = "About these readings: stress, fatigue and energy are everyday \
estimates with a confidence, not a measurement of your health. They get steadier as Sonora learns how \
your voice usually sounds. Sonora keeps only the numbers; the recording itself is not kept (unless you \
turn on keep_audio in the config). To forget everything, run `sonoractl forget --all`.";

/// Returns the notice the first time it is ever asked for in `data_dir`, and `None` after that.
///
/// The marker file is created atomically (`create_new`, mode 0600), so two check-ins racing each
/// other still show it once. If the data dir can't be written, the notice is returned anyway (better
/// shown twice than never) and nothing panics.
pub fn take_first_run_notice(data_dir: &Path) -> Option<&'static str> {
    if let Err(e) = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(data_dir) {
        tracing::warn!("can't create {} to remember the first check-in notice: {e}", data_dir.display());
        return Some(FIRST_CHECKIN_NOTICE);
    }
    let marker = data_dir.join(MARKER_FILE);
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&marker) {
        Ok(_) => Some(FIRST_CHECKIN_NOTICE),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => None,
        Err(e) => {
            tracing::warn!("can't write {} (the notice may show again): {e}", marker.display());
            Some(FIRST_CHECKIN_NOTICE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "sonora-notice-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o700));
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn shown_the_first_time_only() {
        let dir = TempDir::new();
        assert_eq!(take_first_run_notice(&dir.0), Some(FIRST_CHECKIN_NOTICE));
        assert_eq!(take_first_run_notice(&dir.0), None);
        assert_eq!(take_first_run_notice(&dir.0), None);
        let marker = dir.0.join(MARKER_FILE);
        assert!(marker.is_file());
        assert_eq!(mode(&marker), 0o600, "the marker is private to the user");
    }

    #[test]
    fn remembered_across_restarts() {
        // A daemon restart is just another call with the same dir: the file is the memory.
        let dir = TempDir::new();
        assert!(take_first_run_notice(&dir.0).is_some());
        std::fs::write(dir.0.join("history.db"), b"").unwrap();
        assert!(take_first_run_notice(&dir.0).is_none());
    }

    #[test]
    fn creates_a_missing_data_dir_privately() {
        let dir = TempDir::new();
        let data = dir.0.join("xdg").join("sonora");
        assert!(take_first_run_notice(&data).is_some());
        assert_eq!(mode(&data), 0o700);
        assert!(take_first_run_notice(&data).is_none());
    }

    #[test]
    fn unwritable_dir_still_shows_the_notice_and_does_not_panic() {
        let dir = TempDir::new();
        // A data "dir" that is a regular file: can't be created, can't hold the marker.
        let file = dir.0.join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(take_first_run_notice(&file), Some(FIRST_CHECKIN_NOTICE));
        assert_eq!(take_first_run_notice(&file.join("sonora")), Some(FIRST_CHECKIN_NOTICE));

        // A read-only dir (root ignores permissions, so only check what holds either way).
        let ro = dir.0.join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
        assert_eq!(take_first_run_notice(&ro), Some(FIRST_CHECKIN_NOTICE));
    }

    #[test]
    fn concurrent_first_checkins_show_it_once() {
        let dir = TempDir::new();
        let shown: usize = std::thread::scope(|s| {
            let handles: Vec<_> =
                (0..8).map(|_| s.spawn(|| take_first_run_notice(&dir.0).is_some() as usize)).collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(shown, 1);
    }

    #[test]
    fn the_notice_says_what_it_must() {
        let n = FIRST_CHECKIN_NOTICE;
        assert!(n.contains("estimates") && n.contains("confidence"));
        assert!(n.contains("not a measurement of your health"));
        assert!(n.contains("not kept"));
        assert!(n.contains("sonoractl forget --all"));
        assert!(n.len() < 400, "keep it short: {} bytes", n.len());
    }
}
