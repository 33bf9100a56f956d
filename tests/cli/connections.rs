//! Connections you come back to: `list`, and `logout` that revokes at the
//! provider (RFC 7009) before it forgets.

use crate::common::*;

fn refreshes_ok(user: &User, s: &str) -> Out {
    // An expired-looking token forces a refresh grant through the file.
    user.run(&["token", "--settings", s])
}

#[test]
fn list_shows_each_connection_and_its_state() {
    let user = User::new();
    let empty = user.run(&["list"]).ok();
    assert!(empty.stdout.contains("No connections"), "{}", empty.stdout);
    let idp = Idp::shared(&[]);
    let dir = user.config().join("settings");
    user.login_code(idp, dir.join("crm.json")).ok();
    user.login_code(idp, dir.join("second.json")).ok();
    let text = user.run(&["list"]).ok().stdout;
    assert!(text.contains("crm") && text.contains("second"), "{text}");
    assert!(text.contains("valid for"), "{text}");
    let rows = user.run(&["list", "--json"]).ok().json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["name"], "crm");
    assert_eq!(rows[0]["provider"], "custom");
    assert!(rows[0]["token"].as_str().unwrap().starts_with("valid for"));
    assert_eq!(rows[0]["state"], "valid");
    assert_eq!(rows[0]["method"], "authorization_code");
    assert!(rows[0]["last_test"].is_null(), "{}", rows[0]);
    assert!(rows[0]["expires_at"].as_i64().is_some());
    assert!(
        rows[1]["location"]
            .as_str()
            .unwrap()
            .ends_with("second.json")
    );
}

#[test]
fn logout_revokes_the_grant_and_removes_every_file() {
    let idp = Idp::start(&["--ttl", "0"]);
    let user = User::new();
    let dir = user.config().join("settings");
    let path = dir.join("gone.json");
    let s = path.to_str().unwrap();
    user.login_code(&idp, &path).ok();
    // A renewal leaves a backup and a lock beside the file.
    refreshes_ok(&user, s).ok();
    assert!(dir.join("gone.json.bak").exists());
    let saved = user.path("copy.json");
    std::fs::copy(&path, &saved).unwrap();

    let out = user.run(&["logout", "--settings", "gone"]).ok();
    assert!(out.stderr.contains("Revoked at"), "{}", out.stderr);
    for leftover in ["gone.json", "gone.json.bak", "gone.json.lock"] {
        assert!(!dir.join(leftover).exists(), "{leftover} is still there");
    }
    // The grant is dead at the provider: the old refresh token is refused.
    let after = user.run(&["token", "--settings", saved.to_str().unwrap()]);
    assert_eq!(after.code, 4, "{after:#?}");
    assert!(after.stderr.contains("invalid_grant"), "{}", after.stderr);
}

