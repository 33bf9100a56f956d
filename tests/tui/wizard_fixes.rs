//! The wizard fixes of issue 13 through real flows: Dynamics 365 through
//! Entra ID by tenant and a typed `.default` scope against a server that
//! checks both, and the test step's diagnoses as the user sees them.

use crate::common;
use crate::driver::{Driver, install_browser, saved};
use crate::journeys::draw;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use oauth_setup::provider::{self, Profile};
use oauth_setup::tui::{AuthPhase, Phase, Screen};
use std::path::Path;

const TENANT: &str = "contoso.onmicrosoft.com";
const DYNAMICS: &str = "https://org.crm.dynamics.com/.default";

/// The shipped profile `id` with each (from, to) replaced in its text.
pub(crate) fn shipped(id: &str, replace: &[(&str, &str)]) -> Profile {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/providers/{id}.toml"));
    let mut text = std::fs::read_to_string(&file).expect("profile file");
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    provider::load::parse_str(&text, &file.display().to_string()).expect("patched profile")
}

/// Entra ID as a single-tenant app sees it, with Dataverse behind it: the
/// v2.0 endpoints exist only under the app's tenant (`organizations` and
/// any other tenant are refused, as Entra refuses a single-tenant app
/// there, AADSTS50194), the authorize step refuses a request without the
/// Dataverse `.default` scope, and `$metadata` wants the token issued.
fn entra_server() -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind test server");
    let base = format!("http://{}", server.server_addr());
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let url = url::Url::parse(&format!("http://x{}", req.url())).expect("request url");
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            let reply = |code: u16, ct: &str, s: &str| {
                tiny_http::Response::from_string(s)
                    .with_status_code(code)
                    .with_header(
                        format!("Content-Type: {ct}")
                            .parse::<tiny_http::Header>()
                            .expect("header"),
                    )
            };
            let path = url.path().to_string();
            let ours = format!("/{TENANT}/oauth2/v2.0/");
            let q: std::collections::HashMap<String, String> =
                url.query_pairs().into_owned().collect();
            let resp = if path.ends_with("/oauth2/v2.0/authorize") {
                let (Some(redirect), Some(state)) = (q.get("redirect_uri"), q.get("state")) else {
                    let _ = req.respond(reply(400, "text/plain", "no redirect_uri"));
                    continue;
                };
                let scopes: Vec<&str> = q
                    .get("scope")
                    .map(|s| s.split(' ').collect())
                    .unwrap_or_default();
                let outcome = if !path.starts_with(&ours) {
                    "error=invalid_request&error_description=AADSTS50194%3A+Application+is+not+configured+as+a+multi-tenant+application".to_string()
                } else if !scopes.contains(&DYNAMICS) {
                    "error=invalid_scope&error_description=AADSTS65001%3A+no+Dataverse+scope"
                        .to_string()
                } else if !redirect.starts_with("http://127.0.0.1:")
                    || !redirect.ends_with("/callback")
                {
                    "error=invalid_request&error_description=AADSTS50011%3A+redirect+URI"
                        .to_string()
                } else {
                    "code=entra-code".to_string()
                };
                tiny_http::Response::from_string("")
                    .with_status_code(302)
                    .with_header(
                        format!("Location: {redirect}?{outcome}&state={state}")
                            .parse::<tiny_http::Header>()
                            .expect("header"),
                    )
            } else if path.ends_with("/oauth2/v2.0/token") {
                if path.starts_with(&ours) && body.contains("code=entra-code") {
                    reply(
                        200,
                        "application/json",
                        r#"{"access_token":"dyn-at","token_type":"Bearer","expires_in":3600,"refresh_token":"dyn-rt","scope":"https://org.crm.dynamics.com/user_impersonation"}"#,
                    )
                } else {
                    reply(
                        400,
                        "application/json",
                        r#"{"error":"invalid_grant","error_description":"AADSTS70000: wrong tenant or code"}"#,
                    )
                }
            } else if path == "/api/data/v9.2/$metadata" {
                let bearer = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("Authorization"))
                    .is_some_and(|h| h.value.as_str() == "Bearer dyn-at");
                if bearer {
                    reply(200, "application/xml", "<edmx:Edmx Version=\"4.0\"/>")
                } else {
                    reply(
                        401,
                        "application/json",
                        r#"{"error":{"message":"no token"}}"#,
                    )
                }
            } else {
                reply(
                    404,
                    "application/json",
                    r#"{"error":{"code":"0x80060888","message":"Resource not found for the segment"}}"#,
                )
            };
            let _ = req.respond(resp);
        }
    });
    base
}

