//! Crash-safe replacement of a file: readers see the old file or the new
//! one, never a mix, and the previous version survives as `<file>.bak`.

use super::error::SettingsError;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Temp files younger than this may belong to a writer that is still running.
const STALE_AFTER: Duration = Duration::from_secs(60);
/// A writer locks its temp file right after creating it; one that is unlocked
/// and older than this belongs to a writer that died (e.g. kill -9).
const ORPHAN_AFTER: Duration = Duration::from_secs(1);

/// `<file>.bak` next to `path`.
pub fn backup_path(path: &Path) -> PathBuf {
    with_suffix(path, ".bak")
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> Result<OsString, SettingsError> {
    path.file_name()
        .map(|n| n.to_owned())
        .ok_or_else(|| SettingsError::Io {
            path: path.to_path_buf(),
            action: "write",
            source: io::Error::new(io::ErrorKind::InvalidInput, "path does not name a file"),
        })
}

/// Creates `dir` (and parents) with mode 0700 when missing. Existing
/// directories belong to the user and are left as they are.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), SettingsError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| SettingsError::io(dir, "create directory", e))
}

/// What [`write_atomic_with`] keeps as `<file>.bak`.
#[derive(Debug, Clone, Copy)]
pub enum Backup<'a> {
    /// The file being replaced, as it is (when it is a regular file).
    Current,
    /// These bytes: the previous version as the caller wants it kept (e.g.
    /// without secrets the new version dropped).
    Bytes(&'a [u8]),
    /// These bytes if the backup can be written; if not (a `.bak` another
    /// user planted in a shared sticky directory, a directory in its
    /// place), the new version is written all the same and the failure
    /// logged. For a previous version the new one supersedes: losing the
    /// backup is better than losing a token a renewal already got.
    Spare(&'a [u8]),
    /// No backup; an existing one is left as it is.
    None,
}

/// Atomically replaces `path` with `bytes` (mode 0600), keeping the replaced
/// file as `<file>.bak`. Refuses a symlink at `path`. On error the old file
/// is untouched and no temp file is left.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SettingsError> {
    write_atomic_with(path, bytes, Backup::Current)
}

/// [`write_atomic`] with a choice of what the backup holds.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    backup: Backup<'_>,
) -> Result<(), SettingsError> {
    let existing = match fs::symlink_metadata(path) {
        Ok(md) if md.file_type().is_symlink() => {
            return Err(SettingsError::Symlink {
                path: path.to_path_buf(),
            });
        }
        Ok(md) => Some(md),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(SettingsError::io(path, "inspect", e)),
    };
    let name = file_name(path)?;
    let dir = parent_dir(path);
    ensure_dir(dir)?;
    cleanup_stale_temps(dir, &name);

    let tmp = complete_temp(dir, &name, path, bytes)?;
    let current;
    let backup_bytes = match backup {
        Backup::Current if existing.is_some_and(|md| md.is_file()) => {
            current = read_current(path)?;
            current.as_deref()
        }
        Backup::Current | Backup::None => None,
        Backup::Bytes(b) => Some(b),
        Backup::Spare(b) => {
            if let Err(e) = write_backup(dir, &name, path, b) {
                tracing::warn!(error = %e, "no backup kept; writing the new version anyway");
            }
            None
        }
    };
    if let Some(b) = backup_bytes {
        write_backup(dir, &name, path, b)?;
    }

    tmp.persist(path)
        .map_err(|e| SettingsError::io(path, "rename", e.error))?;
    sync_dir(dir)
}

/// A temp file `.<name>.XXXX.tmp` in `dir` holding `bytes`, synced, mode
/// 0600, locked while its writer lives (see [`cleanup_stale_temps`]). It is
/// created exclusively under a random name, so nothing planted in a shared
/// directory is opened or followed; it deletes itself when dropped.
fn complete_temp(
    dir: &Path,
    name: &std::ffi::OsStr,
    path: &Path,
    bytes: &[u8],
) -> Result<tempfile::NamedTempFile, SettingsError> {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| SettingsError::io(dir, "create a temporary file in", e))?;
    // Held until the file is renamed or removed: tells cleanup_stale_temps
    // in other processes that this writer is alive. Best effort (some
    // filesystems have no flock; the age rule still applies there).
    let _ = tmp.as_file().try_lock();
    tmp.write_all(bytes)
        .and_then(|_| tmp.flush())
        .map_err(|e| SettingsError::io(path, "write", e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| SettingsError::io(path, "fsync", e))?;
    Ok(tmp)
}

