//! Exclusive lock on a settings file, held on a stable sidecar `<file>.lock`.
//!
//! The lock is on the sidecar, not the settings file, because the settings
//! file is replaced by rename: a lock on the old inode would not exclude a
//! process that opened the new one. The sidecar is never deleted for the
//! same reason. It is an OS lock (flock), so a killed holder releases it.
//!
//! Locks belong to an open file: taking the lock twice in one process with
//! two guards blocks until the timeout. Take it once per read-modify-write, and
//! write under it with `file::write` (`file::replace` takes it itself).

use super::atomic::{ensure_dir, parent_dir, with_suffix};
use super::error::SettingsError;
use std::fs::{self, File, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FIRST_SLEEP: Duration = Duration::from_millis(2);
/// Waiters poll (flock has no timeout); a short cap keeps the delay between
/// the holder's release and a waiter's next try small, which is what many
/// processes waiting for one token renewal notice.
const MAX_SLEEP: Duration = Duration::from_millis(10);

/// How long to wait for another process's renewal (or write) by default.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The lock wait in force: `OAUTH_SETUP_LOCK_TIMEOUT` (seconds) overrides
/// [`LOCK_TIMEOUT`].
pub fn lock_timeout() -> Duration {
    std::env::var("OAUTH_SETUP_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s >= 0.0 && s.is_finite())
        .map(Duration::from_secs_f64)
        .unwrap_or(LOCK_TIMEOUT)
}

/// `<file>.lock` next to the settings file.
pub fn lock_path(settings_path: &Path) -> PathBuf {
    with_suffix(settings_path, ".lock")
}

/// Holds the exclusive lock until dropped.
#[derive(Debug)]
pub struct SettingsLock {
    file: File,
    path: PathBuf,
}

impl SettingsLock {
    /// The sidecar lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SettingsLock {
    fn drop(&mut self) {
        // Closing the file releases it too; unlocking first makes the release
        // independent of any other handle to the same open file.
        let _ = self.file.unlock();
    }
}

/// Takes the exclusive lock for `settings_path`, waiting up to `timeout`.
pub fn lock_exclusive(
    settings_path: &Path,
    timeout: Duration,
) -> Result<SettingsLock, SettingsError> {
    let path = lock_path(settings_path);
    let file = open_lock_file(&path)?;
    let start = Instant::now();
    let mut sleep = FIRST_SLEEP;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(SettingsLock { file, path }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(SettingsError::io(&path, "lock", e)),
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(SettingsError::LockTimeout { path, waited });
        }
        std::thread::sleep(sleep.min(timeout - waited));
        sleep = (sleep * 2).min(MAX_SLEEP);
    }
}

fn open_lock_file(path: &Path) -> Result<File, SettingsError> {
    ensure_dir(parent_dir(path))?;
    // O_NOFOLLOW: a symlink planted at the lock path must not make us create
    // or open some other file.
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                SettingsError::Symlink {
                    path: path.to_path_buf(),
                }
            } else {
                SettingsError::io(path, "open lock file", e)
            }
        })
}
