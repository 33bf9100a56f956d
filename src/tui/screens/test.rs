//! The provider's test request and its outcome.

use crate::tui::state::{Phase, State};
use crate::tui::widgets::{Hint, spinner};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let name = state.profile().map_or("the provider", |p| p.name.as_str());
    let lines = match &state.test.phase {
        Phase::Running => vec![Line::from(vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw(format!("Calling {name} with the new token…")),
        ])],
        Phase::Done => vec![Line::from(Span::styled(
            format!("✓ {}", state.test.summary.clone().unwrap_or_default()),
            theme.ok(),
        ))],
        Phase::Failed(msg) => vec![
            Line::from(Span::styled("✗ The test call failed:", theme.error())),
            Line::from(msg.clone()),
            Line::from(""),
            Line::from(
                "The token was issued but the API refused it: check the scopes and the app's access, then r to run again. Enter saves anyway.",
            ),
        ],
        Phase::Idle | Phase::Cancelled => vec![Line::from("Not run yet: press r.")],
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn hints(state: &State) -> Vec<Hint> {
    match state.test.phase {
        Phase::Running => vec![("Esc", "back")],
        Phase::Failed(_) => vec![
            ("r", "run again"),
            ("Enter", "save anyway"),
            ("Esc", "back"),
        ],
        _ => vec![("r", "run again"), ("Enter", "next"), ("Esc", "back")],
    }
}
