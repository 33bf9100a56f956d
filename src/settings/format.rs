//! The OAuthSettings document: what is on disk (clear metadata + sealed
//! secrets) and what a caller works with once it is opened.

use crate::oauth::ClientKey;
use crate::provider::{ClientAuth, Endpoints, SchemeKind};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Value of the `format` field.
pub const FORMAT: &str = "oauth-setup-settings";
/// The newest document version this build reads and writes.
pub const VERSION: u32 = 1;

/// CData's `InitiateOAuth`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InitiateOAuth {
    /// Interactive sign-in when nothing usable is stored; refresh when expired.
    #[default]
    Getandrefresh,
    /// Refresh only; never interactive (servers).
    Refresh,
    /// Use what is stored; never refresh.
    Off,
}

impl InitiateOAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            InitiateOAuth::Getandrefresh => "GETANDREFRESH",
            InitiateOAuth::Refresh => "REFRESH",
            InitiateOAuth::Off => "OFF",
        }
    }
}

impl std::str::FromStr for InitiateOAuth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "GETANDREFRESH" => Ok(Self::Getandrefresh),
            "REFRESH" => Ok(Self::Refresh),
            "OFF" => Ok(Self::Off),
            _ => Err(format!(
                "unknown InitiateOAuth mode `{s}`: use GETANDREFRESH, REFRESH or OFF"
            )),
        }
    }
}

/// Everything in the file that is not secret. Serialized in clear, and its
/// canonical JSON is the associated data of the secrets envelope, so editing
/// any of it by hand makes the file fail authentication.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Meta {
    pub format: String,
    pub version: u32,
    /// Provider profile id (`cvent`, `custom`, ...).
    pub provider: String,
    /// Scheme id within the profile (`client_credentials`, `oauth`, ...).
    pub scheme: String,
    pub kind: SchemeKind,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// The key and certificate files `private_key_jwt` signs with: paths
    /// only, so renewals can sign; the key itself is never copied here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<ClientKey>,
    #[serde(default)]
    pub endpoints: Endpoints,
    /// Resolved template variables (host, service_root, ...), so later calls
    /// need no flags.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Extra headers for token and API calls (resolved, e.g. `X-API-ORG`).
    #[serde(default)]
    pub extra_headers: BTreeMap<String, String>,
    /// Scopes asked for.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Scopes the server said it granted, when it said.
    #[serde(default)]
    pub granted_scopes: Option<Vec<String>>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub event_id: Option<String>,
    #[serde(default)]
    pub callback_url: Option<String>,
    #[serde(default)]
    pub initiate_oauth: InitiateOAuth,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Unix seconds when the access token expires; None = unknown / long-lived.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Unix milliseconds when the current token was obtained.
    #[serde(default)]
    pub token_timestamp_ms: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// True when the refresh token came from an import (rotation warning on re-export).
    #[serde(default)]
    pub imported: bool,
    /// Unix seconds when `connection-string --mode handoff` gave the refresh
    /// token to a CData driver. With rotating refresh tokens a grant has one
    /// owner: from then on `token` does not renew with it (unless `--force`).
    #[serde(default)]
    pub handed_off_at: Option<i64>,
    /// The `OAuthSettingsLocation` of the driver that took it over.
    #[serde(default)]
    pub handed_off_to: Option<String>,
    /// Who signed in, as the server said (ID-token claims or userinfo).
    /// Clear metadata, so `list` and the wizard's home screen show it
    /// without opening the envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// The last test request made with these credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_test: Option<LastTest>,
    /// Unix seconds by which the refresh token dies, when the token
    /// endpoint said (`refresh_token_expires_in` / `refresh_expires_in`);
    /// it overrides the profile's documented limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<i64>,
    /// The last renewal attempt, success and failure (see `renewal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewal: Option<super::renewal::Renewals>,
}

/// Who a grant belongs to. Every part is optional: servers say what they say.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Account {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Account {
    /// The one line a person recognises: email, else name, else subject.
    pub fn label(&self) -> Option<&str> {
        self.email
            .as_deref()
            .or(self.name.as_deref())
            .or(self.sub.as_deref())
    }

    pub fn is_empty(&self) -> bool {
        self.label().is_none()
    }
}

