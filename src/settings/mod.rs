//! The OAuthSettings document and where it is kept: format, envelope
//! encryption, key, the file store (atomic write, sidecar lock) and the
//! [`Store`] seam that renewal goes through.

pub mod atomic;
pub mod envelope;
pub mod error;
pub mod file;
pub mod format;
pub mod key;
mod key_file;
pub mod key_keyring;
pub mod key_move;
pub mod key_store;
pub mod known;
pub mod lock;
pub mod renewal;
pub mod store;
pub mod validate;
pub mod vault;

pub use atomic::{Backup, backup_path, cleanup_stale_temps, write_atomic, write_atomic_with};
pub use envelope::{aad, open, seal};
pub use error::SettingsError;
pub use file::{
    Occupant, occupant, parse, read, remove, replace, to_bytes, update, write,
    write_replacing_unreadable,
};
pub use format::*;
pub use key::{Key, KeyPlan, KeySource, load_key, load_or_create_key, plan_key};
pub use key_keyring::KeyringKey;
pub use key_store::KeyStore;
pub use lock::{LOCK_TIMEOUT, SettingsLock, lock_exclusive, lock_path, lock_timeout};
pub use store::{FileStore, Patience, Replace, Store};
pub use validate::MetaError;
pub use vault::VaultStore;
