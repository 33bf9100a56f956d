//! Shared by the TUI tests: provider profiles as TOML,
//! so the tests do not depend on the shipped profiles changing.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use oauth_setup::provider::Profile;
use oauth_setup::tui::{Action, State, Theme, update};

pub const CVENT: &str = r#"
id = "cvent"
name = "Cvent"
description = "Cvent event platform REST API"
docs_url = "https://developers.cvent.com/"
scope_limit = 50
empty_scope_means_all = true

[vars.host]
description = "API host"
default = "https://api-platform.cvent.com"

[[regions]]
id = "na"
name = "North America"
vars = { host = "https://api-platform.cvent.com" }

[[regions]]
id = "eu"
name = "Europe"
vars = { host = "https://api-platform-eur.cvent.com" }

[[schemes]]
id = "client_credentials"
kind = "client_credentials"
title = "Machine to Machine app (client credentials)"
description = "The app's client ID and secret get a token directly; no browser. Tokens last an hour and are renewed with the secret."
token_url = "{host}/ea/oauth2/token"
client_auth = "basic_and_body"
fields = ["client_id", "client_secret"]
default_scope_preset = "connector"
default_expires_in = 3600

[[schemes.setup_steps]]
title = "Admin → Integrations → REST API → Manage API Access"
detail = "Sign in to Cvent as an administrator."
url = "https://app.cvent.com/"

[[schemes.setup_steps]]
title = "Create a Workspace with the scopes (All or Custom)"

[[schemes.setup_steps]]
title = "Create an Application (Machine to Machine) in the workspace"
detail = "Pick the same scopes; then copy the client ID and secret."

[[schemes]]
id = "web"
kind = "authorization_code"
title = "Web Application (admins only, browser sign-in)"
description = "Sign in as a Cvent admin in the browser."
authorize_url = "{host}/ea/oauth2/authorize"
token_url = "{host}/ea/oauth2/token"
client_auth = "basic_and_body"
fields = ["client_id", "client_secret"]
optional_fields = ["callback_url"]
default_callback_url = "http://localhost:33333"
default_scope_preset = "connector"

[[scopes]]
name = "event/attendees:read"
group = "Attendees"
access = "read"
description = "Read attendees"

[[scopes]]
name = "event/attendees:write"
group = "Attendees"
access = "write"
description = "Create and update attendees"

[[scopes]]
name = "event/contacts:read"
group = "Contacts"
access = "read"
description = "Read contacts"

[[scopes]]
name = "event/contacts:write"
group = "Contacts"
access = "write"
description = "Create and update contacts"

[[scopes]]
name = "event/contacts:delete"
group = "Contacts"
access = "delete"
description = "Delete contacts"

[[scopes]]
name = "event/events:read"
group = "Events"
access = "read"
description = "Read events"

[[scopes]]
name = "event/events:write"
group = "Events"
access = "write"
description = "Create and update events"

[[scopes]]
name = "survey/surveys:read"
group = "Surveys"
access = "read"
description = "Read surveys"

[[scopes]]
name = "survey/surveys:write"
group = "Surveys"
access = "write"
description = "Write surveys"
warning = "may be rejected: not in Cvent's public spec"

[[scope_presets]]
id = "connector"
name = "Minimum for the connector"
scopes = ["event/attendees:read", "event/attendees:write", "event/contacts:read", "event/contacts:write", "event/events:read", "event/events:write", "survey/surveys:read"]

[[scope_presets]]
id = "read_only"
name = "Read-only"
read_only = true

[[scope_presets]]
id = "all"
name = "All"
all = true

[[scope_presets]]
id = "none"
name = "None = all the app's scopes"

[test]
url = "{host}/ea/token-validation"
summary = "Cvent accepted the token"
"#;

pub const HUBDB: &str = r#"
id = "hubdb"
name = "HubSpot HubDB"
description = "HubSpot CMS HubDB tables and rows"

[[schemes]]
id = "oauth"
kind = "authorization_code"
title = "Sign in with the browser (OAuth)"
description = "A public or project app; you approve access once in the browser."
authorize_url = "https://app.hubspot.com/oauth/authorize"
token_url = "https://api.hubapi.com/oauth/2026-03/token"
client_auth = "form"
fields = ["client_id", "client_secret"]
optional_fields = ["callback_url"]
default_callback_url = "http://localhost:33333"
default_scope_preset = "connector"

[[schemes.setup_steps]]
title = "Create the app (Development → Apps)"
url = "https://app.hubspot.com/"

[[schemes.setup_steps]]
title = "Add the redirect URL and the scopes"

[[schemes.setup_steps]]
title = "Copy the client ID and secret from the Auth page"

[[schemes]]
id = "token"
kind = "static_token"
title = "Private app token / service key"
description = "Paste a token you created in HubSpot."
uses_scopes = false
fields = ["token"]

[[scopes]]
name = "hubdb"
group = "HubDB"
description = "Tables and rows"

