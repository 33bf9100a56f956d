//! Provider-specific request shapes against servers that answer as the
//! providers' docs say, and the token endpoint's bad answers.

use crate::common::*;
use base64::Engine;
use std::time::Duration;

fn token_json(token: &str, expires_in: i64) -> Reply {
    (
        200,
        "application/json",
        format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#),
    )
}

#[test]
fn cvent_client_credentials_basic_and_body_then_test() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/ea/oauth2/token" => token_json("cvent-access-token-123456", 3600),
        "/ea/token-validation"
            if r.header("Authorization") == Some("Bearer cvent-access-token-123456") =>
        {
            (200, "application/json", "{}".into())
        }
        _ => (
            401,
            "application/json",
            r#"{"code":"unauthorized","message":"bad token"}"#.into(),
        ),
    });
    let user = User::new();
    let s = user.path("cvent.json");
    let s = s.to_str().unwrap();
    let host = format!("host={}", server.url);
    user.run_env(
        &[
            "login",
            "cvent",
            "--client-id",
            "cv-client",
            "--var",
            &host,
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "cv-secret-value")],
    )
    .ok();
    let token_req = &server.requests()[0];
    assert_eq!(token_req.method, "POST");
    let basic = base64::engine::general_purpose::STANDARD.encode("cv-client:cv-secret-value");
    assert_eq!(
        token_req.header("Authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(
        token_req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    let form: Vec<(String, String)> = url::form_urlencoded::parse(token_req.body.as_bytes())
        .into_owned()
        .collect();
    assert!(form.contains(&("grant_type".into(), "client_credentials".into())));
    assert!(
        form.contains(&("client_id".into(), "cv-client".into())),
        "Cvent wants client_id in the body too"
    );
    let scope = &form.iter().find(|(k, _)| k == "scope").unwrap().1;
    assert!(
        scope.contains("event/attendees:read"),
        "connector preset by default: {scope}"
    );
    assert!(
        !token_req.body.contains("cv-secret-value"),
        "secret only in the Basic header"
    );

    let out = user.run(&["test", "--settings", s]).ok();
    assert!(out.stdout.starts_with("OK: HTTP 200"), "{}", out.stdout);
    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert_eq!(status["region"], "na");
}

#[test]
fn event_temple_json_body_and_org_header() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => token_json("et-token-abcdef", 7200),
        u if u.starts_with("/v2/bookings") => {
            if r.header("X-API-ORG") == Some("org-42")
                && r.header("Authorization") == Some("Bearer et-token-abcdef")
            {
                (200, "application/vnd.api+json", r#"{"data":[]}"#.into())
            } else {
                (
                    401,
                    "application/vnd.api+json",
                    r#"{"errors":[{"title":"Unauthorized","detail":"missing org"}]}"#.into(),
                )
            }
        }
        _ => (404, "text/plain", "no".into()),
    });
    let user = User::new();
    let s = user.path("et.json");
    let s = s.to_str().unwrap();
    let base = format!("api_base={}", server.url);
    user.run_env(
        &[
            "login",
            "eventtemple",
            "--client-id",
            "et-client",
            "--org-id",
            "org-42",
            "--var",
            &base,
            "--scopes",
            "crm_read crm_manage",
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "et-secret")],
    )
    .ok();
    let req = &server.requests()[0];
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    assert_eq!(req.header("X-API-ORG"), Some("org-42"));
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["grant_type"], "client_credentials");
    assert_eq!(body["client_id"], "et-client");
    assert_eq!(body["client_secret"], "et-secret");
    assert_eq!(body["scope"], "crm_read crm_manage");
    assert!(req.header("Authorization").is_none());
    user.run(&["test", "--settings", s]).ok();
    // Event Temple has no CData connector: no string, no secret.
    let cs = user.run(&["connection-string", "--settings", s, "--include-secrets"]);
    assert_eq!(cs.code, 2, "{cs:#?}");
    assert!(!cs.stdout.contains("et-secret") && !cs.stderr.contains("et-secret"));
}

