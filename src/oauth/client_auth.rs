//! How the client proves who it is at the token endpoint: HTTP Basic or
//! body fields with a secret (RFC 6749 §2.3.1), or a signed assertion
//! (RFC 7523, `private_key_jwt`); and what a refusal of the latter means.

use super::assertion;
use super::token::{ClientCredentials, TokenError};
use crate::http;
use crate::provider::ClientAuth;
use base64::Engine;
use secrecy::ExposeSecret;

fn form_urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Adds the client's credentials to a token request: a header on `builder`
/// or entries in `fields`, as its style says.
pub(super) fn present(
    c: &ClientCredentials,
    token_url: &str,
    mut builder: reqwest::RequestBuilder,
    fields: &mut Vec<(String, String)>,
) -> Result<reqwest::RequestBuilder, TokenError> {
    let secret = c
        .client_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string());
    let basic = |b: reqwest::RequestBuilder| {
        // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
        let raw = format!(
            "{}:{}",
            form_urlencode(&c.client_id),
            form_urlencode(secret.as_deref().unwrap_or(""))
        );
        let enc = base64::engine::general_purpose::STANDARD.encode(raw);
        b.header(reqwest::header::AUTHORIZATION, format!("Basic {enc}"))
    };
    match c.auth {
        ClientAuth::Basic if secret.is_some() => builder = basic(builder),
        ClientAuth::BasicAndBody if secret.is_some() => {
            builder = basic(builder);
            fields.push(("client_id".into(), c.client_id.clone()));
        }
        ClientAuth::PrivateKeyJwt => {
            let key = c.key.as_ref().ok_or(TokenError::NoClientKey)?;
            fields.push(("client_id".into(), c.client_id.clone()));
            fields.extend(assertion::form_fields(key, &c.client_id, token_url)?);
        }
        ClientAuth::Form | ClientAuth::Json => {
            fields.push(("client_id".into(), c.client_id.clone()));
            if let Some(s) = &secret {
                fields.push(("client_secret".into(), s.clone()));
            }
        }
        // A public client, or a confidential style with no secret given.
        _ => fields.push(("client_id".into(), c.client_id.clone())),
    }
    Ok(builder)
}

/// A refused client, said by what it sent: after a signed assertion it is
/// about the key (which file to check); with no secret at all, that none
/// was given.
pub fn client_rejected(e: TokenError, c: &ClientCredentials) -> TokenError {
    match (e, &c.key) {
        (
            TokenError::Rejected {
                status,
                error,
                description,
            },
            Some(key),
        ) if c.auth == ClientAuth::PrivateKeyJwt && error == "invalid_client" => {
            TokenError::KeyRejected {
                status,
                client_id: http::sanitize(&c.client_id, 120),
                key_file: key.key_file.clone(),
                description,
            }
        }
        (
            TokenError::Rejected {
                status,
                error,
                description,
            },
            _,
        ) if c.auth != ClientAuth::PrivateKeyJwt
            && c.client_secret.is_none()
            && matches!(error.as_str(), "invalid_client" | "unauthorized_client") =>
        {
            TokenError::NoSecretRejected {
                status,
                error,
                description,
            }
        }
        (e, _) => e,
    }
}
