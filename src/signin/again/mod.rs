//! Signing in again to a saved connection: the one way from a saved
//! document to a new sign-in, for every face (the CLI's `token` when the
//! grant is gone; the wizard's "sign in again", "change scopes", and a
//! renewal that needs a sign-in). It starts from the whole document —
//! provider, method, region, every variable whether a form shows it or not,
//! every endpoint (revocation and device too), client authentication, key
//! reference, callback, org, scopes — and changes only what the person
//! changed. An endpoint that was made from something they changed (a host,
//! the issuer, the region) is made again; every other one is kept as it was,
//! so a re-sign-in does not lose what discovery found the first time.

use super::input::LoginInput;
use super::record::DEFAULT_TIMEOUT;
use super::resolve::template_of;
use crate::oauth::{BrowserMode, ClientKey};
use crate::provider::{ClientAuth, Endpoint, Profile, Scheme, placeholders};
use crate::settings::{InitiateOAuth, Settings};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What the person changed, field by field: `Some(v)` is the new value,
/// `None` means "as saved".
#[derive(Debug, Clone, Default)]
pub struct Edits {
    pub scheme: Option<Option<String>>,
    pub region: Option<Option<String>>,
    /// Variables set (`Some`) or cleared (`None`).
    pub vars: BTreeMap<String, Option<String>>,
    pub endpoints: Vec<(Endpoint, Option<String>)>,
    pub client_id: Option<Option<String>>,
    pub client_secret: Option<Option<SecretString>>,
    pub client_auth: Option<Option<ClientAuth>>,
    pub client_key: Option<Option<ClientKey>>,
    pub store_client_secret: Option<bool>,
    pub username: Option<Option<String>>,
    pub password: Option<Option<SecretString>>,
    pub store_password: Option<bool>,
    pub event_id: Option<Option<String>>,
    pub org_id: Option<Option<String>>,
    pub static_token: Option<Option<SecretString>>,
    pub scopes: Option<Option<Vec<String>>>,
    pub callback_url: Option<Option<String>>,
    pub initiate_oauth: Option<InitiateOAuth>,
}

fn changed<T: PartialEq + Clone>(shown: &T, now: &T) -> Option<T> {
    (shown != now).then(|| now.clone())
}

fn secret_changed(
    shown: &Option<SecretString>,
    now: &Option<SecretString>,
) -> Option<Option<SecretString>> {
    let text = |s: &Option<SecretString>| s.as_ref().map(|v| v.expose_secret().to_string());
    (text(shown) != text(now)).then(|| now.clone())
}

impl Edits {
    /// The edits a screen made: every field where what it shows `now`
    /// differs from what it showed when it was filled from the file
    /// (`shown`). A field the screen does not show is the same in both, so
    /// it stays as saved.
    pub fn between(shown: &LoginInput, now: &LoginInput) -> Edits {
        let keys: BTreeSet<&String> = shown.vars.keys().chain(now.vars.keys()).collect();
        let vars = keys
            .into_iter()
            .filter(|k| shown.vars.get(*k) != now.vars.get(*k))
            .map(|k| (k.clone(), now.vars.get(k).cloned()))
            .collect();
        let endpoints = Endpoint::ALL
            .into_iter()
            .filter(|e| shown.endpoints.get(*e) != now.endpoints.get(*e))
            .map(|e| (e, now.endpoints.get(e).map(str::to_string)))
            .collect();
        Edits {
            scheme: changed(&shown.scheme, &now.scheme),
            region: changed(&shown.region, &now.region),
            vars,
            endpoints,
            client_id: changed(&shown.client_id, &now.client_id),
            client_secret: secret_changed(&shown.client_secret, &now.client_secret),
            client_auth: changed(&shown.client_auth, &now.client_auth),
            client_key: changed(&shown.client_key, &now.client_key),
            store_client_secret: changed(&shown.store_client_secret, &now.store_client_secret),
            username: changed(&shown.username, &now.username),
            password: secret_changed(&shown.password, &now.password),
            store_password: changed(&shown.store_password, &now.store_password),
            event_id: changed(&shown.event_id, &now.event_id),
            org_id: changed(&shown.org_id, &now.org_id),
            static_token: secret_changed(&shown.static_token, &now.static_token),
            scopes: changed(&shown.scopes, &now.scopes),
            callback_url: changed(&shown.callback_url, &now.callback_url),
            initiate_oauth: changed(&shown.initiate_oauth, &now.initiate_oauth),
        }
    }

