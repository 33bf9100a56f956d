//! Event Temple's org header is optional (the seed: "many endpoints",
//! "optionally include"): `login` without `--org-id` signs in, sends no
//! `X-API-ORG`, says what that means and lists the organizations.

use crate::common::{User, event_temple_server, settings_of};

fn login(user: &User, url: &str, settings: &str, org: Option<&str>) -> crate::common::Out {
    let base = format!("api_base={url}");
    let mut args = vec![
        "login",
        "eventtemple",
        "--client-id",
        "et-client",
        "--var",
        &base,
        "--settings",
        settings,
    ];
    if let Some(org) = org {
        args.extend(["--org-id", org]);
    }
    user.run_env(&args, &[("OAUTH_SETUP_CLIENT_SECRET", "et-secret")])
}

#[test]
fn without_an_org_signs_in_sends_no_org_header_and_lists_the_organizations() {
    let server = event_temple_server();
    let user = User::new();
    let path = user.path("et.json");
    let s = path.to_str().unwrap();
    let out = login(&user, &server.url, s, None).ok();
    let saved = settings_of(&user, &path);
    assert_eq!(saved.meta.org_id, None);
    assert!(
        !saved.meta.extra_headers.contains_key("X-API-ORG"),
        "{:?}",
        saved.meta.extra_headers
    );
    let token = &server.requests()[0];
    assert_eq!(token.url, "/oauth/token");
    assert_eq!(token.header("X-API-ORG"), None);
    // Said once, plainly, with the way to add one.
    assert_eq!(
        out.stderr.matches("No organization given").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--org-id ID"), "{}", out.stderr);
    // The organizations, read from the server with the new token.
    assert!(out.stderr.contains("  11  Hotel North"), "{}", out.stderr);
    assert!(out.stderr.contains("  12  Hotel South"), "{}", out.stderr);
    let listed = server
        .requests()
        .into_iter()
        .find(|r| r.url == "/v2/organizations")
        .expect("the organizations were asked for");
    assert_eq!(listed.header("Authorization"), Some("Bearer et-token"));
    assert_eq!(listed.header("X-API-ORG"), None);
    // The command printed to list them again works without an org.
    let again = out
        .stderr
        .lines()
        .find_map(|l| l.split_once("List them again with:"))
        .map(|(_, cmd)| cmd.trim().to_string())
        .expect("a command to list them again");
    let words: Vec<&str> = again.split_whitespace().collect();
    assert_eq!(words[..2], ["oauth-setup", "api"], "{again}");
    let api = user.run(&words[1..]).ok();
    assert!(api.stdout.contains("Hotel South"), "{}", api.stdout);
    // `test` calls /v2/bookings, which needs the org: it says so, no call.
    let test = user.run(&["test", "--settings", s]);
    assert_ne!(test.code, 0, "{test:#?}");
    assert!(
        test.stderr.contains("`X-API-ORG` header needs a value"),
        "{}",
        test.stderr
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.url.starts_with("/v2/bookings"))
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("X-API-ORG").is_none()),
        "no call carried an org"
    );
}

#[test]
fn with_an_org_the_header_is_sent_and_nothing_is_listed() {
    let server = event_temple_server();
    let user = User::new();
    let path = user.path("et.json");
    let s = path.to_str().unwrap();
    let out = login(&user, &server.url, s, Some("12")).ok();
    assert!(
        !out.stderr.contains("No organization given"),
        "{}",
        out.stderr
    );
    assert_eq!(server.requests()[0].header("X-API-ORG"), Some("12"));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.url != "/v2/organizations")
    );
    let saved = settings_of(&user, &path);
    assert_eq!(saved.meta.org_id.as_deref(), Some("12"));
    assert_eq!(saved.meta.extra_headers["X-API-ORG"], "12");
    let api = user.run(&["api", "--settings", s, "/v2/bookings"]).ok();
    assert_eq!(api.stdout.trim(), r#"{"data":[]}"#);
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("X-API-ORG"), Some("12"));
}
