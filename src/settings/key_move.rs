//! Moving a config dir's own key between the key file and the OS keyring.
//! The key itself does not change, so every settings file stays readable;
//! the old copy goes only once the new one has been read back equal.

use super::error::SettingsError;
use super::key::Key;
use super::key_file::{ReadErr, create_with, read_key_file, sync_dir};
use super::key_keyring::KeyringKey;
use super::key_store::{self, KeyStore};
use super::lock::{lock_exclusive, lock_timeout};
use crate::paths;
use std::fs;
use std::path::{Path, PathBuf};

/// What a move did.
#[derive(Debug, PartialEq, Eq)]
pub enum Moved {
    /// The key is now in the other store and the old copy is gone.
    Moved,
    /// It was there already (a leftover old copy, if any, was removed).
    AlreadyThere,
}

/// Moves the key of `config_dir` to `to`, from the store recorded for it.
pub fn move_key(config_dir: &Path, to: KeyStore) -> Result<Moved, SettingsError> {
    let file = paths::key_file(config_dir);
    let keyring = KeyringKey::for_config_dir(config_dir);
    // One mover or first creator at a time.
    let _lock = lock_exclusive(&file, lock_timeout())?;
    match (key_store::recorded(config_dir)?, to) {
        (KeyStore::File, KeyStore::Keyring) => {
            let key =
                read_file(&file)?.ok_or_else(|| SettingsError::NoKey { path: file.clone() })?;
            match keyring.read()? {
                Some(there) if there != key => return Err(differs(&keyring.describe(), &file)),
                Some(_) => {}
                None => keyring.write_verified(&key)?,
            }
            key_store::record(config_dir, KeyStore::Keyring)?;
            remove_file(&file, &keyring.describe())?;
            Ok(Moved::Moved)
        }
        (KeyStore::Keyring, KeyStore::File) => {
            let key = keyring.read()?.ok_or_else(|| SettingsError::NoKeyringKey {
                entry: keyring.describe(),
            })?;
            write_file_verified(&file, &key, &keyring)?;
            key_store::record(config_dir, KeyStore::File)?;
            keyring
                .delete()
                .map_err(|e| left_behind(&file.display().to_string(), &e))?;
            Ok(Moved::Moved)
        }
        (KeyStore::Keyring, KeyStore::Keyring) => {
            // A move interrupted after the record leaves the file behind.
            if let (Some(old), Some(key)) = (read_file(&file)?, keyring.read()?)
                && old == key
            {
                remove_file(&file, &keyring.describe())?;
            }
            Ok(Moved::AlreadyThere)
        }
        (KeyStore::File, KeyStore::File) => Ok(Moved::AlreadyThere),
    }
}

fn read_file(path: &Path) -> Result<Option<Key>, SettingsError> {
    match read_key_file(path) {
        Ok(k) => Ok(Some(k)),
        Err(ReadErr::Missing) => Ok(None),
        Err(ReadErr::Other(e)) => Err(e),
    }
}

/// Writes `key` to a new key file and reads it back; a file that comes back
/// different is removed again (the keyring copy stays the only one).
fn write_file_verified(path: &PathBuf, key: &Key, from: &KeyringKey) -> Result<(), SettingsError> {
    let created = create_with(path, key)?;
    match read_file(path)? {
        Some(back) if back == *key => Ok(()),
        Some(_) if !created => Err(differs(&from.describe(), path)),
        _ => {
            if created {
                let _ = fs::remove_file(path);
            }
            Err(SettingsError::KeyFile {
                path: path.clone(),
                reason:
                    "the key read back differs from the key written; the key stays in the keyring"
                        .into(),
            })
        }
    }
}

fn remove_file(path: &Path, now_in: &str) -> Result<(), SettingsError> {
    fs::remove_file(path)
        .map_err(|e| left_behind(now_in, &SettingsError::io(path, "remove", e)))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

fn differs(a: &str, file: &Path) -> SettingsError {
    SettingsError::KeyStoreConflict(format!(
        "the {a} and the key file {} hold different keys; nothing was moved. Settings files open only with the key they were written with: keep the one they need and remove the other by hand",
        file.display()
    ))
}

fn left_behind(now_in: &str, e: &SettingsError) -> SettingsError {
    SettingsError::KeyStoreConflict(format!(
        "the key is now in {now_in} and is used from there, but the old copy could not be removed ({e}); remove it by hand"
    ))
}
