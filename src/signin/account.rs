//! Who signed in, as the server says: the ID token's claims, else OpenID
//! userinfo. It is recorded as display metadata (`list`, `status`, the
//! wizard's home screen) and never decides anything, so the ID token's
//! signature is not checked: it came straight from the token endpoint over
//! TLS, which OpenID Connect Core §3.1.3.7 (6) accepts in place of the
//! signature for telling where it came from. Whatever a server puts in the
//! claims is data: each one is kept only if it is short, printable text.

use crate::provider::SchemeKind;
use crate::settings::validate::check_text;
use crate::settings::{Account, Settings};
use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::time::Duration;

/// Longest claim kept (an email is at most 254 characters).
const MAX_CLAIM: usize = 256;
/// Userinfo is a nicety: a slow server does not hold up the sign-in longer.
const USERINFO_TIMEOUT: Duration = Duration::from_secs(5);
/// ID tokens are a few KiB; a huge payload is not decoded.
const MAX_PAYLOAD: usize = 64 * 1024;

/// JWTs are base64url without padding, but some servers pad.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The account an ID token names, when its payload is readable JSON with at
/// least one usable claim.
pub fn from_id_token(id_token: &SecretString) -> Option<Account> {
    let payload = id_token.expose_secret().split('.').nth(1)?;
    if payload.len() > MAX_PAYLOAD {
        return None;
    }
    let bytes = B64URL.decode(payload).ok()?;
    from_claims(&serde_json::from_slice(&bytes).ok()?)
}

/// `sub`, `email` and `name` (or `preferred_username`) from a claims object.
pub fn from_claims(v: &Value) -> Option<Account> {
    let claim = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty() && check_text(name, s, MAX_CLAIM).is_ok())
            .map(str::to_string)
    };
    let account = Account {
        sub: claim("sub"),
        email: claim("email"),
        name: claim("name").or_else(|| claim("preferred_username")),
    };
    (!account.is_empty()).then_some(account)
}

/// Asks the OpenID userinfo endpoint (OIDC Core §5.3) with the new access
/// token. Any failure (refused, slow, not JSON) is only logged: the sign-in
/// worked, it just says less about whose it is.
pub async fn from_userinfo(
    http: &reqwest::Client,
    url: &str,
    token: &SecretString,
) -> Option<Account> {
    let req = http
        .get(url)
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json");
    let resp = match tokio::time::timeout(USERINFO_TIMEOUT, crate::http::send(url, req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "userinfo request failed; account not recorded");
            return None;
        }
        Err(_) => {
            tracing::info!("userinfo took too long; account not recorded");
            return None;
        }
    };
    if !(200..300).contains(&resp.status) {
        tracing::info!(
            status = resp.status,
            "userinfo refused; account not recorded"
        );
        return None;
    }
    from_claims(&serde_json::from_slice(&resp.body).ok()?)
}

/// After a sign-in whose token answer named nobody (no ID token): asks
/// userinfo, for the grants a person signs in to that asked for `openid`
/// (userinfo answers only those, OIDC Core §5.3).
pub async fn fill_from_userinfo(
    http: &reqwest::Client,
    userinfo: Option<&str>,
    settings: &mut Settings,
) {
    let m = &settings.meta;
    let person = matches!(
        m.kind,
        SchemeKind::AuthorizationCode | SchemeKind::DeviceCode
    );
    if m.account.is_some() || !person || !m.scopes.iter().any(|s| s == "openid") {
        return;
    }
    let (Some(url), Some(token)) = (userinfo, settings.secrets.access_token.as_ref()) else {
        return;
    };
    settings.meta.account = from_userinfo(http, url, token).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> SecretString {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        SecretString::from(format!(
            "{}.{}.sig",
            enc.encode(r#"{"alg":"RS256"}"#),
            enc.encode(claims)
        ))
    }

    #[test]
    fn claims_of_an_id_token() {
        let a = from_id_token(&jwt(
            r#"{"sub":"u-1","email":"jane@example.com","name":"Jane Doe"}"#,
        ))
        .unwrap();
        assert_eq!(a.label(), Some("jane@example.com"));
        assert_eq!(a.sub.as_deref(), Some("u-1"));
        let a = from_id_token(&jwt(r#"{"sub":"u-2","preferred_username":"jdoe"}"#)).unwrap();
        assert_eq!(a.name.as_deref(), Some("jdoe"));
        // Padded base64url is read too.
        let padded = base64::engine::general_purpose::URL_SAFE.encode(r#"{"sub":"p"}"#);
        let a = from_id_token(&SecretString::from(format!("h.{padded}.s"))).unwrap();
        assert_eq!(a.sub.as_deref(), Some("p"));
    }

    #[test]
    fn hostile_or_empty_claims_are_dropped() {
        let a = from_id_token(&jwt(
            r#"{"sub":"ok","email":"x\u001b]52;c;eA==\u0007@evil","name":"line\u2028break"}"#,
        ))
        .unwrap();
        assert_eq!(a.email, None);
        assert_eq!(a.name, None);
        assert_eq!(a.sub.as_deref(), Some("ok"));
        let long = format!(r#"{{"email":"{}@x"}}"#, "a".repeat(300));
        assert!(from_id_token(&jwt(&long)).is_none());
        assert!(from_id_token(&jwt(r#"{"sub":42,"email":["a"]}"#)).is_none());
        assert!(from_id_token(&SecretString::from("not-a-jwt".to_string())).is_none());
        assert!(from_id_token(&SecretString::from("a.!!!.c".to_string())).is_none());
    }
}
