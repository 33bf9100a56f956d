//! Where to save, InitiateOAuth, then the connection string and the token
//! command; from there, the export of a bundle for a server (`export`).

mod export;

use export::ExportForm;

use super::{Nav, keys};
use crate::settings::InitiateOAuth;
use crate::tui::action::{Effect, Failure, Saved};
use crate::tui::state::{Phase, State};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, spinner};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaveFocus {
    #[default]
    Path,
    Mode,
}

#[derive(Debug, Clone, Default)]
pub struct SaveScreen {
    /// Some while the export form is open (after saving).
    pub export: Option<ExportForm>,
    pub path: Input,
    pub mode: InitiateOAuth,
    pub focus: SaveFocus,
    pub phase: Phase,
    pub saved: Option<Saved>,
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
        if let Some(x) = &state.save.export {
            return export::hints(x);
        }
        match state.save.phase {
            Phase::Done => vec![
                ("c", "copy conn. string"),
                ("t", "copy command"),
                ("e", "export"),
                ("Enter", "finish"),
            ],
            Phase::Running => vec![],
            Phase::Idle | Phase::Failed(_) => match state.save.focus {
                SaveFocus::Path => vec![("Tab", "mode"), ("Enter", "save"), ("Esc", "back")],
                SaveFocus::Mode => vec![
                    ("←→", "change"),
                    ("Tab", "path"),
                    ("Enter", "save"),
                    ("Esc", "back"),
                ],
            },
        }
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        if state.save.export.is_some() {
            export::on_key(state, k, fx);
            return Nav::Stay;
        }
        match &state.save.phase {
            Phase::Running => Nav::Stay,
            Phase::Done => saved_key(state, k, fx),
            Phase::Idle | Phase::Failed(_) => form_key(state, k, fx),
        }
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        let s = &mut state.save;
        match s.export.as_mut() {
            Some(x) => export::on_paste(x, text),
            None if s.focus == SaveFocus::Path && s.phase != Phase::Done => {
                keys::insert(&mut s.path, text);
            }
            None => {}
        }
    }

    fn typing(&self, state: &State) -> bool {
        match &state.save.export {
            Some(x) => x.phase != Phase::Done && x.phase != Phase::Running,
            None => state.save.focus == SaveFocus::Path && state.save.phase != Phase::Done,
        }
    }

    fn enter(&self, state: &mut State, _fx: &mut Vec<Effect>) {
        if state.save.path.value().trim().is_empty()
            && let Some(p) = state.profile()
        {
            let path = crate::paths::settings_file(&state.config_dir, &p.id);
            state.save.path = Input::new(path.to_string_lossy().into_owned());
        }
        if state.save.phase != Phase::Done {
            state.save.phase = Phase::Idle;
        }
    }
}

/// Keys once the file is written: copy what to use it with, export, finish.
fn saved_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    let Some(saved) = &state.save.saved else {
        return match k.code {
            KeyCode::Enter | KeyCode::Char('q') => Nav::Quit,
            KeyCode::Esc => {
                state.save.phase = Phase::Idle;
                Nav::Back
            }
            _ => Nav::Stay,
        };
    };
    match k.code {
        KeyCode::Char('e') => state.save.export = Some(ExportForm::beside(&saved.path)),
        KeyCode::Char('c') => {
            fx.push(Effect::Copy(saved.connection_string.clone()));
            state.info("Connection string copied (if your terminal allows OSC 52).");
        }
        KeyCode::Char('t') => {
            fx.push(Effect::Copy(saved.token_command.clone()));
            state.info("Command copied (if your terminal allows OSC 52).");
        }
        KeyCode::Enter | KeyCode::Char('q') => return Nav::Quit,
        KeyCode::Esc => {
            state.save.phase = Phase::Idle;
            return Nav::Back;
        }
        _ => {}
    }
    Nav::Stay
}

/// Keys of the form: the path, the InitiateOAuth mode, Enter saves.
fn form_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    let s = &mut state.save;
    match k.code {
        KeyCode::Tab | KeyCode::BackTab => {
            s.focus = match s.focus {
                SaveFocus::Path => SaveFocus::Mode,
                SaveFocus::Mode => SaveFocus::Path,
            }
        }
        KeyCode::Down if s.focus == SaveFocus::Path => s.focus = SaveFocus::Mode,
        KeyCode::Up if s.focus == SaveFocus::Mode => s.focus = SaveFocus::Path,
        KeyCode::Enter => request_save(state, fx),
        KeyCode::Esc => return Nav::Back,
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if s.focus == SaveFocus::Mode => {
            s.mode = next_mode(s.mode, k.code != KeyCode::Left);
        }
        _ if s.focus == SaveFocus::Path => keys::edit(&mut s.path, k),
        _ => {}
    }
    Nav::Stay
}

fn next_mode(m: InitiateOAuth, forward: bool) -> InitiateOAuth {
    use InitiateOAuth::*;
    match (m, forward) {
        (Getandrefresh, true) | (Off, false) => Refresh,
        (Refresh, true) | (Getandrefresh, false) => Off,
        (Off, true) | (Refresh, false) => Getandrefresh,
    }
}