    /// True when nothing was changed.
    pub fn is_empty(&self) -> bool {
        let Edits {
            scheme,
            region,
            vars,
            endpoints,
            client_id,
            client_secret,
            client_auth,
            client_key,
            store_client_secret,
            username,
            password,
            store_password,
            event_id,
            org_id,
            static_token,
            scopes,
            callback_url,
            initiate_oauth,
        } = self;
        scheme.is_none()
            && region.is_none()
            && vars.is_empty()
            && endpoints.is_empty()
            && client_id.is_none()
            && client_secret.is_none()
            && client_auth.is_none()
            && client_key.is_none()
            && store_client_secret.is_none()
            && username.is_none()
            && password.is_none()
            && store_password.is_none()
            && event_id.is_none()
            && org_id.is_none()
            && static_token.is_none()
            && scopes.is_none()
            && callback_url.is_none()
            && initiate_oauth.is_none()
    }

    /// Only other scopes ("change scopes").
    pub fn scopes(scopes: Vec<String>) -> Edits {
        Edits {
            scopes: Some(Some(scopes)),
            ..Edits::default()
        }
    }
}

/// The sign-in that replaces `saved`'s grant, with `edits` applied. The
/// browser opens and the wait is the default; a face changes those itself.
pub fn again(saved: &Settings, edits: &Edits, profiles: &[Profile]) -> LoginInput {
    let mut input = as_saved(saved);
    let profile = profiles.iter().find(|p| p.id == input.profile_id);
    // Variables whose value changes: endpoints made from them are made again.
    let mut moved: BTreeSet<String> = BTreeSet::new();
    if let Some(region) = &edits.region
        && *region != input.region
    {
        if let Some(p) = profile {
            let old = p.base_vars(p.region(input.region.as_deref()).ok().flatten());
            let new = p.base_vars(p.region(region.as_deref()).ok().flatten());
            // A value the old region gave gives way to the new region's.
            for (k, v) in old {
                if input.vars.get(&k) == Some(&v) && new.get(&k) != Some(&v) {
                    input.vars.remove(&k);
                    moved.insert(k);
                }
            }
        }
        input.region = region.clone();
    }
    for (k, v) in &edits.vars {
        if input.vars.get(k) != v.as_ref() {
            moved.insert(k.clone());
        }
        match v {
            Some(v) => input.vars.insert(k.clone(), v.clone()),
            None => input.vars.remove(k),
        };
    }
    // resolve() puts these into the variables too: keep the two in step.
    for (name, edit, slot) in [
        ("org_id", &edits.org_id, &mut input.org_id),
        ("event_id", &edits.event_id, &mut input.event_id),
    ] {
        if let Some(v) = edit {
            if v != slot {
                moved.insert(name.to_string());
            }
            *slot = v.clone();
            match v {
                Some(v) => input.vars.insert(name.to_string(), v.clone()),
                None => input.vars.remove(name),
            };
        }
    }
    let old_scheme = profile.and_then(|p| p.scheme(input.scheme.as_deref()).ok().cloned());
    let scheme_changed = edits.scheme.as_ref().is_some_and(|s| *s != input.scheme);
    if let Some(s) = &edits.scheme {
        input.scheme = s.clone();
    }
    let given: HashSet<Endpoint> = edits.endpoints.iter().map(|(e, _)| *e).collect();
    if given.contains(&Endpoint::Issuer) {
        moved.insert("issuer".into());
    }
    for e in Endpoint::ALL {
        if given.contains(&e) {
            continue;
        }
        let remade = scheme_changed
            || match (profile, &old_scheme) {
                (Some(p), Some(s)) => made_from(p, s, e, &moved, &saved.meta.vars),
                _ => false,
            };
        if remade {
            *input.endpoints.slot(e) = None;
        }
    }
    for (e, v) in &edits.endpoints {
        *input.endpoints.slot(*e) = v.clone();
    }
    if scheme_changed {
        // The old method's; the new one says its own.
        input.client_auth = None;
    }
    apply(&mut input.client_id, &edits.client_id);
    apply(&mut input.client_secret, &edits.client_secret);
    apply(&mut input.client_auth, &edits.client_auth);
    apply(&mut input.client_key, &edits.client_key);
    apply(&mut input.username, &edits.username);
    apply(&mut input.password, &edits.password);
    apply(&mut input.static_token, &edits.static_token);
    apply(&mut input.scopes, &edits.scopes);
    apply(&mut input.callback_url, &edits.callback_url);
    if let Some(v) = edits.store_client_secret {
        input.store_client_secret = v;
    }
    if let Some(v) = edits.store_password {
        input.store_password = v;
    }
    if let Some(v) = edits.initiate_oauth {
        input.initiate_oauth = v;
    }
    input
}

