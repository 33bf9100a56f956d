//! Every wizard screen rendered on ratatui's TestBackend, as insta snapshots.
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).

use crate::fixtures::*;
use crate::journeys::*;
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use insta::assert_snapshot;
use oauth_setup::oauth::LoginEvent;
use oauth_setup::tui::{Action, Effect, Failure, Screen, update};
use std::time::Duration;

#[test]
fn provider_list() {
    assert_snapshot!(draw(&state(), 80, 24));
}

#[test]
fn provider_filtered() {
    let mut s = state();
    apply(&mut s, typed("hub"));
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn provider_no_match_error() {
    let mut s = state();
    apply(&mut s, typed("zzz"));
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Provider);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn method_with_regions() {
    let mut s = state();
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Right)]);
    assert_eq!(s.screen, Screen::Method);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn setup_checklist_with_redirect() {
    let mut s = state();
    apply(&mut s, typed("hub"));
    apply(
        &mut s,
        [
            key(KeyCode::Enter),
            key(KeyCode::Enter),
            key(KeyCode::Char(' ')),
            key(KeyCode::End),
        ],
    );
    assert_eq!(s.screen, Screen::Setup);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn scopes_default_preset() {
    assert_snapshot!(draw(&at_cvent_scopes(), 80, 24));
}

#[test]
fn scopes_filtered_and_all_preset() {
    let mut s = at_cvent_scopes();
    apply(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    apply(&mut s, typed("contacts"));
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn credentials_empty() {
    assert_snapshot!(draw(&at_cvent_credentials(), 80, 24));
}

#[test]
fn credentials_required_error() {
    let mut s = at_cvent_credentials();
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Credentials);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn credentials_secret_masked_then_revealed() {
    let mut s = at_cvent_credentials();
    apply(
        &mut s,
        [paste("my-client"), key(KeyCode::Tab), paste("s3cr3t-value")],
    );
    let masked = draw(&s, 80, 24);
    assert!(!masked.contains("s3cr3t"), "secret on screen:\n{masked}");
    assert_snapshot!("credentials_masked", masked);
    apply(&mut s, [ctrl('r')]);
    assert_snapshot!("credentials_revealed", draw(&s, 80, 24));
}

#[test]
fn credentials_bad_url() {
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
    apply(
        &mut s,
        [
            paste("id"),
            key(KeyCode::Tab),
            paste("secret"),
            key(KeyCode::Tab),
        ],
    );
    apply(&mut s, [ctrl('u')]);
    apply(&mut s, typed("http://example.com/cb"));
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn authorize_waiting_for_browser() {
    let mut s = at_hubdb_authorize();
    login_event(
        &mut s,
        LoginEvent::Listening {
            redirect_uri: "http://localhost:33333".into(),
        },
    );
    login_event(
        &mut s,
        LoginEvent::AuthorizeUrl {
            url: "https://app.hubspot.com/oauth/authorize?client_id=hub-client-id&redirect_uri=http%3A%2F%2Flocalhost%3A33333&scope=hubdb%20oauth&state=abc".into(),
            browser_started: true,
        },
    );
    login_event(
        &mut s,
        LoginEvent::Waiting {
            remaining: Duration::from_secs(283),
        },
    );
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn authorize_qr_too_big_for_80x24() {
    let mut s = at_hubdb_authorize();
    login_event(
        &mut s,
        LoginEvent::AuthorizeUrl {
            url: "https://app.hubspot.com/oauth/authorize?client_id=x&state=abc".into(),
            browser_started: false,
        },
    );
    apply(&mut s, [key(KeyCode::Char('q'))]);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn authorize_qr_on_big_terminal() {
    let mut s = at_hubdb_authorize();
    login_event(
        &mut s,
        LoginEvent::AuthorizeUrl {
            url: "https://x.test/a".into(),
            browser_started: false,
        },
    );
    apply(&mut s, [key(KeyCode::Char('q'))]);
    assert_snapshot!(draw(&s, 80, 40));
}

#[test]
fn authorize_paste_redirect() {
    let mut s = at_hubdb_authorize();
    login_event(
        &mut s,
        LoginEvent::Listening {
            redirect_uri: "http://localhost:33333".into(),
        },
    );
    login_event(
        &mut s,
        LoginEvent::AuthorizeUrl {
            url: "https://app.hubspot.com/oauth/authorize?x=1".into(),
            browser_started: false,
        },
    );
    apply(
        &mut s,
        [
            key(KeyCode::Char('p')),
            paste("http://localhost:33333/?code=abc&state=xyz"),
        ],
    );
    assert_snapshot!(draw(&s, 80, 24));
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Effect::ReplayRedirect { .. }]));
}

#[test]
fn authorize_failed_error() {
    let mut s = at_hubdb_authorize();
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(Failure {
                message: "could not connect to https://api.hubapi.com/oauth/2026-03/token: connection refused".into(),
                cancelled: false,
                hint: Some("Check the network (proxy, firewall, VPN) and any URL you typed.".into()),
                field: None,
            }),
        }],
    );
    assert_snapshot!(draw(&s, 80, 24));
    let cmds = update(&mut s, key(KeyCode::Char('r')));
    assert!(matches!(cmds.as_slice(), [Effect::StartLogin { .. }]));
}

