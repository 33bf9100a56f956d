//! What every command shares: where the configuration is, where the key
//! comes from, whether a person is at the terminal, and the settings-file
//! conventions (default path, overwrite rules).

use super::failure::{Failure, exit};
use oauth_setup::provider::{self, Profile, ProviderError};
use oauth_setup::settings::{
    self, Account, Key, KeyPlan, KeySource, KeyStore, Meta, Occupant, Replace, Settings,
    SettingsError,
};
use oauth_setup::{paths, text};
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
    /// From `--config-dir`, `--key-file` and `--key-store`; each flag wins
    /// over its environment variable. Fails when the key is given twice
    /// (the keyring and a key file) or the recorded store is unreadable.
    pub fn new(
        config_dir: Option<PathBuf>,
        key_file: Option<&Path>,
        key_store: Option<KeyStore>,
    ) -> Result<Self, Failure> {
        let config_dir = config_dir.unwrap_or_else(paths::config_dir);
        let key_source =
            KeySource::choose(key_file, key_store, &config_dir).map_err(|e| match e {
                SettingsError::KeyStoreConflict(_) => Failure::new(exit::USAGE, e),
                other => other.into(),
            })?;
        Ok(Self {
            key_source,
            config_dir,
            tty: Tty::detect(),
        })
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

    /// The one profile `id`, parsing no more than it needs (said when it is
    /// the user's own, replacing a built-in).
    pub fn profile(&self, id: &str) -> Result<Profile, ProviderError> {
        let p = provider::load_one(Some(&paths::providers_dir(&self.config_dir)), id)?;
        self.note_replaced(&p);
        Ok(p)
    }

    /// The `api_base` template of profile `id`: a builtin's from the table
    /// built with the binary, else from the (user's) profile, said as
    /// [`Ctx::profile`] says it. `None` when there is none or no profile.
    pub fn api_base_template(&self, id: &str) -> Option<String> {
        let dir = paths::providers_dir(&self.config_dir);
        match provider::builtin_api_base(Some(&dir), id) {
            Some(base) => base.map(String::from),
            None => self.profile(id).ok()?.api_base,
        }
    }

    /// The profile `id` of `profiles` that a command uses, said once when it
    /// is the user's own, replacing a built-in.
    pub fn find_profile<'a>(
        &self,
        profiles: &'a [Profile],
        id: &str,
    ) -> Result<&'a Profile, ProviderError> {
        let p = provider::find(profiles, id)?;
        self.note_replaced(p);
        Ok(p)
    }

    /// A profile dropped into `<config>/providers` with a built-in's id takes
    /// its place (endpoints, scopes, where the token is sent): every command
    /// that uses one says so, once, as `providers` and the wizard mark it.
    fn note_replaced(&self, p: &Profile) {
        use std::sync::atomic::{AtomicBool, Ordering};
        static SAID: AtomicBool = AtomicBool::new(false);
        if p.replaces_builtin && !SAID.swap(true, Ordering::Relaxed) {
            eprintln!(
                "Note: provider `{}` is your own profile from {}, which replaces the built-in one (remove {}.toml there to use the built-in).",
                p.id,
                paths::providers_dir(&self.config_dir).display(),
                p.id
            );
        }
    }

    /// `--settings` when given (a path or a bare name), else the connection
    /// `--name` names, else the one named after the provider: both are
    /// `<config dir>/settings/<name>.json`.
    pub fn settings_path(
        &self,
        given: Option<&Path>,
        name: Option<&str>,
        provider: &str,
    ) -> PathBuf {
        match given {
            Some(g) => crate::cli::store::file_of(&self.config_dir, g),
            None => paths::settings_file(&self.config_dir, name.unwrap_or(provider)),
        }
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

/// Refuses to write over what is at `path` unless `force`: a connection
/// there (named, with whose it is) is never replaced silently, nor a file
/// `key` cannot read (or, with no key yet, any file). Runs before a sign-in,
/// so a refusal wastes none. `not_done` says what did not happen ("nothing
/// was signed in"), `other` how to write elsewhere ("--name OTHER").
pub fn refuse_occupied(
    ctx: &Ctx,
    path: &Path,
    key: Option<&Key>,
    force: bool,
    not_done: &str,
    other: &str,
) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    let name = text::sanitize(&connection_name(&ctx.config_dir, path), 200);
    let message = match settings::occupant(path, key)? {
        Occupant::Free => return Ok(()),
        Occupant::Connection(meta) => format!(
            "`{name}` is already a connection ({}) at {}; {not_done}. Give the new one another name ({other}), or pass --force to replace it (the old file is then kept as {}).",
            text::sanitize(&whose(&meta), 200),
            path.display(),
            settings::backup_path(path).display()
        ),
        Occupant::Unreadable(e) => format!(
            "{e}\nThe existing file is kept; {not_done}. Give another name ({other}), or pass --force to replace it."
        ),
    };
    Err(Failure::new(exit::SETTINGS, message))
}

/// A connection as `list` names it: the file's stem in the settings folder,
/// else the location itself.
pub fn connection_name(config_dir: &Path, path: &Path) -> String {
    paths::connection_name(config_dir, path).unwrap_or_else(|| path.display().to_string())
}

/// "hubdb, signed in as jane@example.com" / "cvent, client abc".
pub fn whose(meta: &Meta) -> String {
    let account = meta.account.as_ref().and_then(Account::label);
    match (account, &meta.username, &meta.client_id) {
        (Some(a), _, _) => format!("{}, signed in as {a}", meta.provider),
        (None, Some(u), _) => format!("{}, user {u}", meta.provider),
        (None, None, Some(c)) => format!("{}, client {c}", meta.provider),
        (None, None, None) => meta.provider.clone(),
    }
}

/// Remembers a connection written outside the settings folder, for `list`.
/// Failing to is only worth a warning: the connection itself is written.
pub fn remember(ctx: &Ctx, location: &Path) {
    if let Err(e) = settings::known::remember(&ctx.config_dir, location) {
        tracing::warn!(error = %e, "cannot remember the connection's location");
        eprintln!("Note: `list` will not show this connection ({e}).");
    }
}

/// Writes `s` to `path` under `key`, taking the settings lock (a renewal in
/// progress finishes first and cannot overwrite this); with `force`
/// (`--force`) a file this key cannot read is replaced too. Never call it
/// while holding the lock.
pub fn write_settings(path: &Path, key: &Key, s: &Settings, force: bool) -> Result<(), Failure> {
    settings::replace(path, key, s, Replace::forced(force))?;
    Ok(())
}
