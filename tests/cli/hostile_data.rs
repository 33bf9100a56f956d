//! What bundles and old settings files hold, treated as hostile: the one
//! metadata validation on every way in, service exports that keep their
//! shape whatever the values, and nothing from a file printed raw on a
//! terminal.

use crate::common::*;
use oauth_setup::export::connection_string::Mode;
use oauth_setup::export::service_env::{self, Service};
use oauth_setup::provider::SchemeKind;
use oauth_setup::settings::{self, Document, Key, Meta, Secrets, Settings};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

const KEY: [u8; 32] = [7; 32];
const PASSPHRASE: &str = "tr0ub4dor-and-3-horses";

fn key_hex() -> String {
    KEY.iter().map(|b| format!("{b:02x}")).collect()
}

/// Strings that end lines or YAML scalars in some reader.
const HOSTILE: [&str; 8] = [
    "x\nHTTPS_PROXY: http://evil.example",
    "x\u{2028}HTTPS_PROXY: http://evil.example",
    "x\u{2029}HTTPS_PROXY: http://evil.example",
    "x\u{85}HTTPS_PROXY: http://evil.example",
    "x\"quoted\" 'single'",
    "x: y\n---\napiVersion: v1\nkind: ConfigMap",
    "x\r\n  OAUTH_SETUP_KEY: AAAA",
    "x\u{1b}]52;c;ZXZpbA==\u{7}",
];

fn meta() -> Meta {
    let mut m = Meta::new(
        "custom",
        "client_credentials",
        SchemeKind::ClientCredentials,
    );
    m.client_id = Some("app-1".into());
    m.endpoints.token_url = Some("https://id.example.com/token".into());
    m.token_type = Some("Bearer".into());
    m.scopes = vec!["openid".into()];
    m
}

fn secrets() -> Secrets {
    Secrets {
        access_token: Some(SecretString::from("at-hostile-1")),
        refresh_token: Some(SecretString::from("rt-hostile-1")),
        ..Secrets::default()
    }
}

/// A change made to sound metadata.
type Change = fn(&mut Meta);

/// Every way a hostile value could sit in the metadata.
fn hostile_metas(h: &str) -> Vec<Meta> {
    let changes: [&dyn Fn(&mut Meta); 7] = [
        &|m| m.provider = format!("custom{h}"),
        &|m| m.scheme = format!("client_credentials{h}"),
        &|m| m.token_type = Some(format!("Bearer{h}")),
        &|m| m.endpoints.token_url = Some(format!("https://id.example.com/t{h}")),
        &|m| m.client_id = Some(h.into()),
        &|m| m.granted_scopes = Some(vec![h.into()]),
        &|m| m.org_id = Some(h.into()),
    ];
    changes
        .iter()
        .map(|change| {
            let mut m = meta();
            change(&mut m);
            m
        })
        .collect()
}

/// A settings file as an oauth-setup without validation wrote it: the
/// metadata sealed under the key as it is, whatever it holds.
fn write_legacy(path: &Path, meta: &Meta) {
    let key = Key::from_bytes(KEY);
    let doc = Document {
        meta: meta.clone(),
        secrets: settings::seal(&key, meta, &secrets()),
    };
    std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    set_mode(path, 0o600);
}

/// All YAML documents in `text`, parsed by PyYAML (a YAML 1.1 parser: the
/// strictest about line breaks) and returned as JSON.
pub(crate) fn yaml_docs(text: &str) -> Vec<Value> {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin.buffer)), default=str))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is installed (scripts/test.sh installs PyYAML)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "PyYAML is missing: `python3 -m pip install pyyaml` (scripts/test.sh does it)"
    );
    assert!(out.status.success(), "not YAML: {stderr}\n{text}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn b64(v: &Value) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("a string value"))
        .expect("base64");
    String::from_utf8(raw).unwrap()
}

/// The Secret in `text`: exactly one object, a Secret, with exactly `keys`.
#[track_caller]
fn one_secret(text: &str, keys: &[&str]) -> Value {
    let docs: Vec<Value> = yaml_docs(text)
        .into_iter()
        .filter(|d| !d.is_null())
        .collect();
    assert_eq!(docs.len(), 1, "exactly one object:\n{text}");
    let d = &docs[0];
    let top: BTreeSet<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        top,
        BTreeSet::from(["apiVersion", "kind", "metadata", "type", "data"]),
        "{text}"
    );
    assert_eq!(d["kind"], "Secret");
    assert_eq!(d["metadata"].as_object().unwrap().len(), 1, "{text}");
    let data: BTreeSet<&str> = d["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(data, keys.iter().copied().collect(), "{text}");
    d.clone()
}

