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
    assert_eq!(server.requests().len(), sent, "nothing was sent");

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
