//! The CData connection string for a settings file (design §7), built from
//! the connector's contract (`assets/cdata/*.toml`, `provider::cdata`).
//!
//! A CData driver owns the file at `OAuthSettingsLocation` (its own format,
//! which it overwrites), so the string never names one of ours: it carries
//! the token itself (`token`), hands the whole grant over (`handoff`), or
//! lets the driver sign in as the app (`app`). Only what the contract
//! documents for the chosen connector and build is emitted; what the
//! connector cannot take is refused with the reason and another way.

use crate::provider::SchemeKind;
use crate::provider::cdata::{self, Build, Method};
use crate::settings::Settings;
use secrecy::{ExposeSecret, SecretString};

pub use super::cs_dialect::{Dialect, parse, render};
pub use super::cs_target::{Choice, Target, target};

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

pub(super) const OTHER_WAYS: &str = "use `oauth-setup exec`, `oauth-setup api` or `oauth-setup token` to hand the token to a program instead";

#[derive(Debug, thiserror::Error)]
pub enum ConnectionStringError {
    #[error("CData has no connector for {provider} that this tool knows of: {OTHER_WAYS}")]
    NoConnector { provider: String },
    #[error("--connector {given}: this connection can use {known}")]
    UnknownConnector { given: String, known: String },
    #[error(
        "--connector-build {build}: the {connector} connector's contract documents builds {documented}; pick one of those"
    )]
    NoBuild {
        connector: String,
        build: u32,
        documented: String,
    },
    #[error(
        "the {connector} connector (build {build}) documents no way to take a `{scheme}` sign-in{hint}: {OTHER_WAYS}"
    )]
    MethodNotServed {
        connector: String,
        build: u32,
        scheme: String,
        hint: String,
    },
    #[error(
        "the {connector} connector needs {name}: add --connector-option {name}=VALUE, one of {values}"
    )]
    MissingOption {
        connector: String,
        name: String,
        values: String,
    },
    #[error("--connector-option {given}: the {connector} connector takes {allowed}")]
    BadOption {
        connector: String,
        given: String,
        allowed: String,
    },
    #[error(
        "--mode app is for client-credentials connections (the driver signs in as the app); this file uses {kind}: use --mode token{handoff}, or {OTHER_WAYS}"
    )]
    NotAnApp {
        kind: &'static str,
        handoff: &'static str,
    },
    #[error(
        "--mode app: the {connector} connector (build {build}) documents no client-credentials grant: use --mode token, or {OTHER_WAYS}"
    )]
    NoAppGrant { connector: String, build: u32 },
    #[error(
        "--mode handoff: {reason}. Nothing was handed off; this tool keeps renewing. Use --mode token (a fresh string before each expiry), or {OTHER_WAYS}"
    )]
    NoHandoff { reason: String },
    #[error("--mode app needs the client secret, and this file does not keep it")]
    NoClientSecret,
    #[error("the file holds no access token to put in the string: sign in again")]
    NoAccessToken,
    #[error("the file has no {var} for the connector's {property}: sign in again with it")]
    MissingVar { property: String, var: String },
    #[error(
        "the value for {property} contains a character no connection string can carry (a control character or line separator)"
    )]
    Unsafe { property: String },
    #[error(
        "a scope contains `,`, which {property} (a comma-separated list) cannot carry: sign in with scopes without commas"
    )]
    ScopeComma { property: String },
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

type Parts = Vec<(String, String)>;

/// Collects properties, refusing (by a test-covered panic-free check at
/// the end) anything the contract does not document.
struct Out<'a> {
    range: &'a Build,
    parts: Parts,
}

impl Out<'_> {
    fn documents(&self, p: &str) -> bool {
        self.range.properties.contains_key(p)
    }
    /// Sets `p`, replacing an earlier value (`app` overrides AuthScheme).
    fn set(&mut self, p: &str, v: impl Into<String>) {
        let v = v.into();
        match self.parts.iter_mut().find(|(k, _)| k == p) {
            Some(slot) => slot.1 = v,
            None => self.parts.push((p.to_string(), v)),
        }
    }
    /// Sets `p` only where the connector documents it.
    fn optional(&mut self, p: &str, v: impl Into<String>) {
        if self.documents(p) {
            self.set(p, v);
        }
    }
}

