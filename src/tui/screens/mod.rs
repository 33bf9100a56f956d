//! One module per screen, each owning its state, keys, paste, clicks,
//! render and hints behind [`Page`]; [`page`] is the only place that maps a
//! [`Screen`] to its module. Also the frame around every screen: header,
//! box, status line, footer, the help overlay and the "terminal too small"
//! fallback.

pub mod authorize;
pub mod credentials;
pub mod home;
pub(super) mod keys;
pub mod method;
pub mod provider;
pub mod save;
pub mod scopes;
pub mod setup;
pub mod test;

use super::action::Effect;
use super::help;
use super::layout;
use super::state::{NoticeKind, Screen, State};
use super::widgets::{self, Hint};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// Where a screen wants to go after handling an input. Screens say it and
/// `update` does it, so no screen needs to know the order of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Nav {
    Stay,
    Next,
    Back,
    Quit,
    /// Straight to this screen (the home screen's actions), entering it.
    To(Screen),
}

/// What every screen provides. The defaults are for screens without text
/// fields, without a pick-by-click list or without work to start on entry.
pub trait Page {
    fn title(&self) -> &'static str;
    fn render(&self, frame: &mut Frame, inner: Rect, state: &State);
    fn hints(&self, state: &State) -> Vec<Hint>;
    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav;
    /// `text` is one line already (see `update`).
    fn on_paste(&self, _state: &mut State, _text: &str) {}
    /// A left click at (`col`, `row`); `inner` is the inside of the screen's box.
    fn on_click(
        &self,
        _state: &mut State,
        _inner: Rect,
        _at: (u16, u16),
        _fx: &mut Vec<Effect>,
    ) -> Nav {
        Nav::Stay
    }
    /// The mouse wheel moves the cursor like the arrow keys.
    fn scrolls(&self) -> bool {
        false
    }
    /// True when printable keys go into a text field (so `?` is text, not help).
    fn typing(&self, _state: &State) -> bool {
        false
    }
    /// Arriving forward: start what the screen is for.
    fn enter(&self, _state: &mut State, _fx: &mut Vec<Effect>) {}
}

pub fn page(screen: Screen) -> &'static dyn Page {
    match screen {
        Screen::Home => &home::Page,
        Screen::Provider => &provider::Page,
        Screen::Method => &method::Page,
        Screen::Setup => &setup::Page,
        Screen::Scopes => &scopes::Page,
        Screen::Credentials => &credentials::Page,
        Screen::Authorize => &authorize::Page,
        Screen::Test => &test::Page,
        Screen::Save => &save::Page,
    }
}

/// The whole frame: a pure function of `state`.
pub fn render(frame: &mut Frame, state: &State) {
    let area = frame.area();
    if let Some(url) = authorize::plain_view(state) {
        authorize::render_plain(frame, url);
        return;
    }
    if layout::too_small(area) {
        too_small(frame, area, state);
        return;
    }
    let theme = &state.theme;
    let c = layout::chrome(area);
    header(frame, c.header, state);
    let here = page(state.screen);
    let block = Block::bordered()
        .title(Span::styled(format!(" {} ", here.title()), theme.title()))
        .border_style(theme.dim());
    frame.render_widget(block, c.body);
    here.render(frame, c.inner, state);
    if let Some(n) = &state.notice {
        let style = match n.kind {
            NoticeKind::Info => theme.accent(),
            NoticeKind::Error => theme.error(),
        };
        frame.render_widget(
            Paragraph::new(widgets::fit(
                Line::from(Span::styled(format!(" {}", n.text), style)),
                usize::from(c.status.width),
            )),
            c.status,
        );
    }
    let mut hints = here.hints(state);
    hints.push(if here.typing(state) {
        ("F1", "help")
    } else {
        ("?", "help")
    });
    hints.push(("^C", "quit"));
    widgets::footer(frame, c.footer, &hints, theme);
    if let Some(scroll) = state.help {
        help_overlay(frame, area, state, scroll);
    }
    if let Some(question) = &state.confirm_quit {
        widgets::confirm(frame, area, state.on_yes.words(), question, theme);
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
    // The home screen is where a returning user starts, not a step.
    let steps: Vec<Screen> = state
        .steps()
        .into_iter()
        .filter(|s| *s != Screen::Home)
        .collect();
    let step = match steps.iter().position(|s| *s == state.screen) {
        Some(i) if state.chosen.is_some() => format!("step {} of {} ", i + 1, steps.len()),
        _ if state.screen == Screen::Home => String::new(),
        _ => match first_step_total(state) {
            Some(n) => format!("step 1 of {n} "),
            None => "step 1 ".to_string(),
        },
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

/// Before a provider is chosen: the steps the highlighted one would take
/// with its first method (the total changes as the highlight moves).
fn first_step_total(state: &State) -> Option<usize> {
    let i = *provider::filtered_profiles(state).get(state.provider.cursor)?;
    let mut probe = state.clone();
    probe.chosen = Some(i);
    probe.method = Default::default();
    Some(probe.steps().iter().filter(|s| **s != Screen::Home).count())
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
            format!(" Help: {} ", page(state.screen).title()),
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
