//! Refresh grant (RFC 6749 §6). The caller keeps the old refresh token when the
//! answer carries none.

use super::token::{self, ClientCredentials, TokenError, TokenRequest, TokenSet};
use secrecy::SecretString;
use std::collections::BTreeMap;

pub async fn run(
    http: &reqwest::Client,
    token_url: &str,
    client: &ClientCredentials,
    refresh_token: &SecretString,
    headers: &BTreeMap<String, String>,
) -> Result<TokenSet, TokenError> {
    token::request(
        http,
        TokenRequest {
            token_url,
            client,
            params: vec![("grant_type", "refresh_token".to_string())],
            secret_params: vec![("refresh_token", refresh_token.clone())],
            headers,
        },
    )
    .await
}
