//! The CData connection string for a settings file (design §7).
//!
//! A CData driver owns the file at `OAuthSettingsLocation` (its own format,
//! which it overwrites), so the string never names one of ours: it carries
//! the token itself (`token`), hands the whole grant over (`handoff`), or
//! lets the driver sign in as the app (`app`). Only the properties the
//! profile's `[cdata]` list documents are emitted: some drivers refuse any
//! other ("… is not a valid connection property").

use crate::provider::{Cdata, SchemeKind};
use crate::settings::Settings;
use secrecy::{ExposeSecret, SecretString};

/// What the connector is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `InitiateOAuth=OFF` and a valid access token: this tool stays the only
    /// one that renews; the application reconnects with a fresh string.
    Token,
    /// `InitiateOAuth=REFRESH` with the refresh token: the driver renews from
    /// now on, and this tool stops renewing with that refresh token.
    Handoff,
    /// `InitiateOAuth=GETANDREFRESH` with the client id and secret: the
    /// driver fetches its own tokens (client-credentials schemes).
    App,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Token => "token",
            Mode::Handoff => "handoff",
            Mode::App => "app",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionStringError {
    #[error(
        "CData has no connector for {provider} that this tool knows of: use `oauth-setup exec`, `oauth-setup api` or `oauth-setup token` to hand the token to a program instead"
    )]
    NoConnector { provider: String },
    #[error(
        "--mode app is for client-credentials connections (the driver signs in as the app); this file uses {kind}: use --mode token or --mode handoff"
    )]
    NotAnApp { kind: &'static str },
    #[error(
        "--mode handoff gives the driver the refresh token, and this file has none: use --mode token (or --mode app for a client-credentials connection)"
    )]
    NoRefreshToken,
    #[error("--mode app needs the client secret, and this file does not keep it")]
    NoClientSecret,
    #[error("the file holds no access token to put in the string: sign in again")]
    NoAccessToken,
    #[error(
        "the value for {property} contains control characters, which a connection string cannot carry"
    )]
    Unsafe { property: String },
}

/// What the caller decided: the mode, whether to add secrets a mode does
/// not need, and the driver's own settings location.
pub struct Request<'a> {
    pub mode: Mode,
    pub include_secrets: bool,
    /// `OAuthSettingsLocation` for the driver (`memory://…` or its own path).
    pub driver_location: &'a str,
    /// Unix milliseconds now (for a token whose obtained time is unknown).
    pub now_ms: i64,
}

/// Quotes a value that contains a separator, the way CData connection strings do.
fn value(v: &str) -> String {
    if v.contains([';', '\'', '"', '=', '{', '}']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("'{}'", v.replace('\'', "''"))
    } else {
        v.to_string()
    }
}

type Parts = Vec<(String, String)>;

/// The properties for `req.mode`, filtered by the connector's list.
/// `token` is the access token to hand over (already renewed if needed).
pub fn build(
    s: &Settings,
    token: Option<&SecretString>,
    cdata: &Cdata,
    req: &Request<'_>,
) -> Result<Vec<(String, String)>, ConnectionStringError> {
    let m = &s.meta;
    let mut parts: Parts = Vec::new();
    if let Some(scheme) = cdata
        .scheme_auth
        .get(&m.scheme)
        .or(cdata.auth_scheme.as_ref())
    {
        parts.push(("AuthScheme".into(), scheme.clone()));
    }
    for (prop, var) in &cdata.vars {
        if let Some(v) = m.vars.get(var) {
            parts.push((prop.clone(), v.clone()));
        }
    }
    match req.mode {
        Mode::Token => token_parts(s, token, req, &mut parts)?,
        Mode::Handoff => handoff_parts(s, token, req, &mut parts)?,
        Mode::App => app_parts(s, req, &mut parts)?,
    }
    // The one filter: nothing the connector does not document.
    let out: Vec<(String, String)> = parts
        .into_iter()
        .filter(|(k, _)| cdata.properties.iter().any(|p| p == k))
        .collect();
    for (k, v) in &out {
        if crate::text::has_unsafe(v) || v.chars().any(char::is_control) {
            return Err(ConnectionStringError::Unsafe {
                property: k.clone(),
            });
        }
    }
    Ok(out)
}

fn secret(s: &SecretString) -> String {
    s.expose_secret().to_string()
}

fn client_parts(s: &Settings, with_secret: bool, parts: &mut Parts) {
    if let Some(id) = &s.meta.client_id {
        parts.push(("OAuthClientId".into(), id.clone()));
    }
    if with_secret && let Some(sec) = &s.secrets.client_secret {
        parts.push(("OAuthClientSecret".into(), secret(sec)));
    }
}

fn token_parts(
    s: &Settings,
    token: Option<&SecretString>,
    req: &Request<'_>,
    parts: &mut Parts,
) -> Result<(), ConnectionStringError> {
    let token = token.ok_or(ConnectionStringError::NoAccessToken)?;
    // A static token (HubSpot's private-app token) is not an OAuth grant:
    // CData documents only AuthScheme and OAuthAccessToken for it.
    if s.meta.kind != SchemeKind::StaticToken {
        parts.push(("InitiateOAuth".into(), "OFF".into()));
    }
    parts.push(("OAuthAccessToken".into(), secret(token)));
    if req.include_secrets {
        client_parts(s, true, parts);
    }
    Ok(())
}

