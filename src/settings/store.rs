//! The seam between renewal and where a settings document lives. The file
//! store is here; the fleet store (Vault / OpenBao KV v2) goes behind the
//! same trait.
//!
//! The contract every store keeps:
//! - [`Store::load`] returns the document as stored now, or says why not;
//! - [`Store::save`] replaces the whole document or nothing (never a partial
//!   one), and never replaces one this key cannot read unless asked to
//!   ([`Replace::Unreadable`]): it may hold the only refresh token;
//! - [`Store::try_lock`] takes the renewal lock without waiting, `None` while
//!   someone else holds it; a holder that dies frees it (the OS for files, a
//!   deadline for Vault);
//! - [`Store::save`] does not lock (it is called under the lock);
//!   [`Store::replace`] is a save that takes the lock first, for every
//!   writer that does not hold it (a sign-in, an import): a renewal in
//!   progress then finishes first, and cannot write its old document over
//!   the new one.
//!
//! A renewal is: lock → load → renew only if still needed → save → unlock.

use super::error::SettingsError;
use super::file;
use super::format::Settings;
use super::key::Key;
use super::lock::{self, SettingsLock};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What [`Store::save`] may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Only a document this key can read, or none (the default).
    Readable,
    /// Also one that cannot be read (`--force`); the old one is kept as a backup.
    Unreadable,
}

impl Replace {
    pub fn forced(force: bool) -> Replace {
        if force {
            Replace::Unreadable
        } else {
            Replace::Readable
        }
    }
}

/// Where one settings document lives. See the module docs for the contract.
pub trait Store: Sync {
    type Lock: Send;

    /// The location as a person gives it back to `--settings`.
    fn location(&self) -> String;

    fn load(&self) -> impl Future<Output = Result<Settings, SettingsError>> + Send;

    /// Call under the lock ([`Store::try_lock`]); it does not take it.
    fn save(
        &self,
        settings: &Settings,
        replace: Replace,
    ) -> impl Future<Output = Result<(), SettingsError>> + Send;

    /// Takes the lock (waiting for a renewal in progress), saves, unlocks.
    /// Never call it while holding the lock: it would wait for itself.
    fn replace(
        &self,
        settings: &Settings,
        replace: Replace,
    ) -> impl Future<Output = Result<(), SettingsError>> + Send;

    fn try_lock(&self) -> impl Future<Output = Result<Option<Self::Lock>, SettingsError>> + Send;

    /// Releases a lock [`Store::try_lock`] gave (a remote lock cannot be
    /// released by dropping it).
    fn unlock(&self, lock: Self::Lock) -> impl Future<Output = ()> + Send;

    /// The lock's own name, for a "waited too long" message.
    fn lock_location(&self) -> PathBuf;

    /// How waiters poll while another process renews.
    fn patience(&self) -> Patience;
}

/// Waits for the store's lock as a renewal waiter does (see [`Patience`]),
/// for a writer that changes the document itself.
pub async fn lock_waiting<S: Store>(store: &S) -> Result<S::Lock, SettingsError> {
    let patience = store.patience();
    let start = std::time::Instant::now();
    let mut pause = patience.first_pause;
    loop {
        if let Some(lock) = store.try_lock().await? {
            return Ok(lock);
        }
        let waited = start.elapsed();
        if waited >= patience.limit {
            return Err(SettingsError::LockTimeout {
                path: store.lock_location(),
                waited,
            });
        }
        tokio::time::sleep(pause.min(patience.limit - waited)).await;
        pause = (pause * 2).min(patience.max_pause);
    }
}

/// Changes only what `change` changes in the document as stored now: under
/// the lock, on a fresh read, so a token renewed meanwhile is kept.
pub async fn update<S: Store, T: Send>(
    store: &S,
    change: impl FnOnce(&mut Settings) -> T + Send,
) -> Result<T, SettingsError> {
    let lock = lock_waiting(store).await?;
    let out = async {
        let mut s = store.load().await?;
        let out = change(&mut s);
        store.save(&s, Replace::Readable).await?;
        Ok(out)
    }
    .await;
    store.unlock(lock).await;
    out
}

/// How a waiter polls: pauses grow from `first_pause` to `max_pause`, and it
/// gives up after `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub first_pause: Duration,
    pub max_pause: Duration,
    pub limit: Duration,
}

/// A settings file on this machine, sealed with `key`.
#[derive(Debug, Clone, Copy)]
pub struct FileStore<'a> {
    path: &'a Path,
    key: &'a Key,
}

impl<'a> FileStore<'a> {
    pub fn new(path: &'a Path, key: &'a Key) -> Self {
        FileStore { path, key }
    }

    pub fn path(&self) -> &'a Path {
        self.path
    }

    pub fn key(&self) -> &'a Key {
        self.key
    }
}

impl Store for FileStore<'_> {
    type Lock = SettingsLock;

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    async fn load(&self) -> Result<Settings, SettingsError> {
        file::read(self.path, self.key)
    }

    async fn save(&self, settings: &Settings, replace: Replace) -> Result<(), SettingsError> {
        match replace {
            Replace::Readable => file::write(self.path, self.key, settings),
            Replace::Unreadable => file::write_replacing_unreadable(self.path, self.key, settings),
        }
    }

    async fn replace(&self, settings: &Settings, replace: Replace) -> Result<(), SettingsError> {
        file::replace(self.path, self.key, settings, replace)
    }

    async fn try_lock(&self) -> Result<Option<SettingsLock>, SettingsError> {
        match lock::lock_exclusive(self.path, Duration::ZERO) {
            // Who takes the lock is about to write (often after spending a
            // rotating refresh token): a write that cannot happen is found
            // now, not after the provider has rotated the token.
            Ok(l) => super::atomic::check_writable(self.path).map(|()| Some(l)),
            Err(SettingsError::LockTimeout { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn unlock(&self, lock: SettingsLock) {
        drop(lock);
    }

    fn lock_location(&self) -> PathBuf {
        lock::lock_path(self.path)
    }

    fn patience(&self) -> Patience {
        Patience {
            first_pause: Duration::from_millis(1),
            max_pause: Duration::from_millis(10),
            limit: lock::lock_timeout(),
        }
    }
}