/// The properties for `req.mode`. `token` is the access token to hand over
/// (already renewed if needed).
pub fn build(
    s: &Settings,
    token: Option<&SecretString>,
    t: &Target,
    req: &Request<'_>,
) -> Result<Parts, ConnectionStringError> {
    let m = t.method;
    let mut out = Out {
        range: t.range,
        parts: Vec::new(),
    };
    if let Some(a) = &m.auth_scheme {
        out.set("AuthScheme", a.clone());
    }
    for (prop, value) in &t.options {
        out.set(prop, value.clone());
    }
    for (prop, src) in &m.vars {
        let value = var_value(s, src).ok_or_else(|| ConnectionStringError::MissingVar {
            property: prop.clone(),
            var: src.trim_start_matches("origin:").to_string(),
        })?;
        out.set(prop, value);
    }
    for (prop, value) in &m.fixed {
        out.set(prop, value.clone());
    }
    match req.mode {
        Mode::Token => token_parts(s, token, m, req, &mut out)?,
        Mode::Handoff => handoff_parts(s, token, t, req, &mut out)?,
        Mode::App => app_parts(s, t, req, &mut out)?,
    }
    for (k, v) in &out.parts {
        // The contract's own check keeps every name documented; a value a
        // connection string cannot carry is refused whatever the dialect.
        debug_assert!(out.documents(k), "{k} is not in the contract");
        if v.chars().any(super::cs_dialect::uncarriable) {
            return Err(ConnectionStringError::Unsafe {
                property: k.clone(),
            });
        }
    }
    Ok(out.parts)
}

/// A settings variable, or `origin:VAR`: the scheme and host of a URL one.
fn var_value(s: &Settings, src: &str) -> Option<String> {
    match src.strip_prefix("origin:") {
        Some(var) => {
            let u = url::Url::parse(s.meta.vars.get(var)?).ok()?;
            Some(u.origin().ascii_serialization())
        }
        None => s.meta.vars.get(src).cloned(),
    }
}

fn secret(s: &SecretString) -> String {
    s.expose_secret().to_string()
}

fn client_parts(s: &Settings, with_secret: bool, out: &mut Out<'_>) {
    if let Some(id) = &s.meta.client_id {
        out.optional("OAuthClientId", id.clone());
    }
    if with_secret && let Some(sec) = &s.secrets.client_secret {
        out.optional("OAuthClientSecret", secret(sec));
    }
}

fn token_parts(
    s: &Settings,
    token: Option<&SecretString>,
    m: &Method,
    req: &Request<'_>,
    out: &mut Out<'_>,
) -> Result<(), ConnectionStringError> {
    let token = token.ok_or(ConnectionStringError::NoAccessToken)?;
    if m.initiate_oauth {
        out.set("InitiateOAuth", "OFF");
    }
    out.set(&m.token_property, secret(token));
    if req.include_secrets && s.meta.kind != SchemeKind::StaticToken {
        client_parts(s, true, out);
    }
    Ok(())
}

/// Why the connector cannot take this file's refresh token, if it cannot.
pub fn handoff_refusal(s: &Settings, t: &Target) -> Option<String> {
    let who = format!("the {} connector (build {})", t.contract.connector, t.build);
    if !t.method.initiate_oauth || s.meta.kind == SchemeKind::StaticToken {
        return Some(format!(
            "a {} is not an OAuth grant: there is no refresh token to hand over",
            s.meta.kind.as_str()
        ));
    }
    let documents = |p: &str| t.range.properties.contains_key(p);
    if !documents("OAuthRefreshToken") {
        return Some(format!(
            "{who} documents no OAuthRefreshToken property, so it cannot take over the refresh token"
        ));
    }
    if !t.range.initiate_oauth.values.iter().any(|v| v == "REFRESH") {
        return Some(format!("{who} documents no InitiateOAuth=REFRESH"));
    }
    if s.secrets.refresh_token.is_none() {
        return Some(
            "this file has no refresh token to give the driver (a client-credentials connection: try --mode app)"
                .into(),
        );
    }
    None
}

