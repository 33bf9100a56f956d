//! The per-host copy of a Vault document, sealed with this host's key like
//! any settings file, so a `token` call while the token is valid does not
//! call Vault at all, and a Vault outage does not stop a host whose token
//! is still good.

use super::super::{Key, Settings, file};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub struct HostCache {
    path: PathBuf,
}

impl HostCache {
    /// The cache of `location` at `addr`, under `config_dir`.
    pub fn new(config_dir: &Path, addr: &str, location: &str) -> HostCache {
        let digest = Sha256::digest(format!("{addr}\n{location}").as_bytes());
        let name = crate::settings::key::to_hex(&digest[..12]);
        HostCache {
            path: crate::paths::vault_cache_dir(config_dir).join(format!("{name}.json")),
        }
    }

    /// The cached document, if there is one this key opens.
    pub fn read(&self, key: &Key) -> Option<Settings> {
        file::read(&self.path, key).ok()
    }

    /// Removes the cached document (the connection is gone), if there is one.
    pub fn remove(&self) -> std::io::Result<Option<PathBuf>> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(Some(self.path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Replaces the cached document. A cache that cannot be written only
    /// costs the next call a Vault read, so the failure is logged, not raised.
    pub fn write(&self, key: &Key, settings: &Settings) {
        if let Err(e) = file::write_replacing_unreadable(&self.path, key, settings) {
            tracing::warn!(error = %e, "could not update the Vault cache");
        }
    }
}
