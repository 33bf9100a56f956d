//! The wizard brought to a given screen by real key presses and background
//! results, for the snapshot tests to draw and poke at.

use crate::fixtures::*;
use crossterm::event::KeyCode;
use oauth_setup::oauth::LoginEvent;
use oauth_setup::settings::{Meta, Secrets, Settings};
use oauth_setup::tui::{Action, Effect, Saved, Screen, State, render, update};
use ratatui::{Terminal, backend::TestBackend};
use std::time::Duration;

pub fn draw(state: &State, w: u16, h: u16) -> String {
    let mut s = state.clone();
    s.size = (w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| render(f, &s)).expect("draw");
    t.backend().to_string()
}

pub fn settings(provider: &str, scheme: &str, kind: &str) -> Settings {
    let meta: Meta = serde_json::from_value(serde_json::json!({
        "format": "oauth-setup-settings",
        "version": 1,
        "provider": provider,
        "scheme": scheme,
        "kind": kind,
        "created_at": 0,
        "updated_at": 0,
    }))
    .expect("meta");
    Settings {
        meta,
        secrets: Secrets::default(),
    }
}

pub fn at_cvent_scopes() -> State {
    let mut s = state();
    apply(
        &mut s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Enter),
            key(KeyCode::Enter),
        ],
    );
    assert_eq!(s.screen, Screen::Scopes);
    s
}

pub fn at_cvent_credentials() -> State {
    let mut s = at_cvent_scopes();
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Credentials);
    s
}

pub fn at_hubdb_authorize() -> State {
    let mut s = state();
    apply(&mut s, typed("hub"));
    apply(
        &mut s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Enter),
            key(KeyCode::Enter),
            key(KeyCode::Enter),
        ],
    );
    assert_eq!(s.screen, Screen::Credentials);
    apply(
        &mut s,
        [
            paste("hub-client-id"),
            key(KeyCode::Enter),
            paste("hub-secret\n"),
        ],
    );
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Effect::StartLogin { .. }]),
        "{cmds:?}"
    );
    assert_eq!(s.screen, Screen::Authorize);
    s
}

pub fn login_event(s: &mut State, event: LoginEvent) {
    let run = s.auth.run;
    apply(s, [Action::Login { run, event }]);
}

/// The sign-in in progress ends with `done` and its test call passes: on
/// the Save screen.
pub fn signed_in_and_tested(s: &mut State, done: oauth_setup::settings::Settings) {
    let run = s.auth.run;
    apply(
        s,
        [Action::LoginFinished {
            run,
            result: Ok(Box::new(done)),
        }],
    );
    let run = s.test.run;
    apply(
        s,
        [Action::TestFinished {
            run,
            result: Ok("3 HubDB tables".into()),
        }],
    );
    assert_eq!(s.screen, Screen::Save);
}

pub fn at_save() -> State {
    let mut s = at_hubdb_authorize();
    signed_in_and_tested(&mut s, settings("hubdb", "oauth", "authorization_code"));
    s
}

/// Event Temple's credentials form with the ID and secret pasted: Enter
/// lands on the org field, which asks for the organizations by itself.
pub fn at_eventtemple_org() -> (State, u64) {
    let mut s = state_with(vec![profile(EVENTTEMPLE)]);
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Credentials);
    apply(
        &mut s,
        [paste("et-client"), key(KeyCode::Enter), paste("et-secret")],
    );
    let cmds = update(&mut s, key(KeyCode::Enter));
    let run = match cmds.as_slice() {
        [Effect::Lookup { run, input, .. }] => {
            assert_eq!(input.client_id.as_deref(), Some("et-client"));
            *run
        }
        other => panic!("expected one lookup, got {other:?}"),
    };
    (s, run)
}

pub fn orgs() -> Vec<oauth_setup::probe::Choice> {
    [
        ("11", "Hotel North"),
        ("12", "Hotel South"),
        ("207", "Conference Centre"),
    ]
    .into_iter()
    .map(|(v, l)| oauth_setup::probe::Choice {
        value: v.into(),
        label: l.into(),
    })
    .collect()
}

pub fn at_device_wait() -> State {
    let mut s = state_with(vec![profile(DEVICE)]);
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Credentials);
    apply(
        &mut s,
        [
            paste("tv-client"),
            key(KeyCode::Enter),
            paste("https://id.example.com"),
        ],
    );
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Effect::StartLogin { .. }]),
        "{cmds:?}"
    );
    login_event(
        &mut s,
        LoginEvent::DeviceCode {
            user_code: "WDJB-MJHT".into(),
            verification_uri: "https://id.example.com/device".into(),
            verification_uri_complete: Some(
                "https://id.example.com/device?user_code=WDJB-MJHT".into(),
            ),
            expires_in: Duration::from_secs(600),
        },
    );
    s
}

pub fn at_save_done() -> State {
    let mut s = at_save();
    let _ = update(&mut s, key(KeyCode::Enter));
    apply(&mut s, [Action::SaveFinished(Ok(saved_file("hubdb")))]);
    s
}

/// When the home screen's list was read: "ago"s and token states count
/// from it, so the snapshots do not depend on the clock.
pub const READ_AT: i64 = 1_800_000_000;

/// A saved connection as the home screen gets it, `edit` shaping its file.
pub fn connection(
    name: &str,
    provider: &str,
    scheme: &str,
    kind: &str,
    edit: impl FnOnce(&mut Settings),
) -> oauth_setup::connections::Loaded {
    let mut s = settings(provider, scheme, kind);
    edit(&mut s);
    let path = std::path::PathBuf::from(format!(
        "/home/user/.config/oauth-setup/settings/{name}.json"
    ));
    oauth_setup::connections::Loaded {
        connection: oauth_setup::connections::Connection::of(&path, &s, READ_AT),
        settings: Some(s),
    }
}

/// A HubDB browser sign-in valid for `minutes`, with a refresh token.
pub fn hubdb_valid(name: &str, minutes: i64) -> oauth_setup::connections::Loaded {
    connection(name, "hubdb", "oauth", "authorization_code", |s| {
        s.meta.client_id = Some("hub-client-id".into());
        s.meta.expires_at = Some(READ_AT + minutes * 60 + 30);
        s.meta.account = Some(oauth_setup::settings::Account {
            email: Some(format!("{name}@example.com")),
            ..Default::default()
        });
        s.meta.last_test = Some(oauth_setup::settings::LastTest {
            at: READ_AT - 2 * 3600,
            ok: true,
            summary: "HTTP 200 — 3 HubDB tables".into(),
        });
        s.secrets.access_token = Some(secrecy::SecretString::from("at".to_string()));
        s.secrets.refresh_token = Some(secrecy::SecretString::from("rt".to_string()));
    })
}

/// The wizard started with these connections saved: on the home screen.
pub fn at_home(rows: Vec<oauth_setup::connections::Loaded>) -> State {
    let mut s = state();
    apply(
        &mut s,
        [Action::ConnectionsLoaded {
            at: READ_AT,
            result: Ok(rows),
        }],
    );
    assert_eq!(s.screen, Screen::Home);
    s
}

/// What the executor answers for a file saved as `name` in the settings
/// directory (the screen fills in the next commands).
pub fn saved_file(name: &str) -> Saved {
    let path = format!("/home/user/.config/oauth-setup/settings/{name}.json");
    Saved {
        location: path.clone(),
        settings_arg: name.into(),
        file: Some(path.into()),
        backup: None,
        env: Vec::new(),
        next: Vec::new(),
    }
}
