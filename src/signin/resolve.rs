//! Checks a [`LoginInput`] against its profile: templates, region, discovery
//! and overrides, until every URL the scheme needs is known.

use super::error::{LoginError, Needed};
use super::input::LoginInput;
use crate::oauth::{Events, LoginEvent};
use crate::provider::{
    self, ClientAuth, Endpoint, Endpoints, Field, Profile, Scheme, SchemeKind, discovery,
};
use std::collections::BTreeMap;

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
    /// OpenID userinfo, from discovery: who signed in, when the token
    /// answer has no ID token.
    pub userinfo: Option<String>,
}

/// Which endpoints a scheme kind cannot do without.
fn needed(kind: SchemeKind) -> &'static [Endpoint] {
    match kind {
        SchemeKind::AuthorizationCode => &[Endpoint::Authorize, Endpoint::Token],
        SchemeKind::ClientCredentials => &[Endpoint::Token],
        SchemeKind::DeviceCode => &[Endpoint::DeviceAuthorization, Endpoint::Token],
        SchemeKind::PasswordSignin => &[Endpoint::Signin],
        SchemeKind::StaticToken => &[],
    }
}

/// The profile's URL template for an endpoint the scheme can reach.
pub(super) fn template_of(s: &Scheme, e: Endpoint) -> Option<&str> {
    match e {
        Endpoint::Authorize => s.authorize_url.as_deref(),
        Endpoint::Token => s.token_url.as_deref(),
        Endpoint::DeviceAuthorization => s.device_authorization_url.as_deref(),
        Endpoint::Signin => s.signin_url.as_deref(),
        Endpoint::Revocation => s.revocation_url.as_deref(),
        // The issuer is a variable, and the test URL belongs to the profile.
        Endpoint::Issuer | Endpoint::Test => None,
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
    check_var_names(&profile, &input.vars)?;
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
    // Templates first: a rendered URL is what the profile says; a missing var
    // only matters for an endpoint this scheme needs (checked below).
    for e in Endpoint::ALL {
        if endpoints.get(e).is_none()
            && let Some(t) = template_of(&scheme, e)
            && let Ok(url) = profile.render(t, &vars)
        {
            *endpoints.slot(e) = Some(url);
        }
    }
    let mut client_auth = scheme.client_auth;
    let mut auth_methods = None;
    let mut userinfo = None;
    let mut supported = None;
    let missing = |e: &Endpoints| needed(scheme.kind).iter().any(|w| e.get(*w).is_none());
    if scheme.discovery && missing(&endpoints) {
        let issuer = vars
            .get("issuer")
            .cloned()
            .ok_or(LoginError::Missing(Needed::Issuer))?;
        let _ = events.send(LoginEvent::Discovering {
            issuer: issuer.clone(),
        });
        let meta = discovery::discover(http, &issuer).await?;
        client_auth = meta.adjust_client_auth(client_auth);
        auth_methods = meta.token_endpoint_auth_methods_supported.clone();
        userinfo = meta.userinfo_endpoint.clone();
        supported = meta.scopes_supported.clone();
        endpoints.issuer = Some(meta.issuer.clone());
        endpoints.authorize_url = endpoints.authorize_url.or(meta.authorization_endpoint);
        endpoints.token_url = endpoints.token_url.or(meta.token_endpoint);
        endpoints.device_authorization_url = endpoints
            .device_authorization_url
            .or(meta.device_authorization_endpoint);
        endpoints.revocation_url = endpoints.revocation_url.or(meta.revocation_endpoint);
        if scheme.kind == SchemeKind::DeviceCode && endpoints.device_authorization_url.is_none() {
            return Err(LoginError::Unsupported(format!(
                "{issuer} does not offer the device flow (its metadata has no device_authorization_endpoint); use `auth-url` / `exchange` for a server without a browser"
            )));
        }
    }
    for &e in needed(scheme.kind) {
        if endpoints.get(e).is_none() {
            // A template that could not render says which variable it lacks.
            if let Some(t) = template_of(&scheme, e)
                && let Err(err) = profile.render(t, &vars)
            {
                return Err(err.into());
            }
            return Err(LoginError::Missing(Needed::Endpoint {
                endpoint: e,
                discovery: scheme.discovery,
            }));
        }
    }
    if endpoints.test_url.is_none()
        && let Some(test) = &profile.test
    {
        endpoints.test_url = profile.render(&test.url, &vars).ok().or(userinfo.clone());
    }
    endpoints.check()?;
    // A public method given a secret (OData desktop, Entra ID with a
    // confidential app): send it at sign-in and on every refresh, as the
    // server's metadata says.
    if client_auth == ClientAuth::None && input.client_secret.is_some() {
        client_auth = discovery::auth_for_secret(auth_methods.as_deref());
    }
    let headers = headers_of(&profile, &scheme, &vars)?;
    let scopes = fit_scopes(
        scopes_of(input, &profile, &scheme),
        supported.as_deref(),
        input.scopes.is_some(),
        events,
    );
    Ok(Resolved {
        client_auth: input.client_auth.unwrap_or(if input.client_key.is_some() {
            ClientAuth::PrivateKeyJwt
        } else {
            client_auth
        }),
        region: region.map(|r| r.id),
        profile,
        scheme,
        vars,
        endpoints,
        headers,
        scopes,
        userinfo,
    })
}

/// The profile's device scheme, when this server offers the device flow:
/// discovery found its endpoint, or the profile's template for it renders.
pub fn device_offer(r: &Resolved) -> Option<&Scheme> {
    r.profile.schemes.iter().find(|s| {
        s.kind == SchemeKind::DeviceCode
            && ((s.discovery && r.endpoints.device_authorization_url.is_some())
                || s.device_authorization_url
                    .as_deref()
                    .is_some_and(|t| r.profile.render(t, &r.vars).is_ok()))
    })
}

/// Every variable the user gave must be one the profile's templates may
/// use: a declared var or a runtime one (validate.rs).
fn check_var_names(profile: &Profile, given: &BTreeMap<String, String>) -> Result<(), LoginError> {
    let Some(name) = given
        .keys()
        .find(|n| !profile.vars.contains_key(*n) && !provider::is_runtime_var(n))
    else {
        return Ok(());
    };
    let known: Vec<String> = profile
        .vars
        .keys()
        .cloned()
        .chain(
            Field::ALL
                .into_iter()
                .filter(|f| !f.is_secret() && !profile.vars.contains_key(f.as_str()))
                .map(|f| f.as_str().to_string()),
        )
        .collect();
    let suggestion = known
        .iter()
        .map(|k| (provider::load::edit_distance(name, k), k))
        .filter(|(d, _)| *d <= (name.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone());
    Err(LoginError::UnknownVar {
        name: name.clone(),
        profile: profile.id.clone(),
        known,
        suggestion,
    })
}

fn headers_of(
    profile: &Profile,
    scheme: &Scheme,
    vars: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, LoginError> {
    let mut headers = BTreeMap::new();
    for (k, t) in &scheme.extra_headers {
        // A header carrying only an optional field left empty is not sent
        // (Event Temple's `X-API-ORG`: the org is optional).
        let var = t.trim_matches(['{', '}']);
        if !vars.contains_key(var) && scheme.optional_fields.iter().any(|f| f.as_str() == var) {
            continue;
        }
        let v = profile.render(t, vars).map_err(|_| {
            LoginError::Missing(Needed::HeaderVar {
                header: k.clone(),
                var: t.trim_matches(['{', '}']).to_string(),
            })
        })?;
        headers.insert(k.clone(), v);
    }
    Ok(headers)
}

/// Scopes the server's metadata does not list would make it refuse the
/// sign-in after the person went through the browser. A default the server
/// does not list is left out; a scope the user chose is kept, since a
/// server may accept more than it lists, and both are reported before any
/// browser opens. An empty or absent list says nothing: all are kept.
fn fit_scopes(
    scopes: Vec<String>,
    supported: Option<&[String]>,
    chosen: bool,
    events: &Events,
) -> Vec<String> {
    let Some(listed) = supported.filter(|l| !l.is_empty()) else {
        return scopes;
    };
    let unlisted: Vec<String> = scopes
        .iter()
        .filter(|s| !listed.contains(s))
        .cloned()
        .collect();
    if unlisted.is_empty() {
        return scopes;
    }
    tracing::warn!(
        ?unlisted,
        chosen,
        "scopes not in the server's scopes_supported"
    );
    if chosen {
        let _ = events.send(LoginEvent::ScopesNotListed {
            dropped: Vec::new(),
            kept: unlisted,
        });
        return scopes;
    }
    let _ = events.send(LoginEvent::ScopesNotListed {
        dropped: unlisted,
        kept: Vec::new(),
    });
    scopes.into_iter().filter(|s| listed.contains(s)).collect()
}

fn scopes_of(input: &LoginInput, profile: &Profile, scheme: &Scheme) -> Vec<String> {
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
    scopes
}
