//! The provider's test request and its outcome.

use super::Nav;
use crate::tui::action::{Effect, Failure};
use crate::tui::state::{Phase, Screen, State};
use crate::tui::widgets::{Hint, spinner};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Clone, Default)]
pub struct TestScreen {
    /// Results of older runs are ignored.
    pub run: u64,
    pub phase: Phase,
    pub summary: Option<String>,
    /// What to do about a failure (from what the API answered).
    pub advice: Option<String>,
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Test call"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        match state.test.phase {
            Phase::Running => vec![("Esc", "back")],
            Phase::Failed(_) => vec![
                ("r", "run again"),
                ("Enter", "save anyway"),
                ("Esc", "back"),
            ],
            Phase::Idle | Phase::Done => {
                vec![("r", "run again"), ("Enter", "next"), ("Esc", "back")]
            }
        }
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        let running = state.test.phase == Phase::Running;
        match k.code {
            KeyCode::Char('r') if !running => start(state, fx),
            KeyCode::Enter if !running => return Nav::Next,
            KeyCode::Esc => {
                // Whatever the running test reports no longer matters.
                state.test.run += 1;
                if running {
                    state.test.phase = Phase::Idle;
                }
                return Nav::Back;
            }
            _ => {}
        }
        Nav::Stay
    }

    fn enter(&self, state: &mut State, fx: &mut Vec<Effect>) {
        start(state, fx);
    }
}

fn start(state: &mut State, fx: &mut Vec<Effect>) {
    let Some(settings) = state.settings.clone() else {
        state.test.phase = Phase::Failed("Nothing to test: sign in first.".into());
        return;
    };
    state.test.run += 1;
    state.test.phase = Phase::Running;
    state.test.summary = None;
    state.test.advice = None;
    fx.push(Effect::StartTest {
        run: state.test.run,
        settings: Box::new(settings),
    });
}

/// The result of test run `run`; success goes straight on to saving, where
/// the summary is repeated, since it needs no reading.
pub fn finished(state: &mut State, run: u64, result: Result<String, Failure>) -> Nav {
    if run != state.test.run {
        return Nav::Stay;
    }
    match result {
        Ok(summary) => {
            // Saved with the credentials, so `list` and home show when they
            // last worked.
            if let Some(s) = state.settings.as_mut() {
                s.meta.last_test = Some(crate::settings::LastTest::now(true, &summary));
            }
            state.test.phase = Phase::Done;
            state.test.summary = Some(summary);
            if state.screen == Screen::Test {
                return Nav::Next;
            }
        }
        Err(f) => {
            state.test.advice = f.hint;
            state.test.phase = Phase::Failed(f.message);
        }
    }
    Nav::Stay
}

fn render(frame: &mut Frame, inner: Rect, state: &State) {
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
            Line::from(Span::styled("✗ The test did not pass:", theme.error())),
            Line::from(msg.clone()),
            Line::from(""),
            Line::from(state.test.advice.clone().unwrap_or_else(|| {
                "The token was issued; see the message above for why the test did not pass."
                    .to_string()
            })),
            Line::from(""),
            Line::from(Span::styled(
                "r runs the test again; Enter saves the token anyway.",
                theme.dim(),
            )),
        ],
        Phase::Idle => vec![Line::from("Not run yet: press r.")],
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
