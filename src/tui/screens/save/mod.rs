//! The last screen: where to save (a named file on this machine or a Vault
//! / OpenBao path, `form`), then what was saved and how to use it
//! (`summary`, `usage`); from there, the export of a bundle for a server
//! (`export`).

mod export;
mod form;
mod form_render;
mod summary;
mod usage;

pub use form::{Dest, SaveFocus, VaultForm};

use export::ExportForm;

use super::{Nav, keys};
use crate::settings::InitiateOAuth;
use crate::tui::action::{Effect, Failure, Saved, Taken};
use crate::tui::state::{Phase, Screen, State};
use crate::tui::widgets::Hint;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct SaveScreen {
    /// Some while the export form is open (after saving).
    pub export: Option<ExportForm>,
    pub dest: Dest,
    /// The connection's name (a file in the settings directory), or a path.
    pub name: Input,
    pub vault: VaultForm,
    pub mode: InitiateOAuth,
    pub focus: SaveFocus,
    pub phase: Phase,
    /// The place asked for holds a connection: replace, or a new name?
    pub taken: Option<Taken>,
    pub saved: Option<Saved>,
    /// The last screen's scroll offset, in rows.
    pub scroll: u16,
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Save"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        let s = &state.save;
        if let Some(x) = &s.export {
            return export::hints(x);
        }
        match (&s.phase, &s.saved) {
            (Phase::Done, Some(saved)) => {
                // Short enough for 80 columns with "? help ^C quit".
                let mut h = Vec::new();
                if summary::overflows(state, saved) {
                    h.push(("↑↓", "scroll"));
                }
                if saved
                    .next
                    .iter()
                    .any(|n| n.command.contains("connection-string"))
                {
                    h.push(("c t", "copy CData / token cmd"));
                } else {
                    h.push(("t", "copy token cmd"));
                }
                if saved.file.is_some() {
                    h.push(("e", "export"));
                }
                h.push(if state.home.reconnecting.is_some() {
                    ("Enter", "back to the list")
                } else {
                    ("Enter", "finish")
                });
                h
            }
            _ => form::hints(s),
        }
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        if state.save.export.is_some() {
            export::on_key(state, k, fx);
            // An export started on the list ends there.
            if state.save.export.is_none() && exporting_from_list(state) {
                return Nav::To(Screen::Home);
            }
            return Nav::Stay;
        }
        match &state.save.phase {
            Phase::Done => saved_key(state, k, fx),
            Phase::Idle | Phase::Running | Phase::Failed(_) => form::on_key(state, k, fx),
        }
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        let s = &mut state.save;
        let typing = form::typing(s) && s.phase != Phase::Done;
        match s.export.as_mut() {
            Some(x) => export::on_paste(x, text),
            None if typing => {
                let f = s.focus;
                if let Some(i) = form::input_mut(s, f) {
                    keys::insert(i, text);
                }
            }
            None => {}
        }
    }

    fn scrolls(&self) -> bool {
        true
    }

    fn typing(&self, state: &State) -> bool {
        match &state.save.export {
            Some(x) => x.phase != Phase::Done && x.phase != Phase::Running,
            None => state.save.phase != Phase::Done && form::typing(&state.save),
        }
    }

    fn enter(&self, state: &mut State, _fx: &mut Vec<Effect>) {
        let s = &mut state.save;
        if s.vault.addr.value().is_empty() && s.vault.role_id.value().is_empty() {
            let path = std::mem::take(&mut s.vault.path);
            s.vault = state.vault_env.clone();
            s.vault.path = path;
        }
        if s.name.value().trim().is_empty()
            && let Some(p) = state.chosen.and_then(|i| state.profiles.get(i))
        {
            s.name = Input::new(p.id.clone());
            if s.vault.path.value().is_empty() {
                s.vault.path = Input::new(format!("vault://secret/oauth-setup/{}", p.id));
            }
        }
        if s.phase != Phase::Done {
            s.phase = Phase::Idle;
            s.taken = None;
        }
    }
}

/// True for the export of a saved connection, started on the list.
fn exporting_from_list(state: &State) -> bool {
    state
        .home
        .reconnecting
        .as_ref()
        .is_some_and(|r| r.floor == Screen::Save)
}

/// Where Enter on the summary goes: back to the list for an errand started
/// there, else out of the wizard.
fn finish(state: &State) -> Nav {
    if state.home.reconnecting.is_some() {
        Nav::To(Screen::Home)
    } else {
        Nav::Quit
    }
}

