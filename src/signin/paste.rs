//! The paste flow (CData's GetOAuthAuthorizationURL / OAuthVerifier): the
//! server prints the authorization URL, a browser anywhere signs in, and the
//! user pastes back the URL the browser ended on. The PKCE verifier never
//! leaves the server.

use super::error::{LoginError, Needed};
use super::input::LoginInput;
use super::pending::{self, Pending};
use super::record;
use super::resolve::{Resolved, resolve};
use crate::oauth::loopback::{self, Callback, Rejected};
use crate::oauth::{self, ClientCredentials, Events, TokenError};
use crate::provider::{ClientAuth, Field, Profile, SchemeKind};
use crate::settings::{Secrets, Settings};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Longest pasted redirect URL accepted (some providers send long codes).
pub const MAX_PASTE: usize = 16 * 1024;

/// A started paste-flow sign-in: the URL to open, and the state to keep.
pub struct Started {
    pub url: String,
    pub pending: Pending,
}

/// Resolves the input like `login`, builds the authorization URL with fresh
/// state and PKCE, and returns it with the pending state (not yet saved).
pub async fn start(
    input: &LoginInput,
    profiles: &[Profile],
    http: &reqwest::Client,
    events: &Events,
) -> Result<Started, LoginError> {
    let r: Resolved = resolve(input, profiles, http, events).await?;
    if r.scheme.kind != SchemeKind::AuthorizationCode {
        return Err(LoginError::Unsupported(format!(
            "the `{}` scheme of `{}` is {}, not a browser sign-in; `auth-url` needs an authorization code scheme{}",
            r.scheme.id,
            r.profile.id,
            r.scheme.kind.as_str(),
            if r.scheme.kind == SchemeKind::DeviceCode {
                " (for the device flow run `oauth-setup login` with this scheme: it prints a code to enter on any device)"
            } else {
                " (this scheme needs no browser: run `oauth-setup login` on the server)"
            }
        )));
    }
    let client_id = input
        .client_id
        .clone()
        .ok_or(LoginError::Missing(Needed::Field(Field::ClientId)))?;
    if r.client_auth == ClientAuth::PrivateKeyJwt {
        if input.client_key.is_none() {
            return Err(LoginError::Missing(Needed::ClientKey));
        }
    } else if r.scheme.fields.contains(&Field::ClientSecret) && input.client_secret.is_none() {
        return Err(LoginError::Missing(Needed::Field(Field::ClientSecret)));
    }
    let redirect_uri = input
        .callback_url
        .as_deref()
        .or(r.scheme.default_callback_url.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(LoginError::Missing(Needed::RedirectUri))?
        .to_string();
    check_redirect_uri(&redirect_uri)?;
    let req = oauth::code::authorization_request(
        r.endpoints.authorize_url.as_deref().unwrap_or_default(),
        &client_id,
        &redirect_uri,
        &r.scopes,
        &r.scheme.extra_authorize_params,
    )
    .map_err(|e| LoginError::Unsupported(format!("the authorize URL is not valid: {e}")))?;
    let now = crate::settings::now_unix();
    let pending = Pending {
        state: SecretString::from(req.state.clone()),
        verifier: req.verifier.clone(),
        client_secret: input.client_secret.clone(),
        store_client_secret: input.store_client_secret,
        redirect_uri: req.redirect_uri.clone(),
        meta: record::meta(&r, input, Some(req.redirect_uri.clone())),
        default_expires_in: r.scheme.default_expires_in,
        userinfo: r.userinfo.clone(),
        target: None,
        created_at: now,
        expires_at: now + pending::ttl().as_secs() as i64,
    };
    Ok(Started {
        url: req.url,
        pending,
    })
}

fn check_redirect_uri(raw: &str) -> Result<(), LoginError> {
    let bad = |why: &str| LoginError::Unsupported(format!("the callback URL `{raw}` {why}"));
    let url = Url::parse(raw).map_err(|e| bad(&format!("is not a valid URL ({e})")))?;
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment (RFC 6749 §3.1.2)"));
    }
    if url.scheme() != "https" && !crate::provider::is_loopback(&url) {
        return Err(bad(
            "must be https, or http on localhost / 127.0.0.1 (RFC 8252)",
        ));
    }
    Ok(())
}

