//! Keystroke budgets from issue 4, counted by driving `update` with key
//! events while the real sign-in, test call and settings store run against
//! a local server, with `$BROWSER` playing the browser.
//!
//! (a) Cvent client credentials: launch → saved and tested ≤ 12 keys + 2 pastes.
//! (b) HubDB browser sign-in:     launch → saved and tested ≤ 10 keys + 2 pastes.

use crate::common;
use crate::driver::{Driver, install_browser, profiles, saved, start_provider};
use crate::fixtures;
use crossterm::event::KeyCode;
use oauth_setup::tui::{AuthPhase, Phase, Screen, State};

#[test]
fn cvent_client_credentials_within_budget() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(profiles(&base), dir.path());

    d.typed("cv");
    d.key(KeyCode::Enter); // provider
    d.at(Screen::Method);
    d.key(KeyCode::Enter); // client credentials, North America
    d.at(Screen::Setup);
    d.key(KeyCode::Enter); // checklist read
    d.at(Screen::Scopes);
    d.key(KeyCode::Enter); // connector preset
    d.at(Screen::Credentials);
    d.paste("cvent-client-id");
    d.key(KeyCode::Enter);
    d.paste("cvent-client-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
    d.key(KeyCode::Enter); // save at the default path
    d.settle("save", saved);

    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    let path = dir.path().join("settings/cvent.json");
    assert!(path.exists(), "no settings file at {}", path.display());
    assert!(d.keys <= 12, "{} keys", d.keys);
    assert!(d.pastes <= 2, "{} pastes", d.pastes);
    eprintln!("cvent: {} keys + {} pastes", d.keys, d.pastes);
}

#[test]
fn hubdb_browser_sign_in_within_budget() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    install_browser();
    let mut d = Driver::launch(profiles(&base), dir.path());

    d.typed("h");
    d.key(KeyCode::Enter); // provider
    d.at(Screen::Method);
    d.key(KeyCode::Enter); // browser sign-in
    d.at(Screen::Setup);
    d.key(KeyCode::Enter);
    d.at(Screen::Scopes);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
    d.paste("hub-client-id");
    d.key(KeyCode::Enter);
    d.paste("hub-client-secret");
    d.key(KeyCode::Enter);
    // The browser script plays the consent click.
    d.settle("browser sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
    d.key(KeyCode::Enter);
    d.settle("save", saved);

    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert!(dir.path().join("settings/hubdb.json").exists());
    assert!(d.keys <= 10, "{} keys", d.keys);
    assert!(d.pastes <= 2, "{} pastes", d.pastes);
    eprintln!("hubdb: {} keys + {} pastes", d.keys, d.pastes);
}

#[test]
fn wrong_client_secret_is_explained_and_recoverable() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(profiles(&base), dir.path());
    d.typed("cv");
    for _ in 0..4 {
        d.key(KeyCode::Enter);
    }
    d.at(Screen::Credentials);
    d.paste("cvent-client-id");
    d.key(KeyCode::Enter);
    d.paste("wrong-secret");
    d.key(KeyCode::Enter);
    d.settle("failed sign-in", |s| {
        matches!(s.auth.phase, AuthPhase::Failed { .. })
    });
    let AuthPhase::Failed { message: msg, .. } = d.state.auth.phase.clone() else {
        unreachable!()
    };
    assert!(msg.contains("invalid_client"), "{msg}");
    assert!(!msg.contains("wrong-secret"), "secret echoed: {msg}");

    // Back keeps the client ID; retype the secret and go again.
    d.key(KeyCode::Esc);
    d.at(Screen::Credentials);
    assert_eq!(
        d.state.creds.value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::ClientId
        )),
        "cvent-client-id"
    );
    // Focus is still on the secret, where the user left it.
    d.apply(fixtures::ctrl('u'));
    d.paste("right-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in after fixing the secret", |s| {
        s.screen == Screen::Save
    });
    assert_eq!(d.state.test.phase, Phase::Done);
}

