//! How to use a saved connection with this provider: the commands (`token`,
//! `api` with the profile's example path, `exec`, curl with the provider's
//! header or query parameter) and the CData connection string in the mode
//! that fits, with its secrets hidden. Everything provider-specific comes
//! from the profile and the settings (extra headers, the test request's
//! token style, `api_example`, `[cdata]`), none of it from code.

use crate::export::connection_string::{self, Choice, Dialect, Mode, Request, Target};
use crate::provider::{Profile, SchemeKind, TestAuth};
use crate::settings::Settings;
use crate::text::shell_quote as quote;
use crate::tui::action::{Saved, Step};
use secrecy::SecretString;

/// The path to show with `api` and curl: the profile's example, else the
/// test request's path under the API base.
fn example_path(p: &Profile, s: &Settings) -> Option<String> {
    if let Some(ex) = &p.api_example {
        return Some(ex.clone());
    }
    let base = crate::api::api_base(p, s)?;
    let test = s.meta.endpoints.test_url.as_deref()?;
    test.strip_prefix(base.trim_end_matches('/'))
        .filter(|rest| rest.starts_with(['/', '?']))
        .map(str::to_string)
}

/// The commands worth running next, in the order the last screen shows them.
pub fn steps(profile: Option<&Profile>, s: &Settings, saved: &Saved) -> Vec<Step> {
    let arg = &saved.settings_arg;
    let step = |what: &str, command: String| Step {
        what: what.to_string(),
        command,
    };
    let kind = crate::connections::Kind::of(s);
    let mut out = vec![step(
        kind.token_command_says(),
        format!("oauth-setup token --settings {arg}"),
    )];
    let example = profile.and_then(|p| Some((p, example_path(p, s)?)));
    if let Some((p, path)) = &example {
        out.push(step(
            "Call the API (the token rides as the provider wants it):",
            format!("oauth-setup api --settings {arg} {}", quote(path)),
        ));
        let url = crate::api::target(Some(p), s, path, &[])
            .map(|u| u.to_string())
            .ok();
        if let Some(url) = url {
            let curl = match crate::api::auth_style(Some(p)) {
                TestAuth::Bearer => format!(
                    "oauth-setup token --settings {arg} --header | curl -H @- {}",
                    quote(&url)
                ),
                TestAuth::QueryTokenId => format!(
                    "oauth-setup token --settings {arg} | tr -d '\\n' | curl -G --data-urlencode tokenID@- {}",
                    quote(&url)
                ),
            };
            out.push(step("With curl (the token never on a command line):", curl));
        }
    }
    out.push(step(
        "Run a program with the token in OAUTH_ACCESS_TOKEN:",
        format!("oauth-setup exec --settings {arg} -- ./your-program"),
    ));
    if let Some(p) = profile
        && connection_string::target(&p.id, &p.name, s, &Choice::default()).is_ok()
    {
        out.push(step(
            "The CData connection string, with the secrets:",
            format!(
                "oauth-setup connection-string --settings {arg} --mode {}",
                cdata_mode(s).as_str()
            ),
        ));
    }
    out
}

/// What the provider wants beside the token, in a sentence each (Event
/// Temple's `X-API-ORG`, InEvent's `tokenID` parameter).
pub fn specifics(profile: Option<&Profile>, s: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    let name = profile.map_or(s.meta.provider.as_str(), |p| p.name.as_str());
    if crate::api::auth_style(profile) == TestAuth::QueryTokenId {
        out.push(format!(
            "{name} takes the token as the tokenID query parameter (…&tokenID=TOKEN), not in a header; api adds it."
        ));
    }
    for (h, v) in &s.meta.extra_headers {
        out.push(format!(
            "{name} wants every call to carry {h}: {v} beside the token; api and token --header add it, exec sets {}.",
            crate::api::header_var(h)
        ));
    }
    if let Some(base) = profile.and_then(|p| crate::api::api_base(p, s)) {
        // A pasted token has no expiry to export.
        let expires = if crate::connections::Kind::of(s).expires() {
            " and OAUTH_EXPIRES_AT"
        } else {
            ""
        };
        out.push(format!("exec also sets OAUTH_API_BASE={base}{expires}."));
    }
    out
}

/// `app` where the driver can sign in as the app by itself, else `token`.
fn cdata_mode(s: &Settings) -> Mode {
    if s.meta.kind == SchemeKind::ClientCredentials && s.secrets.client_secret.is_some() {
        Mode::App
    } else {
        Mode::Token
    }
}

const HIDDEN: &str = "••••••";

/// The last screen's CData part: which connector and build, the string in
/// the fitting mode with every secret hidden, and what it means.
pub struct CdataUsage {
    pub connector: String,
    pub build: u32,
    pub string: String,
    pub meaning: String,
}

