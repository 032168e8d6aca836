//! One daemon per user: an exclusive `flock` on a lock file beside the socket.
//!
//! A lock (not the socket's existence) decides, because a crashed daemon leaves its socket file
//! behind but the kernel always releases its lock.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Held for the daemon's lifetime; the kernel releases the lock when the process ends.
pub struct InstanceLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("sonorad is already running for this user (lock {0}); use `sonoractl status` to talk to it")]
    AlreadyRunning(PathBuf),
    #[error("cannot create the lock file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

pub fn acquire(socket: &Path) -> Result<InstanceLock, InstanceError> {
    let path = socket.with_extension("lock");
    if let Some(dir) = path.parent() {
        secure_dir(dir).map_err(|e| InstanceError::Io { path: dir.to_path_buf(), source: e })?;
    }
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .custom_flags(libc::O_NOFOLLOW)
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| InstanceError::Io { path: path.clone(), source: e })?;
    // SAFETY: flock on a valid, owned descriptor.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        return Err(InstanceError::AlreadyRunning(path));
    }
    Ok(InstanceLock { _file: file })
}

/// Creates the runtime folder (0700) and makes sure it is a real folder owned by this user, so
/// another user cannot pre-create it (the fallback lives in a shared temp dir) or plant a link.
fn secure_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    match std::fs::create_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    // SAFETY: getuid has no preconditions.
    let me = unsafe { libc::getuid() };
    if !meta.is_dir() || meta.uid() != me {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{} is not a folder owned by you (uid {me}); refusing to use it", dir.display()),
        ));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}
