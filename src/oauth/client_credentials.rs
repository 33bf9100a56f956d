//! Client credentials grant (RFC 6749 §4.4).

use super::token::{self, ClientCredentials, TokenError, TokenRequest, TokenSet};
use std::collections::BTreeMap;

pub async fn run(
    http: &reqwest::Client,
    token_url: &str,
    client: &ClientCredentials,
    scopes: &[String],
    headers: &BTreeMap<String, String>,
) -> Result<TokenSet, TokenError> {
    let mut params = vec![("grant_type", "client_credentials".to_string())];
    params.extend(token::scope_param(scopes));
    token::request(
        http,
        TokenRequest {
            token_url,
            client,
            params,
            secret_params: vec![],
            headers,
        },
    )
    .await
}
