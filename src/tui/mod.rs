//! The full-screen wizard (`oauth-setup` with no subcommand).
//!
//! A key press becomes an [`Action`]; [`update`] (pure) routes it to the
//! current screen and returns [`Effect`]s; [`render`] draws the new
//! [`State`]. Background work (sign-in, test call, save) runs in the
//! [`Executor`] on a tokio runtime and reports back through the same
//! `Action` channel, tagged with run ids so stale results are dropped.
//! Each screen lives in one module under `screens/`: its state, keys,
//! paste, clicks, render and hints.

mod action;
mod app;
mod effects;
mod failure;
mod help;
mod layout;
mod request;
mod saving;
mod screens;
mod state;
mod terminal;
mod theme;
mod update;
mod widgets;

// What the binary, the tests and the bench drive the wizard with.
pub use action::{
    Action, Effect, Failure, Pasted, SaveTarget, Saved, Step, Taken, VaultAuth, VaultTarget,
};
pub use effects::Executor;
pub use screens::authorize::AuthPhase;
pub use screens::credentials::{FormKey, FormRow, LookupPhase, form_rows};
pub use screens::home::{Confirm, JobKind};
pub use screens::render;
pub use screens::save::VaultForm;
pub use state::{OnYes, Phase, Screen, State};
pub use theme::Theme;
pub use update::update;

use crate::settings::KeySource;
use std::path::PathBuf;

/// What the CLI hands to the wizard.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// oauth-setup's config directory (settings files, user profiles).
    pub config_dir: PathBuf,
    /// The key settings files are encrypted with.
    pub key: KeySource,
    /// Start with this provider (`oauth-setup --provider ID`): its method
    /// screen instead of the home or provider screen.
    pub provider: Option<String>,
}

impl TuiOptions {
    pub fn new(config_dir: impl Into<PathBuf>, key: KeySource) -> Self {
        Self {
            config_dir: config_dir.into(),
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
    #[error("could not start the background runtime: {0}")]
    Runtime(std::io::Error),
    /// `--provider` names no loaded profile (the message lists them).
    #[error("{0}")]
    UnknownProvider(crate::provider::ProviderError),
}

/// The first screen: the home screen when connections are saved, else the
/// provider list; with `provider`, that provider's method screen. What the
/// app does before its first frame, and the tests and bench like it.
pub fn start(state: &mut State, key: &KeySource, provider: Option<&str>) -> Vec<Effect> {
    let mut fx = update(
        state,
        effects::load_connections(&state.config_dir.clone(), key),
    );
    if let Some(id) = provider {
        fx.extend(update(state, Action::ChooseProvider(id.to_string())));
    }
    fx
}

/// Runs the wizard until the user finishes or quits. The terminal is
/// restored on every exit path, panics included. Returns what was saved
/// (where, and the next commands), or None when the user left without saving.
pub fn run(opts: TuiOptions) -> Result<Option<Saved>, TuiError> {
    app::run(opts)
}
