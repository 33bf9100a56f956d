//! `update(state, action) -> commands`: the wizard's behaviour, with no I/O.
//! Anything that touches the world is returned as a [`Command`].

use super::action::{Action, Command, Failure};
use super::backend;
use super::layout;
use super::state::{
    DeviceInfo, FormKey, FormRow, LookupPhase, Notice, NoticeKind, Phase, SaveFocus, ScopeRow,
    Screen, State, field_label,
};
use super::widgets::list;
use crate::oauth::LoginEvent;
use crate::provider::{Field, SchemeKind};
use crate::settings::InitiateOAuth;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

pub fn update(state: &mut State, action: Action) -> Vec<Command> {
    let mut cmds = Vec::new();
    match action {
        Action::Key(k) => {
            if k.kind != KeyEventKind::Release {
                on_key(state, k, &mut cmds);
            }
        }
        Action::Mouse(m) => on_mouse(state, m, &mut cmds),
        Action::Paste(p) => on_paste(state, &p.0, &mut cmds),
        Action::Resize(w, h) => state.size = (w, h),
        Action::Tick => state.tick = state.tick.wrapping_add(1),
        Action::Login { run, event } => {
            if run == state.auth.run && state.auth.phase == Phase::Running {
                on_login_event(state, event);
            }
        }
        Action::LoginFinished { run, result } => {
            if run == state.auth.run {
                state.auth.cancelling = false;
                state.auth.paste = None;
                match result {
                    Ok(settings) => {
                        state.auth.phase = Phase::Done;
                        state.auth.status = "Signed in.".into();
                        state.settings = Some(*settings);
                        if state.screen == Screen::Authorize {
                            go_next(state, &mut cmds);
                        }
                    }
                    Err(f) if f.cancelled => state.auth.phase = Phase::Cancelled,
                    Err(f) => {
                        state.auth.hint = f.hint;
                        state.auth.phase = Phase::Failed(f.message);
                    }
                }
            }
        }
        Action::TestFinished { run, result } => {
            if run == state.test.run {
                match result {
                    Ok(summary) => {
                        state.test.phase = Phase::Done;
                        state.test.summary = Some(summary);
                        // Success needs no reading: straight on to saving, where
                        // the summary is repeated.
                        if state.screen == Screen::Test {
                            go_next(state, &mut cmds);
                        }
                    }
                    Err(f) => state.test.phase = Phase::Failed(f.message),
                }
            }
        }
        Action::SaveFinished(result) => match result {
            Ok(saved) => {
                state.save.phase = Phase::Done;
                state.save.saved = Some(saved);
            }
            Err(f) => state.save.phase = Phase::Failed(f.message),
        },
        Action::ExportFinished(result) => {
            if let Some(x) = state.save.export.as_mut() {
                match result {
                    Ok(path) => {
                        x.phase = Phase::Done;
                        x.written = Some(path);
                        // The passphrase is not needed any more.
                        x.pass = Input::default();
                        x.confirm = Input::default();
                    }
                    Err(f) => x.phase = Phase::Failed(f.message),
                }
            }
        }
        Action::ReplayFinished(result) => match result {
            Ok(()) => {
                state.auth.paste = None;
                info(state, "Address delivered: finishing the sign-in…");
            }
            Err(Failure { message, .. }) => error(state, message),
        },
        Action::LookupFinished { run, result } => {
            let here = state.screen == Screen::Credentials
                && state.focused_lookup_field() == state.creds.lookup.field;
            let l = &mut state.creds.lookup;
            if run == l.run {
                let what = l.field.map_or("choices", backend::lookup_noun);
                match result {
                    Ok(choices) => {
                        l.phase = LookupPhase::Ready(choices);
                        l.cursor = 0;
                        // Opened by the focus or Ctrl-L; stays open only where it was asked.
                        l.open = l.open && here;
                    }
                    Err(f) => {
                        // The list box stays open to say why, in full.
                        l.phase = LookupPhase::Failed(f.message);
                        l.open = l.open && here;
                        if state.screen == Screen::Credentials {
                            error(
                                state,
                                format!("Could not list the {what}: type the ID instead."),
                            );
                        }
                    }
                }
            }
        }
        Action::Notice(text) => info(state, text),
    }
    cmds
}

fn credentials_key(state: &State) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let id = state.input_value(&FormKey::Field(Field::ClientId)).trim();
    let secret = state
        .input_value(&FormKey::Field(Field::ClientSecret))
        .trim();
    if id.is_empty() || secret.is_empty() {
        return None;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (id, secret).hash(&mut h);
    Some(h.finish())
}