#[test]
fn authorize_esc_cancels() {
    let mut s = at_hubdb_authorize();
    let cmds = update(&mut s, key(KeyCode::Esc));
    assert!(matches!(cmds.as_slice(), [Effect::CancelLogin]));
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(Failure {
                message: "sign-in cancelled".into(),
                cancelled: true,
                hint: None,
                field: None,
            }),
        }],
    );
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn test_running_then_failed() {
    let mut s = at_hubdb_authorize();
    let run = s.auth.run;
    let cmds = update(
        &mut s,
        Action::LoginFinished {
            run,
            result: Ok(Box::new(settings("hubdb", "oauth", "authorization_code"))),
        },
    );
    assert_eq!(s.screen, Screen::Test);
    assert!(matches!(cmds.as_slice(), [Effect::StartTest { .. }]));
    assert_snapshot!("test_running", draw(&s, 80, 24));
    let run = s.test.run;
    apply(
        &mut s,
        [Action::TestFinished {
            run,
            result: Err(Failure::new("HTTP 403: missing scopes hubdb")),
        }],
    );
    assert_snapshot!("test_failed", draw(&s, 80, 24));
}

#[test]
fn save_form() {
    assert_snapshot!(draw(&at_save(), 80, 24));
}

#[test]
fn save_done() {
    let mut s = at_save();
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Effect::Save { .. }]));
    apply(&mut s, [Action::SaveFinished(Ok(saved_file("hubdb")))]);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn save_failed_error() {
    let mut s = at_save();
    apply(
        &mut s,
        [
            key(KeyCode::Enter),
            Action::SaveFinished(Err(Failure::new("permission denied"))),
        ],
    );
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn help_overlay() {
    let mut s = at_cvent_scopes();
    apply(&mut s, [key(KeyCode::Char('?'))]);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn narrow_20x5_says_too_small() {
    let out = draw(&at_cvent_credentials(), 20, 5);
    assert!(out.contains("Terminal"));
    assert_snapshot!(out);
}

#[test]
fn every_screen_survives_tiny_and_odd_sizes() {
    let mut screens = vec![
        state(),
        at_cvent_scopes(),
        at_cvent_credentials(),
        at_hubdb_authorize(),
        at_save(),
        at_save_done(),
    ];
    let mut help = at_save();
    apply(&mut help, [key(KeyCode::F(1))]);
    screens.push(help);
    for s in &screens {
        for (w, h) in [
            (1, 1),
            (20, 5),
            (59, 16),
            (60, 16),
            (61, 17),
            (80, 24),
            (200, 60),
        ] {
            let _ = draw(s, w, h);
        }
    }
}

#[test]
fn back_keeps_answers() {
    let mut s = at_cvent_credentials();
    apply(
        &mut s,
        [
            paste("my-client"),
            key(KeyCode::Esc),
            key(KeyCode::Char(' ')),
            key(KeyCode::Esc),
        ],
    );
    assert_eq!(s.screen, Screen::Setup);
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Credentials);
    assert!(draw(&s, 80, 24).contains("my-client"));
    // The scope toggled before going back is still toggled.
    assert!(!s.scopes.selected.contains("event/attendees:read"));
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    // Nothing typed: at once.
    for mut s in [state(), at_cvent_credentials()] {
        let cmds = update(&mut s, ctrl('c'));
        assert!(s.quit);
        assert!(matches!(cmds.last(), Some(Effect::Quit)));
    }
    // A filled form (here during its sign-in): asked, as Esc does; a
    // second Ctrl-C quits at once.
    let mut s = at_hubdb_authorize();
    let cmds = update(&mut s, ctrl('c'));
    assert!(!s.quit && cmds.is_empty(), "{cmds:?}");
    assert!(s.confirm_quit.is_some());
    let cmds = update(&mut s, ctrl('c'));
    assert!(s.quit);
    assert!(matches!(cmds.last(), Some(Effect::Quit)));
}

#[test]
fn mouse_click_selects_list_item() {
    let mut s = state();
    // Row 4 = the second provider: header 1 + border 1 + filter 2 lines.
    let click = |row| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    apply(&mut s, [click(5)]);
    assert_eq!(s.provider.cursor, 1);
    apply(&mut s, [click(5)]);
    assert_eq!(s.profile().map(|p| p.id.as_str()), Some("hubdb"));
}

#[test]
fn long_breadcrumb_never_hides_the_step() {
    let mut s = at_cvent_scopes();
    let p = s.chosen.expect("provider chosen");
    s.profiles[p].schemes[0].title = "a very long method title ".repeat(5);
    let out = draw(&s, 80, 24);
    let first = out.lines().next().unwrap_or_default().to_string();
    assert!(first.contains("step 4 of 8"), "{first}");
    assert!(first.contains('…'), "{first}");
}

#[test]
fn credentials_org_list_loading_then_open() {
    let (mut s, run) = at_eventtemple_org();
    assert_snapshot!("credentials_org_list_loading", draw(&s, 80, 24));
    apply(
        &mut s,
        [Action::LookupFinished {
            run,
            result: Ok(orgs()),
        }],
    );
    assert_snapshot!("credentials_org_list_open", draw(&s, 80, 24));
    // Typing filters; Enter picks the highlighted organization.
    apply(&mut s, typed("sou"));
    assert_snapshot!("credentials_org_list_filtered", draw(&s, 80, 24));
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(
        s.creds.value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::OrgId
        )),
        "12"
    );
    assert!(!s.creds.lookup.open);
}

