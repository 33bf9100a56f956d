//! The per-host copy of a Vault document's access token, sealed with this
//! host's key, so a `token` call while the token is valid does not call
//! Vault at all, and a Vault outage does not stop a host whose token is
//! still good.
//!
//! It holds the metadata, the access token (or static token) and its expiry:
//! never the refresh token, the client secret or a password. So it cannot
//! renew anything, and it is not a settings file (its own `format`): a
//! renewal always goes through Vault and Vault's lock. Its name and its
//! sealing are bound to the Vault address, the namespace, the location and
//! who asks (a hash of the Vault token, or the AppRole role id): another
//! namespace or another identity on this host never gets this copy.

use super::super::envelope::{open_bytes, seal_bytes};
use super::super::{Envelope, Key, Meta, Secrets, Settings, SettingsError, file};
use super::config::{Auth, VaultConfig};
use crate::provider::SchemeKind;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const FORMAT: &str = "oauth-setup-vault-cache";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheFile {
    format: String,
    version: u32,
    meta: Meta,
    /// The token alone, sealed.
    token: Envelope,
}

pub struct HostCache {
    dir: PathBuf,
    /// Address, namespace and location: every identity's copy starts so.
    location_id: String,
    /// Who asks, hashed (no secret in a file name).
    identity_id: String,
    /// The name caches had before they were keyed by namespace and
    /// identity (they held the whole document): removed when seen.
    legacy: PathBuf,
}

fn hex_digest(parts: &[&str], bytes: usize) -> String {
    let digest = Sha256::digest(parts.join("\n").as_bytes());
    crate::settings::key::to_hex(&digest[..bytes])
}

impl HostCache {
    /// The cache of `location` at the Vault `config` names, for the identity
    /// it signs in with, under `config_dir`.
    pub fn new(config_dir: &Path, config: &VaultConfig, location: &str) -> HostCache {
        let addr = config.addr_text();
        let namespace = config.namespace.as_deref().unwrap_or("");
        let identity = match &config.auth {
            Auth::Token(t) => format!("token\n{}", t.expose_secret()),
            Auth::AppRole { role_id, .. } => format!("approle\n{role_id}"),
        };
        let dir = crate::paths::vault_cache_dir(config_dir);
        HostCache {
            legacy: dir.join(format!("{}.json", hex_digest(&[&addr, location], 12))),
            location_id: hex_digest(&["vault-cache-v1", &addr, namespace, location], 12),
            identity_id: hex_digest(&["vault-cache-identity", &identity], 8),
            dir,
        }
    }

    /// The file this cache lives in.
    pub fn path(&self) -> PathBuf {
        self.dir
            .join(format!("{}-{}.json", self.location_id, self.identity_id))
    }

    /// The associated data: what the copy is of and for, then its metadata,
    /// so a copy renamed to another location's or identity's name fails.
    fn aad(&self, meta: &Meta) -> Vec<u8> {
        let mut aad =
            format!("{FORMAT}\n{}\n{}\n", self.location_id, self.identity_id).into_bytes();
        aad.extend(super::super::aad(meta));
        aad
    }

    fn open(&self, key: &Key) -> Option<(Meta, Zeroizing<Vec<u8>>)> {
        let path = self.path();
        let bytes = file::read_bytes(&path).ok()?;
        let f: CacheFile = serde_json::from_slice(&bytes).ok()?;
        if f.format != FORMAT || f.version != VERSION {
            return None;
        }
        let token = open_bytes(key, &self.aad(&f.meta), &f.token, &path).ok()?;
        Some((f.meta, token))
    }

    /// The cached metadata and token, if there is a copy this key opens.
    /// Its secrets hold the token alone (the static token for a static kind).
    pub fn read(&self, key: &Key) -> Option<Settings> {
        let (meta, token) = self.open(key)?;
        let token = SecretString::from(String::from_utf8(token.to_vec()).ok()?);
        let mut secrets = Secrets::default();
        if meta.kind == SchemeKind::StaticToken {
            secrets.static_token = Some(token);
        } else {
            secrets.access_token = Some(token);
        }
        Some(Settings { meta, secrets })
    }

    /// Every byte the sealed part holds, opened: what an audit checks.
    pub fn opened(&self, key: &Key) -> Option<Zeroizing<Vec<u8>>> {
        self.open(key).map(|(_, t)| t)
    }

    /// Removes this location's copies, every identity's (the connection is
    /// gone); the paths removed.
    pub fn remove(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        let prefix = format!("{}-", self.location_id);
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
            Err(e) => return Err(e),
        };
        let mine = entries.flatten().map(|e| e.path()).filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        });
        for p in mine.chain(std::iter::once(self.legacy.clone())) {
            match std::fs::remove_file(&p) {
                Ok(()) => removed.push(p),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }

    /// Replaces the cached copy with `settings`' metadata and token. A cache
    /// that cannot be written only costs the next call a Vault read, so the
    /// failure is logged, not raised.
    ///
    /// Unlike a settings file it keeps no backup and is not synced to disk:
    /// a cache lost in a crash (or torn: it then fails to open) is only a
    /// miss, and a fleet's waiters all write it at once after a renewal, so
    /// fsyncs here would be most of their time. Still replaced by rename,
    /// sealed, 0600 in a 0700 directory; a copy already holding this token
    /// is left alone.
    pub fn write(&self, key: &Key, settings: &Settings) {
        // A copy from before: it held the whole document (refresh token).
        let _ = std::fs::remove_file(&self.legacy);
        if self.read(key).is_some_and(|c| same_token(&c, settings)) {
            return;
        }
        if let Err(e) = self.replace(key, settings) {
            tracing::warn!(error = %e, "could not update the Vault cache");
        }
    }

    fn replace(&self, key: &Key, settings: &Settings) -> Result<(), SettingsError> {
        let Some(token) = token_of(settings) else {
            return Ok(());
        };
        let path = self.path();
        let mut meta = settings.meta.clone();
        meta.format = crate::settings::FORMAT.to_string();
        meta.validate()?;
        let sealed = seal_bytes(key, &self.aad(&meta), token.expose_secret().as_bytes());
        let doc = CacheFile {
            format: FORMAT.into(),
            version: VERSION,
            meta,
            token: sealed,
        };
        let bytes = serde_json::to_vec_pretty(&doc).expect("a cache file serializes");
        crate::settings::atomic::ensure_dir(&self.dir)?;
        let io = |what: &'static str| {
            let path = path.clone();
            move |e: std::io::Error| SettingsError::io(&path, what, e)
        };
        let mut tmp = tempfile::Builder::new()
            .prefix(".cache.")
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(0o600))
            .tempfile_in(&self.dir)
            .map_err(io("create a temporary file for"))?;
        tmp.write_all(&bytes).map_err(io("write"))?;
        tmp.persist(&path)
            .map_err(|e| SettingsError::io(&path, "rename", e.error))?;
        Ok(())
    }
}

/// The one secret a cache keeps: what `token` prints for this kind.
fn token_of(s: &Settings) -> Option<&SecretString> {
    if s.meta.kind == SchemeKind::StaticToken {
        s.secrets.static_token.as_ref()
    } else {
        s.secrets.access_token.as_ref()
    }
}

/// Whether two documents hold the same token with the same expiry.
fn same_token(a: &Settings, b: &Settings) -> bool {
    let token = |s: &Settings| token_of(s).map(|t| t.expose_secret().to_string());
    a.meta.expires_at == b.meta.expires_at && token(a) == token(b)
}
