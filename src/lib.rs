//! oauth-setup: OAuth set-up for data connectors. The library is the domain
//! (providers, flows, sign-in, settings, renewal, hand-off); the binary's
//! command line and the wizard are faces on it. See ARCHITECTURE.md.

pub mod api;
mod browser;
pub mod child;
pub mod connections;
pub mod duration;
pub mod export;
pub mod http;
pub mod logging;
pub mod oauth;
pub mod paths;
pub mod probe;
pub mod provider;
pub mod revoke;
pub mod settings;
pub mod signin;
pub mod text;
pub mod tls;
pub mod token;
pub mod tui;