#[test]
fn credentials_org_list_failed() {
    let (mut s, run) = at_eventtemple_org();
    apply(
        &mut s,
        [Action::LookupFinished {
            run,
            result: Err(Failure::new(
                "no token to ask with: invalid_client: Client authentication failed",
            )),
        }],
    );
    assert_snapshot!("credentials_org_list_failed", draw(&s, 80, 24));
    // Typing the ID by hand still works, and the form goes on.
    apply(&mut s, typed("42"));
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.screen, Screen::Authorize, "{:?}", s.notice);
    assert!(
        matches!(cmds.as_slice(), [Effect::StartLogin { input, .. }] if input.org_id.as_deref() == Some("42"))
    );
}

#[test]
fn authorize_device_code() {
    let mut s = at_device_wait();
    assert_snapshot!("authorize_device_code", draw(&s, 80, 24));
    // The countdown runs on ticks between the flow's reports.
    apply(&mut s, std::iter::repeat_n(Action::Tick, 50));
    assert_eq!(s.auth.time_left(s.tick), Some(Duration::from_secs(595)));
    login_event(
        &mut s,
        LoginEvent::Waiting {
            remaining: Duration::from_secs(590),
        },
    );
    assert_eq!(s.auth.time_left(s.tick), Some(Duration::from_secs(590)));
}

#[test]
fn authorize_device_code_qr() {
    let mut s = at_device_wait();
    apply(&mut s, [key(KeyCode::Char('q'))]);
    assert!(s.auth.qr);
    assert_snapshot!("authorize_device_code_qr", draw(&s, 80, 24));
    // Too small for the code: says so, keeps the address.
    let small = draw(&s, 60, 16);
    assert!(small.contains("does not fit"), "{small}");
    assert!(small.contains("WDJB-MJHT"), "{small}");
}

