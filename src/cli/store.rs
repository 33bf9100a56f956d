//! Which store a `--settings` location names: a file on this machine, or a
//! Vault / OpenBao KV v2 path (`vault://MOUNT/PATH`) shared by a fleet.

use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use oauth_setup::settings::vault::{VaultLocation, VaultLock};
use oauth_setup::settings::{
    FileStore, Key, Patience, Replace, Settings, SettingsError, SettingsLock, Store, VaultStore,
};
use std::path::{Path, PathBuf};

/// The Vault location `--settings` names, if it names one.
pub fn vault_location(settings: &Path) -> Option<&str> {
    settings.to_str().filter(|s| VaultLocation::is_vault(s))
}

/// The Vault store for `location`, configured from the Vault variables.
pub fn vault(location: &str) -> Result<VaultStore, Failure> {
    Ok(VaultStore::from_env(location)?)
}

/// The store an existing connection's `--settings` names, for the commands
/// that read and renew it the same way whichever store it is in.
pub enum Location {
    File { path: PathBuf, key: Key },
    Vault(Box<VaultStore>),
}

pub enum LocationLock {
    /// Held only for its `Drop`, which releases the file lock.
    File(#[allow(dead_code)] SettingsLock),
    Vault(VaultLock),
}

impl Location {
    /// The file store needs this machine's key (which reading never creates).
    pub fn open(ctx: &Ctx, settings: &Path) -> Result<Location, Failure> {
        Ok(match vault_location(settings) {
            Some(location) => Location::Vault(Box::new(vault(location)?)),
            None => Location::File {
                path: settings.to_path_buf(),
                key: ctx.key()?,
            },
        })
    }

    /// The file's path, when the connection is a file on this machine.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File { path, .. } => Some(path),
            Location::Vault(_) => None,
        }
    }
}

impl Store for Location {
    type Lock = LocationLock;

    fn location(&self) -> String {
        match self {
            Location::File { path, key } => FileStore::new(path, key).location(),
            Location::Vault(v) => v.location(),
        }
    }

    async fn load(&self) -> Result<Settings, SettingsError> {
        match self {
            Location::File { path, key } => FileStore::new(path, key).load().await,
            Location::Vault(v) => v.load().await,
        }
    }

    async fn save(&self, settings: &Settings, replace: Replace) -> Result<(), SettingsError> {
        match self {
            Location::File { path, key } => FileStore::new(path, key).save(settings, replace).await,
            Location::Vault(v) => v.save(settings, replace).await,
        }
    }

    async fn replace(&self, settings: &Settings, replace: Replace) -> Result<(), SettingsError> {
        match self {
            Location::File { path, key } => {
                FileStore::new(path, key).replace(settings, replace).await
            }
            Location::Vault(v) => v.replace(settings, replace).await,
        }
    }

    async fn try_lock(&self) -> Result<Option<LocationLock>, SettingsError> {
        Ok(match self {
            Location::File { path, key } => FileStore::new(path, key)
                .try_lock()
                .await?
                .map(LocationLock::File),
            Location::Vault(v) => v.try_lock().await?.map(LocationLock::Vault),
        })
    }

    async fn unlock(&self, lock: LocationLock) {
        // A file lock is released by dropping it; a Vault lock by a write.
        if let (Location::Vault(v), LocationLock::Vault(l)) = (self, lock) {
            v.unlock(l).await;
        }
    }

    fn lock_location(&self) -> PathBuf {
        match self {
            Location::File { path, key } => FileStore::new(path, key).lock_location(),
            Location::Vault(v) => v.lock_location(),
        }
    }

    fn patience(&self) -> Patience {
        match self {
            Location::File { path, key } => FileStore::new(path, key).patience(),
            Location::Vault(v) => v.patience(),
        }
    }
}

/// `--settings NAME` (no directory, no extension, no such file here) names a
/// saved connection: `<config dir>/settings/NAME.json`.
pub fn file_of(config_dir: &Path, given: &Path) -> std::path::PathBuf {
    let bare = given.components().count() == 1 && given.extension().is_none();
    if bare && !given.exists() {
        oauth_setup::paths::settings_file(config_dir, &given.to_string_lossy())
    } else {
        given.to_path_buf()
    }
}

/// Before a command writes a Vault location: refuses one that already holds
/// settings unless `force` (`not_done` says what was not done, e.g. "nothing
/// was written"), so a refusal costs nothing; with `force`, also one that is
/// not ours.
pub async fn vault_free_to_write(
    vault: &VaultStore,
    location: &str,
    force: bool,
    not_done: &str,
) -> Result<(), Failure> {
    match vault.load().await {
        Ok(s) if !force => Err(Failure::new(
            exit::SETTINGS,
            format!(
                "{location} already holds settings (the connection {}); {not_done}. Give another path, or --force to replace it",
                oauth_setup::text::sanitize(&crate::cli::ctx::whose(&s.meta), 200)
            ),
        )),
        Ok(_) | Err(SettingsError::NotFound { .. }) => Ok(()),
        Err(e) if force && e.is_unreadable_file() => Ok(()),
        Err(e) => Err(e.into()),
    }
}
