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
    api_base_from(profile.api_base.as_deref()?, settings)
}

/// The API base URL from a profile's `api_base` template and what the
/// connection saved; `None` when a variable it needs is missing.
pub fn api_base_from(template: &str, settings: &Settings) -> Option<String> {
    crate::provider::render(template, &settings.meta.vars).ok()
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
    #[error("refusing the header `{name}`: {why}")]
    Header { name: String, why: &'static str },
    #[error(transparent)]
    Url(#[from] EndpointError),
}

/// The places a token may be sent to, as `host:port` with the scheme's
/// default port when the URL names none: the API base's and the test
/// request's.
fn api_hosts(profile: Option<&Profile>, settings: &Settings) -> Vec<String> {
    let base = profile.and_then(|p| api_base(p, settings));
    [base.as_deref(), settings.meta.endpoints.test_url.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|u| Url::parse(u).ok())
        .filter_map(|u| authority(&u))
        // The test URL is usually on the API base's host: named once.
        .fold(Vec::new(), |mut hosts, h| {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
            hosts
        })
}

/// `host:port`, the port pinned to the scheme's default when not written:
/// `https://api.example` is port 443 only, never any port of that host.
fn authority(u: &Url) -> Option<String> {
    Some(format!(
        "{}:{}",
        u.host_str()?.to_ascii_lowercase(),
        u.port_or_known_default()?
    ))
}

/// Whether `--allow-host` value `allowed` (`host` or `host:port`) names the
/// authority of `url`; a bare host means the scheme's default port.
fn allows(allowed: &str, url: &Url) -> bool {
    let allowed = allowed.trim().to_ascii_lowercase();
    let with_port = allowed
        .rsplit_once(':')
        .filter(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    match with_port {
        Some(_) => authority(url).is_some_and(|a| a == allowed),
        // The URL parser drops a written default port: none left = default.
        None => {
            url.port().is_none()
                && url
                    .host_str()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&allowed))
        }
    }
}

/// Where `path_or_url` goes: a path joins the API base; a URL must be on
/// one of the API hosts (at its port) or named by `--allow-host`; https
/// (or loopback).
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
    let here = authority(&url).unwrap_or_default();
    let allowed = api_hosts(profile, settings);
    if !allowed.contains(&here) && !allow.iter().any(|a| allows(a, &url)) {
        return Err(ApiError::ForeignHost {
            host: here,
            allowed: if allowed.is_empty() {
                "none known".into()
            } else {
                allowed.join(", ")
            },
        });
    }
    Ok(url)
}

/// Headers a caller may not add to a request that carries the token: they
/// would send it to another virtual host or route (`Host`, the forwarding
/// headers proxies obey), put a second credential beside ours, or change
/// how the request is framed.
const REFUSED_HEADERS: &[&str] = &[
    "host",
    "authorization",
    "proxy-authorization",
    "cookie",
    "forwarded",
    "x-forwarded-host",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-server",
    "x-host",
    "x-original-host",
    "x-original-url",
    "x-rewrite-url",
    "x-http-method-override",
    "connection",
    "content-length",
    "transfer-encoding",
    "te",
    "upgrade",
];

/// Checks a header the caller adds (`api -H`): refused when it could carry
/// the token elsewhere or duplicates one the connection sends itself.
pub fn check_extra_header(name: &str, settings: &Settings) -> Result<(), ApiError> {
    let lower = name.trim().to_ascii_lowercase();
    if REFUSED_HEADERS.contains(&lower.as_str()) {
        return Err(ApiError::Header {
            name: name.trim().to_string(),
            why: if lower == "authorization" || lower == "proxy-authorization" || lower == "cookie"
            {
                "the token is sent in `Authorization` already; a second credential could be taken for ours or sent on"
            } else if lower == "host" || lower.starts_with("x-") || lower == "forwarded" {
                "it would send the token to another host or route than the URL names; put the host in the URL (and --allow-host it)"
            } else {
                "it changes how the request is framed, which the HTTP client decides"
            },
        });
    }
    if settings
        .meta
        .extra_headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case(name.trim()))
    {
        return Err(ApiError::Header {
            name: name.trim().to_string(),
            why: "this connection sends it itself (from its settings)",
        });
    }
    Ok(())
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
    api_base: Option<String>,
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
    put("OAUTH_API_BASE".into(), api_base);
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

    #[test]
    fn a_base_without_a_port_is_its_default_port_only() {
        use crate::provider::SchemeKind;
        use crate::settings::{Meta, Secrets};
        let mut meta = Meta::new("hubdb", "oauth", SchemeKind::AuthorizationCode);
        meta.endpoints.test_url = Some("https://api.hubapi.com/cms/v3/hubdb/tables".into());
        let s = Settings {
            meta,
            secrets: Secrets::default(),
        };
        let to = |u: &str, allow: &[&str]| {
            let allow: Vec<String> = allow.iter().map(|a| a.to_string()).collect();
            target(None, &s, u, &allow).map(|u| u.to_string())
        };
        assert!(to("https://api.hubapi.com/x", &[]).is_ok());
        assert!(to("https://API.hubapi.com:443/x", &[]).is_ok());
        for other in [
            "https://api.hubapi.com:8443/x",
            "https://api.hubapi.com:80/x",
            "https://api.hubapi.com:1/x",
        ] {
            let e = to(other, &[]).unwrap_err().to_string();
            assert!(e.contains("api.hubapi.com:443"), "{other}: {e}");
        }
        // --allow-host: a bare host is its default port too.
        assert!(to("https://api.hubapi.com:8443/x", &["api.hubapi.com"]).is_err());
        assert!(to("https://api.hubapi.com:8443/x", &["api.hubapi.com:8443"]).is_ok());
        assert!(to("https://other.example/x", &["other.example"]).is_ok());
        assert!(to("http://[::1]:9/x", &["[::1]:9"]).is_ok());
        assert!(to("http://[::1]:9/x", &["[::1]"]).is_err());
    }

    #[test]
    fn headers_that_would_carry_the_token_elsewhere_are_refused() {
        use crate::provider::SchemeKind;
        use crate::settings::{Meta, Secrets};
        let mut meta = Meta::new("eventtemple", "cc", SchemeKind::ClientCredentials);
        meta.extra_headers
            .insert("X-API-ORG".into(), "org-9".into());
        let s = Settings {
            meta,
            secrets: Secrets::default(),
        };
        for name in [
            "Host",
            " host",
            "Authorization",
            "X-Forwarded-Host",
            "Forwarded",
            "Transfer-Encoding",
            "x-api-org",
        ] {
            assert!(check_extra_header(name, &s).is_err(), "{name}");
        }
        for name in ["Accept", "OData-MaxVersion", "X-Request-Id", "Content-Type"] {
            assert!(check_extra_header(name, &s).is_ok(), "{name}");
        }
    }
}
