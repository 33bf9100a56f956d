//! The last screen after saving, with the shipped profiles: it scrolls at
//! 80×24 and teaches how to use the connection with this provider (Event
//! Temple's `X-API-ORG` header, InEvent's `tokenID` query parameter).

use crate::fixtures::{apply, key, state_with, typed};
use crate::journeys::{draw, saved_file};
use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use insta::assert_snapshot;
use oauth_setup::provider;
use oauth_setup::settings::{Meta, Secrets, Settings};
use oauth_setup::tui::{Action, Effect, Phase, Screen, State, Theme, update};
use secrecy::SecretString;

/// 2100-01-01: far enough that the screen shows a date, not "in N min".
const LATER: i64 = 4_102_444_800;

fn meta(v: serde_json::Value) -> Meta {
    let mut base = serde_json::json!({
        "format": "oauth-setup-settings",
        "version": 1,
        "created_at": 0,
        "updated_at": 0,
    });
    base.as_object_mut()
        .unwrap()
        .extend(v.as_object().unwrap().clone());
    serde_json::from_value(base).expect("meta")
}

/// The wizard on the Save screen of `provider` with `settings` signed in
/// and tested, then saved as `name`.
fn saved(provider: &str, settings: Settings, name: &str) -> State {
    let profiles = provider::load::builtin();
    let mut s = State::new(
        profiles,
        "/home/user/.config/oauth-setup".into(),
        Theme::plain(),
    );
    s.size = (80, 24);
    s.chosen = s.profiles.iter().position(|p| p.id == provider);
    let scheme = settings.meta.scheme.clone();
    let p = s.profile().expect("shipped profile");
    s.method.scheme = p.schemes.iter().position(|x| x.id == scheme).unwrap();
    s.settings = Some(settings);
    // The test call's answer moves the wizard on to Save, as after a sign-in.
    s.screen = Screen::Test;
    let run = s.test.run;
    apply(
        &mut s,
        [Action::TestFinished {
            run,
            result: Ok("HTTP 200".into()),
        }],
    );
    assert_eq!(s.screen, Screen::Save);
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Effect::Save { replace: false, .. }]),
        "{cmds:?}"
    );
    apply(&mut s, [Action::SaveFinished(Ok(saved_file(name)))]);
    assert_eq!(s.save.phase, Phase::Done);
    s
}

fn eventtemple() -> State {
    let m = meta(serde_json::json!({
        "provider": "eventtemple",
        "scheme": "client_credentials",
        "kind": "client_credentials",
        "client_id": "et-client",
        "vars": {"api_base": "https://api.eventtemple.com", "org_id": "11"},
        "extra_headers": {"X-API-ORG": "11"},
        "org_id": "11",
        "scopes": ["crm_read", "crm_manage"],
        "granted_scopes": ["crm_read"],
        "expires_at": LATER,
        "token_type": "Bearer",
        "endpoints": {
            "token_url": "https://api.eventtemple.com/oauth/token",
            "test_url": "https://api.eventtemple.com/v2/bookings?page[size]=1"
        },
    }));
    let secrets = Secrets {
        access_token: Some(SecretString::from("et-access-token".to_string())),
        client_secret: Some(SecretString::from("et-secret".to_string())),
        ..Default::default()
    };
    saved("eventtemple", Settings::new(m, secrets), "eventtemple")
}

fn inevent() -> State {
    let m = meta(serde_json::json!({
        "provider": "inevent",
        "scheme": "system",
        "kind": "password_signin",
        "username": "jane@example.com",
        "region": "na",
        "vars": {"base": "https://api.inevent.com/"},
        "token_type": "tokenID",
        "account": {"email": "jane@example.com"},
        "endpoints": {"test_url": "https://api.inevent.com/?action=person.get"},
    }));
    let secrets = Secrets {
        access_token: Some(SecretString::from("inevent-token-id".to_string())),
        ..Default::default()
    };
    saved("inevent", Settings::new(m, secrets), "inevent")
}

fn wheel(down: bool) -> Action {
    Action::Mouse(MouseEvent {
        kind: if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        },
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    })
}

