//! The wizard's answers as a sign-in request: the one place that maps form
//! fields onto `LoginInput`, and, for a connection signed in again from the
//! home screen, the saved document with what was changed on the screens.

use super::action::LoginInput;
use super::screens::credentials::{FormKey, FormRow, form_rows};
use super::screens::scopes::selected_scopes;
use super::state::State;
use crate::provider::{self, Endpoints, Field};
use crate::signin;
use secrecy::SecretString;

/// The sign-in request the wizard's answers describe. Signing in again to a
/// saved connection starts from its whole document (`signin::again`): the
/// screens show only part of it, and only what was changed on them applies.
pub fn login_input(state: &State) -> LoginInput {
    let now = form_input(state);
    match &state.home.reconnecting {
        Some(r) if r.saved.meta.provider == now.profile_id => {
            let edits = signin::Edits::between(&r.shown, &now);
            LoginInput {
                browser: now.browser,
                timeout: now.timeout,
                ..signin::again(&r.saved, &edits, &state.profiles)
            }
        }
        _ => now,
    }
}

/// What the screens hold, as a sign-in request, and nothing else.
pub fn form_input(state: &State) -> LoginInput {
    let mut input = LoginInput::default();
    let (Some(profile), Some(scheme)) = (state.profile(), state.scheme()) else {
        return input;
    };
    input.profile_id = profile.id.clone();
    input.scheme = Some(scheme.id.clone());
    input.region = state.region().map(|r| r.id.clone());
    if scheme.uses_scopes && !profile.scopes.is_empty() {
        input.scopes = Some(selected_scopes(state));
    }
    for row in form_rows(state) {
        let key = match row {
            FormRow::Input { key, .. } => key,
            FormRow::KeepSecret => {
                input.store_client_secret = state.creds.keep_secret;
                input.store_password = state.creds.keep_secret;
                continue;
            }
        };
        let v = state.creds.value(&key).trim().to_string();
        if v.is_empty() {
            continue;
        }
        match key {
            FormKey::Var(name) => {
                input.vars.insert(name, v);
            }
            FormKey::Field(f) => set_field(&mut input, f, v),
        }
    }
    // The environment overrides the profile as on the command line; what the
    // user typed in the wizard wins over both.
    for (k, v) in provider::env_vars() {
        input.vars.entry(k).or_insert(v);
    }
    if let Some(root) = std::env::var("OAUTH_SETUP_SERVICE_ROOT")
        .ok()
        .filter(|v| !v.is_empty())
    {
        input.vars.entry("service_root".into()).or_insert(root);
    }
    input.endpoints = std::mem::take(&mut input.endpoints).or(Endpoints::from_env());
    input.initiate_oauth = state.save.mode;
    input
}

fn set_field(input: &mut LoginInput, f: Field, v: String) {
    match f {
        Field::ClientId => input.client_id = Some(v),
        Field::ClientSecret => input.client_secret = Some(SecretString::from(v)),
        Field::CallbackUrl => input.callback_url = Some(v),
        Field::OrgId => input.org_id = Some(v),
        Field::Username => input.username = Some(v),
        Field::Password => input.password = Some(SecretString::from(v)),
        Field::EventId => input.event_id = Some(v),
        Field::Token => input.static_token = Some(SecretString::from(v)),
        Field::Issuer => {
            input.endpoints.issuer = Some(v.clone());
            input.vars.insert("issuer".into(), v);
        }
        Field::AuthorizeUrl => input.endpoints.authorize_url = Some(v),
        Field::TokenUrl => input.endpoints.token_url = Some(v),
        Field::ServiceRoot => {
            input.vars.insert("service_root".into(), v);
        }
    }
}
