//! Where to save, InitiateOAuth, then the connection string and the token command.

use crate::settings::InitiateOAuth;
use crate::tui::state::{ExportForm, Phase, SaveFocus, State};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, spinner};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::path::Path;

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

    if let (Phase::Done, Some(saved), Some(x)) = (&s.phase, &s.saved, &s.export) {
        export(frame, inner, state, &saved.path, x);
        return;
    }
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

/// "Export for a server": bundle path, passphrase twice, then what to run there.
fn export(frame: &mut Frame, inner: Rect, state: &State, settings: &Path, x: &ExportForm) {
    let theme = &state.theme;
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!("✓ Saved to {}", settings.display()),
            theme.ok(),
        )),
        row(inner, 2),
    );
    if let (Phase::Done, Some(out)) = (&x.phase, &x.written) {
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
        return;
    }
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Export for a server (age bundle, encrypted with a passphrase):",
            theme.title(),
        )),
        row(inner, 4),
    );
    let labels = ["Bundle file:", "Passphrase:", "Again:"];
    for (i, label) in labels.iter().enumerate() {
        let y = 6 + 2 * i as u16;
        let focused = x.focus == i && x.phase != Phase::Running;
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
                input: Some(x.input(i)),
                masked: i > 0,
                focused,
                placeholder: if i == 0 {
                    "where to write the bundle"
                } else {
                    "type it (hidden)"
                },
            },
            theme,
        );
        if x.attempted
            && let Some(p) = x.problem(i)
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
        _ => Line::from(Span::styled(
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

pub fn hints(state: &State) -> Vec<Hint> {
    if let Some(x) = &state.save.export {
        return match x.phase {
            Phase::Running => vec![],
            Phase::Done => vec![("Enter", "back")],
            _ => vec![
                ("Tab", "next field"),
                ("Enter", "export"),
                ("Esc", "never mind"),
            ],
        };
    }
    match state.save.phase {
        Phase::Done => vec![
            ("c", "copy conn. string"),
            ("t", "copy command"),
            ("e", "export"),
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
