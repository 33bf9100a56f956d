//! The OAuthSettings store: file format, envelope encryption, key, lock and
//! atomic write.

pub mod atomic;
pub mod envelope;
pub mod error;
pub mod format;
pub mod key;
pub mod lock;
pub mod store;

pub use atomic::{backup_path, cleanup_stale_temps, write_atomic};
pub use envelope::{aad, open, seal};
pub use error::SettingsError;
pub use format::*;
pub use key::{Key, KeySource, load_key};
pub use lock::{SettingsLock, lock_exclusive, lock_path};
pub use store::{parse, read, to_bytes, update, write, write_replacing_unreadable};
