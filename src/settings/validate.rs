//! The one check of settings metadata, whoever supplied it: a sign-in, a
//! token endpoint, a discovery document or an imported bundle. What passes
//! can be stored, printed and embedded (env files, YAML, connection strings)
//! without changing the shape of what it is embedded in.

use super::format::{FORMAT, Meta};
use crate::provider::{Endpoint, check_url};
use crate::text::has_unsafe;

/// Longest id (provider, scheme, variable name) accepted.
const MAX_ID: usize = 64;
/// Longest free-text value (client id, username, scope, header value…).
const MAX_TEXT: usize = 4096;
/// Longest URL.
const MAX_URL: usize = 8192;

/// The token types a stored token may have (compared case-insensitively,
/// stored as spelled here): RFC 6750 bearer tokens, RFC 9449 DPoP-bound
/// tokens, RFC 8693's "not applicable", and InEvent's `tokenID`.
pub const TOKEN_TYPES: [&str; 4] = ["Bearer", "DPoP", "N_A", "tokenID"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    #[error(
        "`{field}` contains a control, line-separator or bidi character; refusing it (such text can forge lines in files and on the terminal)"
    )]
    UnsafeText { field: String },
    #[error("`{field}` is {len} characters long; at most {max} are accepted")]
    TooLong {
        field: String,
        len: usize,
        max: usize,
    },
    #[error("`{field}` is `{value}`: it must be 1–{MAX_ID} letters, digits, `_`, `-` or `.`")]
    BadId { field: String, value: String },
    #[error("{0}")]
    Endpoint(String),
    #[error("the token type `{0}` is not one oauth-setup can use (Bearer, DPoP, N_A or tokenID)")]
    TokenType(String),
    #[error("`format` is not `{FORMAT}`")]
    Format,
    #[error("`{field}` must be an absolute path in UTF-8")]
    NotAbsolute { field: String },
}

/// Refuses `value` when it holds an unsafe character or is longer than `max`.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), MetaError> {
    if has_unsafe(value) {
        return Err(MetaError::UnsafeText {
            field: field.to_string(),
        });
    }
    let len = value.chars().count();
    if len > max {
        return Err(MetaError::TooLong {
            field: field.to_string(),
            len,
            max,
        });
    }
    Ok(())
}

/// A key or certificate path kept for renewals: absolute (renewals run
/// from any directory) and printable.
fn check_key_path(field: &str, path: &std::path::Path) -> Result<(), MetaError> {
    match path.to_str() {
        Some(p) if path.is_absolute() => check_text(field, p, MAX_URL),
        _ => Err(MetaError::NotAbsolute {
            field: field.to_string(),
        }),
    }
}

/// An identifier: what is typed on the command line and names files and keys.
pub fn check_id(field: &str, value: &str) -> Result<(), MetaError> {
    let ok = (1..=MAX_ID).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(MetaError::BadId {
            field: field.to_string(),
            value: crate::text::sanitize(value, 80),
        })
    }
}

/// An endpoint URL from outside: printable, a valid URL, and https (plain
/// http only on loopback). The URL parser drops tabs and newlines silently,
/// so the raw text is checked first.
pub fn check_endpoint(what: &str, raw: &str) -> Result<(), MetaError> {
    check_text(what, raw, MAX_URL)?;
    check_url(what, raw)
        .map(drop)
        .map_err(|e| MetaError::Endpoint(e.to_string()))
}

/// A token type from a token endpoint, normalised to its spelling in
/// [`TOKEN_TYPES`]; anything else is refused.
pub fn token_type(raw: &str) -> Result<&'static str, MetaError> {
    TOKEN_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(raw))
        .copied()
        .ok_or_else(|| MetaError::TokenType(crate::text::sanitize(raw, 40)))
}

/// One scope: printable and without white space (RFC 6749 §3.3).
pub fn check_scope(field: &str, scope: &str) -> Result<(), MetaError> {
    check_text(field, scope, MAX_TEXT)?;
    if scope.is_empty() || scope.chars().any(char::is_whitespace) {
        return Err(MetaError::UnsafeText {
            field: field.to_string(),
        });
    }
    Ok(())
}

/// An HTTP header name (RFC 9110 token characters).
fn check_header_name(name: &str) -> Result<(), MetaError> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if (1..=MAX_ID).contains(&name.len()) && name.bytes().all(tchar) {
        Ok(())
    } else {
        Err(MetaError::BadId {
            field: "extra_headers".into(),
            value: crate::text::sanitize(name, 80),
        })
    }
}

