//! The commands that sign a saved connection in again, as a person types
//! them: printed when its grant is dead (`token` exit 4, `api`, `test`…).
//! Each line must run as printed, so it names this connection (`--name` for
//! one in the config dir, else its location), carries `--force` (the name is
//! taken: by this very connection) and is quoted for a POSIX shell.

use crate::provider::{ClientAuth, SchemeKind};
use crate::settings::{InitiateOAuth, Settings};
use std::fmt::Write as _;
use std::path::Path;

/// `words` as one POSIX shell line, each quoted only when it must be.
pub fn shell_line<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| crate::text::shell_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the commands name the connection at `location`: `--name NAME` when it
/// is `<config dir>/settings/NAME.json`, else `--settings LOCATION`.
fn target(location: &str) -> Vec<String> {
    let config_dir = crate::paths::config_dir();
    match crate::paths::connection_name(&config_dir, Path::new(location)) {
        Some(name) => vec!["--name".into(), name],
        None => vec!["--settings".into(), location.into()],
    }
}

/// What `--settings` takes for the connection at `location`: its bare name
/// when it has one, else the location itself.
fn settings_arg(location: &str) -> String {
    let config_dir = crate::paths::config_dir();
    crate::paths::connection_name(&config_dir, Path::new(location))
        .unwrap_or_else(|| location.to_string())
}

/// The provider, method, client, endpoint and scope flags that repeat this
/// file's sign-in (`login` and `auth-url` share them).
fn sign_in_flags(s: &Settings) -> Vec<String> {
    let m = &s.meta;
    let mut f = vec![m.provider.clone(), "--scheme".into(), m.scheme.clone()];
    let mut flag = |name: &str, value: &str| {
        f.push(name.to_string());
        f.push(value.to_string());
    };
    if let Some(r) = &m.region {
        flag("--region", r);
    }
    for (name, value) in &m.vars {
        // The flags below say these; a profile without such a variable
        // would refuse `--var`.
        if !matches!(name.as_str(), "service_root" | "issuer") {
            flag("--var", &format!("{name}={value}"));
        }
    }
    if let Some(c) = &m.client_id {
        flag("--client-id", c);
    }
    if let Some(org) = &m.org_id {
        flag("--org-id", org);
    }
    match (&m.endpoints.issuer, m.provider.as_str()) {
        (Some(i), _) => flag("--issuer", i),
        // A custom server named by its URLs has nothing else to find them by.
        (None, "custom") => {
            if let Some(u) = &m.endpoints.authorize_url {
                flag("--authorize-url", u);
            }
            if let Some(u) = &m.endpoints.token_url {
                flag("--token-url", u);
            }
            if let Some(u) = &m.endpoints.device_authorization_url {
                flag("--device-url", u);
            }
        }
        (None, _) => {}
    }
    if let Some(root) = m.vars.get("service_root") {
        flag("--service-root", root);
    }
    if let Some(k) = &m.client_key {
        flag("--client-auth", "private-key-jwt");
        flag("--client-key-file", &k.key_file.display().to_string());
        if let Some(c) = &k.cert_file {
            flag("--client-cert-file", &c.display().to_string());
        }
    }
    if !m.scopes.is_empty() {
        flag("--scopes", &m.scopes.join(" "));
    }
    if m.initiate_oauth != InitiateOAuth::Getandrefresh {
        flag("--initiate-oauth", m.initiate_oauth.as_str());
    }
    f
}

/// The secrets `login` will ask for, said once before the commands.
fn secrets_needed(s: &Settings) -> Option<&'static str> {
    let m = &s.meta;
    if s.secrets.client_secret.is_some() && m.client_auth != ClientAuth::PrivateKeyJwt {
        return Some(
            "with the client secret in OAUTH_SETUP_CLIENT_SECRET (or add --client-secret-file PATH)",
        );
    }
    if m.kind == SchemeKind::PasswordSignin {
        return Some("with the password in OAUTH_SETUP_PASSWORD (or add --password-file PATH)");
    }
    None
}

/// The commands that get new credentials for the connection at `location`:
/// sign in where a browser is, then bring the result here; or, for a
/// browser sign-in, the paste flow from here.
pub fn commands(s: &Settings, location: &str) -> String {
    let flags = sign_in_flags(s);
    let target = target(location);
    let name = settings_arg(location);
    let line = |words: Vec<String>| format!("  {}", shell_line(&words));
    let mut login = vec!["oauth-setup".to_string(), "login".into()];
    login.extend(flags.iter().cloned());
    if s.meta.kind == SchemeKind::PasswordSignin {
        if let Some(u) = &s.meta.username {
            login.extend(["--username".into(), u.clone()]);
        }
        if let Some(e) = &s.meta.event_id {
            login.extend(["--event-id".into(), e.clone()]);
        }
        if s.secrets.password.is_some() {
            login.push("--store-password".into());
        }
    }
    if let Some(cb) = &s.meta.callback_url {
        login.extend(["--callback-url".into(), cb.clone()]);
    }
    login.extend(target.iter().cloned());
    login.push("--force".into());
    // The caller indents the first line (it follows its own sentence).
    let mut out = shell_line(&login);
    if let Some(secret) = secrets_needed(s) {
        let _ = write!(out, "\n  ({secret})");
    }
    // A Vault location is signed in to where it is: no file to carry over
    // and none for `exchange` to write.
    if s.meta.kind != SchemeKind::AuthorizationCode || location.starts_with("vault://") {
        return out;
    }
    let export = [
        "oauth-setup",
        "export",
        "--settings",
        &name,
        "--out",
        "bundle.age",
    ];
    let import = [
        "oauth-setup",
        "import",
        "bundle.age",
        "--settings",
        &name,
        "--force",
    ];
    let _ = write!(
        out,
        "\nthen copy it here: there\n  {}\nand here\n  {}\n",
        shell_line(&export),
        shell_line(&import)
    );
    // The paste flow needs a redirect URI the app knows: the one the file
    // was signed in with, else the loopback one the set-up steps register.
    let callback = s
        .meta
        .callback_url
        .clone()
        .unwrap_or_else(super::register::loopback);
    let mut auth_url = vec!["oauth-setup".to_string(), "auth-url".into()];
    auth_url.extend(flags);
    auth_url.extend(["--callback-url".into(), callback]);
    auth_url.extend(target.iter().cloned());
    auth_url.push("--force".into());
    let mut exchange = vec!["oauth-setup".to_string(), "exchange".into()];
    exchange.extend(target);
    exchange.push("--force".into());
    let _ = write!(
        out,
        "Or, from this machine with a browser anywhere (paste flow):\n{}\n  \
         (open the printed URL in any browser, sign in, copy the address it ends on, then run)\n{}\n  \
         (and paste that address)",
        line(auth_url),
        line(exchange)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_line_quotes_only_what_needs_it() {
        assert_eq!(
            shell_line(&["login", "--scopes", "openid offline_access", "it's"]),
            r"login --scopes 'openid offline_access' 'it'\''s'"
        );
    }
}