/// Event Temple: token by client credentials (JSON body), organizations as
/// JSON:API, and the test call with the org header.
fn eventtemple_server(orgs_status: u16) -> common::TestServer {
    common::TestServer::start(move |r| {
        let path = r.url.split('?').next().unwrap_or("");
        match (r.method.as_str(), path) {
            ("POST", "/oauth/token") if r.body.contains("\"client_id\":\"et-client\"") => (
                200,
                "application/json",
                r#"{"access_token":"et-token","token_type":"Bearer","expires_in":7200}"#.into(),
            ),
            ("POST", "/oauth/token") => (
                401,
                "application/json",
                r#"{"error":"invalid_client"}"#.into(),
            ),
            ("GET", "/v2/organizations")
                if r.header("Authorization") == Some("Bearer et-token") =>
            {
                (
                    orgs_status,
                    "application/vnd.api+json",
                    if orgs_status == 200 {
                        r#"{"data":[{"id":"11","type":"organizations","attributes":{"name":"Hotel North"}},{"id":"12","type":"organizations","attributes":{"name":"Hotel South"}}]}"#.into()
                    } else {
                        r#"{"errors":[{"title":"Forbidden","detail":"This app may not list organizations"}]}"#.into()
                    },
                )
            }
            ("GET", "/v2/bookings") if r.header("X-API-ORG").is_some() => {
                (200, "application/vnd.api+json", r#"{"data":[]}"#.into())
            }
            _ => (
                404,
                "application/json",
                r#"{"errors":[{"title":"Not found"}]}"#.into(),
            ),
        }
    })
}

fn org_id(s: &State) -> String {
    s.creds
        .value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::OrgId,
        ))
        .to_string()
}

#[test]
fn eventtemple_org_picked_from_the_list() {
    use oauth_setup::tui::LookupPhase;
    let server = eventtemple_server(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(vec![fixtures::eventtemple_at(&server.url)], dir.path());
    d.key(KeyCode::Enter); // the one provider
    d.at(Screen::Scopes);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
    d.paste("et-client");
    d.key(KeyCode::Enter);
    d.paste("et-secret");
    d.key(KeyCode::Enter); // on to the org field, which lists the organizations
    d.settle("organizations", |s| {
        matches!(s.creds.lookup.phase, LookupPhase::Ready(_))
    });
    assert!(d.state.creds.lookup.open, "the list opens by itself");
    assert_eq!(d.state.creds.lookup_choices().len(), 2);
    d.key(KeyCode::Down);
    d.key(KeyCode::Up);
    d.key(KeyCode::Enter); // pick "Hotel North"
    assert_eq!(org_id(&d.state), "11");
    d.key(KeyCode::Enter); // sign in, test, on to Save
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert!(dir.path().join("settings/eventtemple.json").exists());

    let seen = server.requests();
    let orgs = seen
        .iter()
        .find(|r| r.url.starts_with("/v2/organizations"))
        .expect("organizations listed");
    assert_eq!(
        orgs.header("X-API-ORG"),
        None,
        "no org header before there is an org"
    );
    let test = seen
        .iter()
        .find(|r| r.url.starts_with("/v2/bookings"))
        .expect("test call made");
    assert_eq!(test.header("X-API-ORG"), Some("11"));
    eprintln!("eventtemple: {} keys + {} pastes", d.keys, d.pastes);
}

#[test]
fn eventtemple_org_list_fails_then_typing_works() {
    use oauth_setup::tui::LookupPhase;
    let server = eventtemple_server(403);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(vec![fixtures::eventtemple_at(&server.url)], dir.path());
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
    d.paste("et-client");
    d.key(KeyCode::Enter);
    d.paste("et-secret");
    d.key(KeyCode::Enter);
    d.settle("organizations failure", |s| {
        matches!(s.creds.lookup.phase, LookupPhase::Failed(_))
    });
    let LookupPhase::Failed(msg) = d.state.creds.lookup.phase.clone() else {
        unreachable!()
    };
    assert!(msg.contains("may not list organizations"), "{msg}");
    assert!(
        d.state
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("type the ID")),
        "{:?}",
        d.state.notice
    );
    d.typed("11");
    assert_eq!(org_id(&d.state), "11");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
}
