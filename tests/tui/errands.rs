//! What is started on the list ends on the list (export, sign in again,
//! change scopes), and work is not lost without a question: Ctrl-C on a
//! filled form asks as Esc does, and going back to the form after a sign-in
//! does not sign in a second time behind the person's back.

use crate::fixtures::*;
use crate::journeys::*;
use crossterm::event::KeyCode;
use oauth_setup::provider::Field;
use oauth_setup::tui::{Action, Effect, FormKey, OnYes, Phase, Screen, State, update};

fn exported_from_home() -> State {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    let fx = update(&mut s, key(KeyCode::Char('e')));
    let [Effect::Describe { path, .. }] = fx.as_slice() else {
        panic!("expected the file to be described: {fx:?}");
    };
    let path = path.clone();
    apply(
        &mut s,
        [Action::Described(oauth_setup::tui::Saved {
            location: path.to_string_lossy().into_owned(),
            settings_arg: "crm".into(),
            file: Some(path),
            backup: None,
            env: Vec::new(),
            next: Vec::new(),
        })],
    );
    assert_eq!(s.screen, Screen::Save);
    s
}

/// After `keys`, the list again, read anew, with nothing of the errand left.
fn back_on_the_list(s: &mut State, keys: &[KeyCode]) {
    let mut fx = Vec::new();
    for k in keys {
        fx = update(s, key(*k));
    }
    assert_eq!(s.screen, Screen::Home, "notice: {:?}", s.notice);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadConnections { .. })),
        "the list is read again: {fx:?}"
    );
    assert!(s.home.reconnecting.is_none());
    assert!(s.settings.is_none() && s.save.saved.is_none() && s.save.export.is_none());
}

#[test]
fn export_from_the_list_says_no_sign_in_and_ends_on_the_list() {
    let mut s = exported_from_home();
    let screen = draw(&s, 80, 24);
    assert!(
        !screen.contains("Signed in"),
        "nothing was signed in:\n{screen}"
    );
    // Never mind: one Esc, not seven.
    back_on_the_list(&mut s, &[KeyCode::Esc]);

    // A finished export: Enter goes back to the list, not to an empty
    // "How to use it".
    let mut s = exported_from_home();
    apply(&mut s, [Action::ExportFinished(Ok("/tmp/crm.age".into()))]);
    assert!(draw(&s, 80, 24).contains("crm.age"));
    back_on_the_list(&mut s, &[KeyCode::Enter]);
}

#[test]
fn esc_from_sign_in_again_or_change_scopes_is_back_on_the_list() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    apply(&mut s, [key(KeyCode::Char('c'))]);
    assert_eq!(s.screen, Screen::Scopes);
    back_on_the_list(&mut s, &[KeyCode::Esc]);

    // The secret was not kept: the form asks for it, Esc leaves.
    apply(&mut s, [key(KeyCode::Char('s'))]);
    assert_eq!(s.screen, Screen::Credentials);
    back_on_the_list(&mut s, &[KeyCode::Esc]);
    // Nothing was typed: nothing to ask about.
    assert!(s.confirm_quit.is_none());
}

#[test]
fn finishing_a_sign_in_again_is_back_on_the_list() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    apply(&mut s, [key(KeyCode::Char('s'))]);
    assert_eq!(s.screen, Screen::Credentials);
    apply(&mut s, [paste("hub-secret")]);
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::StartLogin { .. })),
        "{fx:?}"
    );
    signed_in_and_tested(&mut s, settings("hubdb", "oauth", "authorization_code"));
    let _ = update(&mut s, key(KeyCode::Enter));
    apply(&mut s, [Action::SaveFinished(Ok(saved_file("crm")))]);
    assert!(draw(&s, 80, 24).contains("Enter back to the list"));
    back_on_the_list(&mut s, &[KeyCode::Enter]);
    assert!(!s.quit, "the wizard stays open");
    let said = s.notice.clone().map(|n| n.text).unwrap_or_default();
    assert!(said.contains("crm: signed in again and saved"), "{said}");
    assert!(s.home.saved.is_some(), "reported when the wizard closes");

    // Logged out afterwards: no longer reported as saved.
    let _ = update(&mut s, key(KeyCode::Char('l')));
    let fx = update(&mut s, key(KeyCode::Char('y')));
    let Some(Effect::Logout { run, .. }) = fx.first() else {
        panic!("{fx:?}");
    };
    let run = *run;
    apply(
        &mut s,
        [Action::ConnectionFinished {
            run,
            result: Ok("Logged out.".into()),
        }],
    );
    assert!(s.home.saved.is_none());
}

