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

/// A provider that says its refresh tokens live a day: `status`, `list`,
/// `list --json`, `list --check` and the Prometheus gauges all carry that
/// deadline, and turn to "needs a sign-in" once the grant is refused.
#[test]
fn deadlines_reach_status_list_check_and_prometheus() {
    let idp = Idp::start(&["--refresh-expires-in", "86400"]);
    let user = User::new();
    user.login_code(&idp, "daily").ok();
    let now = oauth_setup::settings::now_unix();
    let list = user.run(&["list", "--json"]).ok().json();
    let grant = &list[0]["grant"];
    assert_eq!(grant["state"], "renewal_needed_before", "{list}");
    let deadline = grant["deadline"].as_i64().unwrap();
    assert!(
        (deadline - (now + 86_400)).abs() < 120,
        "{deadline} vs {now}"
    );
    assert!(
        grant["text"]
            .as_str()
            .unwrap()
            .starts_with("needs a renewal before "),
        "{grant}"
    );
    let status = user.run(&["status", "--settings", "daily"]).ok().stdout;
    assert!(
        status.contains("Grant:          needs a renewal before")
            && status.contains("as the token endpoint said"),
        "{status}"
    );
    let table = user.run(&["list"]).ok().stdout;
    assert!(table.contains("needs a renewal before"), "{table}");

    // Within a week: attention; within an hour: fine.
    let week = user.run(&["list", "--check"]);
    assert_eq!(week.code, 7, "{week:#?}");
    assert!(
        week.stdout.contains("daily: needs a renewal before")
            && week.stdout.contains("(within 7d)"),
        "{}",
        week.stdout
    );
    assert!(
        week.stderr.contains("1 of 1 connections need attention"),
        "{}",
        week.stderr
    );
    let hour = user.run(&["list", "--check", "--within", "1h"]).ok();
    assert!(
        hour.stdout
            .contains("All 1 connections are fine for the next 1h"),
        "{}",
        hour.stdout
    );

    let prom = user.run(&["list", "--format", "prometheus"]).ok().stdout;
    let series = format!(
        "oauth_setup_refresh_deadline_timestamp_seconds{{connection=\"daily\",provider=\"custom\",method=\"authorization_code\"}} {deadline}"
    );
    assert!(prom.contains(&series), "{prom}");
    assert!(
        prom.contains("# TYPE oauth_setup_needs_sign_in gauge"),
        "{prom}"
    );
    assert!(
        prom.contains("oauth_setup_needs_sign_in{connection=\"daily\",provider=\"custom\",method=\"authorization_code\"} 0"),
        "{prom}"
    );
    let secrets = settings_of(
        &user,
        &oauth_setup::paths::settings_file(&user.config(), "daily"),
    );
    use secrecy::ExposeSecret;
    assert_no_secret(
        "prometheus output",
        &prom,
        &[
            secrets
                .secrets
                .refresh_token
                .as_ref()
                .unwrap()
                .expose_secret(),
            secrets
                .secrets
                .access_token
                .as_ref()
                .unwrap()
                .expose_secret(),
        ],
    );

    refused_turns_every_view_to_sign_in(&user, &idp);
}

/// The grant refused: a sign-in is needed, whatever the window.
fn refused_turns_every_view_to_sign_in(user: &User, idp: &Idp) {
    idp.revoke_grant_of(
        user,
        &oauth_setup::paths::settings_file(&user.config(), "daily"),
    );
    assert_eq!(user.run(&["renew", "--settings", "daily"]).code, 4);
    let hour = user.run(&["list", "--check", "--within", "1h"]);
    assert_eq!(hour.code, 7, "{hour:#?}");
    assert!(
        hour.stdout
            .contains("daily: needs a sign-in: invalid_grant"),
        "{}",
        hour.stdout
    );
    let prom = user.run(&["list", "--format", "prometheus"]).ok().stdout;
    assert!(
        prom.contains("oauth_setup_needs_sign_in{connection=\"daily\",provider=\"custom\",method=\"authorization_code\"} 1"),
        "{prom}"
    );
    assert!(
        prom.contains("oauth_setup_last_renewal_failure_timestamp_seconds{connection=\"daily\""),
        "{prom}"
    );
}
