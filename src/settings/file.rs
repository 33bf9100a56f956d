//! Reading and writing settings files (the file store's mechanics).
//!
//! A file that exists but cannot be opened with the current key is never
//! overwritten by [`write`]: it may hold the only copy of a refresh token.

use super::atomic::{Backup, write_atomic_with};
use super::envelope::{open, seal};
use super::error::SettingsError;
use super::format::{Document, Envelope, FORMAT, Meta, Secrets, Settings, VERSION};
use super::key::Key;
use super::lock::{lock_exclusive, lock_timeout};
use super::store::Replace;
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
    // A `Document` read in two parts, the envelope and the rest: what its
    // flattened `meta` reads, without serde's buffering of every field
    // (a third of a cached `token`'s parse).
    let mut clear = value;
    let envelope = match clear.as_object_mut().and_then(|o| o.remove("secrets")) {
        Some(v) => Envelope::deserialize(v),
        None => Err(serde::de::Error::missing_field("secrets")),
    }
    .map_err(|e: serde_json::Error| parse_err(e.to_string()))?;
    let meta = Meta::deserialize(&clear).map_err(|e| parse_err(e.to_string()))?;
    let secrets = open(key, &meta, &envelope, path)?;
    // The AAD covers the metadata as parsed; fields serde ignores or fills
    // by default would slip past it, so the clear part must also be exactly
    // what this metadata serializes to.
    if serde_json::to_value(&meta).ok().as_ref() != Some(&clear) {
        return Err(SettingsError::Damaged {
            path: path.to_path_buf(),
        });
    }
    Ok(Settings { meta, secrets })
}

