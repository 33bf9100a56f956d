//! Where to save, InitiateOAuth, then the connection string and the token command.

use crate::settings::InitiateOAuth;
use crate::tui::state::{Phase, SaveFocus, State};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, spinner};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

fn mode_help(m: InitiateOAuth) -> &'static str {
    match m {
        InitiateOAuth::Getandrefresh => "sign in interactively when needed, refresh when expired",
        InitiateOAuth::Refresh => "refresh only, never interactive (servers)",
        InitiateOAuth::Off => "use the stored token as is",
    }
}

fn row(inner: Rect, y: u16) -> Rect {
    Rect {
        y: inner.y + y.min(inner.height.saturating_sub(1)),
        height: u16::from(y < inner.height),
        ..inner
    }
}

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let s = &state.save;
    let test_line = match (&state.test.phase, &state.test.summary) {
        (Phase::Done, Some(sum)) => {
            Line::from(Span::styled(format!("✓ Test call: {sum}"), theme.ok()))
        }
        (Phase::Failed(m), _) => Line::from(Span::styled(
            format!("! Test call failed: {m}"),
            theme.warn(),
        )),
        _ if state.profile().is_some_and(|p| p.test.is_none()) => Line::from(Span::styled(
            "This provider has no test request.",
            theme.dim(),
        )),
        _ => Line::from(Span::styled("✓ Signed in.", theme.ok())),
    };
    frame.render_widget(Paragraph::new(test_line), row(inner, 0));

    if let (Phase::Done, Some(saved)) = (&s.phase, &s.saved) {
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
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Rect {
                y: inner.y + 2,
                height: inner.height.saturating_sub(2),
                ..inner
            },
        );
        return;
    }

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
        _ => Line::from(Span::styled(
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

pub fn hints(state: &State) -> Vec<Hint> {
    match state.save.phase {
        Phase::Done => vec![
            ("c", "copy connection string"),
            ("t", "copy command"),
            ("Enter", "finish"),
        ],
        Phase::Running => vec![],
        _ => match state.save.focus {
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