/// Offers the focused field's pick list: fetched once per client ID and
/// secret, opened when the field is empty (`auto`) or on Ctrl-L.
fn offer_lookup(state: &mut State, auto: bool, cmds: &mut Vec<Command>) {
    let Some(field) = state.focused_lookup_field() else {
        if !auto {
            info(state, "This field has no list to pick from.");
        }
        return;
    };
    let what = backend::lookup_noun(field);
    let Some(key) = credentials_key(state) else {
        if !auto {
            error(
                state,
                format!("Enter the client ID and secret first: listing the {what} needs a token."),
            );
        }
        return;
    };
    let empty = state.input_value(&FormKey::Field(field)).trim().is_empty();
    let l = &mut state.creds.lookup;
    let same = l.key == key && l.field == Some(field);
    if same {
        match &l.phase {
            LookupPhase::Ready(_) => {
                l.open = if auto { empty } else { !l.open };
                l.cursor = 0;
                return;
            }
            LookupPhase::Loading => {
                l.open = true;
                return;
            }
            // A failure is retried only when asked.
            LookupPhase::Failed(_) if auto => return,
            LookupPhase::Failed(_) | LookupPhase::Idle => {}
        }
    }
    if auto && !empty {
        return;
    }
    l.run += 1;
    l.key = key;
    l.field = Some(field);
    l.phase = LookupPhase::Loading;
    l.open = true;
    l.cursor = 0;
    cmds.push(Command::Lookup {
        run: l.run,
        field,
        input: Box::new(backend::login_input(state)),
    });
}

/// Keys for an open pick list; false when the key is the form's.
fn lookup_key(state: &mut State, k: KeyEvent) -> bool {
    let l = &state.creds.lookup;
    if !l.open || state.focused_lookup_field() != l.field {
        return false;
    }
    let n = state.lookup_choices().len();
    if matches!(state.creds.lookup.phase, LookupPhase::Failed(_)) && !matches!(k.code, KeyCode::Esc)
    {
        // The box only explains the failure; any key goes on with the form.
        state.creds.lookup.open = false;
        return false;
    }
    match k.code {
        KeyCode::Esc => state.creds.lookup.open = false,
        KeyCode::Up => state.creds.lookup.cursor = state.creds.lookup.cursor.saturating_sub(1),
        KeyCode::Down => {
            state.creds.lookup.cursor = (state.creds.lookup.cursor + 1).min(n.saturating_sub(1))
        }
        KeyCode::Enter if n > 0 => {
            let Some(field) = state.creds.lookup.field else {
                return false;
            };
            let cursor = state.creds.lookup.cursor.min(n - 1);
            let c = state.lookup_choices()[cursor].clone();
            state
                .creds
                .inputs
                .insert(FormKey::Field(field), Input::new(c.value.clone()));
            state.creds.lookup.open = false;
            info(
                state,
                format!("{}: {} ({})", field_label(field), c.label, c.value),
            );
        }
        _ => return false,
    }
    true
}

fn info(state: &mut State, text: impl Into<String>) {
    state.notice = Some(Notice {
        text: text.into(),
        kind: NoticeKind::Info,
    });
}

fn error(state: &mut State, text: impl Into<String>) {
    state.notice = Some(Notice {
        text: text.into(),
        kind: NoticeKind::Error,
    });
}

fn quit(state: &mut State, cmds: &mut Vec<Command>) {
    if state.auth.phase == Phase::Running {
        cmds.push(Command::CancelLogin);
    }
    state.quit = true;
    cmds.push(Command::Quit);
}

/// True when printable keys go into a text field (so `?` is text, not help).
pub fn typing(state: &State) -> bool {
    match state.screen {
        Screen::Credentials => matches!(
            state.form_rows().get(state.creds.focus),
            Some(FormRow::Input { .. })
        ),
        Screen::Save => match &state.save.export {
            Some(x) => x.phase != Phase::Done && x.phase != Phase::Running,
            None => state.save.focus == SaveFocus::Path && state.save.phase != Phase::Done,
        },
        Screen::Authorize => state.auth.paste.is_some(),
        _ => false,
    }
}

fn plain_char(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

fn on_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(k.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        quit(state, cmds);
        return;
    }
    if let Some(scroll) = state.help {
        state.help = match k.code {
            KeyCode::Esc | KeyCode::F(1) | KeyCode::Char('?') | KeyCode::Char('q') => None,
            KeyCode::Up => Some(scroll.saturating_sub(1)),
            KeyCode::Down => Some(scroll.saturating_add(1)),
            KeyCode::PageUp => Some(scroll.saturating_sub(10)),
            KeyCode::PageDown => Some(scroll.saturating_add(10)),
            KeyCode::Home => Some(0),
            _ => Some(scroll),
        };
        return;
    }
    state.notice = None;
    if k.code == KeyCode::F(1) || (k.code == KeyCode::Char('?') && !typing(state)) {
        state.help = Some(0);
        return;
    }
    match state.screen {
        Screen::Provider => provider_key(state, k, cmds),
        Screen::Method => method_key(state, k, cmds),
        Screen::Setup => setup_key(state, k, cmds),
        Screen::Scopes => scopes_key(state, k, cmds),
        Screen::Credentials => creds_key(state, k, cmds),
        Screen::Authorize => auth_key(state, k, cmds),
        Screen::Test => test_key(state, k, cmds),
        Screen::Save => save_key(state, k, cmds),
    }
}

