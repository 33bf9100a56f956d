//! The OAuthSettings store.

pub mod format;

pub use format::*;
