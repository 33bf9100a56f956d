//! The fleet store: one settings document in Vault / OpenBao KV v2, shared
//! by many hosts. Vault encrypts it at rest and its policies decide who
//! reads; coordination is Vault's own check-and-set, never an overwrite.
//!
//! - The document is written with `cas=<the version this store last read>`,
//!   so a host that renewed from a stale copy gets a conflict, not a win.
//! - The renewal lock is its own secret (`PATH.lock`) holding who and for
//!   how long: taken by create-only CAS, taken over by CAS on its version
//!   once its deadline passed (the holder died), released by CAS. The
//!   deadline is on Vault's clock (the version's `created_time` plus the
//!   TTL, against the `Date` of Vault's answer), never a host's: a host whose
//!   clock runs ahead must not take over a live lock and spend the same
//!   refresh token twice.

mod api;
mod cache;
mod config;
mod location;

pub use api::{VaultClient, VaultError, Versioned};
pub use cache::HostCache;
pub use config::{
    Auth, TokenSource, VaultConfig, addr_from_env, approle, token_from_env, token_source,
};
pub use location::{LocationError, VaultLocation};

use super::error::SettingsError;
use super::format::now_ms;
use super::format::{FORMAT, Meta, Secrets, Settings, VERSION};
use super::store::{Patience, Replace, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// How long a lock holds without its holder: a renewal is one token request,
/// bounded by the HTTP timeout; the rest is margin.
fn lock_ttl() -> Duration {
    std::env::var("OAUTH_SETUP_VAULT_LOCK_TTL")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0 && s.is_finite())
        .map(Duration::from_secs_f64)
        .unwrap_or_else(|| crate::http::timeout() * 2)
}

/// The document as Vault keeps it: the settings metadata and, since Vault
/// is the vault, the secrets in its own encrypted storage.
#[derive(Serialize, Deserialize)]
struct Document {
    #[serde(flatten)]
    meta: Meta,
    secrets: Secrets,
}

pub struct VaultStore {
    client: VaultClient,
    location: VaultLocation,
    /// Who this process is, in the lock entry (host, pid, random).
    holder: String,
    /// The version the last `load` (or `save`) saw; 0 = none exists.
    seen: Mutex<Option<u64>>,
    /// A held lock version and when this process first saw it (its own
    /// monotonic clock): the deadline when Vault's answer carries no clock.
    watched: Mutex<Option<(u64, std::time::Instant)>>,
}

/// What a location holds, as seen before writing there (the wizard's test
/// of a Vault path before it saves).
#[derive(Debug)]
pub enum Occupant {
    /// Nothing yet: a save creates it.
    Free,
    /// Settings of ours (replacing them keeps nothing: Vault keeps versions).
    Ours(Box<Settings>),
    /// Something else; never written over.
    Foreign(String),
}

/// A taken renewal lock: the lock entry's version, for the releasing CAS.
#[derive(Debug)]
pub struct VaultLock {
    version: u64,
}

impl VaultStore {
    pub fn new(client: VaultClient, location: VaultLocation) -> VaultStore {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        let mut nonce = [0u8; 6];
        let _ = getrandom::fill(&mut nonce);
        let nonce = super::key::to_hex(&nonce);
        VaultStore {
            client,
            location,
            holder: format!("{host}:{}:{nonce}", std::process::id()),
            seen: Mutex::new(None),
            watched: Mutex::new(None),
        }
    }

    /// From `vault://MOUNT/PATH` and the Vault environment variables.
    pub fn from_env(location: &str) -> Result<VaultStore, SettingsError> {
        VaultStore::from_config(location, VaultConfig::from_env()?)
    }

    /// From `vault://MOUNT/PATH` and a configuration already read (building
    /// the HTTP client, with the system's trusted roots, is the costly part:
    /// a host whose cache answers never does it).
    pub fn from_config(location: &str, config: VaultConfig) -> Result<VaultStore, SettingsError> {
        let loc = VaultLocation::parse(location).map_err(|e| SettingsError::Parse {
            path: PathBuf::from(location),
            reason: e.to_string(),
        })?;
        Ok(VaultStore::new(VaultClient::new(config)?, loc))
    }

    /// Reads the location and its renewal lock, as a save and every later
    /// renewal will: a token that may not read either fails here, before
    /// anything is written.
    pub async fn occupant(&self) -> Result<Occupant, SettingsError> {
        self.client.read(&self.location.lock()).await?;
        match self.load().await {
            Ok(s) => Ok(Occupant::Ours(Box::new(s))),
            Err(SettingsError::NotFound { .. }) => Ok(Occupant::Free),
            Err(e) if e.is_unreadable_file() => Ok(Occupant::Foreign(e.to_string())),
            Err(e) => Err(e),
        }
    }