[[scopes]]
name = "oauth"
group = "Other"
description = "Required by HubSpot for OAuth apps"

[[scopes]]
name = "crm.objects.owners.read"
group = "Other"
access = "read"
description = "Owners (used by the connector)"

[[scope_presets]]
id = "connector"
name = "Minimum for the connector"
scopes = ["hubdb", "oauth", "crm.objects.owners.read"]

[test]
url = "https://api.hubapi.com/cms/v3/hubdb/tables?limit=1"
count_pointer = "/total"
summary = "{count} HubDB tables"
"#;

pub const INEVENT: &str = r#"
id = "inevent"
name = "InEvent"
description = "InEvent API (password sign-in)"

[[regions]]
id = "na"
name = "North America"
vars = { base = "https://api.inevent.com/" }

[[regions]]
id = "eu"
name = "Europe"
vars = { base = "https://api.inevent.uk/" }

[[schemes]]
id = "system"
kind = "password_signin"
title = "Company (system) scope"
signin_url = "{base}"
uses_scopes = false
fields = ["username", "password"]

[[schemes]]
id = "event"
kind = "password_signin"
title = "One event (event scope)"
signin_url = "{base}"
uses_scopes = false
fields = ["username", "password", "event_id"]
"#;

pub const ODATA: &str = r#"
id = "odata"
name = "OData"
description = "Any OData service behind an OAuth server"

[vars.service_root]
description = "The service root URL"

[vars.tenant]
description = "Entra tenant id or domain"
example = "contoso.onmicrosoft.com"

[[schemes]]
id = "desktop"
kind = "authorization_code"
title = "Sign in with the browser (desktop, PKCE)"
authorize_url = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"
token_url = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
client_auth = "none"
fields = ["client_id", "service_root"]
optional_fields = ["callback_url"]

[test]
url = "{service_root}/$metadata"
"#;

pub const EVENTTEMPLE: &str = r#"
id = "eventtemple"
name = "Event Temple"
description = "Event Temple API (client credentials; needs the API Org ID)"

[vars.api_base]
description = "Event Temple API base URL"
default = "https://api.eventtemple.com"

[[schemes]]
id = "client_credentials"
kind = "client_credentials"
title = "Private app (client credentials)"
token_url = "{api_base}/oauth/token"
client_auth = "json"
fields = ["client_id", "client_secret", "org_id"]
default_scope_preset = "connector"
default_expires_in = 7200

[schemes.extra_headers]
X-API-ORG = "{org_id}"

[[scopes]]
name = "crm_read"
group = "CRM"
access = "read"
description = "Read CRM data"

[[scopes]]
name = "crm_manage"
group = "CRM"
access = "write"
description = "Create and change CRM data"

[[scope_presets]]
id = "connector"
name = "Minimum for the connector"
scopes = ["crm_read", "crm_manage"]

[[lookups]]
field = "org_id"
url = "{api_base}/v2/organizations"
headers = { Accept = "application/vnd.api+json" }
items_pointer = "/data"
value_pointer = "/id"
label_pointer = "/attributes/name"

[test]
url = "{api_base}/v2/bookings?page[size]=1"
headers = { X-API-ORG = "{org_id}", Accept = "application/vnd.api+json" }
"#;

/// A custom server's device flow (endpoints by discovery).
pub const DEVICE: &str = r#"
id = "custom"
name = "Custom OAuth / OpenID Connect"
description = "Any OAuth 2.0 / OpenID Connect server"

[[schemes]]
id = "device_code"
kind = "device_code"
title = "Device code (sign in on another device)"
discovery = true
client_auth = "none"
fields = ["client_id", "issuer"]
"#;

/// `EVENTTEMPLE` with its API at `base` (a local test server).
pub fn eventtemple_at(base: &str) -> Profile {
    profile(&EVENTTEMPLE.replace("https://api.eventtemple.com", base))
}

pub fn profile(toml_text: &str) -> Profile {
    toml::from_str(toml_text).expect("fixture profile parses")
}

pub fn profiles() -> Vec<Profile> {
    [CVENT, HUBDB, INEVENT, ODATA]
        .into_iter()
        .map(profile)
        .collect()
}

pub fn state() -> State {
    let mut s = State::new(
        profiles(),
        "/home/user/.config/oauth-setup".into(),
        Theme::plain(),
    );
    s.size = (80, 24);
    s
}

/// A wizard state over exactly these profiles.
pub fn state_with(profiles: Vec<Profile>) -> State {
    let mut s = State::new(
        profiles,
        "/home/user/.config/oauth-setup".into(),
        Theme::plain(),
    );
    s.size = (80, 24);
    s
}

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn paste(s: &str) -> Action {
    Action::Paste(oauth_setup::tui::Pasted(s.to_string()))
}

/// Applies actions, dropping the commands (rendering tests need no I/O).
pub fn apply(state: &mut State, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        let _ = update(state, a);
    }
}

pub fn typed(text: &str) -> Vec<Action> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}
