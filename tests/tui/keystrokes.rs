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

/// Provider → Cvent client credentials in `region_steps` presses of → on
/// the method screen → credentials pasted → signed in, tested, on Save.
fn cvent_to_save(d: &mut Driver, region_steps: usize, client_id: &str) {
    d.typed("cv");
    d.key(KeyCode::Enter);
    d.at(Screen::Method);
    for _ in 0..region_steps {
        d.key(KeyCode::Right);
    }
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter); // checklist
    d.key(KeyCode::Enter); // scopes
    d.at(Screen::Credentials);
    d.paste(client_id);
    d.key(KeyCode::Enter);
    d.paste("cvent-client-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
}

/// `oauth-setup test --settings NAME` in `dir`: the saved connection works
/// from the command line by the name the wizard gave it.
fn cli_test(dir: &std::path::Path, name: &str) {
    let out = std::process::Command::new(common::bin())
        .args(["--config-dir"])
        .arg(dir)
        .args(["test", "--settings", name])
        .env_remove("OAUTH_SETUP_KEY")
        .env_remove("OAUTH_SETUP_CONFIG_DIR")
        .output()
        .expect("run oauth-setup");
    assert!(
        out.status.success(),
        "test --settings {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_second_cvent_account_is_saved_beside_the_first() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");

    let mut first = Driver::launch(profiles(&base), dir.path());
    cvent_to_save(&mut first, 0, "cvent-na-client");
    first.key(KeyCode::Enter);
    first.settle("first save", saved);
    assert_eq!(first.state.save.phase, Phase::Done);
    let na = dir.path().join("settings/cvent.json");
    let na_bytes = std::fs::read(&na).expect("first file");

    // The EU account: same provider, so the default name is taken.
    let mut d = Driver::launch(profiles(&base), dir.path());
    // A connection exists, so the wizard opens on the home screen.
    d.settle("the saved connections", |s| s.screen == Screen::Home);
    d.key(KeyCode::Char('n')); // new connection
    d.at(Screen::Provider);
    cvent_to_save(&mut d, 1, "cvent-eu-client");
    let before = d.keys;
    d.key(KeyCode::Enter);
    d.settle("the question", |s| s.save.taken.is_some() || saved(s));
    let t = d
        .state
        .save
        .taken
        .clone()
        .expect("asks: replace or new name");
    assert_eq!(t.free_name.as_deref(), Some("cvent-eu"));
    assert!(t.holds.contains("cvent"), "{}", t.holds);
    let screen = crate::journeys::draw(&d.state, 80, 24);
    assert!(
        screen.contains("cvent.json.bak"),
        "names the backup:\n{screen}"
    );
    assert!(screen.contains("as cvent-eu"), "{screen}");
    assert_eq!(std::fs::read(&na).unwrap(), na_bytes, "nothing written yet");
    d.key(KeyCode::Char('n'));
    d.settle("second save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert_eq!(d.keys - before, 2, "Enter, then n");
    let saved_as = d.state.save.saved.clone().expect("saved");
    assert_eq!(saved_as.settings_arg, "cvent-eu");
    assert!(
        saved_as
            .next
            .iter()
            .any(|n| n.command == "oauth-setup token --settings cvent-eu"),
        "{:?}",
        saved_as.next
    );

    // Both survive, each with its own account, and both work.
    assert_eq!(
        std::fs::read(&na).unwrap(),
        na_bytes,
        "the first is untouched"
    );
    let key = oauth_setup::settings::load_key(&oauth_setup::settings::KeySource::Default(
        oauth_setup::paths::key_file(dir.path()),
    ))
    .expect("key");
    let eu = dir.path().join("settings/cvent-eu.json");
    let read = |p: &std::path::Path| oauth_setup::settings::read(p, &key).expect("readable");
    assert_eq!(read(&na).meta.client_id.as_deref(), Some("cvent-na-client"));
    assert_eq!(read(&eu).meta.client_id.as_deref(), Some("cvent-eu-client"));
    assert_eq!(read(&eu).meta.region.as_deref(), Some("eu"));
    cli_test(dir.path(), "cvent");
    cli_test(dir.path(), "cvent-eu");

    // A third run that means to replace: r, and the old one is the backup
    // (as it is now: the CLI tests above recorded their result in it).
    let na_bytes = std::fs::read(&na).expect("first file");
    let mut r = Driver::launch(profiles(&base), dir.path());
    r.settle("the saved connections", |s| s.screen == Screen::Home);
    r.key(KeyCode::Char('n'));
    cvent_to_save(&mut r, 0, "cvent-na-client-2");
    r.key(KeyCode::Enter);
    r.settle("the question", |s| s.save.taken.is_some());
    r.key(KeyCode::Char('r'));
    r.settle("replaced", saved);
    let done = r.state.save.saved.clone().expect("saved");
    assert_eq!(
        done.backup.as_deref(),
        Some(dir.path().join("settings/cvent.json.bak").as_path())
    );
    assert_eq!(
        read(&na).meta.client_id.as_deref(),
        Some("cvent-na-client-2")
    );
    let bak = dir.path().join("settings/cvent.json.bak");
    assert_eq!(std::fs::read(&bak).unwrap(), na_bytes, "the old one, kept");
    assert!(crate::journeys::draw(&r.state, 80, 24).contains("kept as"));
}