    /// The Vault server's address, for messages and the host cache's name.
    pub fn addr(&self) -> String {
        self.client.addr()
    }

    /// Where Vault is and who this store is there (the host cache's key).
    pub fn config(&self) -> &VaultConfig {
        self.client.config()
    }

    fn name(&self) -> PathBuf {
        PathBuf::from(self.location.to_string())
    }

    fn remember(&self, version: u64) {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(version);
    }

    fn seen(&self) -> Option<u64> {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn parse(&self, data: Value) -> Result<Settings, SettingsError> {
        let format = data.get("format").and_then(Value::as_str);
        if format != Some(FORMAT) {
            return Err(SettingsError::WrongFormat { path: self.name() });
        }
        let version = data.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version > u64::from(VERSION) {
            return Err(SettingsError::UnknownVersion {
                path: self.name(),
                version,
                supported: VERSION,
            });
        }
        let doc: Document = serde_json::from_value(data).map_err(|e| SettingsError::Parse {
            path: self.name(),
            reason: e.to_string(),
        })?;
        // What another host wrote is data: the same checks as a bundle.
        doc.meta.validate().map_err(|e| SettingsError::Parse {
            path: self.name(),
            reason: e.to_string(),
        })?;
        Ok(Settings {
            meta: doc.meta,
            secrets: doc.secrets,
        })
    }

    /// The version a write must name: what `load` saw, or for a document
    /// never loaded here, what is there now (only if it is ours, unless
    /// `replace` says otherwise).
    async fn version_to_replace(&self, replace: Replace) -> Result<u64, SettingsError> {
        if let (Some(v), Replace::Readable) = (self.seen(), replace) {
            return Ok(v);
        }
        match self.client.read(&self.location).await? {
            None => Ok(0),
            Some(current) => {
                if replace == Replace::Readable
                    && let Err(e) = self.parse(current.data)
                {
                    return Err(SettingsError::RefuseOverwrite {
                        path: self.name(),
                        reason: format!("what is there is not ours ({e})"),
                    });
                }
                Ok(current.version)
            }
        }
    }
}

impl VaultStore {
    /// Takes the renewal lock, waiting (within [`Store::patience`]) for a
    /// holder to release it or for its deadline to pass.
    pub async fn lock(&self) -> Result<VaultLock, SettingsError> {
        let patience = self.patience();
        let start = std::time::Instant::now();
        let mut pause = patience.first_pause;
        loop {
            if let Some(lock) = self.try_lock().await? {
                return Ok(lock);
            }
            let waited = start.elapsed();
            if waited >= patience.limit {
                return Err(SettingsError::LockTimeout {
                    path: self.lock_location(),
                    waited,
                });
            }
            tokio::time::sleep(pause.min(patience.limit - waited)).await;
            pause = (pause * 2).min(patience.max_pause);
        }
    }

    /// Deletes the settings, every version and their metadata, then the
    /// lock entry (which `lock` holds until then: no renewal writes the
    /// settings back in between). On an error the lock is released and
    /// what was not deleted stays.
    pub async fn destroy(&self, lock: VaultLock) -> Result<(), SettingsError> {
        if let Err(e) = self.client.delete_all(&self.location).await {
            self.unlock(lock).await;
            return Err(e.into());
        }
        self.client.delete_all(&self.location.lock()).await?;
        Ok(())
    }
}

impl VaultStore {
    /// Whether a held lock entry is within its deadline: its version's
    /// `created_time` plus its TTL (at most ours: an entry claiming longer,
    /// or an older one that names none, gets ours), against the `Date` of
    /// the same answer, both Vault's clock. Without them, the deadline is
    /// the TTL after this process first saw this very version, on its own
    /// monotonic clock. A host's wall clock is never compared with another's.
    fn still_held(&self, v: &Versioned, ttl_ms: i64) -> bool {
        let theirs = v
            .data
            .get("ttl_ms")
            .and_then(Value::as_i64)
            .map_or(ttl_ms, |t| t.clamp(0, ttl_ms));
        if let (Some(created), Some(now)) = (v.created_ms, v.server_now_ms) {
            return now <= created.saturating_add(theirs);
        }
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        let first_seen = match *watched {
            Some((version, at)) if version == v.version => at,
            _ => {
                let at = std::time::Instant::now();
                *watched = Some((v.version, at));
                at
            }
        };
        first_seen.elapsed().as_millis() <= u128::try_from(theirs).unwrap_or(0)
    }
}

impl Store for VaultStore {
    type Lock = VaultLock;

    fn location(&self) -> String {
        self.location.to_string()
    }

    async fn load(&self) -> Result<Settings, SettingsError> {
        match self.client.read(&self.location).await? {
            None => {
                self.remember(0);
                Err(SettingsError::NotFound { path: self.name() })
            }
            Some(v) => {
                let s = self.parse(v.data)?;
                self.remember(v.version);
                Ok(s)
            }
        }
    }