fn request_save(state: &mut State, fx: &mut Vec<Effect>) {
    let path = state.save.path.value().trim().to_string();
    if path.is_empty() {
        state.error("Type where the settings file should go.");
        return;
    }
    let Some(settings) = state.settings.clone() else {
        state.error("Nothing to save yet: the sign-in did not finish.");
        return;
    };
    state.save.phase = Phase::Running;
    fx.push(Effect::Save {
        path: path.into(),
        settings: Box::new(settings),
        mode: state.save.mode,
    });
}

pub fn finished(state: &mut State, result: Result<Saved, Failure>) {
    match result {
        Ok(saved) => {
            state.save.phase = Phase::Done;
            state.save.saved = Some(saved);
        }
        Err(f) => state.save.phase = Phase::Failed(f.message),
    }
}

pub fn exported(state: &mut State, result: Result<std::path::PathBuf, Failure>) {
    if let Some(x) = state.save.export.as_mut() {
        export::finished(x, result);
    }
}

fn mode_help(m: InitiateOAuth) -> &'static str {
    match m {
        InitiateOAuth::Getandrefresh => "sign in interactively when needed, refresh when expired",
        InitiateOAuth::Refresh => "refresh only, never interactive (servers)",
        InitiateOAuth::Off => "use the stored token as is",
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
fn test_line(state: &State) -> Line<'static> {
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
    frame.render_widget(Paragraph::new(test_line(state)), row(inner, 0));
    match (&s.phase, &s.saved, &s.export) {
        (Phase::Done, Some(saved), Some(x)) => export::render(frame, inner, state, &saved.path, x),
        (Phase::Done, Some(saved), None) => summary(frame, inner, state, saved),
        (Phase::Idle | Phase::Running | Phase::Done | Phase::Failed(_), _, _) => {
            form(frame, inner, state);
        }
    }
}

/// After saving: where, and what to use the file with.
fn summary(frame: &mut Frame, inner: Rect, state: &State, saved: &Saved) {
    let theme = &state.theme;
    let lines = vec![
        Line::from(Span::styled(
            format!("✓ Saved to {}", saved.path.display()),
            theme.ok(),
        )),
        Line::from(""),
        Line::from(Span::styled(
            "Connection string for the connector (c copies):",
            theme.dim(),
        )),
        Line::from(Span::styled(
            saved.connection_string.clone(),
            theme.accent(),
        )),
        Line::from(""),
        Line::from(Span::styled(
            "For scripts, a fresh access token (t copies):",
            theme.dim(),
        )),
        Line::from(Span::styled(saved.token_command.clone(), theme.accent())),
        Line::from(""),
        Line::from(Span::styled(
            "For a server without a browser: e exports a passphrase-protected bundle to `import` there.",
            theme.dim(),
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(2),
            ..inner
        },
    );
}

/// Before saving: the path and the InitiateOAuth mode.
fn form(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let s = &state.save;
    let path_focus = s.focus == SaveFocus::Path;
    let label = |text: &str, focused: bool| {
        Span::styled(
            format!("{} {text}", if focused { "›" } else { " " }),
            if focused {
                theme.focus()
            } else {
                ratatui::style::Style::new()
            },
        )
    };
    frame.render_widget(
        Paragraph::new(label("Settings file:", path_focus)),
        row(inner, 2),
    );
    field::render(
        frame,
        Rect {
            x: inner.x + 2,
            width: inner.width.saturating_sub(2),
            ..row(inner, 3)
        },
        FieldView {
            input: Some(&s.path),
            masked: false,
            focused: path_focus && s.phase != Phase::Running,
            placeholder: "where to write the settings file",
        },
        theme,
    );
    let mut spans = vec![label("InitiateOAuth:", !path_focus), Span::raw(" ")];
    for m in [
        InitiateOAuth::Getandrefresh,
        InitiateOAuth::Refresh,
        InitiateOAuth::Off,
    ] {
        if m == s.mode {
            spans.push(Span::styled(format!("[{}]", m.as_str()), theme.focus()));
        } else {
            spans.push(Span::styled(format!(" {} ", m.as_str()), theme.dim()));
        }
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), row(inner, 5));
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("  {}", mode_help(s.mode)),
            theme.dim(),
        )),
        row(inner, 6),
    );
    let status = match &s.phase {
        Phase::Running => Line::from(vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw("Saving…"),
        ]),
        Phase::Failed(m) => Line::from(Span::styled(format!("✗ Not saved: {m}"), theme.error())),
        Phase::Idle | Phase::Done => Line::from(Span::styled(
            "Enter saves. The secrets are encrypted; the file is readable only by you.",
            theme.dim(),
        )),
    };
    frame.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: true }),
        Rect {
            y: inner.y + 8.min(inner.height),
            height: inner.height.saturating_sub(8),
            ..inner
        },
    );
}

/// Opens the export form for a file saved before this run (the home
/// screen's export): the screen as it is after a save, form open.
pub fn open_export(state: &mut State, saved: Saved) {
    state.save.export = Some(ExportForm::beside(&saved.path));
    state.save.phase = Phase::Done;
    state.save.saved = Some(saved);
}
