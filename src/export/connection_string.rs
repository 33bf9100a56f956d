//! The CData-style connection string a connector needs to use a settings file.

use crate::provider::SchemeKind;
use crate::settings::Settings;
use secrecy::ExposeSecret;
use std::path::Path;

/// Quotes a value that contains a separator, the way CData connection strings do.
fn value(v: &str) -> String {
    if v.contains([';', '\'', '"', '=']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("'{}'", v.replace('\'', "''"))
    } else {
        v.to_string()
    }
}

/// Builds the string; the client secret only when `include_secret`.
pub fn build(s: &Settings, settings_path: &Path, include_secret: bool) -> String {
    let m = &s.meta;
    let mut parts: Vec<(&str, String)> = Vec::new();
    let scheme = match m.kind {
        SchemeKind::AuthorizationCode | SchemeKind::DeviceCode => "OAuth",
        SchemeKind::ClientCredentials => "OAuthClient",
        SchemeKind::PasswordSignin => "Basic",
        SchemeKind::StaticToken => "PrivateApp",
    };
    parts.push(("AuthScheme", scheme.into()));
    parts.push(("InitiateOAuth", m.initiate_oauth.as_str().into()));
    parts.push(("OAuthSettingsLocation", settings_path.display().to_string()));
    if let Some(id) = &m.client_id {
        parts.push(("OAuthClientId", id.clone()));
    }
    if include_secret && let Some(sec) = &s.secrets.client_secret {
        parts.push(("OAuthClientSecret", sec.expose_secret().to_string()));
    }
    if let Some(cb) = &m.callback_url {
        parts.push(("CallbackURL", cb.clone()));
    }
    if let Some(u) = &m.endpoints.authorize_url {
        parts.push(("OAuthAuthorizationURL", u.clone()));
    }
    if let Some(u) = &m.endpoints.token_url {
        parts.push(("OAuthAccessTokenURL", u.clone()));
        parts.push(("OAuthRefreshTokenURL", u.clone()));
    }
    if !m.scopes.is_empty() {
        parts.push(("Scope", m.scopes.join(" ")));
    }
    if let Some(root) = m.vars.get("service_root") {
        parts.push(("URL", root.clone()));
    }
    if let Some(org) = &m.org_id {
        parts.push(("OrgId", org.clone()));
    }
    if let Some(region) = &m.region {
        parts.push(("Region", region.to_uppercase()));
    }
    parts
        .into_iter()
        .map(|(k, v)| format!("{k}={};", value(&v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn separators_are_quoted() {
        assert_eq!(value("a b"), "a b");
        assert_eq!(value("x;y"), "'x;y'");
        assert_eq!(value("it's"), "'it''s'");
    }
}
