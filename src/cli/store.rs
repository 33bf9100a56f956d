//! Which store a `--settings` location names: a file on this machine, or a
//! Vault / OpenBao KV v2 path (`vault://MOUNT/PATH`) shared by a fleet.

use crate::cli::failure::{Failure, exit};
use oauth_setup::settings::vault::VaultLocation;
use oauth_setup::settings::{SettingsError, Store, VaultStore};
use std::path::Path;

/// The Vault location `--settings` names, if it names one.
pub fn vault_location(settings: &Path) -> Option<&str> {
    settings.to_str().filter(|s| VaultLocation::is_vault(s))
}

/// The Vault store for `location`, configured from the Vault variables.
pub fn vault(location: &str) -> Result<VaultStore, Failure> {
    Ok(VaultStore::from_env(location)?)
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
        Ok(_) if !force => Err(Failure::new(
            exit::SETTINGS,
            format!(
                "{location} already holds settings; {not_done}. Give another path, or --force to replace them"
            ),
        )),
        Ok(_) | Err(SettingsError::NotFound { .. }) => Ok(()),
        Err(e) if force && e.is_unreadable_file() => Ok(()),
        Err(e) => Err(e.into()),
    }
}
