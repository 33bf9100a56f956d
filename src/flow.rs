//! Resolves a [`LoginInput`] against its profile (templates, region,
//! discovery, overrides), runs the flow its scheme names, and builds the
//! settings to save.

use crate::api_test;
use crate::error::LoginError;
use crate::login::{Events, LoginEvent, LoginInput};
use crate::oauth::{self, ClientCredentials, TokenSet};
use crate::provider::{self, ClientAuth, Endpoints, Field, Profile, Scheme, SchemeKind, discovery};
use crate::settings::{Meta, Secrets, Settings};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Default wait for a browser or device approval.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// A login input checked against its profile, with every URL known.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub profile: Profile,
    pub scheme: Scheme,
    /// The scheme's client authentication, after discovery and overrides.
    pub client_auth: ClientAuth,
    pub region: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub endpoints: Endpoints,
    pub headers: BTreeMap<String, String>,
    pub scopes: Vec<String>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Which endpoints a scheme kind cannot do without.
fn needed(kind: SchemeKind) -> &'static [&'static str] {
    match kind {
        SchemeKind::AuthorizationCode => &["authorize URL", "token URL"],
        SchemeKind::ClientCredentials => &["token URL"],
        SchemeKind::DeviceCode => &["device authorization URL", "token URL"],
        SchemeKind::PasswordSignin => &["sign-in URL"],
        SchemeKind::StaticToken => &[],
    }
}

fn slot<'a>(e: &'a mut Endpoints, what: &str) -> &'a mut Option<String> {
    match what {
        "authorize URL" => &mut e.authorize_url,
        "token URL" => &mut e.token_url,
        "device authorization URL" => &mut e.device_authorization_url,
        "sign-in URL" => &mut e.signin_url,
        _ => &mut e.test_url,
    }
}

fn flag_of(what: &str) -> &'static str {
    match what {
        "authorize URL" => "--authorize-url",
        "token URL" => "--token-url",
        "device authorization URL" => "--device-url",
        "sign-in URL" => "--signin-url",
        _ => "--test-url",
    }
}

fn template_of<'a>(s: &'a Scheme, what: &str) -> Option<&'a str> {
    match what {
        "authorize URL" => s.authorize_url.as_deref(),
        "token URL" => s.token_url.as_deref(),
        "device authorization URL" => s.device_authorization_url.as_deref(),
        "sign-in URL" => s.signin_url.as_deref(),
        _ => None,
    }
}

