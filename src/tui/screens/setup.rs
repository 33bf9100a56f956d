//! Set-up checklist: the provider-side steps, then the redirect URI to register.

use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{Hint, list, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn redirect_line(state: &State) -> String {
    match state.redirect_uri() {
        Some(u) => format!("Register this redirect URI: {u}"),
        None => "Redirect URI: a loopback address (http://127.0.0.1:<port>) picked at sign-in"
            .to_string(),
    }
}

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let Some(s) = state.scheme() else { return };
    let area = layout::setup_list(inner);
    let rows = state.setup_rows();
    let cursor = state.setup.cursor.min(rows.saturating_sub(1));
    let off = list::offset(rows, cursor, area.height as usize);
    let w = area.width as usize;
    let lines: Vec<Line> = (0..rows)
        .skip(off)
        .take(area.height as usize)
        .map(|i| {
            let text = match s.setup_steps.get(i) {
                Some(step) => format!(
                    "{} [{}] {}. {}",
                    if i == cursor { "›" } else { " " },
                    if state.setup.ticked.contains(&i) {
                        "x"
                    } else {
                        " "
                    },
                    i + 1,
                    step.title
                ),
                None => format!(
                    "{} → {}",
                    if i == cursor { "›" } else { " " },
                    redirect_line(state)
                ),
            };
            let style = if i == cursor {
                theme.selected()
            } else if i >= s.setup_steps.len() {
                theme.accent()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(format!("{:<w$}", truncate(&text, w)), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);

    let bottom = layout::band(inner, inner.height.saturating_sub(5), 0);
    let mut lines = Vec::new();
    match s.setup_steps.get(cursor) {
        Some(step) => {
            if !step.detail.is_empty() {
                lines.push(Line::from(step.detail.clone()));
            }
            if let Some(u) = &step.url {
                lines.push(Line::from(vec![
                    Span::styled("Link: ", theme.dim()),
                    Span::styled(u.clone(), theme.accent()),
                    Span::styled("  (o opens, c copies)", theme.dim()),
                ]));
            }
        }
        None if rows > 0 => {
            lines.push(Line::from(
                "Add this exact address as a redirect (callback) URL in the app's settings; c copies it.",
            ));
        }
        None => {
            lines.push(Line::from("Nothing to set up for this method."));
        }
    }
    if s.setup_steps.is_empty() && rows == 0 {
        lines.push(Line::from(""));
    }
    let done = state.setup.ticked.len();
    lines.push(Line::from(Span::styled(
        format!(
            "{done} of {} done. Ticking is only for you: Enter goes on whenever you are ready.",
            s.setup_steps.len()
        ),
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
}

pub fn hints(_state: &State) -> Vec<Hint> {
    vec![
        ("Space", "tick"),
        ("o", "open link"),
        ("c", "copy"),
        ("Enter", "next"),
        ("Esc", "back"),
    ]
}
