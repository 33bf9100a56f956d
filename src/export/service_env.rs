//! What a service needs to use a settings file: KEY=VALUE lines for a systemd
//! EnvironmentFile or a shell, or a Kubernetes Secret manifest.

use super::connection_string::Mode;
use crate::provider::SchemeKind;
use crate::settings::{Key, MetaError, Settings};
use crate::text::has_unsafe;
use base64::Engine as _;
use std::fmt::Write as _;
use std::path::Path;

/// Where the Kubernetes Secret puts the settings file unless told otherwise.
pub const K8S_SETTINGS_PATH: &str = "/etc/oauth-setup/settings.json";

/// Whether the text carries the decryption key and the client secret.
#[derive(Debug, Clone, Copy)]
pub enum Secrets<'a> {
    Include(&'a Key),
    /// Left out; `key_location` tells the reader where the key they need is.
    Omit {
        key_location: &'a str,
    },
}

/// A double-quoted value that sh and systemd's EnvironmentFile both read back.
pub fn env_quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn key_text(key: &Key) -> String {
    key.to_file_text().trim().to_string()
}

/// Why the text for a service cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the settings cannot be exported: {0}")]
    Invalid(#[from] MetaError),
    #[error(
        "the Secret name `{0}` is not valid: use lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit (at most 253 characters)"
    )]
    BadName(String),
    #[error(
        "the file name `{0}` cannot be a Secret key: use letters, digits, `-`, `_` and `.` (and not one of the OAUTH_SETUP_ keys)"
    )]
    BadKey(String),
    #[error("the path `{0}` contains a control or line-separator character")]
    BadPath(String),
    #[error("the path `{0}` is not absolute: give the full path inside the container")]
    RelativePath(String),
}

/// An id for a comment line: only characters that cannot end or alter it.
fn comment_id(id: &str) -> String {
    id.chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// What a service is given besides its settings.
#[derive(Debug, Clone, Copy)]
pub struct Service<'a> {
    /// Where the service reads the settings: the file's path there, or the
    /// `vault://MOUNT/PATH` location a fleet shares.
    pub settings: &'a str,
    /// The Vault server of a `vault://` location (`VAULT_ADDR`).
    pub vault_addr: Option<&'a str>,
    /// The CData connection string (`connection-string --mode …`) and its
    /// mode, when the provider has a connector.
    pub connection_string: Option<(&'a str, Mode)>,
}

impl Service<'_> {
    fn in_vault(&self) -> bool {
        self.vault_addr.is_some()
    }
}

