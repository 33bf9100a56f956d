//! Authorization server metadata: OpenID Connect Discovery, then RFC 8414.

use crate::http::{self, TransportError};
use crate::provider::ClientAuth;
use serde::Deserialize;
use url::Url;

/// The metadata fields we use.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Metadata {
    pub issuer: String,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default)]
    pub grant_types_supported: Option<Vec<String>>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// OpenID's userinfo endpoint: a test request any OpenID provider answers.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// RFC 7009 revocation (`logout`).
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
}

impl Metadata {
    /// The checks a stored value passes, on everything the document offers
    /// to store: endpoint URLs (printable, https or loopback) and scope names.
    pub fn validate(&self) -> Result<(), crate::settings::MetaError> {
        use crate::settings::validate::{check_endpoint, check_scope};
        let urls = [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            (
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            ),
            ("userinfo_endpoint", &self.userinfo_endpoint),
        ];
        for (what, url) in urls {
            if let Some(u) = url {
                check_endpoint(what, u)?;
            }
        }
        for s in self.scopes_supported.iter().flatten() {
            check_scope("scopes_supported", s)?;
        }
        Ok(())
    }

    /// True when the server lists how clients authenticate at its token
    /// endpoint and `none` (a public client) is not among them: a client
    /// here most likely needs its secret.
    pub fn client_secret_expected(&self) -> bool {
        self.token_endpoint_auth_methods_supported
            .as_ref()
            .is_some_and(|m| !m.is_empty() && !m.iter().any(|x| x == "none"))
    }

    /// The client authentication to use when the profile's choice is one the
    /// server does not list: servers that accept only `client_secret_post`
    /// refuse HTTP Basic, and the reverse.
    pub fn adjust_client_auth(&self, wanted: ClientAuth) -> ClientAuth {
        let Some(methods) = &self.token_endpoint_auth_methods_supported else {
            return wanted;
        };
        let has = |m: &str| methods.iter().any(|x| x == m);
        match wanted {
            ClientAuth::Basic | ClientAuth::BasicAndBody
                if !has("client_secret_basic") && has("client_secret_post") =>
            {
                ClientAuth::Form
            }
            ClientAuth::Form if !has("client_secret_post") && has("client_secret_basic") => {
                ClientAuth::Basic
            }
            other => other,
        }
    }
}

/// How a client registered as public (`client_auth = "none"`) sends a
/// client secret the user gave (a confidential registration of the same
/// method): as the server's metadata lists (`client_secret_basic`, else
/// `client_secret_post`); with no metadata, HTTP Basic, which RFC 6749
/// §2.3.1 says every server MUST support. `None` when the metadata lists
/// neither: the secret cannot be sent.
pub fn auth_for_secret(methods: Option<&[String]>) -> ClientAuth {
    let Some(methods) = methods else {
        return ClientAuth::Basic;
    };
    let has = |m: &str| methods.iter().any(|x| x == m);
    if has("client_secret_basic") {
        ClientAuth::Basic
    } else if has("client_secret_post") {
        ClientAuth::Form
    } else {
        ClientAuth::None
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the issuer `{0}` is not a valid URL")]
    BadIssuer(String),
    #[error(
        "no OAuth metadata at {tried}: the server answered {last}. check the issuer URL, or give the authorize and token URLs instead"
    )]
    NotFound { tried: String, last: String },
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(
        "the metadata at {url} names issuer `{found}`, not `{expected}`; refusing it (RFC 8414 §3.3){}",
        mismatch_hint(expected, found)
    )]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },
    #[error("the metadata at {url} is refused: {reason}")]
    Invalid { url: String, reason: String },
}