/// Resolves endpoints, headers and scopes; runs discovery when the scheme
/// uses it and the URLs were not given.
pub async fn resolve(
    input: &LoginInput,
    profiles: &[Profile],
    http: &reqwest::Client,
    events: &Events,
) -> Result<Resolved, LoginError> {
    let profile = provider::find(profiles, &input.profile_id)?.clone();
    let scheme = profile.scheme(input.scheme.as_deref())?.clone();
    let region = profile.region(input.region.as_deref())?.cloned();
    let mut vars = profile.base_vars(region.as_ref());
    vars.extend(input.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    for (k, v) in [("org_id", &input.org_id), ("event_id", &input.event_id)] {
        if let Some(v) = v {
            vars.insert(k.to_string(), v.clone());
        }
    }
    if let Some(issuer) = &input.endpoints.issuer {
        vars.insert("issuer".into(), issuer.clone());
    }
    let mut endpoints = input.endpoints.clone();
    let mut client_auth = scheme.client_auth;
    let mut userinfo = None;
    let all = [
        "authorize URL",
        "token URL",
        "device authorization URL",
        "sign-in URL",
    ];
    // Templates first: a rendered URL is what the profile says; a missing var
    // only matters for an endpoint this scheme needs (checked below).
    for what in all {
        if slot(&mut endpoints, what).is_none()
            && let Some(t) = template_of(&scheme, what)
            && let Ok(url) = profile.render(t, &vars)
        {
            *slot(&mut endpoints, what) = Some(url);
        }
    }
    let missing = |e: &mut Endpoints| needed(scheme.kind).iter().any(|w| slot(e, w).is_none());
    if scheme.discovery && missing(&mut endpoints) {
        let issuer = vars
            .get("issuer")
            .cloned()
            .ok_or_else(|| LoginError::Missing {
                what: "the issuer URL (or explicit authorize and token URLs)".into(),
                how: "give --issuer URL, or --authorize-url and --token-url".into(),
            })?;
        let _ = events.send(LoginEvent::Discovering {
            issuer: issuer.clone(),
        });
        let meta = discovery::discover(http, &issuer).await?;
        client_auth = meta.adjust_client_auth(client_auth);
        userinfo = meta.userinfo_endpoint.clone();
        endpoints.issuer = Some(meta.issuer.clone());
        endpoints.authorize_url = endpoints.authorize_url.or(meta.authorization_endpoint);
        endpoints.token_url = endpoints.token_url.or(meta.token_endpoint);
        endpoints.device_authorization_url = endpoints
            .device_authorization_url
            .or(meta.device_authorization_endpoint);
        if scheme.kind == SchemeKind::DeviceCode && endpoints.device_authorization_url.is_none() {
            return Err(LoginError::Unsupported(format!(
                "{issuer} does not offer the device flow (its metadata has no device_authorization_endpoint); use `auth-url` / `exchange` for a server without a browser"
            )));
        }
    }
    for what in needed(scheme.kind) {
        if slot(&mut endpoints, what).is_none() {
            let err = match template_of(&scheme, what) {
                Some(t) => profile.render(t, &vars).err().map(LoginError::from),
                None => None,
            };
            return Err(err.unwrap_or_else(|| LoginError::Missing {
                what: format!("the {what}"),
                how: format!(
                    "give {} URL{}",
                    flag_of(what),
                    if scheme.discovery {
                        ", or --issuer URL"
                    } else {
                        ""
                    }
                ),
            }));
        }
    }
    if endpoints.test_url.is_none()
        && let Some(test) = &profile.test
    {
        endpoints.test_url = profile.render(&test.url, &vars).ok().or(userinfo);
    }
    endpoints.check()?;
    let mut headers = BTreeMap::new();
    for (k, t) in &scheme.extra_headers {
        let v = profile.render(t, &vars).map_err(|_| LoginError::Missing {
            what: format!("a value for the `{k}` header"),
            how: format!(
                "give it with --{}",
                t.trim_matches(['{', '}']).replace('_', "-")
            ),
        })?;
        headers.insert(k.clone(), v);
    }
    let scopes = if !scheme.uses_scopes {
        Vec::new()
    } else if let Some(s) = &input.scopes {
        s.clone()
    } else {
        scheme
            .default_scope_preset
            .as_deref()
            .and_then(|p| profile.preset_scopes(p))
            .unwrap_or_default()
    };
    if let Some(limit) = profile.scope_limit
        && scopes.len() > limit
    {
        tracing::warn!(
            count = scopes.len(),
            limit,
            "more scopes than the provider handles well"
        );
    }
    Ok(Resolved {
        client_auth: input.client_auth.unwrap_or(client_auth),
        region: region.map(|r| r.id),
        profile,
        scheme,
        vars,
        endpoints,
        headers,
        scopes,
    })
}

fn need<T: Clone>(v: &Option<T>, what: &str, how: &str) -> Result<T, LoginError> {
    v.clone().ok_or_else(|| LoginError::Missing {
        what: what.into(),
        how: how.into(),
    })
}

const SECRET_HOW: &str =
    "set OAUTH_SETUP_CLIENT_SECRET, or use --client-secret-file PATH or --client-secret-stdin";

/// Runs the whole sign-in with the given profiles (built-in plus the user's).
pub async fn run_login_with(
    input: LoginInput,
    profiles: &[Profile],
    events: Events,
    cancel: CancellationToken,
) -> Result<Settings, LoginError> {
    let http = crate::http::client();
    let r = resolve(&input, profiles, &http, &events).await?;
    for f in &r.scheme.fields {
        let given = match f {
            Field::ClientId => input.client_id.is_some(),
            Field::ClientSecret => input.client_secret.is_some(),
            Field::Username => input.username.is_some(),
            Field::Password => input.password.is_some(),
            Field::EventId => input.event_id.is_some(),
            Field::OrgId => input.org_id.is_some(),
            Field::Token => input.static_token.is_some(),
            Field::ServiceRoot => r.vars.contains_key("service_root"),
            // Discovery needs the issuer only where the URLs were not given;
            // `resolve` has already said so if they are missing.
            Field::Issuer => true,
            _ => true,
        };
        if !given {
            let how = match f {
                Field::ClientSecret => SECRET_HOW.to_string(),
                Field::Password => {
                    "set OAUTH_SETUP_PASSWORD, or use --password-file PATH or --password-stdin"
                        .into()
                }
                Field::Token => {
                    "set OAUTH_SETUP_TOKEN, or use --token-file PATH or --token-stdin".into()
                }
                other => format!("give --{}", other.as_str().replace('_', "-")),
            };
            return Err(LoginError::Missing {
                what: format!("the {}", f.as_str().replace('_', " ")),
                how,
            });
        }
    }
    let timeout = if input.timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        input.timeout
    };
    let client = || -> Result<ClientCredentials, LoginError> {
        Ok(ClientCredentials {
            client_id: need(&input.client_id, "the client id", "give --client-id")?,
            client_secret: input.client_secret.clone(),
            auth: r.client_auth,
        })
    };
    let token_url = r.endpoints.token_url.clone().unwrap_or_default();
    let mut secrets = Secrets::default();
    let mut callback_url = input.callback_url.clone();
    let tokens: Option<TokenSet> = match r.scheme.kind {
        SchemeKind::AuthorizationCode => {
            let c = client()?;
            let cb = input
                .callback_url
                .as_deref()
                .or(r.scheme.default_callback_url.as_deref());
            let (t, _redirect_uri) = oauth::code::run(
                &http,
                oauth::code::CodeFlow {
                    authorize_url: r.endpoints.authorize_url.as_deref().unwrap_or_default(),
                    token_url: &token_url,
                    client: &c,
                    scopes: &r.scopes,
                    extra_params: &r.scheme.extra_authorize_params,
                    headers: &r.headers,
                    callback_url: cb,
                    browser: input.browser,
                    timeout,
                },
                &events,
                &cancel,
            )
            .await?;
            // An ephemeral port is not worth keeping: only a registered URI is.
            callback_url = cb.map(str::to_string);
            Some(t)
        }
        SchemeKind::ClientCredentials => {
            let c = client()?;
            if c.client_secret.is_none() {
                return Err(LoginError::Missing {
                    what: "the client secret".into(),
                    how: SECRET_HOW.into(),
                });
            }
            let _ = events.send(LoginEvent::RequestingToken);
            let t = tokio::select! {
                _ = cancel.cancelled() => return Err(LoginError::Cancelled),
                t = oauth::client_credentials::run(&http, &token_url, &c, &r.scopes, &r.headers) => t?,
            };
            Some(t)
        }
        SchemeKind::DeviceCode => {
            let c = client()?;
            let t = oauth::device::run(
                &http,
                oauth::device::DeviceFlow {
                    device_url: r
                        .endpoints
                        .device_authorization_url
                        .as_deref()
                        .unwrap_or_default(),
                    token_url: &token_url,
                    client: &c,
                    scopes: &r.scopes,
                    headers: &r.headers,
                },
                &events,
                &cancel,
            )
            .await?;
            Some(t)
        }
        SchemeKind::PasswordSignin => {
            let _ = events.send(LoginEvent::RequestingToken);
            let username = need(&input.username, "the username", "give --username")?;
            let password = need(
                &input.password,
                "the password",
                "set OAUTH_SETUP_PASSWORD, or use --password-file PATH or --password-stdin",
            )?;
            let event_id = input
                .event_id
                .as_deref()
                .filter(|_| r.scheme.fields.contains(&Field::EventId));
            let s = tokio::select! {
                _ = cancel.cancelled() => return Err(LoginError::Cancelled),
                s = oauth::password_signin::run(&http, r.endpoints.signin_url.as_deref().unwrap_or_default(), &username, &password, event_id) => s?,
            };
            if input.store_password {
                secrets.password = Some(password);
            }
            Some(TokenSet {
                access_token: s.token_id,
                token_type: Some("tokenID".into()),
                expires_in: None,
                refresh_token: None,
                id_token: None,
                scope: s.scope,
            })
        }
        SchemeKind::StaticToken => {
            secrets.static_token = input.static_token.clone();
            None
        }
    };
    if input.store_client_secret {
        secrets.client_secret = input.client_secret.clone();
    }
    let mut meta = Meta::new(r.profile.id.clone(), r.scheme.id.clone(), r.scheme.kind);
    meta.client_id = input.client_id.clone();
    meta.client_auth = r.client_auth;
    meta.endpoints = r.endpoints.clone();
    meta.vars = r.vars.clone();
    meta.extra_headers = r.headers.clone();
    meta.scopes = r.scopes.clone();
    meta.region = r.region.clone();
    meta.org_id = input.org_id.clone();
    meta.username = input.username.clone();
    meta.event_id = input.event_id.clone();
    meta.callback_url = callback_url;
    meta.initiate_oauth = input.initiate_oauth;
    let mut settings = Settings { meta, secrets };
    if let Some(t) = tokens {
        apply_tokens(&mut settings, t, r.scheme.default_expires_in);
    }
    if r.scheme.kind == SchemeKind::StaticToken {
        let token = need(
            &settings.secrets.static_token,
            "the token",
            "set OAUTH_SETUP_TOKEN, or use --token-file PATH or --token-stdin",
        )?;
        validate_static(&http, &r, &token).await?;
    }
    let _ = events.send(LoginEvent::Done);
    Ok(settings)
}