/// When the provider's test request last ran, and what came of it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct LastTest {
    /// Unix seconds.
    pub at: i64,
    pub ok: bool,
    /// A short, sanitised line: "HTTP 200", "HTTP 401: missing scopes …".
    pub summary: String,
}

impl LastTest {
    /// A test that ran just now; `summary` is what the API answered, made
    /// safe for a terminal and kept short.
    pub fn now(ok: bool, summary: &str) -> LastTest {
        LastTest {
            at: now_unix(),
            ok,
            summary: crate::text::sanitize(summary, 200),
        }
    }
}

/// The sealed secrets as stored on disk.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// `XChaCha20-Poly1305`.
    pub alg: String,
    /// Short fingerprint of the key (hex), so "wrong key" can be told apart from "damaged".
    pub key_id: String,
    /// Base64 (standard, padded).
    pub nonce: String,
    /// Base64 (standard, padded) ciphertext + tag.
    pub ciphertext: String,
}

/// The file on disk: metadata plus envelope.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Document {
    #[serde(flatten)]
    pub meta: Meta,
    pub secrets: Envelope,
}

/// The secrets, in memory only. `Debug` never shows values.
#[derive(Default, Clone, Deserialize, Serialize)]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub access_token: Option<SecretString>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub refresh_token: Option<SecretString>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub id_token: Option<SecretString>,
    /// HubDB private-app token / service key, or InEvent tokenID.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub static_token: Option<SecretString>,
    /// Stored only when the user chose to (needed to renew client-credential tokens unattended).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub client_secret: Option<SecretString>,
    /// InEvent password, stored only when the user chose to.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_secret")]
    pub password: Option<SecretString>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn mark(s: &Option<SecretString>) -> &'static str {
            if s.is_some() { "[redacted]" } else { "none" }
        }
        f.debug_struct("Secrets")
            .field("access_token", &mark(&self.access_token))
            .field("refresh_token", &mark(&self.refresh_token))
            .field("id_token", &mark(&self.id_token))
            .field("static_token", &mark(&self.static_token))
            .field("client_secret", &mark(&self.client_secret))
            .field("password", &mark(&self.password))
            .finish()
    }
}

/// An opened settings file.
#[derive(Debug, Clone)]
pub struct Settings {
    pub meta: Meta,
    pub secrets: Secrets,
}

/// Serde for optional secrets: stored as plain strings inside an envelope.
pub(crate) mod opt_secret {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v.expose_secret()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
    }
}

/// Unix seconds now (0 if the clock is before 1970, which only a broken
/// clock produces).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix milliseconds now (token timestamps, lock deadlines).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Meta {
    /// Metadata for a new settings file: current format/version, everything
    /// optional empty, `created_at` = `updated_at` = now.
    pub fn new(provider: impl Into<String>, scheme: impl Into<String>, kind: SchemeKind) -> Meta {
        let now = now_unix();
        Meta {
            format: FORMAT.to_string(),
            version: VERSION,
            provider: provider.into(),
            scheme: scheme.into(),
            kind,
            client_id: None,
            client_auth: ClientAuth::default(),
            client_key: None,
            endpoints: Endpoints::default(),
            vars: BTreeMap::new(),
            extra_headers: BTreeMap::new(),
            scopes: Vec::new(),
            granted_scopes: None,
            region: None,
            org_id: None,
            username: None,
            event_id: None,
            callback_url: None,
            initiate_oauth: InitiateOAuth::default(),
            token_type: None,
            expires_at: None,
            token_timestamp_ms: None,
            created_at: now,
            updated_at: now,
            imported: false,
            handed_off_at: None,
            handed_off_to: None,
            account: None,
            last_test: None,
            refresh_expires_at: None,
            renewal: None,
        }
    }

    /// Marks the metadata as changed now.
    pub fn touch(&mut self) {
        self.updated_at = now_unix();
    }
}

impl Settings {
    pub fn new(meta: Meta, secrets: Secrets) -> Settings {
        Settings { meta, secrets }
    }
}