/// What the text says about the connection string, as fixed comment lines.
fn connection_note(service: &Service<'_>, s: &Settings) -> &'static str {
    match service.connection_string.map(|(_, m)| m) {
        Some(Mode::Token) if s.meta.kind == SchemeKind::StaticToken => {
            "# OAUTH_SETUP_CONNECTION_STRING (CData) holds a static token: it does not expire on its own\n\
             # (revoke it in the provider to end it), so the string stays valid as it is.\n"
        }
        None => {
            "# No CData connector for this provider: the service uses `oauth-setup token`, `exec` or `api`.\n"
        }
        Some(Mode::Token) => {
            "# OAUTH_SETUP_CONNECTION_STRING (CData, InitiateOAuth=OFF) holds an access token that expires:\n\
             # a long-running service gets a fresh one from `oauth-setup connection-string --settings \"$OAUTH_SETUP_SETTINGS\"`.\n"
        }
        Some(Mode::Handoff) => {
            "# OAUTH_SETUP_CONNECTION_STRING hands the grant to the CData driver (InitiateOAuth=REFRESH):\n\
             # the driver renews from now on; `oauth-setup token` no longer does.\n"
        }
        Some(Mode::App) => {
            "# OAUTH_SETUP_CONNECTION_STRING lets the CData driver fetch its own tokens as the app.\n"
        }
    }
}

/// A settings location as text, refused when it could break its line.
fn settings_text(service: &Service<'_>) -> Result<String, ExportError> {
    if has_unsafe(service.settings) {
        return Err(ExportError::BadPath(crate::text::sanitize(
            service.settings,
            200,
        )));
    }
    Ok(service.settings.to_string())
}

/// Environment lines for a service that reads its settings where `service`
/// says.
pub fn env_text(
    s: &Settings,
    service: &Service<'_>,
    secrets: Secrets<'_>,
) -> Result<String, ExportError> {
    s.meta.validate()?;
    let target_text = settings_text(service)?;
    let (provider, scheme) = (comment_id(&s.meta.provider), comment_id(&s.meta.scheme));
    let mut out = format!(
        "# oauth-setup: {provider} ({scheme}) — for a systemd EnvironmentFile or `set -a; . FILE`\n"
    );
    // Writing to a String cannot fail.
    let _ = writeln!(out, "OAUTH_SETUP_SETTINGS={}", env_quote(&target_text));
    if let Some(addr) = service.vault_addr {
        let _ = writeln!(
            out,
            "VAULT_ADDR={}",
            env_quote(&crate::text::sanitize(addr, 300))
        );
        out.push_str(
            "# The service signs in to Vault itself: VAULT_TOKEN, ~/.vault-token, or AppRole \
             (OAUTH_SETUP_VAULT_ROLE_ID, OAUTH_SETUP_VAULT_SECRET_ID_FILE).\n",
        );
    } else {
        match secrets {
            Secrets::Include(key) => {
                let _ = writeln!(out, "OAUTH_SETUP_KEY={}", env_quote(&key_text(key)));
            }
            Secrets::Omit { key_location } => {
                let _ = writeln!(
                    out,
                    "# The settings file is encrypted; the service also needs the key ({}): \
                     set OAUTH_SETUP_KEY_FILE to a copy of it, or export with --include-secrets",
                    crate::text::sanitize(key_location, 300)
                );
            }
        }
    }
    out.push_str(connection_note(service, s));
    if let Some((cs, _)) = service.connection_string {
        let _ = writeln!(out, "OAUTH_SETUP_CONNECTION_STRING={}", env_quote(cs));
    }
    Ok(out)
}

/// A Secret name (a DNS label) for a provider id.
pub fn k8s_name(provider: &str) -> String {
    let n: String = provider
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let n = n.trim_matches('-');
    format!("oauth-setup-{}", if n.is_empty() { "settings" } else { n })
}

/// A Kubernetes object name (RFC 1123 subdomain).
fn valid_k8s_name(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=253).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A Secret data key: `[-._a-zA-Z0-9]+`, at most 253.
fn valid_secret_key(key: &str) -> bool {
    (1..=253).contains(&key.len())
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && key != "."
        && key != ".."
}

/// The keys the Secret carries besides the settings file.
pub const K8S_KEYS: [&str; 4] = [
    "OAUTH_SETUP_SETTINGS",
    "OAUTH_SETUP_CONNECTION_STRING",
    "OAUTH_SETUP_KEY",
    "VAULT_ADDR",
];

/// A Kubernetes Secret named `name` for a service that reads its settings
/// where `service` says: for a file, the file itself (its text is `file`,
/// still encrypted) to be mounted there; for Vault, the location only.
///
/// Built so that nothing from the file can change its shape: every name and
/// key is validated and double-quoted (ASCII only, so JSON's quoting is
/// YAML's), every value is base64 under `data:`, and the comment holds only
/// validated ids and the checked path.
pub fn k8s_text(
    s: &Settings,
    file: Option<&str>,
    service: &Service<'_>,
    name: &str,
    key: Option<&Key>,
) -> Result<String, ExportError> {
    s.meta.validate()?;
    k8s_render(s, file, service, name, key)
}

/// Where in the pod the Secret's settings file goes: its key (the file
/// name) and its directory.
fn mount_of(target: &str) -> Result<(String, String), ExportError> {
    let target = Path::new(target);
    if !target.is_absolute() {
        return Err(ExportError::RelativePath(crate::text::sanitize(
            &target.display().to_string(),
            200,
        )));
    }
    let file_key = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    if !valid_secret_key(&file_key) || K8S_KEYS.contains(&file_key.as_str()) {
        return Err(ExportError::BadKey(crate::text::sanitize(&file_key, 300)));
    }
    let dir = target
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "/etc/oauth-setup".into());
    Ok((file_key, dir))
}

