//! What servers, bundles and old files send, treated as hostile: the one
//! metadata validation on every way in, the https rule on every request, the
//! service exports that keep their shape whatever the values, and nothing
//! from outside printed raw on a terminal.

use crate::common::*;
use oauth_setup::export::service_env;
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
    let mut m = Meta::new("custom", "client_credentials", SchemeKind::ClientCredentials);
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
fn yaml_docs(text: &str) -> Vec<Value> {
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
    let target = Path::new(service_env::K8S_SETTINGS_PATH);
    for h in HOSTILE {
        for meta in hostile_metas(h) {
            let s = Settings::new(meta.clone(), secrets());
            // The settings file's own text carries the same values.
            let file = serde_json::to_string_pretty(&meta).unwrap();
            for k in [Some(&key), None] {
                let text = service_env::k8s_render(&s, &file, target, "oauth-setup-x", k).unwrap();
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
                assert!(!text.contains('\u{1b}'));
            }
            // The checked path refuses what the emitter would carry safely.
            if oauth_setup::text::has_unsafe(h) {
                let refused = service_env::k8s_text(&s, &file, target, "oauth-setup-x", None);
                assert!(refused.is_err(), "{h:?} passed validation");
            }
        }
    }
}

#[test]
fn k8s_names_keys_and_paths_are_checked() {
    let s = Settings::new(meta(), secrets());
    let abs = Path::new("/etc/oauth-setup/settings.json");
    let render = |target: &Path, name: &str| service_env::k8s_render(&s, "{}", target, name, None);
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
        .run_env(&[&export_args(p, "k8s-secret")[..], &["--include-secrets"]].concat(), &env)
        .ok();
    let d = one_secret(
        &out.stdout,
        &[
            "settings.json",
            "OAUTH_SETUP_SETTINGS",
            "OAUTH_SETUP_CONNECTION_STRING",
            "OAUTH_SETUP_KEY",
        ],
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
    let cases: [(&str, &dyn Fn(&mut Meta)); 4] = [
        ("use https", &|m| {
            m.endpoints.token_url = Some("http://evil.example/token".into())
        }),
        ("`provider`", &|m| {
            m.provider = "custom\nOAUTH_SETUP_KEY=x".into()
        }),
        ("token type", &|m| m.token_type = Some("Bearer\nX: y".into())),
        ("`scopes`", &|m| m.scopes = vec!["a\u{2028}b".into()]),
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

/// `login custom` by client credentials against `server`'s /token.
fn login_cc(user: &User, server: &TestServer, settings: &Path) -> Out {
    let token_url = format!("{}/token", server.url);
    user.run_env(
        &[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            &token_url,
            "--client-id",
            "app-1",
            "--settings",
            settings.to_str().unwrap(),
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "cs-secret-1")],
    )
}

fn token_server(body: Value) -> TestServer {
    let body = body.to_string();
    TestServer::start(move |_| (200, "application/json", body.clone()))
}

#[test]
fn a_hostile_token_type_fails_the_login_clearly() {
    let server = token_server(json!({"access_token": "at-1", "token_type": "Bearer\nX: y"}));
    let user = User::new();
    let s = user.path("s.json");
    let out = login_cc(&user, &server, &s);
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(out.stderr.contains("token type"), "{out:#?}");
    assert!(out.stderr.contains("is not one oauth-setup can use"), "{out:#?}");
    assert!(!out.stderr.contains("Bearer\nX"), "{out:#?}");
    assert!(!s.exists());
    // A lower-case bearer is fine and stored normalised.
    let server = token_server(json!({"access_token": "at-1", "token_type": "bearer"}));
    login_cc(&user, &server, &s).ok();
    let out = user
        .run(&["token", "--settings", s.to_str().unwrap(), "--json"])
        .ok();
    assert_eq!(out.json()["token_type"], "Bearer");
}

#[test]
fn token_refuses_to_print_a_token_with_escapes() {
    let evil = "\u{1b}]52;c;ZXZpbA==\u{7}at";
    let server = token_server(json!({"access_token": evil, "token_type": "Bearer", "expires_in": 3600}));
    let user = User::new();
    let s = user.path("s.json");
    login_cc(&user, &server, &s).ok();
    for extra in [&[][..], &["--json"][..]] {
        let out = user.run(&[&["token", "--settings", s.to_str().unwrap()][..], extra].concat());
        assert_eq!(out.code, 1, "{out:#?}");
        assert!(out.stderr.contains("refusing to print it"), "{out:#?}");
        assert!(!out.stdout.contains('\u{1b}') && !out.stderr.contains('\u{1b}'));
    }
}

#[test]
fn a_900_kb_token_is_refused_at_the_response() {
    let server = token_server(json!({"access_token": "a".repeat(900 * 1024), "token_type": "Bearer"}));
    let user = User::new();
    let s = user.path("s.json");
    let out = login_cc(&user, &server, &s);
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(out.stderr.contains("900 KiB"), "{out:#?}");
    assert!(out.stderr.contains("at most 256 KiB"), "{out:#?}");
    assert!(!s.exists(), "a settings file was written");
}

#[test]
fn discovery_with_escapes_or_plain_http_is_refused() {
    let bad_docs = [
        ("token_endpoint", "http://127.0.0.1:1/\u{1b}]0;owned\u{7}"),
        ("token_endpoint", "http://evil.example/token"),
        ("scopes_supported", "openid\u{2028}x"),
    ];
    for (field, value) in bad_docs {
        let server = TestServer::start(move |r| {
            let issuer = format!("http://{}", r.header("Host").unwrap_or_default());
            let mut doc = json!({
                "issuer": issuer,
                "token_endpoint": format!("{issuer}/token"),
            });
            doc[field] = if field == "scopes_supported" {
                json!([value])
            } else {
                json!(value)
            };
            (200, "application/json", doc.to_string())
        });
        let user = User::new();
        let s = user.path("s.json");
        let out = user.run_env(
            &[
                "login",
                "custom",
                "--scheme",
                "client_credentials",
                "--issuer",
                &server.url,
                "--client-id",
                "app-1",
                "--settings",
                s.to_str().unwrap(),
            ],
            &[("OAUTH_SETUP_CLIENT_SECRET", "cs-secret-1")],
        );
        assert_ne!(out.code, 0, "{field}: {out:#?}");
        assert!(out.stderr.contains("is refused"), "{field}: {out:#?}");
        assert!(!out.stderr.contains('\u{1b}'), "{out:#?}");
        assert!(!s.exists());
        assert!(
            server.requests().iter().all(|r| r.url.contains("well-known")),
            "a token request was sent"
        );
    }
}

#[test]
fn printed_paths_are_absolute_and_env_out_is_written() {
    let server = token_server(json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}));
    let user = User::new();
    let dir = user.dir.path().canonicalize().unwrap();
    let run_in = |args: &[&str]| {
        let mut c = user.cmd();
        c.current_dir(&dir)
            .env("OAUTH_SETUP_CLIENT_SECRET", "cs-secret-1");
        Out::from(c.args(args).output().unwrap())
    };
    let token_url = format!("{}/token", server.url);
    let login = run_in(&[
        "login",
        "custom",
        "--scheme",
        "client_credentials",
        "--token-url",
        &token_url,
        "--client-id",
        "app-1",
        "--settings",
        "rel.json",
    ])
    .ok();
    let abs = dir.join("rel.json");
    let abs = abs.to_str().unwrap();
    assert!(login.stderr.contains(&format!("Settings written to {abs}")), "{login:#?}");
    assert!(login.stderr.contains(&format!("--settings {abs}")), "{login:#?}");
    let cs = run_in(&["connection-string", "--settings", "rel.json"]).ok();
    assert!(
        cs.stdout.contains(&format!("OAuthSettingsLocation={abs};")),
        "{}",
        cs.stdout
    );
    let status = run_in(&["status", "--settings", "rel.json", "--json"]).ok();
    assert_eq!(status.json()["settings"], abs);

    // env --out: written (0600), nothing on stdout, the path absolute.
    let out = run_in(&["export", "--settings", "rel.json", "--format", "env", "--out", "svc.env"]).ok();
    assert!(out.stdout.is_empty(), "{out:#?}");
    let env_file = dir.join("svc.env");
    assert!(out.stderr.contains(env_file.to_str().unwrap()), "{out:#?}");
    let text = std::fs::read_to_string(&env_file).unwrap();
    assert!(text.contains(&format!("OAUTH_SETUP_SETTINGS=\"{abs}\"")), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&env_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = run_in(&["export", "--settings", "rel.json", "--format", "env", "--out", "svc.env"]);
    assert_eq!(again.code, 2, "{again:#?}");
    assert!(again.stderr.contains("--force"), "{again:#?}");
    let onto_settings =
        run_in(&["export", "--settings", "rel.json", "--format", "env", "--out", "rel.json", "--force"]);
    assert_eq!(onto_settings.code, 2, "{onto_settings:#?}");
    // k8s: a relative target inside the container is refused.
    let k8s = run_in(&["export", "--settings", "rel.json", "--format", "k8s-secret", "--target-path", "s.json"]);
    assert_eq!(k8s.code, 2, "{k8s:#?}");
    assert!(k8s.stderr.contains("not absolute"), "{k8s:#?}");
}

#[tokio::test]
async fn secrets_never_go_to_plain_http_off_loopback() {
    // 0.0.0.0 is not loopback, but Linux connects it to this machine: the
    // server below sees anything that would have been sent, and nothing
    // leaves the machine even if the rule failed.
    let server = token_server(json!({"access_token": "at-1", "token_type": "Bearer"}));
    let port = server.url.rsplit(':').next().unwrap().to_string();
    let insecure = format!("http://0.0.0.0:{port}/token");
    let http = oauth_setup::http::client();
    let client = oauth_setup::oauth::ClientCredentials {
        client_id: "app-1".into(),
        client_secret: Some(SecretString::from("cs-secret-1")),
        auth: oauth_setup::provider::ClientAuth::Basic,
    };
    let started = std::time::Instant::now();
    // What the wizard's organization lookup asks first: a token by client
    // credentials at the URL the form holds.
    let e = oauth_setup::oauth::client_credentials::run(
        &http,
        &insecure,
        &client,
        &[],
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("use https"), "{e}");
    let lookup = oauth_setup::provider::Lookup {
        field: oauth_setup::provider::Field::OrgId,
        url: String::new(),
        headers: Default::default(),
        items_pointer: "/data".into(),
        value_pointer: "/id".into(),
        label_pointer: "/name".into(),
    };
    let e = oauth_setup::probe::lookup(
        &http,
        &lookup,
        &format!("http://0.0.0.0:{port}/orgs"),
        &Default::default(),
        &SecretString::from("at-1"),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("use https"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(server.requests().is_empty(), "a request reached the server");
}
