//! Errors of the settings store. Every message names the file and says what
//! to do next; none ever carries a secret value (only paths, key ids and
//! reasons produced by this module).

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("no settings file at {path}: run `oauth-setup login PROVIDER --settings {path}` first")]
    NotFound { path: PathBuf },

    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "refusing to use {path}: it is a symbolic link; point --settings at the real file instead"
    )]
    Symlink { path: PathBuf },

    #[error(
        "cannot decrypt {path}: the file was written with another key (file key id {file_key_id}, \
         current key id {key_id}); set OAUTH_SETUP_KEY or --key-file to the key it was written \
         with, or log in again"
    )]
    WrongKey {
        path: PathBuf,
        file_key_id: String,
        key_id: String,
    },

    #[error(
        "{path} failed authentication with the right key: the file was edited by hand or is \
         corrupt; the previous version is in {path}.bak if present, otherwise log in again"
    )]
    Damaged { path: PathBuf },

    #[error(
        "{path} is not a valid settings file ({reason}): it may be truncated; the previous \
         version is in {path}.bak if present, otherwise log in again"
    )]
    Parse { path: PathBuf, reason: String },

    #[error("{path} is not an oauth-setup settings file (missing or wrong `format` field)")]
    WrongFormat { path: PathBuf },

    #[error(
        "{path} has settings version {version}, this build reads up to {supported}: it was \
         written by a newer oauth-setup; upgrade oauth-setup"
    )]
    UnknownVersion {
        path: PathBuf,
        version: u64,
        supported: u32,
    },

    #[error(
        "timed out after {} s waiting for the lock {path}: another oauth-setup process \
         holds it (it is released when that process exits); try again \
         (OAUTH_SETUP_LOCK_TIMEOUT=SECONDS waits longer)",
        (waited.as_millis() + 500) / 1000
    )]
    LockTimeout { path: PathBuf, waited: Duration },

    #[error(
        "no key yet at {path}: nothing has been saved with this configuration directory, so \
         there is nothing to open; sign in first, or give the key the settings were written with"
    )]
    NoKey { path: PathBuf },

    #[error("key file {path}: {reason}")]
    KeyFile { path: PathBuf, reason: String },

    #[error(
        "the OS keyring is not available: {reason}. The key store is `keyring` (--key-store / \
         OAUTH_SETUP_KEY_STORE) and no key file is used instead: start or unlock a keyring \
         ({hint}), or choose --key-store file"
    )]
    KeyringUnavailable { reason: String, hint: &'static str },

    #[error("the key in the {entry}: {reason}")]
    KeyringKey { entry: String, reason: String },

    #[error(
        "no key yet in the {entry}: nothing has been saved with this \
         configuration directory and the keyring, so there is nothing to open; sign in first, or \
         give the key the settings were written with"
    )]
    NoKeyringKey { entry: String },

    #[error("{path}: {reason}")]
    KeyStoreRecord { path: PathBuf, reason: String },

    #[error("{0}")]
    KeyStoreConflict(String),

    #[error(
        "OAUTH_SETUP_KEY is not usable ({reason}): it must be 32 bytes given as 64 hex \
         characters or as base64"
    )]
    BadKeyEnv { reason: String },

    #[error(
        "refusing to overwrite {path}: {reason}; it is left untouched. Fix the key or move the \
         file away (or pass --force to replace it)"
    )]
    RefuseOverwrite { path: PathBuf, reason: String },

    #[error(
        "{path}: unsupported encryption algorithm `{alg}` (this build knows XChaCha20-Poly1305); \
         upgrade oauth-setup"
    )]
    UnknownAlg { path: PathBuf, alg: String },

    #[error(transparent)]
    Vault(#[from] super::vault::VaultError),

    #[error(
        "nothing was written: the settings would be {size} bytes, over the 1 MiB a settings file may have (a token or secret is far too large)"
    )]
    TooLarge { size: usize },

    #[error("nothing was written: {0}")]
    Invalid(#[from] super::validate::MetaError),
}

impl SettingsError {
    /// True when the file exists but this key cannot open it: such files must
    /// never be overwritten silently.
    pub fn is_unreadable_file(&self) -> bool {
        matches!(
            self,
            SettingsError::WrongKey { .. }
                | SettingsError::Damaged { .. }
                | SettingsError::Parse { .. }
                | SettingsError::WrongFormat { .. }
                | SettingsError::UnknownVersion { .. }
                | SettingsError::UnknownAlg { .. }
        )
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        SettingsError::Io {
            path: path.into(),
            action,
            source,
        }
    }
}
