//! Token endpoint requests (RFC 6749 §3.2), authenticated as `client_auth`
//! says, and strict reading of what comes back.

use super::assertion::ClientKey;
use super::client_auth;
pub use super::client_auth::client_rejected;
use super::token_error::api_error;
pub use super::token_error::{TokenError, oauth_error};
use crate::http;
use crate::provider::ClientAuth;
use crate::settings::validate;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Longest lifetime we believe; larger `expires_in` values are capped.
pub const MAX_EXPIRES_IN: i64 = 365 * 24 * 3600;
/// Most bytes the tokens of one answer may hold together. Real tokens are a
/// few KiB; this leaves a settings file (sealed, base64) well under the 1 MiB
/// its reader accepts.
pub const MAX_TOKENS_BYTES: usize = 256 * 1024;

/// What a token endpoint granted.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub token_type: Option<String>,
    pub expires_in: Option<i64>,
    /// Seconds the refresh token lives, when the server said.
    pub refresh_expires_in: Option<i64>,
    pub refresh_token: Option<SecretString>,
    pub id_token: Option<SecretString>,
    pub scope: Option<String>,
}

/// The client's credentials and how to present them.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub auth: ClientAuth,
    /// The private key (and certificate) `private_key_jwt` signs with.
    pub key: Option<ClientKey>,
}

/// A token endpoint request: grant parameters plus where and how to send them.
#[derive(Debug, Clone)]
pub struct TokenRequest<'a> {
    pub token_url: &'a str,
    pub client: &'a ClientCredentials,
    /// Grant parameters (`grant_type`, `code`, `refresh_token`, `scope`...).
    pub params: Vec<(&'static str, String)>,
    /// Secret grant parameters (`refresh_token`, `code_verifier`), kept apart so
    /// they never reach a log line.
    pub secret_params: Vec<(&'static str, SecretString)>,
    pub headers: &'a BTreeMap<String, String>,
}

/// Sends a token request and reads the answer.
pub async fn request(
    client: &reqwest::Client,
    req: TokenRequest<'_>,
) -> Result<TokenSet, TokenError> {
    let resp = send(client, &req).await?;
    parse_response(&resp).map_err(|e| client_rejected(e, req.client))
}

/// Sends a token-endpoint-shaped request and returns the raw response (the
/// device flow reads error codes itself).
pub async fn send(
    client: &reqwest::Client,
    req: &TokenRequest<'_>,
) -> Result<http::Response, TokenError> {
    let c = req.client;
    let mut builder = client
        .post(req.token_url)
        .header(reqwest::header::ACCEPT, "application/json");
    for (k, v) in req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let mut fields: Vec<(String, String)> = req
        .params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    fields.extend(
        req.secret_params
            .iter()
            .map(|(k, v)| (k.to_string(), v.expose_secret().to_string())),
    );
    builder = client_auth::present(c, req.token_url, builder, &mut fields)?;
    builder = if c.auth == ClientAuth::Json {
        let obj: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        builder
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&obj).expect("a map of strings serializes"))
    } else {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter())
            .finish();
        builder
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
    };
    tracing::debug!(url = %http::display_url(req.token_url), params = ?req.params.iter().map(|p| p.0).collect::<Vec<_>>(), "token request");
    let resp = http::send(req.token_url, builder).await?;
    tracing::debug!(status = resp.status, "token response");
    Ok(resp)
}

fn is_json(content_type: &str, body: &[u8]) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.contains("json")
        || (ct.is_empty() || ct.starts_with("text/plain"))
            && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn describe_kind(content_type: &str, body: &[u8]) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(64)]).to_ascii_lowercase();
    if content_type.contains("html")
        || head.trim_start().starts_with("<!doctype")
        || head.trim_start().starts_with("<html")
    {
        "an HTML page".to_string()
    } else if content_type.is_empty() {
        "a body of unknown type".to_string()
    } else {
        format!("`{}`", http::sanitize(content_type, 60))
    }
}

