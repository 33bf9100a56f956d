//! Drawing the home screen: the connections as a table, then what the
//! selected one is, what happened to it last, and the keys that act on it.
//! Everything read from a file is sanitised before it is drawn.

use super::{Confirm, HomeScreen, JobKind};
use crate::connections::{Connection, Loaded, Outlook, TokenState, ago};
use crate::text::sanitize;
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crate::tui::widgets::{list, spinner, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const NAME_W: usize = 14;
const PROVIDER_W: usize = 14;
const TOKEN_W: usize = 17;
const TEST_W: usize = 11;

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let h = &state.home;
    let theme = &state.theme;
    let rows = h.rows();
    let top = match rows.len() {
        0 => Line::from("No saved connections yet."),
        1 => Line::from("1 saved connection."),
        n => Line::from(format!("{n} saved connections.")),
    };
    frame.render_widget(Paragraph::new(top), line(inner, 0));
    if rows.is_empty() {
        let mut lines = vec![Line::from(vec![
            Span::styled("n", theme.key()),
            Span::raw(" (or Enter) makes a new connection."),
        ])];
        if let Some(e) = &h.error {
            lines.push(Line::from(Span::styled(sanitize(e, 300), theme.error())));
        }
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }),
            layout::band(inner, 2, 0),
        );
        return;
    }
    let width = inner.width as usize;
    let account_w = width.saturating_sub(2 + NAME_W + PROVIDER_W + TOKEN_W + TEST_W + 4);
    frame.render_widget(
        Paragraph::new(Span::styled(
            format!(
                "  {:<NAME_W$} {:<PROVIDER_W$} {:<account_w$} {:<TOKEN_W$} {}",
                "NAME", "PROVIDER", "ACCOUNT", "TOKEN", "LAST TEST"
            ),
            theme.dim(),
        )),
        line(inner, 1),
    );
    let area = layout::home_list(inner);
    let cursor = h.cursor.min(rows.len().saturating_sub(1));
    let off = list::offset(rows.len(), cursor, area.height as usize);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(off)
        .take(area.height as usize)
        .map(|(i, l)| row(state, &l.connection, i == cursor, account_w, width))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
    if rows.len() > area.height as usize {
        let more = format!(" {}/{} ", cursor + 1, rows.len());
        let w = more.chars().count() as u16;
        frame.render_widget(
            Paragraph::new(Span::styled(more, theme.dim())),
            Rect {
                x: inner.right().saturating_sub(w),
                width: w.min(inner.width),
                ..line(inner, 0)
            },
        );
    }
    if let Some(l) = rows.get(cursor) {
        let at = inner.height.saturating_sub(layout::HOME_DETAILS);
        details(frame, layout::band(inner, at, 0), state, l);
    }
}

/// Line `y` of `r` (empty below its bottom).
fn line(r: Rect, y: u16) -> Rect {
    Rect {
        y: r.y + y.min(r.height.saturating_sub(1)),
        height: u16::from(y < r.height),
        ..r
    }
}

fn provider_name(state: &State, c: &Connection) -> String {
    let Some(id) = &c.provider else {
        return "?".into();
    };
    state
        .profiles
        .iter()
        .find(|p| &p.id == id)
        .map_or_else(|| sanitize(id, 40), |p| sanitize(&p.name, 40))
}

fn token_style(theme: &Theme, t: &TokenState) -> Style {
    match t {
        TokenState::Valid { .. } => theme.ok(),
        TokenState::Renewable => theme.accent(),
        TokenState::NeedsSignIn { .. } | TokenState::HandedOff { .. } => theme.warn(),
        TokenState::Unreadable(_) | TokenState::Missing => theme.error(),
    }
}

fn last_test_cell(h: &HomeScreen, c: &Connection) -> (String, bool) {
    match &c.last_test {
        Some(t) => (
            format!("{} {}", if t.ok { "✓" } else { "✗" }, ago(h.read_at - t.at)),
            t.ok,
        ),
        None => ("never".into(), true),
    }
}

fn row(
    state: &State,
    c: &Connection,
    selected: bool,
    account_w: usize,
    width: usize,
) -> Line<'static> {
    let theme = &state.theme;
    let h = &state.home;
    let cell = |s: &str, w: usize| format!("{:<w$}", truncate(&sanitize(s, 200), w));
    let name = cell(&c.name, NAME_W);
    let provider = cell(&provider_name(state, c), PROVIDER_W);
    let account = cell(c.account.as_deref().unwrap_or("-"), account_w);
    let token = cell(&c.token.short(), TOKEN_W);
    let (test, test_ok) = last_test_cell(h, c);
    let test = cell(&test, TEST_W);
    let marker = if selected { "› " } else { "  " };
    if selected {
        let text = format!("{marker}{name} {provider} {account} {token} {test}");
        return Line::from(Span::styled(format!("{text:<width$}"), theme.selected()));
    }
    Line::from(vec![
        Span::raw(format!("{marker}{name} {provider} {account} ")),
        Span::styled(token, token_style(theme, &c.token)),
        Span::raw(" "),
        Span::styled(test, if test_ok { theme.dim() } else { theme.warn() }),
    ])
}

