//! oauth-setup: OAuth set-up for data connectors, as a library the CLI and the
//! TUI share.

pub mod api_test;
pub mod browser;
pub mod callback;
pub mod cli;
pub mod commands;
pub mod commands_headless;
pub mod connection_string;
pub mod error;
pub mod flow;
pub mod headless;
pub mod http;
pub mod logging;
pub mod login;
pub mod oauth;
pub mod paths;
pub mod provider;
pub mod secret_input;
pub mod settings;
pub mod token_service;
pub mod tui;