fn handoff_parts(
    s: &Settings,
    token: Option<&SecretString>,
    req: &Request<'_>,
    parts: &mut Parts,
) -> Result<(), ConnectionStringError> {
    let m = &s.meta;
    let refresh = s
        .secrets
        .refresh_token
        .as_ref()
        .ok_or(ConnectionStringError::NoRefreshToken)?;
    let token = token.ok_or(ConnectionStringError::NoAccessToken)?;
    parts.push(("InitiateOAuth".into(), "REFRESH".into()));
    client_parts(s, true, parts);
    parts.push(("OAuthAccessToken".into(), secret(token)));
    parts.push(("OAuthRefreshToken".into(), secret(refresh)));
    // CData: the token expires at OAuthTokenTimestamp (ms) + OAuthExpiresIn
    // (s); without both the driver refreshes at once. When the file does
    // not know when the token was obtained, "now" and the seconds left give
    // the same instant.
    if let Some(exp) = m.expires_at {
        let obtained_ms = m.token_timestamp_ms.unwrap_or(req.now_ms);
        let left = exp.saturating_sub(obtained_ms.div_euclid(1000)).max(0);
        parts.push(("OAuthExpiresIn".into(), left.to_string()));
        parts.push(("OAuthTokenTimestamp".into(), obtained_ms.to_string()));
    }
    parts.push((
        "OAuthSettingsLocation".into(),
        req.driver_location.to_string(),
    ));
    endpoint_parts(s, parts);
    Ok(())
}

fn app_parts(
    s: &Settings,
    req: &Request<'_>,
    parts: &mut Parts,
) -> Result<(), ConnectionStringError> {
    match s.meta.kind {
        SchemeKind::ClientCredentials => {}
        kind @ (SchemeKind::AuthorizationCode
        | SchemeKind::DeviceCode
        | SchemeKind::PasswordSignin
        | SchemeKind::StaticToken) => {
            return Err(ConnectionStringError::NotAnApp {
                kind: kind.as_str(),
            });
        }
    }
    if s.secrets.client_secret.is_none() {
        return Err(ConnectionStringError::NoClientSecret);
    }
    parts.push(("InitiateOAuth".into(), "GETANDREFRESH".into()));
    client_parts(s, true, parts);
    if !s.meta.scopes.is_empty() {
        parts.push(("Scope".into(), s.meta.scopes.join(" ")));
    }
    parts.push((
        "OAuthSettingsLocation".into(),
        req.driver_location.to_string(),
    ));
    endpoint_parts(s, parts);
    Ok(())
}

/// Where a driver that renews on its own sends its requests.
fn endpoint_parts(s: &Settings, parts: &mut Parts) {
    let m = &s.meta;
    if let Some(u) = &m.endpoints.token_url {
        parts.push(("OAuthAccessTokenURL".into(), u.clone()));
        parts.push(("OAuthRefreshTokenURL".into(), u.clone()));
    }
    if let Some(u) = &m.endpoints.authorize_url {
        parts.push(("OAuthAuthorizationURL".into(), u.clone()));
    }
    if let Some(cb) = &m.callback_url {
        parts.push(("CallbackURL".into(), cb.clone()));
    }
}

/// `Name=value;` for each property.
pub fn render(parts: &[(String, String)]) -> String {
    parts
        .iter()
        .map(|(k, v)| format!("{k}={};", value(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Meta, Secrets};

    fn cdata(props: &[&str]) -> Cdata {
        Cdata {
            connector: "X".into(),
            docs: "https://example.test".into(),
            properties: props.iter().map(|p| p.to_string()).collect(),
            auth_scheme: Some("OAuth".into()),
            scheme_auth: Default::default(),
            vars: Default::default(),
        }
    }

    fn req(mode: Mode) -> Request<'static> {
        Request {
            mode,
            include_secrets: false,
            driver_location: "memory://x",
            now_ms: 1_800_000_000_000,
        }
    }

    #[test]
    fn only_listed_properties_and_no_control_characters() {
        let s = Settings::new(
            Meta::new("odata", "desktop", SchemeKind::AuthorizationCode),
            Secrets::default(),
        );
        let t = SecretString::from("tok".to_string());
        let parts = build(
            &s,
            Some(&t),
            &cdata(&["OAuthAccessToken"]),
            &req(Mode::Token),
        )
        .unwrap();
        assert_eq!(parts, vec![("OAuthAccessToken".into(), "tok".into())]);
        let bad = SecretString::from("tok\u{1b}[2J".to_string());
        let err = build(
            &s,
            Some(&bad),
            &cdata(&["OAuthAccessToken"]),
            &req(Mode::Token),
        );
        assert!(
            matches!(err, Err(ConnectionStringError::Unsafe { .. })),
            "{err:?}"
        );
        let app = build(&s, None, &cdata(&["InitiateOAuth"]), &req(Mode::App));
        assert!(
            matches!(app, Err(ConnectionStringError::NotAnApp { .. })),
            "{app:?}"
        );
        let handoff = build(
            &s,
            Some(&t),
            &cdata(&["InitiateOAuth"]),
            &req(Mode::Handoff),
        );
        assert!(matches!(
            handoff,
            Err(ConnectionStringError::NoRefreshToken)
        ));
    }

    #[test]
    fn separators_are_quoted() {
        assert_eq!(value("a b"), "a b");
        assert_eq!(value("x;y"), "'x;y'");
        assert_eq!(value("it's"), "'it''s'");
    }
}
