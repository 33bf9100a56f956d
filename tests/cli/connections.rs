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
