//! What every command shares: where the configuration is, where the key
//! comes from, whether a person is at the terminal, and the settings-file
//! conventions (default path, overwrite rules).

use super::failure::{Failure, exit};
use oauth_setup::paths;
use oauth_setup::provider::{self, Profile, ProviderError};
use oauth_setup::settings::{self, Key, KeyPlan, KeySource, Replace, Settings, SettingsError};
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

    /// Loads the existing key, for commands that only read settings: a
    /// reader never creates one (it could open nothing with it).
    pub fn key(&self) -> Result<Key, Failure> {
        settings::load_key(&self.key_source).map_err(key_failure)
    }

    /// For a command that writes settings: the key if it exists, else a
    /// checked plan to create it. Create it (`into_key`) only when about to
    /// write, so a command that fails first leaves no key behind.
    pub fn key_plan(&self) -> Result<KeyPlan, Failure> {
        settings::plan_key(&self.key_source).map_err(key_failure)
    }

    pub fn profiles(&self) -> Result<Vec<Profile>, ProviderError> {
        provider::load_all(Some(&paths::providers_dir(&self.config_dir)))
    }

    /// The one profile `id`, parsing no more than it needs.
    pub fn profile(&self, id: &str) -> Result<Profile, ProviderError> {
        provider::load_one(Some(&paths::providers_dir(&self.config_dir)), id)
    }

    /// `--settings` when given, else `<config dir>/settings/<provider>.json`.
    pub fn settings_path(&self, given: Option<&Path>, provider: &str) -> PathBuf {
        given.map_or_else(
            || paths::settings_file(&self.config_dir, provider),
            |g| crate::cli::store::file_of(&self.config_dir, g),
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

/// The key problem in CLI words: a missing default key means nothing was
/// ever saved with this config dir.
fn key_failure(e: SettingsError) -> Failure {
    match e {
        SettingsError::NoKey { path } => Failure::new(
            exit::SETTINGS,
            format!(
                "no key yet ({}): nothing has been saved with this config dir; run `oauth-setup login` first, or set OAUTH_SETUP_KEY (or --key-file) to the key the settings were written with",
                path.display()
            ),
        ),
        other => other.into(),
    }
}

/// A settings file at `path` that `key` cannot read (or, with no key yet,
/// any file there), unless `force`. Such a file is never overwritten by
/// accident, and the check runs before a sign-in so that a refusal does not
/// waste it.
pub fn unreadable_existing(path: &Path, key: Option<&Key>, force: bool) -> Option<SettingsError> {
    if force || !path.exists() {
        return None;
    }
    let Some(key) = key else {
        return Some(SettingsError::RefuseOverwrite {
            path: path.to_path_buf(),
            reason: "there is no key here yet to open it (it was written with another key)".into(),
        });
    };
    settings::read(path, key)
        .err()
        .filter(SettingsError::is_unreadable_file)
}

/// Writes `s` to `path` under `key`, taking the settings lock (a renewal in
/// progress finishes first and cannot overwrite this); with `force`
/// (`--force`) a file this key cannot read is replaced too. Never call it
/// while holding the lock.
pub fn write_settings(path: &Path, key: &Key, s: &Settings, force: bool) -> Result<(), Failure> {
    settings::replace(path, key, s, Replace::forced(force))?;
    Ok(())
}
