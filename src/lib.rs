//! oauth-setup: OAuth set-up for data connectors, as a library the CLI and the
//! TUI share.

pub mod error;
pub mod flow;
pub mod login;
pub mod provider;
pub mod settings;
pub mod browser;
pub mod callback;
pub mod http;
pub mod oauth;
pub mod api_test;
pub mod connection_string;
pub mod logging;
pub mod paths;
pub mod secret_input;
pub mod token_service;
pub mod cli;
pub mod commands;
