//! The flows, one file each. All talk HTTP through [`crate::http`].

pub mod client_credentials;
pub mod code;
pub mod device;
pub mod password_signin;
pub mod refresh;
pub mod token;

pub use token::{ClientCredentials, TokenError, TokenSet};