/// Moves a cursor for the usual navigation keys; false when `k` is not one.
fn nav(cursor: &mut usize, len: usize, page: usize, k: &KeyEvent) -> bool {
    let last = len.saturating_sub(1);
    let page = page.max(1);
    *cursor = match k.code {
        KeyCode::Up => cursor.saturating_sub(1),
        KeyCode::Down => (*cursor + 1).min(last),
        KeyCode::PageUp => cursor.saturating_sub(page),
        KeyCode::PageDown => (*cursor + page).min(last),
        KeyCode::Home => 0,
        KeyCode::End => last,
        _ => return false,
    };
    true
}

fn area(state: &State) -> Rect {
    Rect::new(0, 0, state.size.0, state.size.1)
}

fn page(list_area: Rect) -> usize {
    list_area.height.saturating_sub(1) as usize
}

// ---- navigation between screens -------------------------------------------

fn go_next(state: &mut State, cmds: &mut Vec<Command>) {
    let steps = state.steps();
    let next = steps
        .iter()
        .position(|s| *s == state.screen)
        .and_then(|i| steps.get(i + 1).copied());
    if let Some(next) = next {
        enter(state, next, cmds);
    }
}

fn go_back(state: &mut State, cmds: &mut Vec<Command>) {
    if state.screen == Screen::Authorize && state.auth.phase == Phase::Running {
        cmds.push(Command::CancelLogin);
        state.auth.cancelling = true;
    }
    if state.screen == Screen::Test {
        // Whatever the running test reports no longer matters.
        state.test.run += 1;
        if state.test.phase == Phase::Running {
            state.test.phase = Phase::Idle;
        }
    }
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

/// Makes `screen` current, running what arriving there forward starts.
fn enter(state: &mut State, screen: Screen, cmds: &mut Vec<Command>) {
    ensure_defaults(state);
    state.screen = screen;
    match screen {
        Screen::Credentials => {
            // Focus the first empty required field so the first paste lands there.
            let rows = state.form_rows();
            state.creds.focus = rows
                .iter()
                .position(|r| match r {
                    FormRow::Input { key, required } => {
                        *required && state.input_value(key).trim().is_empty()
                    }
                    FormRow::KeepSecret => false,
                })
                .unwrap_or(0);
            offer_lookup(state, true, cmds);
        }
        Screen::Authorize => start_login(state, cmds),
        Screen::Test => start_test(state, cmds),
        Screen::Save => {
            if state.save.path.value().trim().is_empty()
                && let Some(p) = state.profile()
            {
                let path = backend::default_settings_path(&state.config_dir, &p.id);
                state.save.path = Input::new(path.to_string_lossy().into_owned());
            }
            if state.save.phase != Phase::Done {
                state.save.phase = Phase::Idle;
            }
        }
        _ => {}
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
    let (Some(profile), Some(scheme)) = (state.profile(), state.scheme()) else {
        return;
    };
    let (preset, scopes) = backend::default_scopes(profile, scheme);
    let callback = scheme.default_callback_url.clone();
    let keep = scheme.fields.contains(&Field::ClientSecret)
        || scheme.optional_fields.contains(&Field::ClientSecret);
    state.scopes.preset = preset;
    state.scopes.selected = scopes.into_iter().collect();
    state.scopes.cursor = 0;
    state.scopes.filter.clear();
    state.setup = Default::default();
    // Client secrets are needed again to renew tokens unattended; passwords
    // are only kept when the user asks.
    state.creds.keep_secret = keep;
    state.creds.attempted = false;
    if let Some(cb) = callback {
        let key = FormKey::Field(Field::CallbackUrl);
        if state.input_value(&key).is_empty() {
            state.creds.inputs.insert(key, Input::new(cb));
        }
    }
}

fn start_login(state: &mut State, cmds: &mut Vec<Command>) {
    let input = backend::login_input(state);
    let code_flow = state
        .scheme()
        .is_some_and(|s| s.kind == SchemeKind::AuthorizationCode);
    let run = state.auth.run + 1;
    state.auth = Default::default();
    state.auth.run = run;
    state.auth.phase = Phase::Running;
    state.auth.status = if code_flow {
        "Starting the sign-in…".into()
    } else {
        "Requesting a token…".into()
    };
    state.settings = None;
    state.test = Default::default();
    state.save.phase = Phase::Idle;
    state.save.saved = None;
    cmds.push(Command::StartLogin {
        run,
        input: Box::new(input),
    });
}

fn start_test(state: &mut State, cmds: &mut Vec<Command>) {
    let Some(settings) = state.settings.clone() else {
        state.test.phase = Phase::Failed("Nothing to test: sign in first.".into());
        return;
    };
    state.test.run += 1;
    state.test.phase = Phase::Running;
    state.test.summary = None;
    cmds.push(Command::StartTest {
        run: state.test.run,
        settings: Box::new(settings),
    });
}

// ---- screens ---------------------------------------------------------------

fn choose_provider(state: &mut State, idx: usize, cmds: &mut Vec<Command>) {
    if state.chosen != Some(idx) {
        state.chosen = Some(idx);
        state.method = Default::default();
        state.creds = Default::default();
        state.auth.phase = Phase::Idle;
        state.test = Default::default();
        state.save = Default::default();
        state.settings = None;
        state.defaults_for = None;
    }
    state.screen = Screen::Provider;
    go_next(state, cmds);
}

/// Jumps past the provider list (`--provider` on the command line).
pub fn preselect(state: &mut State, provider_id: &str) -> bool {
    let Some(idx) = state.profiles.iter().position(|p| p.id == provider_id) else {
        return false;
    };
    let mut cmds = Vec::new();
    choose_provider(state, idx, &mut cmds);
    true
}

fn provider_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let visible = state.filtered_profiles();
    let list_area = layout::provider_list(layout::chrome(area(state)).inner);
    if nav(
        &mut state.provider.cursor,
        visible.len(),
        page(list_area),
        &k,
    ) {
        return;
    }
    match k.code {
        KeyCode::Enter => match visible.get(state.provider.cursor) {
            Some(&idx) => choose_provider(state, idx, cmds),
            None => error(
                state,
                "No provider matches the filter: Backspace to edit it.",
            ),
        },
        KeyCode::Esc if !state.provider.filter.is_empty() => {
            state.provider.filter.clear();
            state.provider.cursor = 0;
        }
        KeyCode::Esc => quit(state, cmds),
        KeyCode::Backspace => {
            state.provider.filter.pop();
            state.provider.cursor = 0;
        }
        _ => {
            if let Some(c) = plain_char(&k) {
                state.provider.filter.push(c);
                state.provider.cursor = 0;
            }
        }
    }
}

fn method_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let (schemes, regions) = state
        .profile()
        .map_or((0, 0), |p| (p.schemes.len(), p.regions.len()));
    if nav(&mut state.method.scheme, schemes, schemes, &k) {
        return;
    }
    match k.code {
        KeyCode::Left if regions > 0 => {
            state.method.region = (state.method.region + regions - 1) % regions;
        }
        KeyCode::Right | KeyCode::Tab if regions > 0 => {
            state.method.region = (state.method.region + 1) % regions;
        }
        KeyCode::Enter => go_next(state, cmds),
        KeyCode::Esc => go_back(state, cmds),
        _ => {}
    }
}

