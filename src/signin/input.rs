//! What a sign-in needs: [`LoginInput`], checked against its profile by
//! [`super::resolve`] and run by [`super::run_login_with`].

use crate::oauth::{BrowserMode, ClientKey};
use crate::provider::{ClientAuth, Endpoints};
use crate::settings::InitiateOAuth;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::time::Duration;

/// Everything a sign-in needs. Secrets are `SecretString` so `Debug` is safe.
#[derive(Debug, Clone, Default)]
pub struct LoginInput {
    pub profile_id: String,
    /// Scheme id; None = the profile's first scheme.
    pub scheme: Option<String>,
    /// Region id; None = the profile's first region.
    pub region: Option<String>,
    /// Template variables the user gave (`host`, `service_root`, `tenant`, `issuer`).
    pub vars: BTreeMap<String, String>,
    /// Explicit endpoint overrides (flags / environment).
    pub endpoints: Endpoints,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    /// Overrides the profile's client authentication style.
    pub client_auth: Option<ClientAuth>,
    /// The private key (and certificate) files for `private_key_jwt`; given
    /// alone, they choose `private_key_jwt`.
    pub client_key: Option<ClientKey>,
    /// Keep the client secret (encrypted) so tokens can be renewed unattended.
    pub store_client_secret: bool,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// Keep the InEvent password (encrypted) so the token can be renewed.
    pub store_password: bool,
    pub event_id: Option<String>,
    pub org_id: Option<String>,
    pub static_token: Option<SecretString>,
    /// None = the scheme's default preset.
    pub scopes: Option<Vec<String>>,
    /// Redirect URI; None = `http://127.0.0.1:<free port>/callback`, or the scheme's default.
    pub callback_url: Option<String>,
    pub browser: BrowserMode,
    /// How long to wait for the browser / device approval. Zero = 5 minutes.
    pub timeout: Duration,
    pub initiate_oauth: InitiateOAuth,
    /// Start from this refresh token (one CData's GetOAuthAccessToken or
    /// another tool returned) instead of a browser: the refresh grant runs
    /// at once to prove it. Authorization-code schemes only.
    pub refresh_token: Option<SecretString>,
}
