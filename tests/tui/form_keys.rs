//! The wizard's keys that protect what was typed: a paste replaces a
//! rejected value, quitting with work at stake asks first, the mouse can be
//! handed to the terminal, and copying says where the text went.

use crate::fixtures::*;
use crate::journeys::*;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use oauth_setup::provider::Field;
use oauth_setup::tui::{Action, Effect, Failure, FormKey, Screen, update};

fn secret(s: &oauth_setup::tui::State) -> String {
    s.creds
        .value(&FormKey::Field(Field::ClientSecret))
        .to_string()
}

/// The issue's `wrong-secretcv-secret`: after a refused sign-in, a paste
/// into the hidden secret replaces it.
#[test]
fn a_paste_replaces_a_rejected_value() {
    let mut s = at_hubdb_authorize();
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(Failure::new("invalid_client")),
        }],
    );
    apply(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.screen, Screen::Credentials);
    assert_eq!(secret(&s), "hub-secret");
    apply(&mut s, [paste("cv-secret")]);
    assert_eq!(secret(&s), "cv-secret");
    // A paste into a visible, accepted value goes in at the cursor.
    let id = FormKey::Field(Field::ClientId);
    s.creds.focus = 0;
    apply(&mut s, [ctrl('u')]);
    apply(&mut s, typed("my"));
    apply(&mut s, [paste("-client")]);
    assert_eq!(s.creds.value(&id), "my-client");
    // A wrong value (a URL field holding spaces) is replaced too.
    assert!(
        draw(&s, 100, 30).contains("^U clear"),
        "the hint shows Ctrl-U"
    );
}

#[test]
fn a_paste_into_a_hidden_field_never_appends() {
    let mut s = at_cvent_credentials();
    apply(&mut s, [paste("cvent-id"), key(KeyCode::Enter)]);
    apply(&mut s, [paste("first"), paste("second")]);
    assert_eq!(secret(&s), "second");
}

#[test]
fn ctrl_c_after_a_tested_sign_in_asks_first() {
    let mut s = at_save();
    let fx = update(&mut s, ctrl('c'));
    assert!(!s.quit && fx.is_empty(), "{fx:?}");
    assert!(s.confirm_quit.is_some());
    assert_snapshot!("confirm_quit_unsaved", draw(&s, 80, 24));
    // n stays, with everything as it was.
    apply(&mut s, [key(KeyCode::Char('n'))]);
    assert!(!s.quit && s.confirm_quit.is_none());
    assert_eq!(s.screen, Screen::Save);
    assert!(s.settings.is_some());
    // Keys other than y do not quit either; y does.
    apply(&mut s, [ctrl('c'), key(KeyCode::Esc)]);
    assert!(!s.quit && s.confirm_quit.is_none());
    apply(&mut s, [ctrl('c')]);
    let fx = update(&mut s, key(KeyCode::Char('y')));
    assert!(s.quit);
    assert!(matches!(fx.last(), Some(Effect::Quit)), "{fx:?}");
}

#[test]
fn esc_past_the_first_screen_from_a_filled_form_asks_first() {
    let mut s = at_cvent_credentials();
    apply(&mut s, [paste("cvent-id")]);
    for _ in 0..10 {
        if s.confirm_quit.is_some() {
            break;
        }
        apply(&mut s, [key(KeyCode::Esc)]);
    }
    assert_eq!(s.screen, Screen::Provider);
    assert!(!s.quit, "five Esc no longer quit");
    let q = s.confirm_quit.clone().expect("asked");
    assert!(q.contains("what you typed"), "{q}");
    let screen = draw(&s, 80, 24);
    assert!(screen.contains("y quit"), "{screen}");
    apply(&mut s, [key(KeyCode::Char('y'))]);
    assert!(s.quit);
    // With nothing typed, Esc on the first screen quits at once.
    let mut fresh = state();
    apply(&mut fresh, [key(KeyCode::Esc)]);
    assert!(fresh.quit);
}

#[test]
fn m_and_f2_give_the_mouse_to_the_terminal() {
    let mut s = state();
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Setup);
    let fx = update(&mut s, key(KeyCode::Char('m')));
    assert!(
        matches!(fx.as_slice(), [Effect::MouseCapture(false)]),
        "{fx:?}"
    );
    assert!(!s.mouse_capture);
    let fx = update(&mut s, key(KeyCode::F(2)));
    assert!(
        matches!(fx.as_slice(), [Effect::MouseCapture(true)]),
        "{fx:?}"
    );
    // On the form, m is a letter.
    let mut s = at_cvent_credentials();
    let fx = update(&mut s, key(KeyCode::Char('m')));
    assert!(fx.is_empty() && s.mouse_capture);
    assert_eq!(s.creds.value(&FormKey::Field(Field::ClientId)), "m");
}

/// `c` never claims the text arrived: OSC 52 may be ignored.
#[test]
fn copying_says_where_the_text_went() {
    let mut s = state();
    apply(&mut s, typed("hub"));
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Setup);
    apply(&mut s, [key(KeyCode::End)]);
    let fx = update(&mut s, key(KeyCode::Char('c')));
    assert!(matches!(fx.as_slice(), [Effect::Copy(_)]), "{fx:?}");
    let n = s.notice.clone().expect("notice").text;
    assert!(n.contains("OSC 52") && n.contains("press m"), "{n}");
    assert!(!n.to_lowercase().starts_with("copied"), "{n}");
}