fn handoff_parts(
    s: &Settings,
    token: Option<&SecretString>,
    t: &Target,
    req: &Request<'_>,
    out: &mut Out<'_>,
) -> Result<(), ConnectionStringError> {
    if let Some(reason) = handoff_refusal(s, t) {
        return Err(ConnectionStringError::NoHandoff { reason });
    }
    let meta = &s.meta;
    let refresh = s.secrets.refresh_token.as_ref().expect("checked above");
    let token = token.ok_or(ConnectionStringError::NoAccessToken)?;
    out.set("InitiateOAuth", "REFRESH");
    client_parts(s, true, out);
    out.set(&t.method.token_property, secret(token));
    out.set("OAuthRefreshToken", secret(refresh));
    // CData: the token expires at OAuthTokenTimestamp (ms) + OAuthExpiresIn
    // (s); without both the driver refreshes at once. When the file does
    // not know when the token was obtained, "now" and the seconds left give
    // the same instant.
    if let Some(exp) = meta.expires_at {
        let obtained_ms = meta.token_timestamp_ms.unwrap_or(req.now_ms);
        let left = exp.saturating_sub(obtained_ms.div_euclid(1000)).max(0);
        out.optional("OAuthExpiresIn", left.to_string());
        out.optional("OAuthTokenTimestamp", obtained_ms.to_string());
    }
    out.optional("OAuthSettingsLocation", req.driver_location.to_string());
    endpoint_parts(s, t.method, out);
    scope_parts(s, t.method, out)
}

fn app_parts(
    s: &Settings,
    t: &Target,
    req: &Request<'_>,
    out: &mut Out<'_>,
) -> Result<(), ConnectionStringError> {
    match s.meta.kind {
        SchemeKind::ClientCredentials => {}
        kind @ (SchemeKind::AuthorizationCode
        | SchemeKind::DeviceCode
        | SchemeKind::PasswordSignin
        | SchemeKind::StaticToken) => {
            let handoff = if handoff_refusal(s, t).is_none() {
                " or --mode handoff"
            } else {
                ""
            };
            return Err(ConnectionStringError::NotAnApp {
                kind: kind.as_str(),
                handoff,
            });
        }
    }
    let grant = t
        .method
        .app
        .as_ref()
        .ok_or_else(|| ConnectionStringError::NoAppGrant {
            connector: t.contract.connector.clone(),
            build: t.build,
        })?;
    if s.secrets.client_secret.is_none() {
        return Err(ConnectionStringError::NoClientSecret);
    }
    for (prop, value) in grant {
        out.set(prop, value.clone());
    }
    out.set("InitiateOAuth", "GETANDREFRESH");
    client_parts(s, true, out);
    out.optional("OAuthSettingsLocation", req.driver_location.to_string());
    endpoint_parts(s, t.method, out);
    scope_parts(s, t.method, out)
}

/// Where a driver that renews on its own sends its requests.
fn endpoint_parts(s: &Settings, m: &Method, out: &mut Out<'_>) {
    let meta = &s.meta;
    if m.endpoints {
        if let Some(u) = &meta.endpoints.token_url {
            out.set("OAuthAccessTokenURL", u.clone());
            out.set("OAuthRefreshTokenURL", u.clone());
        }
        if let Some(u) = &meta.endpoints.authorize_url {
            out.set("OAuthAuthorizationURL", u.clone());
        }
    }
    if (m.endpoints || m.callback)
        && let Some(cb) = &meta.callback_url
    {
        out.optional("CallbackURL", cb.clone());
    }
}