/// Everything the screen holds, top to bottom, by scrolling through it.
fn whole(s: &mut State) -> String {
    apply(s, [key(KeyCode::Home)]);
    let mut out = draw(s, 80, 24);
    for _ in 0..40 {
        apply(s, [key(KeyCode::Down)]);
        out.push_str(&draw(s, 80, 24));
    }
    out
}

#[test]
fn eventtemple_top_and_bottom() {
    let mut s = eventtemple();
    let top = draw(&s, 80, 24);
    assert!(
        top.contains("↑↓ scroll"),
        "the hints say it scrolls:\n{top}"
    );
    assert_snapshot!("last_screen_eventtemple_top", top);
    apply(&mut s, [key(KeyCode::End)]);
    assert_snapshot!("last_screen_eventtemple_bottom", draw(&s, 80, 24));
    let all = whole(&mut s);
    for needle in [
        "! Granted 1 of the 2 scopes asked; not granted: crm_manage",
        "Token valid until 2100-01-01 00:00 UTC",
        "oauth-setup api --settings eventtemple '/v2/bookings?page[size]=1'",
        "X-API-ORG: 11",
        "OAUTH_HEADER_X_API_ORG",
        "--header | curl -H @-",
        "CData has no connector for Event Temple",
    ] {
        assert!(all.contains(needle), "missing `{needle}`");
    }
    for secret in ["et-access-token", "et-secret"] {
        assert!(!all.contains(secret), "{secret} on screen");
    }
}

#[test]
fn inevent_top_and_bottom() {
    let mut s = inevent();
    assert_snapshot!("last_screen_inevent_top", draw(&s, 80, 24));
    apply(&mut s, [key(KeyCode::PageDown), key(KeyCode::PageDown)]);
    assert_snapshot!("last_screen_inevent_bottom", draw(&s, 80, 24));
    let all = whole(&mut s);
    for needle in [
        "Signed in as jane@example.com",
        "tokenID query parameter",
        "--data-urlencode tokenID@-",
        "oauth-setup api --settings inevent '?action=person.get'",
    ] {
        assert!(all.contains(needle), "missing `{needle}`");
    }
    assert!(!all.contains("inevent-token-id"), "token on screen");
}

#[test]
fn the_wheel_and_keys_scroll_within_bounds() {
    let mut s = eventtemple();
    apply(&mut s, [wheel(true), wheel(true)]);
    assert_eq!(s.save.scroll, 2);
    apply(&mut s, [wheel(false)]);
    assert_eq!(s.save.scroll, 1);
    apply(&mut s, [key(KeyCode::End)]);
    let max = s.save.scroll;
    assert!(max > 0);
    apply(&mut s, [key(KeyCode::Down), key(KeyCode::PageDown)]);
    assert_eq!(s.save.scroll, max, "never past the end");
    apply(
        &mut s,
        [
            key(KeyCode::PageUp),
            key(KeyCode::PageUp),
            key(KeyCode::PageUp),
        ],
    );
    assert_eq!(s.save.scroll, 0);
    // On a tall terminal it all fits: nothing to scroll.
    s.size = (100, 60);
    apply(&mut s, [key(KeyCode::End)]);
    assert_eq!(s.save.scroll, 0);
}

