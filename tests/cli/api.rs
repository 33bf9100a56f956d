//! `api`: the provider's API with the token, against a provider-shaped
//! Event Temple server.

use crate::common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// An Event Temple-shaped API: tokens `t1`, `t2`, … by client credentials;
/// `/v2/bookings` pages through `links.next`; `/v2/stale` refuses `t1`;
/// `/v2/busy` is a 429 with `Retry-After: 7`.
fn event_temple() -> TestServer {
    let issued = Arc::new(AtomicUsize::new(0));
    let reply = move |r: &Seen| -> Reply {
        let auth = r.header("Authorization").unwrap_or("").to_string();
        let org = r.header("X-API-ORG") == Some("org-9");
        match r.url.as_str() {
            "/oauth/token" => {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                (
                    200,
                    "application/json",
                    format!(r#"{{"access_token":"t{n}","token_type":"Bearer","expires_in":7200}}"#),
                )
            }
            _ if !org || !auth.starts_with("Bearer t") => (
                401,
                "application/json",
                r#"{"errors":[{"title":"Unauthorized"}]}"#.into(),
            ),
            "/v2/bookings" => (
                200,
                "application/vnd.api+json",
                r#"{"data":[1],"links":{"next":"/v2/bookings?page=2"}}"#.into(),
            ),
            "/v2/bookings?page=2" => (
                200,
                "application/vnd.api+json",
                r#"{"data":[2],"links":{"next":"/v2/bookings?page=3"}}"#.into(),
            ),
            "/v2/bookings?page=3" => (
                200,
                "application/vnd.api+json",
                r#"{"data":[3],"links":{}}"#.into(),
            ),
            "/v2/stale" if auth == "Bearer t1" => (
                401,
                "application/json",
                r#"{"errors":[{"title":"expired"}]}"#.into(),
            ),
            "/v2/stale" => (200, "application/json", r#"{"fresh":true}"#.into()),
            "/v2/always401" => (
                401,
                "application/json",
                r#"{"errors":[{"title":"nope"}]}"#.into(),
            ),
            "/v2/busy" => (
                429,
                "application/json",
                r#"{"errors":[{"title":"slow down"}]}"#.into(),
            ),
            "/v2/html" => (
                502,
                "text/html",
                "<html><body><h1>Bad gateway</h1></body></html>".into(),
            ),
            "/v2/echo" => (200, "application/json", r.body.clone()),
            _ => (
                404,
                "application/json",
                r#"{"errors":[{"title":"not found"}]}"#.into(),
            ),
        }
    };
    TestServer::start_with_headers(move |r| {
        let (status, ct, body) = reply(r);
        let headers = if status == 429 {
            vec![("Retry-After", "7".to_string())]
        } else {
            Vec::new()
        };
        (status, ct, body, headers)
    })
}

fn signed_in(user: &User, server: &TestServer) -> String {
    let s = user.path("et.json");
    user.login_event_temple(&server.url, "org-9", s.to_str().unwrap())
        .ok();
    s.to_str().unwrap().to_string()
}

fn tokens_issued(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.url == "/oauth/token")
        .count()
}

#[test]
fn paths_auth_and_pagination() {
    let server = event_temple();
    let user = User::new();
    let s = signed_in(&user, &server);
    let one = user.run(&["api", "--settings", &s, "/v2/bookings"]).ok();
    assert_eq!(
        one.stdout.trim(),
        r#"{"data":[1],"links":{"next":"/v2/bookings?page=2"}}"#
    );
    let all = user
        .run(&["api", "--settings", &s, "--paginate", "v2/bookings"])
        .ok();
    let pages: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(pages.len(), 3, "three pages: {}", all.stdout);
    assert!(pages[2].contains("[3]"));
    let echo = user
        .run(&[
            "api",
            "--settings",
            &s,
            "-X",
            "post",
            "--data",
            r#"{"a":1}"#,
            "/v2/echo",
        ])
        .ok();
    assert_eq!(echo.stdout.trim(), r#"{"a":1}"#);
    let last = server.requests().pop().unwrap();
    assert_eq!(last.method, "POST");
    assert_eq!(last.header("Content-Type"), Some("application/json"));
}

#[test]
fn a_401_renews_once_and_retries() {
    let server = event_temple();
    let user = User::new();
    let s = signed_in(&user, &server);
    let before = tokens_issued(&server);
    let out = user.run(&["api", "--settings", &s, "/v2/stale"]).ok();
    assert_eq!(out.stdout.trim(), r#"{"fresh":true}"#);
    assert_eq!(tokens_issued(&server) - before, 1, "one renewal");

    let before = tokens_issued(&server);
    let out = user.run(&["api", "--settings", &s, "/v2/always401"]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(
        tokens_issued(&server) - before,
        1,
        "renewed once, not in a loop"
    );
    assert!(out.stderr.contains("HTTP 401: nope"), "{}", out.stderr);
}

#[test]
fn refusals_are_clear_and_send_nothing() {
    let server = event_temple();
    let user = User::new();
    let s = signed_in(&user, &server);
    let sent = server.requests().len();
    let out = user.run(&["api", "--settings", &s, "https://evil.example/steal"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr
            .contains("refusing to send the token to evil.example"),
        "{}",
        out.stderr
    );
    // The API base and the test URL share the host: it is named once.
    let host = server.url.trim_start_matches("http://");
    assert_eq!(out.stderr.matches(host).count(), 1, "{}", out.stderr);
    let out = user.run(&[
        "api",
        "--settings",
        &s,
        "--data",
        "@/no/such/file",
        "/v2/echo",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr
            .contains("--data @/no/such/file: cannot read the file"),
        "{}",
        out.stderr
    );
    let out = user.run(&["api", "--settings", &s, "-H", "no colon", "/v2/echo"]);
    assert_eq!(out.code, 2, "{out:#?}");
    // Headers that would take the token to another virtual host or route,
    // or put a second credential (or another org) beside ours.
    for (header, says) in [
        (
            "Host: evil.example",
            "refusing the header `Host`: it would send the token to another host",
        ),
        ("host:127.0.0.1", "refusing the header `host`"),
        (
            "X-Forwarded-Host: evil.example",
            "refusing the header `X-Forwarded-Host`",
        ),
        (
            "Authorization: Bearer theirs",
            "refusing the header `Authorization`: the token is sent in `Authorization` already",
        ),
        (
            "X-API-ORG: org-1",
            "refusing the header `X-API-ORG`: this connection sends it itself",
        ),
    ] {
        let out = user.run(&["api", "--settings", &s, "-H", header, "/v2/echo"]);
        assert_eq!(out.code, 2, "{header}: {out:#?}");
        assert!(out.stderr.contains(says), "{header}: {}", out.stderr);
    }
    assert_eq!(server.requests().len(), sent, "nothing was sent");
    let ok = user.run(&[
        "api",
        "--settings",
        &s,
        "-H",
        "Accept: application/json",
        "/v2/echo",
    ]);
    ok.ok();

    let out = user.run(&["api", "--settings", &s, "/v2/busy"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("HTTP 429: slow down (Retry-After: 7)"),
        "{}",
        out.stderr
    );
    let out = user.run(&["api", "--settings", &s, "/v2/html"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("HTTP 502: an HTML error page"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("<html"), "{}", out.stdout);
}

/// An OData service whose authorization server forgot the grant: the API
/// answers 401 and the refresh is refused. `api` says a sign-in is needed
/// (exit 4, the recovery commands `token` prints), and so do `status` and
/// `list` afterwards, though the access token's clock has time left.
#[test]
fn a_401_and_a_refused_refresh_say_sign_in() {
    let idp = Idp::start(&[]);
    let api = TestServer::start(|_| {
        (
            401,
            "application/json",
            r#"{"error":{"code":"invalid_token","message":"invalid_token"}}"#.into(),
        )
    });
    let user = User::new();
    let settings = user.path("od.json");
    let s = settings.to_str().unwrap();
    let root = format!("{}/odata", api.url);
    user.run(&[
        "login",
        "odata",
        "--scheme",
        "desktop",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--service-root",
        &root,
        "--scopes",
        "openid offline_access",
        "--settings",
        s,
        "--json",
    ])
    .ok();
    idp.revoke_grant_of(&user, &settings);

    let out = user.run(&["api", "--settings", s, "Accounts"]);
    assert_eq!(out.code, 4, "a sign-in is needed: {out:#?}");
    assert!(
        out.stderr.contains("no longer accepts the refresh token"),
        "{}",
        out.stderr
    );
    let token = user.run(&["token", "--settings", s]);
    assert_eq!(token.code, 4, "{token:#?}");
    // The same recovery commands as `token` prints.
    let recovery = |text: &str| {
        text.lines()
            .filter(|l| l.contains("oauth-setup "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(!recovery(&out.stderr).is_empty(), "{}", out.stderr);
    assert_eq!(recovery(&out.stderr), recovery(&token.stderr));
    let refreshes = idp
        .requests()
        .iter()
        .filter(|(g, _)| g == "refresh_token")
        .count();
    assert_eq!(refreshes, 1, "`token` read the verdict, sent nothing");

    let status = user.run(&["status", "--settings", s]).ok().stdout;
    assert!(
        status.contains("needs sign-in: invalid_grant"),
        "not `valid for 59 min, renewable`: {status}"
    );
    let list = user.run(&["list", "--json"]).ok().json();
    assert_eq!(list[0]["state"], "needs_sign_in", "{list}");
}

/// `api` on a terminal shows bidi controls, line separators and invisible
/// characters escaped; a pipe gets the answer's bytes.
#[test]
fn a_terminal_sees_hidden_characters_escaped_a_pipe_gets_the_bytes() {
    let server = event_temple();
    let user = User::new();
    let s = signed_in(&user, &server);
    let body = "{\"name\":\"invoice\u{202E}fdp.exe\u{2028}x\u{200B}y\u{E0041}\"}";
    let data = user.path("body.json");
    std::fs::write(&data, body).unwrap();
    let at = format!("@{}", data.display());
    let piped = user
        .run(&["api", "--settings", &s, "--data", &at, "/v2/echo"])
        .ok();
    assert_eq!(piped.stdout.trim_end(), body);

    // The same call with stdout on a terminal (util-linux `script`).
    let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line = format!(
        "{} api --settings {} --data {} /v2/echo",
        q(bin()),
        q(&s),
        q(&at)
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", user.dir.path())
        .env("OAUTH_SETUP_CONFIG_DIR", user.config())
        .env("OAUTH_SETUP_LOG_FILE", user.log_file())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` gives the command a terminal");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for escaped in [r"\u{202E}", r"\u{2028}", r"\u{200B}", r"\u{E0041}"] {
        assert!(shown.contains(escaped), "{escaped} in {shown:?}");
    }
    for raw in ['\u{202E}', '\u{2028}', '\u{200B}', '\u{E0041}'] {
        assert!(
            !shown.contains(raw),
            "U+{:04X} reached the terminal",
            u32::from(raw)
        );
    }
}
