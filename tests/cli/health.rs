//! Keeping grants alive and saying how they are: `renew` against a real
//! OpenID provider whose refresh tokens die when unused.

use crate::common::*;
use std::time::Duration;

/// A provider whose refresh tokens die after 4 s unused: renewing every
/// second keeps one grant alive well past that, while the same grant left
/// alone is refused, and says so.
#[test]
fn renew_keeps_a_grant_alive_across_its_idle_limit() {
    let idp = Idp::start(&["--rotate", "--refresh-idle", "4"]);
    let user = User::new();
    let (kept, idle) = ("kept", "idle");
    user.login_code(&idp, idle).ok();
    user.login_code(&idp, kept).ok();
    for _ in 0..6 {
        std::thread::sleep(Duration::from_secs(1));
        let out = user.run(&["renew", "--settings", kept]).ok();
        assert!(
            out.stdout
                .starts_with("kept: renewed; the access token is valid until"),
            "{}",
            out.stdout
        );
    }
    // Six seconds and more since either was signed in.
    let renewed = user.run(&["renew", "--settings", kept]);
    assert_eq!(renewed.code, 0, "kept alive: {renewed:#?}");
    let dead = user.run(&["renew", "--settings", idle]);
    assert_eq!(dead.code, 4, "{dead:#?}");
    assert!(
        dead.stderr.contains("expired due to inactivity"),
        "{}",
        dead.stderr
    );
    let outcomes: Vec<String> = idp
        .requests()
        .into_iter()
        .filter(|(g, _)| g == "refresh_token")
        .map(|(_, o)| o)
        .collect();
    assert_eq!(outcomes.iter().filter(|o| *o == "ok").count(), 7);
    assert_eq!(outcomes.last().map(String::as_str), Some("idle"));
    let status = user.run(&["status", "--settings", kept]).ok().stdout;
    assert!(status.contains("Last renewal:   ok,"), "{status}");
}

/// `--if-older-than` spares a fresh grant a token request; `--all` renews
/// what it can, skips with the reason what it cannot, and exits with the
/// first failure's code.
#[test]
fn renew_all_skips_with_reasons_and_if_older_than_spares_fresh_grants() {
    let idp = Idp::start(&[]);
    let api = TestServer::start(|_| (200, "application/json", "{}".into()));
    let user = User::new();
    let code = "code";
    user.login_code(&idp, code).ok();
    let fresh = user
        .run(&["renew", "--settings", code, "--if-older-than", "1h"])
        .ok();
    assert!(
        fresh
            .stdout
            .contains("skipped: renewed just now (--if-older-than 1h)"),
        "{}",
        fresh.stdout
    );
    let sent = |idp: &Idp| {
        idp.requests()
            .iter()
            .filter(|(g, _)| g == "refresh_token")
            .count()
    };
    assert_eq!(sent(&idp), 0, "nothing sent for a fresh grant");

    // A static token, then a grant handed to a CData driver.
    let base = format!("api_base={}", api.url);
    user.run_env(
        &[
            "login",
            "hubdb",
            "--scheme",
            "private_app_token",
            "--var",
            &base,
            "--settings",
            "pat",
        ],
        &[("OAUTH_SETUP_TOKEN", "pat-na1-abc")],
    )
    .ok();
    let handed = "handed";
    crate::cdata::odata_login(&user, &idp, handed);
    user.run(&[
        "connection-string",
        "--settings",
        handed,
        "--mode",
        "handoff",
    ])
    .ok();
    let all = user.run(&["renew", "--all"]).ok();
    let line = |name: &str| {
        all.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no line for {name}: {}", all.stdout))
            .to_string()
    };
    assert!(line("code").contains(": renewed"), "{}", all.stdout);
    assert!(
        line("pat").contains("skipped: a static token"),
        "{}",
        all.stdout
    );
    assert!(
        line("handed").contains("skipped: its refresh token was handed to a CData driver"),
        "{}",
        all.stdout
    );
    assert_eq!(sent(&idp), 1, "only the renewable grant was renewed");

    // A refused grant: the others still renew; the exit code says sign in.
    idp.revoke_grant_of(
        &user,
        &oauth_setup::paths::settings_file(&user.config(), code),
    );
    let out = user.run(&["renew", "--all"]);
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(out.stderr.contains("code: "), "{}", out.stderr);
}