#[test]
fn a_cdata_provider_gets_a_string_in_a_new_mode_never_our_file() {
    let m = meta(serde_json::json!({
        "provider": "cvent",
        "scheme": "client_credentials",
        "kind": "client_credentials",
        "client_id": "cv-client",
        "region": "na",
        "vars": {"host": "https://api-platform.cvent.com"},
        "expires_at": LATER,
        "endpoints": {
            "token_url": "https://api-platform.cvent.com/ea/oauth2/token",
            "test_url": "https://api-platform.cvent.com/ea/token-validation"
        },
    }));
    let secrets = Secrets {
        access_token: Some(SecretString::from("cv-access".to_string())),
        client_secret: Some(SecretString::from("cv-secret".to_string())),
        ..Default::default()
    };
    let mut s = saved("cvent", Settings::new(m, secrets), "cvent");
    let all = whole(&mut s);
    assert!(all.contains("InitiateOAuth=GETANDREFRESH"), "{all}");
    assert!(all.contains("OAuthClientSecret=••••••"), "{all}");
    assert!(
        all.contains("oauth-setup connection-string --settings cvent --mode app"),
        "{all}"
    );
    assert!(!all.contains("cv-secret") && !all.contains("cv-access"));
    assert!(
        !all.contains("OAuthSettingsLocation=/"),
        "never one of our files:\n{all}"
    );
    let footer = draw(&s, 80, 24)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        footer.contains("c t copy CData / token cmd") && footer.contains("^C quit"),
        "every hint fits in 80 columns: {footer}"
    );
    // c copies the command that prints the real string.
    let fx = update(&mut s, key(KeyCode::Char('c')));
    assert!(
        matches!(fx.as_slice(), [Effect::Copy(c)] if c.contains("connection-string --settings cvent --mode app")),
        "{fx:?}"
    );
}

#[test]
fn the_save_form_for_vault_and_the_name_question() {
    use oauth_setup::tui::Taken;
    let mut s = crate::journeys::at_save();
    // What the environment offered is set here, so the picture is the same
    // on every machine.
    s.save.vault.addr = tui_input::Input::new("https://vault.example.com:8200".into());
    s.save.vault.token_source = Some(oauth_setup::settings::vault::TokenSource::TokenFile);
    apply(&mut s, [key(KeyCode::Up), key(KeyCode::Right)]);
    assert_snapshot!("save_form_vault", draw(&s, 80, 24));
    apply(&mut s, [key(KeyCode::Left)]);
    apply(
        &mut s,
        [Action::SaveTaken(Taken {
            location: "/home/user/.config/oauth-setup/settings/hubdb.json".into(),
            holds: "a hubdb connection for jane@example.com".into(),
            backup: Some("/home/user/.config/oauth-setup/settings/hubdb.json.bak".into()),
            free_name: Some("hubdb-2".into()),
            unreadable: false,
        })],
    );
    let screen = draw(&s, 80, 24);
    assert_snapshot!("save_name_taken", screen);
    // n saves under the free name, never over the old one.
    let fx = update(&mut s, key(KeyCode::Char('n')));
    assert!(
        matches!(fx.as_slice(), [Effect::Save { replace: false, target: oauth_setup::tui::SaveTarget::File { name: Some(n), .. }, .. }] if n == "hubdb-2"),
        "{fx:?}"
    );
}

/// OData's browser method takes an optional client secret (the seed's custom
/// app has one): the credentials screen has the field, masked, and the
/// form's request carries it.
#[test]
fn odata_desktop_form_has_an_optional_masked_client_secret() {
    use oauth_setup::provider::Field;
    use oauth_setup::tui::FormKey;
    let mut s = state_with(oauth_setup::provider::builtin());
    apply(&mut s, typed("odata"));
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Method);
    assert_eq!(s.scheme().map(|x| x.id.as_str()), Some("desktop"));
    apply(&mut s, [key(KeyCode::Enter)]);
    for _ in 0..6 {
        if s.screen == Screen::Credentials {
            break;
        }
        apply(&mut s, [key(KeyCode::Enter)]);
    }
    assert_eq!(s.screen, Screen::Credentials);
    let screen = draw(&s, 100, 40);
    assert!(screen.contains("Client secret"), "{screen}");
    let secret = FormKey::Field(Field::ClientSecret);
    let rows = oauth_setup::tui::form_rows(&s);
    let at = rows
        .iter()
        .position(|r| matches!(r, oauth_setup::tui::FormRow::Input { key, required: false } if *key == secret))
        .expect("an optional client secret row");
    s.creds.focus = at;
    apply(&mut s, [crate::fixtures::paste("od-secret")]);
    assert_eq!(s.creds.value(&secret), "od-secret");
    let screen = draw(&s, 100, 40);
    assert!(!screen.contains("od-secret"), "{screen}");
}
