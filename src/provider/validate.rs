//! The checks a profile must pass beyond its types: ids, references between
//! its parts, and template variables that exist and are not secrets.

use super::error::ProviderError;
use super::template::placeholders;
use super::types::{Field, Profile, Scheme, SchemeKind, id_key};
use std::collections::{BTreeSet, HashSet};

/// True when `name` may appear in a template without being declared: the
/// name of a non-secret [`Field`], filled from what the user entered.
pub fn is_runtime_var(name: &str) -> bool {
    field_named(name).is_some_and(|f| !f.is_secret())
}

fn field_named(name: &str) -> Option<Field> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// The authorize URL's parameters the code flow sets (oauth/code.rs). A
/// second copy from a profile would let it replace the redirect URI or the
/// PKCE challenge with whatever the server reads first.
pub const RESERVED_AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// Checks what the types cannot: references between parts of the profile.
pub fn validate(profile: &Profile) -> Result<(), ProviderError> {
    validate_at(profile, &format!("provider `{}`", profile.id))
}

/// [`validate`] with `origin` (a file name) at the head of the message.
pub fn validate_at(profile: &Profile, origin: &str) -> Result<(), ProviderError> {
    let problems = problems(profile);
    if problems.is_empty() {
        return Ok(());
    }
    let message = if problems.len() == 1 {
        problems.into_iter().next().unwrap_or_default()
    } else {
        format!(
            "{} problems:\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        )
    };
    Err(ProviderError::Invalid {
        origin: origin.to_string(),
        message,
    })
}

fn problems(p: &Profile) -> Vec<String> {
    let mut out = Vec::new();
    identity(p, &mut out);
    vars_and_regions(p, &mut out);
    scope_presets(p, &mut out);
    for s in &p.schemes {
        scheme(p, s, &mut out);
    }
    test_request(p, &mut out);
    lookups(p, &mut out);
    out
}

fn identity(p: &Profile, out: &mut Vec<String>) {
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if !id_ok(&p.id) {
        out.push(format!(
            "id `{}` must be lowercase letters, digits, `_` or `-` (it is typed on the command line)",
            p.id
        ));
    }
    if p.schemes.is_empty() {
        out.push("no [[schemes]]: a provider needs at least one".to_string());
    }
    // `--scheme` and `--preset` take `a-b` for `a_b`: two ids that differ
    // only so would be one on the command line.
    let keys: Vec<String> = p.schemes.iter().map(|s| id_key(&s.id)).collect();
    dupes(out, "scheme id", keys.iter().map(String::as_str));
    dupes(out, "region id", p.regions.iter().map(|r| r.id.as_str()));
    // A scope is keyed by its `name`, as the file spells it.
    dupes(out, "scope name", p.scopes.iter().map(|s| s.name.as_str()));
    let keys: Vec<String> = p.scope_presets.iter().map(|s| id_key(&s.id)).collect();
    dupes(out, "scope preset id", keys.iter().map(String::as_str));
}

fn vars_and_regions(p: &Profile, out: &mut Vec<String>) {
    for name in p.vars.keys() {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            out.push(format!(
                "var `{name}` cannot be used as {{{name}}}: use letters, digits and _ only"
            ));
        }
    }
    for region in &p.regions {
        for var in region.vars.keys() {
            if !p.vars.contains_key(var) {
                out.push(format!(
                    "region `{}` sets `{var}` but no var `{var}` is declared (add [vars.{var}])",
                    region.id
                ));
            }
        }
    }
}

fn scope_presets(p: &Profile, out: &mut Vec<String>) {
    let scope_names: HashSet<&str> = p.scopes.iter().map(|s| s.name.as_str()).collect();
    for preset in &p.scope_presets {
        if preset.all && preset.read_only {
            out.push(format!(
                "scope preset `{}` sets both `all` and `read_only`",
                preset.id
            ));
        }
        if (preset.all || preset.read_only) && !preset.scopes.is_empty() {
            out.push(format!(
                "scope preset `{}` lists scopes but `all`/`read_only` ignores them",
                preset.id
            ));
        }
        if let Some(limit) = p.scope_limit
            && preset.scopes.len() > limit
        {
            out.push(format!(
                "scope preset `{}` has {} scopes but scope_limit is {limit}",
                preset.id,
                preset.scopes.len()
            ));
        }
        for s in &preset.scopes {
            if !scope_names.contains(s.as_str()) {
                out.push(format!(
                    "scope preset `{}` uses scope `{s}` which is not in [[scopes]]",
                    preset.id
                ));
            }
        }
    }
}

