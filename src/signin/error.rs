//! The sign-in error: every flow's failure, each with a message that says what
//! went wrong. A missing value is typed ([`Needed`]) so each face says how
//! to give it in its own words: flags and variables on the command line,
//! form fields in the wizard.

use crate::http::TransportError;
use crate::oauth::TokenError;
use crate::oauth::code::CodeFlowError;
use crate::oauth::device::DeviceError;
use crate::oauth::loopback::CallbackError;
use crate::oauth::password_signin::SigninError;
use crate::probe::TestError;
use crate::provider::discovery::DiscoveryError;
use crate::provider::{Endpoint, EndpointError, Field, ProviderError};

/// A value a sign-in cannot do without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needed {
    /// A value the scheme's form asks for.
    Field(Field),
    /// A URL that neither the profile, the overrides nor discovery gave;
    /// `discovery` says whether an issuer would have found it.
    Endpoint { endpoint: Endpoint, discovery: bool },
    /// Discovery needs the issuer (or explicit authorize and token URLs).
    Issuer,
    /// A template variable that one of the scheme's headers needs.
    HeaderVar { header: String, var: String },
    /// The redirect URI registered with the app (the paste flow has no
    /// loopback server to pick one).
    RedirectUri,
    /// The private key `private_key_jwt` signs with.
    ClientKey,
}

impl std::fmt::Display for Needed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Needed::Field(field) => write!(f, "the {}", field.as_str().replace('_', " ")),
            Needed::Endpoint { endpoint, .. } => write!(f, "the {}", endpoint.label()),
            Needed::Issuer => f.write_str("the issuer URL (or explicit authorize and token URLs)"),
            Needed::HeaderVar { header, .. } => write!(f, "a value for the `{header}` header"),
            Needed::RedirectUri => f.write_str("the redirect URI"),
            Needed::ClientKey => f.write_str("the client's private key file (private_key_jwt)"),
        }
    }
}

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
    /// The provider's test request, run to check a token the user gave.
    #[error("{}", test_failed(.0))]
    Test(#[from] TestError),
    #[error("{0} is needed")]
    Missing(Needed),
    /// A template variable the profile does not have: a typo would otherwise
    /// fall back to the default (a production host) or be stored unused.
    #[error("{}", unknown_var(.name, .profile, .known, .suggestion.as_deref()))]
    UnknownVar {
        name: String,
        profile: String,
        /// The names the profile takes: its declared variables, then the
        /// names of the values the user enters (`org_id`, `issuer`, ...).
        known: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("{0}")]
    Unsupported(String),
    #[error("sign-in cancelled")]
    Cancelled,
}

fn unknown_var(name: &str, profile: &str, known: &[String], suggestion: Option<&str>) -> String {
    let hint = suggestion
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    format!(
        "provider `{profile}` has no variable `{name}`{hint}; its variables: {}",
        known.join(", ")
    )
}

/// Only the API's 401 and 403 say anything about the token: a server nobody
/// reached, or one that failed, has not refused it.
fn test_failed(e: &TestError) -> String {
    match e {
        // A token the user gave: there is no sign-in to do again, only the
        // token to check (TestError's own words are for a signed-in one).
        TestError::Unauthorized { status, detail } => format!(
            "the token was not accepted: the API rejected it (HTTP {status}){}; check that you copied the whole token and that it is still valid at the provider",
            detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ),
        TestError::Forbidden { .. } => format!("the token was not accepted: {e}"),
        TestError::Transport(_)
        | TestError::NoRequest(_)
        | TestError::NoUrl
        | TestError::NoHeader(_)
        | TestError::BadUrl(_)
        | TestError::RateLimited
        | TestError::Failed { .. } => format!("the token could not be checked: {e}"),
    }
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

    /// The failed request, when no server answered it (refused connection,
    /// timeout), wherever in the sign-in that happened: discovery, the
    /// device or token endpoint, a password sign-in or the test request.
    /// Every face reports these alike, as a network problem.
    pub fn unreachable(&self) -> Option<&TransportError> {
        let t = match self {
            LoginError::Token(t) | LoginError::Device(DeviceError::Token(t)) => {
                let TokenError::Transport(t) = t else {
                    return None;
                };
                t
            }
            LoginError::Discovery(DiscoveryError::Transport(t))
            | LoginError::Signin(SigninError::Transport(t))
            | LoginError::Test(TestError::Transport(t)) => t,
            LoginError::Provider(_)
            | LoginError::Endpoint(_)
            | LoginError::Discovery(_)
            | LoginError::Callback(_)
            | LoginError::Device(_)
            | LoginError::Signin(_)
            | LoginError::Test(_)
            | LoginError::Missing(_)
            | LoginError::UnknownVar { .. }
            | LoginError::Unsupported(_)
            | LoginError::Cancelled => return None,
        };
        match t {
            TransportError::Timeout { .. } | TransportError::Connect { .. } => Some(t),
            TransportError::Other { .. } | TransportError::Insecure { .. } => None,
        }
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