fn setup_link(state: &State) -> Option<String> {
    let s = state.scheme()?;
    match s.setup_steps.get(state.setup.cursor) {
        Some(step) => step.url.clone(),
        None => state.redirect_uri(),
    }
}

fn setup_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let rows = state.setup_rows();
    let steps = state.scheme().map_or(0, |s| s.setup_steps.len());
    let list_area = layout::setup_list(layout::chrome(area(state)).inner);
    if nav(&mut state.setup.cursor, rows, page(list_area), &k) {
        return;
    }
    match k.code {
        KeyCode::Char(' ') | KeyCode::Char('x') if state.setup.cursor < steps => {
            toggle(&mut state.setup.ticked, state.setup.cursor);
        }
        KeyCode::Char('o') => match setup_link(state) {
            Some(url) if state.setup.cursor < steps => {
                info(state, format!("Opening {url}"));
                cmds.push(Command::OpenUrl(url));
            }
            _ => info(state, "This step has no link to open."),
        },
        KeyCode::Char('c') => match setup_link(state) {
            Some(text) => {
                info(
                    state,
                    "Copied to the clipboard (if your terminal allows OSC 52).",
                );
                cmds.push(Command::Copy(text));
            }
            None => info(state, "Nothing to copy on this line."),
        },
        KeyCode::Enter => go_next(state, cmds),
        KeyCode::Esc => go_back(state, cmds),
        _ => {}
    }
}

