//! A saved connection's answers put back where the screens keep them, so
//! signing in again (or with other scopes) starts from everything the file
//! says: provider, method, region, scopes, the credentials form, where to
//! save. The reverse of `request::form_input`, from the one sign-in a saved
//! document makes (`signin::again`); what the form does not show is kept in
//! [`super::Reconnect`] and used as saved.

use crate::provider::Field;
use crate::settings::Settings;
use crate::signin::{self, LoginInput};
use crate::tui::screens::credentials::{FormKey, FormRow, form_rows};
use crate::tui::screens::method::MethodScreen;
use crate::tui::state::State;
use secrecy::ExposeSecret;
use std::path::Path;
use tui_input::Input;

/// Fills every screen's answers from `settings`, saved at `location`.
/// Fails (in words for the status line) when the file's provider or method
/// is not among the loaded profiles.
pub fn answers_from(state: &mut State, settings: &Settings, location: &Path) -> Result<(), String> {
    let input = signin::again(settings, &signin::Edits::default(), &state.profiles);
    let pi = state
        .profiles
        .iter()
        .position(|p| p.id == input.profile_id)
        .ok_or_else(|| {
            format!(
                "The provider `{}` of this connection is not loaded: add its profile, or make a new connection.",
                crate::text::sanitize(&input.profile_id, 40)
            )
        })?;
    let profile = &state.profiles[pi];
    let wanted = input.scheme.as_deref().unwrap_or_default();
    let si = profile
        .schemes
        .iter()
        .position(|s| s.id == wanted)
        .ok_or_else(|| {
            format!(
                "{} has no method `{}` any more: make a new connection.",
                profile.name,
                crate::text::sanitize(wanted, 40)
            )
        })?;
    let region = input
        .region
        .as_deref()
        .and_then(|r| profile.regions.iter().position(|x| x.id == r))
        .unwrap_or(0);
    let scheme = &profile.schemes[si];
    let keep_default = scheme.fields.contains(&Field::ClientSecret)
        || scheme.optional_fields.contains(&Field::ClientSecret);
    let callback = scheme.default_callback_url.clone();
    let (profile, scheme) = (profile.clone(), scheme.clone());

    state.chosen = Some(pi);
    state.method = MethodScreen { scheme: si, region };
    state.creds = Default::default();
    state.auth.forget_outcome();
    state.test = Default::default();
    state.save = Default::default();
    state.settings = None;
    // These answers are the method's: `update` must not reset them to defaults.
    state.defaults_for = Some((pi, si));
    state.setup = Default::default();

    state.scopes.reset_to_default(&profile, &scheme);
    // What the file asked for, even nothing: a preset shown in its place
    // would not be what signing in again asks for.
    if let Some(scopes) = &input.scopes
        && scheme.uses_scopes
    {
        state.scopes.selected = scopes.iter().cloned().collect();
        state.scopes.preset = None;
        // A scope typed the first time (an API's own) is shown with the
        // profile's, ticked, so it can be seen and unticked.
        state.scopes.typed = scopes
            .iter()
            .filter(|s| !profile.scopes.iter().any(|p| p.name == **s))
            .fold(Vec::new(), |mut v, s| {
                if !v.contains(s) {
                    v.push(s.clone());
                }
                v
            });
    }

    state.creds.reset_to_default(keep_default, callback);
    // Kept before means kept again; a secret not kept is asked for again.
    state.creds.keep_secret = input.store_client_secret || input.store_password;
    for row in form_rows(state) {
        let FormRow::Input { key, .. } = row else {
            continue;
        };
        if let Some(v) = value_of(&input, &key).filter(|v| !v.is_empty()) {
            state.creds.inputs.insert(key, Input::new(v));
        }
    }
    let name = crate::paths::connection_name(&state.config_dir, location)
        .unwrap_or_else(|| location.to_string_lossy().into_owned());
    state.save.name = Input::new(name);
    state.save.mode = input.initiate_oauth;
    Ok(())
}

/// What the file says for one form row. A static token is not given back:
/// signing in again with one means pasting a new one.
fn value_of(input: &LoginInput, key: &FormKey) -> Option<String> {
    let f = match key {
        FormKey::Var(name) => {
            // A test URL found by discovery (userinfo) is not a variable in
            // the file, and signing in again with the URLs filled in skips
            // discovery: give the form the URL the file was tested with.
            let discovered = (name == "test_url")
                .then(|| input.endpoints.test_url.clone())
                .flatten();
            return input.vars.get(name).cloned().or(discovered);
        }
        FormKey::Field(f) => *f,
    };
    let secret =
        |s: &Option<secrecy::SecretString>| s.as_ref().map(|v| v.expose_secret().to_string());
    match f {
        Field::ClientId => input.client_id.clone(),
        Field::ClientSecret => secret(&input.client_secret),
        Field::CallbackUrl => input.callback_url.clone(),
        Field::OrgId => input.org_id.clone(),
        Field::Username => input.username.clone(),
        Field::Password => secret(&input.password),
        Field::EventId => input.event_id.clone(),
        Field::Token => None,
        Field::Issuer => input
            .endpoints
            .issuer
            .clone()
            .or_else(|| input.vars.get("issuer").cloned()),
        Field::AuthorizeUrl => input.endpoints.authorize_url.clone(),
        Field::TokenUrl => input.endpoints.token_url.clone(),
        Field::ServiceRoot => input.vars.get("service_root").cloned(),
    }
}

/// True when every required field of the form has a value: the sign-in can
/// start without a stop at the form.
pub fn complete(state: &State) -> bool {
    form_rows(state).iter().all(|r| match r {
        FormRow::Input { key, required } => !*required || !state.creds.value(key).trim().is_empty(),
        FormRow::KeepSecret => true,
    })
}
