//! What a sign-in writes down: the settings metadata built from its answers
//! (one builder for every way of signing in), the token answer folded in, and
//! the reverse — the answers that sign in again for an existing file.

use super::input::LoginInput;
use super::resolve::Resolved;
use crate::oauth::TokenSet;
use crate::provider::SchemeKind;
use crate::settings::now_ms;
use crate::settings::{Meta, Secrets, Settings};
use std::time::Duration;

/// Default wait for a browser or device approval.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The clear metadata of the settings a sign-in produces. `callback_url` is
/// the registered redirect URI worth keeping (never an ephemeral port).
pub(crate) fn meta(r: &Resolved, input: &LoginInput, callback_url: Option<String>) -> Meta {
    let mut meta = Meta::new(r.profile.id.clone(), r.scheme.id.clone(), r.scheme.kind);
    meta.client_id = input.client_id.clone();
    meta.client_auth = r.client_auth;
    meta.client_key = input
        .client_key
        .clone()
        .filter(|_| r.client_auth == crate::provider::ClientAuth::PrivateKeyJwt);
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
    meta
}

/// The settings a sign-in writes before its tokens: the metadata, and the
/// secrets the person chose to keep.
pub(crate) fn document(r: &Resolved, input: &LoginInput) -> Settings {
    // The redirect URI the code flow registered (never an ephemeral port).
    let callback_url = match r.scheme.kind {
        SchemeKind::AuthorizationCode if input.refresh_token.is_none() => input
            .callback_url
            .clone()
            .or_else(|| r.scheme.default_callback_url.clone()),
        _ => input.callback_url.clone(),
    };
    let secrets = Secrets {
        client_secret: input
            .client_secret
            .clone()
            .filter(|_| input.store_client_secret),
        password: input
            .password
            .clone()
            .filter(|_| input.store_password && r.scheme.kind == SchemeKind::PasswordSignin),
        static_token: input
            .static_token
            .clone()
            .filter(|_| r.scheme.kind == SchemeKind::StaticToken),
        ..Secrets::default()
    };
    Settings {
        meta: meta(r, input, callback_url),
        secrets,
    }
}

/// Puts a token answer into settings, keeping the old refresh token when the
/// answer has none, and recording who signed in when it has an ID token.
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
    // A renewal's ID token may say more (or someone else); without one the
    // recorded account stays as it was.
    if let Some(account) = t.id_token.as_ref().and_then(super::account::from_id_token) {
        m.account = Some(account);
    }
    // A new refresh token starts its own life; the server's stated one
    // (if any) replaces the last.
    if t.refresh_token.is_some() || t.refresh_expires_in.is_some() {
        m.refresh_expires_at = t.refresh_expires_in.map(|e| now_ms / 1000 + e);
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