impl Meta {
    /// Checks everything the metadata holds; the first problem is returned.
    pub fn validate(&self) -> Result<(), MetaError> {
        if self.format != FORMAT {
            return Err(MetaError::Format);
        }
        check_id("provider", &self.provider)?;
        check_id("scheme", &self.scheme)?;
        for e in Endpoint::ALL {
            if let Some(v) = self.endpoints.get(e) {
                check_endpoint(e.label(), v)?;
            }
        }
        if let Some(cb) = &self.callback_url {
            check_endpoint("callback URL", cb)?;
        }
        let texts = [
            ("client_id", &self.client_id),
            ("region", &self.region),
            ("org_id", &self.org_id),
            ("username", &self.username),
            ("event_id", &self.event_id),
            ("handed_off_to", &self.handed_off_to),
        ];
        for (field, v) in texts {
            if let Some(v) = v {
                check_text(field, v, MAX_TEXT)?;
            }
        }
        if let Some(k) = &self.client_key {
            check_key_path("client_key.key_file", &k.key_file)?;
            if let Some(c) = &k.cert_file {
                check_key_path("client_key.cert_file", c)?;
            }
        }
        for (k, v) in &self.vars {
            check_id("vars", k)?;
            check_text(&format!("vars.{k}"), v, MAX_URL)?;
        }
        for (k, v) in &self.extra_headers {
            check_header_name(k)?;
            check_text(&format!("extra_headers.{k}"), v, MAX_TEXT)?;
        }
        for s in &self.scopes {
            check_scope("scopes", s)?;
        }
        for s in self.granted_scopes.iter().flatten() {
            check_scope("granted_scopes", s)?;
        }
        if let Some(t) = &self.token_type {
            token_type(t)?;
        }
        if let Some(a) = &self.account {
            for (field, v) in [
                ("account.sub", &a.sub),
                ("account.email", &a.email),
                ("account.name", &a.name),
            ] {
                if let Some(v) = v {
                    check_text(field, v, MAX_TEXT)?;
                }
            }
        }
        if let Some(t) = &self.last_test {
            check_text("last_test.summary", &t.summary, MAX_TEXT)?;
        }
        if let Some(r) = &self.renewal {
            let hosts = [
                r.last_success.as_ref().and_then(|s| s.host.as_ref()),
                r.last_failure.as_ref().and_then(|f| f.host.as_ref()),
            ];
            for h in hosts.into_iter().flatten() {
                check_text("renewal.host", h, MAX_TEXT)?;
            }
            if let Some(f) = &r.last_failure {
                check_text("renewal.last_failure.reason", &f.reason, MAX_TEXT)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SchemeKind;

    fn meta() -> Meta {
        let mut m = Meta::new(
            "custom",
            "authorization_code",
            SchemeKind::AuthorizationCode,
        );
        m.endpoints.token_url = Some("https://id.example.com/token".into());
        m.scopes = vec!["openid".into(), "offline_access".into()];
        m.token_type = Some("Bearer".into());
        m
    }

    #[test]
    fn a_login_shaped_meta_passes() {
        meta().validate().unwrap();
    }

    #[test]
    fn hostile_values_are_refused() {
        let hostile = [
            "a\nb",
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{85}b",
            "a\x1b[2Jb",
            "a\u{202E}b",
        ];
        for h in hostile {
            let cases: [&dyn Fn(&mut Meta); 7] = [
                &|m| m.provider = format!("custom{h}"),
                &|m| m.scheme = format!("x{h}"),
                &|m| m.client_id = Some(format!("app{h}")),
                &|m| m.region = Some(h.into()),
                &|m| m.endpoints.token_url = Some(format!("https://id.example.com/{h}")),
                &|m| m.granted_scopes = Some(vec![format!("read{h}")]),
                &|m| m.token_type = Some(format!("Bearer{h}")),
            ];
            for (i, change) in cases.iter().enumerate() {
                let mut m = meta();
                change(&mut m);
                assert!(m.validate().is_err(), "case {i} with {h:?} passed");
            }
        }
    }

    #[test]
    fn invisible_characters_are_refused_in_names_accounts_and_scopes() {
        for c in [
            '\u{200B}',
            '\u{2060}',
            '\u{00AD}',
            '\u{FEFF}',
            '\u{E0001}',
            '\u{E0068}',
            '\u{202E}',
            '\u{2066}',
            '\u{2028}',
        ] {
            let h = format!("a{c}b");
            let account = |f: &dyn Fn(&mut crate::settings::Account)| {
                let mut a = crate::settings::Account::default();
                f(&mut a);
                Some(a)
            };
            let cases: [&dyn Fn(&mut Meta); 8] = [
                &|m| m.scopes = vec![format!("hubdb{h}")],
                &|m| m.granted_scopes = Some(vec![h.clone()]),
                &|m| m.client_id = Some(h.clone()),
                &|m| m.username = Some(h.clone()),
                &|m| m.org_id = Some(h.clone()),
                &|m| m.account = account(&|a| a.name = Some(h.clone())),
                &|m| m.account = account(&|a| a.email = Some(format!("admin{c}@example.com"))),
                &|m| m.account = account(&|a| a.sub = Some(h.clone())),
            ];
            for (i, change) in cases.iter().enumerate() {
                let mut m = meta();
                change(&mut m);
                assert!(
                    m.validate().is_err(),
                    "case {i} with U+{:04X} passed",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let mut m = meta();
        m.endpoints.token_url = Some("http://evil.example/token".into());
        let e = m.validate().unwrap_err().to_string();
        assert!(e.contains("use https"), "{e}");
        m.endpoints.token_url = Some("http://127.0.0.1:8080/token".into());
        m.validate().unwrap();
    }

    #[test]
    fn token_types_are_a_closed_set() {
        assert_eq!(token_type("bearer"), Ok("Bearer"));
        assert_eq!(token_type("BEARER"), Ok("Bearer"));
        assert_eq!(token_type("dpop"), Ok("DPoP"));
        assert!(token_type("Bearer\nX: y").is_err());
        assert!(token_type("MAC").is_err());
    }
}
