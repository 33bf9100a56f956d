//! The key files themselves: reading one, and creating the default one
//! exactly once however many processes start at the same time.

use super::error::SettingsError;
use super::key::Key;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;
use zeroize::Zeroizing;

/// A key file is 65 bytes; anything much larger is the wrong file, and
/// reading it whole would be pointless.
const MAX_KEY_FILE: u64 = 4096;

/// Whether the default key could be created at `path`: the nearest
/// directory that exists takes a new file. The probe is an unnamed temp
/// file (O_TMPFILE where the OS has it), so nothing is left behind.
pub(super) fn check_creatable(path: &Path) -> Result<(), SettingsError> {
    let mut dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    loop {
        match fs::metadata(dir) {
            Ok(md) if md.is_dir() => break,
            Ok(_) => {
                return Err(SettingsError::KeyFile {
                    path: path.to_path_buf(),
                    reason: format!("cannot create it: {} is not a directory", dir.display()),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match dir.parent() {
                Some(up) if !up.as_os_str().is_empty() => dir = up,
                _ => return Ok(()),
            },
            Err(e) => return Err(SettingsError::io(dir, "inspect", e)),
        }
    }
    tempfile::tempfile_in(dir)
        .map(drop)
        .map_err(|e| SettingsError::KeyFile {
            path: path.to_path_buf(),
            reason: format!("cannot create it in {}: {e}", dir.display()),
        })
}

pub(super) enum ReadErr {
    Missing,
    Other(SettingsError),
}

pub(super) fn read_key_file(path: &Path) -> Result<Key, ReadErr> {
    let mut f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadErr::Missing),
        Err(e) => return Err(ReadErr::Other(SettingsError::io(path, "read key file", e))),
    };
    let md = f
        .metadata()
        .map_err(|e| ReadErr::Other(SettingsError::io(path, "read key file", e)))?;
    if !md.is_file() {
        return Err(ReadErr::Other(SettingsError::KeyFile {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        }));
    }
    if md.len() > MAX_KEY_FILE {
        return Err(ReadErr::Other(SettingsError::KeyFile {
            path: path.to_path_buf(),
            reason: format!("{} bytes is too large for a key file", md.len()),
        }));
    }
    let mut text = Zeroizing::new(String::new());
    f.read_to_string(&mut text).map_err(|e| {
        ReadErr::Other(SettingsError::KeyFile {
            path: path.to_path_buf(),
            reason: format!("cannot read it as text: {e}"),
        })
    })?;
    Key::parse_text(&text).map_err(|r| {
        ReadErr::Other(SettingsError::KeyFile {
            path: path.to_path_buf(),
            reason: format!("{r}; it must hold 32 bytes as 64 hex characters or base64"),
        })
    })
}

pub(super) fn load_or_create_default(path: &Path) -> Result<Key, SettingsError> {
    // A concurrent creator may have the name linked but we never see a
    // partial file (see create_default), so a few retries only cover the
    // fallback path on filesystems without hard links.
    for attempt in 0..20 {
        match read_key_file(path) {
            Ok(k) => {
                fix_default_mode(path);
                return Ok(k);
            }
            Err(ReadErr::Missing) => match create_default(path)? {
                Some(k) => return Ok(k),
                None => continue, // lost the race: read the winner's key
            },
            Err(ReadErr::Other(SettingsError::KeyFile { .. })) if attempt < 19 => {
                // Possibly a half-written key from the non-atomic fallback.
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(ReadErr::Other(e)) => return Err(e),
        }
    }
    read_key_file(path).map_err(|e| match e {
        ReadErr::Missing => SettingsError::KeyFile {
            path: path.to_path_buf(),
            reason: "it keeps disappearing while being created".into(),
        },
        ReadErr::Other(e) => e,
    })
}

/// Group/other access to the default key defeats its purpose; it is ours, so
/// fix it rather than fail.
pub(super) fn fix_default_mode(path: &Path) {
    if let Ok(md) = fs::metadata(path)
        && md.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", md.permissions().mode() & 0o777),
            "key file was readable by others; setting mode 0600"
        );
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
    }
}

/// Creates the default key file. Returns `None` when another process created
/// it first (the caller then reads that one), so two first runs agree on one key.
fn create_default(path: &Path) -> Result<Option<Key>, SettingsError> {
    let key = Key::generate().map_err(|e| SettingsError::KeyFile {
        path: path.to_path_buf(),
        reason: format!("cannot get random bytes from the OS: {e}"),
    })?;
    Ok(create_with(path, &key)?.then_some(key))
}

/// Creates the key file at `path` holding `key`, in a directory made 0700
/// if missing. `false` when a file of that name exists already (left as it is).
pub(super) fn create_with(path: &Path, key: &Key) -> Result<bool, SettingsError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| SettingsError::io(dir, "create directory", e))?;
    let text = key.to_file_text();

    // Write a complete temp file, then hard-link it into place: link() fails
    // if the name exists, so creation is exclusive and readers never see a
    // partial key.
    let mut tmp = tempfile::Builder::new()
        .prefix(".key.")
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| SettingsError::io(dir, "create key file in", e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| SettingsError::io(path, "write key file", e))?;
    match fs::hard_link(tmp.path(), path) {
        Ok(()) => {
            sync_dir(dir);
            tracing::info!(path = %path.display(), "created a settings key file");
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) => create_new_fallback(path, &text),
    }
}

/// For filesystems without hard links: create_new is still exclusive, but a
/// concurrent reader may see the file before it is filled (handled by retries).
fn create_new_fallback(path: &Path, text: &str) -> Result<bool, SettingsError> {
    let mut f = match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(SettingsError::io(path, "create key file", e)),
    };
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| SettingsError::io(path, "write key file", e))?;
    Ok(true)
}

pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