/// What was pasted, or given with `--verifier` / `--state`, could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PasteError {
    #[error(
        "nothing was pasted: paste the whole URL the browser ended on (it contains `code=` and `state=`)"
    )]
    Empty,
    #[error(
        "the pasted text is longer than 16 KB; paste only the URL from the browser's address bar"
    )]
    TooLong,
    #[error(
        "the pasted text has no `state`: paste the whole URL from the browser's address bar, not only the code (or give both --verifier CODE and --state STATE)"
    )]
    NoState,
    #[error("the pasted URL {0}; copy the whole URL from the browser's address bar again")]
    Rejected(Rejected),
}

/// The query string of what the user pasted: a full URL, `?code=..&state=..`
/// or the bare query. Fragments are read too (`response_mode=fragment`).
pub fn query_of(pasted: &str) -> Result<String, PasteError> {
    let text = pasted.trim();
    if text.is_empty() {
        return Err(PasteError::Empty);
    }
    if text.len() > MAX_PASTE {
        return Err(PasteError::TooLong);
    }
    let q = if let Ok(url) = Url::parse(text) {
        url.query()
            .filter(|q| q.contains("state="))
            .or(url.fragment())
            .unwrap_or("")
            .to_string()
    } else if let Some((_, q)) = text.split_once('?') {
        q.split('#').next().unwrap_or("").to_string()
    } else {
        text.trim_start_matches(['?', '#']).to_string()
    };
    if !url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "state") {
        return Err(PasteError::NoState);
    }
    Ok(q)
}

/// The first `state` in a query: only to find the pending file; the full
/// check (constant time, repeats) is [`loopback::check_query`].
pub fn state_of(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
}

/// The query `--verifier CODE --state STATE` stand for.
pub fn query_from_parts(code: &str, state: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code.trim())
        .append_pair("state", state.trim())
        .finish()
}

/// What a pasted query means for `pending`: the state is compared in
/// constant time before the code or an error is looked at.
pub fn check(query: &str, pending: &Pending) -> Result<Callback, PasteError> {
    loopback::check_query(query, pending.state.expose_secret()).map_err(PasteError::Rejected)
}

/// Exchanges the code with the stored verifier and the same redirect URI,
/// and builds the settings to save.
pub async fn finish(
    http: &reqwest::Client,
    p: &Pending,
    code: &SecretString,
) -> Result<Settings, TokenError> {
    let client = ClientCredentials {
        client_id: p.meta.client_id.clone().unwrap_or_default(),
        client_secret: p.client_secret.clone(),
        auth: p.meta.client_auth,
        key: p.meta.client_key.clone(),
    };
    let tokens = oauth::code::exchange(
        http,
        p.meta.endpoints.token_url.as_deref().unwrap_or_default(),
        &client,
        code,
        &p.verifier,
        &p.redirect_uri,
        &p.meta.extra_headers,
    )
    .await?;
    let mut meta = p.meta.clone();
    // The settings are born now, not when the URL was printed.
    meta.created_at = crate::settings::now_unix();
    let secrets = Secrets {
        client_secret: p.client_secret.clone().filter(|_| p.store_client_secret),
        ..Secrets::default()
    };
    let mut settings = Settings { meta, secrets };
    record::apply_tokens(&mut settings, tokens, p.default_expires_in);
    super::account::fill_from_userinfo(http, p.userinfo.as_deref(), &mut settings).await;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_forms() {
        let q = query_of("  http://localhost:33333/?code=abc&state=xyz\n").unwrap();
        assert_eq!(state_of(&q).as_deref(), Some("xyz"));
        let q = query_of("?code=abc&state=xyz").unwrap();
        assert_eq!(state_of(&q).as_deref(), Some("xyz"));
        let q = query_of("code=abc&state=xyz").unwrap();
        assert_eq!(state_of(&q).as_deref(), Some("xyz"));
        let q = query_of("https://app.example/cb#code=abc&state=xyz").unwrap();
        assert_eq!(state_of(&q).as_deref(), Some("xyz"));
        assert!(matches!(query_of(""), Err(PasteError::Empty)));
        assert!(matches!(
            query_of("http://localhost:33333/?code=abc"),
            Err(PasteError::NoState)
        ));
        let long = format!("http://localhost/?state=s&code={}", "c".repeat(MAX_PASTE));
        assert!(matches!(query_of(&long), Err(PasteError::TooLong)));
        // Long but under the limit: nothing is cut.
        let code = "c".repeat(12 * 1024);
        let q = query_of(&format!("http://localhost/?state=s&code={code}")).unwrap();
        assert!(q.ends_with(&code));
    }

    #[test]
    fn parts_are_encoded() {
        let q = query_from_parts("a&b", "s=1");
        assert_eq!(state_of(&q).as_deref(), Some("s=1"));
    }
}
