//! Hostile servers: token answers and discovery documents that try to
//! plant text, escapes or huge tokens, requests that would carry a secret
//! over plain http, and the paths the tool prints for later use.

use crate::common::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::path::Path;

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
    assert!(
        out.stderr.contains("is not one oauth-setup can use"),
        "{out:#?}"
    );
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
    let server =
        token_server(json!({"access_token": evil, "token_type": "Bearer", "expires_in": 3600}));
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
    let server =
        token_server(json!({"access_token": "a".repeat(900 * 1024), "token_type": "Bearer"}));
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
            server
                .requests()
                .iter()
                .all(|r| r.url.contains("well-known")),
            "a token request was sent"
        );
    }
}

#[test]
fn printed_paths_are_absolute_and_env_out_is_written() {
    let server =
        token_server(json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}));
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
    assert!(
        login.stderr.contains(&format!("Settings written to {abs}")),
        "{login:#?}"
    );
    assert!(
        login.stderr.contains(&format!("--settings {abs}")),
        "{login:#?}"
    );
    // (connection-string's paths: tests/cli/cdata.rs; `custom` has no
    // CData connector.)
    let status = run_in(&["status", "--settings", "rel.json", "--json"]).ok();
    assert_eq!(status.json()["settings"], abs);

    // env --out: written (0600), nothing on stdout, the path absolute.
    let out = run_in(&[
        "export",
        "--settings",
        "rel.json",
        "--format",
        "env",
        "--out",
        "svc.env",
    ])
    .ok();
    assert!(out.stdout.is_empty(), "{out:#?}");
    let env_file = dir.join("svc.env");
    assert!(out.stderr.contains(env_file.to_str().unwrap()), "{out:#?}");
    let text = std::fs::read_to_string(&env_file).unwrap();
    assert!(
        text.contains(&format!("OAUTH_SETUP_SETTINGS=\"{abs}\"")),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&env_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = run_in(&[
        "export",
        "--settings",
        "rel.json",
        "--format",
        "env",
        "--out",
        "svc.env",
    ]);
    assert_eq!(again.code, 2, "{again:#?}");
    assert!(again.stderr.contains("--force"), "{again:#?}");
    let onto_settings = run_in(&[
        "export",
        "--settings",
        "rel.json",
        "--format",
        "env",
        "--out",
        "rel.json",
        "--force",
    ]);
    assert_eq!(onto_settings.code, 2, "{onto_settings:#?}");
    // k8s: a relative target inside the container is refused.
    let k8s = run_in(&[
        "export",
        "--settings",
        "rel.json",
        "--format",
        "k8s-secret",
        "--target-path",
        "s.json",
    ]);
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
        key: None,
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

#[test]
fn an_entra_issuer_given_by_domain_says_to_use_the_tenant_id() {
    // Entra's metadata, asked under a domain, names the issuer by the
    // tenant's GUID (RFC 8414 §3.3 then refuses the document).
    const GUID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let server = TestServer::start(|r| {
        let base = r
            .header("Host")
            .map(|h| format!("http://{h}"))
            .unwrap_or_default();
        if r.url.ends_with("/.well-known/openid-configuration") {
            (
                200,
                "application/json",
                format!(
                    r#"{{"issuer":"{base}/{GUID}/v2.0","authorization_endpoint":"{base}/{GUID}/oauth2/v2.0/authorize","token_endpoint":"{base}/{GUID}/oauth2/v2.0/token","response_types_supported":["code"]}}"#
                ),
            )
        } else {
            (404, "text/plain", String::new())
        }
    });
    let user = User::new();
    let issuer = format!("{}/contoso.onmicrosoft.com/v2.0", server.url);
    let out = user.run(&[
        "login",
        "odata",
        "--scheme",
        "client_credentials",
        "--issuer",
        &issuer,
        "--client-id",
        "app",
        "--service-root",
        &format!("{}/api/data/v9.2", server.url),
    ]);
    assert_ne!(out.code, 0, "{out:#?}");
    let expected = format!("use --issuer {}/{GUID}/v2.0", server.url);
    assert!(
        out.stderr.contains("Directory (tenant) ID") && out.stderr.contains(&expected),
        "{}",
        out.stderr
    );
}
