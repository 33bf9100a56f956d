//! "Export for a server" on the Save screen: an age bundle of the settings
//! under a passphrase, for `oauth-setup import` on a machine without a
//! browser.

use super::{keys, row};
use crate::tui::action::{Effect, Failure};
use crate::tui::state::{Phase, State};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, spinner};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::path::{Path, PathBuf};
use tui_input::Input;

/// The focused field of the export form, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFocus {
    #[default]
    Path,
    Passphrase,
    Again,
}

impl ExportFocus {
    const ALL: [ExportFocus; 3] = [Self::Path, Self::Passphrase, Self::Again];

    /// The field below; the last stays.
    pub fn next(self) -> Self {
        match self {
            Self::Path => Self::Passphrase,
            Self::Passphrase | Self::Again => Self::Again,
        }
    }

    /// The field above; the first stays.
    pub fn prev(self) -> Self {
        match self {
            Self::Path | Self::Passphrase => Self::Path,
            Self::Again => Self::Passphrase,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Path => "Bundle file:",
            Self::Passphrase => "Passphrase:",
            Self::Again => "Again:",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ExportForm {
    pub path: Input,
    pub pass: Input,
    pub confirm: Input,
    pub focus: ExportFocus,
    pub phase: Phase,
    /// Set once the bundle is written.
    pub written: Option<PathBuf>,
    /// Set on the first submit: from then on problems are flagged.
    pub attempted: bool,
}

impl ExportForm {
    /// The form for the settings file at `settings`: the bundle beside it,
    /// `.age` instead of `.json`, and the passphrase to type first.
    pub fn beside(settings: &Path) -> Self {
        Self {
            path: Input::new(
                settings
                    .with_extension("age")
                    .to_string_lossy()
                    .into_owned(),
            ),
            focus: ExportFocus::Passphrase,
            ..Default::default()
        }
    }

    pub fn input(&self, f: ExportFocus) -> &Input {
        match f {
            ExportFocus::Path => &self.path,
            ExportFocus::Passphrase => &self.pass,
            ExportFocus::Again => &self.confirm,
        }
    }

    fn input_mut(&mut self, f: ExportFocus) -> &mut Input {
        match f {
            ExportFocus::Path => &mut self.path,
            ExportFocus::Passphrase => &mut self.pass,
            ExportFocus::Again => &mut self.confirm,
        }
    }

    /// What is wrong with field `f`, in words.
    pub fn problem(&self, f: ExportFocus) -> Option<String> {
        let min = crate::export::bundle::MIN_PASSPHRASE;
        match f {
            ExportFocus::Path => self
                .path
                .value()
                .trim()
                .is_empty()
                .then(|| "where should the bundle go?".into()),
            ExportFocus::Passphrase => (self.pass.value().chars().count() < min)
                .then(|| format!("at least {min} characters")),
            ExportFocus::Again => (self.confirm.value() != self.pass.value())
                .then(|| "the two passphrases differ".into()),
        }
    }
}

pub(super) fn hints(x: &ExportForm) -> Vec<Hint> {
    match x.phase {
        Phase::Running => vec![],
        Phase::Done => vec![("Enter", "back")],
        Phase::Idle | Phase::Failed(_) => vec![
            ("Tab", "next field"),
            ("Enter", "export"),
            ("Esc", "never mind"),
        ],
    }
}

pub(super) fn on_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(x) = state.save.export.as_mut() else {
        return;
    };
    match (&x.phase, k.code) {
        (Phase::Running, _) => {}
        (Phase::Done, KeyCode::Enter | KeyCode::Esc) => state.save.export = None,
        (Phase::Done, _) => {}
        (Phase::Idle | Phase::Failed(_), KeyCode::Esc) => state.save.export = None,
        (Phase::Idle | Phase::Failed(_), KeyCode::Tab | KeyCode::Down) => x.focus = x.focus.next(),
        (Phase::Idle | Phase::Failed(_), KeyCode::BackTab | KeyCode::Up) => {
            x.focus = x.focus.prev();
        }
        (Phase::Idle | Phase::Failed(_), KeyCode::Enter) => submit(state, fx),
        (Phase::Idle | Phase::Failed(_), _) => keys::edit(x.input_mut(x.focus), k),
    }
}

fn submit(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(x) = state.save.export.as_mut() else {
        return;
    };
    if let Some(bad) = ExportFocus::ALL
        .into_iter()
        .find(|f| x.problem(*f).is_some())
    {
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
        state.error("Nothing to export: the sign-in did not finish.");
        return;
    };
    let mode = super::form::mode(state);
    let Some(x) = state.save.export.as_mut() else {
        return;
    };
    x.phase = Phase::Running;
    fx.push(Effect::ExportBundle {
        path: x.path.value().trim().into(),
        settings: Box::new(settings),
        mode,
        passphrase: secrecy::SecretString::from(x.pass.value().to_string()),
    });
}

pub(super) fn on_paste(x: &mut ExportForm, text: &str) {
    if !matches!(x.phase, Phase::Running | Phase::Done) {
        let f = x.focus;
        keys::insert(x.input_mut(f), text);
    }
}

pub(super) fn finished(x: &mut ExportForm, result: Result<PathBuf, Failure>) {
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

/// "Export for a server": bundle path, passphrase twice, then what to run there.
pub(super) fn render(
    frame: &mut Frame,
    inner: Rect,
    state: &State,
    settings: &str,
    x: &ExportForm,
) {
    let theme = &state.theme;
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("✓ Saved to {}", crate::text::sanitize(settings, 500)),
            theme.ok(),
        )),
        row(inner, 2),
    );
    if let (Phase::Done, Some(out)) = (&x.phase, &x.written) {
        written(frame, inner, state, out);
        return;
    }
    fields(frame, inner, state, x);
}

