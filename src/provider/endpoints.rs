//! Resolved endpoint URLs and the rule that keeps them safe: https, or plain
//! http only on a loopback host.

use serde::{Deserialize, Serialize};
use url::Url;

/// The URLs a flow talks to, after templates, regions, discovery and overrides.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signin_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_url: Option<String>,
    /// RFC 7009 token revocation (`logout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_url: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EndpointError {
    #[error("{what} `{url}` is not a valid URL: {reason}")]
    Invalid {
        what: String,
        url: String,
        reason: String,
    },
    #[error(
        "{what} `{url}` uses plain http on a non-loopback host; use https (plain http is only accepted on 127.0.0.1, ::1 or localhost)"
    )]
    InsecureHttp { what: String, url: String },
    #[error("{what} `{url}` must be an http or https URL")]
    Scheme { what: String, url: String },
}

/// True for 127.0.0.0/8, ::1 and `localhost` (the one rule, kept where
/// every request is sent: [`crate::http::is_loopback`]).
pub fn is_loopback(url: &Url) -> bool {
    crate::http::is_loopback(url)
}

/// Parses `raw` and enforces https-or-loopback. `what` names the URL in errors
/// ("token URL").
pub fn check_url(what: &str, raw: &str) -> Result<Url, EndpointError> {
    let url = Url::parse(raw.trim()).map_err(|e| EndpointError::Invalid {
        what: what.to_string(),
        url: raw.to_string(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(EndpointError::InsecureHttp {
            what: what.to_string(),
            url: raw.to_string(),
        }),
        _ => Err(EndpointError::Scheme {
            what: what.to_string(),
            url: raw.to_string(),
        }),
    }
}

/// Template variables set in the environment: `OAUTH_SETUP_VAR_HOST=…` sets `host`.
pub fn env_vars() -> std::collections::BTreeMap<String, String> {
    std::env::vars()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("OAUTH_SETUP_VAR_")?;
            (!name.is_empty() && !v.is_empty()).then(|| (name.to_ascii_lowercase(), v))
        })
        .collect()
}

/// One of the URLs in [`Endpoints`], so code asks for "the token URL" by
/// type instead of by display text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Issuer,
    Authorize,
    Token,
    DeviceAuthorization,
    Signin,
    Test,
    Revocation,
}

impl Endpoint {
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Issuer,
        Endpoint::Authorize,
        Endpoint::Token,
        Endpoint::DeviceAuthorization,
        Endpoint::Signin,
        Endpoint::Test,
        Endpoint::Revocation,
    ];

    /// How a person calls it, in errors and on screen.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Issuer => "issuer",
            Endpoint::Authorize => "authorize URL",
            Endpoint::Token => "token URL",
            Endpoint::DeviceAuthorization => "device authorization URL",
            Endpoint::Signin => "sign-in URL",
            Endpoint::Test => "test URL",
            Endpoint::Revocation => "revocation URL",
        }
    }
}

impl Endpoints {
    /// Endpoint overrides from the environment (`OAUTH_SETUP_TOKEN_URL`, …),
    /// the same variables the command-line flags read.
    pub fn from_env() -> Endpoints {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Endpoints {
            issuer: var("OAUTH_SETUP_ISSUER"),
            authorize_url: var("OAUTH_SETUP_AUTHORIZE_URL"),
            token_url: var("OAUTH_SETUP_TOKEN_URL"),
            device_authorization_url: var("OAUTH_SETUP_DEVICE_URL"),
            signin_url: var("OAUTH_SETUP_SIGNIN_URL"),
            test_url: var("OAUTH_SETUP_TEST_URL"),
            revocation_url: var("OAUTH_SETUP_REVOCATION_URL"),
        }
    }

    /// Fills every URL this one lacks from `other`.
    pub fn or(self, other: Endpoints) -> Endpoints {
        Endpoints {
            issuer: self.issuer.or(other.issuer),
            authorize_url: self.authorize_url.or(other.authorize_url),
            token_url: self.token_url.or(other.token_url),
            device_authorization_url: self
                .device_authorization_url
                .or(other.device_authorization_url),
            signin_url: self.signin_url.or(other.signin_url),
            test_url: self.test_url.or(other.test_url),
            revocation_url: self.revocation_url.or(other.revocation_url),
        }
    }

    pub fn get(&self, e: Endpoint) -> Option<&str> {
        match e {
            Endpoint::Issuer => self.issuer.as_deref(),
            Endpoint::Authorize => self.authorize_url.as_deref(),
            Endpoint::Token => self.token_url.as_deref(),
            Endpoint::DeviceAuthorization => self.device_authorization_url.as_deref(),
            Endpoint::Signin => self.signin_url.as_deref(),
            Endpoint::Test => self.test_url.as_deref(),
            Endpoint::Revocation => self.revocation_url.as_deref(),
        }
    }

    pub fn slot(&mut self, e: Endpoint) -> &mut Option<String> {
        match e {
            Endpoint::Issuer => &mut self.issuer,
            Endpoint::Authorize => &mut self.authorize_url,
            Endpoint::Token => &mut self.token_url,
            Endpoint::DeviceAuthorization => &mut self.device_authorization_url,
            Endpoint::Signin => &mut self.signin_url,
            Endpoint::Test => &mut self.test_url,
            Endpoint::Revocation => &mut self.revocation_url,
        }
    }

    /// Checks every URL that is set.
    pub fn check(&self) -> Result<(), EndpointError> {
        for e in Endpoint::ALL {
            if let Some(v) = self.get(e) {
                check_url(e.label(), v)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(check_url("token URL", "https://api.example.com/token").is_ok());
        assert!(check_url("token URL", "http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("token URL", "http://[::1]:8080/token").is_ok());
        assert!(check_url("token URL", "http://localhost:33333").is_ok());
        assert!(matches!(
            check_url("token URL", "http://api.example.com/token"),
            Err(EndpointError::InsecureHttp { .. })
        ));
        assert!(matches!(
            check_url("token URL", "http://127.0.0.1.evil.com/token"),
            Err(EndpointError::InsecureHttp { .. })
        ));
        assert!(matches!(
            check_url("token URL", "ftp://x/y"),
            Err(EndpointError::Scheme { .. })
        ));
        assert!(matches!(
            check_url("token URL", "not a url"),
            Err(EndpointError::Invalid { .. })
        ));
    }
}