#[test]
fn a_failed_revocation_keeps_the_file_unless_local_only() {
    let idp = Idp::start(&["--fail-revoke"]);
    let user = User::new();
    let path = user.path("kept.json");
    let s = path.to_str().unwrap();
    user.login_code(&idp, &path).ok();
    let out = user.run(&["logout", "--settings", s]);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(out.stderr.contains("is kept"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the revocation endpoint refused the request (HTTP 503)")
            && !out.stderr.contains("token endpoint"),
        "{}",
        out.stderr
    );
    assert!(path.exists(), "the only handle on a live grant is kept");
    let out = user.run(&["logout", "--settings", s, "--local-only"]).ok();
    assert!(out.stderr.contains("Not revoking"), "{}", out.stderr);
    assert!(!path.exists());
    let none = user.run(&["logout", "--settings", s]);
    assert_eq!(none.code, 3, "{none:#?}");
}

#[test]
fn a_bare_name_is_a_saved_connection_for_every_command() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--scopes",
        "openid offline_access",
        "--settings",
        "work",
    ])
    .ok();
    let file = user.config().join("settings").join("work.json");
    assert!(file.exists(), "the name became {}", file.display());
    let token = user.run(&["token", "--settings", "work"]).ok().stdout;
    assert_eq!(token.trim().split('.').count(), 3);
    let status = user
        .run(&["status", "--settings", "work", "--json"])
        .ok()
        .json();
    assert_eq!(status["settings"], file.to_str().unwrap());
    let out = user.run(&["exec", "--settings", "work", "--", "true"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(user.run(&["list"]).ok().stdout.contains("work"));
}

/// A server shaped like HubSpot's dated OAuth API (2026-03): the token and
/// revoke endpoints take the client id and secret in the form body, and
/// errors are HubSpot's `{message, correlationId, category}`. The revoke
/// endpoint is documented as revoking refresh tokens, so this one refuses
/// access tokens: the grant still ends, and logout must not keep the file
/// for that. `fail` makes the revocation itself fail.
fn hubspot(fail: bool) -> TestServer {
    use std::sync::{Arc, Mutex};
    let revoked: Arc<Mutex<Vec<String>>> = Arc::default();
    let error = |message: &str| {
        format!(
            r#"{{"message":"{message}","correlationId":"aeb5f871-7f07-4993-9211-075dc63e7cbf","category":"VALIDATION_ERROR"}}"#
        )
    };
    TestServer::start(move |r| {
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(r.body.as_bytes())
                .into_owned()
                .collect();
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        let client_ok = field("client_id") == "hs-client"
            && field("client_secret") == "hs-secret"
            && r.header("authorization").is_none();
        match r.url.as_str() {
            "/oauth/2026-03/token/revoke" if fail => {
                (500, "application/json", error("internal error, try again"))
            }
            "/oauth/2026-03/token/revoke" if !client_ok || field("token").is_empty() => (
                400,
                "application/json",
                error("missing client_id, client_secret or token"),
            ),
            "/oauth/2026-03/token/revoke" if field("token_type_hint") == "refresh_token" => {
                revoked.lock().unwrap().push(field("token").to_string());
                (200, "application/json", String::new())
            }
            "/oauth/2026-03/token/revoke" => (
                400,
                "application/json",
                error("only refresh tokens can be revoked"),
            ),
            "/oauth/2026-03/token"
                if client_ok
                    && field("grant_type") == "refresh_token"
                    && field("refresh_token") == "hs-refresh"
                    && !revoked.lock().unwrap().iter().any(|t| t == "hs-refresh") =>
            {
                (
                    200,
                    "application/json",
                    // Expired on arrival, so every `token` refreshes.
                    r#"{"access_token":"hs-access","refresh_token":"hs-refresh","token_type":"bearer","expires_in":0}"#
                        .into(),
                )
            }
            "/oauth/2026-03/token" => (400, "application/json", error("Invalid refresh token")),
            _ => (404, "application/json", error("not found")),
        }
    })
}

fn login_hubspot(user: &User, server: &TestServer, settings: &std::path::Path) -> Out {
    let base = format!("api_base={}", server.url);
    let mut c = user.cmd();
    c.env("OAUTH_SETUP_CLIENT_SECRET", "hs-secret")
        .args(["login", "hubdb", "--client-id", "hs-client", "--var", &base])
        .args(["--refresh-token-stdin", "--settings"])
        .arg(settings)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hs-refresh\n")
        .unwrap();
    Out::from(child.wait_with_output().unwrap())
}

#[test]
fn logout_revokes_at_hubspots_dated_endpoint_and_the_refresh_token_dies() {
    let server = hubspot(false);
    let user = User::new();
    let path = user.path("hubdb.json");
    let s = path.to_str().unwrap();
    login_hubspot(&user, &server, &path).ok();
    refreshes_ok(&user, s).ok();
    let saved = user.path("copy.json");
    std::fs::copy(&path, &saved).unwrap();

    let out = user.run(&["logout", "--settings", s]).ok();
    assert!(
        out.stderr.contains("Revoked at") && out.stderr.contains("/oauth/2026-03/token/revoke"),
        "{}",
        out.stderr
    );
    assert!(!path.exists());
    let revokes: Vec<Seen> = server
        .requests()
        .into_iter()
        .filter(|r| r.url.contains("revoke"))
        .collect();
    // The refresh token first (that ends the grant), in the body, never the query.
    assert_eq!(revokes[0].method, "POST");
    assert_eq!(revokes[0].url, "/oauth/2026-03/token/revoke");
    assert_eq!(
        revokes[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    for part in [
        "token=hs-refresh",
        "token_type_hint=refresh_token",
        "client_id=hs-client",
        "client_secret=hs-secret",
    ] {
        assert!(
            revokes[0].body.contains(part),
            "{part}: {}",
            revokes[0].body
        );
    }
    // The old copy's refresh token is refused now, in HubSpot's words.
    let after = user.run(&["token", "--settings", saved.to_str().unwrap()]);
    assert_ne!(after.code, 0, "{after:#?}");
    assert!(
        after.stderr.contains("Invalid refresh token"),
        "{}",
        after.stderr
    );
}

#[test]
fn a_failed_hubspot_revocation_keeps_the_file_and_the_grant() {
    let server = hubspot(true);
    let user = User::new();
    let path = user.path("hubdb.json");
    let s = path.to_str().unwrap();
    login_hubspot(&user, &server, &path).ok();
    let out = user.run(&["logout", "--settings", s]);
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(out.stderr.contains("is kept"), "{}", out.stderr);
    assert!(out.stderr.contains("internal error"), "{}", out.stderr);
    assert!(path.exists(), "the only handle on a live grant is kept");
    // The grant still works.
    refreshes_ok(&user, s).ok();
}

#[test]
fn list_says_when_a_grant_was_handed_off() {
    let server = hubspot(false);
    let user = User::new();
    let path = user.config().join("settings").join("hub.json");
    login_hubspot(&user, &server, &path).ok();
    let row = |user: &User| user.run(&["list", "--json"]).ok().json()[0].clone();
    assert_eq!(row(&user)["token"], "renewable");
    user.run(&[
        "connection-string",
        "--settings",
        "hub",
        "--mode",
        "handoff",
    ])
    .ok();
    let r = row(&user);
    assert_eq!(r["token"], "handed off", "{r}");
    assert!(r["handed_off_to"].is_string(), "{r}");
    assert!(user.run(&["list"]).ok().stdout.contains("handed off"));
}

/// A Cvent connection (client credentials, no revocation endpoint): logout
/// removes it and says there was no grant, never that one was revoked.
#[test]
fn logout_of_client_credentials_says_there_is_no_grant_to_revoke() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/ea/oauth2/token" => (
            200,
            "application/json",
            r#"{"access_token":"cv-at","token_type":"Bearer","expires_in":3600}"#.into(),
        ),
        _ => (404, "application/json", "{}".into()),
    });
    let user = User::new();
    let s = user.path("cvent.json");
    let host = format!("host={}", server.url);
    user.run_env(
        &[
            "login",
            "cvent",
            "--client-id",
            "cv",
            "--var",
            &host,
            "--settings",
            s.to_str().unwrap(),
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "cv-secret")],
    )
    .ok();
    let out = user
        .run(&["logout", "--settings", s.to_str().unwrap()])
        .ok();
    assert!(
        out.stderr.contains("There is no grant to revoke"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.to_lowercase().contains("revoked at"),
        "{}",
        out.stderr
    );
    assert!(!s.exists());
}
