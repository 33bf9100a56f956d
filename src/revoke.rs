//! Ending a grant: revoke its tokens at the provider (RFC 7009), then forget
//! them on this machine. A revocation that fails keeps the local copy: it is
//! the only handle left on a grant that is still live.

use crate::oauth::revoke::{self, Hint};
use crate::oauth::{ClientCredentials, TokenError};
use crate::settings::Settings;

/// What the provider was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// The refresh and/or access token were revoked at this URL.
    At(String),
    /// Nothing that could be revoked: no refresh token, and the access token
    /// (if any) expires on its own.
    NothingToRevoke,
}

#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error(
        "provider `{provider}` has no revocation endpoint, so the refresh token would stay valid at the provider; revoke the app's access in the provider's admin pages, then remove the file with --local-only"
    )]
    NoEndpoint { provider: String },
    #[error("the provider did not revoke the token: {}", at_revocation(.0))]
    Failed(#[from] TokenError),
}

/// A token endpoint error, said of the revocation endpoint it came from
/// (RFC 7009 shares the error shapes, not the endpoint).
fn at_revocation(e: &TokenError) -> String {
    e.to_string()
        .replace("the token endpoint", "the revocation endpoint")
        .replace("the token URL", "the revocation URL")
}

/// Revokes the refresh token (which ends the grant), then the access token.
pub async fn revoke(s: &Settings) -> Result<Revoked, RevokeError> {
    let m = &s.meta;
    let refresh = s.secrets.refresh_token.as_ref();
    let Some(url) = m.endpoints.revocation_url.as_deref() else {
        return match refresh {
            Some(_) => Err(RevokeError::NoEndpoint {
                provider: m.provider.clone(),
            }),
            None => Ok(Revoked::NothingToRevoke),
        };
    };
    let http = crate::http::client();
    let client = ClientCredentials {
        client_id: m.client_id.clone().unwrap_or_default(),
        client_secret: s.secrets.client_secret.clone(),
        auth: m.client_auth,
        key: crate::oauth::assertion::signing_key(m.client_key.as_ref(), false),
    };
    let mut any = false;
    if let Some(rt) = refresh {
        revoke::run(
            &http,
            url,
            &client,
            rt,
            Hint::RefreshToken,
            &m.extra_headers,
        )
        .await?;
        any = true;
    }
    if let Some(at) = &s.secrets.access_token {
        match revoke::run(&http, url, &client, at, Hint::AccessToken, &m.extra_headers).await {
            Ok(()) => any = true,
            // The grant ended with its refresh token (RFC 7009 §2.1: its
            // access tokens may go with it). Some servers revoke refresh
            // tokens only (HubSpot documents exactly that): a refusal here
            // must not keep a file whose grant is already dead.
            Err(TokenError::Rejected { status, error, .. }) if any => {
                tracing::info!(
                    status,
                    error,
                    "the access token was not revoked; the refresh token was"
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(if any {
        Revoked::At(url.to_string())
    } else {
        Revoked::NothingToRevoke
    })
}
