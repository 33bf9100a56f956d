//! `connection-string --mode token|handoff|app`: CData strings with only the
//! connector's documented properties, never naming this tool's files; the
//! hand-off recorded and honoured by `token`.

use crate::common::*;
use std::collections::BTreeMap;

/// The properties the default connector's contract documents for its
/// default build.
pub(crate) fn allowed(provider: &str) -> Vec<String> {
    let c = oauth_setup::provider::cdata::for_provider(provider)[0];
    c.build(c.default_build)
        .expect("the default build")
        .properties
        .keys()
        .cloned()
        .collect()
}

/// Splits a string the way an ADO.NET-family parser reads it (the default
/// dialect), and checks that no property appears twice.
pub(crate) fn parse(cs: &str) -> BTreeMap<String, String> {
    use oauth_setup::export::connection_string::{Dialect, parse};
    let parts = parse(cs, Dialect::AdoNet).unwrap_or_else(|| panic!("malformed: {cs}"));
    let n = parts.len();
    let map: BTreeMap<String, String> = parts.into_iter().collect();
    assert_eq!(map.len(), n, "a property twice: {cs}");
    map
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
    // The string names the build it targets: the seed's (004: the Python
    // connector, RDF build 20), and the page it is checked against.
    assert_eq!(v["connector"], "odata");
    assert_eq!(v["build"], 20);
    assert_eq!(v["dialect"], "adonet");
    assert_eq!(
        v["docs"],
        "https://cdn.cdata.com/help/RDF/py/pg_connectionpy.htm"
    );
    let (_, out) = connection_string(&user, &["--settings", s]);
    assert!(out.stderr.contains("OData build 20"), "{}", out.stderr);
    assert!(out.stderr.contains("/help/RDF/py/"), "{}", out.stderr);
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
    // Build 20 (the seed's): the grant is chosen by OAuthGrantType=CLIENT
    // (without it the driver runs the browser grant), OAuthVersion is
    // required, and the scope rides in OAuthParams (no Scope property for
    // the generic OAuth scheme).
    assert_eq!(p["AuthScheme"], "OAuth");
    assert_eq!(p["OAuthGrantType"], "CLIENT");
    assert_eq!(p["OAuthVersion"], "2.0");
    assert_eq!(p["OAuthParams"], "scope=api.read");
    assert!(!p.contains_key("Scope"), "{p:?}");
    // Build 24 on: AuthScheme=OAuthClient, no OAuthGrantType property.
    let (p, _) = connection_string(
        &user,
        &["--settings", cc, "--mode", "app", "--connector-build", "24"],
    );
    assert_eq!(p["AuthScheme"], "OAuthClient");
    assert!(!p.contains_key("OAuthGrantType"), "{p:?}");
    assert_eq!(p["OAuthVersion"], "2.0");
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
    let server = token_server(
        "/ea/oauth2/token",
        r#"{"access_token":"cv-token-1","token_type":"Bearer","expires_in":3600}"#,
    );
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
    assert_eq!(p["InitiateOAuth"], "GETANDREFRESH");
    let out = user.run(&["connection-string", "--settings", s, "--mode", "handoff"]);
    assert_eq!(out.code, 2, "{out:#?}");
}

/// The connector has no region or host property: an EU file gets the same
/// string as NA, and says so (and what the connector will do).
#[test]
fn cvent_eu_is_not_silent() {
    let server = TestServer::start(|_| {
        (
            200,
            "application/json",
            r#"{"access_token":"cv-token-1","token_type":"Bearer","expires_in":3600}"#.into(),
        )
    });
    let user = User::new();
    let host = format!("host={}", server.url);
    for region in ["na", "eu"] {
        let s = user.path(&format!("cvent-{region}.json"));
        let s = s.to_str().unwrap();
        user.run_env(
            &[
                "login",
                "cvent",
                "--client-id",
                "cv-client",
                "--region",
                region,
                "--var",
                &host,
                "--settings",
                s,
            ],
            &[("OAUTH_SETUP_CLIENT_SECRET", "cv-secret")],
        )
        .ok();
        let (p, out) = connection_string(&user, &["--settings", s, "--mode", "app"]);
        assert!(
            !p.keys().any(|k| k.contains("Region") || k.contains("Host")),
            "{p:?}"
        );
        let warned = out.stderr.contains("no region or host property");
        assert_eq!(warned, region == "eu", "{region}: {}", out.stderr);
        if warned {
            assert!(
                out.stderr.contains("api-platform-eur.cvent.com"),
                "{}",
                out.stderr
            );
        }
    }
}

