//! Runs a whole sign-in: resolve the input, run the grant its scheme names
//! (one function per grant), and build the settings to save.

use super::error::{LoginError, Needed};
use super::input::LoginInput;
use super::record::{self, DEFAULT_TIMEOUT};
use super::resolve::{Resolved, resolve};
use crate::oauth::{self, ClientCredentials, Events, LoginEvent, TokenSet};
use crate::probe::{self, TestError};
use crate::provider::{ClientAuth, Field, Profile, SchemeKind};
use crate::settings::{LastTest, Settings};
use secrecy::SecretString;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Everything one grant needs, borrowed from the sign-in that runs it.
struct Grant<'a> {
    http: &'a reqwest::Client,
    input: &'a LoginInput,
    r: &'a Resolved,
    events: &'a Events,
    cancel: &'a CancellationToken,
}

impl Grant<'_> {
    fn client(&self) -> Result<ClientCredentials, LoginError> {
        Ok(ClientCredentials {
            client_id: need(&self.input.client_id, Field::ClientId)?,
            client_secret: self.input.client_secret.clone(),
            auth: self.r.client_auth,
            key: self.input.client_key.clone(),
        })
    }

    fn token_url(&self) -> &str {
        self.r.endpoints.token_url.as_deref().unwrap_or_default()
    }
}

fn need<T: Clone>(v: &Option<T>, field: Field) -> Result<T, LoginError> {
    v.clone().ok_or(LoginError::Missing(Needed::Field(field)))
}

/// Runs the whole sign-in with the given profiles (built-in plus the user's).
pub async fn run_login_with(
    input: LoginInput,
    profiles: &[Profile],
    events: Events,
    cancel: CancellationToken,
) -> Result<Settings, LoginError> {
    let http = crate::http::client();
    let r = resolve(&input, profiles, &http, &events).await?;
    refresh_token_fits(&input, &r)?;
    check_fields(&input, &r)?;
    let g = Grant {
        http: &http,
        input: &input,
        r: &r,
        events: &events,
        cancel: &cancel,
    };
    let tokens = match r.scheme.kind {
        SchemeKind::AuthorizationCode if input.refresh_token.is_some() => {
            Some(from_refresh_token(&g).await?)
        }
        SchemeKind::AuthorizationCode => Some(authorization_code(&g).await?),
        SchemeKind::ClientCredentials => Some(client_credentials(&g).await?),
        SchemeKind::DeviceCode => Some(device_code(&g).await?),
        SchemeKind::PasswordSignin => Some(password_signin(&g).await?),
        SchemeKind::StaticToken => None,
    };
    let mut settings = record::document(&r, &input);
    if let Some(t) = tokens {
        record::apply_tokens(&mut settings, t, r.scheme.default_expires_in);
        super::account::fill_from_userinfo(&http, r.userinfo.as_deref(), &mut settings).await;
    }
    if r.scheme.kind == SchemeKind::StaticToken {
        let token = need(&settings.secrets.static_token, Field::Token)?;
        settings.meta.last_test = validate_static(&http, &r.profile, &settings, &token).await?;
    }
    let _ = events.send(LoginEvent::Done);
    Ok(settings)
}

/// A refresh token from elsewhere replaces a browser sign-in, so only an
/// authorization-code method can start from one.
fn refresh_token_fits(input: &LoginInput, r: &Resolved) -> Result<(), LoginError> {
    let fits = match r.scheme.kind {
        SchemeKind::AuthorizationCode => true,
        SchemeKind::ClientCredentials
        | SchemeKind::DeviceCode
        | SchemeKind::PasswordSignin
        | SchemeKind::StaticToken => false,
    };
    if input.refresh_token.is_some() && !fits {
        return Err(LoginError::Unsupported(format!(
            "starting from a refresh token is for authorization-code (browser sign-in) methods; `{}` is {}",
            r.scheme.id,
            r.scheme.kind.as_str()
        )));
    }
    Ok(())
}

/// Every value the scheme's form asks for must be there before any request.
fn check_fields(input: &LoginInput, r: &Resolved) -> Result<(), LoginError> {
    if r.client_auth == ClientAuth::PrivateKeyJwt && input.client_key.is_none() {
        return Err(LoginError::Missing(Needed::ClientKey));
    }
    for &f in &r.scheme.fields {
        let given = match f {
            Field::ClientId => input.client_id.is_some(),
            // A signed assertion stands in for the secret.
            Field::ClientSecret => {
                input.client_secret.is_some() || r.client_auth == ClientAuth::PrivateKeyJwt
            }
            Field::Username => input.username.is_some(),
            Field::Password => input.password.is_some(),
            Field::EventId => input.event_id.is_some(),
            Field::OrgId => input.org_id.is_some(),
            Field::Token => input.static_token.is_some(),
            Field::ServiceRoot => r.vars.contains_key("service_root"),
            // Optional, or already required by `resolve` where the scheme
            // cannot do without them (discovery needs the issuer only where
            // the URLs were not given).
            Field::Issuer | Field::CallbackUrl | Field::AuthorizeUrl | Field::TokenUrl => true,
        };
        if !given {
            return Err(LoginError::Missing(Needed::Field(f)));
        }
    }
    Ok(())
}