#[test]
fn leaving_an_errand_with_an_unsaved_credential_asks_first() {
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    apply(
        &mut s,
        [
            key(KeyCode::Char('s')),
            paste("hub-secret"),
            key(KeyCode::Enter),
        ],
    );
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Ok(Box::new(settings("hubdb", "oauth", "authorization_code"))),
        }],
    );
    // Test → (the sign-in is skipped backwards) → form → the list?
    assert_eq!(s.screen, Screen::Test);
    apply(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(s.screen, Screen::Credentials);
    let q = s.confirm_quit.clone().expect("asked");
    assert!(q.contains("not saved yet"), "{q}");
    assert_eq!(s.on_yes, OnYes::List);
    assert!(draw(&s, 80, 24).contains("y back to the list"));
    apply(&mut s, [key(KeyCode::Char('n'))]);
    assert!(s.settings.is_some(), "n keeps it");
    apply(&mut s, [key(KeyCode::Esc)]);
    back_on_the_list(&mut s, &[KeyCode::Char('y')]);
}

#[test]
fn ctrl_c_on_a_filled_form_asks_as_esc_does() {
    let mut s = at_cvent_credentials();
    apply(&mut s, [paste("cvent-id")]);
    let fx = update(&mut s, ctrl('c'));
    assert!(!s.quit && fx.is_empty(), "{fx:?}");
    let q = s.confirm_quit.clone().expect("asked");
    assert!(q.contains("what you typed"), "{q}");
    apply(&mut s, [key(KeyCode::Char('n'))]);
    assert!(!s.quit && s.screen == Screen::Credentials);
    assert_eq!(s.creds.value(&FormKey::Field(Field::ClientId)), "cvent-id");
    // A second Ctrl-C is the way out at once.
    apply(&mut s, [ctrl('c'), ctrl('c')]);
    assert!(s.quit);

    // Scopes typed on the scopes screen are work too.
    let mut s = at_cvent_scopes();
    apply(&mut s, typed("https://example.com/custom.scope"));
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert!(!s.scopes.typed.is_empty(), "added: {:?}", s.notice);
    apply(&mut s, [ctrl('c')]);
    assert!(!s.quit && s.confirm_quit.is_some());

    // Answers filled in from a saved file are not lost by leaving.
    let mut s = at_home(vec![hubdb_valid("crm", 29)]);
    apply(&mut s, [key(KeyCode::Char('s')), ctrl('c')]);
    assert!(s.quit, "{:?}", s.confirm_quit);
}

#[test]
fn back_to_the_form_and_enter_keeps_the_tested_credential() {
    let mut s = at_save();
    let run = s.auth.run;
    // Save → Test → (the sign-in is skipped backwards) → the form.
    apply(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(s.screen, Screen::Credentials);
    let mut fx = Vec::new();
    for _ in 0..4 {
        if s.screen != Screen::Credentials {
            break;
        }
        fx.extend(update(&mut s, key(KeyCode::Enter)));
    }
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::StartLogin { .. })),
        "no second sign-in: {fx:?}"
    );
    assert_eq!(s.auth.run, run);
    assert!(s.settings.is_some(), "the credential is kept");
    assert_eq!(s.screen, Screen::Test);
    assert_eq!(s.test.phase, Phase::Done, "its test stands");
    let said = s.notice.clone().map(|n| n.text).unwrap_or_default();
    assert!(said.contains("kept the credential"), "{said}");
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Save);

    // Changed answers: asked before a second sign-in drops it.
    apply(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    let id = FormKey::Field(Field::ClientId);
    s.creds.focus = oauth_setup::tui::form_rows(&s)
        .iter()
        .position(|r| matches!(r, oauth_setup::tui::FormRow::Input { key, .. } if *key == id))
        .unwrap();
    apply(&mut s, typed("-2"));
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.on_yes, OnYes::SignIn);
    assert!(s.confirm_quit.clone().unwrap().contains("would be dropped"));
    apply(&mut s, [key(KeyCode::Char('n'))]);
    assert_eq!(s.screen, Screen::Credentials);
    assert!(s.settings.is_some(), "n keeps it");
    let _ = update(&mut s, key(KeyCode::Enter));
    let fx = update(&mut s, key(KeyCode::Char('y')));
    let started = fx.iter().find_map(|e| match e {
        Effect::StartLogin { input, .. } => Some(input.client_id.clone()),
        _ => None,
    });
    assert_eq!(started, Some(Some("hub-client-id-2".into())));
    assert_eq!(s.screen, Screen::Authorize);
}
