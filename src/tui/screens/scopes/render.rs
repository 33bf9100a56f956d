//! Drawing the scopes screen: presets and filter, the grouped list, the
//! scope string as sent and the warnings.

use super::{Item, ScopeRow, scope_rows, scope_warnings, selected_scopes, visible_scopes};
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{list, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::fmt::Write as _;

pub(super) fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let Some(p) = state.profile() else { return };
    // A selection ticked by hand that equals a preset is that preset.
    let preset = state
        .scopes
        .preset
        .and_then(|i| p.scope_presets.get(i))
        .or_else(|| {
            p.scope_presets.iter().find(|pr| {
                p.preset_scopes(&pr.id).is_some_and(|v| {
                    v.len() == state.scopes.selected.len()
                        && v.iter().all(|s| state.scopes.selected.contains(s))
                })
            })
        })
        .map_or_else(|| "custom".to_string(), |pr| pr.name.clone());
    let mut top = vec![Span::raw("Preset: "), Span::styled(preset, theme.focus())];
    top.push(Span::styled("  (Tab: next preset)", theme.dim()));
    if !state.scopes.filter.is_empty() {
        top.push(Span::raw("   Filter: "));
        top.push(Span::styled(
            crate::text::sanitize(&state.scopes.filter, 200),
            theme.focus(),
        ));
        top.push(Span::styled("  (Enter adds it)", theme.dim()));
    } else {
        top.push(Span::styled("   type to filter or add", theme.dim()));
    }
    let band = layout::band(inner, 0, inner.height.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(crate::tui::widgets::fit(
            Line::from(top),
            usize::from(band.width),
        )),
        band,
    );

    let area = layout::scopes_list(inner);
    let rows = scope_rows(state);
    let visible = visible_scopes(state);
    let cursor_scope = visible.get(state.scopes.cursor).copied();
    let cursor_row = cursor_scope
        .and_then(|c| rows.iter().position(|r| *r == ScopeRow::Scope(c)))
        .unwrap_or(0);
    let off = list::offset(rows.len(), cursor_row, area.height as usize);
    let w = area.width as usize;
    let name_w = p
        .scopes
        .iter()
        .map(|s| s.name.chars().count())
        .chain(state.scopes.typed.iter().map(|s| s.chars().count()))
        .chain(state.scopes.offered.iter().map(|s| s.chars().count()))
        .max()
        .unwrap_or(10)
        .min(w / 2);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(off)
        .take(area.height as usize)
        .map(|(ri, r)| row_line(state, r, ri == cursor_row, name_w, w))
        .collect();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "No listed scope matches. Enter adds what you typed as a scope; Backspace edits, Esc clears.",
                theme.warn(),
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), area);
    }

    let bottom = layout::band(inner, inner.height.saturating_sub(5), 0);
    let selected = selected_scopes(state);
    let mut lines = preview_lines(&selected, w, theme);
    for warn in scope_warnings(state).into_iter().take(2) {
        lines.push(Line::from(Span::styled(format!("! {warn}"), theme.warn())));
    }
    let cursor_listed = match cursor_scope {
        Some(Item::Listed(c)) => p.scopes.get(c),
        _ => None,
    };
    if let Some(s) = cursor_listed
        && let Some(wn) = &s.warning
        && !state.scopes.selected.contains(&s.name)
    {
        lines.push(Line::from(Span::styled(
            format!("{}: {wn}", s.name),
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), bottom);
}

/// The scope string as sent, on at most two lines, ending in "+N more" when
/// it does not fit (the count is always on the first line).
fn preview_lines(
    selected: &[String],
    width: usize,
    theme: &crate::tui::theme::Theme,
) -> Vec<Line<'static>> {
    let head = format!("scope ({}): ", selected.len());
    if selected.is_empty() {
        return vec![Line::from(vec![
            Span::styled(head, theme.dim()),
            Span::raw("(none)"),
        ])];
    }
    let mut rows: Vec<String> = vec![String::new()];
    let mut room = width.saturating_sub(head.chars().count());
    let mut shown = 0;
    for (i, s) in selected.iter().enumerate() {
        let need = s.chars().count() + usize::from(!rows.last().is_some_and(String::is_empty));
        let rest = selected.len() - i - 1;
        let tail = if rest > 0 { 12 } else { 0 };
        let last_row = rows.len() == 2;
        if need + if last_row { tail } else { 0 } > room {
            if last_row {
                break;
            }
            rows.push(String::new());
            room = width;
        }
        let row = rows.last_mut().expect("rows is never empty");
        if !row.is_empty() {
            row.push(' ');
            room = room.saturating_sub(1);
        }
        row.push_str(s);
        room = room.saturating_sub(s.chars().count());
        shown += 1;
    }
    let more = selected.len() - shown;
    if more > 0
        && let Some(row) = rows.last_mut()
    {
        let _ = write!(row, " +{more} more");
    }
    let mut out = vec![Line::from(vec![
        Span::styled(head, theme.dim()),
        Span::raw(rows[0].clone()),
    ])];
    if let Some(second) = rows.get(1) {
        out.push(Line::from(second.clone()));
    }
    out
}

/// One row of the list: a group heading or a scope with its box.
fn row_line(
    state: &State,
    r: &ScopeRow,
    at_cursor: bool,
    name_w: usize,
    w: usize,
) -> Line<'static> {
    let theme = &state.theme;
    let Some(p) = state.profile() else {
        return Line::from("");
    };
    let item = match r {
        ScopeRow::Header(g) => return Line::from(Span::styled(truncate(g, w), theme.accent())),
        ScopeRow::Scope(item) => *item,
    };
    let (name, description, warned) = match item {
        Item::Listed(i) => match p.scopes.get(i) {
            Some(s) => (s.name.clone(), s.description.clone(), s.warning.is_some()),
            None => return Line::from(""),
        },
        Item::Typed(i) => (
            crate::text::sanitize(&state.scopes.typed[i], 200),
            "not on the provider's list".to_string(),
            false,
        ),
        Item::Offered(i) => (
            state.scopes.offered[i].clone(),
            "listed by the server's discovery".to_string(),
            false,
        ),
    };
    let on = state.scopes.selected.contains(&name);
    let mark = if warned { "!" } else { " " };
    let text = format!(
        "{} [{}] {:<name_w$} {mark} {}",
        if at_cursor { "›" } else { " " },
        if on { "x" } else { " " },
        name,
        description
    );
    let style = if at_cursor {
        theme.selected()
    } else {
        ratatui::style::Style::new()
    };
    Line::from(Span::styled(format!("{:<w$}", truncate(&text, w)), style))
}
