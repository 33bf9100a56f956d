//! What every command shares: where the configuration is, where the key
//! comes from, whether a person is at the terminal, and the settings-file
//! conventions (default path, overwrite rules).

use super::failure::{Failure, exit};
use oauth_setup::paths;
use oauth_setup::provider::{self, Profile, ProviderError};
use oauth_setup::settings::{self, Key, KeySource, Settings, SettingsError};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Which standard streams are terminals, read once at start.
#[derive(Debug, Clone, Copy)]
pub struct Tty {
    /// A person can answer a prompt.
    pub stdin: bool,
    /// A person sees progress lines and QR codes.
    pub stderr: bool,
}

impl Tty {
    fn detect() -> Self {
        Self {
            stdin: std::io::stdin().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }
}

#[derive(Debug)]
pub struct Ctx {
    pub config_dir: PathBuf,
    pub key_source: KeySource,
    pub tty: Tty,
}

impl Ctx {
    /// From `--config-dir` and `--key-file`; each flag wins over its
    /// environment variable.
    pub fn new(config_dir: Option<PathBuf>, key_file: Option<&Path>) -> Self {
        let config_dir = config_dir.unwrap_or_else(paths::config_dir);
        Self {
            key_source: KeySource::from_env_and_flag(key_file, &config_dir),
            config_dir,
            tty: Tty::detect(),
        }
    }

    /// Loads the key, creating the default one on first use.
    pub fn key(&self) -> Result<Key, SettingsError> {
        settings::load_key(&self.key_source)
    }

    pub fn profiles(&self) -> Result<Vec<Profile>, ProviderError> {
        provider::load_all(Some(&paths::providers_dir(&self.config_dir)))
    }

    /// `--settings` when given, else `<config dir>/settings/<provider>.json`.
    pub fn settings_path(&self, given: Option<&Path>, provider: &str) -> PathBuf {
        given.map_or_else(
            || paths::settings_file(&self.config_dir, provider),
            Path::to_path_buf,
        )
    }

    /// The commands run one request at a time, so one thread is enough.
    pub fn runtime(&self) -> Result<tokio::runtime::Runtime, Failure> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Failure::new(exit::ERROR, format!("cannot start the async runtime: {e}")))
    }
}

/// A settings file at `path` that `key` cannot read, unless `force`. Such a
/// file is never overwritten by accident, and the check runs before a sign-in
/// so that a refusal does not waste it.
pub fn unreadable_existing(path: &Path, key: &Key, force: bool) -> Option<SettingsError> {
    if force || !path.exists() {
        return None;
    }
    settings::read(path, key)
        .err()
        .filter(SettingsError::is_unreadable_file)
}

/// Writes `s` to `path` under `key`; with `force` (`--force`) a file this key
/// cannot read is replaced too.
pub fn write_settings(path: &Path, key: &Key, s: &Settings, force: bool) -> Result<(), Failure> {
    if force {
        settings::write_replacing_unreadable(path, key, s)?;
    } else {
        settings::write(path, key, s)?;
    }
    Ok(())
}