#[test]
fn authorize_device_code_cancelled() {
    let mut s = at_device_wait();
    let cmds = update(&mut s, key(KeyCode::Esc));
    assert!(matches!(cmds.as_slice(), [Effect::CancelLogin]), "{cmds:?}");
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(Failure {
                message: "sign-in cancelled".into(),
                cancelled: true,
                hint: None,
                field: None,
            }),
        }],
    );
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("Sign-in cancelled"), "{screen}");
    assert!(
        !screen.contains("WDJB"),
        "the stale code is gone:\n{screen}"
    );
}

#[test]
fn save_export_for_a_server() {
    let mut s = at_save_done();
    apply(&mut s, [key(KeyCode::Char('e'))]);
    let x = s.save.export.as_ref().expect("export form");
    assert_eq!(
        x.path.value(),
        "/home/user/.config/oauth-setup/settings/hubdb.age"
    );
    // Passphrase typed twice, masked; a mismatch is flagged on Enter.
    apply(&mut s, typed("correct horse"));
    apply(&mut s, [key(KeyCode::Enter)]);
    apply(&mut s, typed("correct hose"));
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(cmds.is_empty(), "{cmds:?}");
    let screen = draw(&s, 80, 24);
    assert!(
        !screen.contains("correct"),
        "passphrase on screen:\n{screen}"
    );
    assert_snapshot!("save_export_mismatch", screen);
    apply(&mut s, [key(KeyCode::Backspace), key(KeyCode::Backspace)]);
    apply(&mut s, typed("rse"));
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Effect::ExportBundle { path, .. }] if path.ends_with("hubdb.age")),
        "{cmds:?}"
    );
    apply(
        &mut s,
        [Action::ExportFinished(Ok(
            "/home/user/.config/oauth-setup/settings/hubdb.age".into(),
        ))],
    );
    assert_snapshot!("save_export_done", draw(&s, 80, 24));
    // Enter goes back to the saved summary.
    apply(&mut s, [key(KeyCode::Enter)]);
    assert!(s.save.export.is_none());
}

#[test]
fn o_opens_only_the_page_shown_and_never_the_code_flow_address() {
    // Device flow: the page as shown, not the one with the code in it (a
    // browser's arguments are readable by every local user).
    let mut s = at_device_wait();
    let fx = update(&mut s, key(KeyCode::Char('o')));
    assert!(
        matches!(fx.as_slice(), [Effect::OpenUrl(u)] if u == "https://id.example.com/device"),
        "{fx:?}"
    );
    // Code flow: the browser had a one-time link; the address with the
    // state is never handed to a program from here.
    let mut s = at_hubdb_authorize();
    login_event(
        &mut s,
        LoginEvent::AuthorizeUrl {
            url: "https://app.hubspot.com/oauth/authorize?client_id=x&state=abc".into(),
            browser_started: true,
        },
    );
    let fx = update(&mut s, key(KeyCode::Char('o')));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(draw(&s, 100, 30).contains("u shows the address"));
}

// ---- the home screen ------------------------------------------------------

#[test]
fn home_empty_is_the_provider_list() {
    let mut s = state();
    apply(
        &mut s,
        [Action::ConnectionsLoaded {
            at: READ_AT,
            result: Ok(vec![]),
        }],
    );
    assert_eq!(s.screen, Screen::Provider);
    assert_eq!(draw(&s, 80, 24), draw(&state(), 80, 24));
    // Esc there still quits: there is no home to go back to.
    let fx = update(&mut s, key(KeyCode::Esc));
    assert!(matches!(fx.as_slice(), [Effect::Quit]), "{fx:?}");
}

#[test]
fn home_one_connection() {
    assert_snapshot!(draw(&at_home(vec![hubdb_valid("crm", 29)]), 80, 24));
}

