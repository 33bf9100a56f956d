//! `connection-string --mode token|handoff|app`: CData strings with only the
//! connector's documented properties, never naming this tool's files; the
//! hand-off recorded and honoured by `token`.

use crate::common::*;
use std::collections::BTreeMap;

/// The properties each builtin profile's `[cdata]` list allows.
pub(crate) fn allowed(provider: &str) -> Vec<String> {
    let profiles = oauth_setup::provider::load_all(None).unwrap();
    let p = oauth_setup::provider::find(&profiles, provider).unwrap();
    p.cdata
        .as_ref()
        .expect("a CData connector")
        .properties
        .clone()
}

/// Splits `A=b;C='d;e';` into its properties (CData quoting).
pub(crate) fn parse(cs: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = cs.trim();
    while !rest.is_empty() {
        let (k, after) = rest.split_once('=').expect("Name=value");
        let (v, next) = if let Some(q) = after.strip_prefix('\'') {
            let mut v = String::new();
            let mut chars = q.char_indices().peekable();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        v.push('\'');
                        chars.next();
                    } else {
                        end = i + 1;
                        break;
                    }
                } else {
                    v.push(c);
                }
            }
            (v, &q[end..])
        } else {
            let (v, n) = after.split_once(';').unwrap_or((after, ""));
            (v.to_string(), n)
        };
        out.insert(k.to_string(), v);
        rest = next.strip_prefix(';').unwrap_or(next);
    }
    out
}

fn connection_string(user: &User, args: &[&str]) -> (BTreeMap<String, String>, Out) {
    let mut all = vec!["connection-string"];
    all.extend_from_slice(args);
    let out = user.run(&all).ok();
    assert!(out.stderr.contains("holds secrets"), "{}", out.stderr);
    (parse(out.stdout.trim()), out)
}

pub(crate) fn only_listed(provider: &str, props: &BTreeMap<String, String>) {
    let list = allowed(provider);
    for k in props.keys() {
        assert!(
            list.contains(k),
            "{provider}: {k} is not on the profile's list"
        );
    }
}

fn never_ours(user: &User, props: &BTreeMap<String, String>) {
    if let Some(loc) = props.get("OAuthSettingsLocation") {
        let config = user.config();
        assert!(
            loc.starts_with("memory://") || !loc.starts_with(config.to_str().unwrap()),
            "{loc}"
        );
        assert!(!loc.ends_with(".json"), "{loc}");
    }
}

pub(crate) fn odata_login(user: &User, idp: &Idp, s: &str) {
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
        "https://example.test/odata",
        "--scopes",
        "openid offline_access",
        "--settings",
        s,
        "--json",
    ])
    .ok();
}

#[test]
fn odata_token_mode_hands_the_same_token_as_token() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let s = user.path("od.json");
    let s = s.to_str().unwrap();
    odata_login(&user, idp, s);
    let token = user.run(&["token", "--settings", s]).ok().stdout;
    let (p, _) = connection_string(&user, &["--settings", s]);
    only_listed("odata", &p);
    never_ours(&user, &p);
    assert_eq!(p["InitiateOAuth"], "OFF");
    assert_eq!(p["OAuthAccessToken"], token.trim());
    assert_eq!(p["URL"], "https://example.test/odata");
    assert_eq!(p["AuthScheme"], "OAuth");
    assert!(!p.contains_key("OAuthRefreshToken"), "{p:?}");
    // JSON gives the same properties.
    let v = user
        .run(&["connection-string", "--settings", s, "--json"])
        .ok()
        .json();
    assert_eq!(v["properties"]["OAuthAccessToken"], token.trim());
    assert_eq!(v["mode"], "token");
}

