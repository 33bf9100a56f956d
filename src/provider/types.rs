//! Provider profile types: the shape of `assets/providers/*.toml`.
//!
//! Profiles are data. Anything a provider does differently (endpoints, client
//! authentication, scope lists, the test request) is described here rather than
//! branched on in code.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One provider profile, as loaded from TOML.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Stable identifier used on the command line (`cvent`, `hubdb`, ...).
    pub id: String,
    /// Display name (`Cvent`, `HubSpot HubDB`).
    pub name: String,
    /// One line shown in lists.
    pub description: String,
    #[serde(default)]
    pub docs_url: Option<String>,
    /// URL template of the API the token is for (`{host}/ea`).
    #[serde(default)]
    pub api_base: Option<String>,
    /// A first call worth trying, as a path under `api_base`
    /// (`/v2/bookings?page[size]=1`): the wizard's last screen shows it with
    /// `api` and curl. Without it, the test request's path is shown.
    #[serde(default)]
    pub api_example: Option<String>,
    /// How the API's list answers point at the next page (`api --paginate`).
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Template variables with their defaults (`host`, `base`, `service_root`, `issuer`).
    #[serde(default)]
    pub vars: BTreeMap<String, VarSpec>,
    /// Hosting regions; each sets some variables. The first is the default.
    #[serde(default)]
    pub regions: Vec<Region>,
    /// Authentication schemes; the first is the default.
    pub schemes: Vec<Scheme>,
    /// The provider's real scope list.
    #[serde(default)]
    pub scopes: Vec<ScopeInfo>,
    /// Named scope selections ("All", "Read-only", "Minimum for the connector", ...).
    #[serde(default)]
    pub scope_presets: Vec<ScopePreset>,
    /// Scope count above which the provider is known to fail (Cvent: HTTP 431).
    #[serde(default)]
    pub scope_limit: Option<usize>,
    /// True when asking for no scope means "all the scopes the app has".
    #[serde(default)]
    pub empty_scope_means_all: bool,
    /// The request that proves a credential works.
    #[serde(default)]
    pub test: Option<TestRequest>,
    /// Pick lists for fields, filled from the provider's API once a token is
    /// at hand (Event Temple's organizations for `org_id`).
    #[serde(default)]
    pub lookups: Vec<Lookup>,
    /// Set by the loader, never read from a file: this profile is the user's
    /// and took the place of the builtin with its id. Lists say so, so that a
    /// profile dropped into `<config>/providers` cannot pass for the builtin.
    #[serde(skip)]
    pub replaces_builtin: bool,
}

/// Where a list answer says what comes next: a whole URL (OData
/// `/@odata.nextLink`, JSON:API `/links/next`, HubSpot `/paging/next/link`)
/// or a token to send back as a query parameter (Cvent `/paging/nextToken`
/// as `token`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// JSON pointer to the next page's URL.
    #[serde(default)]
    pub next_url: Option<String>,
    /// JSON pointer to the next page's token.
    #[serde(default)]
    pub next_token: Option<String>,
    /// The query parameter the token goes back in.
    #[serde(default)]
    pub token_param: Option<String>,
}

/// A pick list for a field, read from a JSON API.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    pub field: Field,
    /// URL template.
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON pointer to the array of items (`/data`).
    pub items_pointer: String,
    /// JSON pointer, within an item, to the value (`/id`).
    pub value_pointer: String,
    /// JSON pointer, within an item, to the label (`/attributes/name`).
    pub label_pointer: String,
}

/// A template variable such as `host` or `service_root`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    /// What the value is, shown when it is missing.
    pub description: String,
    #[serde(default)]
    pub default: Option<String>,
    /// An example value, shown as a placeholder.
    #[serde(default)]
    pub example: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

/// Which grant or sign-in a scheme runs.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum SchemeKind {
    AuthorizationCode,
    ClientCredentials,
    DeviceCode,
    /// InEvent `person.signIn`: username + password, not OAuth.
    PasswordSignin,
    /// A token the user already has (HubDB private-app token or service key).
    StaticToken,
}

impl SchemeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemeKind::AuthorizationCode => "authorization_code",
            SchemeKind::ClientCredentials => "client_credentials",
            SchemeKind::DeviceCode => "device_code",
            SchemeKind::PasswordSignin => "password_signin",
            SchemeKind::StaticToken => "static_token",
        }
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `Authorization: Basic` (RFC 6749 §2.3.1), form body.
    #[default]
    Basic,
    /// Basic **and** `client_id` in the form body (Cvent).
    BasicAndBody,
    /// `client_id` and `client_secret` in the form body (HubSpot).
    Form,
    /// `client_id` and `client_secret` in a JSON body (Event Temple).
    Json,
    /// Public client: `client_id` in the form body, no secret.
    None,
    /// A JWT signed with the client's private key (RFC 7523 §2.2), as
    /// Entra ID's certificate credentials: no secret at all.
    PrivateKeyJwt,
}

