//! The service exports on hostile metadata. Whatever the values, the
//! Kubernetes Secret is comment lines, the fixed structure and one
//! `"KEY": "BASE64"` line for each expected key; and metadata that passes
//! validation gives env lines that are comments or expected `NAME="…"`
//! assignments. No line break but `\n` ever reaches the output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::export::connection_string::Mode;
use oauth_setup::export::service_env::{self, K8S_KEYS, Secrets, Service};
use oauth_setup::provider::SchemeKind;
use oauth_setup::settings::{Key, Meta, Settings};

const STRUCTURE: [&str; 6] = [
    "apiVersion: v1",
    "kind: Secret",
    "metadata:",
    "  name: \"oauth-setup-x\"",
    "type: Opaque",
    "data:",
];

fn meta(data: &[u8]) -> Meta {
    let text = String::from_utf8_lossy(data);
    let mut f = text.split('\0').map(str::to_string);
    let mut next = || f.next().unwrap_or_default();
    let mut m = Meta::new(next(), next(), SchemeKind::ClientCredentials);
    m.token_type = Some(next());
    m.endpoints.token_url = Some(next());
    m.client_id = Some(next());
    m.scopes = vec![next()];
    m.granted_scopes = Some(vec![next()]);
    m.org_id = Some(next());
    m.region = Some(next());
    m
}

fn no_stray_breaks(out: &str) {
    assert!(
        !out.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{b}', '\u{c}']),
        "a line break other than \\n in {out:?}"
    );
}

fn check_k8s(out: &str, keys: &[&str]) {
    no_stray_breaks(out);
    let mut seen = Vec::new();
    for line in out.lines() {
        if line.starts_with('#') || STRUCTURE.contains(&line) {
            continue;
        }
        let (k, v) = line
            .strip_prefix("  \"")
            .and_then(|l| l.split_once("\": \""))
            .unwrap_or_else(|| panic!("unexpected line {line:?}"));
        let v = v.strip_suffix('"').expect("a quoted value");
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        );
        seen.push(k.to_string());
    }
    seen.sort();
    let mut want: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    want.sort();
    assert_eq!(seen, want);
}

fn check_env(out: &str) {
    no_stray_breaks(out);
    for line in out.lines() {
        if line.starts_with('#') {
            continue;
        }
        let (name, value) = line.split_once('=').expect("NAME=value");
        assert!(
            ["OAUTH_SETUP_SETTINGS", "OAUTH_SETUP_KEY", "OAUTH_SETUP_CONNECTION_STRING"]
                .contains(&name),
            "unexpected {name:?}"
        );
        assert!(value.starts_with('"') && value.ends_with('"') && value.len() >= 2);
    }
}

fuzz_target!(|data: &[u8]| {
    let key = Key::from_bytes([7; 32]);
    let m = meta(data);
    let s = Settings::new(m.clone(), Default::default());
    let file = String::from_utf8_lossy(data).into_owned();
    // The connection string carries the same hostile bytes.
    let service = Service {
        settings: service_env::K8S_SETTINGS_PATH,
        vault_addr: None,
        connection_string: Some((&file, Mode::Token)),
    };
    let out = service_env::k8s_render(&s, Some(&file), &service, "oauth-setup-x", Some(&key))
        .expect("a fixed name and target render");
    check_k8s(&out, &["settings.json", K8S_KEYS[0], K8S_KEYS[1], K8S_KEYS[2]]);
    if m.validate().is_ok() {
        // `connection_string::build` refuses control characters.
        let clean = !file.chars().any(char::is_control) && !oauth_setup::text::has_unsafe(&file);
        let on_host = Service {
            settings: "/srv/settings.json",
            vault_addr: None,
            connection_string: clean.then_some((file.as_str(), Mode::Token)),
        };
        let env = service_env::env_text(&s, &on_host, Secrets::Include(&key))
            .expect("validated metadata exports");
        check_env(&env);
    } else {
        assert!(service_env::k8s_text(&s, Some(&file), &service, "oauth-setup-x", None).is_err());
    }
});
