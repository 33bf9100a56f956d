//! `update(state, action) -> effects`: the wizard's behaviour, with no I/O.
//! Here are only the keys that work everywhere (quit, help), the moves
//! between screens, and the routing of everything else to the screen it is
//! for; anything that touches the world is returned as an [`Effect`].

use super::action::{Action, Effect};
use super::layout;
use super::request;
use super::screens::{self, Nav, authorize, credentials, home, save, test};
use super::state::{OnYes, Phase, Screen, State};
use crate::signin;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    let nav = match action {
        Action::Key(k) if k.kind == KeyEventKind::Release => Nav::Stay,
        Action::Key(k) => on_key(state, k, &mut fx),
        Action::Mouse(m) => on_mouse(state, m, &mut fx),
        Action::Paste(p) => {
            on_paste(state, &p.0);
            Nav::Stay
        }
        Action::Resize(w, h) => {
            state.size = (w, h);
            Nav::Stay
        }
        Action::Tick => {
            state.tick = state.tick.wrapping_add(1);
            home::tick(state, &mut fx);
            Nav::Stay
        }
        Action::Login { run, event } => {
            authorize::progress(state, run, event);
            Nav::Stay
        }
        Action::LoginFinished { run, mut result } => {
            if run == state.auth.run && result.as_ref().is_err_and(|f| !f.cancelled) {
                state.creds.mark_rejected();
            }
            // A new grant for a saved connection: still the connection it was.
            if let (Ok(fresh), Some(r)) = (result.as_mut(), &state.home.reconnecting) {
                signin::keep(&r.saved, fresh);
            }
            authorize::finished(state, run, result)
        }
        Action::TestFinished { run, result } => test::finished(state, run, result),
        Action::SaveFinished(result) => {
            save::finished(state, result);
            Nav::Stay
        }
        Action::SaveTaken(t) => {
            save::taken(state, t);
            Nav::Stay
        }
        Action::ExportFinished(result) => {
            save::exported(state, result);
            Nav::Stay
        }
        Action::ReplayFinished(result) => {
            authorize::replayed(state, result);
            Nav::Stay
        }
        Action::LookupFinished { run, result } => {
            credentials::finished(state, run, result);
            Nav::Stay
        }
        Action::ScopesOffered {
            issuer,
            scopes,
            secret_expected,
        } => {
            screens::scopes::offered(state, &issuer, scopes);
            credentials::metadata_read(state, &issuer, secret_expected)
        }
        Action::Notice(text) => {
            state.info(text);
            Nav::Stay
        }
        Action::ConnectionsLoaded { at, result } => {
            home::loaded(state, at, result);
            Nav::Stay
        }
        Action::ConnectionFinished { run, result } => home::finished(state, run, result, &mut fx),
        Action::Described(saved) => home::described(state, saved),
        Action::ChooseProvider(id) => screens::provider::choose_by_id(state, &id),
    };
    follow(state, nav, &mut fx);
    for e in &fx {
        if let Effect::StartLogin { input, .. } = e {
            state.signed_in_with = Some(input.clone());
        }
    }
    fx
}

fn follow(state: &mut State, nav: Nav, fx: &mut Vec<Effect>) {
    match nav {
        Nav::Stay => {}
        Nav::Next => go_next(state, fx),
        Nav::Back => back(state, fx),
        Nav::Quit => match work_at_stake(state) {
            Some(question) => ask(state, question, OnYes::Quit),
            None => quit(state, fx),
        },
        Nav::To(screen) => {
            state.screen = screen;
            screens::page(screen).enter(state, fx);
        }
    }
}

fn ask(state: &mut State, question: String, on_yes: OnYes) {
    state.confirm_quit = Some(question);
    state.on_yes = on_yes;
}

/// A credential signed in for but not saved, said in a sentence.
fn unsaved_credential(state: &State) -> Option<String> {
    if state.save.saved.is_some() || state.settings.is_none() {
        return None;
    }
    let tested = state.test.phase == super::state::Phase::Done;
    Some(format!(
        "The {}credential is not saved yet.",
        if tested { "tested " } else { "new " }
    ))
}