    async fn save(&self, settings: &Settings, replace: Replace) -> Result<(), SettingsError> {
        let cas = self.version_to_replace(replace).await?;
        let mut meta = settings.meta.clone();
        meta.format = FORMAT.to_string();
        meta.version = VERSION;
        // The same rule as a file: nothing a reader would refuse is written.
        meta.validate()?;
        let doc = Document {
            meta,
            secrets: settings.secrets.clone(),
        };
        let data = serde_json::to_value(&doc).expect("settings serialize to JSON");
        let version = self.client.write(&self.location, &data, cas).await?;
        self.remember(version);
        Ok(())
    }

    async fn replace(&self, settings: &Settings, replace: Replace) -> Result<(), SettingsError> {
        let lock = self.lock().await?;
        // A replacement is on purpose: it names the version there now (read
        // under the lock), not one an earlier load saw.
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let out = self.save(settings, replace).await;
        self.unlock(lock).await;
        out
    }

    async fn try_lock(&self) -> Result<Option<VaultLock>, SettingsError> {
        let lock = self.location.lock();
        let ttl_ms = i64::try_from(lock_ttl().as_millis()).unwrap_or(i64::MAX / 4);
        let cas = match self.client.read(&lock).await? {
            None => 0,
            Some(v) => {
                let holder = v.data.get("holder").and_then(Value::as_str).unwrap_or("");
                if !holder.is_empty() && self.still_held(&v, ttl_ms) {
                    return Ok(None);
                }
                if !holder.is_empty() {
                    tracing::warn!(holder, "taking over a Vault renewal lock past its deadline");
                }
                v.version
            }
        };
        // `until` (this host's clock) is for a person reading the entry and
        // for older versions; the deadline itself is `ttl_ms` on Vault's clock.
        let until = now_ms().saturating_add(ttl_ms);
        let data = json!({"holder": self.holder, "until": until, "ttl_ms": ttl_ms});
        match self.client.write(&lock, &data, cas).await {
            Ok(version) => Ok(Some(VaultLock { version })),
            // Someone else took it between our read and our write.
            Err(VaultError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn unlock(&self, lock: VaultLock) {
        let data = json!({"holder": "", "until": 0});
        // A conflict means our deadline passed and another host took the
        // lock over: it is theirs now, leave it.
        if let Err(e) = self
            .client
            .write(&self.location.lock(), &data, lock.version)
            .await
        {
            tracing::warn!(error = %e, "could not release the Vault renewal lock");
        }
    }

    fn lock_location(&self) -> PathBuf {
        PathBuf::from(self.location.lock().to_string())
    }

    fn patience(&self) -> Patience {
        // Gentle on Vault: waiters poll every 20–100 ms, and wait long
        // enough to take over a dead holder's lock.
        Patience {
            first_pause: Duration::from_millis(20),
            max_pause: Duration::from_millis(100),
            limit: super::lock::lock_timeout().max(lock_ttl() + Duration::from_secs(5)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> VaultStore {
        let config = VaultConfig::new(
            "http://127.0.0.1:1",
            Auth::Token(secrecy::SecretString::from("t".to_string())),
        )
        .unwrap();
        VaultStore::new(
            VaultClient::new(config).unwrap(),
            VaultLocation::parse("vault://secret/x").unwrap(),
        )
    }

    fn entry(version: u64, ttl_ms: i64, times: Option<(i64, i64)>) -> Versioned {
        Versioned {
            data: json!({"holder": "h:1:a", "until": i64::MAX, "ttl_ms": ttl_ms}),
            version,
            created_ms: times.map(|t| t.0),
            server_now_ms: times.map(|t| t.1),
        }
    }

    #[test]
    fn the_deadline_is_on_vaults_clock_and_at_most_our_ttl() {
        let s = store();
        // `until` (the holder's clock) says "forever": Vault's clock decides.
        assert!(s.still_held(&entry(1, 10_000, Some((1_000, 5_000))), 10_000));
        assert!(!s.still_held(&entry(1, 10_000, Some((1_000, 11_001))), 10_000));
        // A claim longer than our TTL is held for ours.
        assert!(!s.still_held(&entry(1, i64::MAX, Some((1_000, 11_001))), 10_000));
    }

    #[test]
    fn without_vaults_clock_a_version_is_held_for_the_ttl_after_this_process_saw_it() {
        let s = store();
        assert!(s.still_held(&entry(7, 30, None), 10_000));
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            !s.still_held(&entry(7, 30, None), 10_000),
            "unchanged for the TTL"
        );
        // A new version (another holder took the lock) starts again.
        assert!(s.still_held(&entry(8, 30, None), 10_000));
    }
}