/// The CData string for the last screen; `Err` says why there is none.
pub fn connection_string(
    profile: Option<&Profile>,
    s: &Settings,
    name: &str,
) -> Result<CdataUsage, String> {
    let Some(p) = profile else {
        return Err("The provider's profile is not loaded.".into());
    };
    let t = match connection_string::target(&p.id, &p.name, s, &Choice::default()) {
        Ok(t) => t,
        Err(connection_string::ConnectionStringError::NoConnector { .. }) => {
            return Err(format!(
                "CData has no connector for {}: hand the token to programs with token, api or exec (above).",
                p.name
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    let mode = cdata_mode(s);
    let token: Option<&SecretString> = s
        .secrets
        .access_token
        .as_ref()
        .or(s.secrets.static_token.as_ref());
    let driver = format!("memory://oauth-setup-{name}");
    let req = Request {
        mode,
        include_secrets: false,
        driver_location: &driver,
        now_ms: crate::settings::now_ms(),
    };
    let parts = connection_string::build(s, token, &t, &req).map_err(|e| e.to_string())?;
    let meaning = meaning(s, &t, mode, &parts);
    let shown: Vec<(String, String)> = parts
        .into_iter()
        .map(|(k, v)| {
            if connection_string::SECRET_PROPERTIES.contains(&k.as_str()) {
                (k, HIDDEN.to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    Ok(CdataUsage {
        connector: t.contract.connector.clone(),
        build: t.build,
        string: connection_string::render(&shown, Dialect::default()),
        meaning,
    })
}

/// What the string in `mode` means, from what it actually carries.
pub fn meaning(s: &Settings, t: &Target, mode: Mode, parts: &[(String, String)]) -> String {
    let has = |k: &str, v: &str| parts.iter().any(|(pk, pv)| pk == k && pv == v);
    match mode {
        Mode::App => format!(
            "The driver signs in as the app with the client ID and secret (InitiateOAuth=GETANDREFRESH{}).",
            t.method
                .app
                .iter()
                .flatten()
                .map(|(k, v)| format!(", {k}={v}"))
                .collect::<String>()
        ),
        Mode::Token if !has("InitiateOAuth", "OFF") => format!(
            "It carries the token as {}: a static token, valid until it is revoked in the provider; no OAuth properties.",
            t.method.token_property
        ),
        Mode::Token | Mode::Handoff => {
            let handoff = if connection_string::handoff_refusal(s, t).is_none() {
                "; --mode handoff gives the driver the refresh token instead"
            } else {
                ""
            };
            format!(
                "It carries the current access token (InitiateOAuth=OFF): reconnect with a fresh string before it expires{handoff}."
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::provider::SchemeKind;
    use crate::settings::{Meta, Secrets};
    use secrecy::SecretString;

    fn usage_of(
        provider: &str,
        scheme: &str,
        kind: SchemeKind,
        f: impl Fn(&mut Settings),
    ) -> CdataUsage {
        let profiles = crate::provider::builtin();
        let p = crate::provider::find(&profiles, provider).unwrap();
        let mut s = Settings::new(Meta::new(provider, scheme, kind), Secrets::default());
        f(&mut s);
        connection_string(Some(p), &s, "x").unwrap()
    }

    /// The last screen says what the string it shows carries: no
    /// InitiateOAuth for a static token, hand-off only where the connector
    /// can take it, the build it targets.
    #[test]
    fn last_screen_words_follow_the_string() {
        let tok = || Some(SecretString::from("t".to_string()));
        let u = usage_of("hubdb", "private_app_token", SchemeKind::StaticToken, |s| {
            s.secrets.static_token = tok();
        });
        assert_eq!(u.string, "AuthScheme=PrivateApp;PrivateAppToken=••••••;");
        assert!(!u.meaning.contains("InitiateOAuth"), "{}", u.meaning);
        assert!(!u.meaning.contains("handoff"), "{}", u.meaning);
        assert!(u.meaning.contains("static token"), "{}", u.meaning);
        assert_eq!((u.connector.as_str(), u.build), ("HubDB", 24));
        let u = usage_of(
            "cvent",
            "authorization_code",
            SchemeKind::AuthorizationCode,
            |s| {
                s.secrets.access_token = tok();
                s.secrets.refresh_token = tok();
            },
        );
        assert!(u.meaning.contains("InitiateOAuth=OFF"), "{}", u.meaning);
        assert!(!u.meaning.contains("handoff"), "{}", u.meaning);
        let u = usage_of("hubdb", "oauth", SchemeKind::AuthorizationCode, |s| {
            s.secrets.access_token = tok();
            s.secrets.refresh_token = tok();
        });
        assert!(u.meaning.contains("--mode handoff"), "{}", u.meaning);
        let u = usage_of(
            "odata",
            "client_credentials",
            SchemeKind::ClientCredentials,
            |s| {
                s.meta
                    .vars
                    .insert("service_root".into(), "https://o.example/odata".into());
                s.meta.client_id = Some("c".into());
                s.secrets.client_secret = tok();
            },
        );
        assert!(u.string.contains("OAuthGrantType=CLIENT;"), "{}", u.string);
        assert!(u.meaning.contains("OAuthGrantType=CLIENT"), "{}", u.meaning);
        assert!(
            u.string.contains("OAuthClientSecret=••••••;"),
            "{}",
            u.string
        );
    }

    #[test]
    fn paths_with_shell_characters_are_quoted() {
        assert_eq!(quote("/events?limit=1"), "'/events?limit=1'");
        assert_eq!(quote("/$metadata"), "'/$metadata'");
        assert_eq!(quote("cvent-eu"), "cvent-eu");
    }
}
