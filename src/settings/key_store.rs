//! Which store keeps a config dir's own key: the key file (the default) or
//! the OS keyring. A dir has one store; choosing the keyring for a fresh dir,
//! or `key move`, records it in `<config>/key-store` so that later commands
//! find the key without the flag.

use super::atomic::{Backup, write_atomic_with};
use super::error::SettingsError;
use super::key_keyring::KeyringKey;
use std::fs;
use std::io;
use std::path::Path;

/// Env var choosing the store (`file` or `keyring`), like `--key-store`.
pub const ENV_KEY_STORE: &str = "OAUTH_SETUP_KEY_STORE";

const KEYRING_WORD: &str = "keyring";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStore {
    /// `<config>/key`, mode 0600.
    File,
    /// Secret Service, Keychain or Credential Manager.
    Keyring,
}

impl KeyStore {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStore::File => "file",
            KeyStore::Keyring => KEYRING_WORD,
        }
    }
}

/// The store recorded for `config_dir` (absent record: the key file).
pub fn recorded(config_dir: &Path) -> Result<KeyStore, SettingsError> {
    let path = crate::paths::key_store_file(config_dir);
    match fs::read_to_string(&path) {
        Ok(text) if text.trim() == KEYRING_WORD => Ok(KeyStore::Keyring),
        Ok(_) => Err(SettingsError::KeyStoreRecord {
            path,
            reason: format!(
                "it must hold the word `{KEYRING_WORD}` (remove it if the key is in <config dir>/key)"
            ),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(KeyStore::File),
        Err(e) => Err(SettingsError::io(path, "read", e)),
    }
}

/// Records `store` for `config_dir`: the file store is the absence of a record.
pub fn record(config_dir: &Path, store: KeyStore) -> Result<(), SettingsError> {
    let path = crate::paths::key_store_file(config_dir);
    match store {
        KeyStore::Keyring => {
            write_atomic_with(&path, format!("{KEYRING_WORD}\n").as_bytes(), Backup::None)
        }
        KeyStore::File => match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SettingsError::io(path, "remove", e)),
        },
    }
}

/// A config dir has one store: a new key file beside a key recorded as in
/// the keyring would be a second key that the settings do not open.
pub(super) fn check_not_in_keyring(key_path: &Path) -> Result<(), SettingsError> {
    let dir = key_path.parent().unwrap_or(Path::new("."));
    if key_path == crate::paths::key_file(dir) && recorded(dir)? == KeyStore::Keyring {
        return Err(SettingsError::KeyStoreConflict(format!(
            "this configuration directory keeps its key in the OS keyring ({} says so), so --key-store file would start a second key; drop --key-store file, or move the key with `oauth-setup key move --to file`",
            crate::paths::key_store_file(dir).display()
        )));
    }
    Ok(())
}

/// The keyring twin of [`check_not_in_keyring`]: an existing key file means
/// the settings here were sealed with it.
pub(super) fn check_no_key_file(k: &KeyringKey) -> Result<(), SettingsError> {
    let file = crate::paths::key_file(k.config_dir());
    if file.exists() {
        return Err(SettingsError::KeyStoreConflict(format!(
            "this configuration directory's key is in the file {}, and the keyring holds none; move it there with `oauth-setup key move --to keyring`, or choose --key-store file",
            file.display()
        )));
    }
    Ok(())
}

pub(super) fn no_keyring_key(k: &KeyringKey) -> SettingsError {
    if crate::paths::key_file(k.config_dir()).exists() {
        return check_no_key_file(k).unwrap_err();
    }
    SettingsError::NoKeyringKey {
        entry: k.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_and_rejects_other_words() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(recorded(dir.path()).unwrap(), KeyStore::File);
        record(dir.path(), KeyStore::Keyring).unwrap();
        assert_eq!(recorded(dir.path()).unwrap(), KeyStore::Keyring);
        record(dir.path(), KeyStore::File).unwrap();
        assert!(!crate::paths::key_store_file(dir.path()).exists());
        record(dir.path(), KeyStore::File).unwrap();
        fs::write(crate::paths::key_store_file(dir.path()), "vault\n").unwrap();
        let e = recorded(dir.path()).unwrap_err().to_string();
        assert!(e.contains("must hold the word `keyring`"), "{e}");
    }

    #[test]
    fn one_store_per_config_dir() {
        use crate::settings::key::{KeySource, plan_key};
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path();
        let flag = cfg.join("given");
        let e = KeySource::choose(Some(&flag), Some(KeyStore::Keyring), cfg).unwrap_err();
        assert!(matches!(e, SettingsError::KeyStoreConflict(_)), "{e}");
        assert!(matches!(
            KeySource::choose(Some(&flag), None, cfg).unwrap(),
            KeySource::File(_)
        ));
        record(cfg, KeyStore::Keyring).unwrap();
        assert!(matches!(
            KeySource::choose(None, None, cfg).unwrap(),
            KeySource::Keyring(_)
        ));
        // The file store asked for beside a keyring key: refused, nothing created.
        let file = KeySource::choose(None, Some(KeyStore::File), cfg).unwrap();
        let e = plan_key(&file).unwrap_err().to_string();
        assert!(e.contains("key move --to file"), "{e}");
        assert!(!crate::paths::key_file(cfg).exists());
    }
}
