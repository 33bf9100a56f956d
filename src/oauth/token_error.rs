//! What can go wrong at a token endpoint, said for a person (RFC 6749
//! §5.2 errors with what to do about them), and the error bodies servers
//! send in place of a token.

use super::assertion::AssertionError;
use super::token::MAX_TOKENS_BYTES;
use crate::http::{self, TransportError};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(
        "the token endpoint redirected (HTTP {status}{}); token requests never follow redirects: check the token URL {url}",
        location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
    )]
    Redirect {
        url: String,
        status: u16,
        location: Option<String>,
    },
    #[error("the token endpoint refused the request (HTTP {status}): {error}{}. {}", description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default(), hint_for(error))]
    Rejected {
        status: u16,
        error: String,
        description: Option<String>,
    },
    #[error("the token endpoint is rate-limiting (HTTP 429){}; wait and try again", retry_after.as_deref().map(|r| format!(", retry after {r} s")).unwrap_or_default())]
    RateLimited { retry_after: Option<String> },
    #[error(
        "the token endpoint failed (HTTP {status}): {snippet}. The server has a problem; try again later"
    )]
    Server { status: u16, snippet: String },
    #[error(
        "the token endpoint answered HTTP {status} with {kind} instead of a JSON token: {snippet}. Check the token URL {url}"
    )]
    NotJson {
        url: String,
        status: u16,
        kind: String,
        snippet: String,
    },
    #[error(
        "the token endpoint's answer is not valid JSON ({reason}); it may have been cut off. Try again"
    )]
    BadJson { reason: String },
    #[error("the token endpoint's answer is too large (over 1 MiB); check the token URL {url}")]
    TooLarge { url: String },
    #[error(
        "the token endpoint's answer has no `{field}`; the server is not answering as OAuth 2.0 requires"
    )]
    MissingField { field: &'static str },
    #[error(
        "the token endpoint's answer has an invalid {field} ({value}); refusing a token with a negative lifetime"
    )]
    BadExpiresIn { field: &'static str, value: String },
    #[error(
        "the token endpoint's answer holds {kib} KiB of tokens; oauth-setup accepts at most {} KiB (a settings file must stay under 1 MiB). Check the token URL",
        MAX_TOKENS_BYTES / 1024
    )]
    TokensTooLarge { kib: usize },
    #[error("the token endpoint's answer is refused: {0}")]
    Invalid(#[from] crate::settings::MetaError),
    #[error(transparent)]
    Assertion(#[from] AssertionError),
    #[error(
        "private_key_jwt needs the client's private key file on this machine, and none was given or recorded (a key path in an imported bundle or a Vault document is never used): set OAUTH_SETUP_CLIENT_KEY_FILE=PATH, or import the bundle again with --client-key-file PATH"
    )]
    NoClientKey,
    #[error("the token endpoint refused the signed client assertion (HTTP {status}): invalid_client{}. Check that {} is the private key of the certificate (or JWKS) registered for client {client_id}, that the client id is right, and that the machine's clock is correct", description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default(), key_file.display())]
    KeyRejected {
        status: u16,
        client_id: String,
        key_file: std::path::PathBuf,
        description: Option<String>,
    },
    /// The client was refused and no secret was sent: the likeliest cause is
    /// a confidential client run without its secret, which the edge says how
    /// to give.
    #[error("the token endpoint refused the client (HTTP {status}): {error}{}, and no client secret was given. If the app has a client secret (a confidential client), it must be sent with each token request; otherwise check the client id and that the app allows this sign-in method", description.as_deref().map(|d| format!(" — {d}")).unwrap_or_default())]
    NoSecretRejected {
        status: u16,
        error: String,
        description: Option<String>,
    },
}

impl TokenError {
    /// The OAuth error code, when the server gave one.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            TokenError::Rejected { error, .. } | TokenError::NoSecretRejected { error, .. } => {
                Some(error)
            }
            TokenError::KeyRejected { .. } => Some("invalid_client"),
            _ => None,
        }
    }
}

fn hint_for(error: &str) -> &'static str {
    match error {
        "invalid_client" => "Check the client id and client secret (and that the app is enabled)",
        "invalid_grant" => "The code or refresh token is expired, used or revoked: sign in again",
        "invalid_scope" => "Ask for fewer scopes, or only scopes the app has been granted",
        "unauthorized_client" => "The app is not allowed this grant type: check the app's settings",
        "unsupported_grant_type" => "The server does not support this sign-in method for this app",
        "access_denied" => "Access was denied",
        _ => "Check the app's settings at the provider",
    }
}

/// The RFC 6749 §5.2 error in a body, if there is one.
pub fn oauth_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let error = v.get("error")?.as_str()?;
    let description = v
        .get("error_description")
        .and_then(Value::as_str)
        .map(|d| http::sanitize(d, 300));
    Some((http::sanitize(error, 80), description))
}

/// A provider's own JSON error where RFC 6749's is missing: HubSpot's
/// dated OAuth API answers `{"message","correlationId","category"}`.
pub(super) fn api_error(body: &[u8]) -> Option<(String, Option<String>)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let message = v.get("message")?.as_str()?;
    let category = v.get("category").and_then(Value::as_str).unwrap_or("error");
    Some((
        http::sanitize(category, 80),
        Some(http::sanitize(message, 300)),
    ))
}