/// Reads and opens the settings file at `path`. Refuses a symlink; tightens
/// a mode looser than 0600 (with a warning) since the file is ours.
pub fn read(path: &Path, key: &Key) -> Result<Settings, SettingsError> {
    let bytes = read_bytes(path)?;
    parse(&bytes, key, path)
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, SettingsError> {
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
/// `<file>.bak` (see [`save`]). Refuses to replace an existing file this key
/// cannot open.
///
/// Does not lock: call it under [`lock_exclusive`] (as renewal does), or use
/// [`replace`], which takes the lock.
pub fn write(path: &Path, key: &Key, settings: &Settings) -> Result<(), SettingsError> {
    save(path, key, settings, Replace::Readable)
}

/// Like [`write`], but replaces a file that cannot be opened (explicit
/// `--force`). The replaced file is still kept as `<file>.bak`.
pub fn write_replacing_unreadable(
    path: &Path,
    key: &Key,
    settings: &Settings,
) -> Result<(), SettingsError> {
    save(path, key, settings, Replace::Unreadable)
}

/// Writes `settings` under the settings lock: waits for a renewal in
/// progress, so that the renewal can never write the document it started
/// from over this one. Every writer that is not itself holding the lock
/// (sign-in, import, the wizard) goes through here. Never call it while
/// holding [`lock_exclusive`] for `path`: the lock is per open file, so it
/// would wait for itself.
pub fn replace(
    path: &Path,
    key: &Key,
    settings: &Settings,
    replace: Replace,
) -> Result<(), SettingsError> {
    let _lock = lock_exclusive(path, lock_timeout())?;
    save(path, key, settings, replace)
}

/// The file now at `path`, as far as this key can tell.
enum Existing {
    None,
    Readable {
        bytes: Vec<u8>,
        settings: Box<Settings>,
    },
    Unreadable(SettingsError),
}

fn existing(path: &Path, key: &Key) -> Result<Existing, SettingsError> {
    let bytes = match read_bytes(path) {
        Ok(b) => b,
        Err(SettingsError::NotFound { .. }) => return Ok(Existing::None),
        Err(e) if e.is_unreadable_file() => return Ok(Existing::Unreadable(e)),
        Err(e) => return Err(e),
    };
    match parse(&bytes, key, path) {
        Ok(settings) => Ok(Existing::Readable {
            bytes,
            settings: Box::new(settings),
        }),
        Err(e) if e.is_unreadable_file() => Ok(Existing::Unreadable(e)),
        Err(e) => Err(e),
    }
}

/// What is at a location a sign-in is about to write, so that nothing there
/// is replaced without asking.
#[derive(Debug)]
pub enum Occupant {
    Free,
    /// A connection this key opens (its metadata says whose it is).
    Connection(Box<super::format::Meta>),
    /// Something that is there but cannot be opened (another key, damaged,
    /// not ours, a symlink).
    Unreadable(SettingsError),
}

/// What is at `path`. With no key yet, anything there is unreadable.
pub fn occupant(path: &Path, key: Option<&Key>) -> Result<Occupant, SettingsError> {
    if fs::symlink_metadata(path).is_err() {
        return Ok(Occupant::Free);
    }
    let Some(key) = key else {
        return Ok(Occupant::Unreadable(SettingsError::RefuseOverwrite {
            path: path.to_path_buf(),
            reason: "there is no key here yet to open it (it was written with another key)".into(),
        }));
    };
    match existing(path, key)? {
        Existing::None => Ok(Occupant::Free),
        Existing::Readable { settings, .. } => Ok(Occupant::Connection(Box::new(settings.meta))),
        Existing::Unreadable(e) => Ok(Occupant::Unreadable(e)),
    }
}

/// Writes `settings` atomically. The previous document is kept as
/// `<file>.bak` for recovery, but never with a secret the new one dropped
/// (a client secret no longer stored, a removed password): removing a secret
/// removes it from disk, so the backup is the previous document re-sealed
/// without it. Unchanged secrets keep the previous file byte for byte. A file
/// this key cannot open is replaced only with [`Replace::Unreadable`] and is
/// then kept as it is (it may hold the only copy of a refresh token, and
/// what it holds cannot be seen).
fn save(
    path: &Path,
    key: &Key,
    settings: &Settings,
    replace: Replace,
) -> Result<(), SettingsError> {
    let new = to_bytes(key, settings)?;
    match existing(path, key)? {
        Existing::None => write_atomic_with(path, &new, Backup::None),
        Existing::Readable {
            bytes,
            settings: mut old,
        } => {
            if drop_secrets_missing_from(&mut old.secrets, &settings.secrets) {
                let resealed = to_bytes(key, &old)?;
                write_atomic_with(path, &new, Backup::Spare(&resealed))
            } else {
                write_atomic_with(path, &new, Backup::Spare(&bytes))
            }
        }
        Existing::Unreadable(e) => match replace {
            Replace::Readable => Err(SettingsError::RefuseOverwrite {
                path: path.to_path_buf(),
                reason: short_reason(&e),
            }),
            Replace::Unreadable => write_atomic_with(path, &new, Backup::Current),
        },
    }
}

/// Removes from `old` every secret that `new` does not hold; true when one went.
fn drop_secrets_missing_from(old: &mut Secrets, new: &Secrets) -> bool {
    let Secrets {
        access_token,
        refresh_token,
        id_token,
        static_token,
        client_secret,
        password,
    } = new;
    let mut dropped = false;
    for (kept, now) in [
        (&mut old.access_token, access_token),
        (&mut old.refresh_token, refresh_token),
        (&mut old.id_token, id_token),
        (&mut old.static_token, static_token),
        (&mut old.client_secret, client_secret),
        (&mut old.password, password),
    ] {
        if now.is_none() && kept.take().is_some() {
            dropped = true;
        }
    }
    dropped
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

/// Removes a settings file and what sits beside it (its backup and its
/// renewal lock); returns what was removed. Missing ones are fine.
pub fn remove(path: &Path) -> Result<Vec<std::path::PathBuf>, SettingsError> {
    let mut removed = Vec::new();
    for p in [
        path.to_path_buf(),
        super::atomic::backup_path(path),
        super::lock::lock_path(path),
    ] {
        match fs::remove_file(&p) {
            Ok(()) => removed.push(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(SettingsError::io(&p, "remove", e)),
        }
    }
    Ok(removed)
}
