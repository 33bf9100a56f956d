//! The full-screen wizard (`oauth-setup` with no subcommand).
//!
//! Key press → [`action::Action`] → [`update::update`] (pure, returns
//! [`action::Command`]s) → [`screens::render`] of the new [`state::State`].
//! Background work (sign-in, test call, save) runs in [`backend::Executor`]
//! on a tokio runtime and reports back through the same `Action` channel.

pub mod action;
pub mod app;
pub mod backend;
mod help;
pub mod layout;
pub mod screens;
pub mod state;
pub mod theme;
pub mod update;
pub mod widgets;

use crate::settings::KeySource;
use std::path::PathBuf;

/// What the CLI hands to the wizard.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// oauth-setup's config directory (settings files, key, user profiles).
    pub config_dir: PathBuf,
    /// Where the settings key comes from, as the command line resolved it.
    pub key: KeySource,
    /// Skip the provider list (`--provider cvent`).
    pub provider: Option<String>,
}

impl TuiOptions {
    pub fn new(config_dir: PathBuf, key: KeySource) -> Self {
        Self {
            config_dir,
            key,
            provider: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(
        "the wizard needs an interactive terminal; in scripts use the subcommands (see `oauth-setup --help`)"
    )]
    NotATerminal,
    #[error("terminal error: {0}")]
    Io(#[from] std::io::Error),
    #[error("could not load the provider profiles: {0}")]
    Profiles(String),
    #[error("unknown provider `{0}`: run `oauth-setup providers` to list them")]
    UnknownProvider(String),
    #[error("could not start the background runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs the wizard until the user finishes or quits. The terminal is
/// restored on every exit path, panics included. Returns the settings file
/// written, or None when the user left without saving.
pub fn run(opts: TuiOptions) -> Result<Option<std::path::PathBuf>, TuiError> {
    app::run(opts)
}