/// A Cvent Web Application file has a refresh token, but the connector has
/// no property to take it: `handoff` is refused, and nothing is marked
/// handed off (this tool keeps renewing).
#[test]
fn cvent_web_app_handoff_refused_and_nothing_marked() {
    let server = token_server(
        "/ea/oauth2/token",
        r#"{"access_token":"cv-web-1","refresh_token":"cv-rt-1","token_type":"Bearer","expires_in":3600}"#,
    );
    let user = User::new();
    let s = user.path("cvent-web.json");
    let s = s.to_str().unwrap();
    let host = format!("host={}", server.url);
    let mut c = user.cmd();
    c.env("OAUTH_SETUP_CLIENT_SECRET", "cv-secret")
        .args(["login", "cvent", "--scheme", "authorization_code"])
        .args(["--client-id", "cv-client", "--var", &host])
        .args(["--refresh-token-stdin", "--settings", s]);
    let out = run_with_stdin(c, "cv-rt-0\n");
    assert_eq!(out.code, 0, "{out:#?}");
    let before = user.run(&["status", "--settings", s, "--json"]).ok().json();
    let listed = list_states(&user);
    let out = user.run(&["connection-string", "--settings", s, "--mode", "handoff"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("documents no OAuthRefreshToken"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Nothing was handed off"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("now owns"), "{}", out.stderr);
    let after = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert!(after["handed_off_at"].is_null(), "{after}");
    assert_eq!(before["handed_off_at"], after["handed_off_at"]);
    assert_eq!(listed, list_states(&user));
    // The same through `export`.
    let out = user.run(&[
        "export",
        "--settings",
        s,
        "--format",
        "env",
        "--mode",
        "handoff",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    let after = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert!(after["handed_off_at"].is_null(), "{after}");
    // Token mode works: InitiateOAuth=OFF with the access token.
    let (p, _) = connection_string(&user, &["--settings", s]);
    assert_eq!(p["InitiateOAuth"], "OFF");
    assert!(!p.contains_key("OAuthRefreshToken"), "{p:?}");
}

pub(crate) fn run_with_stdin(mut c: std::process::Command, stdin: &str) -> Out {
    use std::io::Write;
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Out::from(child.wait_with_output().unwrap())
}

/// A HubDB private-app token `pat-na1-abc` signed in for `user`, checked
/// against a HubDB-shaped API kept running by the server returned, and the
/// settings file it was saved to.
fn hubdb_private_app(user: &User) -> (TestServer, String) {
    let server = TestServer::start(|_| (200, "application/json", r#"{"total":1}"#.into()));
    let s = user.path("hubdb.json").to_str().unwrap().to_string();
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
            &s,
        ],
        &[("OAUTH_SETUP_TOKEN", "pat-na1-abc")],
    )
    .ok();
    (server, s)
}

#[test]
fn hubdb_private_app_token_and_providers_without_a_connector() {
    let user = User::new();
    let (_api, s) = hubdb_private_app(&user);
    let s = s.as_str();
    let (p, _) = connection_string(&user, &["--settings", s]);
    only_listed("hubdb", &p);
    // The HubDB connector's private-app form (seed 003): AuthScheme
    // PrivateApp and the token in PrivateAppToken, no OAuth properties.
    let expected = props(&[
        ("AuthScheme", "PrivateApp"),
        ("PrivateAppToken", "pat-na1-abc"),
    ]);
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

/// An OData connection signed in through Entra ID: CData's AzureAD scheme
/// with AzureTenant and AzureResource (the connector knows Azure's URLs),
/// the Scope where the driver renews; `--connector dynamics365` for the
/// Dynamics 365 connector, which needs the Edition.
#[test]
fn odata_entra_id_uses_azuread_and_dynamics_on_request() {
    let server = token_server(
        "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        r#"{"access_token":"entra-at-1","refresh_token":"entra-rt-2","token_type":"Bearer","expires_in":3600}"#,
    );
    let user = User::new();
    let s = user.path("d365.json");
    let s = s.to_str().unwrap();
    let login_host = format!("login_host={}", server.url);
    let mut c = user.cmd();
    c.args([
        "login",
        "odata",
        "--scheme",
        "entra_id",
        "--client-id",
        "entra-app",
    ])
    .args([
        "--var",
        &login_host,
        "--var",
        "tenant=contoso.onmicrosoft.com",
    ])
    .args([
        "--service-root",
        "https://contoso.crm4.dynamics.com/api/data/v9.2",
    ])
    .args([
        "--scopes",
        "https://contoso.crm4.dynamics.com/.default offline_access",
    ])
    .args(["--refresh-token-stdin", "--settings", s]);
    let out = run_with_stdin(c, "entra-rt-1\n");
    assert_eq!(out.code, 0, "{out:#?}");

    let (p, out) = connection_string(&user, &["--settings", s]);
    only_listed("odata", &p);
    let expected = props(&[
        ("AuthScheme", "AzureAD"),
        ("URL", "https://contoso.crm4.dynamics.com/api/data/v9.2"),
        ("AzureTenant", "contoso.onmicrosoft.com"),
        ("AzureResource", "https://contoso.crm4.dynamics.com"),
        ("InitiateOAuth", "OFF"),
        ("OAuthAccessToken", "entra-at-1"),
    ]);
    assert_eq!(p, expected);
    assert!(
        out.stderr.contains("--connector dynamics365"),
        "{}",
        out.stderr
    );

    // Dynamics 365 needs the Edition, which a sign-in cannot tell.
    let out = user.run(&[
        "connection-string",
        "--settings",
        s,
        "--connector",
        "dynamics365",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("Edition=VALUE"), "{}", out.stderr);
    let (p, _) = connection_string(
        &user,
        &[
            "--settings",
            s,
            "--connector",
            "dynamics365",
            "--connector-option",
            "Edition=Sales",
        ],
    );
    let expected = props(&[
        ("AuthScheme", "AzureAD"),
        ("Edition", "Sales"),
        ("OrganizationUrl", "https://contoso.crm4.dynamics.com"),
        ("AzureTenant", "contoso.onmicrosoft.com"),
        ("InitiateOAuth", "OFF"),
        ("OAuthAccessToken", "entra-at-1"),
    ]);
    assert_eq!(p, expected);

    // The hand-off: the driver renews through Azure, with the scope; no
    // generic OAuth URLs.
    let (p, _) = connection_string(&user, &["--settings", s, "--mode", "handoff"]);
    assert_eq!(p["AuthScheme"], "AzureAD");
    assert_eq!(p["InitiateOAuth"], "REFRESH");
    assert_eq!(p["OAuthRefreshToken"], "entra-rt-2");
    assert_eq!(
        p["Scope"],
        "https://contoso.crm4.dynamics.com/.default offline_access"
    );
    assert!(!p.keys().any(|k| k.ends_with("URL") && k != "URL"), "{p:?}");
}

/// A build outside the contract is refused with the builds it documents.
#[test]
fn unknown_build_is_refused() {
    let user = User::new();
    let (_api, s) = hubdb_private_app(&user);
    let s = s.as_str();
    let out = user.run(&[
        "connection-string",
        "--settings",
        s,
        "--connector-build",
        "21",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("documents builds 24"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

pub(crate) fn props(v: &[(&str, &str)]) -> BTreeMap<String, String> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What `list` says of each connection's owner and state.
fn list_states(user: &User) -> Vec<String> {
    let v = user.run(&["list", "--json"]).ok().json();
    let rows = v.as_array().cloned().unwrap_or_default();
    assert!(!rows.is_empty(), "{v}");
    rows.iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["state"], r["handed_off_to"], r["handed_off_at"]
            )
        })
        .collect()
}

/// The HubDB private-app set-up steps call crm.objects.owners.read required,
/// as the seed (003) does ("a minimum of hubdb and crm.objects.owners.read
/// is required to access tables"), never optional.
#[test]
fn hubdb_private_app_steps_require_owners_read() {
    let profiles = oauth_setup::provider::builtin();
    let p = oauth_setup::provider::find(&profiles, "hubdb").unwrap();
    let scheme = p
        .schemes
        .iter()
        .find(|s| s.id == "private_app_token")
        .unwrap();
    let text: String = scheme
        .setup_steps
        .iter()
        .map(|s| format!("{} {}\n", s.title, s.detail))
        .collect();
    assert!(text.contains("hubdb and crm.objects.owners.read"), "{text}");
    assert!(text.contains("required"), "{text}");
    for optional in ["too if", "if the connector should"] {
        assert!(!text.contains(optional), "{text}");
    }
}

/// A static token's env export does not say it expires.
#[test]
fn env_export_of_a_static_token_says_it_does_not_expire() {
    let user = User::new();
    let (_api, s) = hubdb_private_app(&user);
    let s = s.as_str();
    let out = user
        .run(&["export", "--settings", s, "--format", "env"])
        .ok();
    assert!(out.stdout.contains("static token"), "{}", out.stdout);
    assert!(!out.stdout.contains("expires"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("AuthScheme=PrivateApp;PrivateAppToken=pat-na1-abc;"),
        "{}",
        out.stdout
    );
}

/// OData's desktop method with a custom app that has a client secret (the
/// seed's): the secret is taken, kept, handed to the driver, and sent at
/// sign-in and on every refresh: HTTP Basic without metadata (RFC 6749
/// §2.3.1), in the body when the metadata lists only client_secret_post.
#[test]
fn odata_desktop_sends_an_optional_client_secret_at_signin_and_refresh() {
    let metadata = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let m = metadata.clone();
    let server = TestServer::start(move |r| {
        match r.url.as_str() {
        "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server" => {
            let body = m.lock().unwrap().clone();
            if body.is_empty() {
                (404, "text/plain", String::new())
            } else {
                (200, "application/json", body)
            }
        }
        "/token" => (
            200,
            "application/json",
            r#"{"access_token":"od-at","refresh_token":"od-rt-next","token_type":"Bearer","expires_in":3600}"#
                .into(),
        ),
        _ => (200, "application/json", "{}".into()),
    }
    });
    let user = User::new();
    let secret_in = |seen: &Seen| -> &'static str {
        let basic = seen
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.starts_with("Basic "));
        match (basic, seen.body.contains("client_secret=od-secret")) {
            (true, false) => "basic",
            (false, true) => "body",
            (false, false) => "none",
            (true, true) => "both",
        }
    };
    for (meta, want) in [
        (String::new(), "basic"),
        (
            format!(
                r#"{{"issuer":"{0}","authorization_endpoint":"{0}/authorize","token_endpoint":"{0}/token","token_endpoint_auth_methods_supported":["client_secret_post"]}}"#,
                server.url
            ),
            "body",
        ),
    ] {
        *metadata.lock().unwrap() = meta.clone();
        let s = user.path(&format!("od-{want}.json"));
        let s = s.to_str().unwrap();
        let mut c = user.cmd();
        c.env("OAUTH_SETUP_CLIENT_SECRET", "od-secret")
            .args([
                "login",
                "odata",
                "--scheme",
                "desktop",
                "--client-id",
                "od-app",
            ])
            .args(["--service-root", "https://example.test/odata"])
            .args(["--scopes", "api.read offline_access"])
            .args(["--refresh-token-stdin", "--settings", s]);
        if meta.is_empty() {
            c.args(["--authorize-url", &format!("{}/authorize", server.url)])
                .args(["--token-url", &format!("{}/token", server.url)]);
        } else {
            c.args(["--issuer", &server.url]);
        }
        let before = server.requests().len();
        let out = run_with_stdin(c, "od-rt-0\n");
        assert_eq!(out.code, 0, "{out:#?}");
        expire(&user, s);
        user.run(&["token", "--settings", s]).ok();
        let token_calls: Vec<Seen> = server.requests()[before..]
            .iter()
            .filter(|r| r.url == "/token")
            .cloned()
            .collect();
        assert_eq!(token_calls.len(), 2, "sign-in and one refresh");
        for call in &token_calls {
            assert!(
                call.body.contains("grant_type=refresh_token"),
                "{}",
                call.body
            );
            assert_eq!(secret_in(call), want, "{call:?}");
        }
        // The driver gets the secret too when it takes the grant over.
        let (p, _) = connection_string(&user, &["--settings", s, "--mode", "handoff"]);
        assert_eq!(p["OAuthClientSecret"], "od-secret");
    }
}

/// A provider-shaped server whose token endpoint at `path` answers `body`
/// (every other path: `{}`).
fn token_server(path: &'static str, body: &'static str) -> TestServer {
    TestServer::start(move |r| {
        if r.url == path {
            (200, "application/json", body.into())
        } else {
            (200, "application/json", "{}".into())
        }
    })
}
