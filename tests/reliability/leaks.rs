//! No secret leaks: every command runs with RUST_LOG=trace (the harness sets
//! it); stdout, stderr and the log file are searched for every access token,
//! refresh token, id token, client secret and password. Process arguments
//! are read from /proc during a sign-in. File modes and symlinks at the CLI.

use crate::common::*;
use oauth_setup::settings::{self, KeySource, Settings};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CLIENT_SECRET: &str = "CS-leakcheck-7d1f0a9b3c";
const PASSWORD: &str = "PW-leakcheck-e4b8 &=?";

/// Every secret the file holds now (decrypted with the user's key).
fn secrets_of(user: &User, path: &Path) -> BTreeSet<String> {
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    let s: Settings = settings::read(path, &key).unwrap();
    let x = &s.secrets;
    [
        &x.access_token,
        &x.refresh_token,
        &x.id_token,
        &x.client_secret,
        &x.password,
        &x.static_token,
    ]
    .into_iter()
    .flatten()
    .map(|t: &SecretString| t.expose_secret().to_string())
    .collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// Checks one command's output: `allowed` may appear on stdout only.
#[track_caller]
fn check(what: &str, out: &Out, secrets: &BTreeSet<String>, allowed: &[&str]) {
    let all: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&format!("{what}: stderr"), &out.stderr, &all);
    let forbidden: Vec<&str> = all
        .iter()
        .copied()
        .filter(|s| !allowed.contains(s))
        .collect();
    assert_no_secret(&format!("{what}: stdout"), &out.stdout, &forbidden);
}

#[track_caller]
fn check_files(user: &User, path: &Path, secrets: &BTreeSet<String>) {
    let all: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let log = std::fs::read_to_string(user.log_file()).unwrap();
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "trace log");
    assert_no_secret("log file", &log, &all);
    for p in [path.to_path_buf(), settings::backup_path(path)] {
        if p.exists() {
            let raw = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            assert_no_secret(&p.display().to_string(), &raw, &all);
        }
    }
}

/// The cmdline of every process on the machine (our children included).
fn all_cmdlines() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name().into_string().unwrap_or_default();
        if name.bytes().all(|b| b.is_ascii_digit())
            && let Ok(raw) = std::fs::read(e.path().join("cmdline"))
        {
            out.push((name, String::from_utf8_lossy(&raw).replace('\0', " ")));
        }
    }
    out
}