async fn validate_static(
    http: &reqwest::Client,
    r: &Resolved,
    token: &SecretString,
) -> Result<(), LoginError> {
    let (Some(test), Some(url)) = (&r.profile.test, &r.endpoints.test_url) else {
        tracing::warn!("no test request to validate the static token");
        return Ok(());
    };
    let headers = test_headers(&r.profile, &r.vars, &r.headers);
    api_test::run_request(http, test, url, &headers, token).await?;
    Ok(())
}

/// Headers for the test request: the scheme's extra headers plus the test's own.
pub fn test_headers(
    profile: &Profile,
    vars: &BTreeMap<String, String>,
    extra: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut h = extra.clone();
    if let Some(test) = &profile.test {
        for (k, t) in &test.headers {
            if let Ok(v) = profile.render(t, vars) {
                h.insert(k.clone(), v);
            }
        }
    }
    h
}

/// Puts a token answer into settings, keeping the old refresh token when the
/// answer has none.
pub fn apply_tokens(settings: &mut Settings, t: TokenSet, default_expires_in: Option<i64>) {
    let now_ms = now_ms();
    let m = &mut settings.meta;
    m.token_type = t.token_type.clone();
    m.token_timestamp_ms = Some(now_ms);
    m.expires_at = t
        .expires_in
        .or(default_expires_in)
        .map(|e| now_ms / 1000 + e);
    m.updated_at = now_ms / 1000;
    if let Some(scope) = &t.scope {
        m.granted_scopes = Some(scope.split_whitespace().map(str::to_string).collect());
    }
    let s = &mut settings.secrets;
    s.access_token = Some(t.access_token);
    if t.refresh_token.is_some() {
        s.refresh_token = t.refresh_token;
    }
    if t.id_token.is_some() {
        s.id_token = t.id_token;
    }
}

/// The sign-in that renews a settings file interactively (InitiateOAuth =
/// GETANDREFRESH with nothing left to refresh): same provider, client,
/// endpoints and scopes as before.
pub fn input_from_settings(s: &Settings) -> LoginInput {
    let m = &s.meta;
    LoginInput {
        profile_id: m.provider.clone(),
        scheme: Some(m.scheme.clone()),
        region: m.region.clone(),
        vars: m.vars.clone(),
        endpoints: m.endpoints.clone(),
        client_id: m.client_id.clone(),
        client_secret: s.secrets.client_secret.clone(),
        client_auth: Some(m.client_auth),
        store_client_secret: s.secrets.client_secret.is_some(),
        username: m.username.clone(),
        password: s.secrets.password.clone(),
        store_password: s.secrets.password.is_some(),
        event_id: m.event_id.clone(),
        org_id: m.org_id.clone(),
        static_token: s.secrets.static_token.clone(),
        scopes: Some(m.scopes.clone()),
        callback_url: m.callback_url.clone(),
        browser: crate::login::BrowserMode::Open,
        timeout: DEFAULT_TIMEOUT,
        initiate_oauth: m.initiate_oauth,
    }
}