/// The file at `path` as it is now, or `None` when it is gone or is no
/// longer a regular file (a racer swapped it: nothing of ours to keep).
fn read_current(path: &Path) -> Result<Option<Vec<u8>>, SettingsError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path);
    let mut f = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ELOOP) => {
            return Ok(None);
        }
        Err(e) => return Err(SettingsError::io(path, "read", e)),
    };
    let md = f
        .metadata()
        .map_err(|e| SettingsError::io(path, "read", e))?;
    if !md.is_file() {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(md.len() as usize);
    f.read_to_end(&mut bytes)
        .map_err(|e| SettingsError::io(path, "read", e))?;
    Ok(Some(bytes))
}

/// Writes `<file>.bak` the way the file itself is written: a fresh temp file
/// renamed over it. rename() replaces whatever is at the name (a symlink a
/// racer planted included) and never follows it, and no chmod is needed on a
/// name someone else could swap.
fn write_backup(
    dir: &Path,
    name: &std::ffi::OsStr,
    path: &Path,
    bytes: &[u8],
) -> Result<(), SettingsError> {
    let bak = backup_path(path);
    let mut bak_name = name.to_owned();
    bak_name.push(".bak");
    let tmp = complete_temp(dir, &bak_name, &bak, bytes)?;
    tmp.persist(&bak)
        .map_err(|e| SettingsError::io(&bak, "write backup", e.error))?;
    Ok(())
}

/// Whether a new version of `path` could be written now: a temporary file
/// can be created next to it (then removed). Checked before spending
/// anything that cannot be had twice, such as a rotating refresh token.
pub fn check_writable(path: &Path) -> Result<(), SettingsError> {
    let name = file_name(path)?;
    let dir = parent_dir(path);
    let mut prefix = OsString::from(".");
    prefix.push(&name);
    prefix.push(".");
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| SettingsError::io(dir, "create a temporary file in", e))
}

fn sync_dir(dir: &Path) -> Result<(), SettingsError> {
    let d = fs::File::open(dir).map_err(|e| SettingsError::io(dir, "open directory", e))?;
    match d.sync_all() {
        Ok(()) => Ok(()),
        // Some filesystems cannot fsync a directory; the rename already happened.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(SettingsError::io(dir, "fsync directory", e)),
    }
}

/// Removes `.<file_name>.*.tmp` files in `dir` that a writer killed
/// mid-write left behind: those no live writer holds locked (older than a
/// second), and any older than a minute. Best effort; returns how many went.
pub fn cleanup_stale_temps(dir: &Path, file_name: &std::ffi::OsStr) -> usize {
    let Some(name) = file_name.to_str() else {
        return 0;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let n = entry.file_name();
        let Some(n) = n.to_str() else { continue };
        if !(n.starts_with(&prefix) && n.ends_with(".tmp")) {
            continue;
        }
        let Ok(md) = entry.metadata() else { continue };
        if !md.is_file() {
            continue;
        }
        let age = md
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        let stale = age > STALE_AFTER || (age > ORPHAN_AFTER && !writer_alive(&entry.path()));
        if stale && fs::remove_file(entry.path()).is_ok() {
            tracing::debug!(path = %entry.path().display(), "removed stale temp file");
            removed += 1;
        }
    }
    removed
}

/// Whether a writer still holds `tmp` locked. Unknown counts as alive.
fn writer_alive(tmp: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(f) = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK)
        .open(tmp)
    else {
        return true;
    };
    !matches!(f.try_lock(), Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_backs_up() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub").join("s.json");
        write_atomic(&p, b"one").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert!(!backup_path(&p).exists());
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read(backup_path(&p)).unwrap(), b"one");
        write_atomic(&p, b"three").unwrap();
        assert_eq!(fs::read(backup_path(&p)).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temp files left: {names:?}");
    }

    #[test]
    fn stale_temps_removed_fresh_kept() {
        let d = tempfile::tempdir().unwrap();
        let stale = d.path().join(".s.json.abc.tmp");
        let fresh = d.path().join(".s.json.def.tmp");
        let other = d.path().join(".t.json.abc.tmp");
        for p in [&stale, &fresh, &other] {
            fs::write(p, b"x").unwrap();
        }
        let old = SystemTime::now() - Duration::from_secs(3600);
        for p in [&stale, &other] {
            fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        assert_eq!(cleanup_stale_temps(d.path(), "s.json".as_ref()), 1);
        assert!(!stale.exists());
        assert!(fresh.exists());
        assert!(other.exists());
    }
}
