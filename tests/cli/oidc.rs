//! The CLI against a standards-compliant OpenID provider (oauth2-mock-server):
//! code flow through `$BROWSER`, client credentials, refresh with rotation,
//! and the ways a sign-in can fail.

use crate::common::*;

#[test]
fn code_flow_then_token_status_connection_string() {
    let idp = Idp::start(&["--rotate"]);
    let user = User::new();
    let settings = user.path("custom.json");
    let s = settings.to_str().unwrap();
    let out = user.login_code(&idp, s).ok();
    let v = out.json();
    assert_eq!(v["provider"], "custom");
    assert_eq!(v["valid"], true);
    assert_eq!(v["has_refresh_token"], true);
    assert!(
        out.stderr.contains("code_challenge_method=S256"),
        "{}",
        out.stderr
    );

    let token = user
        .run(&["token", "--settings", s])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(
        token.split('.').count(),
        3,
        "a JWT from the server: {token}"
    );
    // A second call uses the cached token: no new token request.
    let again = user
        .run(&["token", "--settings", s])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(token, again);
    assert_eq!(idp.requests().len(), 1, "{:?}", idp.requests());

    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert_eq!(
        status["scopes"],
        serde_json::json!(["openid", "offline_access"])
    );
    assert!(status["expires_in"].as_i64().unwrap() > 3000);

    // With no test URL given, the provider's userinfo endpoint is the test.
    let tested = user.run(&["test", "--settings", s]).ok().stdout;
    assert!(tested.starts_with("OK: HTTP 200"), "{tested}");

    // `custom` has no CData connector: a plain pointer to the other ways.
    let cs = user.run(&["connection-string", "--settings", s]);
    assert_eq!(cs.code, 2, "{cs:#?}");
    assert!(cs.stderr.contains("exec"), "{}", cs.stderr);

    // The file is 0600 and holds no token in clear; the log holds none either.
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&settings).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let raw = std::fs::read_to_string(&settings).unwrap();
    assert_no_secret("settings file", &raw, &[&token]);
    let log = std::fs::read_to_string(user.log_file()).unwrap_or_default();
    assert!(!log.is_empty(), "RUST_LOG=trace writes a log");
    // reqwest logs through the `log` crate: its records are bridged in too.
    assert!(
        log.contains("reqwest::"),
        "log records reach the file: {log}"
    );
    assert_no_secret("log file", &log, &[&token]);
    assert_no_secret("status", &status.to_string(), &[&token]);
}

#[test]
fn cdata_style_fixed_callback_port() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    // Pick a free port the way a user picks the one they registered.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cb = format!("http://localhost:{port}");
    let s = user.path("s.json");
    let out = user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app",
        "--callback-url",
        &cb,
        "--settings",
        s.to_str().unwrap(),
    ]);
    let out = out.ok();
    assert!(
        out.stderr
            .contains(&format!("redirect_uri=http%3A%2F%2Flocalhost%3A{port}&")),
        "{}",
        out.stderr
    );
    // The fixed callback is kept (clear metadata), for the next sign-in.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    assert_eq!(doc["callback_url"], cb, "{doc}");
}

