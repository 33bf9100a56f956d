//! Using a token against the provider's API: where calls go, and what a
//! program run with the token needs beside it (`exec`).

use crate::provider::Profile;
use crate::settings::Settings;
use secrecy::{ExposeSecret, SecretString};

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

/// `X-API-ORG` → `OAUTH_HEADER_X_API_ORG`.
fn header_var(name: &str) -> String {
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