fn apply<T: Clone>(slot: &mut T, edit: &Option<T>) {
    if let Some(v) = edit {
        *slot = v.clone();
    }
}

/// Whether endpoint `e` of `saved_vars`'s connection was made from one of
/// the `moved` variables: its template names one, or discovery of a moved
/// issuer found it.
fn made_from(
    profile: &Profile,
    scheme: &Scheme,
    e: Endpoint,
    moved: &BTreeSet<String>,
    saved_vars: &BTreeMap<String, String>,
) -> bool {
    if moved.is_empty() {
        return false;
    }
    let template = match e {
        Endpoint::Test => profile.test.as_ref().map(|t| t.url.as_str()),
        _ => template_of(scheme, e),
    };
    let uses = |t: &str| {
        placeholders(t)
            .map(|names| names.iter().any(|n| moved.contains(*n)))
            .unwrap_or(false)
    };
    match template {
        Some(t) if profile.render(t, saved_vars).is_ok() => uses(t),
        // No template (or one that could not render, so discovery's
        // userinfo stood in for the test URL): discovery of the issuer.
        _ => {
            scheme.discovery
                && moved.contains("issuer")
                && matches!(
                    e,
                    Endpoint::Issuer
                        | Endpoint::Authorize
                        | Endpoint::Token
                        | Endpoint::DeviceAuthorization
                        | Endpoint::Revocation
                        | Endpoint::Test
                )
        }
    }
}

/// Keeps what a new grant does not replace: when the connection was made.
pub fn keep(saved: &Settings, fresh: &mut Settings) {
    fresh.meta.created_at = saved.meta.created_at;
}

/// The saved document as a sign-in, unchanged.
fn as_saved(s: &Settings) -> LoginInput {
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
        client_key: m.client_key.clone(),
        store_client_secret: s.secrets.client_secret.is_some(),
        username: m.username.clone(),
        password: s.secrets.password.clone(),
        store_password: s.secrets.password.is_some(),
        event_id: m.event_id.clone(),
        org_id: m.org_id.clone(),
        static_token: s.secrets.static_token.clone(),
        scopes: Some(m.scopes.clone()),
        callback_url: m.callback_url.clone(),
        browser: BrowserMode::Open,
        timeout: DEFAULT_TIMEOUT,
        initiate_oauth: m.initiate_oauth,
        refresh_token: None,
    }
}

#[cfg(test)]
pub(crate) mod tests;