/// A field the user must (or may) supply for a scheme.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ClientId,
    ClientSecret,
    CallbackUrl,
    OrgId,
    Username,
    Password,
    EventId,
    Token,
    Issuer,
    AuthorizeUrl,
    TokenUrl,
    ServiceRoot,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::ClientId,
        Field::ClientSecret,
        Field::CallbackUrl,
        Field::OrgId,
        Field::Username,
        Field::Password,
        Field::EventId,
        Field::Token,
        Field::Issuer,
        Field::AuthorizeUrl,
        Field::TokenUrl,
        Field::ServiceRoot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::ClientId => "client_id",
            Field::ClientSecret => "client_secret",
            Field::CallbackUrl => "callback_url",
            Field::OrgId => "org_id",
            Field::Username => "username",
            Field::Password => "password",
            Field::EventId => "event_id",
            Field::Token => "token",
            Field::Issuer => "issuer",
            Field::AuthorizeUrl => "authorize_url",
            Field::TokenUrl => "token_url",
            Field::ServiceRoot => "service_root",
        }
    }

    pub fn is_secret(self) -> bool {
        matches!(self, Field::ClientSecret | Field::Password | Field::Token)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Identifier on the command line (`--scheme client_credentials`; see
    /// [`Scheme::answers_to`] for the spellings it also takes).
    pub id: String,
    pub kind: SchemeKind,
    /// One line for the method picker.
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Endpoint templates, e.g. `{host}/ea/oauth2/token`.
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub device_authorization_url: Option<String>,
    /// InEvent sign-in endpoint.
    #[serde(default)]
    pub signin_url: Option<String>,
    /// RFC 7009 revocation endpoint template (`logout`).
    #[serde(default)]
    pub revocation_url: Option<String>,
    /// True when endpoints come from OpenID / RFC 8414 discovery of `{issuer}`.
    #[serde(default)]
    pub discovery: bool,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Headers sent on token and API requests; values are templates (`{org_id}`).
    #[serde(default)]
    pub extra_headers: BTreeMap<String, String>,
    /// Extra query parameters for the authorize URL (e.g. `prompt = "consent"`).
    #[serde(default)]
    pub extra_authorize_params: BTreeMap<String, String>,
    /// Fields this scheme needs from the user.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Fields this scheme accepts but does not need.
    #[serde(default)]
    pub optional_fields: Vec<Field>,
    /// Variables with a default that the form still offers to change
    /// (Entra's `tenant`: `organizations` unless the app is single-tenant).
    #[serde(default)]
    pub ask_vars: Vec<String>,
    /// Default redirect URI (CData-style `http://localhost:33333`); None = loopback on a free port.
    #[serde(default)]
    pub default_callback_url: Option<String>,
    /// Scopes selected by default (the connector's preset id, or explicit scopes).
    #[serde(default)]
    pub default_scope_preset: Option<String>,
    /// Whether this scheme sends scopes at all.
    #[serde(default = "yes")]
    pub uses_scopes: bool,
    /// Set-up checklist for creating the app / workspace / token.
    #[serde(default)]
    pub setup_steps: Vec<SetupStep>,
    /// Expected token lifetime in seconds when the server does not say.
    #[serde(default)]
    pub default_expires_in: Option<i64>,
    /// How long the provider lets a refresh token live, as documented.
    #[serde(default)]
    pub refresh_token: Option<RefreshLimits>,
}

/// A provider's documented refresh-token limits, with the page that says
/// so. A limit left out is unknown (the page states none). A
/// `refresh_token_expires_in` in a token answer overrides these.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RefreshLimits {
    /// Days a refresh token may go unused before the provider ends it
    /// (Entra ID: 90, `AADSTS700082`); a renewal starts the count again.
    #[serde(default)]
    pub idle_days: Option<i64>,
    /// Days after the sign-in when the grant ends however often it is
    /// renewed; only a new sign-in helps.
    #[serde(default)]
    pub absolute_days: Option<i64>,
    /// The page the limits (or the absence of any) come from.
    pub source: String,
    /// What the page says, in a line.
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

impl Scheme {
    /// True when a typed scheme id names this scheme (see [`same_id`]).
    pub fn answers_to(&self, typed: &str) -> bool {
        same_id(&self.id, typed)
    }
}

/// True when `typed` names the profile id `id` (a scheme or scope preset).
/// People type flags in kebab case (`client-credentials`) and ids are snake
/// case in files, so `-` and `_` are the same letter here, and case does not
/// count; what is stored is the id as the profile spells it.
pub fn same_id(id: &str, typed: &str) -> bool {
    id_key(id) == id_key(typed)
}

/// The form of an id that [`same_id`] compares: two schemes (or presets)
/// with the same key cannot be in one profile (validate.rs).
pub(crate) fn id_key(id: &str) -> String {
    id.trim().to_ascii_lowercase().replace('-', "_")
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SetupStep {
    pub title: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
    Delete,
    #[default]
    Other,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScopeInfo {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Resource group, e.g. `Attendees`.
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub access: Access,
    /// Shown beside the scope, e.g. "may be rejected: not in Cvent's public spec".
    #[serde(default)]
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScopePreset {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Explicit scopes. Ignored when `all` or `read_only` is set.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Every scope in the profile.
    #[serde(default)]
    pub all: bool,
    /// Every scope whose access is `read`.
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum TestAuth {
    /// `Authorization: Bearer <token>`.
    #[default]
    Bearer,
    /// Token as the `tokenID` query parameter (InEvent).
    QueryTokenId,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    #[serde(default = "get")]
    pub method: String,
    /// URL template, e.g. `{host}/ea/token-validation`.
    pub url: String,
    #[serde(default)]
    pub auth: TestAuth,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON pointer to a count in the response (`/total`), for the summary.
    #[serde(default)]
    pub count_pointer: Option<String>,
    /// Summary template with `{count}`, e.g. `{count} HubDB tables`.
    #[serde(default)]
    pub summary: Option<String>,
    /// What an HTTP status of the test request means for this provider,
    /// keyed by the status (`"403"`), when the usual reading is wrong.
    #[serde(default)]
    pub explain: BTreeMap<String, String>,
}

fn get() -> String {
    "GET".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_ids_take_hyphens_for_underscores_and_any_case() {
        assert!(same_id("client_credentials", "client-credentials"));
        assert!(same_id("client_credentials", " Client_Credentials "));
        assert!(same_id("private_app_token", "private-app_token"));
        assert!(!same_id("client_credentials", "clientcredentials"));
        assert!(!same_id("oauth", "oauth2"));
    }
}