fn timeout(input: &LoginInput) -> Duration {
    if input.timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        input.timeout
    }
}

async fn authorization_code(g: &Grant<'_>) -> Result<TokenSet, LoginError> {
    let c = g.client()?;
    // No browser here (a remote shell, --no-browser): the device flow would
    // spare the person the callback, so say it is there.
    if g.input.browser == oauth::BrowserMode::PrintOnly
        && let Some(device) = super::resolve::device_offer(g.r)
    {
        let _ = g.events.send(LoginEvent::DeviceOffered {
            scheme: device.id.clone(),
        });
    }
    let cb = g
        .input
        .callback_url
        .as_deref()
        .or(g.r.scheme.default_callback_url.as_deref());
    let (t, _redirect_uri) = oauth::code::run(
        g.http,
        oauth::code::CodeFlow {
            authorize_url: g.r.endpoints.authorize_url.as_deref().unwrap_or_default(),
            token_url: g.token_url(),
            client: &c,
            scopes: &g.r.scopes,
            extra_params: &g.r.scheme.extra_authorize_params,
            headers: &g.r.headers,
            callback_url: cb,
            browser: g.input.browser,
            timeout: timeout(g.input),
        },
        g.events,
        g.cancel,
    )
    .await?;
    Ok(t)
}

/// A sign-in that starts from a refresh token obtained elsewhere: the
/// refresh grant runs at once, so a token that does not work is refused
/// before anything is written. A server that does not rotate sends no new
/// refresh token: the given one is kept.
async fn from_refresh_token(g: &Grant<'_>) -> Result<TokenSet, LoginError> {
    let given = need(&g.input.refresh_token, Field::Token)?;
    let c = g.client()?;
    let _ = g.events.send(LoginEvent::RequestingToken);
    let mut t = tokio::select! {
        _ = g.cancel.cancelled() => return Err(LoginError::Cancelled),
        t = oauth::refresh::run(g.http, g.token_url(), &c, &given, &g.r.headers) => t?,
    };
    if t.refresh_token.is_none() {
        t.refresh_token = Some(given);
    }
    Ok(t)
}

async fn client_credentials(g: &Grant<'_>) -> Result<TokenSet, LoginError> {
    let c = g.client()?;
    if c.client_secret.is_none() && c.auth != ClientAuth::PrivateKeyJwt {
        return Err(LoginError::Missing(Needed::Field(Field::ClientSecret)));
    }
    let _ = g.events.send(LoginEvent::RequestingToken);
    tokio::select! {
        _ = g.cancel.cancelled() => Err(LoginError::Cancelled),
        t = oauth::client_credentials::run(g.http, g.token_url(), &c, &g.r.scopes, &g.r.headers) => Ok(t?),
    }
}

async fn device_code(g: &Grant<'_>) -> Result<TokenSet, LoginError> {
    let c = g.client()?;
    let t = oauth::device::run(
        g.http,
        oauth::device::DeviceFlow {
            device_url: g
                .r
                .endpoints
                .device_authorization_url
                .as_deref()
                .unwrap_or_default(),
            token_url: g.token_url(),
            client: &c,
            scopes: &g.r.scopes,
            headers: &g.r.headers,
        },
        g.events,
        g.cancel,
    )
    .await?;
    Ok(t)
}

async fn password_signin(g: &Grant<'_>) -> Result<TokenSet, LoginError> {
    let _ = g.events.send(LoginEvent::RequestingToken);
    let username = need(&g.input.username, Field::Username)?;
    let password = need(&g.input.password, Field::Password)?;
    let event_id = g
        .input
        .event_id
        .as_deref()
        .filter(|_| g.r.scheme.fields.contains(&Field::EventId));
    let signin_url = g.r.endpoints.signin_url.as_deref().unwrap_or_default();
    let s = tokio::select! {
        _ = g.cancel.cancelled() => return Err(LoginError::Cancelled),
        s = oauth::password_signin::run(g.http, signin_url, &username, &password, event_id) => s?,
    };
    Ok(TokenSet {
        access_token: s.token_id,
        token_type: Some("tokenID".into()),
        expires_in: None,
        refresh_expires_in: None,
        refresh_token: None,
        id_token: None,
        scope: s.scope,
    })
}

/// A static token has no token endpoint to vouch for it: the provider's test
/// request does, where the profile has one; the result is the connection's
/// first test.
async fn validate_static(
    http: &reqwest::Client,
    profile: &Profile,
    settings: &Settings,
    token: &SecretString,
) -> Result<Option<LastTest>, LoginError> {
    match probe::test(http, profile, &settings.meta, token).await {
        Ok(outcome) => Ok(probe::last_test(&Ok(outcome))),
        Err(TestError::NoRequest(_) | TestError::NoUrl | TestError::NoHeader(_)) => {
            tracing::warn!("no test request to validate the static token");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
