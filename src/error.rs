//! The sign-in error: every flow's failure, each with a message that says what
//! went wrong and what to do.

use crate::api_test::TestError;
use crate::callback::CallbackError;
use crate::oauth::TokenError;
use crate::oauth::code::CodeFlowError;
use crate::oauth::device::DeviceError;
use crate::oauth::password_signin::SigninError;
use crate::provider::discovery::DiscoveryError;
use crate::provider::{EndpointError, ProviderError};

/// A sign-in that did not produce settings.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Signin(#[from] SigninError),
    #[error("the token was not accepted: {0}")]
    Test(#[from] TestError),
    /// A value the scheme needs is missing; `how` says how to give it.
    #[error("{what} is needed: {how}")]
    Missing { what: String, how: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("sign-in cancelled")]
    Cancelled,
}

impl From<CodeFlowError> for LoginError {
    fn from(e: CodeFlowError) -> Self {
        match e {
            CodeFlowError::Callback(CallbackError::Cancelled) => LoginError::Cancelled,
            CodeFlowError::Callback(c) => LoginError::Callback(c),
            CodeFlowError::Token(t) => LoginError::Token(t),
            CodeFlowError::AuthorizeUrl(u) => {
                LoginError::Unsupported(format!("the authorize URL is not valid: {u}"))
            }
        }
    }
}

impl LoginError {
    /// True when the user (or a signal) stopped the sign-in.
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self,
            LoginError::Cancelled
                | LoginError::Callback(CallbackError::Cancelled)
                | LoginError::Device(DeviceError::Cancelled)
        )
    }

    /// True when the user or the provider refused access.
    pub fn is_denied(&self) -> bool {
        matches!(
            self,
            LoginError::Callback(CallbackError::Denied { .. })
                | LoginError::Device(DeviceError::Denied)
        )
    }
}