/// Reads a token endpoint response strictly: anything but a well-formed
/// success becomes a specific error.
pub fn parse_response(resp: &http::Response) -> Result<TokenSet, TokenError> {
    let status = resp.status;
    if resp.truncated {
        return Err(TokenError::TooLarge {
            url: resp.url.clone(),
        });
    }
    if (300..400).contains(&status) {
        return Err(TokenError::Redirect {
            url: resp.url.clone(),
            status,
            location: resp.location.as_deref().map(http::display_url),
        });
    }
    if status == 429 {
        return Err(TokenError::RateLimited {
            retry_after: resp.retry_after.as_deref().map(|r| http::sanitize(r, 40)),
        });
    }
    if !(200..300).contains(&status) {
        // A server's own error shape speaks for a refusal (4xx); a 5xx stays
        // "the server has a problem" below.
        let own = || (status < 500).then(|| api_error(&resp.body)).flatten();
        if let Some((error, description)) = oauth_error(&resp.body).or_else(own) {
            return Err(TokenError::Rejected {
                status,
                error,
                description,
            });
        }
        if status >= 500 {
            return Err(TokenError::Server {
                status,
                snippet: http::snippet(&resp.body),
            });
        }
        return Err(TokenError::NotJson {
            url: resp.url.clone(),
            status,
            kind: describe_kind(&resp.content_type, &resp.body),
            snippet: http::snippet(&resp.body),
        });
    }
    if !is_json(&resp.content_type, &resp.body) {
        return Err(TokenError::NotJson {
            url: resp.url.clone(),
            status,
            kind: describe_kind(&resp.content_type, &resp.body),
            snippet: http::snippet(&resp.body),
        });
    }
    let v: Value = serde_json::from_slice(&resp.body).map_err(|e| TokenError::BadJson {
        reason: e.to_string(),
    })?;
    // Some servers answer 200 with an error object.
    if v.get("access_token").is_none()
        && let Some((error, description)) = oauth_error(&resp.body)
    {
        return Err(TokenError::Rejected {
            status,
            error,
            description,
        });
    }
    token_set_from_json(&v)
}

/// Builds a [`TokenSet`] from a JSON token response body.
pub fn token_set_from_json(v: &Value) -> Result<TokenSet, TokenError> {
    let str_field = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let access_token = str_field("access_token").ok_or(TokenError::MissingField {
        field: "access_token",
    })?;
    let expires_in = seconds_field(v, "expires_in")?;
    // How long the refresh token lives, where the server says (Entra's
    // `refresh_token_expires_in`, Keycloak's `refresh_expires_in`).
    let refresh_expires_in = match seconds_field(v, "refresh_token_expires_in")? {
        Some(n) => Some(n),
        None => seconds_field(v, "refresh_expires_in")?,
    };
    let refresh_token = str_field("refresh_token");
    let id_token = str_field("id_token");
    let size: usize = [Some(access_token), refresh_token, id_token]
        .iter()
        .flatten()
        .map(|t| t.len())
        .sum();
    if size > MAX_TOKENS_BYTES {
        return Err(TokenError::TokensTooLarge {
            kib: size.div_ceil(1024),
        });
    }
    // Stored in the settings metadata and shown by `status`: the same checks
    // as everything else stored.
    let token_type = str_field("token_type")
        .map(validate::token_type)
        .transpose()?
        .map(str::to_string);
    let scope = str_field("scope");
    for s in scope
        .iter()
        .flat_map(|s| s.split(' '))
        .filter(|s| !s.is_empty())
    {
        validate::check_scope("scope", s)?;
    }
    Ok(TokenSet {
        access_token: SecretString::from(access_token.to_string()),
        token_type,
        expires_in,
        refresh_expires_in,
        refresh_token: refresh_token.map(|s| SecretString::from(s.to_string())),
        id_token: id_token.map(|s| SecretString::from(s.to_string())),
        scope: scope.map(str::to_string),
    })
}

/// A lifetime in seconds (a number or a numeric string), capped at
/// [`MAX_EXPIRES_IN`]; absent or null is None, anything negative an error.
fn seconds_field(v: &Value, name: &'static str) -> Result<Option<i64>, TokenError> {
    let raw = match v.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(raw) => raw,
    };
    let n = match raw {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() && n >= 0.0 => Ok(Some((n as i64).min(MAX_EXPIRES_IN))),
        _ => Err(TokenError::BadExpiresIn {
            field: name,
            value: http::sanitize(&raw.to_string(), 40),
        }),
    }
}