fn toggle<T: Ord>(set: &mut std::collections::BTreeSet<T>, v: T) {
    if !set.remove(&v) {
        set.insert(v);
    }
}

fn toggle_scope(state: &mut State, idx: usize) {
    let Some(name) = state
        .profile()
        .and_then(|p| p.scopes.get(idx))
        .map(|s| s.name.clone())
    else {
        return;
    };
    toggle(&mut state.scopes.selected, name);
    state.scopes.preset = None;
}

fn apply_preset(state: &mut State, forward: bool) {
    let Some(p) = state.profile() else { return };
    let n = p.scope_presets.len();
    if n == 0 {
        info(state, "This provider has no presets.");
        return;
    }
    let next = match (state.scopes.preset, forward) {
        (None, true) => 0,
        (None, false) => n - 1,
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    let preset = &p.scope_presets[next];
    let scopes = backend::preset_scopes(p, &preset.id).unwrap_or_default();
    let name = preset.name.clone();
    state.scopes.selected = scopes.into_iter().collect();
    state.scopes.preset = Some(next);
    info(state, format!("Preset: {name}"));
}

fn scopes_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let visible = state.visible_scopes();
    let list_area = layout::scopes_list(layout::chrome(area(state)).inner);
    if nav(&mut state.scopes.cursor, visible.len(), page(list_area), &k) {
        return;
    }
    match k.code {
        KeyCode::Char(' ') => {
            if let Some(&i) = visible.get(state.scopes.cursor) {
                toggle_scope(state, i);
            }
        }
        KeyCode::Tab => apply_preset(state, true),
        KeyCode::BackTab => apply_preset(state, false),
        KeyCode::Enter => go_next(state, cmds),
        KeyCode::Esc if !state.scopes.filter.is_empty() => {
            state.scopes.filter.clear();
            state.scopes.cursor = 0;
        }
        KeyCode::Esc => go_back(state, cmds),
        KeyCode::Backspace => {
            state.scopes.filter.pop();
            state.scopes.cursor = 0;
        }
        _ => {
            if let Some(c) = plain_char(&k) {
                state.scopes.filter.push(c);
                state.scopes.cursor = 0;
            }
        }
    }
}

fn creds_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    if lookup_key(state, k) {
        return;
    }
    let focus = state.creds.focus;
    creds_form_key(state, k, cmds);
    if state.screen != Screen::Credentials {
        state.creds.lookup.open = false;
    } else if state.creds.focus != focus {
        state.creds.lookup.open = false;
        offer_lookup(state, true, cmds);
    } else {
        // Typing filters the list: keep the highlight on a visible row.
        let n = state.lookup_choices().len();
        state.creds.lookup.cursor = state.creds.lookup.cursor.min(n.saturating_sub(1));
    }
}

fn creds_form_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let rows = state.form_rows();
    let n = rows.len();
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Tab | KeyCode::Down => {
            state.creds.focus = (state.creds.focus + 1).min(n.saturating_sub(1));
        }
        KeyCode::BackTab | KeyCode::Up => {
            state.creds.focus = state.creds.focus.saturating_sub(1);
        }
        KeyCode::Enter => {
            if state.form_valid() {
                go_next(state, cmds);
            } else if rows
                .get(state.creds.focus)
                .is_some_and(|r| state.row_invalid(r))
            {
                // Enter on the field that is wrong: say what is wrong with it.
                state.creds.attempted = true;
            } else {
                // Enter on a good field moves to the next one that needs typing,
                // so "paste, Enter, paste, Enter" fills a two-field form.
                let f = state.creds.focus;
                if let Some(i) = (1..=n)
                    .map(|d| (f + d) % n)
                    .find(|&i| state.row_invalid(&rows[i]))
                {
                    state.creds.focus = i;
                }
            }
        }
        KeyCode::Esc => go_back(state, cmds),
        KeyCode::Char('r') | KeyCode::Char('R') if ctrl => {
            state.creds.reveal = !state.creds.reveal;
        }
        KeyCode::Char('l') | KeyCode::Char('L') if ctrl => offer_lookup(state, false, cmds),
        _ => match rows.get(state.creds.focus) {
            Some(FormRow::KeepSecret) => {
                if matches!(k.code, KeyCode::Char(' ') | KeyCode::Char('x')) {
                    state.creds.keep_secret = !state.creds.keep_secret;
                }
            }
            Some(FormRow::Input { key, .. }) => {
                if let Some(req) = to_input_request(&Event::Key(k)) {
                    state
                        .creds
                        .inputs
                        .entry(key.clone())
                        .or_default()
                        .handle(req);
                }
            }
            None => {}
        },
    }
}