#[test]
fn k8s_secret_keeps_its_shape_whatever_the_metadata() {
    let key = Key::from_bytes(KEY);
    for h in HOSTILE {
        // The connection string carries the hostile value too.
        let cs = format!("OAuthAccessToken={h};");
        let service = Service {
            settings: service_env::K8S_SETTINGS_PATH,
            vault_addr: None,
            connection_string: Some((&cs, Mode::Token)),
        };
        for meta in hostile_metas(h) {
            let s = Settings::new(meta.clone(), secrets());
            // The settings file's own text carries the same values.
            let file = serde_json::to_string_pretty(&meta).unwrap();
            for k in [Some(&key), None] {
                let text =
                    service_env::k8s_render(&s, Some(&file), &service, "oauth-setup-x", k).unwrap();
                let mut keys = vec![
                    "settings.json",
                    "OAUTH_SETUP_SETTINGS",
                    "OAUTH_SETUP_CONNECTION_STRING",
                ];
                if k.is_some() {
                    keys.push("OAUTH_SETUP_KEY");
                }
                let d = one_secret(&text, &keys);
                assert_eq!(d["metadata"]["name"], "oauth-setup-x");
                assert_eq!(b64(&d["data"]["settings.json"]), file, "{h:?}");
                assert_eq!(
                    b64(&d["data"]["OAUTH_SETUP_SETTINGS"]),
                    service_env::K8S_SETTINGS_PATH
                );
                assert_eq!(b64(&d["data"]["OAUTH_SETUP_CONNECTION_STRING"]), cs);
                assert!(!text.contains('\u{1b}'));
            }
            // The checked path refuses what the emitter would carry safely.
            if oauth_setup::text::has_unsafe(h) {
                let refused =
                    service_env::k8s_text(&s, Some(&file), &service, "oauth-setup-x", None);
                assert!(refused.is_err(), "{h:?} passed validation");
            }
        }
    }
}

#[test]
fn k8s_names_keys_and_paths_are_checked() {
    let s = Settings::new(meta(), secrets());
    let abs = Path::new("/etc/oauth-setup/settings.json");
    let render = |target: &Path, name: &str| {
        let service = Service {
            settings: target.to_str().unwrap(),
            vault_addr: None,
            connection_string: Some(("InitiateOAuth=OFF;", Mode::Token)),
        };
        service_env::k8s_render(&s, Some("{}"), &service, name, None)
    };
    assert!(render(abs, "Bad Name").is_err());
    assert!(render(abs, "x\ny").is_err());
    assert!(render(Path::new("settings.json"), "ok").is_err());
    assert!(render(Path::new("/etc/x/OAUTH_SETUP_KEY"), "ok").is_err());
    assert!(render(Path::new("/etc/x\n/settings.json"), "ok").is_err());
    one_secret(
        &render(abs, "ok").unwrap(),
        &[
            "settings.json",
            "OAUTH_SETUP_SETTINGS",
            "OAUTH_SETUP_CONNECTION_STRING",
        ],
    );
}

fn export_args<'a>(settings: &'a str, format: &'a str) -> Vec<&'a str> {
    vec!["export", "--settings", settings, "--format", format]
}

#[test]
fn service_exports_refuse_a_file_with_hostile_metadata() {
    let user = User::new();
    let k = key_hex();
    let env = [("OAUTH_SETUP_KEY", k.as_str())];
    let path = user.path("legacy.json");
    let p = path.to_str().unwrap();
    for meta in hostile_metas(HOSTILE[1]) {
        write_legacy(&path, &meta);
        for format in ["k8s-secret", "env"] {
            let out = user.run_env(&export_args(p, format), &env);
            assert_eq!(out.code, 3, "{format}: {out:#?}");
            assert!(out.stdout.is_empty(), "{format}: {out:#?}");
            assert!(out.stderr.contains("cannot be exported"), "{out:#?}");
        }
    }
    // A sound file exports to exactly one Secret.
    write_legacy(&path, &meta());
    let out = user
        .run_env(
            &[&export_args(p, "k8s-secret")[..], &["--include-secrets"]].concat(),
            &env,
        )
        .ok();
    let d = one_secret(
        &out.stdout,
        // A custom provider has no CData connector: no string.
        &["settings.json", "OAUTH_SETUP_SETTINGS", "OAUTH_SETUP_KEY"],
    );
    assert_eq!(
        b64(&d["data"]["settings.json"]),
        std::fs::read_to_string(&path).unwrap()
    );
}

