//! Library error types. Each message says what went wrong and what to do.

use crate::provider::EndpointError;

/// A sign-in that did not produce settings.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error("sign-in cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}