#[test]
fn odata_handoff_then_token_refuses_to_renew_until_forced() {
    let idp = Idp::shared(&["--rotate"]);
    let user = User::new();
    let s = user.path("od.json");
    let s = s.to_str().unwrap();
    odata_login(&user, idp, s);
    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    let expires_at = status["expires_at"].as_i64().unwrap();
    let (p, out) = connection_string(&user, &["--settings", s, "--mode", "handoff"]);
    only_listed("odata", &p);
    never_ours(&user, &p);
    assert!(
        out.stderr.contains("now owns the refresh token"),
        "{}",
        out.stderr
    );
    assert_eq!(p["InitiateOAuth"], "REFRESH");
    assert_eq!(p["OAuthSettingsLocation"], "memory://oauth-setup-od");
    assert!(!p["OAuthRefreshToken"].is_empty());
    assert_eq!(p["OAuthClientId"], "app-1");
    let ts: i64 = p["OAuthTokenTimestamp"].parse().unwrap();
    let expires_in: i64 = p["OAuthExpiresIn"].parse().unwrap();
    assert!(ts > 1_000_000_000_000, "milliseconds: {ts}");
    assert!(
        (ts / 1000 + expires_in - expires_at).abs() <= 1,
        "{ts} {expires_in} {expires_at}"
    );

    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert!(status["handed_off_at"].as_i64().is_some(), "{status}");
    assert_eq!(status["handed_off_to"], "memory://oauth-setup-od");
    let text = user.run(&["status", "--settings", s]).ok().stdout;
    assert!(text.contains("Handed off:"), "{text}");

    // The token is still valid: `token` prints it without renewing. Once it
    // must be renewed, `token` refuses; `--force` takes the grant back.
    user.run(&["token", "--settings", s]).ok();
    expire(&user, s);
    let refused = user.run(&["token", "--settings", s]);
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused.stderr.contains("handed to a CData driver"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    let forced = user.run(&["token", "--settings", s, "--force"]).ok();
    assert_eq!(forced.stdout.trim().split('.').count(), 3, "{forced:#?}");
    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert!(status["handed_off_at"].is_null(), "{status}");
}

/// Makes the stored token expired, the way time would (through the library,
/// with the user's key).
fn expire(user: &User, s: &str) {
    use oauth_setup::settings::{self, KeySource, Replace};
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    let path = std::path::Path::new(s);
    let mut doc = settings::read(path, &key).unwrap();
    doc.meta.expires_at = Some(settings::now_unix() - 10);
    settings::replace(path, &key, &doc, Replace::Readable).unwrap();
}

#[test]
fn cdata_settings_never_one_of_ours() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let s = user.path("od.json");
    let s = s.to_str().unwrap();
    odata_login(&user, idp, s);
    let in_config = user.config().join("driver.txt");
    for bad in [s, in_config.to_str().unwrap()] {
        let out = user.run(&[
            "connection-string",
            "--settings",
            s,
            "--mode",
            "handoff",
            "--cdata-settings",
            bad,
        ]);
        assert_eq!(out.code, 2, "{bad}: {out:#?}");
        assert!(out.stderr.contains("own files"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    // Refused before anything was handed off.
    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert!(status["handed_off_at"].is_null(), "{status}");
    let own = user.path("driver-oauth.txt");
    let (p, _) = connection_string(
        &user,
        &[
            "--settings",
            s,
            "--mode",
            "handoff",
            "--cdata-settings",
            own.to_str().unwrap(),
        ],
    );
    assert_eq!(p["OAuthSettingsLocation"], own.to_str().unwrap());
    // A relative path is made absolute: the driver runs from its own directory.
    let dir = user.dir.path().canonicalize().unwrap();
    let out = Out::from(
        user.cmd()
            .current_dir(&dir)
            .args(["connection-string", "--settings", s, "--mode", "handoff"])
            .args(["--cdata-settings", "rel-driver.txt"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:#?}");
    let p = parse(out.stdout.trim());
    assert_eq!(
        p["OAuthSettingsLocation"],
        dir.join("rel-driver.txt").to_str().unwrap()
    );
}

#[test]
fn app_mode_refused_on_a_code_flow_and_given_for_client_credentials() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let s = user.path("od.json");
    let s = s.to_str().unwrap();
    odata_login(&user, idp, s);
    let out = user.run(&["connection-string", "--settings", s, "--mode", "app"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("client-credentials"), "{}", out.stderr);

    let cc = user.path("od-cc.json");
    let cc = cc.to_str().unwrap();
    user.run_env(
        &[
            "login",
            "odata",
            "--scheme",
            "client_credentials",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "svc-1",
            "--service-root",
            "https://example.test/odata",
            "--scopes",
            "api.read",
            "--settings",
            cc,
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "svc-secret")],
    )
    .ok();
    let (p, _) = connection_string(&user, &["--settings", cc, "--mode", "app"]);
    only_listed("odata", &p);
    never_ours(&user, &p);
    assert_eq!(p["InitiateOAuth"], "GETANDREFRESH");
    assert_eq!(p["OAuthClientId"], "svc-1");
    assert_eq!(p["OAuthClientSecret"], "svc-secret");
    assert_eq!(p["Scope"], "api.read");
    // No refresh token: no hand-off.
    let out = user.run(&["connection-string", "--settings", cc, "--mode", "handoff"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("refresh token"), "{}", out.stderr);
    // Token mode: the token, and the secret only when asked.
    let (p, _) = connection_string(&user, &["--settings", cc]);
    assert!(!p.contains_key("OAuthClientSecret"), "{p:?}");
    let (p, _) = connection_string(&user, &["--settings", cc, "--include-secrets"]);
    assert_eq!(p["OAuthClientSecret"], "svc-secret");
}

#[test]
fn cvent_every_mode() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/ea/oauth2/token" => (
            200,
            "application/json",
            r#"{"access_token":"cv-token-1","token_type":"Bearer","expires_in":3600}"#.into(),
        ),
        _ => (200, "application/json", "{}".into()),
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
            "--region",
            "eu",
            "--var",
            &host,
            "--scopes",
            "event/events:read",
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "cv-secret")],
    )
    .ok();
    let (p, _) = connection_string(&user, &["--settings", s]);
    only_listed("cvent", &p);
    assert_eq!(p["OAuthAccessToken"], "cv-token-1");
    assert_eq!(p["InitiateOAuth"], "OFF");
    assert!(
        !p.contains_key("AuthScheme") && !p.contains_key("Region"),
        "{p:?}"
    );
    let (p, _) = connection_string(&user, &["--settings", s, "--mode", "app"]);
    only_listed("cvent", &p);
    never_ours(&user, &p);
    assert_eq!(p["OAuthClientId"], "cv-client");
    assert_eq!(p["OAuthClientSecret"], "cv-secret");
    assert_eq!(p["Scope"], "event/events:read");
    let out = user.run(&["connection-string", "--settings", s, "--mode", "handoff"]);
    assert_eq!(out.code, 2, "{out:#?}");
}

#[test]
fn hubdb_private_app_token_and_providers_without_a_connector() {
    let server = TestServer::start(|_| (200, "application/json", r#"{"total":1}"#.into()));
    let user = User::new();
    let s = user.path("hubdb.json");
    let s = s.to_str().unwrap();
    let base = format!("api_base={}", server.url);
    user.run_env(
        &[
            "login",
            "hubdb",
            "--scheme",
            "private_app_token",
            "--var",
            &base,
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_TOKEN", "pat-na1-abc")],
    )
    .ok();
    let (p, _) = connection_string(&user, &["--settings", s]);
    only_listed("hubdb", &p);
    // CData's documented private-app form: the scheme and the token, no
    // OAuth flow properties.
    let expected: BTreeMap<String, String> = [
        ("AuthScheme", "PrivateAppToken"),
        ("OAuthAccessToken", "pat-na1-abc"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(p, expected);
    for mode in ["handoff", "app"] {
        let out = user.run(&["connection-string", "--settings", s, "--mode", mode]);
        assert_eq!(out.code, 2, "{mode}: {out:#?}");
    }

    // Event Temple: no CData connector; the message points at the other ways.
    let et_server = TestServer::start(|_| {
        (
            200,
            "application/json",
            r#"{"access_token":"et-token","token_type":"Bearer","expires_in":7200}"#.into(),
        )
    });
    let et = user.path("et.json");
    let et = et.to_str().unwrap();
    let base = format!("api_base={}", et_server.url);
    user.run_env(
        &[
            "login",
            "eventtemple",
            "--client-id",
            "et-client",
            "--org-id",
            "org-1",
            "--var",
            &base,
            "--settings",
            et,
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "et-secret")],
    )
    .ok();
    let out = user.run(&["connection-string", "--settings", et]);
    assert_eq!(out.code, 2, "{out:#?}");
    for hint in ["exec", "api", "token"] {
        assert!(out.stderr.contains(hint), "{}", out.stderr);
    }
    assert_no_secret("no connector", &out.stdout, &["et-token", "et-secret"]);
}

#[test]
fn hubdb_oauth_from_a_refresh_token_every_mode() {
    let server = TestServer::start(|r| {
        match r.url.as_str() {
        "/oauth/2026-03/token" if r.body.contains("refresh_token=rt-from-cdata") => (
            200,
            "application/json",
            r#"{"access_token":"hs-access-1","refresh_token":"rt-rotated-2","token_type":"bearer","expires_in":1800}"#
                .into(),
        ),
        "/oauth/2026-03/token" => (
            400,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"missing or invalid refresh token"}"#.into(),
        ),
        _ => (200, "application/json", r#"{"total":1}"#.into()),
    }
    });
    let user = User::new();
    let s = user.path("hubdb.json");
    let s = s.to_str().unwrap();
    let base = format!("api_base={}", server.url);
    let login = |stdin: &str| {
        let mut c = user.cmd();
        c.env("OAUTH_SETUP_CLIENT_SECRET", "hs-secret")
            .args(["login", "hubdb", "--client-id", "hs-client", "--var", &base])
            .args(["--refresh-token-stdin", "--settings", s, "--json"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        Out::from(child.wait_with_output().unwrap())
    };
    let bad = login("rt-made-up\n");
    assert_ne!(bad.code, 0, "{bad:#?}");
    assert!(!std::path::Path::new(s).exists());
    login("rt-from-cdata\n").ok();
    let form = &server.requests()[1].body;
    assert!(form.contains("grant_type=refresh_token"), "{form}");
    assert!(form.contains("client_secret=hs-secret"), "{form}");

    let (p, _) = connection_string(&user, &["--settings", s]);
    only_listed("hubdb", &p);
    assert_eq!(p["OAuthAccessToken"], "hs-access-1");
    let (p, _) = connection_string(&user, &["--settings", s, "--mode", "handoff"]);
    only_listed("hubdb", &p);
    never_ours(&user, &p);
    assert_eq!(p["OAuthRefreshToken"], "rt-rotated-2");
    assert_eq!(p["OAuthClientSecret"], "hs-secret");
    assert_eq!(p["OAuthExpiresIn"], "1800");
    assert_eq!(p["AuthScheme"], "OAuth");
    let app = user.run(&["connection-string", "--settings", s, "--mode", "app"]);
    assert_eq!(app.code, 2, "{app:#?}");
}
