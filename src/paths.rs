//! Where things live: the config dir (key, settings, pending sign-ins, user
//! profiles) and the log file. The only module that knows these names.

use std::path::{Path, PathBuf};

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "oauth-setup")
}

/// `OAUTH_SETUP_CONFIG_DIR`, else the platform config dir (`~/.config/oauth-setup`).
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("OAUTH_SETUP_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    project_dirs()
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".oauth-setup"))
}

/// User provider profiles (`*.toml`).
pub fn providers_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("providers")
}

/// Where named connections live.
pub fn settings_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("settings")
}

/// The settings file of a named connection (by default the provider id).
pub fn settings_file(config_dir: &Path, name: &str) -> PathBuf {
    settings_dir(config_dir).join(format!("{name}.json"))
}

/// The NAME that `--settings NAME` means for `path`: its stem when it is a
/// file in [`settings_dir`], else None (a location named by itself).
pub fn connection_name(config_dir: &Path, path: &Path) -> Option<String> {
    let in_settings = path.parent() == Some(settings_dir(config_dir).as_path());
    path.file_stem()
        .filter(|_| in_settings)
        .map(|stem| stem.to_string_lossy().into_owned())
}

/// The connections written outside [`settings_dir`] (other paths, Vault
/// locations), so `list` finds them again.
pub fn known_file(config_dir: &Path) -> PathBuf {
    config_dir.join("known.json")
}

/// Paste-flow sign-ins waiting for `exchange`.
pub fn pending_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("pending")
}

/// This host's sealed copies of Vault documents.
pub fn vault_cache_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("cache").join("vault")
}

/// The per-user key, created on first use.
pub fn key_file(config_dir: &Path) -> PathBuf {
    config_dir.join("key")
}

/// Which store holds the key when the keyring does: one word, `keyring`.
/// Absent means the key file.
pub fn key_store_file(config_dir: &Path) -> PathBuf {
    config_dir.join("key-store")
}

/// `OAUTH_SETUP_LOG_FILE`, else `oauth-setup.log` in the platform state dir.
pub fn log_file(config_dir: &Path) -> PathBuf {
    if let Some(f) = std::env::var_os("OAUTH_SETUP_LOG_FILE").filter(|d| !d.is_empty()) {
        return PathBuf::from(f);
    }
    let dir = project_dirs()
        .and_then(|p| p.state_dir().map(|d| d.to_path_buf()))
        .unwrap_or_else(|| config_dir.to_path_buf());
    dir.join("oauth-setup.log")
}