fn odata_at(base: &str) -> Profile {
    shipped("odata", &[("https://login.microsoftonline.com", base)])
}

/// Every shipped provider, OData's Entra host pointed at `base`: the
/// provider list as a user sees it.
fn all_with_odata_at(base: &str) -> Vec<Profile> {
    provider::load::builtin()
        .into_iter()
        .map(|p| if p.id == "odata" { odata_at(base) } else { p })
        .collect()
}

/// Provider → Entra method → set-up → typed scopes → the form with the
/// client ID and service root pasted; `tenant` typed when given. Returns
/// the keys the tenant took (not counted in the budget).
fn entra_to_sign_in(d: &mut Driver, scopes: &str, root: &str, tenant: Option<&str>) -> usize {
    d.typed("od");
    d.key(KeyCode::Enter);
    d.at(Screen::Method);
    while d.state.scheme().is_none_or(|s| s.id != "entra_id") {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Enter);
    d.at(Screen::Setup);
    d.key(KeyCode::Enter);
    d.at(Screen::Scopes);
    d.paste(scopes);
    d.key(KeyCode::Enter); // adds the typed scopes
    d.key(KeyCode::Enter); // on
    d.at(Screen::Credentials);
    d.paste("00000000-1111-2222-3333-444444444444");
    d.key(KeyCode::Enter); // on to the next required field: the service root
    d.paste(root);
    let mut tenant_keys = 0;
    match tenant {
        Some(t) => {
            d.key(KeyCode::Tab); // the tenant, right after the required fields
            let before = d.keys;
            d.typed(t);
            tenant_keys = d.keys - before;
        }
        // Enter stops on the empty tenant once (issue 18): a second keeps
        // its default.
        None => {
            d.key(KeyCode::Enter);
            d.at(Screen::Credentials);
        }
    }
    d.key(KeyCode::Enter);
    d.at(Screen::Authorize);
    tenant_keys
}

