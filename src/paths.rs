//! Where things live: config dir (key, settings, user profiles) and the log file.

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

/// User provider profiles (`*.toml`) under `config_dir`.
pub fn providers_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("providers")
}

/// Default settings file for a provider, under `config_dir` (which the
/// `--config-dir` flag may have chosen, so it is passed in, not looked up).
pub fn default_settings_path(config_dir: &Path, provider: &str) -> PathBuf {
    config_dir.join("settings").join(format!("{provider}.json"))
}

/// `OAUTH_SETUP_LOG_FILE`, else `oauth-setup.log` in the platform state dir.
pub fn log_file() -> PathBuf {
    if let Some(f) = std::env::var_os("OAUTH_SETUP_LOG_FILE").filter(|d| !d.is_empty()) {
        return PathBuf::from(f);
    }
    let dir = project_dirs()
        .and_then(|p| p.state_dir().map(|d| d.to_path_buf()))
        .unwrap_or_else(config_dir);
    dir.join("oauth-setup.log")
}
