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

pub fn at_save() -> State {
    let mut s = at_hubdb_authorize();
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Ok(Box::new(settings("hubdb", "oauth", "authorization_code"))),
        }],
    );
    let run = s.test.run;
    apply(
        &mut s,
        [Action::TestFinished {
            run,
            result: Ok("3 HubDB tables".into()),
        }],
    );
    assert_eq!(s.screen, Screen::Save);
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
