//! Which rows the form has for the chosen method, and what is wrong with
//! their values.

use super::field_label;
use crate::provider::{EndpointError, Field, Scheme, SchemeKind};
use crate::tui::state::State;

/// A row of the credentials form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormKey {
    Field(Field),
    /// A profile template variable with no default (`tenant`, `org`).
    Var(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRow {
    Input {
        key: FormKey,
        required: bool,
    },
    /// "Keep the secret (encrypted)" check box.
    KeepSecret,
}

/// The templates a sign-in renders: the scheme's endpoints and headers.
fn sign_in_templates(s: &Scheme) -> Vec<&str> {
    [
        &s.authorize_url,
        &s.token_url,
        &s.device_authorization_url,
        &s.signin_url,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .chain(s.extra_headers.values().map(String::as_str))
    .collect()
}

/// Template variables the user must type: no default, not set by the
/// region, not covered by a field, and used by this method.
fn missing_vars(state: &State) -> Vec<String> {
    let (Some(p), Some(s)) = (state.profile(), state.scheme()) else {
        return Vec::new();
    };
    let region_vars = state.region().map(|r| &r.vars);
    let mut templates = sign_in_templates(s);
    if let Some(t) = &p.test {
        templates.push(&t.url);
        templates.extend(t.headers.values().map(String::as_str));
    }
    let field_names: Vec<&str> = s
        .fields
        .iter()
        .chain(&s.optional_fields)
        .map(|f| f.as_str())
        .collect();
    p.vars
        .iter()
        .filter(|(name, spec)| {
            spec.default.is_none()
                && !region_vars.is_some_and(|rv| rv.contains_key(*name))
                && !field_names.contains(&name.as_str())
                && templates.iter().any(|t| t.contains(&format!("{{{name}}}")))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Rows of the credentials form for the chosen method.
pub fn form_rows(state: &State) -> Vec<FormRow> {
    let Some(s) = state.scheme() else {
        return Vec::new();
    };
    let mut rows: Vec<FormRow> = Vec::new();
    for f in &s.fields {
        rows.push(FormRow::Input {
            key: FormKey::Field(*f),
            required: true,
        });
    }
    // A variable only the test request uses is optional: the sign-in
    // works without it and the test step says what it skipped.
    let endpoint_templates = sign_in_templates(s);
    let (required_vars, optional_vars): (Vec<String>, Vec<String>) =
        missing_vars(state).into_iter().partition(|v| {
            endpoint_templates
                .iter()
                .any(|t| t.contains(&format!("{{{v}}}")))
        });
    for v in required_vars {
        rows.push(FormRow::Input {
            key: FormKey::Var(v),
            required: true,
        });
    }
    // Asked right after what is required: the default is often wrong
    // (Entra's `organizations` for a single-tenant app).
    for v in &s.ask_vars {
        rows.push(FormRow::Input {
            key: FormKey::Var(v.clone()),
            required: false,
        });
    }
    let issuer_needed = s.discovery && !endpoints_given(state, s);
    for f in &s.optional_fields {
        if !s.fields.contains(f) {
            rows.push(FormRow::Input {
                key: FormKey::Field(*f),
                required: *f == Field::Issuer && issuer_needed,
            });
        }
    }
    for v in optional_vars {
        rows.push(FormRow::Input {
            key: FormKey::Var(v),
            required: false,
        });
    }
    // Only where there is a secret to keep: a public client (the optional
    // secret left empty) has none.
    let has = |f: Field| {
        s.fields.contains(&f)
            || (s.optional_fields.contains(&f)
                && !state.creds.value(&FormKey::Field(f)).trim().is_empty())
    };
    if has(Field::ClientSecret) || has(Field::Password) {
        rows.push(FormRow::KeepSecret);
    }
    rows
}

/// True when the form (or the environment) gives every URL the method
/// needs, so discovery, and with it the issuer, is not needed.
fn endpoints_given(state: &State, s: &Scheme) -> bool {
    let env = crate::provider::Endpoints::from_env();
    if env.issuer.is_some() {
        return true;
    }
    let given = |template: &Option<String>, f: Field, env: &Option<String>| {
        template.is_some()
            || env.is_some()
            || !state.creds.value(&FormKey::Field(f)).trim().is_empty()
    };
    let token = given(&s.token_url, Field::TokenUrl, &env.token_url);
    match s.kind {
        SchemeKind::AuthorizationCode => {
            token && given(&s.authorize_url, Field::AuthorizeUrl, &env.authorize_url)
        }
        SchemeKind::ClientCredentials => token,
        SchemeKind::DeviceCode | SchemeKind::PasswordSignin | SchemeKind::StaticToken => {
            s.device_authorization_url.is_some() && token
        }
    }
}

/// What is wrong with one form value, in words; None when it is fine.
pub fn field_error(state: &State, key: &FormKey, required: bool) -> Option<String> {
    let v = state.creds.value(key).trim();
    if v.is_empty() {
        if !(required && state.creds.attempted) {
            return None;
        }
        if *key == FormKey::Field(Field::Issuer) {
            return Some(match state.scheme().map(|s| s.kind) {
                Some(SchemeKind::AuthorizationCode) => {
                    "required, unless you fill in the Authorize URL and the Token URL".to_string()
                }
                Some(SchemeKind::ClientCredentials) => {
                    "required, unless you fill in the Token URL".to_string()
                }
                _ => "required".to_string(),
            });
        }
        return Some("required".to_string());
    }
    let f = match key {
        FormKey::Field(f) => f,
        FormKey::Var(name) if name == "tenant" => return tenant_error(v),
        FormKey::Var(_) => return None,
    };
    match f {
        Field::CallbackUrl
        | Field::Issuer
        | Field::AuthorizeUrl
        | Field::TokenUrl
        | Field::ServiceRoot => {
            crate::provider::check_url(field_label(*f), v)
                .err()
                .map(|e| match e {
                    EndpointError::InsecureHttp { .. } => {
                        "use https (plain http only on localhost / 127.0.0.1)".to_string()
                    }
                    EndpointError::Scheme { .. } => "must start with https://".to_string(),
                    EndpointError::Invalid { reason, .. } => format!("not a URL: {reason}"),
                })
        }
        Field::EventId if !v.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Some("an event id is letters and digits only".to_string())
        }
        Field::ClientId
        | Field::ClientSecret
        | Field::OrgId
        | Field::Username
        | Field::Password
        | Field::EventId
        | Field::Token => (v.chars().any(char::is_whitespace) && !f.is_secret())
            .then(|| "contains spaces: check the paste".to_string()),
    }
}

/// An Entra ID tenant as the sign-in URL takes it: a directory (tenant)
/// ID, a verified domain, or one of the three audience keywords.
fn tenant_error(v: &str) -> Option<String> {
    let keyword = matches!(v, "organizations" | "common" | "consumers");
    let guid = v.len() == 36
        && v.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let domain = v.contains('.')
        && v.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    (!(keyword || guid || domain)).then(|| {
        "a tenant is the Directory (tenant) ID (8-4-4-4-12 hex digits) or a domain such as contoso.onmicrosoft.com".to_string()
    })
}

/// True when the row needs the user's attention (empty and required, or wrong).
pub fn row_invalid(state: &State, row: &FormRow) -> bool {
    match row {
        FormRow::Input { key, required } => {
            (*required && state.creds.value(key).trim().is_empty())
                || field_error(state, key, *required).is_some()
        }
        FormRow::KeepSecret => false,
    }
}

/// True when every row validates (Enter then submits).
pub fn valid(state: &State) -> bool {
    form_rows(state).iter().all(|r| !row_invalid(state, r))
}

pub fn form_label(key: &FormKey) -> String {
    match key {
        FormKey::Field(f) => field_label(*f).to_string(),
        FormKey::Var(v) => var_label(v),
    }
}

pub fn is_secret(key: &FormKey) -> bool {
    matches!(key, FormKey::Field(f) if f.is_secret())
}

/// A variable's name as a label: `test_url` → "Test URL", `tenant` → "Tenant".
fn var_label(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| match w {
            "url" | "id" | "api" | "uri" => w.to_ascii_uppercase(),
            _ if i == 0 => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            _ => w.to_string(),
        })
        .collect();
    words.join(" ")
}
