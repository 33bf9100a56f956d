//! oauth-setup: OAuth set-up for data connectors, as a library the CLI and the
//! TUI share.

pub mod error;
pub mod flow;
pub mod login;
pub mod provider;
pub mod settings;
pub mod tui;