#[test]
fn client_credentials_secret_from_env_and_wrong_secret() {
    let idp = Idp::start(&["--client-secret", "s3cret-value-1"]);
    let user = User::new();
    let settings = user.path("cc.json");
    let s = settings.to_str().unwrap();
    let args = [
        "login",
        "custom",
        "--scheme",
        "client_credentials",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "svc",
        "--scopes",
        "api.read",
        "--settings",
        s,
    ];
    let out = user
        .run_env(&args, &[("OAUTH_SETUP_CLIENT_SECRET", "s3cret-value-1")])
        .ok();
    assert!(out.stderr.contains("Settings written"), "{}", out.stderr);
    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert_eq!(status["has_client_secret"], true);
    assert_eq!(status["kind"], "client_credentials");
    let token = user.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(token.trim().split('.').count(), 3);
    let before = std::fs::read(&settings).unwrap();

    // A wrong secret: clear error, exit 5, the good file untouched.
    // (--force: over the good connection, so the sign-in is tried.)
    let forced = [args.as_slice(), &["--force"]].concat();
    let bad = user.run_env(&forced, &[("OAUTH_SETUP_CLIENT_SECRET", "wrong-secret")]);
    assert_eq!(bad.code, 5, "{bad:#?}");
    assert!(bad.stderr.contains("invalid_client"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("Check the client id and client secret"),
        "{}",
        bad.stderr
    );
    assert_eq!(std::fs::read(&settings).unwrap(), before);

    // The secret from a file and from stdin work too; never from argv.
    let secret_file = user.path("secret.txt");
    std::fs::write(&secret_file, "s3cret-value-1\n").unwrap();
    let mut with_file = args.to_vec();
    with_file.extend([
        "--client-secret-file",
        secret_file.to_str().unwrap(),
        "--force",
    ]);
    user.run(&with_file).ok();
    let mut with_stdin = args.to_vec();
    with_stdin.extend(["--client-secret-stdin", "--force"]);
    user.run_stdin(&with_stdin, "s3cret-value-1\n").ok();
    let help = user.run(&["login", "--help"]).ok().stdout;
    assert!(
        !help.contains("--client-secret "),
        "no secret-valued flag: {help}"
    );

    let log = std::fs::read_to_string(user.log_file()).unwrap_or_default();
    assert_no_secret("log file", &log, &["s3cret-value-1", token.trim()]);
}

#[test]
fn expired_token_refreshes_with_rotation() {
    // Tokens arrive expired (expires_in 0): every `token` call renews.
    let idp = Idp::start(&["--rotate", "--ttl", "0"]);
    let user = User::new();
    let settings = user.path("r.json");
    let s = settings.to_str().unwrap();
    user.login_code(&idp, s).ok();
    for _ in 0..3 {
        let t = user.run(&["token", "--settings", s]).ok().stdout;
        assert_eq!(t.trim().split('.').count(), 3);
    }
    let grants: Vec<_> = idp.requests();
    assert_eq!(
        grants,
        vec![
            ("authorization_code".to_string(), "ok".to_string()),
            ("refresh_token".into(), "ok".into()),
            ("refresh_token".into(), "ok".into()),
            ("refresh_token".into(), "ok".into()),
        ]
    );
    assert!(settings.with_extension("json.lock").exists());
}

#[test]
fn revoked_refresh_token_says_which_command_to_run() {
    let idp = Idp::shared(&["--rotate", "--ttl", "0"]);
    let user = User::new();
    let settings = user.path("r.json");
    let s = settings.to_str().unwrap();
    user.login_code(idp, s).ok();
    // A copy of the file keeps the refresh token the next renewal rotates away.
    let stale = user.path("stale.json");
    std::fs::copy(&settings, &stale).unwrap();
    user.run(&["token", "--settings", s]).ok();
    let out = user.run(&["token", "--settings", stale.to_str().unwrap()]);
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(
        out.stderr.contains("no longer accepts the refresh token"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("oauth-setup login custom --scheme authorization_code"),
        "{}",
        out.stderr
    );
    // Nothing was destroyed: the stale file still opens.
    user.run(&["status", "--settings", stale.to_str().unwrap()])
        .ok();
}

#[test]
fn denied_consent_is_a_clear_error_and_writes_nothing() {
    let idp = Idp::shared(&["--deny"]);
    let user = User::new();
    let settings = user.path("d.json");
    let out = user.login_code(idp, settings.to_str().unwrap());
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr.contains(
            "ended by a request to the local callback address with error \"access_denied\""
        ),
        "{}",
        out.stderr
    );
    assert!(!settings.exists());
}

#[test]
fn no_callback_before_timeout() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let out = user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app",
        "--no-browser",
        "--timeout",
        "1",
        "--settings",
        user.path("t.json").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stderr.contains("Open this URL in a browser"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("no answer from the browser within 1 s"),
        "{}",
        out.stderr
    );
}

#[test]
fn forged_callback_does_not_end_the_flow() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    // This "browser" opens the one-time start link, sends a callback with
    // another state, then signs in at the URL the link redirected to.
    let script = user.path("forging-browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\n{FOLLOW_PAGE}(\nloc=$(curl -sS -o /dev/null -w '%{{redirect_url}}' \"$1\")\nredirect=$(printf '%s' \"$loc\" | sed -n 's/.*redirect_uri=\\([^&]*\\).*/\\1/p' | sed 's/%3A/:/g; s/%2F/\\//g')\ncurl -sS -o /dev/null \"$redirect?code=forged&state=not-yours\"; curl -sS -o /dev/null \"$redirect?error=access_denied&state=not-yours\"; curl -sS -L -o /dev/null \"$loc\"\n) >/dev/null 2>&1 &\n"),
    )
    .unwrap();
    set_mode(&script, 0o755);
    let s = user.path("f.json");
    let out = user.run_env(
        &[
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app",
            "--settings",
            s.to_str().unwrap(),
        ],
        &[("BROWSER", script.to_str().unwrap())],
    );
    out.ok();
    let log = std::fs::read_to_string(user.log_file()).unwrap();
    assert!(log.contains("ignored a callback request"), "{log}");
}

