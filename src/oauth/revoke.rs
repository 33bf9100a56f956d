//! Token revocation (RFC 7009): tells the server a token is no longer
//! wanted; revoking a refresh token ends the grant.

use super::token::{self, ClientCredentials, TokenError, TokenRequest};
use secrecy::SecretString;
use std::collections::BTreeMap;

/// Which token is being revoked (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    RefreshToken,
    AccessToken,
}

impl Hint {
    fn as_str(self) -> &'static str {
        match self {
            Hint::RefreshToken => "refresh_token",
            Hint::AccessToken => "access_token",
        }
    }
}

/// Revokes `token` at `url`, authenticating as the client the same way its
/// token requests do. A 2xx answer is success (RFC 7009 §2.2: also for a
/// token the server no longer knows).
pub async fn run(
    http: &reqwest::Client,
    url: &str,
    client: &ClientCredentials,
    token: &SecretString,
    hint: Hint,
    headers: &BTreeMap<String, String>,
) -> Result<(), TokenError> {
    let resp = token::send(
        http,
        &TokenRequest {
            token_url: url,
            client,
            params: vec![("token_type_hint", hint.as_str().to_string())],
            secret_params: vec![("token", token.clone())],
            headers,
        },
    )
    .await?;
    if (200..300).contains(&resp.status) {
        return Ok(());
    }
    Err(match token::parse_response(&resp) {
        Err(e) => e,
        // A non-2xx answer shaped like a token is still a failure.
        Ok(_) => TokenError::Server {
            status: resp.status,
            snippet: crate::http::snippet(&resp.body),
        },
    })
}