/// Every `{name}` in a template must be a declared var or a non-secret field.
fn check(p: &Profile, out: &mut Vec<String>, what: &str, template: &str) {
    let names = match placeholders(template) {
        Ok(n) => n,
        Err(e) => {
            out.push(format!("{what}: {e}"));
            return;
        }
    };
    for name in names {
        if p.vars.contains_key(name) || is_runtime_var(name) {
            continue;
        }
        if field_named(name).is_some_and(Field::is_secret) {
            out.push(format!(
                "{what} uses {{{name}}}: secrets cannot be template variables"
            ));
        } else {
            out.push(format!(
                "{what} uses {{{name}}} but no var `{name}` is declared"
            ));
        }
    }
}

fn scheme(p: &Profile, s: &Scheme, out: &mut Vec<String>) {
    let at = |field: &str| format!("scheme `{}` {field}", s.id);
    for (field, t) in [
        ("authorize_url", &s.authorize_url),
        ("token_url", &s.token_url),
        ("device_authorization_url", &s.device_authorization_url),
        ("signin_url", &s.signin_url),
        ("revocation_url", &s.revocation_url),
        ("default_callback_url", &s.default_callback_url),
    ] {
        if let Some(t) = t {
            check(p, out, &at(field), t);
        }
    }
    for (k, v) in &s.extra_headers {
        check(p, out, &at(&format!("header `{k}`")), v);
    }
    for (k, v) in &s.extra_authorize_params {
        if let Some(reserved) = RESERVED_AUTHORIZE_PARAMS
            .iter()
            .find(|r| r.eq_ignore_ascii_case(k.trim()))
        {
            out.push(format!(
                "scheme `{}` extra_authorize_params sets `{k}`, which the sign-in sets itself ({reserved} is reserved: {})",
                s.id,
                RESERVED_AUTHORIZE_PARAMS.join(", ")
            ));
        }
        check(p, out, &at(&format!("authorize parameter `{k}`")), v);
    }
    if let Some(preset) = &s.default_scope_preset
        && !p.scope_presets.iter().any(|x| &x.id == preset)
    {
        out.push(format!(
            "scheme `{}` default_scope_preset `{preset}` is not a [[scope_presets]] id",
            s.id
        ));
    }
    ask_vars(p, s, out);
    if s.discovery && !p.vars.contains_key("issuer") {
        out.push(format!(
            "scheme `{}` sets discovery = true but no var `issuer` is declared",
            s.id
        ));
    }
    let user_gives = |f: Field| s.fields.contains(&f) || s.optional_fields.contains(&f);
    let has_token = s.token_url.is_some() || s.discovery || user_gives(Field::TokenUrl);
    match s.kind {
            SchemeKind::AuthorizationCode => {
                if s.authorize_url.is_none() && !s.discovery && !user_gives(Field::AuthorizeUrl) {
                    out.push(format!(
                        "scheme `{}` (authorization_code) needs authorize_url, discovery = true, or the authorize_url field",
                        s.id
                    ));
                }
                if !has_token {
                    out.push(format!(
                        "scheme `{}` (authorization_code) needs token_url, discovery = true, or the token_url field",
                        s.id
                    ));
                }
            }
            SchemeKind::ClientCredentials if !has_token => out.push(format!(
                "scheme `{}` (client_credentials) needs token_url, discovery = true, or the token_url field",
                s.id
            )),
            SchemeKind::DeviceCode
                if s.device_authorization_url.is_none() && !s.discovery =>
            {
                out.push(format!(
                    "scheme `{}` (device_code) needs device_authorization_url or discovery = true",
                    s.id
                ))
            }
            SchemeKind::PasswordSignin if s.signin_url.is_none() => out.push(format!(
                "scheme `{}` (password_signin) needs signin_url",
                s.id
            )),
            SchemeKind::StaticToken if !s.fields.contains(&Field::Token) => out.push(format!(
                "scheme `{}` (static_token) must list `token` in fields",
                s.id
            )),
            // The guarded arms above found nothing to say.
            SchemeKind::ClientCredentials
            | SchemeKind::DeviceCode
            | SchemeKind::PasswordSignin
            | SchemeKind::StaticToken => {}
        }
    let mut both = BTreeSet::new();
    for f in &s.fields {
        if s.optional_fields.contains(f) {
            both.insert(f.as_str());
        }
    }
    if !both.is_empty() {
        out.push(format!(
            "scheme `{}` lists {} in both fields and optional_fields",
            s.id,
            both.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
}

/// The variables a scheme's form asks for although they have a default.
fn ask_vars(p: &Profile, s: &Scheme, out: &mut Vec<String>) {
    for v in &s.ask_vars {
        if !p.vars.contains_key(v) {
            out.push(format!(
                "scheme `{}` ask_vars names `{v}`, which is not a declared [vars] entry",
                s.id
            ));
        }
    }
}

fn test_request(p: &Profile, out: &mut Vec<String>) {
    if let Some(base) = &p.api_base {
        check(p, out, "api_base", base);
    }
    if let Some(ex) = &p.api_example {
        // A path, shown in commands: no scheme, no spaces or quotes.
        let plain = ex.starts_with(['/', '?'])
            && !ex.contains("://")
            && ex
                .chars()
                .all(|c| c.is_ascii_graphic() && !"'\"`\\".contains(c));
        if !plain || p.api_base.is_none() {
            out.push(format!(
                "api_example `{ex}` must be a path under api_base (starting with / or ?, no spaces or quotes)"
            ));
        }
    }
    if let Some(pg) = &p.pagination {
        for ptr in [&pg.next_url, &pg.next_token].into_iter().flatten() {
            if !ptr.starts_with('/') {
                out.push(format!(
                    "[pagination]: pointer `{ptr}` must be a JSON pointer starting with /"
                ));
            }
        }
        if pg.next_token.is_some() != pg.token_param.is_some() {
            out.push("[pagination]: next_token and token_param go together".into());
        }
    }
    match &p.test {
        None => out.push("no [test]: a provider needs a request that proves a token works".into()),
        Some(t) => {
            if t.url.trim().is_empty() {
                out.push("[test] url is empty".into());
            } else {
                check(p, out, "[test] url", &t.url);
            }
            for (k, v) in &t.headers {
                check(p, out, &format!("[test] header `{k}`"), v);
            }
            for k in t.explain.keys() {
                if !k.parse::<u16>().is_ok_and(|s| (400..600).contains(&s)) {
                    out.push(format!(
                        "[test] explain key `{k}` must be an HTTP error status (400-599)"
                    ));
                }
            }
            if let Some(ptr) = &t.count_pointer
                && !(ptr.is_empty() || ptr.starts_with('/'))
            {
                out.push(format!(
                    "[test] count_pointer `{ptr}` must be a JSON pointer starting with /"
                ));
            }
            if let Some(summary) = &t.summary {
                match placeholders(summary) {
                    Ok(names) => {
                        for n in names.into_iter().filter(|n| *n != "count") {
                            out.push(format!(
                                "[test] summary uses {{{n}}}; only {{count}} is available"
                            ));
                        }
                    }
                    Err(e) => out.push(format!("[test] summary: {e}")),
                }
            }
        }
    }
}

fn lookups(p: &Profile, out: &mut Vec<String>) {
    for l in &p.lookups {
        let what = format!("[[lookups]] for `{}`", l.field.as_str());
        check(p, out, &format!("{what} url"), &l.url);
        for (k, v) in &l.headers {
            check(p, out, &format!("{what} header `{k}`"), v);
        }
        for ptr in [&l.items_pointer, &l.value_pointer, &l.label_pointer] {
            if !ptr.starts_with('/') {
                out.push(format!(
                    "{what}: pointer `{ptr}` must be a JSON pointer starting with /"
                ));
            }
        }
    }
}

fn dupes<'a>(out: &mut Vec<String>, what: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    let mut reported = HashSet::new();
    for id in ids {
        if !seen.insert(id) && reported.insert(id) {
            out.push(format!("{what} `{id}` appears more than once"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_vars_exclude_secrets() {
        assert!(is_runtime_var("org_id"));
        assert!(is_runtime_var("event_id"));
        assert!(!is_runtime_var("client_secret"));
        assert!(!is_runtime_var("token"));
        assert!(!is_runtime_var("hostt"));
    }

    #[test]
    fn ids_that_meet_on_the_command_line_are_duplicates() {
        let mut p = crate::provider::find(&crate::provider::builtin(), "custom")
            .unwrap()
            .clone();
        let mut twin = p.schemes[1].clone();
        twin.id = "client-credentials".into();
        p.schemes.push(twin);
        let err = validate(&p).unwrap_err().to_string();
        assert!(
            err.contains("scheme id `client_credentials` appears more than once"),
            "{err}"
        );
    }
}
