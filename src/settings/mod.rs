//! The OAuthSettings document and where it is kept: format, envelope
//! encryption, key, the file store (atomic write, sidecar lock) and the
//! [`Store`] seam that renewal goes through.

pub mod atomic;
pub mod envelope;
pub mod error;
pub mod file;
pub mod format;
pub mod key;
pub mod lock;
pub mod store;
pub mod validate;

pub use atomic::{backup_path, cleanup_stale_temps, write_atomic};
pub use envelope::{aad, open, seal};
pub use error::SettingsError;
pub use file::{parse, read, to_bytes, update, write, write_replacing_unreadable};
pub use format::*;
pub use key::{Key, KeySource, load_key};
pub use lock::{SettingsLock, lock_exclusive, lock_path};
pub use store::{FileStore, Replace, Store};
pub use validate::MetaError;