#[test]
fn settings_file_problems_are_specific() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let settings = user.path("k.json");
    let s = settings.to_str().unwrap();
    user.login_code(idp, s).ok();
    let good = std::fs::read(&settings).unwrap();

    let other_key = "00".repeat(32);
    let out = user.run_env(
        &["token", "--settings", s],
        &[("OAUTH_SETUP_KEY", &other_key)],
    );
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("another key"), "{}", out.stderr);

    // Logging in over a file this key cannot read is refused; the file stays.
    let out = user.run_env(
        &[
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app",
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_KEY", &other_key)],
    );
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(std::fs::read(&settings).unwrap(), good);

    let mut flipped = good.clone();
    let pos = flipped.len() - 10;
    flipped[pos] ^= 0x01;
    std::fs::write(&settings, &flipped).unwrap();
    let out = user.run(&["token", "--settings", s]);
    assert_eq!(out.code, 3, "{out:#?}");

    std::fs::write(&settings, &good[..good.len() / 2]).unwrap();
    let out = user.run(&["status", "--settings", s]);
    assert_eq!(out.code, 3, "{out:#?}");

    let out = user.run(&[
        "token",
        "--settings",
        user.path("missing.json").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("oauth-setup login"), "{}", out.stderr);
}

/// The browser's page waits for the token exchange: with a client secret
/// the server refuses, the login fails and the page the browser got says
/// the sign-in did not finish (and never "Signed in"); with the right one
/// it says "Signed in".
#[test]
fn the_browser_page_tells_how_the_token_exchange_ended() {
    let idp = Idp::start(&["--client-secret", "right-secret-1"]);
    for (secret, code, page_says) in [
        ("wrong-secret-1", 5, "Sign-in not finished"),
        ("right-secret-1", 0, "Signed in"),
    ] {
        let user = User::new();
        let page = user.path("page.html");
        // This "browser" follows the one-time link and the consent redirect
        // like a real one, and keeps the page it ends on.
        let script = user.path("keeping-browser.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n{FOLLOW_PAGE}(curl -sS -L -o '{0}.part' \"$1\" && mv '{0}.part' '{0}') >/dev/null 2>&1 &\n",
                page.display()
            ),
        )
        .unwrap();
        set_mode(&script, 0o755);
        let settings = user.path("x.json");
        let out = user.run_env(
            &[
                "login",
                "custom",
                "--issuer",
                &idp.issuer,
                "--client-id",
                "app-1",
                "--settings",
                settings.to_str().unwrap(),
            ],
            &[
                ("BROWSER", script.to_str().unwrap()),
                ("OAUTH_SETUP_CLIENT_SECRET", secret),
            ],
        );
        assert_eq!(out.code, code, "{out:#?}");
        let start = std::time::Instant::now();
        while !page.exists() && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let html = std::fs::read_to_string(&page).expect("the browser got a page");
        assert!(html.contains(page_says), "{secret}: {html}");
        if code != 0 {
            assert!(!html.contains("<h1>Signed in"), "{html}");
            assert!(out.stderr.contains("invalid_client"), "{}", out.stderr);
            assert!(!settings.exists());
        }
        assert!(!html.contains(secret), "the page echoes input: {html}");
    }
}

/// A confidential client run without its secret: the server refuses the
/// client only after the browser; the error says no secret was given and
/// how to give one. With a wrong secret, no such claim.
#[test]
fn a_confidential_client_without_a_secret_is_told_how_to_give_it() {
    let idp = Idp::start(&["--client-secret", "right-secret-1", "--confidential"]);
    let user = User::new();
    let settings = user.path("c.json");
    let out = user.login_code(&idp, &settings);
    assert_eq!(out.code, 5, "{out:#?}");
    for want in [
        "invalid_client",
        "no client secret was given",
        "OAUTH_SETUP_CLIENT_SECRET",
        "--client-secret-file",
        "--client-secret-stdin",
    ] {
        assert!(out.stderr.contains(want), "no {want:?} in {}", out.stderr);
    }
    assert!(!settings.exists());

    let wrong = user.run_env(
        &[
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--settings",
            settings.to_str().unwrap(),
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "wrong-secret-1")],
    );
    assert_eq!(wrong.code, 5, "{wrong:#?}");
    assert!(wrong.stderr.contains("invalid_client"), "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("no client secret was given"),
        "{}",
        wrong.stderr
    );
}