fn auth_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    if let Some(input) = state.auth.paste.as_mut() {
        match k.code {
            KeyCode::Esc => state.auth.paste = None,
            KeyCode::Enter => {
                let pasted = input.value().trim().to_string();
                match state.auth.redirect_uri.clone() {
                    Some(redirect_uri) if !pasted.is_empty() => {
                        info(state, "Delivering the address…");
                        cmds.push(Command::ReplayRedirect {
                            redirect_uri,
                            pasted,
                        });
                    }
                    _ => error(state, "Paste the address first."),
                }
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(k)) {
                    input.handle(req);
                }
            }
        }
        return;
    }
    let running = state.auth.phase == Phase::Running;
    match k.code {
        KeyCode::Esc if running && !state.auth.cancelling => {
            state.auth.cancelling = true;
            state.auth.status = "Cancelling…".into();
            cmds.push(Command::CancelLogin);
        }
        KeyCode::Esc if !running => go_back(state, cmds),
        KeyCode::Char('c') => match state.auth.url.clone() {
            Some(url) => {
                info(state, "Address copied (if your terminal allows OSC 52).");
                cmds.push(Command::Copy(url));
            }
            None => info(state, "No address yet."),
        },
        KeyCode::Char('o') => {
            if let Some(url) = state.auth.url.clone() {
                cmds.push(Command::OpenUrl(url));
            }
        }
        KeyCode::Char('q') if state.auth.url.is_some() => state.auth.qr = !state.auth.qr,
        KeyCode::Char('p') if running && state.auth.redirect_uri.is_some() => {
            state.auth.paste = Some(Input::default());
        }
        KeyCode::Char('r') | KeyCode::Enter
            if matches!(
                state.auth.phase,
                Phase::Failed(_) | Phase::Cancelled | Phase::Idle
            ) =>
        {
            start_login(state, cmds);
        }
        KeyCode::Enter if state.auth.phase == Phase::Done => go_next(state, cmds),
        _ => {}
    }
}

fn test_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    match k.code {
        KeyCode::Char('r') if state.test.phase != Phase::Running => start_test(state, cmds),
        KeyCode::Enter if state.test.phase != Phase::Running => {
            state.screen = Screen::Test;
            go_next(state, cmds);
        }
        KeyCode::Esc => go_back(state, cmds),
        _ => {}
    }
}

fn next_mode(m: InitiateOAuth, forward: bool) -> InitiateOAuth {
    use InitiateOAuth::*;
    match (m, forward) {
        (Getandrefresh, true) | (Off, false) => Refresh,
        (Refresh, true) | (Getandrefresh, false) => Off,
        (Off, true) | (Refresh, false) => Getandrefresh,
    }
}

/// The default bundle: beside the settings file, `.age` instead of `.json`.
fn default_bundle_path(settings_path: &std::path::Path) -> String {
    settings_path
        .with_extension("age")
        .to_string_lossy()
        .into_owned()
}

fn export_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    let Some(x) = state.save.export.as_mut() else {
        return;
    };
    match (&x.phase, k.code) {
        (Phase::Running, _) => {}
        (Phase::Done, KeyCode::Enter | KeyCode::Esc) => state.save.export = None,
        (Phase::Done, _) => {}
        (_, KeyCode::Esc) => state.save.export = None,
        (_, KeyCode::Tab | KeyCode::Down) => x.focus = (x.focus + 1).min(2),
        (_, KeyCode::BackTab | KeyCode::Up) => x.focus = x.focus.saturating_sub(1),
        (_, KeyCode::Enter) => {
            if let Some(bad) = (0..3).find(|i| x.problem(*i).is_some()) {
                // Enter on a field that is wrong says why; on a good one it
                // moves to the first that still needs typing.
                if x.problem(x.focus).is_some() {
                    x.attempted = true;
                } else {
                    x.focus = bad;
                }
                return;
            }
            let Some(settings) = state.settings.clone() else {
                error(state, "Nothing to export: the sign-in did not finish.");
                return;
            };
            let Some(x) = state.save.export.as_mut() else {
                return;
            };
            x.phase = Phase::Running;
            cmds.push(Command::ExportBundle {
                path: x.path.value().trim().into(),
                settings: Box::new(settings),
                mode: state.save.mode,
                passphrase: secrecy::SecretString::from(x.pass.value().to_string()),
            });
        }
        _ => {
            if let Some(req) = to_input_request(&Event::Key(k)) {
                x.input_mut(x.focus).handle(req);
            }
        }
    }
}