/// What to give instead when the server names itself otherwise on the same
/// host: Entra ID (`…/TENANT/v2.0`) names its issuer by the Directory
/// (tenant) ID, so a tenant given by domain is refused there.
fn mismatch_hint(expected: &str, found: &str) -> String {
    let (Ok(e), Ok(f)) = (Url::parse(expected.trim()), Url::parse(found)) else {
        return String::new();
    };
    if e.host_str() != f.host_str() || e.scheme() != f.scheme() {
        return String::new();
    }
    let segments = |u: &Url| -> Vec<String> {
        u.path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let (es, fs) = (segments(&e), segments(&f));
    let entra = es.len() == 2 && fs.len() == 2 && es[1] == "v2.0" && fs[1] == "v2.0";
    if entra && es[0].contains('.') {
        format!(
            ". Entra ID names a tenant in its issuer by the Directory (tenant) ID, not by a domain such as `{}`: use --issuer {found} (the Tenant ID on the Overview page of the Microsoft Entra admin center), or leave --issuer out and give --var tenant={}",
            es[0], es[0]
        )
    } else {
        format!(". If that is the server you meant, give --issuer {found}")
    }
}

/// The two well-known URLs to try, in order.
pub fn well_known_urls(issuer: &str) -> Result<Vec<String>, DiscoveryError> {
    let url = Url::parse(issuer.trim()).map_err(|_| DiscoveryError::BadIssuer(issuer.into()))?;
    let base = issuer.trim().trim_end_matches('/');
    let path = url.path().trim_end_matches('/');
    let origin = url.origin().ascii_serialization();
    Ok(vec![
        format!("{base}/.well-known/openid-configuration"),
        // RFC 8414 §3: the well-known segment goes between host and path.
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ])
}

/// Fetches and checks the issuer's metadata.
pub async fn discover(client: &reqwest::Client, issuer: &str) -> Result<Metadata, DiscoveryError> {
    crate::provider::check_url("issuer", issuer)
        .map_err(|_| DiscoveryError::BadIssuer(issuer.into()))?;
    let urls = well_known_urls(issuer)?;
    let mut last = String::new();
    for url in &urls {
        let resp = http::send(url, client.get(url).header("Accept", "application/json")).await?;
        if resp.status != 200 {
            last = format!("HTTP {}", resp.status);
            continue;
        }
        match serde_json::from_slice::<Metadata>(&resp.body) {
            Ok(m) => {
                let norm = |s: &str| s.trim_end_matches('/').to_string();
                if norm(&m.issuer) != norm(issuer) {
                    return Err(DiscoveryError::IssuerMismatch {
                        url: url.clone(),
                        expected: issuer.to_string(),
                        found: http::sanitize(&m.issuer, 200),
                    });
                }
                m.validate().map_err(|e| DiscoveryError::Invalid {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
                return Ok(m);
            }
            Err(e) => last = format!("invalid metadata ({e})"),
        }
    }
    Err(DiscoveryError::NotFound {
        tried: urls.join(" and "),
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_for_a_public_method_goes_as_the_metadata_says() {
        let v = |m: &[&str]| m.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(auth_for_secret(None), ClientAuth::Basic);
        assert_eq!(
            auth_for_secret(Some(&v(&["client_secret_post"]))),
            ClientAuth::Form
        );
        assert_eq!(
            auth_for_secret(Some(&v(&["client_secret_post", "client_secret_basic"]))),
            ClientAuth::Basic
        );
        assert_eq!(
            auth_for_secret(Some(&v(&["private_key_jwt"]))),
            ClientAuth::None
        );
    }

    #[test]
    fn client_auth_follows_what_the_server_lists() {
        let meta = |methods: &[&str]| Metadata {
            issuer: "https://id.example.com".into(),
            authorization_endpoint: None,
            token_endpoint: None,
            device_authorization_endpoint: None,
            grant_types_supported: None,
            code_challenge_methods_supported: None,
            scopes_supported: None,
            revocation_endpoint: None,
            userinfo_endpoint: None,
            token_endpoint_auth_methods_supported: Some(
                methods.iter().map(|m| m.to_string()).collect(),
            ),
        };
        assert_eq!(
            meta(&["client_secret_post"]).adjust_client_auth(ClientAuth::Basic),
            ClientAuth::Form
        );
        assert_eq!(
            meta(&["client_secret_basic"]).adjust_client_auth(ClientAuth::Form),
            ClientAuth::Basic
        );
        assert_eq!(
            meta(&["client_secret_basic", "client_secret_post"])
                .adjust_client_auth(ClientAuth::Basic),
            ClientAuth::Basic
        );
        assert_eq!(
            meta(&["none"]).adjust_client_auth(ClientAuth::Basic),
            ClientAuth::Basic
        );
    }

    #[test]
    fn hostile_endpoints_and_scopes_are_refused() {
        let base = Metadata {
            issuer: "https://id.example.com".into(),
            authorization_endpoint: Some("https://id.example.com/authorize".into()),
            token_endpoint: Some("https://id.example.com/token".into()),
            device_authorization_endpoint: None,
            grant_types_supported: None,
            code_challenge_methods_supported: None,
            scopes_supported: Some(vec!["openid".into()]),
            token_endpoint_auth_methods_supported: None,
            revocation_endpoint: None,
            userinfo_endpoint: None,
        };
        base.validate().unwrap();
        let bad: [fn(&mut Metadata); 4] = [
            |m| m.token_endpoint = Some("http://id.example.com/token".into()),
            |m| m.token_endpoint = Some("https://id.example.com/\u{2028}x: y".into()),
            |m| m.userinfo_endpoint = Some("https://id.example.com/\u{1b}]52;c;eA==\u{7}".into()),
            |m| m.scopes_supported = Some(vec!["openid\nX".into()]),
        ];
        for change in bad {
            let mut m = base.clone();
            change(&mut m);
            assert!(m.validate().is_err(), "{m:?}");
        }
    }

    #[test]
    fn rfc8414_inserts_well_known_before_path() {
        assert_eq!(
            well_known_urls("https://login.example.com/tenant1/v2.0").unwrap(),
            vec![
                "https://login.example.com/tenant1/v2.0/.well-known/openid-configuration"
                    .to_string(),
                "https://login.example.com/.well-known/oauth-authorization-server/tenant1/v2.0"
                    .to_string(),
            ]
        );
    }
}
