//! The flows, one file each, and the loopback server the browser flow
//! listens on. All talk HTTP through [`crate::http`].

pub mod assertion;
mod client_auth;
pub mod client_credentials;
pub mod code;
pub mod device;
pub mod loopback;
pub mod password_signin;
mod progress;
pub mod refresh;
pub mod revoke;
pub mod token;
mod token_error;

pub use assertion::ClientKey;
pub use progress::{BrowserMode, Events, LoginEvent};
pub use token::{ClientCredentials, TokenError, TokenSet};