fn save_key(state: &mut State, k: KeyEvent, cmds: &mut Vec<Command>) {
    if state.save.export.is_some() {
        export_key(state, k, cmds);
        return;
    }
    match &state.save.phase {
        Phase::Running => {}
        Phase::Done => match k.code {
            KeyCode::Char('e') => {
                if let Some(s) = &state.save.saved {
                    state.save.export = Some(super::state::ExportForm {
                        path: Input::new(default_bundle_path(&s.path)),
                        focus: 1,
                        ..Default::default()
                    });
                }
            }
            KeyCode::Char('c') => {
                if let Some(s) = &state.save.saved {
                    cmds.push(Command::Copy(s.connection_string.clone()));
                    info(
                        state,
                        "Connection string copied (if your terminal allows OSC 52).",
                    );
                }
            }
            KeyCode::Char('t') => {
                if let Some(s) = &state.save.saved {
                    cmds.push(Command::Copy(s.token_command.clone()));
                    info(state, "Command copied (if your terminal allows OSC 52).");
                }
            }
            KeyCode::Enter | KeyCode::Char('q') => quit(state, cmds),
            KeyCode::Esc => {
                state.save.phase = Phase::Idle;
                go_back(state, cmds);
            }
            _ => {}
        },
        Phase::Idle | Phase::Failed(_) | Phase::Cancelled => match k.code {
            KeyCode::Tab | KeyCode::BackTab => {
                state.save.focus = match state.save.focus {
                    SaveFocus::Path => SaveFocus::Mode,
                    SaveFocus::Mode => SaveFocus::Path,
                }
            }
            KeyCode::Down if state.save.focus == SaveFocus::Path => {
                state.save.focus = SaveFocus::Mode
            }
            KeyCode::Up if state.save.focus == SaveFocus::Mode => {
                state.save.focus = SaveFocus::Path
            }
            KeyCode::Enter => request_save(state, cmds),
            KeyCode::Esc => go_back(state, cmds),
            KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')
                if state.save.focus == SaveFocus::Mode =>
            {
                state.save.mode = next_mode(state.save.mode, k.code != KeyCode::Left);
            }
            _ if state.save.focus == SaveFocus::Path => {
                if let Some(req) = to_input_request(&Event::Key(k)) {
                    state.save.path.handle(req);
                }
            }
            _ => {}
        },
    }
}

fn request_save(state: &mut State, cmds: &mut Vec<Command>) {
    let path = state.save.path.value().trim().to_string();
    if path.is_empty() {
        error(state, "Type where the settings file should go.");
        return;
    }
    let Some(settings) = state.settings.clone() else {
        error(state, "Nothing to save yet: the sign-in did not finish.");
        return;
    };
    state.save.phase = Phase::Running;
    cmds.push(Command::Save {
        path: path.into(),
        settings: Box::new(settings),
        mode: state.save.mode,
    });
}

fn on_login_event(state: &mut State, event: LoginEvent) {
    let tick = state.tick;
    let a = &mut state.auth;
    match event {
        LoginEvent::Discovering { issuer } => {
            a.status = format!("Looking up the endpoints of {issuer}…");
        }
        LoginEvent::Listening { redirect_uri } => {
            a.status = "Waiting for the browser…".into();
            a.redirect_uri = Some(redirect_uri);
        }
        LoginEvent::AuthorizeUrl {
            url,
            browser_started,
        } => {
            a.url = Some(url);
            a.browser_started = browser_started;
            a.status = if browser_started {
                "A browser window opened: sign in and approve there.".into()
            } else {
                "Open the address below in a browser and approve.".into()
            };
        }
        LoginEvent::BrowserFailed { reason } => a.browser_failed = Some(reason),
        LoginEvent::Waiting { remaining } => {
            a.remaining = Some(remaining);
            a.remaining_tick = tick;
        }
        LoginEvent::DeviceCode {
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in,
        } => {
            a.status = "Open the address on any device and enter the code.".into();
            a.url = Some(
                verification_uri_complete
                    .clone()
                    .unwrap_or_else(|| verification_uri.clone()),
            );
            a.device = Some(DeviceInfo {
                user_code,
                verification_uri,
                verification_uri_complete,
            });
            a.remaining = Some(expires_in);
            a.remaining_tick = tick;
        }
        LoginEvent::RequestingToken => a.status = "Getting the token…".into(),
        LoginEvent::Done => a.status = "Signed in.".into(),
    }
}

fn clean_paste(text: &str) -> String {
    // Pasted values come with trailing newlines and sometimes line breaks in
    // the middle (wrapped terminals); a field value is always one line.
    text.trim()
        .chars()
        .filter(|c| *c != '\n' && *c != '\r')
        .collect()
}

fn insert(input: &mut Input, text: &str) {
    for c in text.chars() {
        input.handle(InputRequest::InsertChar(c));
    }
}

