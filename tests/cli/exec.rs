//! `exec`: a program run with a valid token, none of our secrets, its own
//! exit status, and our signals.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn signed_in(user: &User) -> String {
    let s = user.path("exec.json");
    user.login_code(Idp::shared(&[]), &s).ok();
    s.to_str().unwrap().to_string()
}

#[test]
fn the_program_gets_the_token_and_none_of_our_secrets() {
    let user = User::new();
    let s = signed_in(&user);
    let token = user.run(&["token", "--settings", &s]).ok().stdout;
    let dump = user.path("env.txt");
    let script = format!("env > '{}'; exit 7", dump.display());
    let out = user.run_env(
        &["exec", "--settings", &s, "--", "sh", "-c", &script],
        &[
            ("OAUTH_SETUP_CLIENT_SECRET", "cs-should-not-pass"),
            ("OAUTH_SETUP_PASSWORD", "pw-should-not-pass"),
            ("OAUTH_SETUP_PASSPHRASE", "pp-should-not-pass"),
            ("OAUTH_SETUP_TOKEN", "tk-should-not-pass"),
        ],
    );
    assert_eq!(out.code, 7, "the program's exit status: {out:#?}");
    let env = std::fs::read_to_string(&dump).unwrap();
    let line = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    };
    assert_eq!(line("OAUTH_ACCESS_TOKEN").as_deref(), Some(token.trim()));
    assert_eq!(line("OAUTH_TOKEN_TYPE").as_deref(), Some("Bearer"));
    assert!(line("OAUTH_EXPIRES_AT").unwrap().parse::<i64>().unwrap() > 0);
    assert!(
        !env.contains("OAUTH_SETUP_"),
        "our variables leaked:\n{env}"
    );
    assert!(!env.contains("should-not-pass"), "a secret leaked:\n{env}");
}

#[test]
fn another_variable_name_missing_program_and_bad_names() {
    let user = User::new();
    let s = signed_in(&user);
    let out = user.run(&[
        "exec",
        "--settings",
        &s,
        "--env",
        "API_TOKEN",
        "--",
        "sh",
        "-c",
        "test -n \"$API_TOKEN\" && test -z \"$OAUTH_ACCESS_TOKEN\"",
    ]);
    assert_eq!(out.code, 0, "{out:#?}");

    let out = user.run(&["exec", "--settings", &s, "--", "/no/such/program"]);
    assert_eq!(out.code, 127, "{out:#?}");
    assert!(
        out.stderr.contains("cannot run `/no/such/program`"),
        "{}",
        out.stderr
    );

    let out = user.run(&["exec", "--settings", &s, "--env", "1BAD", "--", "true"]);
    assert_eq!(out.code, 2, "{out:#?}");

    let out = user.run(&["exec", "--settings", &s]);
    assert_eq!(out.code, 2, "no program: {out:#?}");
}

#[test]
fn sigterm_reaches_the_program() {
    let user = User::new();
    let s = signed_in(&user);
    let mut child = user
        .cmd()
        .args([
            "exec",
            "--settings",
            &s,
            "--",
            "sh",
            "-c",
            "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(42),
        "the program's trap ran: {status:?}"
    );
}

#[test]
fn event_temple_programs_get_the_api_base_and_org() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => (
            200,
            "application/json",
            r#"{"access_token":"et-exec-token","token_type":"Bearer","expires_in":7200}"#.into(),
        ),
        u if u.starts_with("/v2/bookings")
            && r.header("Authorization") == Some("Bearer et-exec-token")
            && r.header("X-API-ORG") == Some("org-42") =>
        {
            (200, "application/vnd.api+json", r#"{"data":[]}"#.into())
        }
        _ => (401, "application/vnd.api+json", r#"{"errors":[]}"#.into()),
    });
    let user = User::new();
    let s = user.path("et.json");
    let s = s.to_str().unwrap();
    user.login_event_temple(&server.url, "org-42", s).ok();
    let out = user
        .run(&[
            "exec",
            "--settings",
            s,
            "--",
            "sh",
            "-c",
            "printf '%s|%s|%s|%s' \"$OAUTH_ACCESS_TOKEN\" \"$OAUTH_API_BASE\" \"$OAUTH_ORG_ID\" \"$OAUTH_HEADER_X_API_ORG\"",
        ])
        .ok();
    let base = server.url.trim_end_matches('/');
    assert_eq!(out.stdout, format!("et-exec-token|{base}|org-42|org-42"));
}

#[test]
fn token_header_feeds_curl() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => (
            200,
            "application/json",
            r#"{"access_token":"et-hdr-token","token_type":"bearer","expires_in":7200}"#.into(),
        ),
        "/v2/bookings"
            if r.header("Authorization") == Some("Bearer et-hdr-token")
                && r.header("X-API-ORG") == Some("org-7") =>
        {
            (200, "application/json", r#"{"data":["ok"]}"#.into())
        }
        _ => (401, "application/json", "{}".into()),
    });
    let user = User::new();
    let s = user.path("et.json");
    let s = s.to_str().unwrap();
    user.login_event_temple(&server.url, "org-7", s).ok();
    let headers = user
        .run(&["token", "--header", "--settings", s])
        .ok()
        .stdout;
    assert_eq!(
        headers,
        "Authorization: Bearer et-hdr-token\nX-API-ORG: org-7\n"
    );
    // What a person would do with it: curl reads the headers from stdin.
    let url = format!("{}/v2/bookings", server.url.trim_end_matches('/'));
    let mut curl = std::process::Command::new("curl")
        .args(["-sS", "-f", "-H", "@-", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl");
    use std::io::Write;
    curl.stdin
        .take()
        .unwrap()
        .write_all(headers.as_bytes())
        .unwrap();
    let out = curl.wait_with_output().unwrap();
    assert!(out.status.success(), "the API accepted the headers");
    assert_eq!(String::from_utf8_lossy(&out.stdout), r#"{"data":["ok"]}"#);
}