/// The scopes, for a driver that asks the token endpoint itself.
fn scope_parts(s: &Settings, m: &Method, out: &mut Out<'_>) -> Result<(), ConnectionStringError> {
    let Some(prop) = &m.scope else {
        return Ok(());
    };
    if s.meta.scopes.is_empty() {
        return Ok(());
    }
    let scopes = s.meta.scopes.join(" ");
    if prop == "OAuthParams" {
        if scopes.contains(',') {
            return Err(ConnectionStringError::ScopeComma {
                property: prop.clone(),
            });
        }
        out.set(prop, format!("scope={scopes}"));
    } else {
        out.set(prop, scopes);
    }
    Ok(())
}

/// What the user should know beside the string: a region the connector has
/// no property for (it will not follow it), and another connector made for
/// this service.
pub fn notes(s: &Settings, t: &Target) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(region) = &s.meta.region
        && let Some(note) = t.contract.region_notes.get(region)
    {
        out.push(note.clone());
    }
    let host = s
        .meta
        .vars
        .get("service_root")
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    if let Some(host) = host {
        for other in cdata::for_provider(&t.contract.serves) {
            let serves_method = other
                .build(other.default_build)
                .is_some_and(|b| b.methods.contains_key(&s.meta.scheme));
            if other.id != t.contract.id && other.made_for_host(&host) && serves_method {
                out.push(format!(
                    "CData's {} connector is made for {host}: `--connector {}` targets it instead.",
                    other.connector, other.id
                ));
            }
        }
    }
    out
}

/// The properties a mode puts secrets in, for faces that hide them.
pub const SECRET_PROPERTIES: &[&str] = &[
    "OAuthAccessToken",
    "OAuthRefreshToken",
    "OAuthClientSecret",
    "PrivateAppToken",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Meta, Secrets};

    fn req(mode: Mode) -> Request<'static> {
        Request {
            mode,
            include_secrets: false,
            driver_location: "memory://x",
            now_ms: 1_800_000_000_000,
        }
    }

    fn settings(provider: &str, scheme: &str, kind: SchemeKind) -> Settings {
        Settings::new(Meta::new(provider, scheme, kind), Secrets::default())
    }

    #[test]
    fn control_characters_are_refused_and_app_needs_client_credentials() {
        let mut s = settings("odata", "desktop", SchemeKind::AuthorizationCode);
        s.meta
            .vars
            .insert("service_root".into(), "https://example.test/odata".into());
        let t = target("odata", "OData", &s, &Choice::default()).unwrap();
        let bad = SecretString::from("tok\u{1b}[2J".to_string());
        let err = build(&s, Some(&bad), &t, &req(Mode::Token));
        assert!(
            matches!(err, Err(ConnectionStringError::Unsafe { .. })),
            "{err:?}"
        );
        let app = build(&s, None, &t, &req(Mode::App));
        assert!(
            matches!(app, Err(ConnectionStringError::NotAnApp { .. })),
            "{app:?}"
        );
        let tok = SecretString::from("tok".to_string());
        let handoff = build(&s, Some(&tok), &t, &req(Mode::Handoff));
        assert!(
            matches!(handoff, Err(ConnectionStringError::NoHandoff { .. })),
            "{handoff:?}"
        );
    }

    #[test]
    fn unknown_build_and_connector_are_refused_with_what_exists() {
        let s = settings("hubdb", "oauth", SchemeKind::AuthorizationCode);
        let choice = Choice {
            build: Some(19),
            ..Choice::default()
        };
        let e = target("hubdb", "HubDB", &s, &choice)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("documents builds 24"), "{e}");
        let choice = Choice {
            connector: Some("dynamics365".into()),
            ..Choice::default()
        };
        let e = target("hubdb", "HubDB", &s, &choice)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("hubdb"), "{e}");
        let e = target("eventtemple", "Event Temple", &s, &Choice::default())
            .err()
            .unwrap()
            .to_string();
        for way in ["exec", "api", "token"] {
            assert!(e.contains(way), "{e}");
        }
    }
}