/// What leaving now would lose (an unsaved credential, a filled form, typed
/// scopes), as the question to ask; None when nothing.
fn work_at_stake(state: &State) -> Option<String> {
    use super::screens::credentials::FormKey;
    use crate::provider::Field;
    if state.save.saved.is_some() {
        return None;
    }
    if let Some(unsaved) = unsaved_credential(state) {
        return Some(format!("{unsaved} Quit and lose it?"));
    }
    let typed = match &state.home.reconnecting {
        // Filled from the file: only what was changed would be lost.
        Some(r) => !signin::Edits::between(&r.shown, &request::form_input(state)).is_empty(),
        None => {
            state.creds.inputs.iter().any(|(k, v)| {
                !v.value().trim().is_empty() && *k != FormKey::Field(Field::CallbackUrl)
            }) || !state.scopes.typed.is_empty()
        }
    };
    typed.then(|| "Quit and lose what you typed?".to_string())
}

/// Back a screen; from the first screen of an errand started on the list,
/// back to the list (asking first when that would drop a credential).
fn back(state: &mut State, fx: &mut Vec<Effect>) {
    let at_floor = state
        .home
        .reconnecting
        .as_ref()
        .is_some_and(|r| r.floor == state.screen);
    if !at_floor {
        go_back(state);
        return;
    }
    match unsaved_credential(state) {
        Some(unsaved) => ask(
            state,
            format!("{unsaved} Go back to the list and lose it?"),
            OnYes::List,
        ),
        None => follow(state, Nav::To(Screen::Home), fx),
    }
}

fn quit(state: &mut State, fx: &mut Vec<Effect>) {
    state.confirm_quit = None;
    if state.auth.running() {
        fx.push(Effect::CancelLogin);
    }
    state.quit = true;
    fx.push(Effect::Quit);
}

fn on_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if state.confirm_quit.is_some() {
        let on_yes = std::mem::take(&mut state.on_yes);
        // A second Ctrl-C quits whatever was asked; y does what was asked;
        // anything else stays.
        if ctrl && matches!(k.code, KeyCode::Char('c' | 'C')) {
            quit(state, fx);
            return Nav::Stay;
        }
        state.confirm_quit = None;
        if !matches!(k.code, KeyCode::Char('y' | 'Y')) {
            state.info(match on_yes {
                OnYes::Quit => "Not quitting: carry on where you were.",
                OnYes::List | OnYes::SignIn => "Nothing changed: carry on where you were.",
            });
            return Nav::Stay;
        }
        return match on_yes {
            OnYes::Quit => {
                quit(state, fx);
                Nav::Stay
            }
            OnYes::List => Nav::To(Screen::Home),
            OnYes::SignIn => Nav::To(Screen::Authorize),
        };
    }
    // Ctrl-C asks, as Esc does, when it would lose work (a credential, a
    // filled form); a second Ctrl-C quits at once.
    if ctrl && matches!(k.code, KeyCode::Char('c' | 'C')) {
        match work_at_stake(state) {
            Some(question) => ask(state, question, OnYes::Quit),
            None => quit(state, fx),
        }
        return Nav::Stay;
    }
    if k.code == KeyCode::F(2) && state.help.is_none() {
        screens::keys::toggle_mouse(state, fx);
        return Nav::Stay;
    }
    if let Some(scroll) = state.help {
        state.help = match k.code {
            KeyCode::Esc | KeyCode::F(1) | KeyCode::Char('?' | 'q') => None,
            KeyCode::Up => Some(scroll.saturating_sub(1)),
            KeyCode::Down => Some(scroll.saturating_add(1)),
            KeyCode::PageUp => Some(scroll.saturating_sub(10)),
            KeyCode::PageDown => Some(scroll.saturating_add(10)),
            KeyCode::Home => Some(0),
            _ => Some(scroll),
        };
        return Nav::Stay;
    }
    state.notice = None;
    let page = screens::page(state.screen);
    if k.code == KeyCode::F(1) || (k.code == KeyCode::Char('?') && !page.typing(state)) {
        state.help = Some(0);
        return Nav::Stay;
    }
    // Screens whose letters are commands, not filters or text, free the mouse on m.
    let letters_free = matches!(
        state.screen,
        Screen::Setup | Screen::Authorize | Screen::Test | Screen::Save
    );
    if letters_free && k.code == KeyCode::Char('m') && !page.typing(state) {
        screens::keys::toggle_mouse(state, fx);
        return Nav::Stay;
    }
    page.on_key(state, k, fx)
}

