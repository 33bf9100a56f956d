//! Set-up checklist: the provider-side steps, then the redirect URI to register.

use super::{Nav, credentials, keys};
use crate::provider::SchemeKind;
use crate::tui::action::Effect;
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{Hint, list, truncate};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct SetupScreen {
    pub cursor: usize,
    /// Steps the user ticked off (for their own bookkeeping only).
    pub ticked: BTreeSet<usize>,
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Set up the app at the provider"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render(frame, inner, state);
    }

    fn hints(&self, _state: &State) -> Vec<Hint> {
        vec![
            ("Space", "tick"),
            ("o", "open link"),
            ("c", "copy"),
            ("m", "mouse"),
            ("Enter", "next"),
            ("Esc", "back"),
        ]
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        let rows = rows(state);
        let steps = steps(state);
        let list_area = layout::setup_list(keys::inner(state));
        if keys::nav(&mut state.setup.cursor, rows, keys::page(list_area), &k) {
            return Nav::Stay;
        }
        match k.code {
            KeyCode::Char(' ') | KeyCode::Char('x') if state.setup.cursor < steps => {
                keys::toggle(&mut state.setup.ticked, state.setup.cursor);
            }
            KeyCode::Char('o') => match link(state) {
                Some(url) if state.setup.cursor < steps => {
                    state.info(format!("Opening {url}"));
                    fx.push(Effect::OpenUrl(url));
                }
                _ => state.info("This step has no link to open."),
            },
            KeyCode::Char('c') => match link(state) {
                Some(text) => {
                    let what = if state.setup.cursor < steps {
                        "The link was"
                    } else {
                        "The redirect URI was"
                    };
                    keys::copy(state, fx, what, text);
                }
                None => state.info("Nothing to copy on this line."),
            },
            KeyCode::Enter => return Nav::Next,
            KeyCode::Esc => return Nav::Back,
            _ => {}
        }
        Nav::Stay
    }

    fn on_click(
        &self,
        state: &mut State,
        inner: Rect,
        (col, row): (u16, u16),
        _fx: &mut Vec<Effect>,
    ) -> Nav {
        let steps = steps(state);
        let a = layout::setup_list(inner);
        if let Some(i) = list::hit(a, rows(state), state.setup.cursor, col, row) {
            state.setup.cursor = i;
            if i < steps {
                keys::toggle(&mut state.setup.ticked, i);
            }
        }
        Nav::Stay
    }

    fn scrolls(&self) -> bool {
        true
    }
}

fn steps(state: &State) -> usize {
    state.scheme().map_or(0, |s| s.setup_steps.len())
}

/// Rows of the checklist: the steps, then the redirect URI to register.
fn rows(state: &State) -> usize {
    let needs_redirect = state
        .scheme()
        .is_some_and(|s| s.kind == SchemeKind::AuthorizationCode);
    steps(state) + usize::from(needs_redirect)
}

/// What o opens and c copies on the current row.
fn link(state: &State) -> Option<String> {
    let s = state.scheme()?;
    match s.setup_steps.get(state.setup.cursor) {
        Some(step) => step.url.clone(),
        None => Some(register_uri(state)),
    }
}

/// The redirect URI to register: the fixed one, or for a port picked at
/// sign-in the loopback address without a port (RFC 8252 §7.3: the server
/// accepts any port on it).
fn register_uri(state: &State) -> String {
    credentials::redirect_uri(state)
        .unwrap_or_else(|| format!("http://127.0.0.1{}", crate::oauth::loopback::DEFAULT_PATH))
}

fn redirect_line(state: &State) -> String {
    let u = register_uri(state);
    match credentials::redirect_uri(state) {
        Some(_) => format!("Register this exact redirect URI: {u}"),
        None => format!("Register the redirect URI {u} (any port)"),
    }
}

fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let Some(s) = state.scheme() else { return };
    let area = layout::setup_list(inner);
    let rows = rows(state);
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
        None if rows > 0 && credentials::redirect_uri(state).is_some() => {
            lines.push(Line::from(
                "Add this exact address as a redirect (callback) URL in the app's settings: c copies it, m frees the mouse to select it.",
            ));
        }
        None if rows > 0 => {
            lines.push(Line::from(
                "The port is chosen at sign-in (a free one on 127.0.0.1), so register the address without a port: a server following RFC 8252 §7.3 accepts any port for it. c copies it, m frees the mouse to select it. If the provider wants an exact port, type a callback URL (e.g. http://127.0.0.1:8765/callback) on the credentials screen and register that.",
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