#[test]
fn home_twelve_connections_scroll() {
    let mut rows: Vec<_> = (1..=11)
        .map(|i| hubdb_valid(&format!("portal-{i:02}"), i * 5))
        .collect();
    rows.push(oauth_setup::connections::Loaded {
        connection: oauth_setup::connections::Connection {
            name: "zz-broken".into(),
            location: "/home/user/.config/oauth-setup/settings/zz-broken.json".into(),
            provider: None,
            method: None,
            kind: None,
            account: None,
            token: oauth_setup::connections::TokenState::Unreadable(
                "it was written with another key".into(),
            ),
            expires_at: None,
            last_test: None,
            outlook: None,
            renewal: None,
        },
        settings: None,
    });
    let mut s = at_home(rows);
    let top = draw(&s, 80, 24);
    assert!(
        top.contains("portal-01") && !top.contains("zz-broken"),
        "{top}"
    );
    apply(&mut s, [key(KeyCode::End)]);
    let bottom = draw(&s, 80, 24);
    assert!(
        bottom.contains("zz-broken") && !bottom.contains("portal-01"),
        "{bottom}"
    );
    assert!(bottom.contains("12/12"), "{bottom}");
    assert_snapshot!(bottom);
}

#[test]
fn home_expired_connections() {
    let cvent = connection(
        "cvent",
        "cvent",
        "client_credentials",
        "client_credentials",
        |s| {
            s.meta.client_id = Some("cvent-client".into());
            s.meta.expires_at = Some(READ_AT - 300);
            s.secrets.access_token = Some(secrecy::SecretString::from("at".to_string()));
            s.secrets.client_secret = Some(secrecy::SecretString::from("cs".to_string()));
        },
    );
    let hub = connection("hubdb", "hubdb", "oauth", "authorization_code", |s| {
        s.meta.client_id = Some("hub-client-id".into());
        s.meta.expires_at = Some(READ_AT - 3 * 86400);
        s.meta.last_test = Some(oauth_setup::settings::LastTest {
            at: READ_AT - 3 * 86400,
            ok: false,
            summary: "the API rejected the token (HTTP 401)".into(),
        });
        s.secrets.access_token = Some(secrecy::SecretString::from("at".to_string()));
    });
    let mut s = at_home(vec![cvent, hub]);
    let first = draw(&s, 80, 24);
    assert!(first.contains("renewable"), "{first}");
    assert!(first.contains("Enter renew now"), "{first}");
    apply(&mut s, [key(KeyCode::Down)]);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn home_handed_off() {
    let handed = connection("crm", "hubdb", "oauth", "authorization_code", |s| {
        s.meta.client_id = Some("hub-client-id".into());
        s.meta.expires_at = Some(READ_AT - 60);
        s.meta.handed_off_at = Some(READ_AT - 45 * 60);
        s.meta.handed_off_to = Some("memory://crm\u{1b}[31m".into());
        s.secrets.access_token = Some(secrecy::SecretString::from("at".to_string()));
        s.secrets.refresh_token = Some(secrecy::SecretString::from("rt".to_string()));
    });
    let s = at_home(vec![hubdb_valid("portal", 12), handed]);
    let mut s2 = s.clone();
    apply(&mut s2, [key(KeyCode::Down)]);
    let screen = draw(&s2, 100, 30);
    assert!(
        !screen.contains('\u{1b}'),
        "an escape from the file reached the screen"
    );
    assert_snapshot!(screen);
}

#[test]
fn home_log_out_asks_first() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    let fx = update(&mut s, key(KeyCode::Char('l')));
    assert!(fx.is_empty(), "nothing happens before the answer: {fx:?}");
    assert_snapshot!(draw(&s, 80, 24));
    let fx = update(&mut s, key(KeyCode::Char('y')));
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::Logout {
                local_only: false,
                ..
            }]
        ),
        "{fx:?}"
    );
}

