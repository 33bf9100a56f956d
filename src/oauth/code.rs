//! Authorization code grant with PKCE S256 and state (RFC 6749 §4.1, RFC 7636,
//! RFC 8252): loopback callback server, system browser, code exchange.

use super::loopback::{self, CallbackError, CallbackServer};
use super::progress::{BrowserMode, Events, LoginEvent};
use super::token::{self, ClientCredentials, TokenError, TokenRequest, TokenSet};
use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use url::Url;

/// A prepared authorization request: the URL to open and what the exchange
/// will need. The verifier never leaves this process (or the pending-state
/// store of the paste flow).
pub struct AuthRequest {
    pub url: String,
    pub state: String,
    pub verifier: SecretString,
    pub redirect_uri: String,
}

impl std::fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthRequest")
            .field("url", &self.url)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// Builds the authorization URL with a fresh state and PKCE S256 challenge.
pub fn authorization_request(
    authorize_url: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &[String],
    extra_params: &BTreeMap<String, String>,
) -> Result<AuthRequest, url::ParseError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random();
    let mut url = Url::parse(authorize_url)?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri);
        if !scopes.is_empty() {
            q.append_pair("scope", &scopes.join(" "));
        }
        q.append_pair("state", state.secret())
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra_params {
            q.append_pair(k, v);
        }
    }
    Ok(AuthRequest {
        url: url.to_string(),
        state: state.secret().clone(),
        verifier: SecretString::from(verifier.secret().clone()),
        redirect_uri: redirect_uri.to_string(),
    })
}

/// Exchanges a code (RFC 6749 §4.1.3) with the same redirect_uri and the PKCE verifier.
pub async fn exchange(
    http: &reqwest::Client,
    token_url: &str,
    client: &ClientCredentials,
    code: &SecretString,
    verifier: &SecretString,
    redirect_uri: &str,
    headers: &BTreeMap<String, String>,
) -> Result<TokenSet, TokenError> {
    // Through the oauth2 type so the verifier keeps its redacting Debug.
    let verifier = PkceCodeVerifier::new(verifier.expose_secret().to_string());
    token::request(
        http,
        TokenRequest {
            token_url,
            client,
            params: vec![
                ("grant_type", "authorization_code".to_string()),
                ("redirect_uri", redirect_uri.to_string()),
            ],
            secret_params: vec![
                ("code", code.clone()),
                (
                    "code_verifier",
                    SecretString::from(verifier.secret().clone()),
                ),
            ],
            headers,
        },
    )
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum CodeFlowError {
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the authorize URL is not valid: {0}")]
    AuthorizeUrl(#[from] url::ParseError),
}

pub struct CodeFlow<'a> {
    pub authorize_url: &'a str,
    pub token_url: &'a str,
    pub client: &'a ClientCredentials,
    pub scopes: &'a [String],
    pub extra_params: &'a BTreeMap<String, String>,
    pub headers: &'a BTreeMap<String, String>,
    pub callback_url: Option<&'a str>,
    pub browser: BrowserMode,
    pub timeout: Duration,
}

/// Runs the whole browser sign-in. The server listens before the browser is
/// started; the browser command is never waited on.
pub async fn run(
    http: &reqwest::Client,
    flow: CodeFlow<'_>,
    events: &Events,
    cancel: &CancellationToken,
) -> Result<(TokenSet, String), CodeFlowError> {
    let target = loopback::parse_target(flow.callback_url)?;
    let mut server = CallbackServer::bind(target)?;
    let redirect_uri = server.redirect_uri().to_string();
    let _ = events.send(LoginEvent::Listening {
        redirect_uri: redirect_uri.clone(),
    });
    let req = authorization_request(
        flow.authorize_url,
        &flow.client.client_id,
        &redirect_uri,
        flow.scopes,
        flow.extra_params,
    )?;
    let browser_started = match flow.browser {
        BrowserMode::PrintOnly => false,
        BrowserMode::Open => {
            // Any user can read a process's arguments: the browser gets a
            // page only we can read that leads to a one-time link to our
            // server, never the state and challenge (nor the link).
            let start = server.start(&req.url)?;
            // The opener gets a moment to fail: off the async workers.
            let opened = tokio::task::spawn_blocking(move || match start {
                loopback::StartUrl::Page(page) => crate::browser::open_own_file(&page),
                loopback::StartUrl::Link(link) => crate::browser::open(&link),
            })
            .await
            .unwrap_or_else(|e| {
                Err(crate::browser::BrowserError::System(std::io::Error::other(
                    e,
                )))
            });
            match opened {
                Ok(()) => true,
                Err(e) => {
                    let _ = events.send(LoginEvent::BrowserFailed {
                        reason: e.to_string(),
                    });
                    false
                }
            }
        }
    };
    let _ = events.send(LoginEvent::AuthorizeUrl {
        url: req.url.clone(),
        browser_started,
    });
    let timeout = flow.timeout;
    let state = req.state.clone();
    let cancel_wait = cancel.clone();
    let tick_events = events.clone();
    let (code, held) = tokio::task::spawn_blocking(move || {
        let mut tick = |remaining| {
            let _ = tick_events.send(LoginEvent::Waiting { remaining });
        };
        let out = server.wait(&state, timeout, &cancel_wait, &mut tick);
        drop(server);
        out
    })
    .await
    .map_err(|_| CallbackError::Cancelled)??;
    let _ = events.send(LoginEvent::RequestingToken);
    let tokens = exchange(
        http,
        flow.token_url,
        flow.client,
        &code,
        &req.verifier,
        &redirect_uri,
        flow.headers,
    )
    .await;
    // The browser's page tells what happened, after it happened.
    match &tokens {
        Ok(_) => held.signed_in(),
        Err(_) => held.failed(),
    }
    Ok((tokens?, redirect_uri))
}