#[test]
fn status_prints_no_escape_from_a_file() {
    let user = User::new();
    let k = key_hex();
    let path = user.path("legacy.json");
    let mut m = meta();
    m.endpoints.token_url = Some("https://id.example.com/\u{1b}]52;c;ZXZpbA==\u{7}".into());
    m.granted_scopes = Some(vec!["read\u{1b}[2J\u{1b}]0;owned\u{7}".into()]);
    m.scopes = vec!["openid\u{9b}31m".into()];
    m.client_id = Some("app\u{202E}1".into());
    write_legacy(&path, &m);
    let out = user
        .run_env(
            &["status", "--settings", path.to_str().unwrap()],
            &[("OAUTH_SETUP_KEY", &k)],
        )
        .ok();
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202E}'] {
        assert!(!out.stdout.contains(bad), "{bad:?} in {:?}", out.stdout);
        assert!(!out.stderr.contains(bad), "{bad:?} in {:?}", out.stderr);
    }
    assert!(out.stdout.contains("read [2J ]0;owned"), "{}", out.stdout);
}

/// A bundle as a hostile exporter makes it: any metadata, sealed with the
/// passphrase (cheap work factor: the content is under test).
fn hostile_bundle(user: &User, meta: &Meta) -> std::path::PathBuf {
    let doc = json!({
        "format": "oauth-setup-bundle",
        "version": 1,
        "exported_at": 0,
        "meta": meta,
        "secrets": {"access_token": "at-1", "refresh_token": "rt-1"},
    });
    let mut r = age::scrypt::Recipient::new(age::secrecy::SecretString::from(PASSPHRASE));
    r.set_work_factor(4);
    let armored = age::encrypt_and_armor(&r, doc.to_string().as_bytes()).unwrap();
    let path = user.path("hostile.age");
    std::fs::write(&path, armored).unwrap();
    path
}

#[test]
fn import_refuses_a_bundle_that_a_login_would_refuse() {
    let user = User::new();
    let target = user.path("imported.json");
    let cases: [(&str, Change); 7] = [
        // Invisible characters: a scope or name that only looks like another.
        ("`scopes`", |m| m.scopes = vec!["hubdb\u{200B}".into()]),
        ("`client_id`", |m| {
            m.client_id = Some("app\u{FEFF}-1".into())
        }),
        ("`account.name`", |m| {
            m.account = Some(oauth_setup::settings::Account {
                name: Some("Admin\u{E0041}\u{E007F}".into()),
                ..Default::default()
            })
        }),
        ("use https", |m| {
            m.endpoints.token_url = Some("http://evil.example/token".into())
        }),
        ("`provider`", |m| {
            m.provider = "custom\nOAUTH_SETUP_KEY=x".into()
        }),
        ("token type", |m| m.token_type = Some("Bearer\nX: y".into())),
        ("`scopes`", |m| m.scopes = vec!["a\u{2028}b".into()]),
    ];
    for (said, change) in cases {
        let mut m = meta();
        change(&mut m);
        let bundle = hostile_bundle(&user, &m);
        let out = user.run_env(
            &[
                "import",
                bundle.to_str().unwrap(),
                "--settings",
                target.to_str().unwrap(),
            ],
            &[("OAUTH_SETUP_PASSPHRASE", PASSPHRASE)],
        );
        assert_eq!(out.code, 3, "{out:#?}");
        assert!(out.stderr.contains(said), "{said}: {out:#?}");
        assert!(out.stderr.contains("nothing was written"), "{out:#?}");
        assert!(!out.stderr.contains('\n') || out.stderr.lines().count() < 4);
        assert!(!target.exists(), "{said}: a file was written");
    }
    // The same bundle with sound metadata imports.
    let bundle = hostile_bundle(&user, &meta());
    user.run_env(
        &[
            "import",
            bundle.to_str().unwrap(),
            "--settings",
            target.to_str().unwrap(),
        ],
        &[("OAUTH_SETUP_PASSPHRASE", PASSPHRASE)],
    )
    .ok();
}
