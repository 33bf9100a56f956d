//! Reading and writing settings files (the file store's mechanics).
//!
//! A file that exists but cannot be opened with the current key is never
//! overwritten by [`write`]: it may hold the only copy of a refresh token.

use super::atomic::write_atomic;
use super::envelope::{open, seal};
use super::error::SettingsError;
use super::format::{Document, FORMAT, Settings, VERSION};
use super::key::Key;
use super::lock::lock_exclusive;
use serde::Deserialize;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// Real files are a few KiB; a huge one is not ours and is not read whole.
const MAX_FILE: u64 = 1 << 20;

/// Parses and opens file bytes. `path` only names the file in errors.
pub fn parse(bytes: &[u8], key: &Key, path: &Path) -> Result<Settings, SettingsError> {
    let parse_err = |reason: String| SettingsError::Parse {
        path: path.to_path_buf(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| parse_err(format!("invalid JSON: {e}")))?;
    // format and version first: a newer or foreign file must be reported as
    // such, not as whatever field happens to fail deserializing.
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(SettingsError::WrongFormat {
            path: path.to_path_buf(),
        });
    }
    let version = value
        .get("version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| parse_err("`version` is missing or not a positive number".into()))?;
    if version > u64::from(VERSION) {
        return Err(SettingsError::UnknownVersion {
            path: path.to_path_buf(),
            version,
            supported: VERSION,
        });
    }
    if version == 0 {
        return Err(parse_err(
            "version 0 was never written by oauth-setup".into(),
        ));
    }
    let doc = Document::deserialize(&value).map_err(|e| parse_err(e.to_string()))?;
    let secrets = open(key, &doc.meta, &doc.secrets, path)?;
    // The AAD covers the metadata as parsed; fields serde ignores or fills
    // by default would slip past it, so the clear part must also be exactly
    // what this metadata serializes to.
    let mut clear = value;
    if let Some(obj) = clear.as_object_mut() {
        obj.remove("secrets");
    }
    if serde_json::to_value(&doc.meta).ok().as_ref() != Some(&clear) {
        return Err(SettingsError::Damaged {
            path: path.to_path_buf(),
        });
    }
    Ok(Settings {
        meta: doc.meta,
        secrets,
    })
}

/// Reads and opens the settings file at `path`. Refuses a symlink; tightens
/// a mode looser than 0600 (with a warning) since the file is ours.
pub fn read(path: &Path, key: &Key) -> Result<Settings, SettingsError> {
    let bytes = read_bytes(path)?;
    parse(&bytes, key, path)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, SettingsError> {
    // lstat before open so a FIFO or device is never opened (open would block).
    match fs::symlink_metadata(path) {
        Ok(md) if md.file_type().is_symlink() => {
            return Err(SettingsError::Symlink {
                path: path.to_path_buf(),
            });
        }
        Ok(md) if !md.is_file() => {
            return Err(SettingsError::Parse {
                path: path.to_path_buf(),
                reason: "not a regular file".into(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(SettingsError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(SettingsError::io(path, "read", e)),
    }
    // O_NOFOLLOW closes the gap between the lstat above and this open.
    let mut f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => SettingsError::Symlink {
                path: path.to_path_buf(),
            },
            _ if e.kind() == io::ErrorKind::NotFound => SettingsError::NotFound {
                path: path.to_path_buf(),
            },
            _ => SettingsError::io(path, "read", e),
        })?;
    let md = f
        .metadata()
        .map_err(|e| SettingsError::io(path, "read", e))?;
    let mode = md.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{mode:o}"),
            "settings file was accessible by others; setting mode 0600"
        );
        if let Err(e) = f.set_permissions(fs::Permissions::from_mode(0o600)) {
            tracing::warn!(path = %path.display(), error = %e, "cannot set mode 0600");
        }
    }
    if md.len() > MAX_FILE {
        return Err(SettingsError::Parse {
            path: path.to_path_buf(),
            reason: format!("{} bytes is far too large for a settings file", md.len()),
        });
    }
    let mut bytes = Vec::with_capacity(md.len() as usize);
    f.by_ref()
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SettingsError::io(path, "read", e))?;
    Ok(bytes)
}

/// The file bytes for `settings`: pretty JSON, trailing newline, secrets
/// freshly sealed. Always writes the current format and version, and only
/// metadata that passes [`Meta::validate`](super::Meta::validate).
pub fn to_bytes(key: &Key, settings: &Settings) -> Result<Vec<u8>, SettingsError> {
    let mut meta = settings.meta.clone();
    meta.format = FORMAT.to_string();
    meta.validate()?;
    meta.version = VERSION;
    let secrets = seal(key, &meta, &settings.secrets);
    let doc = Document { meta, secrets };
    let mut out = serde_json::to_vec_pretty(&doc)
        .expect("Document serializes to JSON (only strings, numbers, maps)");
    out.push(b'\n');
    // Never write what `read` would refuse.
    if out.len() as u64 > MAX_FILE {
        return Err(SettingsError::TooLarge { size: out.len() });
    }
    Ok(out)
}

/// Writes `settings` to `path` atomically, keeping the previous version as
/// `<file>.bak`. Refuses to replace an existing file this key cannot open.
///
/// Does not lock: a read-modify-write must hold [`lock_exclusive`] around
/// both (see [`update`]).
pub fn write(path: &Path, key: &Key, settings: &Settings) -> Result<(), SettingsError> {
    match read(path, key) {
        Ok(_) | Err(SettingsError::NotFound { .. }) => {}
        Err(e) if e.is_unreadable_file() => {
            return Err(SettingsError::RefuseOverwrite {
                path: path.to_path_buf(),
                reason: short_reason(&e),
            });
        }
        Err(e) => return Err(e),
    }
    write_atomic(path, &to_bytes(key, settings)?)
}

/// Like [`write`], but replaces a file that cannot be opened (explicit
/// `--force`). The replaced file is still kept as `<file>.bak`.
pub fn write_replacing_unreadable(
    path: &Path,
    key: &Key,
    settings: &Settings,
) -> Result<(), SettingsError> {
    write_atomic(path, &to_bytes(key, settings)?)
}

/// Locked read-modify-write: takes the lock, reads the current file, lets
/// `change` modify it, writes it back, releases the lock.
pub fn update<T>(
    path: &Path,
    key: &Key,
    timeout: Duration,
    change: impl FnOnce(&mut Settings) -> T,
) -> Result<T, SettingsError> {
    let _lock = lock_exclusive(path, timeout)?;
    let mut settings = read(path, key)?;
    let out = change(&mut settings);
    write(path, key, &settings)?;
    Ok(out)
}

fn short_reason(e: &SettingsError) -> String {
    match e {
        SettingsError::WrongKey {
            file_key_id,
            key_id,
            ..
        } => format!(
            "it was written with another key (file key id {file_key_id}, current key id {key_id})"
        ),
        SettingsError::Damaged { .. } => "it fails authentication (edited or corrupt)".into(),
        SettingsError::Parse { reason, .. } => format!("it cannot be parsed ({reason})"),
        SettingsError::WrongFormat { .. } => "it is not an oauth-setup settings file".into(),
        SettingsError::UnknownVersion { version, .. } => {
            format!("it has version {version}, written by a newer oauth-setup")
        }
        SettingsError::UnknownAlg { alg, .. } => format!("it uses unknown algorithm `{alg}`"),
        other => other.to_string(),
    }
}
