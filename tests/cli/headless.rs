//! Machines without a browser: the paste flow (`auth-url` / `exchange`) and
//! the device flow against a small RFC 8628 server. Moving a sign-in between
//! machines (`export` / `import`) is in export.rs.

use crate::common::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Plays the browser for the paste flow: GET the authorization URL and
/// return where it redirects, without following it (nothing listens there).
fn authorize(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", url])
        .output()
        .unwrap();
    let redirect = String::from_utf8(out.stdout).unwrap();
    assert!(redirect.contains("state="), "no redirect: {redirect:?}");
    redirect
}

fn auth_url(user: &User, idp: &Idp, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "auth-url",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--scopes",
        "openid offline_access",
        "--callback-url",
        "http://localhost:33333",
        "--json",
    ];
    args.extend_from_slice(extra);
    user.run(&args).ok().json()
}

fn pending_files(user: &User) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(user.config().join("pending"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn paste_flow_end_to_end() {
    let idp = Idp::start(&["--rotate", "--ttl", "0"]);
    let server = User::new();
    let v = auth_url(&server, &idp, &[]);
    let url = v["url"].as_str().unwrap();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(
        url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A33333"),
        "{url}"
    );
    assert!(url.contains(&format!("state={}", v["state"].as_str().unwrap())));
    let expires_in = v["expires_at"].as_i64().unwrap() - now();
    assert!((590..=600).contains(&expires_in), "{expires_in}");

    // The pending state is sealed: neither the state nor the redirect URI in clear.
    let files = pending_files(&server);
    assert_eq!(files.len(), 1);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert_no_secret(
        "pending file",
        &raw,
        &[v["state"].as_str().unwrap(), "localhost"],
    );

    let redirect = authorize(url);
    assert!(redirect.starts_with("http://localhost:33333"), "{redirect}");
    let settings = server.path("s.json");
    let s = settings.to_str().unwrap();
    let out = server
        .run_stdin(
            &["exchange", "--settings", s, "--json"],
            &format!("{redirect}\n"),
        )
        .ok();
    let status = out.json();
    assert_eq!(status["provider"], "custom");
    assert_eq!(status["has_refresh_token"], true);
    assert!(
        pending_files(&server).is_empty(),
        "pending deleted on success"
    );

    // The same URL again: single use.
    let again = server.run_stdin(&["exchange", "--settings", s], &redirect);
    assert_eq!(again.code, 4, "{again:#?}");
    assert!(again.stderr.contains("auth-url"), "{}", again.stderr);

    // Tokens work and renew (they arrive expired: expires_in 0).
    let t1 = server.run(&["token", "--settings", s]).ok().stdout;
    let t2 = server.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(t2.trim().split('.').count(), 3);
    assert_eq!(
        idp.requests(),
        vec![
            ("authorization_code".to_string(), "ok".to_string()),
            ("refresh_token".into(), "ok".into()),
            ("refresh_token".into(), "ok".into()),
        ]
    );

    let code = redirect
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let log = std::fs::read_to_string(server.log_file()).unwrap_or_default();
    for (what, text) in [
        ("log", &log),
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
    ] {
        assert_no_secret(what, text, &[code, t1.trim(), t2.trim()]);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn paste_flow_with_verifier_and_state_flags() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let v = auth_url(&user, idp, &[]);
    let redirect = authorize(v["url"].as_str().unwrap());
    let q = url::Url::parse(&redirect).unwrap();
    let get = |k: &str| {
        q.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let s = user.path("v.json");
    user.run(&[
        "exchange",
        "--settings",
        s.to_str().unwrap(),
        "--verifier",
        &get("code"),
        "--state",
        &get("state"),
    ])
    .ok();
    user.run(&["token", "--settings", s.to_str().unwrap()]).ok();
}

#[test]
fn verifier_and_state_may_start_with_a_hyphen() {
    // Random base64url values start with `-` one time in 64: the flags
    // must take them as values, not as options.
    let user = User::new();
    let key = "11".repeat(32);
    let out = user.run_env(
        &[
            "exchange",
            "--settings",
            user.path("h.json").to_str().unwrap(),
            "--verifier",
            "-Ecode",
            "--state",
            "-Estate",
        ],
        &[("OAUTH_SETUP_KEY", key.as_str())],
    );
    assert!(
        !out.stderr.contains("unexpected argument"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("no sign-in started here"),
        "{}",
        out.stderr
    );
}

#[test]
fn paste_flow_url_from_another_attempt() {
    let idp = Idp::shared(&[]);
    let laptop = User::new();
    let server = User::new();
    let theirs = auth_url(&laptop, idp, &[]);
    auth_url(&server, idp, &[]);
    let redirect = authorize(theirs["url"].as_str().unwrap());
    let s = server.path("o.json");
    let out = server.run_stdin(&["exchange", "--settings", s.to_str().unwrap()], &redirect);
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(out.stderr.contains("another attempt"), "{}", out.stderr);
    assert!(
        out.stderr.contains("oauth-setup auth-url"),
        "{}",
        out.stderr
    );
    assert!(!s.exists());
    assert_eq!(
        pending_files(&server).len(),
        1,
        "the server's own attempt is kept"
    );

    // A state that was edited is no better.
    let ours = auth_url(&server, idp, &[]);
    let redirect = authorize(ours["url"].as_str().unwrap());
    let forged = redirect.replace("state=", "state=x");
    let out = server.run_stdin(&["exchange", "--settings", s.to_str().unwrap()], &forged);
    assert_eq!(out.code, 4, "{out:#?}");
    // Only the code, without state: a clear usage error.
    let out = server.run_stdin(
        &["exchange", "--settings", s.to_str().unwrap()],
        "http://localhost:33333/?code=abc",
    );
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("no `state`"), "{}", out.stderr);
    // Nothing on stdin.
    let out = server.run(&["exchange", "--settings", s.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("nothing was pasted"), "{}", out.stderr);
    assert!(!s.exists());
}

#[test]
fn paste_flow_expired_pending_state() {
    let idp = Idp::start(&[]);
    let user = User::new();
    let mut c = user.cmd();
    c.env("OAUTH_SETUP_PENDING_TTL", "1").args([
        "auth-url",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app",
        "--callback-url",
        "http://127.0.0.1:33333/cb",
        "--json",
    ]);
    let started = Out::from(c.output().unwrap()).ok();
    // The lifetime printed is the one sealed in (1 s, not "1 min") ...
    assert!(started.stderr.contains("(valid 1 s)"), "{}", started.stderr);
    let v = started.json();
    let redirect = authorize(v["url"].as_str().unwrap());
    std::thread::sleep(Duration::from_millis(2100));
    let s = user.path("e.json");
    // ... and `exchange`, run without the variable, explains the same one.
    let out = user.run_stdin(&["exchange", "--settings", s.to_str().unwrap()], &redirect);
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(out.stderr.contains("expired after 1 s."), "{}", out.stderr);
    assert!(
        out.stderr.contains("paste the result within 10 min"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("auth-url"), "{}", out.stderr);
    assert!(!s.exists());
    assert!(pending_files(&user).is_empty(), "expired state removed");
    assert!(idp.requests().is_empty(), "no code exchange attempted");
}

#[test]
fn paste_flow_access_denied() {
    let idp = Idp::shared(&["--deny"]);
    let user = User::new();
    let v = auth_url(&user, idp, &[]);
    let redirect = authorize(v["url"].as_str().unwrap());
    assert!(redirect.contains("error=access_denied"), "{redirect}");
    let s = user.path("d.json");
    let out = user.run_stdin(&["exchange", "--settings", s.to_str().unwrap()], &redirect);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr.contains("did not grant access: access_denied"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("auth-url"), "{}", out.stderr);
    assert!(!s.exists());
    assert!(pending_files(&user).is_empty());
}

#[test]
fn paste_flow_long_url_is_not_cut() {
    // A redirect URL well past the 4 KiB a terminal line holds, with the
    // real state at the end: it must arrive whole.
    let idp = Idp::shared(&[]);
    let user = User::new();
    let v = auth_url(&user, idp, &[]);
    let redirect = authorize(v["url"].as_str().unwrap());
    let long = redirect.replacen('?', &format!("?pad={}&", "p".repeat(9000)), 1);
    assert!(long.len() > 9000);
    let s = user.path("l.json");
    user.run_stdin(&["exchange", "--settings", s.to_str().unwrap()], &long)
        .ok();
    let too_long = format!("{long}&more={}", "m".repeat(8000));
    let out = user.run_stdin(&["exchange", "--settings", s.to_str().unwrap()], &too_long);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("16 KB"), "{}", out.stderr);
}

#[test]
fn auth_url_refuses_non_browser_schemes_and_missing_callback() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let out = user.run(&[
        "auth-url",
        "custom",
        "--scheme",
        "client_credentials",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app",
        "--callback-url",
        "http://localhost:1",
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stderr.contains("not a browser sign-in"),
        "{}",
        out.stderr
    );
    let out = user.run(&[
        "auth-url",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("--callback-url"), "{}", out.stderr);
    assert!(pending_files(&user).is_empty());
}

/// A small RFC 8628 server: `/device` hands out a code polled every second;
/// `/token` answers from `script` in order (the last answer repeats) and
/// records when each poll arrived.
struct DeviceServer {
    server: TestServer,
    polls: Arc<Mutex<Vec<Instant>>>,
}

impl DeviceServer {
    fn start(script: Vec<(u16, &'static str)>) -> DeviceServer {
        let polls = Arc::new(Mutex::new(Vec::new()));
        let log = polls.clone();
        let server = TestServer::start(move |req| {
            if req.url.starts_with("/device") {
                return (
                    200,
                    "application/json",
                    r#"{"device_code":"dev-code-1","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":60,"interval":1}"#.to_string(),
                );
            }
            let mut seen = log.lock().unwrap();
            seen.push(Instant::now());
            let (status, body) = script[(seen.len() - 1).min(script.len() - 1)];
            (status, "application/json", body.to_string())
        });
        DeviceServer { server, polls }
    }

    fn login(&self, user: &User, settings: &std::path::Path) -> Out {
        user.run(&[
            "login",
            "custom",
            "--scheme",
            "device_code",
            // The custom profile asks for an issuer even when both URLs are
            // given; with both given, no discovery is made.
            "--issuer",
            &self.server.url,
            "--device-url",
            &format!("{}/device", self.server.url),
            "--token-url",
            &format!("{}/token", self.server.url),
            "--client-id",
            "tv-app",
            "--scopes",
            "openid offline_access",
            "--settings",
            settings.to_str().unwrap(),
        ])
    }

    fn gaps(&self) -> Vec<Duration> {
        let p = self.polls.lock().unwrap();
        p.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

const PENDING: (u16, &str) = (400, r#"{"error":"authorization_pending"}"#);
const SUCCESS: (u16, &str) = (
    200,
    r#"{"access_token":"dev-at-secret-123","token_type":"Bearer","expires_in":3600,"refresh_token":"dev-rt-secret-456"}"#,
);

#[test]
fn device_flow_pending_then_success() {
    let srv = DeviceServer::start(vec![PENDING, PENDING, SUCCESS]);
    let user = User::new();
    let s = user.path("dev.json");
    let out = srv.login(&user, &s).ok();
    assert!(out.stderr.contains("WDJB-MJHT"), "{}", out.stderr);
    assert!(
        out.stderr.contains("https://example.com/device"),
        "{}",
        out.stderr
    );
    assert_eq!(srv.polls.lock().unwrap().len(), 3);
    for g in srv.gaps() {
        assert!(g >= Duration::from_millis(900), "polled too fast: {g:?}");
    }
    // The device code went to the token endpoint with the RFC 8628 grant.
    let reqs = srv.server.requests();
    let poll = reqs.iter().find(|r| r.url.starts_with("/token")).unwrap();
    assert!(
        poll.body.contains("device_code=dev-code-1"),
        "{}",
        poll.body
    );
    assert!(
        poll.body
            .contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"),
        "{}",
        poll.body
    );
    let token = user.run(&["token", "--settings", s.to_str().unwrap()]).ok();
    assert_eq!(token.stdout.trim(), "dev-at-secret-123");
    let log = std::fs::read_to_string(user.log_file()).unwrap_or_default();
    for (what, text) in [
        ("log", &log),
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
    ] {
        assert_no_secret(what, text, &["dev-at-secret-123", "dev-rt-secret-456"]);
    }
}

#[test]
fn device_flow_slow_down_adds_five_seconds() {
    let srv = DeviceServer::start(vec![PENDING, (400, r#"{"error":"slow_down"}"#), SUCCESS]);
    let user = User::new();
    srv.login(&user, &user.path("slow.json")).ok();
    let gaps = srv.gaps();
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(
        gaps[0] >= Duration::from_millis(900) && gaps[0] < Duration::from_secs(3),
        "{gaps:?}"
    );
    // interval 1 s + 5 s after slow_down (RFC 8628 §3.5).
    assert!(gaps[1] >= Duration::from_millis(5900), "{gaps:?}");
    assert!(gaps[1] < Duration::from_secs(9), "{gaps:?}");
}

#[test]
fn device_flow_expired_token() {
    let srv = DeviceServer::start(vec![PENDING, (400, r#"{"error":"expired_token"}"#)]);
    let user = User::new();
    let s = user.path("exp.json");
    let out = srv.login(&user, &s);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stderr
            .contains("the code expired before it was approved"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("run the command again"),
        "{}",
        out.stderr
    );
    assert!(!s.exists());
    assert_eq!(srv.polls.lock().unwrap().len(), 2, "stops polling");
}

#[test]
fn device_flow_access_denied() {
    let srv = DeviceServer::start(vec![(400, r#"{"error":"access_denied"}"#)]);
    let user = User::new();
    let s = user.path("den.json");
    let out = srv.login(&user, &s);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(out.stderr.contains("denied"), "{}", out.stderr);
    assert!(!s.exists());
    assert_eq!(srv.polls.lock().unwrap().len(), 1, "stops polling");
}
