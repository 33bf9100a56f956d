//! How the Save form looks: its rows (destination, name or Vault fields,
//! InitiateOAuth), the note under each, and the status line.

use super::form::{Dest, SaveFocus, file_target, input, kind, mode, mode_choices, rows};
use super::row;
use crate::connections::Kind;
use crate::tui::action::SaveTarget;
use crate::tui::state::{Phase, State};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::spinner;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const LABEL: u16 = 18;

fn choice(spans: &mut Vec<Span<'static>>, text: String, on: bool, state: &State) {
    let theme = &state.theme;
    spans.push(if on {
        Span::styled(format!("[{text}]"), theme.focus())
    } else {
        Span::styled(format!(" {text} "), theme.dim())
    });
    spans.push(Span::raw(" "));
}

/// The value column of a choice row.
fn choices(state: &State, f: SaveFocus) -> Vec<Span<'static>> {
    let s = &state.save;
    let mut spans = Vec::new();
    match f {
        SaveFocus::Dest => {
            choice(
                &mut spans,
                "a file on this machine".into(),
                s.dest == Dest::File,
                state,
            );
            choice(
                &mut spans,
                "a Vault / OpenBao path".into(),
                s.dest == Dest::Vault,
                state,
            );
        }
        SaveFocus::Auth => {
            let token = match s.vault.token_source {
                Some(src) => format!("token ({})", src.describe()),
                None => "token (none found)".into(),
            };
            choice(&mut spans, token, !s.vault.approle, state);
            choice(&mut spans, "AppRole".into(), s.vault.approle, state);
        }
        _ => {
            for (m, on) in mode_choices(state) {
                choice(&mut spans, m.as_str().into(), on, state);
            }
        }
    }
    spans
}

/// The line under a row, when it has one.
fn note(state: &State, f: SaveFocus) -> Option<String> {
    let s = &state.save;
    match f {
        SaveFocus::Name => Some(match file_target(state) {
            Ok(SaveTarget::File { path, .. }) => format!("→ {}", path.display()),
            Ok(SaveTarget::Vault(_)) | Err(_) => "a name, or a path to a file".into(),
        }),
        SaveFocus::Mode => {
            let m = mode(state);
            Some(
                match kind(state) {
                    Some(k) => k.mode_means(m),
                    None => Kind::Grant { refresh: true }.mode_means(m),
                }
                .into(),
            )
        }
        SaveFocus::Auth if !s.vault.approle && s.vault.token_source.is_none() => {
            Some("set VAULT_TOKEN before starting the wizard, or write ~/.vault-token".into())
        }
        _ => None,
    }
}

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let s = &state.save;
    let mut y = 2;
    for f in rows(s, kind(state)) {
        let focused = s.focus == f && s.taken.is_none() && s.phase != Phase::Running;
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{} {}", if focused { "›" } else { " " }, f.label()),
                if focused { theme.focus() } else { Style::new() },
            )),
            row(inner, y),
        );
        let value = Rect {
            x: inner.x + LABEL,
            width: inner.width.saturating_sub(LABEL),
            ..row(inner, y)
        };
        match input(s, f) {
            Some(i) => field::render(
                frame,
                value,
                FieldView {
                    input: Some(i),
                    masked: false,
                    focused,
                    placeholder: match f {
                        SaveFocus::Name => "a name, or a path to a file",
                        SaveFocus::Addr => "https://vault.example.com:8200",
                        SaveFocus::VaultPath => "vault://MOUNT/PATH",
                        SaveFocus::RoleId => "the AppRole's role ID",
                        _ => "a file that holds the secret ID",
                    },
                },
                theme,
            ),
            None => frame.render_widget(Paragraph::new(Line::from(choices(state, f))), value),
        }
        y += 1;
        if let Some(n) = note(state, f) {
            frame.render_widget(
                Paragraph::new(Span::styled(crate::text::sanitize(&n, 500), theme.dim())),
                Rect {
                    x: inner.x + LABEL,
                    width: inner.width.saturating_sub(LABEL),
                    ..row(inner, y)
                },
            );
            y += 1;
        }
    }
    let status = status(state);
    frame.render_widget(
        Paragraph::new(status).wrap(Wrap { trim: true }),
        Rect {
            y: inner.y + (y + 1).min(inner.height),
            height: inner.height.saturating_sub(y + 1),
            ..inner
        },
    );
}

fn status(state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let s = &state.save;
    if let Some(t) = &s.taken {
        let shown = |p: &std::path::Path| crate::text::sanitize(&p.display().to_string(), 300);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "! {} already holds {}.",
                crate::text::sanitize(&t.location, 300),
                t.holds
            ),
            theme.warn(),
        ))];
        let replace = match (&t.backup, t.unreadable) {
            (Some(b), false) => format!("r replaces it (the old one is kept as {})", shown(b)),
            (Some(b), true) => format!(
                "r replaces it (it cannot be read here; it is kept as it is in {})",
                shown(b)
            ),
            (None, _) => "r replaces it (Vault keeps the old version in its history)".into(),
        };
        lines.push(Line::from(replace));
        if let Some(free) = &t.free_name {
            lines.push(Line::from(format!("n saves this one beside it as {free}")));
        }
        lines.push(Line::from(Span::styled(
            "Esc changes the name or path",
            theme.dim(),
        )));
        return lines;
    }
    vec![match &s.phase {
        Phase::Running => Line::from(vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw(match s.dest {
                Dest::File => "Saving…",
                Dest::Vault => "Checking the Vault path, then saving…",
            }),
        ]),
        Phase::Failed(m) => Line::from(Span::styled(
            format!("✗ Not saved: {}", crate::text::sanitize(m, 1000)),
            theme.error(),
        )),
        Phase::Idle | Phase::Done => Line::from(Span::styled(
            match s.dest {
                Dest::File => {
                    "Enter saves. The secrets are encrypted; the file is readable only by you."
                }
                Dest::Vault => {
                    "Enter reads the path and its lock first, then saves (never over another's)."
                }
            },
            theme.dim(),
        )),
    }]
}