/// The bundle is written: what to do with it on the server.
fn written(frame: &mut Frame, inner: Rect, state: &State, out: &Path) {
    let theme = &state.theme;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(Span::styled(
            format!("✓ Bundle written to {}", out.display()),
            theme.ok(),
        )),
        Line::from(""),
        Line::from("Copy it to the server and run there:"),
        Line::from(Span::styled(
            format!("oauth-setup import {name} --settings PATH"),
            theme.accent(),
        )),
        Line::from("It asks for the passphrase. Then delete the bundle on both machines."),
    ];
    if state
        .settings
        .as_ref()
        .is_some_and(|s| s.secrets.refresh_token.is_some())
    {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
                "The bundle holds a refresh token: if the provider rotates them, use it on one machine only.",
                theme.warn(),
            )));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        Rect {
            y: inner.y + 4.min(inner.height),
            height: inner.height.saturating_sub(4),
            ..inner
        },
    );
}

/// The form: bundle path, passphrase twice, and where the export stands.
fn fields(frame: &mut Frame, inner: Rect, state: &State, x: &ExportForm) {
    let theme = &state.theme;
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Export for a server (age bundle, encrypted with a passphrase):",
            theme.title(),
        )),
        row(inner, 4),
    );
    for (i, f) in ExportFocus::ALL.into_iter().enumerate() {
        let y = 6 + 2 * i as u16;
        let label = f.label();
        let focused = x.focus == f && x.phase != Phase::Running;
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{} {label}", if focused { "›" } else { " " }),
                if focused {
                    theme.focus()
                } else {
                    ratatui::style::Style::new()
                },
            )),
            row(inner, y),
        );
        field::render(
            frame,
            Rect {
                x: inner.x + 15,
                width: inner.width.saturating_sub(15),
                ..row(inner, y)
            },
            FieldView {
                input: Some(x.input(f)),
                masked: f != ExportFocus::Path,
                focused,
                placeholder: match f {
                    ExportFocus::Path => "where to write the bundle",
                    ExportFocus::Passphrase | ExportFocus::Again => "type it (hidden)",
                },
            },
            theme,
        );
        if x.attempted
            && let Some(p) = x.problem(f)
        {
            frame.render_widget(
                Paragraph::new(Span::styled(format!("✗ {p}"), theme.error())),
                Rect {
                    x: inner.x + 15,
                    width: inner.width.saturating_sub(15),
                    ..row(inner, y + 1)
                },
            );
        }
    }
    let status = match &x.phase {
        Phase::Running => Line::from(vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw("Encrypting (the passphrase is stretched on purpose: a second or two)…"),
        ]),
        Phase::Failed(m) => Line::from(Span::styled(format!("✗ Not exported: {m}"), theme.error())),
        Phase::Idle | Phase::Done => Line::from(Span::styled(
            "Give the passphrase to whoever imports it by another channel than the file.",
            theme.dim(),
        )),
    };
    frame.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: true }),
        Rect {
            y: inner.y + 13.min(inner.height),
            height: inner.height.saturating_sub(13),
            ..inner
        },
    );
}