/// Pasted values come with trailing newlines and sometimes line breaks in
/// the middle (wrapped terminals); a field value is always one line.
fn clean_paste(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| *c != '\n' && *c != '\r')
        .collect()
}

fn on_paste(state: &mut State, text: &str) {
    let text = clean_paste(text);
    if state.help.is_some() || state.confirm_quit.is_some() || text.is_empty() {
        return;
    }
    state.notice = None;
    screens::page(state.screen).on_paste(state, &text);
}

fn on_mouse(state: &mut State, m: MouseEvent, fx: &mut Vec<Effect>) -> Nav {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    if state.help.is_some() || state.confirm_quit.is_some() || layout::too_small(area) {
        return Nav::Stay;
    }
    let page = screens::page(state.screen);
    let scroll = match m.kind {
        MouseEventKind::ScrollDown => Some(KeyCode::Down),
        MouseEventKind::ScrollUp => Some(KeyCode::Up),
        _ => None,
    };
    if let Some(code) = scroll {
        if page.scrolls() {
            return on_key(state, KeyEvent::new(code, KeyModifiers::NONE), fx);
        }
        return Nav::Stay;
    }
    if m.kind != MouseEventKind::Down(MouseButton::Left) {
        return Nav::Stay;
    }
    let inner = layout::chrome(area).inner;
    page.on_click(state, inner, (m.column, m.row), fx)
}

// ---- navigation between screens -------------------------------------------

fn go_next(state: &mut State, fx: &mut Vec<Effect>) {
    let steps = state.steps();
    let next = steps
        .iter()
        .position(|s| *s == state.screen)
        .and_then(|i| steps.get(i + 1).copied());
    if next == Some(Screen::Authorize) && keep_credential(state, &steps, fx) {
        return;
    }
    if let Some(next) = next {
        ensure_defaults(state);
        state.screen = next;
        screens::page(next).enter(state, fx);
    }
}

/// On the way to the sign-in with a credential signed in for and not
/// saved: the same answers keep it and go on past the sign-in; changed ones
/// ask before a second sign-in drops it. False when there is none.
fn keep_credential(state: &mut State, steps: &[Screen], fx: &mut Vec<Effect>) -> bool {
    if state.settings.is_none()
        || state.save.saved.is_some()
        || !matches!(state.auth.phase, authorize::AuthPhase::Done)
    {
        return false;
    }
    let now = request::login_input(state);
    let same = state
        .signed_in_with
        .as_ref()
        .is_some_and(|was| signin::Edits::between(was, &now).is_empty());
    if !same {
        ask(
            state,
            "You changed the answers: sign in again with them? The credential you have is not saved and would be dropped.".into(),
            OnYes::SignIn,
        );
        return true;
    }
    let after = steps
        .iter()
        .position(|s| *s == Screen::Authorize)
        .and_then(|i| steps.get(i + 1).copied())
        .unwrap_or(Screen::Save);
    state.info("Nothing changed: kept the credential you signed in with.");
    state.screen = after;
    // A test that passed stays passed; one that did not runs again.
    if !(after == Screen::Test && state.test.phase == Phase::Done) {
        screens::page(after).enter(state, fx);
    }
    true
}

fn go_back(state: &mut State) {
    let steps = state.steps();
    let Some(mut i) = steps.iter().position(|s| *s == state.screen) else {
        state.screen = Screen::Provider;
        return;
    };
    // The sign-in screen is never re-entered backwards: it would sign in again.
    while i > 0 {
        i -= 1;
        if steps[i] != Screen::Authorize {
            state.screen = steps[i];
            return;
        }
    }
}

/// Fills the answers a provider/method starts with, once per method.
fn ensure_defaults(state: &mut State) {
    let (Some(pi), si) = (state.chosen, state.method.scheme) else {
        return;
    };
    if state.defaults_for == Some((pi, si)) {
        return;
    }
    state.defaults_for = Some((pi, si));
    let Some(profile) = state.profiles.get(pi) else {
        return;
    };
    let Some(scheme) = profile.schemes.get(si) else {
        return;
    };
    state.scopes.reset_to_default(profile, scheme);
    state.setup = Default::default();
    let secret = crate::provider::Field::ClientSecret;
    let keep = scheme.fields.contains(&secret) || scheme.optional_fields.contains(&secret);
    state
        .creds
        .reset_to_default(keep, scheme.default_callback_url.clone());
}
