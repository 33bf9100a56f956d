//! Provider list with type-to-filter.

use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{Hint, list, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let visible = state.filtered_profiles();
    let filter = &state.provider.filter;
    let top = if filter.is_empty() {
        Line::from(vec![
            Span::raw("Which service do you want to connect? "),
            Span::styled("(type to filter)", theme.dim()),
        ])
    } else {
        Line::from(vec![
            Span::raw("Filter: "),
            Span::styled(filter.clone(), theme.focus()),
            Span::styled(format!("   {} match", visible.len()), theme.dim()),
        ])
    };
    frame.render_widget(
        Paragraph::new(top),
        layout::band(inner, 0, inner.height.saturating_sub(1)),
    );

    let area = layout::provider_list(inner);
    let cursor = state.provider.cursor.min(visible.len().saturating_sub(1));
    let off = list::offset(visible.len(), cursor, area.height as usize);
    let name_w = 18usize;
    let lines: Vec<Line> = visible
        .iter()
        .enumerate()
        .skip(off)
        .take(area.height as usize)
        .filter_map(|(i, &pi)| {
            let p = state.profiles.get(pi)?;
            let desc_w = (area.width as usize).saturating_sub(name_w + 3);
            let text = format!(
                "{} {:<name_w$} {}",
                if i == cursor { "›" } else { " " },
                truncate(&p.name, name_w),
                truncate(&p.description, desc_w)
            );
            let style = if i == cursor {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            Some(Line::from(Span::styled(
                format!("{text:<w$}", w = area.width as usize),
                style,
            )))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);

    let bottom = layout::band(inner, inner.height.saturating_sub(2), 0);
    let text: Line = if let Some(err) = &state.load_error {
        Line::from(Span::styled(err.clone(), theme.error()))
    } else if visible.is_empty() && state.profiles.is_empty() {
        Line::from(Span::styled("No provider profiles found.", theme.error()))
    } else if visible.is_empty() {
        Line::from(Span::styled(
            format!("No provider matches “{filter}”. Backspace edits, Esc clears."),
            theme.warn(),
        ))
    } else if let Some(p) = visible.get(cursor).and_then(|&i| state.profiles.get(i)) {
        match &p.docs_url {
            Some(u) => Line::from(vec![
                Span::styled("Docs: ", theme.dim()),
                Span::styled(u.clone(), theme.dim()),
            ]),
            None => Line::from(""),
        }
    } else {
        Line::from("")
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), bottom);
}

pub fn hints(state: &State) -> Vec<Hint> {
    let mut h = vec![("↑↓", "choose"), ("Enter", "next")];
    if state.provider.filter.is_empty() {
        h.push(("Esc", "quit"));
    } else {
        h.push(("Esc", "clear filter"));
    }
    h
}
