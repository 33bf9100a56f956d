//! `render(&State)`: chrome (header, box, status, footer), the current
//! screen, the help overlay and the "terminal too small" fallback.

pub mod authorize;
pub mod credentials;
pub mod method;
pub mod provider;
pub mod save;
pub mod scopes;
pub mod setup;
pub mod test;

use super::help;
use super::layout;
use super::state::{NoticeKind, Screen, State};
use super::update::typing;
use super::widgets::{self, Hint};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    if layout::too_small(area) {
        too_small(frame, area, state);
        return;
    }
    let theme = &state.theme;
    let c = layout::chrome(area);
    header(frame, c.header, state);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" {} ", state.screen.title()),
            theme.title(),
        ))
        .border_style(theme.dim());
    frame.render_widget(block, c.body);
    match state.screen {
        Screen::Provider => provider::render(frame, c.inner, state),
        Screen::Method => method::render(frame, c.inner, state),
        Screen::Setup => setup::render(frame, c.inner, state),
        Screen::Scopes => scopes::render(frame, c.inner, state),
        Screen::Credentials => credentials::render(frame, c.inner, state),
        Screen::Authorize => authorize::render(frame, c.inner, state),
        Screen::Test => test::render(frame, c.inner, state),
        Screen::Save => save::render(frame, c.inner, state),
    }
    if let Some(n) = &state.notice {
        let style = match n.kind {
            NoticeKind::Info => theme.accent(),
            NoticeKind::Error => theme.error(),
        };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {}", n.text), style))),
            c.status,
        );
    }
    let mut hints: Vec<Hint> = match state.screen {
        Screen::Provider => provider::hints(state),
        Screen::Method => method::hints(state),
        Screen::Setup => setup::hints(state),
        Screen::Scopes => scopes::hints(state),
        Screen::Credentials => credentials::hints(state),
        Screen::Authorize => authorize::hints(state),
        Screen::Test => test::hints(state),
        Screen::Save => save::hints(state),
    };
    hints.push(if typing(state) {
        ("F1", "help")
    } else {
        ("?", "help")
    });
    hints.push(("^C", "quit"));
    widgets::footer(frame, c.footer, &hints, theme);
    if let Some(scroll) = state.help {
        help_overlay(frame, area, state, scroll);
    }
}

fn header(frame: &mut Frame, area: Rect, state: &State) {
    let theme = &state.theme;
    let mut spans = vec![Span::styled(" oauth-setup", theme.title())];
    if let Some(p) = state.profile() {
        spans.push(Span::styled(" › ", theme.dim()));
        spans.push(Span::raw(p.name.clone()));
        if state.screen != Screen::Provider
            && state.screen != Screen::Method
            && let Some(s) = state.scheme()
        {
            spans.push(Span::styled(" › ", theme.dim()));
            spans.push(Span::raw(s.title.clone()));
        }
    }
    let steps = state.steps();
    let step = match steps.iter().position(|s| *s == state.screen) {
        Some(i) if state.chosen.is_some() => format!("step {} of {} ", i + 1, steps.len()),
        _ => "step 1 ".to_string(),
    };
    // The breadcrumb gives way to the step counter, never overlaps it.
    let right = step.chars().count() as u16 + 1;
    let left = Rect {
        width: area.width.saturating_sub(right),
        ..area
    };
    let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
    let line = if text.chars().count() > left.width as usize {
        Line::from(vec![
            Span::styled(" oauth-setup", theme.title()),
            Span::raw(widgets::truncate(
                &text[" oauth-setup".len()..],
                (left.width as usize).saturating_sub(12),
            )),
        ])
    } else {
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), left);
    frame.render_widget(
        Paragraph::new(Span::styled(step, theme.dim())).alignment(Alignment::Right),
        area,
    );
}

fn too_small(frame: &mut Frame, area: Rect, state: &State) {
    let text = format!(
        "Terminal too small ({}x{}); need {}x{}. Enlarge it, or press Ctrl-C to quit.",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    frame.render_widget(
        Paragraph::new(Span::styled(text, state.theme.warn())).wrap(Wrap { trim: true }),
        area,
    );
}

fn help_overlay(frame: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let theme = &state.theme;
    let w = area.width.saturating_sub(8).max(20);
    let h = area.height.saturating_sub(4).max(5);
    let r = widgets::centered(area, w, h);
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Help: {} ", state.screen.title()),
            theme.title(),
        ))
        .title_bottom(Line::from(" ↑/↓ scroll · Esc close ").alignment(Alignment::Right));
    let lines: Vec<Line> = reflow(help::text(state.screen))
        .into_iter()
        .map(|l| {
            if let Some(h) = l.strip_prefix("# ") {
                Line::from(Span::styled(h.to_string(), theme.title()))
            } else if let Some(h) = l.strip_prefix("## ") {
                Line::from(Span::styled(h.to_string(), theme.accent()))
            } else {
                Line::from(l)
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        r,
    );
}

/// Joins the hard-wrapped lines of a Markdown paragraph so the overlay can
/// wrap them to its own width; headings, list items and blank lines stay.
fn reflow(md: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for line in md.lines() {
        let t = line.trim_end();
        let starts_block = t.is_empty() || t.starts_with('#') || t.starts_with("- ");
        if open && !starts_block {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(t.trim_start());
            }
            continue;
        }
        out.push(t.to_string());
        open = !t.is_empty() && !t.starts_with('#');
    }
    out
}