#[test]
fn dynamics_through_entra_by_tenant_and_default_scope_within_budget() {
    let base = entra_server();
    let dir = tempfile::tempdir().expect("tempdir");
    install_browser();
    let mut d = Driver::launch(all_with_odata_at(&base), dir.path());
    let root = format!("{base}/api/data/v9.2");
    let tenant_keys = entra_to_sign_in(
        &mut d,
        &format!("{DYNAMICS} offline_access"),
        &root,
        Some(TENANT),
    );
    d.settle("Entra sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done, "{:?}", d.state.test);
    let sent = d.state.settings.clone().expect("signed in");
    assert!(
        sent.meta.scopes.iter().any(|s| s == DYNAMICS),
        "{:?}",
        sent.meta.scopes
    );
    assert_eq!(
        sent.meta.vars.get("tenant").map(String::as_str),
        Some(TENANT)
    );
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert!(dir.path().join("settings/odata.json").exists());
    let keys = d.keys - tenant_keys;
    eprintln!(
        "dynamics: {keys} keys + {} pastes + the tenant ({tenant_keys} keys)",
        d.pastes
    );
    assert!(keys <= 14, "{keys} keys");
    assert!(d.pastes <= 4, "{} pastes", d.pastes);
}

#[test]
fn entra_refuses_the_default_tenant_and_a_missing_scope() {
    let base = entra_server();
    install_browser();
    let root = format!("{base}/api/data/v9.2");
    for (scopes, tenant, expect, advice) in [
        // No tenant typed: `organizations`, which a single-tenant app refuses.
        (
            format!("{DYNAMICS} offline_access"),
            None,
            "AADSTS50194",
            "fill in Tenant",
        ),
        // The tenant, but only offline_access: Dataverse is not asked for.
        (
            "offline_access".to_string(),
            Some(TENANT),
            "invalid_scope",
            "go back to Scopes",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut d = Driver::launch(vec![odata_at(&base)], dir.path());
        entra_to_sign_in(&mut d, &scopes, &root, tenant);
        d.settle("refused sign-in", |s| {
            matches!(s.auth.phase, AuthPhase::Failed { .. })
        });
        let AuthPhase::Failed { message, hint } = d.state.auth.phase.clone() else {
            unreachable!()
        };
        assert!(message.contains(expect), "{expect}: {message}");
        // Not "declined in the browser": nobody declined anything.
        let hint = hint.unwrap_or_default();
        assert!(hint.contains(advice), "{expect}: {hint}");
        assert!(!hint.contains("declined"), "{expect}: {hint}");
        assert!(d.state.settings.is_none());
    }
}

#[test]
fn a_typed_scope_is_checked_before_it_is_added() {
    let base = entra_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(vec![odata_at(&base)], dir.path());
    d.typed("od");
    d.key(KeyCode::Enter);
    while d.state.scheme().is_none_or(|s| s.id != "entra_id") {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    d.at(Screen::Scopes);
    d.paste("bad\"scope");
    d.key(KeyCode::Enter);
    assert_eq!(d.state.screen, Screen::Scopes, "a bad scope does not go on");
    assert!(!d.state.scopes.selected.iter().any(|s| s.contains("bad")));
    // Entra starts with offline_access (issue 18): start from nothing here.
    d.state.scopes.selected.clear();
    let notice = d.state.notice.clone().expect("an error");
    assert!(notice.text.contains("Not a scope"), "{}", notice.text);
    // Esc clears the text; a listed scope typed in full is ticked, not added twice.
    d.key(KeyCode::Esc);
    d.typed("offline_access");
    d.key(KeyCode::Enter);
    assert!(d.state.scopes.selected.contains("offline_access"));
    assert!(d.state.scopes.typed.is_empty());
    // Text that filters listed rows ("offline") is not added on the first Enter.
    d.key(KeyCode::Char(' ')); // untick offline_access again
    d.typed("offline");
    d.key(KeyCode::Enter);
    assert!(d.state.scopes.typed.is_empty(), "added on a filter");
    let n = d.state.notice.clone().expect("asked").text;
    assert!(n.contains("Enter again adds it"), "{n}");
    d.key(KeyCode::Esc);
    // A typed scope shows on the list and Space unticks it like any other.
    d.paste(DYNAMICS);
    d.key(KeyCode::Enter);
    assert_eq!(d.state.scopes.typed, [DYNAMICS]);
    let screen = draw(&d.state, 80, 24);
    assert!(screen.contains("Typed by you"), "{screen}");
    assert!(screen.contains(DYNAMICS), "{screen}");
    d.key(KeyCode::End);
    d.key(KeyCode::Char(' '));
    assert!(!d.state.scopes.selected.contains(DYNAMICS));
}

#[test]
fn the_tenant_field_is_validated_in_form_words() {
    let base = entra_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(vec![odata_at(&base)], dir.path());
    d.typed("od");
    d.key(KeyCode::Enter);
    while d.state.scheme().is_none_or(|s| s.id != "entra_id") {
        d.key(KeyCode::Down);
    }
    for _ in 0..3 {
        d.key(KeyCode::Enter);
    }
    d.at(Screen::Credentials);
    d.paste("client");
    d.key(KeyCode::Enter);
    d.paste("https://org.crm.dynamics.com/api/data/v9.2");
    d.key(KeyCode::Tab);
    d.typed("not a tenant");
    d.key(KeyCode::Enter);
    assert_eq!(
        d.state.screen,
        Screen::Credentials,
        "a bad tenant is not sent"
    );
    let screen = draw(&d.state, 100, 30);
    assert!(screen.contains("Directory (tenant) ID"), "{screen}");
    assert_snapshot!("entra_tenant_invalid", screen);
}

/// Custom's authorization code: Enter after the client ID goes to the
/// issuer (needed unless both URLs are given) instead of signing in.
#[test]
fn custom_needs_the_issuer_or_both_urls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    d.typed("cu");
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter); // authorization code
    while d.state.screen != Screen::Credentials {
        d.key(KeyCode::Enter);
    }
    d.paste("my-client");
    d.key(KeyCode::Enter);
    assert_eq!(
        d.state.screen,
        Screen::Credentials,
        "half a form is not sent"
    );
    let rows = oauth_setup::tui::form_rows(&d.state);
    let focused = &rows[d.state.creds.focus];
    assert!(
        matches!(
            focused,
            oauth_setup::tui::FormRow::Input {
                key: oauth_setup::tui::FormKey::Field(provider::Field::Issuer),
                required: true
            }
        ),
        "{focused:?}"
    );
    d.key(KeyCode::Enter);
    let screen = draw(&d.state, 100, 30);
    assert!(
        screen.contains("required, unless you fill in the Authorize URL and the Token URL"),
        "{screen}"
    );
    assert!(!screen.contains("--issuer"), "{screen}");
    assert_snapshot!("custom_issuer_required", screen);
}

/// A wrong service root: the API's 404 is said as a 404, with its own
/// message, and the advice points at the address.
#[test]
fn a_404_from_the_api_is_said_as_not_found() {
    let base = entra_server();
    let dir = tempfile::tempdir().expect("tempdir");
    install_browser();
    let mut d = Driver::launch(vec![odata_at(&base)], dir.path());
    entra_to_sign_in(
        &mut d,
        &format!("{DYNAMICS} offline_access"),
        &format!("{base}/api/data/v8.0"),
        Some(TENANT),
    );
    d.settle("the test call", |s| {
        matches!(s.test.phase, Phase::Failed(_))
    });
    let screen = draw(&d.state, 100, 30);
    assert!(screen.contains("HTTP 404 Not Found"), "{screen}");
    assert!(
        screen.contains("Resource not found for the segment"),
        "{screen}"
    );
    assert!(screen.contains("not found: check the address"), "{screen}");
    assert!(
        screen.contains("/api/data/v8.0/$metadata"),
        "names the URL: {screen}"
    );
    assert!(!screen.contains("refused"), "{screen}");
    // The server's port, of the same width (Linux's ephemeral ports have five digits).
    let port = base.rsplit(':').next().unwrap_or_default();
    let screen = screen.replace(
        &format!(":{port}/"),
        &format!(":{}/", "X".repeat(port.len())),
    );
    assert_snapshot!("test_failed_odata_not_found", screen);
}

/// Custom: once the issuer is typed, its discovery document's
/// `scopes_supported` fills the scopes list with the API's own scopes.
#[test]
fn custom_scopes_come_from_the_servers_discovery() {
    let server = common::TestServer::start(|r| {
        let issuer = format!("http://{}", r.header("Host").unwrap_or("127.0.0.1"));
        match r.url.split('?').next().unwrap_or("") {
            "/.well-known/openid-configuration" => (
                200,
                "application/json",
                serde_json::json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/authorize"),
                    "token_endpoint": format!("{issuer}/token"),
                    "scopes_supported": ["openid", "profile", "api.read", "api.write"],
                })
                .to_string(),
            ),
            _ => (404, "application/json", "{}".into()),
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    d.typed("cu");
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter); // authorization code
    while d.state.screen != Screen::Credentials {
        d.key(KeyCode::Enter);
    }
    d.paste("my-client");
    d.key(KeyCode::Enter); // on to the issuer
    d.paste(&server.url);
    d.key(KeyCode::Tab); // leaving the issuer asks its discovery
    d.settle("the server's scopes", |s| !s.scopes.offered.is_empty());
    assert_eq!(d.state.scopes.offered, ["api.read", "api.write"]);
    let notice = d.state.notice.clone().expect("told").text;
    assert!(notice.contains("2 more scopes"), "{notice}");
    d.key(KeyCode::Esc);
    d.at(Screen::Scopes);
    let screen = draw(&d.state, 80, 24);
    assert!(screen.contains("Offered by the server"), "{screen}");
    assert!(screen.contains("api.read"), "{screen}");
    d.paste("https://api.example.com/.default");
    d.key(KeyCode::Enter);
    assert_snapshot!("scopes_typed_and_offered", draw(&d.state, 80, 24));
    d.typed("api.write");
    d.key(KeyCode::Enter); // a listed (offered) scope typed in full is ticked
    assert!(d.state.scopes.selected.contains("api.write"));
    assert_eq!(d.state.scopes.typed, ["https://api.example.com/.default"]);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
}
