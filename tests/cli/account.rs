//! What a connection remembers about itself: who signed in (ID-token claims,
//! else OpenID userinfo), kept through renewals, and the last test.

use crate::common::*;

fn status(user: &User, s: &str) -> serde_json::Value {
    user.run(&["status", "--settings", s, "--json"]).ok().json()
}

#[test]
fn who_signed_in_comes_from_the_id_token_and_survives_renewals() {
    let idp = Idp::start(&[
        "--email",
        "jane@example.test",
        "--user-name",
        "Jane Doe",
        "--ttl",
        "0",
    ]);
    let user = User::new();
    let path = user.path("crm.json");
    let s = path.to_str().unwrap();
    let login = user.login_code(&idp, &path).ok().json();
    assert_eq!(login["account"]["email"], "jane@example.test");
    assert_eq!(login["account"]["name"], "Jane Doe");
    assert_eq!(login["account"]["sub"], "johndoe");
    // In the clear metadata: `list` shows it without the key's help.
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(raw["account"]["email"], "jane@example.test");
    let text = user.run(&["list"]).ok().stdout;
    assert!(text.contains("jane@example.test"), "{text}");
    assert!(
        user.run(&["status", "--settings", s])
            .ok()
            .stdout
            .contains("Signed in as:   jane@example.test")
    );
    // Tokens arrive expired: each `token` renews, and the account stays.
    user.run(&["token", "--settings", s]).ok();
    assert_eq!(status(&user, s)["account"]["email"], "jane@example.test");
    assert_eq!(
        idp.requests()
            .iter()
            .filter(|(g, _)| g == "refresh_token")
            .count(),
        1
    );
}

#[test]
fn without_an_id_token_userinfo_says_who_and_renewals_keep_it() {
    let idp = Idp::start(&["--email", "ops@example.test", "--no-id-token", "--ttl", "0"]);
    let user = User::new();
    let path = user.path("ops.json");
    let s = path.to_str().unwrap();
    let login = user.login_code(&idp, &path).ok().json();
    assert_eq!(login["account"]["email"], "ops@example.test");
    // A refresh answer without an ID token does not drop what is known.
    user.run(&["token", "--settings", s]).ok();
    assert_eq!(status(&user, s)["account"]["email"], "ops@example.test");
}

#[test]
fn a_failing_userinfo_does_not_fail_the_sign_in() {
    let idp = Idp::start(&["--no-id-token", "--fail-userinfo"]);
    let user = User::new();
    let login = user.login_code(&idp, user.path("x.json")).ok().json();
    assert!(login["account"].is_null(), "{login}");
    assert_eq!(login["has_refresh_token"], true);
}

#[test]
fn the_last_test_is_recorded_ok_or_failed_and_the_token_is_kept() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let refuse = Arc::new(AtomicBool::new(false));
    let r = refuse.clone();
    let server = TestServer::start(move |req| {
        if req.url.starts_with("/oauth/token") {
            return (
                200,
                "application/json",
                r#"{"access_token":"et-access","token_type":"Bearer","expires_in":7200}"#.into(),
            );
        }
        if r.load(Ordering::SeqCst) {
            (
                403,
                "application/vnd.api+json",
                r#"{"errors":[{"title":"Forbidden","detail":"not in this organization"}]}"#.into(),
            )
        } else {
            (
                200,
                "application/vnd.api+json",
                r#"{"data":[],"meta":{"total":0}}"#.into(),
            )
        }
    });
    let user = User::new();
    let path = user.path("et.json");
    let s = path.to_str().unwrap();
    user.login_event_temple(&server.url, "org-1", &path).ok();
    assert!(status(&user, s)["last_test"].is_null());
    let before = user.run(&["token", "--settings", s]).ok().stdout;

    user.run(&["test", "--settings", s]).ok();
    let t = &status(&user, s)["last_test"];
    assert_eq!(t["ok"], true, "{t}");
    assert!(
        t["summary"].as_str().unwrap().starts_with("HTTP 200"),
        "{t}"
    );
    let listed = user.run(&["list"]).ok().stdout;
    assert!(listed.contains("ok, just now"), "{listed}");

    refuse.store(true, Ordering::SeqCst);
    let out = user.run(&["test", "--settings", s]);
    assert_ne!(out.code, 0, "{out:#?}");
    let t = &status(&user, s)["last_test"];
    assert_eq!(t["ok"], false, "{t}");
    assert!(t["summary"].as_str().unwrap().contains("403"), "{t}");
    assert!(user.run(&["list"]).ok().stdout.contains("failed, just now"));
    // Only last_test changed: the same token, no new sign-in.
    assert_eq!(user.run(&["token", "--settings", s]).ok().stdout, before);
    let token_requests = server
        .requests()
        .iter()
        .filter(|r| r.url.starts_with("/oauth/token"))
        .count();
    assert_eq!(token_requests, 1);
}