#[test]
fn inevent_password_signin_event_scope() {
    let server = TestServer::start(|r| {
        let q: Vec<(String, String)> = url::Url::parse(&format!("http://x{}", r.url))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match get("action").as_deref() {
            Some("person.signIn") if r.body == "password=ev+pass%26word" && get("eventID").as_deref() == Some("77") => (
                200,
                "application/json",
                r#"{"count":1,"data":[{"tokenID":"inevent-token-xyz","scope":"event","targetID":"77"}]}"#.into(),
            ),
            Some("person.signIn") => (401, "text/plain", String::new()),
            Some("person.get") if get("tokenID").as_deref() == Some("inevent-token-xyz") => {
                (200, "application/json", r#"{"count":1,"data":[{}]}"#.into())
            }
            _ => (403, "text/plain", String::new()),
        }
    });
    let user = User::new();
    let s = user.path("ie.json");
    let s = s.to_str().unwrap();
    let base = format!("base={}/", server.url);
    let args = [
        "login",
        "inevent",
        "--scheme",
        "event",
        "--username",
        "ana@example.com",
        "--event-id",
        "77",
        "--var",
        &base,
        "--settings",
        s,
    ];
    let bad = user.run_env(&args, &[("OAUTH_SETUP_PASSWORD", "wrong")]);
    assert_eq!(bad.code, 5, "{bad:#?}");
    assert!(
        bad.stderr.contains("InEvent refused the sign-in (HTTP 401"),
        "{}",
        bad.stderr
    );
    user.run_env(&args, &[("OAUTH_SETUP_PASSWORD", "ev pass&word")])
        .ok();
    let req = server.requests().into_iter().last().unwrap();
    assert!(
        req.url.contains("action=person.signIn") && req.url.contains("username=ana%40example.com"),
        "{}",
        req.url
    );
    assert!(!req.url.contains("pass"), "password only in the body");
    assert_eq!(
        user.run(&["token", "--settings", s]).ok().stdout.trim(),
        "inevent-token-xyz"
    );
    user.run(&["test", "--settings", s]).ok();
}

#[test]
fn hubdb_static_token_validated_by_test_call() {
    let server = TestServer::start(|r| {
        if r.header("Authorization") == Some("Bearer pat-na1-good") {
            (
                200,
                "application/json",
                r#"{"total":3,"results":[]}"#.into(),
            )
        } else {
            (
                401,
                "application/json",
                r#"{"status":"error","message":"Authentication credentials not found","correlationId":"x","category":"INVALID_AUTHENTICATION"}"#.into(),
            )
        }
    });
    let user = User::new();
    let s = user.path("hub.json");
    let s = s.to_str().unwrap();
    let base = format!("api_base={}", server.url);
    let args = [
        "login",
        "hubdb",
        "--scheme",
        "private_app_token",
        "--var",
        &base,
        "--settings",
        s,
        "--token-stdin",
    ];
    let bad = user.run_stdin(&args, "pat-na1-bad\n");
    assert_eq!(bad.code, 5, "{bad:#?}");
    assert!(
        bad.stderr.contains("Authentication credentials not found"),
        "{}",
        bad.stderr
    );
    assert!(!std::path::Path::new(s).exists());
    user.run_stdin(&args, "pat-na1-good\n").ok();
    let out = user.run(&["test", "--settings", s]).ok();
    assert!(out.stdout.contains("3 HubDB tables"), "{}", out.stdout);
    assert_eq!(
        user.run(&["token", "--settings", s]).ok().stdout.trim(),
        "pat-na1-good"
    );
    assert!(!std::fs::read_to_string(s).unwrap().contains("pat-na1-good"));
}

/// Each bad answer from a token endpoint: a specific message, a non-zero
/// exit, and the good settings file left as it was.
#[test]
// A table of hostile inputs, each checked the same way: long, not deep.
#[allow(clippy::too_many_lines)]
fn token_endpoint_bad_answers() {
    let cases: Vec<(&str, Reply, &str)> = vec![
        (
            "html",
            (200, "text/html", "<html><body>Sign in</body></html>".into()),
            "HTML page",
        ),
        (
            "truncated",
            (
                200,
                "application/json",
                r#"{"access_token":"abc","expires"#.into(),
            ),
            "not valid JSON",
        ),
        (
            "missing",
            (200, "application/json", r#"{"token_type":"Bearer"}"#.into()),
            "no `access_token`",
        ),
        (
            "negative",
            (
                200,
                "application/json",
                r#"{"access_token":"a","expires_in":-30}"#.into(),
            ),
            "invalid expires_in",
        ),
        (
            "invalid_client",
            (
                401,
                "application/json",
                r#"{"error":"invalid_client","error_description":"\u001b[31mbad<script>"}"#.into(),
            ),
            "invalid_client",
        ),
        (
            "invalid_grant",
            (
                400,
                "application/json",
                r#"{"error":"invalid_grant"}"#.into(),
            ),
            "sign in again",
        ),
        (
            "ratelimit",
            (429, "text/plain", "slow down".into()),
            "rate-limiting",
        ),
        (
            "5xx",
            (503, "text/html", "<h1>down</h1>".into()),
            "HTTP 503",
        ),
        ("redirect", (302, "text/html", String::new()), "redirected"),
    ];
    let user = User::new();
    let good_server = TestServer::start(|_| token_json("good-token-1", 3600));
    let s = user.path("cc.json");
    let s = s.to_str().unwrap();
    let login = |url: &str| {
        let token_url = format!("{url}/token");
        user.run_env(
            &[
                "login",
                "custom",
                "--scheme",
                "client_credentials",
                "--token-url",
                &token_url,
                "--client-id",
                "c",
                "--settings",
                s,
                // Over the good connection: each bad answer must leave it.
                "--force",
            ],
            &[("OAUTH_SETUP_CLIENT_SECRET", "sec")],
        )
    };
    login(&good_server.url).ok();
    let good = std::fs::read(s).unwrap();
    for (name, reply, expect) in cases {
        let server = TestServer::start(move |_| reply.clone());
        let out = login(&server.url);
        assert_ne!(out.code, 0, "{name}: {out:#?}");
        assert!(
            out.stderr.contains(expect),
            "{name}: expected `{expect}` in {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains('\x1b'),
            "{name}: escape sequences are stripped"
        );
        assert_eq!(
            std::fs::read(s).unwrap(),
            good,
            "{name}: the good file is untouched"
        );
    }
    // A slow server past the timeout.
    let slow = TestServer::start(|_| {
        std::thread::sleep(Duration::from_secs(3));
        token_json("late", 3600)
    });
    let token_url = format!("{}/token", slow.url);
    let out = user.run_env(
        &[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            &token_url,
            "--client-id",
            "c",
            "--settings",
            s,
            "--force",
        ],
        &[
            ("OAUTH_SETUP_CLIENT_SECRET", "sec"),
            ("OAUTH_SETUP_HTTP_TIMEOUT", "1"),
        ],
    );
    assert_eq!(out.code, 6, "{out:#?}");
    assert!(out.stderr.contains("no answer from"), "{}", out.stderr);
    assert_eq!(std::fs::read(s).unwrap(), good);
    // Plain http to a non-loopback host is refused before any request.
    let out = user.run_env(
        &[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            "http://example.com/token",
            "--client-id",
            "c",
            "--settings",
            s,
            "--force",
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "sec")],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("use https"), "{}", out.stderr);
}

#[test]
fn unknown_provider_and_missing_values_say_what_to_do() {
    let user = User::new();
    let out = user.run(&["login", "cvnet"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `cvent`"),
        "{}",
        out.stderr
    );
    let out = user.run(&["login", "cvent", "--client-id", "x", "--json"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr.contains("OAUTH_SETUP_CLIENT_SECRET"),
        "{}",
        out.stderr
    );
    let out = user.run(&["providers", "--json"]).ok().json();
    let ids: Vec<_> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    for id in [
        "cvent",
        "hubdb",
        "odata",
        "inevent",
        "eventtemple",
        "custom",
    ] {
        assert!(ids.contains(&id.to_string()), "{ids:?}");
    }
}

#[tokio::test]
async fn event_temple_organizations_pick_list() {
    let server = TestServer::start(|r| {
        if r.url == "/v2/organizations" && r.header("Authorization") == Some("Bearer et-tok") {
            (
                200,
                "application/vnd.api+json",
                r#"{"data":[{"id":"11","type":"organizations","attributes":{"name":"Hotel North"}},{"id":"12","type":"organizations","attributes":{"name":"Hotel \u001b[31mSouth"}}]}"#.into(),
            )
        } else {
            (
                401,
                "application/vnd.api+json",
                r#"{"errors":[{"title":"Unauthorized"}]}"#.into(),
            )
        }
    });
    let profiles = oauth_setup::provider::builtin();
    let et = oauth_setup::provider::find(&profiles, "eventtemple").unwrap();
    let lookup = et
        .lookups
        .iter()
        .find(|l| l.field == oauth_setup::provider::Field::OrgId)
        .unwrap();
    let vars = std::collections::BTreeMap::from([("api_base".to_string(), server.url.clone())]);
    let url = et.render(&lookup.url, &vars).unwrap();
    let http = oauth_setup::http::client();
    let token = secrecy::SecretString::from("et-tok".to_string());
    let choices = oauth_setup::probe::lookup(&http, lookup, &url, &lookup.headers, &token)
        .await
        .unwrap();
    assert_eq!(choices.len(), 2);
    assert_eq!(
        (choices[0].value.as_str(), choices[0].label.as_str()),
        ("11", "Hotel North")
    );
    assert!(!choices[1].label.contains('\x1b'));
    let bad = secrecy::SecretString::from("nope".to_string());
    let err = oauth_setup::probe::lookup(&http, lookup, &url, &lookup.headers, &bad)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");
}

/// InEvent tokens have no stated lifetime: a 401 from the API ends them, and
/// with the password stored `test` signs in again once, unattended.
#[test]
fn inevent_rejected_token_signs_in_again_with_stored_password() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let signins = Arc::new(AtomicUsize::new(0));
    let counter = signins.clone();
    let server = TestServer::start(move |r| {
        if r.url.contains("action=person.signIn") {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let body =
                format!(r#"{{"count":1,"data":[{{"tokenID":"ie-token-{n}","scope":"system"}}]}}"#);
            return (200, "application/json", body);
        }
        let current = format!("tokenID=ie-token-{}", counter.load(Ordering::SeqCst));
        // The first token is revoked as soon as it has been issued once.
        if r.url.contains(&current) && !r.url.contains("tokenID=ie-token-1") {
            (200, "application/json", r#"{"count":1,"data":[{}]}"#.into())
        } else {
            (401, "text/plain", String::new())
        }
    });
    let user = User::new();
    let s = user.path("ie.json");
    let s = s.to_str().unwrap();
    let base = format!("base={}/", server.url);
    user.run_env(
        &[
            "login",
            "inevent",
            "--username",
            "ana",
            "--store-password",
            "--var",
            &base,
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_PASSWORD", "pw")],
    )
    .ok();
    assert_eq!(
        user.run(&["token", "--settings", s]).ok().stdout.trim(),
        "ie-token-1"
    );
    user.run(&["test", "--settings", s]).ok();
    assert_eq!(signins.load(Ordering::SeqCst), 2);
    assert_eq!(
        user.run(&["token", "--settings", s]).ok().stdout.trim(),
        "ie-token-2"
    );
    let raw = std::fs::read_to_string(s).unwrap();
    assert_no_secret("settings file", &raw, &["ie-token-2", "pw\""]);
}

/// A profile in `<config>/providers` with a built-in's id takes its place
/// (endpoints, where the token goes): each command that uses it says so,
/// once; with the built-in, nothing is said.
#[test]
fn a_user_profile_replacing_a_builtin_is_said_once_per_command() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => token_json("et-token-1", 7200),
        _ => (200, "application/json", r#"{"data":[]}"#.into()),
    });
    let note = "Note: provider `eventtemple` is your own profile from";
    let count = |out: &Out| out.stderr.matches(note).count();

    let plain = User::new();
    let s = plain.path("et.json");
    let out = plain.login_event_temple(&server.url, "org-9", &s).ok();
    assert_eq!(count(&out), 0, "{}", out.stderr);

    let user = User::new();
    let dir = user.config().join("providers");
    std::fs::create_dir_all(&dir).unwrap();
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/providers/eventtemple.toml"),
    )
    .unwrap();
    std::fs::write(dir.join("eventtemple.toml"), builtin).unwrap();
    let s = user.path("et.json");
    let out = user.login_event_temple(&server.url, "org-9", &s).ok();
    assert_eq!(count(&out), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("replaces the built-in one"),
        "{}",
        out.stderr
    );
    let s = s.to_str().unwrap();
    for args in [
        vec!["api", "--settings", s, "/v2/bookings"],
        vec!["test", "--settings", s],
        vec!["connection-string", "--settings", s],
    ] {
        let out = user.run(&args);
        assert_eq!(count(&out), 1, "{args:?}: {out:#?}");
    }
    // `token` uses no profile: nothing to say.
    let out = user.run(&["token", "--settings", s]).ok();
    assert_eq!(count(&out), 0, "{}", out.stderr);
}