/// Keys once saved: scroll, copy a command, export, finish.
fn saved_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    if summary::scroll_key(state, &k) {
        return Nav::Stay;
    }
    let Some(saved) = &state.save.saved else {
        return match k.code {
            KeyCode::Enter | KeyCode::Char('q') => finish(state),
            KeyCode::Esc => {
                state.save.phase = Phase::Idle;
                Nav::Back
            }
            _ => Nav::Stay,
        };
    };
    let command = |needle: &str| {
        saved
            .next
            .iter()
            .find(|n| n.command.contains(needle))
            .map(|n| n.command.clone())
    };
    match k.code {
        KeyCode::Char('e') if saved.file.is_some() => {
            let file = saved.file.clone().unwrap_or_default();
            state.save.export = Some(ExportForm::beside(&file));
        }
        KeyCode::Char('c') => {
            if let Some(c) = command(" connection-string ") {
                super::keys::copy(state, fx, "The command", c);
            }
        }
        KeyCode::Char('t') => {
            if let Some(c) = command(" token ") {
                super::keys::copy(state, fx, "The command", c);
            }
        }
        KeyCode::Enter | KeyCode::Char('q') => return finish(state),
        KeyCode::Esc => {
            state.save.phase = Phase::Idle;
            return Nav::Back;
        }
        _ => {}
    }
    Nav::Stay
}

pub fn finished(state: &mut State, result: Result<Saved, Failure>) {
    match result {
        Ok(mut saved) => {
            if let Some(s) = &state.settings {
                let mut s = s.clone();
                s.meta.initiate_oauth = form::mode(state);
                saved.next = usage::steps(state.profile(), &s, &saved);
            }
            state.save.phase = Phase::Done;
            state.save.scroll = 0;
            state.save.saved = Some(saved);
        }
        Err(f) => state.save.phase = Phase::Failed(f.message),
    }
}

/// The save found the place taken: ask before anything is replaced.
pub fn taken(state: &mut State, t: Taken) {
    state.save.phase = Phase::Idle;
    state.save.taken = Some(t);
}

pub fn exported(state: &mut State, result: Result<std::path::PathBuf, Failure>) {
    if let Some(x) = state.save.export.as_mut() {
        export::finished(x, result);
    }
}

/// Line `y` of `inner` (empty below its bottom).
fn row(inner: Rect, y: u16) -> Rect {
    Rect {
        y: inner.y + y.min(inner.height.saturating_sub(1)),
        height: u16::from(y < inner.height),
        ..inner
    }
}

/// The first line: how the test call went, or that there was none.
pub(super) fn test_line(state: &State) -> Line<'static> {
    let theme = &state.theme;
    match (&state.test.phase, &state.test.summary) {
        (Phase::Done, Some(sum)) => {
            Line::from(Span::styled(format!("✓ Test call: {sum}"), theme.ok()))
        }
        (Phase::Failed(m), _) => Line::from(Span::styled(
            format!("! Test call failed: {m}"),
            theme.warn(),
        )),
        (Phase::Idle | Phase::Running | Phase::Done, _)
            if state.profile().is_some_and(|p| p.test.is_none()) =>
        {
            Line::from(Span::styled(
                "This provider has no test request.",
                theme.dim(),
            ))
        }
        (Phase::Idle | Phase::Running | Phase::Done, _) => {
            Line::from(Span::styled("✓ Signed in.", theme.ok()))
        }
    }
}

fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let s = &state.save;
    match (&s.phase, &s.saved, &s.export) {
        (Phase::Done, Some(saved), Some(x)) => {
            // Nothing was signed in for an export from the list.
            let first = if exporting_from_list(state) {
                Line::from(Span::styled(
                    "Export a saved connection for a server.",
                    state.theme.dim(),
                ))
            } else {
                test_line(state)
            };
            frame.render_widget(Paragraph::new(first), row(inner, 0));
            export::render(frame, inner, state, &saved.location, x);
        }
        (Phase::Done, Some(saved), None) => summary::render(frame, inner, state, saved),
        (Phase::Idle | Phase::Running | Phase::Done | Phase::Failed(_), _, _) => {
            frame.render_widget(Paragraph::new(test_line(state)), row(inner, 0));
            form_render::render(frame, inner, state);
        }
    }
}
/// Opens the export form for a file saved before this run (the home
/// screen's export): the screen as it is after a save, form open.
pub fn open_export(state: &mut State, saved: Saved) {
    state.save.export = Some(ExportForm::beside(
        saved
            .file
            .as_deref()
            .unwrap_or(std::path::Path::new(&saved.location)),
    ));
    state.save.phase = Phase::Done;
    state.save.saved = Some(saved);
}