fn on_paste(state: &mut State, text: &str, _cmds: &mut [Command]) {
    let text = clean_paste(text);
    if state.help.is_some() || text.is_empty() {
        return;
    }
    state.notice = None;
    match state.screen {
        Screen::Provider => {
            state.provider.filter.push_str(&text);
            state.provider.cursor = 0;
        }
        Screen::Scopes => {
            state.scopes.filter.push_str(&text);
            state.scopes.cursor = 0;
        }
        Screen::Credentials => {
            if let Some(FormRow::Input { key, .. }) = state.form_rows().get(state.creds.focus) {
                insert(state.creds.inputs.entry(key.clone()).or_default(), &text);
            }
        }
        Screen::Save if state.save.export.is_some() => {
            if let Some(x) = state.save.export.as_mut()
                && !matches!(x.phase, Phase::Running | Phase::Done)
            {
                let f = x.focus;
                insert(x.input_mut(f), &text);
            }
        }
        Screen::Save if state.save.focus == SaveFocus::Path && state.save.phase != Phase::Done => {
            insert(&mut state.save.path, &text);
        }
        // Pasting here can only mean the redirect from another machine.
        Screen::Authorize
            if state.auth.phase == Phase::Running && state.auth.redirect_uri.is_some() =>
        {
            let input = state.auth.paste.get_or_insert_with(Input::default);
            insert(input, &text);
        }
        _ => {}
    }
}

fn on_mouse(state: &mut State, m: MouseEvent, cmds: &mut Vec<Command>) {
    if state.help.is_some() || layout::too_small(area(state)) {
        return;
    }
    let inner = layout::chrome(area(state)).inner;
    let scroll = match m.kind {
        MouseEventKind::ScrollDown => Some(KeyCode::Down),
        MouseEventKind::ScrollUp => Some(KeyCode::Up),
        _ => None,
    };
    if let Some(code) = scroll {
        if matches!(
            state.screen,
            Screen::Provider | Screen::Method | Screen::Setup | Screen::Scopes
        ) {
            on_key(state, KeyEvent::new(code, KeyModifiers::NONE), cmds);
        }
        return;
    }
    if m.kind != MouseEventKind::Down(MouseButton::Left) {
        return;
    }
    let (col, row) = (m.column, m.row);
    match state.screen {
        Screen::Provider => {
            let visible = state.filtered_profiles();
            let a = layout::provider_list(inner);
            if let Some(i) = list::hit(a, visible.len(), state.provider.cursor, col, row) {
                // A click on the highlighted row confirms it, like Enter.
                if i == state.provider.cursor {
                    choose_provider(state, visible[i], cmds);
                } else {
                    state.provider.cursor = i;
                }
            }
        }
        Screen::Method => {
            let n = state.profile().map_or(0, |p| p.schemes.len());
            let a = layout::method_list(inner);
            if let Some(i) = list::hit(a, n, state.method.scheme, col, row) {
                if i == state.method.scheme {
                    go_next(state, cmds);
                } else {
                    state.method.scheme = i;
                }
            }
        }
        Screen::Setup => {
            let steps = state.scheme().map_or(0, |s| s.setup_steps.len());
            let a = layout::setup_list(inner);
            if let Some(i) = list::hit(a, state.setup_rows(), state.setup.cursor, col, row) {
                state.setup.cursor = i;
                if i < steps {
                    toggle(&mut state.setup.ticked, i);
                }
            }
        }
        Screen::Scopes => {
            let rows = state.scope_rows();
            let visible = state.visible_scopes();
            let cursor_row = visible
                .get(state.scopes.cursor)
                .and_then(|v| rows.iter().position(|r| *r == ScopeRow::Scope(*v)))
                .unwrap_or(0);
            let a = layout::scopes_list(inner);
            if let Some(r) = list::hit(a, rows.len(), cursor_row, col, row)
                && let ScopeRow::Scope(idx) = rows[r]
            {
                if let Some(pos) = visible.iter().position(|v| *v == idx) {
                    state.scopes.cursor = pos;
                }
                toggle_scope(state, idx);
            }
        }
        Screen::Credentials => {
            let n = state.form_rows().len();
            let a = layout::creds_rows(inner);
            let per = layout::FORM_ROW_HEIGHT;
            let visible_rows = (a.height / per) as usize;
            if row >= a.y && row < a.bottom() && col >= a.x && col < a.right() {
                let i =
                    list::offset(n, state.creds.focus, visible_rows) + ((row - a.y) / per) as usize;
                if i < n {
                    if state.creds.focus == i
                        && matches!(state.form_rows().get(i), Some(FormRow::KeepSecret))
                    {
                        state.creds.keep_secret = !state.creds.keep_secret;
                    }
                    state.creds.focus = i;
                }
            }
        }
        _ => {}
    }
}
