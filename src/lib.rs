//! oauth-setup: OAuth set-up for data connectors. The library under the
//! `oauth-setup` command line (which lives in the binary) and its wizard.

pub mod api_test;
pub mod browser;
pub mod callback;
pub mod connection_string;
pub mod error;
pub mod export;
pub mod flow;
pub mod headless;
pub mod http;
pub mod logging;
pub mod login;
pub mod oauth;
pub mod paths;
pub mod provider;
pub mod settings;
pub mod token_service;
pub mod tui;
