//! The test step's diagnoses as the user sees them, through real flows:
//! what the API answered, said as it answered it.

use crate::common;
use crate::driver::Driver;
use crate::journeys::draw;
use crate::wizard_fixes::shipped;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use oauth_setup::provider;
use oauth_setup::tui::{Phase, Screen};

/// Event Temple with an organization the app may not use: the test says
/// the org ID is wrong and where to find it, not "add the missing scopes".
/// The wizard on Event Temple (its hosts at `server`), client id and secret
/// given, Enter pressed after the secret.
fn event_temple_past_the_secret(server: &str, config_dir: &std::path::Path) -> Driver {
    let profile = shipped(
        "eventtemple",
        &[
            ("https://api.eventtemple.com", server),
            ("https://client.eventtemple.com", server),
        ],
    );
    let mut d = Driver::launch(vec![profile], config_dir);
    while d.state.screen != Screen::Credentials {
        d.key(KeyCode::Enter);
    }
    d.paste("et-client");
    d.key(KeyCode::Enter);
    d.paste("et-secret");
    d.key(KeyCode::Enter);
    d
}

#[test]
fn a_wrong_event_temple_org_is_diagnosed_as_the_org() {
    let server = common::TestServer::start(|r| {
        let path = r.url.split('?').next().unwrap_or("");
        match (r.method.as_str(), path) {
            ("POST", "/oauth/token") => (
                200,
                "application/json",
                r#"{"access_token":"et-token","token_type":"Bearer","expires_in":7200}"#.into(),
            ),
            ("GET", "/v2/organizations") => (
                200,
                "application/vnd.api+json",
                r#"{"data":[{"id":"11","type":"organizations","attributes":{"name":"Hotel North"}}]}"#.into(),
            ),
            ("GET", "/v2/bookings") if r.header("X-API-ORG") == Some("11") => {
                (200, "application/vnd.api+json", r#"{"data":[]}"#.into())
            }
            ("GET", "/v2/bookings") => (
                403,
                "application/vnd.api+json",
                r#"{"errors":[{"title":"Forbidden","detail":"You are not authorized to access this organization"}]}"#.into(),
            ),
            _ => (404, "application/json", "{}".into()),
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = event_temple_past_the_secret(&server.url, dir.path());
    d.settle("on the org field", |s| {
        matches!(
            oauth_setup::tui::form_rows(s).get(s.creds.focus),
            Some(oauth_setup::tui::FormRow::Input {
                key: oauth_setup::tui::FormKey::Field(provider::Field::OrgId),
                ..
            })
        )
    });
    d.key(KeyCode::Esc); // close the list: type an ID of one's own
    d.typed("99");
    d.key(KeyCode::Enter);
    d.settle("the test call", |s| {
        matches!(s.test.phase, Phase::Failed(_))
    });
    let screen = draw(&d.state, 100, 30);
    assert!(screen.contains("API Org ID is probably wrong"), "{screen}");
    assert!(screen.contains("Settings → Overview"), "{screen}");
    assert!(!screen.contains("missing scopes"), "{screen}");
    assert_snapshot!("test_failed_eventtemple_wrong_org", screen);
}

/// A device sign-in on a server with no userinfo and no test URL: no call
/// was made, so nothing may say the API refused the token.
#[test]
fn device_code_without_a_test_url_made_no_call() {
    let server = common::TestServer::start(|r| {
        let issuer = format!("http://{}", r.header("Host").unwrap_or("127.0.0.1"));
        let path = r.url.split('?').next().unwrap_or("");
        let json = |s: String| (200, "application/json", s);
        match path {
            "/.well-known/openid-configuration" => json(
                serde_json::json!({
                    "issuer": issuer,
                    "token_endpoint": format!("{issuer}/token"),
                    "device_authorization_endpoint": format!("{issuer}/device"),
                })
                .to_string(),
            ),
            "/device" => json(
                serde_json::json!({
                    "device_code": "dev-1", "user_code": "ABCD-EFGH",
                    "verification_uri": format!("{issuer}/activate"),
                    "expires_in": 60, "interval": 1,
                })
                .to_string(),
            ),
            "/token" => json(
                r#"{"access_token":"dev-token","token_type":"Bearer","expires_in":3600}"#.into(),
            ),
            _ => (404, "application/json", "{}".into()),
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    d.typed("cu");
    d.key(KeyCode::Enter);
    while d
        .state
        .scheme()
        .is_none_or(|s| s.kind != provider::SchemeKind::DeviceCode)
    {
        d.key(KeyCode::Down);
    }
    d.key(KeyCode::Enter);
    while d.state.screen != Screen::Credentials {
        d.key(KeyCode::Enter);
    }
    d.paste("tv-client");
    d.key(KeyCode::Enter);
    d.paste(&server.url);
    d.key(KeyCode::Enter);
    d.settle("the test step", |s| {
        matches!(s.test.phase, Phase::Failed(_))
    });
    let screen = draw(&d.state, 100, 30);
    assert!(screen.contains("No call was made"), "{screen}");
    assert!(!screen.contains("refused"), "{screen}");
    assert_snapshot!("test_failed_device_no_test_url", screen);
}

/// Event Temple with the org left out (it is optional): the wizard still
/// stops on the org field with the organizations listed; Enter goes on
/// without one, and the test step says no call was made (its request needs
/// the org header) instead of blaming a wrong org.
#[test]
fn event_temple_without_an_org_lists_them_then_goes_on_untested() {
    let server = common::event_temple_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = event_temple_past_the_secret(&server.url, dir.path());
    d.settle("the organizations listed on the org field", |s| {
        matches!(&s.creds.lookup.phase, oauth_setup::tui::LookupPhase::Ready(c) if c.len() == 2)
    });
    let form = draw(&d.state, 100, 30);
    assert!(form.contains("Hotel South"), "{form}");
    d.key(KeyCode::Esc); // close the list, pick none
    assert_eq!(d.state.screen, Screen::Credentials);
    d.key(KeyCode::Enter);
    d.settle("the test step", |s| {
        matches!(s.test.phase, Phase::Failed(_))
    });
    let screen = draw(&d.state, 100, 30);
    assert!(screen.contains("No call was made"), "{screen}");
    assert!(screen.contains("X-API-ORG"), "{screen}");
    assert!(!screen.contains("probably wrong"), "{screen}");
    let seen = server.requests();
    assert!(seen.iter().all(|r| r.header("X-API-ORG").is_none()));
    assert!(seen.iter().all(|r| !r.url.starts_with("/v2/bookings")));
}
