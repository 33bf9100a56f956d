//! Using a token against the provider's API: where calls go, and what a
//! program run with the token needs beside it (`exec`).

use crate::provider::{EndpointError, Pagination, Profile, TestAuth, check_url};
use crate::settings::Settings;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// The variable `exec` puts the token in unless told otherwise.
pub const TOKEN_VAR: &str = "OAUTH_ACCESS_TOKEN";

/// The API base URL for what `settings` describes, when the profile has one.
pub fn api_base(profile: &Profile, settings: &Settings) -> Option<String> {
    let template = profile.api_base.as_ref()?;
    profile.render(template, &settings.meta.vars).ok()
}

#[derive(Debug, thiserror::Error)]
#[error(
    "{provider} takes its token as the `tokenID` query parameter, not in a header; use `token` (or `exec`) and add ?tokenID=… to the URL"
)]
pub struct NoHeader {
    provider: String,
}

/// The headers a request to the provider's API carries: the token in
/// `Authorization` with its type, and the provider's own (`X-API-ORG`).
pub fn request_headers(
    token: &SecretString,
    settings: &Settings,
) -> Result<Vec<(String, String)>, NoHeader> {
    let m = &settings.meta;
    let scheme = match m.token_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("tokenid") => {
            return Err(NoHeader {
                provider: m.provider.clone(),
            });
        }
        Some(t) if !t.eq_ignore_ascii_case("bearer") && !t.is_empty() => t.to_string(),
        Some(_) | None => "Bearer".to_string(),
    };
    let mut h = vec![(
        "Authorization".to_string(),
        format!("{scheme} {}", token.expose_secret()),
    )];
    h.extend(m.extra_headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(h)
}

/// Why an API call was not sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "`{path}` is a path, but provider `{provider}` has no API base URL: give the whole https URL"
    )]
    NoBase { path: String, provider: String },
    #[error(
        "refusing to send the token to {host}: it is not one of this connection's API hosts ({allowed}); add --allow-host {host} if you mean it"
    )]
    ForeignHost { host: String, allowed: String },
    #[error(transparent)]
    Url(#[from] EndpointError),
}

/// The hosts a token may be sent to: the API base's and the test request's.
fn api_hosts(profile: Option<&Profile>, settings: &Settings) -> Vec<String> {
    let base = profile.and_then(|p| api_base(p, settings));
    [base.as_deref(), settings.meta.endpoints.test_url.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|u| Url::parse(u).ok())
        .filter_map(|u| u.host_str().map(|h| format!("{h}{}", port_suffix(&u))))
        // The test URL is usually on the API base's host: named once.
        .fold(Vec::new(), |mut hosts, h| {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
            hosts
        })
}

fn port_suffix(u: &Url) -> String {
    u.port().map(|p| format!(":{p}")).unwrap_or_default()
}

/// Where `path_or_url` goes: a path joins the API base; a URL must be on
/// one of the API hosts or named by `--allow-host`; https (or loopback).
pub fn target(
    profile: Option<&Profile>,
    settings: &Settings,
    path_or_url: &str,
    allow: &[String],
) -> Result<Url, ApiError> {
    let raw = if path_or_url.starts_with("https://") || path_or_url.starts_with("http://") {
        path_or_url.to_string()
    } else {
        let base = profile
            .and_then(|p| api_base(p, settings))
            .ok_or_else(|| ApiError::NoBase {
                path: path_or_url.to_string(),
                provider: settings.meta.provider.clone(),
            })?;
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path_or_url.trim_start_matches('/')
        )
    };
    let url = check_url("API URL", &raw)?;
    let host = format!(
        "{}{}",
        url.host_str().unwrap_or_default(),
        port_suffix(&url)
    );
    let allowed = api_hosts(profile, settings);
    let named = |h: &String| {
        h.eq_ignore_ascii_case(&host) || h.eq_ignore_ascii_case(url.host_str().unwrap_or_default())
    };
    if !allowed.iter().any(named) && !allow.iter().any(named) {
        return Err(ApiError::ForeignHost {
            host,
            allowed: if allowed.is_empty() {
                "none known".into()
            } else {
                allowed.join(", ")
            },
        });
    }
    Ok(url)
}

/// How the token rides on a request to this provider's API.
pub fn auth_style(profile: Option<&Profile>) -> TestAuth {
    profile
        .and_then(|p| p.test.as_ref())
        .map(|t| t.auth)
        .unwrap_or_default()
}

/// The next page's URL from a list answer, per the profile's pagination;
/// `None` on the last page or when the answer is not JSON.
pub fn next_page(p: &Pagination, current: &Url, body: &[u8]) -> Option<Url> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if let Some(ptr) = &p.next_url {
        let next = v.pointer(ptr)?.as_str().filter(|s| !s.is_empty())?;
        return current.join(next).ok();
    }
    let (ptr, param) = (p.next_token.as_ref()?, p.token_param.as_ref()?);
    let token = v.pointer(ptr)?.as_str().filter(|s| !s.is_empty())?;
    let mut next = current.clone();
    let kept: Vec<(String, String)> = current
        .query_pairs()
        .filter(|(k, _)| k != param.as_str())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    next.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(param, token);
    Some(next)
}

/// `X-API-ORG` → `OAUTH_HEADER_X_API_ORG`.
pub fn header_var(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("OAUTH_HEADER_{upper}")
}

/// The environment a program run with the token gets, as documented in the
/// README: the token (in `token_var`), its type and expiry, the API base
/// URL, the organization, and every header the provider wants beside the
/// token. Values a variable cannot hold (NUL) are left out.
pub fn program_env(
    token: &SecretString,
    settings: &Settings,
    profile: Option<&Profile>,
    token_var: &str,
) -> Vec<(String, String)> {
    let m = &settings.meta;
    let mut env = vec![(token_var.to_string(), token.expose_secret().to_string())];
    let mut put = |k: String, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.contains('\0')) {
            env.push((k, v));
        }
    };
    put("OAUTH_TOKEN_TYPE".into(), m.token_type.clone());
    put(
        "OAUTH_EXPIRES_AT".into(),
        m.expires_at.map(|e| e.to_string()),
    );
    put(
        "OAUTH_API_BASE".into(),
        profile.and_then(|p| api_base(p, settings)),
    );
    put("OAUTH_ORG_ID".into(), m.org_id.clone());
    for (name, value) in &m.extra_headers {
        put(header_var(name), Some(value.clone()));
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_become_variable_names() {
        assert_eq!(header_var("X-API-ORG"), "OAUTH_HEADER_X_API_ORG");
        assert_eq!(header_var("x.y z"), "OAUTH_HEADER_X_Y_Z");
    }

    #[test]
    fn headers_follow_the_token_type() {
        use crate::provider::SchemeKind;
        use crate::settings::{Meta, Secrets};
        let t = SecretString::from("tok".to_string());
        let mut meta = Meta::new("inevent", "system", SchemeKind::PasswordSignin);
        meta.token_type = Some("tokenID".into());
        let mut s = Settings {
            meta,
            secrets: Secrets::default(),
        };
        let e = request_headers(&t, &s).unwrap_err().to_string();
        assert!(e.contains("tokenID") && e.contains("inevent"), "{e}");
        s.meta.token_type = Some("DPoP".into());
        assert_eq!(request_headers(&t, &s).unwrap()[0].1, "DPoP tok");
        s.meta.token_type = None;
        assert_eq!(request_headers(&t, &s).unwrap()[0].1, "Bearer tok");
    }
}
