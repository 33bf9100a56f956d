//! What a service needs to use a settings file: KEY=VALUE lines for a systemd
//! EnvironmentFile or a shell, or a Kubernetes Secret manifest.

use super::connection_string;
use crate::settings::{Key, Settings};
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

impl Secrets<'_> {
    fn included(&self) -> bool {
        matches!(self, Secrets::Include(_))
    }
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

/// Environment lines for a service that reads the settings file at `target`.
pub fn env_text(s: &Settings, target: &Path, secrets: Secrets<'_>) -> String {
    let cs = connection_string::build(s, target, secrets.included());
    let (provider, scheme) = (&s.meta.provider, &s.meta.scheme);
    let mut out = format!(
        "# oauth-setup: {provider} ({scheme}) — for a systemd EnvironmentFile or `set -a; . FILE`\n"
    );
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "OAUTH_SETUP_SETTINGS={}",
        env_quote(&target.display().to_string())
    );
    match secrets {
        Secrets::Include(key) => {
            let _ = writeln!(out, "OAUTH_SETUP_KEY={}", env_quote(&key_text(key)));
        }
        Secrets::Omit { key_location } => {
            let _ = writeln!(
                out,
                "# The settings file is encrypted; the service also needs the key ({key_location}): \
                 set OAUTH_SETUP_KEY_FILE to a copy of it, or export with --include-secrets"
            );
        }
    }
    let _ = writeln!(out, "OAUTH_SETUP_CONNECTION_STRING={}", env_quote(&cs));
    out
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

/// A Kubernetes Secret named `name` holding the settings file (its text is
/// `file`, still encrypted) to be mounted at `target`.
pub fn k8s_text(s: &Settings, file: &str, target: &Path, name: &str, key: Option<&Key>) -> String {
    let dir = target
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "/etc/oauth-setup".into());
    let cs = connection_string::build(s, target, key.is_some());
    let q = |v: &str| serde_json::to_string(v).expect("strings serialize");
    let (provider, scheme) = (&s.meta.provider, &s.meta.scheme);
    let mut out = format!(
        "# oauth-setup: {provider} ({scheme}). Mount this Secret at {dir} (the settings file is encrypted).\n\
         # Secret volumes are read-only: if the pod renews tokens, copy settings.json to a writable\n\
         # volume at start (e.g. an emptyDir) and point OAUTH_SETUP_SETTINGS there.\n"
    );
    if key.is_none() {
        out.push_str(
            "# No key included: add OAUTH_SETUP_KEY to this Secret yourself, or export with --include-secrets.\n",
        );
    }
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {}\ntype: Opaque\nstringData:",
        q(name)
    );
    let file_key = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "settings.json".into());
    let _ = writeln!(out, "  {}: |", q(&file_key));
    for line in file.lines() {
        let _ = writeln!(out, "    {line}");
    }
    let _ = writeln!(
        out,
        "  OAUTH_SETUP_SETTINGS: {}",
        q(&target.display().to_string())
    );
    let _ = writeln!(out, "  OAUTH_SETUP_CONNECTION_STRING: {}", q(&cs));
    if let Some(key) = key {
        let _ = writeln!(out, "  OAUTH_SETUP_KEY: {}", q(&key_text(key)));
    }
    out
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
    }
}
