//! The per-host copy of a Vault document, sealed with this host's key like
//! any settings file, so a `token` call while the token is valid does not
//! call Vault at all, and a Vault outage does not stop a host whose token
//! is still good.

use super::super::{Key, Settings, SettingsError, file};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
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
    ///
    /// Unlike a settings file it keeps no backup and is not synced to disk:
    /// a cache lost in a crash (or torn: it then fails to open) is only a
    /// miss, and a fleet's waiters all write it at once after a renewal, so
    /// fsyncs here would be most of their time. Still replaced by rename,
    /// sealed, 0600 in a 0700 directory; a copy already holding this token
    /// is left alone.
    pub fn write(&self, key: &Key, settings: &Settings) {
        if self.read(key).is_some_and(|c| same_token(&c, settings)) {
            return;
        }
        if let Err(e) = self.replace(key, settings) {
            tracing::warn!(error = %e, "could not update the Vault cache");
        }
    }

    fn replace(&self, key: &Key, settings: &Settings) -> Result<(), SettingsError> {
        let bytes = file::to_bytes(key, settings)?;
        let dir = crate::settings::atomic::parent_dir(&self.path);
        crate::settings::atomic::ensure_dir(dir)?;
        let io =
            |what: &'static str| move |e: std::io::Error| SettingsError::io(&self.path, what, e);
        let mut tmp = tempfile::Builder::new()
            .prefix(".cache.")
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(0o600))
            .tempfile_in(dir)
            .map_err(io("create a temporary file for"))?;
        tmp.write_all(&bytes).map_err(io("write"))?;
        tmp.persist(&self.path)
            .map_err(|e| SettingsError::io(&self.path, "rename", e.error))?;
        Ok(())
    }
}

/// Whether two documents hold the same access token with the same expiry.
fn same_token(a: &Settings, b: &Settings) -> bool {
    let token = |s: &Settings| {
        s.secrets
            .access_token
            .as_ref()
            .map(|t| t.expose_secret().to_string())
    };
    a.meta.expires_at == b.meta.expires_at && token(a) == token(b)
}
