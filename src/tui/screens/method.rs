//! Method (scheme) picker, with the hosting region where the provider has several.

use super::{Nav, keys};
use crate::tui::action::Effect;
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{Hint, list, truncate};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Clone, Default)]
pub struct MethodScreen {
    /// Index into the profile's schemes.
    pub scheme: usize,
    /// Index into the profile's regions.
    pub region: usize,
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "How to sign in"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        let mut h = vec![("↑↓", "method")];
        if state.profile().is_some_and(|p| p.regions.len() > 1) {
            h.push(("←→", "region"));
        }
        h.push(("Enter", "next"));
        h.push(("Esc", "back"));
        h
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, _fx: &mut Vec<Effect>) -> Nav {
        let (schemes, regions) = state
            .profile()
            .map_or((0, 0), |p| (p.schemes.len(), p.regions.len()));
        let m = &mut state.method;
        if keys::nav(&mut m.scheme, schemes, schemes, &k) {
            return Nav::Stay;
        }
        match k.code {
            KeyCode::Left if regions > 0 => m.region = (m.region + regions - 1) % regions,
            KeyCode::Right | KeyCode::Tab if regions > 0 => m.region = (m.region + 1) % regions,
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
        let n = state.profile().map_or(0, |p| p.schemes.len());
        let a = layout::method_list(inner);
        match list::hit(a, n, state.method.scheme, col, row) {
            Some(i) if i == state.method.scheme => Nav::Next,
            Some(i) => {
                state.method.scheme = i;
                Nav::Stay
            }
            None => Nav::Stay,
        }
    }

    fn scrolls(&self) -> bool {
        true
    }
}

fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let Some(p) = state.profile() else { return };
    frame.render_widget(
        Paragraph::new(format!(
            "How should oauth-setup get a token for {}?",
            p.name
        )),
        layout::band(inner, 0, inner.height.saturating_sub(1)),
    );
    let area = layout::method_list(inner);
    let cursor = state.method.scheme.min(p.schemes.len().saturating_sub(1));
    let off = list::offset(p.schemes.len(), cursor, area.height as usize);
    let lines: Vec<Line> = p
        .schemes
        .iter()
        .enumerate()
        .skip(off)
        .take(area.height as usize)
        .map(|(i, s)| {
            let text = format!(
                "{} {}",
                if i == cursor { "›" } else { " " },
                truncate(&s.title, area.width.saturating_sub(2) as usize)
            );
            let style = if i == cursor {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(
                format!("{text:<w$}", w = area.width as usize),
                style,
            ))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);

    let bottom = layout::band(inner, inner.height.saturating_sub(4), 0);
    let mut lines = Vec::new();
    if p.regions.len() > 1 {
        let mut spans = vec![Span::raw("Region: ")];
        for (i, r) in p.regions.iter().enumerate() {
            if i == state.method.region {
                spans.push(Span::styled(format!("[{}]", r.name), theme.focus()));
            } else {
                spans.push(Span::styled(format!(" {} ", r.name), theme.dim()));
            }
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(" ←/→ to change", theme.dim()));
        lines.push(Line::from(spans));
    } else {
        lines.push(Line::from(""));
    }
    if let Some(s) = p.schemes.get(cursor) {
        lines.push(Line::from(Span::styled(s.description.clone(), theme.dim())));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
}