/// What the state of the selected connection means, in a sentence.
fn meaning(l: &Loaded, read_at: i64) -> String {
    let c = &l.connection;
    match &c.token {
        // What happens when it runs out depends on the connection's kind.
        TokenState::Valid { minutes: Some(m) } => match &l.settings {
            Some(s) => format!(
                "The token is valid for {m} more min; {}.",
                crate::connections::Kind::of(s).then()
            ),
            None => format!("The token is valid for {m} more min."),
        },
        TokenState::Valid { minutes: None } => "The token has no stated expiry.".into(),
        TokenState::Renewable => {
            "The token expired; the file holds what renews it without a browser.".into()
        }
        TokenState::NeedsSignIn { reason: None } => {
            "Nothing left to renew it with: sign in again (the answers are filled in).".into()
        }
        TokenState::NeedsSignIn { reason: Some(r) } => format!(
            "The provider refused the grant ({}): sign in again (the answers are filled in).",
            sanitize(r, 160)
        ),
        TokenState::HandedOff { to, since } => format!(
            "Handed off {} to a CData driver{}: this tool no longer renews it.",
            ago(read_at - since),
            to.as_deref()
                .map(|t| format!(" ({})", sanitize(t, 80)))
                .unwrap_or_default()
        ),
        TokenState::Unreadable(e) => format!("Cannot be opened: {}", sanitize(e, 300)),
        TokenState::Missing => {
            "The file is not there any more (a disk not mounted?); log out forgets it.".into()
        }
    }
}

fn job_word(k: JobKind) -> &'static str {
    match k {
        JobKind::Test => "Running the test request…",
        JobKind::Renew => "Renewing the token…",
        JobKind::LogOut { local_only: false } => "Revoking at the provider, then removing…",
        JobKind::LogOut { local_only: true } => "Removing the files…",
    }
}

/// The status of the selected connection: a running job, the last job's
/// result, else what its state means and its last test.
fn status(state: &State, l: &Loaded) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let h = &state.home;
    let c = &l.connection;
    if let Some(j) = h.job.as_ref().filter(|j| j.path == c.location) {
        return vec![Line::from(vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw(job_word(j.kind)),
        ])];
    }
    if let Some(o) = h.outcome.as_ref().filter(|o| o.job.path == c.location) {
        return match &o.result {
            Ok(text) => vec![Line::from(Span::styled(
                format!("✓ {}", sanitize(text, 300)),
                theme.ok(),
            ))],
            Err(f) => {
                let mut text = format!("✗ {}", sanitize(&f.message, 400));
                if let Some(hint) = &f.hint {
                    text.push(' ');
                    text.push_str(&sanitize(hint, 200));
                }
                vec![Line::from(Span::styled(text, theme.error()))]
            }
        };
    }
    let mut lines = vec![Line::from(Span::styled(
        meaning(l, h.read_at),
        token_style(theme, &c.token),
    ))];
    // What the grant needs next, from the provider's documented limits.
    // (A sign-in needed or a grant not renewed here is the line above.)
    if let Some(o) = c
        .outlook
        .as_ref()
        .filter(|o| !matches!(o, Outlook::NeedsSignIn(_) | Outlook::NotRenewed(_)))
    {
        lines.push(Line::from(Span::styled(
            format!("Grant: {}", sanitize(&o.text(), 200)),
            theme.dim(),
        )));
    }
    if let Some(t) = &c.last_test {
        lines.push(Line::from(Span::styled(
            format!(
                "Last test {}: {} {}",
                ago(h.read_at - t.at),
                if t.ok { "✓" } else { "✗" },
                sanitize(&t.summary, 200)
            ),
            theme.dim(),
        )));
    }
    lines
}

fn details(frame: &mut Frame, area: Rect, state: &State, l: &Loaded) {
    let theme = &state.theme;
    let c = &l.connection;
    let file = format!("File: {}", sanitize(&c.location.display().to_string(), 300));
    frame.render_widget(
        Paragraph::new(Span::styled(
            truncate(&file, area.width as usize),
            theme.dim(),
        )),
        line(area, 1),
    );
    let mid = Rect {
        y: area.y + 2.min(area.height),
        height: area.height.saturating_sub(3).min(3),
        ..area
    };
    let keys: Vec<(&str, &str)> = match &state.home.confirm {
        Some(q) => {
            let name = sanitize(&c.name, 40);
            let text = match q {
                Confirm::LogOut(_) => match &l.settings {
                    Some(s) => crate::connections::logout_question(s, &name),
                    None => format!("Remove {name}? Its file, backup and lock are removed."),
                },
                Confirm::RemoveAnyway(_) => format!(
                    "Remove {name} without revoking? The grant may stay live at the provider until you revoke the app's access there."
                ),
            };
            frame.render_widget(
                Paragraph::new(crate::tui::widgets::clip(
                    &[Line::from(Span::styled(text, theme.warn()))],
                    mid.width,
                    mid.height,
                )),
                mid,
            );
            vec![("y", "yes"), ("n", "no, keep it")]
        }
        None if l.settings.is_none() => {
            frame.render_widget(
                Paragraph::new(crate::tui::widgets::clip(
                    &status(state, l),
                    mid.width,
                    mid.height,
                )),
                mid,
            );
            vec![("l", "remove the file")]
        }
        None => {
            frame.render_widget(
                Paragraph::new(crate::tui::widgets::clip(
                    &status(state, l),
                    mid.width,
                    mid.height,
                )),
                mid,
            );
            vec![
                ("t", "test"),
                ("r", "renew"),
                ("s", "sign in again"),
                ("c", "scopes"),
                ("e", "export"),
                ("l", "log out"),
            ]
        }
    };
    let mut spans = Vec::new();
    for (i, (k, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(k.to_string(), theme.key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), line(area, 5));
}