/// `scope` as a request parameter, or nothing when no scope is asked for.
pub fn scope_param(scopes: &[String]) -> Option<(&'static str, String)> {
    (!scopes.is_empty()).then(|| ("scope", scopes.join(" ")))
}

/// Parses `Retry-After` seconds.
pub fn retry_after(resp: &http::Response) -> Option<Duration> {
    resp.retry_after
        .as_deref()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: &str, body: &str) -> http::Response {
        http::Response {
            url: "https://id.example.com/token".into(),
            status,
            content_type: ct.into(),
            location: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn good_response() {
        let t = parse_response(&resp(
            200,
            "application/json",
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"3600","refresh_token":"r"}"#,
        ))
        .unwrap();
        assert_eq!(t.expires_in, Some(3600));
        assert!(t.refresh_token.is_some());
    }

    #[test]
    fn bad_responses_are_specific() {
        let e = |s, ct, b| parse_response(&resp(s, ct, b)).unwrap_err();
        assert!(matches!(
            e(200, "text/html", "<html>login</html>"),
            TokenError::NotJson { .. }
        ));
        // "Check the token URL" says which one.
        let html = e(200, "text/html", "<html>login</html>").to_string();
        assert!(
            html.contains("Check the token URL https://id.example.com/token"),
            "{html}"
        );
        assert!(matches!(
            e(200, "application/json", r#"{"access_tok"#),
            TokenError::BadJson { .. }
        ));
        assert!(matches!(
            e(200, "application/json", r#"{"token_type":"x"}"#),
            TokenError::MissingField { .. }
        ));
        assert!(matches!(
            e(
                200,
                "application/json",
                r#"{"access_token":"a","expires_in":-5}"#
            ),
            TokenError::BadExpiresIn { .. }
        ));
        assert!(matches!(
            e(400, "application/json", r#"{"error":"invalid_grant"}"#),
            TokenError::Rejected { .. }
        ));
        assert!(matches!(e(302, "", ""), TokenError::Redirect { .. }));
        assert!(matches!(e(429, "", ""), TokenError::RateLimited { .. }));
        assert!(matches!(
            e(503, "text/plain", "down"),
            TokenError::Server { .. }
        ));
        let huge = parse_response(&resp(
            200,
            "application/json",
            r#"{"access_token":"a","expires_in":1e300}"#,
        ))
        .unwrap();
        assert_eq!(huge.expires_in, Some(MAX_EXPIRES_IN));
    }

    #[test]
    fn token_type_is_normalised_or_refused() {
        let ok = |tt: &str| {
            parse_response(&resp(
                200,
                "application/json",
                &serde_json::json!({"access_token": "a", "token_type": tt}).to_string(),
            ))
        };
        assert_eq!(ok("bearer").unwrap().token_type.as_deref(), Some("Bearer"));
        for bad in ["Bearer\nX: y", "Bearer\u{2028}X", "MAC"] {
            let e = ok(bad).unwrap_err();
            assert!(matches!(e, TokenError::Invalid(_)), "{bad:?}: {e}");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }

    #[test]
    fn hostile_scopes_and_huge_tokens_are_refused() {
        let body = |v: serde_json::Value| resp(200, "application/json", &v.to_string());
        let e = parse_response(&body(
            serde_json::json!({"access_token": "a", "scope": "read \u{1b}]0;x\u{7}"}),
        ))
        .unwrap_err();
        assert!(matches!(e, TokenError::Invalid(_)), "{e}");
        let big = "x".repeat(900 * 1024);
        let e = parse_response(&body(serde_json::json!({"access_token": big}))).unwrap_err();
        assert!(matches!(e, TokenError::TokensTooLarge { kib: 900 }), "{e}");
        assert!(e.to_string().contains("at most 256 KiB"), "{e}");
    }

    #[test]
    fn error_description_is_sanitized() {
        let e = parse_response(&resp(
            400,
            "application/json",
            r#"{"error":"invalid_client","error_description":"bad\u001b[2J<b>x</b>"}"#,
        ))
        .unwrap_err()
        .to_string();
        assert!(!e.contains('\x1b'), "{e}");
        assert!(e.contains("Check the client id"), "{e}");
    }
}