#[test]
// Every command in turn against one sign-in: long, not deep.
#[allow(clippy::too_many_lines)]
fn code_flow_and_every_command_leak_nothing() {
    let idp = Idp::start(&["--rotate", "--ttl", "0", "--client-secret", CLIENT_SECRET]);
    let user = User::new();
    // A browser that only records what it was given; the test follows the
    // URL itself once it has looked at /proc.
    let browser = user.path("browser.sh");
    std::fs::write(
        &browser,
        "#!/bin/sh\nd=\"$(dirname \"$0\")\"\ntr '\\0' ' ' </proc/$$/cmdline >\"$d/browser.cmdline\"\nprintf '%s' \"$1\" >\"$d/url.tmp\" && mv \"$d/url.tmp\" \"$d/auth_url\"\n",
    )
    .unwrap();
    set_mode(&browser, 0o755);
    let path = user.path("conf").join("leak.json");
    let s = path.to_str().unwrap();
    let test_url = format!("{}/userinfo", idp.issuer);
    let login = user
        .cmd()
        .args([
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--test-url",
            &test_url,
            "--settings",
            s,
            "--json",
        ])
        .env("OAUTH_SETUP_CLIENT_SECRET", CLIENT_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url_file = user.path("auth_url");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !url_file.exists() {
        assert!(Instant::now() < deadline, "the browser was never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // While oauth-setup waits for the callback: no process has the secret
    // in its arguments; the browser got the authorize URL (no secret in it).
    let own = std::fs::read(format!("/proc/{}/cmdline", login.id())).unwrap();
    let own = String::from_utf8_lossy(&own).replace('\0', " ");
    assert!(own.contains("login custom"), "{own}");
    assert_no_secret("oauth-setup argv", &own, &[CLIENT_SECRET]);
    // (The test's own provider takes the secret as an argument: not ours.)
    for (pid, cmdline) in all_cmdlines()
        .into_iter()
        .filter(|(_, c)| !c.contains("tests/node/server.mjs"))
    {
        assert_no_secret(&format!("argv of pid {pid}"), &cmdline, &[CLIENT_SECRET]);
    }
    let auth_url = std::fs::read_to_string(&url_file).unwrap();
    let browser_argv = std::fs::read_to_string(user.path("browser.cmdline")).unwrap();
    assert!(browser_argv.contains(&auth_url), "{browser_argv}");
    // The browser gets a page only this user reads, which leads to the
    // one-time start link: neither the link nor state and challenge.
    assert!(auth_url.starts_with("file:///"), "{auth_url}");
    let auth_url = start_link_of(&auth_url);
    assert!(auth_url.contains("/start/"), "{auth_url}");
    assert!(!browser_argv.contains("/start/"), "{browser_argv}");
    assert!(!browser_argv.contains("code_challenge="), "{browser_argv}");
    assert_no_secret("browser argv", &browser_argv, &[CLIENT_SECRET]);

    let followed = std::process::Command::new("curl")
        .args(["-sS", "-L", "-o", "/dev/null", &auth_url])
        .status()
        .unwrap();
    assert!(followed.success());
    let out = Out::from(login.wait_with_output().unwrap()).ok();

    let mut seen = secrets_of(&user, &path);
    assert!(seen.contains(CLIENT_SECRET), "the client secret is stored");
    assert!(seen.len() >= 4, "access, refresh, id token, client secret");
    check("login", &out, &seen, &[]);

    // The login token arrives expired (expires_in 0): `token` renews (rotation),
    // so new secrets appear; the old ones must not leak either.
    for args in [
        &["token", "--settings", s][..],
        &["token", "--settings", s, "--json"],
        &["test", "--settings", s],
        &["test", "--settings", s, "--json"],
        &["status", "--settings", s],
        &["status", "--settings", s, "--json"],
        &["connection-string", "--settings", s],
        &["connection-string", "--settings", s, "--json"],
        &["connection-string", "--settings", s, "--include-secret"],
    ] {
        // `custom` has no CData connector: connection-string refuses (exit 2),
        // and must leak nothing while it does.
        let out = if args[0] == "connection-string" {
            let out = user.run(args);
            assert_eq!(out.code, 2, "{out:#?}");
            out
        } else {
            user.run(args).ok()
        };
        let now = secrets_of(&user, &path);
        seen.extend(now.iter().cloned());
        let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
            &user.config(),
        )))
        .unwrap();
        let access = settings::read(&path, &key)
            .unwrap()
            .secrets
            .access_token
            .unwrap()
            .expose_secret()
            .to_string();
        let allowed: Vec<&str> = match args[0] {
            "token" => {
                assert!(out.stdout.contains(&access), "token prints the token");
                vec![access.as_str()]
            }
            _ => vec![],
        };
        check(&args.join(" "), &out, &seen, &allowed);
    }
    let grants: Vec<String> = idp.requests().into_iter().map(|r| r.0).collect();
    assert!(
        grants.iter().filter(|g| *g == "refresh_token").count() >= 2,
        "renewals happened under trace logging: {grants:?}"
    );
    check_files(&user, &path, &seen);

    // Modes: settings dir created 0700, files 0600.
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(mode(&user.config()), 0o700);
    for p in [
        path.clone(),
        settings::backup_path(&path),
        settings::lock_path(&path),
        user.config().join("key"),
        user.log_file(),
    ] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[test]
fn client_credentials_and_password_signin_leak_nothing() {
    // Client credentials, secret from stdin.
    let idp = Idp::start(&["--ttl", "0", "--client-secret", CLIENT_SECRET]);
    let user = User::new();
    let cc = user.path("cc.json");
    let cc_s = cc.to_str().unwrap();
    let out = user
        .run_stdin(
            &[
                "login",
                "custom",
                "--scheme",
                "client_credentials",
                "--issuer",
                &idp.issuer,
                "--client-id",
                "svc",
                "--client-secret-stdin",
                "--settings",
                cc_s,
            ],
            &format!("{CLIENT_SECRET}\n"),
        )
        .ok();
    let mut seen = secrets_of(&user, &cc);
    check("cc login", &out, &seen, &[]);
    // Expired on arrival (expires_in 0): this renews with the stored client secret.
    let out = user.run(&["token", "--settings", cc_s]).ok();
    let token = out.stdout.trim().to_string();
    seen.extend(secrets_of(&user, &cc));
    check("cc token", &out, &seen, &[&token]);
    let out = user.run(&["status", "--settings", cc_s]).ok();
    check("cc status", &out, &seen, &[]);

    // InEvent sign-in with a stored password (form body, never a URL).
    let server = TestServer::start(|r| {
        if r.url.contains("action=person.signIn") {
            (
                200,
                "application/json",
                r#"{"count":1,"data":[{"tokenID":"IE-token-leakcheck-55","scope":"company","targetID":"1"}]}"#.into(),
            )
        } else if r.url.contains("tokenID=IE-token-leakcheck-55") {
            (200, "application/json", r#"{"count":1,"data":[{}]}"#.into())
        } else {
            (403, "text/plain", String::new())
        }
    });
    let ie = user.path("ie.json");
    let ie_s = ie.to_str().unwrap();
    let base = format!("base={}/", server.url);
    let out = user
        .run_env(
            &[
                "login",
                "inevent",
                "--username",
                "ana@example.com",
                "--store-password",
                "--var",
                &base,
                "--settings",
                ie_s,
            ],
            &[("OAUTH_SETUP_PASSWORD", PASSWORD)],
        )
        .ok();
    seen.extend(secrets_of(&user, &ie));
    assert!(seen.contains(PASSWORD), "the password is stored");
    check("inevent login", &out, &seen, &[]);
    for args in [
        &["token", "--settings", ie_s][..],
        &["test", "--settings", ie_s],
        &["status", "--settings", ie_s, "--json"],
        &["connection-string", "--settings", ie_s, "--include-secret"],
    ] {
        // InEvent has no CData connector: exit 2, nothing leaked.
        let out = user.run(args);
        let expected = if args[0] == "connection-string" { 2 } else { 0 };
        assert_eq!(out.code, expected, "{out:#?}");
        let allowed: &[&str] = if args[0] == "token" {
            &["IE-token-leakcheck-55"]
        } else {
            &[]
        };
        check(&args.join(" "), &out, &seen, allowed);
    }
    for req in server.requests() {
        assert!(!req.url.contains("PW-leakcheck"), "password in a URL");
    }
    check_files(&user, &cc, &seen);
    check_files(&user, &ie, &seen);
}

#[test]
fn loose_mode_fixed_and_symlink_refused_at_the_cli() {
    let idp = Idp::start(&[]);
    let user = User::new();
    let path = user.path("m.json");
    let s = path.to_str().unwrap();
    user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--settings",
        s,
    ])
    .ok();
    set_mode(&path, 0o644);
    let token = user.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(mode(&path), 0o600, "a looser mode is fixed on read");
    let log = std::fs::read_to_string(user.log_file()).unwrap();
    assert!(log.contains("setting mode 0600"), "and logged");

    // A symlink at the settings path: refused by every command, and login
    // does not write through it.
    let link = user.path("link.json");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let before = std::fs::read(&path).unwrap();
    let l = link.to_str().unwrap();
    for args in [
        &["token", "--settings", l][..],
        &["status", "--settings", l],
        &["connection-string", "--settings", l],
    ] {
        let out = user.run(args);
        assert_eq!(out.code, 3, "{args:?}: {out:#?}");
        assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
        assert_no_secret("symlink error", &out.stdout, &[token.trim()]);
    }
    let out = user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--settings",
        l,
        "--force",
    ]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before, "target untouched");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn debug_of_secret_holding_types_is_redacted() {
    use oauth_setup::oauth::code::AuthRequest;
    use oauth_setup::oauth::{ClientCredentials, TokenSet};
    use oauth_setup::signin::LoginInput;
    let sec = |s: &str| SecretString::from(s.to_string());
    let t = TokenSet {
        access_token: sec("DBG-access-1"),
        token_type: Some("Bearer".into()),
        expires_in: Some(60),
        refresh_expires_in: None,
        refresh_token: Some(sec("DBG-refresh-1")),
        id_token: Some(sec("DBG-id-1")),
        scope: None,
    };
    let input = LoginInput {
        profile_id: "custom".into(),
        client_secret: Some(sec("DBG-client-secret-1")),
        password: Some(sec("DBG-password-1")),
        static_token: Some(sec("DBG-static-1")),
        ..LoginInput::default()
    };
    let req = AuthRequest {
        url: "https://idp.example/authorize?state=x".into(),
        state: "x".into(),
        verifier: sec("DBG-verifier-1"),
        redirect_uri: "http://127.0.0.1:1/callback".into(),
    };
    let cc = ClientCredentials {
        client_id: "id".into(),
        client_secret: Some(sec("DBG-client-secret-2")),
        auth: Default::default(),
        key: None,
    };
    let all = format!("{t:?} {t:#?} {input:?} {input:#?} {req:?} {cc:?}");
    assert!(all.contains("Bearer") && all.contains("custom"), "{all}");
    assert_no_secret(
        "Debug output",
        &all,
        &[
            "DBG-access-1",
            "DBG-refresh-1",
            "DBG-id-1",
            "DBG-client-secret-1",
            "DBG-password-1",
            "DBG-static-1",
            "DBG-verifier-1",
            "DBG-client-secret-2",
        ],
    );
}