#[test]
fn home_sign_in_again_fills_every_answer() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    if let Some(l) = s.home.rows.as_mut().and_then(|r| r.first_mut())
        && let Some(set) = l.settings.as_mut()
    {
        set.secrets.client_secret = Some(secrecy::SecretString::from("hub-secret".to_string()));
        set.meta.scopes = vec!["hubdb".into(), "oauth".into()];
    }
    let fx = update(&mut s, key(KeyCode::Char('s')));
    assert_eq!(s.screen, Screen::Authorize);
    let [Effect::StartLogin { input, .. }] = fx.as_slice() else {
        panic!("expected the sign-in to start: {fx:?}");
    };
    assert_eq!(input.profile_id, "hubdb");
    assert_eq!(input.client_id.as_deref(), Some("hub-client-id"));
    assert_eq!(
        input.scopes.as_deref(),
        Some(&["hubdb".to_string(), "oauth".to_string()][..])
    );
    assert!(input.client_secret.is_some() && input.store_client_secret);
    // A file in the settings directory is saved back under its name.
    assert_eq!(s.save.name.value(), "crm");
    // Cancelled, then back step by step: the providers, then home.
    let run = s.auth.run;
    let mut cancelled = Failure::new("cancelled");
    cancelled.cancelled = true;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(cancelled),
        }],
    );
    for _ in 0..10 {
        if s.screen == Screen::Home {
            break;
        }
        apply(&mut s, [key(KeyCode::Esc)]);
    }
    assert_eq!(s.screen, Screen::Home);
    // n forgets all of it: a new connection never writes there.
    apply(&mut s, [key(KeyCode::Char('n'))]);
    assert_eq!(s.screen, Screen::Provider);
    assert!(s.chosen.is_none() && s.save.name.value() != "crm");
}

#[test]
fn provider_choice_by_id_goes_to_its_method() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    apply(&mut s, [Action::ChooseProvider("cvent".into())]);
    assert_eq!(s.screen, Screen::Method);
    assert_snapshot!(draw(&s, 80, 24));
}

#[test]
fn home_export_opens_the_export_form_and_rereads_on_ticks() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    let fx = update(&mut s, key(KeyCode::Char('e')));
    let [Effect::Describe { path, .. }] = fx.as_slice() else {
        panic!("expected the file to be described: {fx:?}");
    };
    assert_eq!(
        path.to_string_lossy(),
        "/home/user/.config/oauth-setup/settings/crm.json"
    );
    apply(
        &mut s,
        [Action::Described(oauth_setup::tui::Saved {
            location: path.to_string_lossy().into_owned(),
            settings_arg: "crm".into(),
            file: Some(path.clone()),
            backup: None,
            env: Vec::new(),
            next: Vec::new(),
        })],
    );
    assert_eq!(s.screen, Screen::Save);
    assert!(s.save.export.is_some() && s.settings.is_some());
    assert_snapshot!(draw(&s, 80, 24));

    // Left open, the list is read again every 30 s (300 ticks), only there.
    let mut h = at_home(vec![hubdb_valid("crm", 29)]);
    let reads = (0..600)
        .flat_map(|_| update(&mut h, Action::Tick))
        .filter(|e| matches!(e, Effect::LoadConnections { .. }))
        .count();
    assert_eq!(reads, 2);
    let reads = (0..600)
        .flat_map(|_| update(&mut s, Action::Tick))
        .filter(|e| matches!(e, Effect::LoadConnections { .. }))
        .count();
    assert_eq!(reads, 0);
}

/// A custom connection tested against the userinfo URL its discovery
/// found: signing in again keeps that test URL, although the form now has
/// the authorize and token URLs (so discovery is not read again).
#[test]
fn home_sign_in_again_keeps_a_discovered_test_url() {
    let userinfo = "https://idp.example/userinfo";
    let mut s = state_with(oauth_setup::provider::load::builtin());
    let row = connection(
        "work",
        "custom",
        "authorization_code",
        "authorization_code",
        |s| {
            s.meta.client_id = Some("app-1".into());
            s.meta.endpoints.issuer = Some("https://idp.example".into());
            s.meta.endpoints.authorize_url = Some("https://idp.example/authorize".into());
            s.meta.endpoints.token_url = Some("https://idp.example/token".into());
            s.meta.endpoints.test_url = Some(userinfo.into());
            s.meta.expires_at = Some(READ_AT - 60);
        },
    );
    apply(
        &mut s,
        [Action::ConnectionsLoaded {
            at: READ_AT,
            result: Ok(vec![row]),
        }],
    );
    let _ = update(&mut s, key(KeyCode::Char('s')));
    let test_url = oauth_setup::tui::FormKey::Var("test_url".into());
    assert_eq!(
        s.creds.value(&test_url),
        userinfo,
        "{:?} {:?}",
        s.screen,
        s.notice
    );
}