/// The emitter of [`k8s_text`] alone, without the metadata check: its shape
/// holds whatever the metadata contains (the fuzz target and the YAML tests
/// feed it hostile metadata).
pub fn k8s_render(
    s: &Settings,
    file: Option<&str>,
    service: &Service<'_>,
    name: &str,
    key: Option<&Key>,
) -> Result<String, ExportError> {
    let target_text = settings_text(service)?;
    if !valid_k8s_name(name) {
        return Err(ExportError::BadName(crate::text::sanitize(name, 300)));
    }
    let q = |v: &str| serde_json::to_string(v).expect("strings serialize");
    let b64 = |v: &str| q(&base64::engine::general_purpose::STANDARD.encode(v));
    let (provider, scheme) = (comment_id(&s.meta.provider), comment_id(&s.meta.scheme));
    let mut entries = Vec::new();
    let mut out = format!("# oauth-setup: {provider} ({scheme}).");
    match file.filter(|_| !service.in_vault()) {
        Some(file) => {
            let (file_key, dir) = mount_of(&target_text)?;
            let _ = write!(
                out,
                " Mount this Secret at {dir} (the settings file is encrypted).\n\
                 # Secret volumes are read-only: if the pod renews tokens, copy settings.json to a writable\n\
                 # volume at start (e.g. an emptyDir) and point OAUTH_SETUP_SETTINGS there.\n"
            );
            if key.is_none() {
                out.push_str(
                    "# No key included: add OAUTH_SETUP_KEY to this Secret yourself, or export with --include-secrets.\n",
                );
            }
            entries.push((file_key, file.to_string()));
        }
        None => out.push_str(
            " The settings stay in Vault: the pod signs in to Vault itself \
             (VAULT_TOKEN, or AppRole with OAUTH_SETUP_VAULT_ROLE_ID and OAUTH_SETUP_VAULT_SECRET_ID_FILE).\n",
        ),
    }
    out.push_str(connection_note(service, s));
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {}\ntype: Opaque\ndata:",
        q(name)
    );
    entries.push((K8S_KEYS[0].into(), target_text));
    if let Some((cs, _)) = service.connection_string {
        entries.push((K8S_KEYS[1].into(), cs.to_string()));
    }
    match (service.vault_addr, key) {
        (Some(addr), _) => entries.push((K8S_KEYS[3].into(), addr.to_string())),
        (None, Some(key)) => entries.push((K8S_KEYS[2].into(), key_text(key))),
        (None, None) => {}
    }
    for (k, v) in entries {
        let _ = writeln!(out, "  {}: {}", q(&k), b64(&v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_round_trip_through_sh() {
        let v = "AuthScheme=OAuth;Scope=openid offline_access;X='a;b';$HOME`x`\"q\"\\";
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("V={}; printf %s \"$V\"", env_quote(v)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), v);
    }

    #[test]
    fn k8s_names_are_dns_labels() {
        assert_eq!(k8s_name("custom"), "oauth-setup-custom");
        assert_eq!(k8s_name("My_Prov"), "oauth-setup-my-prov");
        assert!(valid_k8s_name(&k8s_name("My_Prov")));
        for bad in ["", "-a", "a-", "A", "a b", "a\nb", "a:b"] {
            assert!(!valid_k8s_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn secret_keys() {
        assert!(valid_secret_key("settings.json"));
        for bad in ["", ".", "..", "a b", "a/b", "a:b", "a\u{2028}b"] {
            assert!(!valid_secret_key(bad), "{bad:?}");
        }
    }
}
