//! Provider list with type-to-filter.

use super::{Nav, keys};
use crate::tui::action::Effect;
use crate::tui::layout;
use crate::tui::state::{Screen, State};
use crate::tui::widgets::{Hint, list, truncate};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Clone, Default)]
pub struct ProviderScreen {
    pub filter: String,
    /// Index into the filtered list.
    pub cursor: usize,
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Choose the service"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        let mut h = vec![("↑↓", "choose"), ("Enter", "next")];
        if state.provider.filter.is_empty() && state.home.shown() {
            h.push(("Esc", "connections"));
        } else if state.provider.filter.is_empty() {
            h.push(("Esc", "quit"));
        } else {
            h.push(("Esc", "clear filter"));
        }
        h
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, _fx: &mut Vec<Effect>) -> Nav {
        let visible = filtered_profiles(state);
        let list_area = layout::provider_list(keys::inner(state));
        let p = &mut state.provider;
        if keys::nav(&mut p.cursor, visible.len(), keys::page(list_area), &k) {
            return Nav::Stay;
        }
        match k.code {
            KeyCode::Enter => match visible.get(p.cursor) {
                Some(&idx) => return choose(state, idx),
                None => state.error("No provider matches the filter: Backspace to edit it."),
            },
            KeyCode::Esc if !p.filter.is_empty() => {
                p.filter.clear();
                p.cursor = 0;
            }
            KeyCode::Esc if state.home.shown() => return Nav::Back,
            KeyCode::Esc => return Nav::Quit,
            KeyCode::Backspace => {
                p.filter.pop();
                p.cursor = 0;
            }
            _ => {
                if let Some(c) = keys::plain_char(&k) {
                    p.filter.push(c);
                    p.cursor = 0;
                }
            }
        }
        Nav::Stay
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        state.provider.filter.push_str(text);
        state.provider.cursor = 0;
    }

    fn on_click(
        &self,
        state: &mut State,
        inner: Rect,
        (col, row): (u16, u16),
        _fx: &mut Vec<Effect>,
    ) -> Nav {
        let visible = filtered_profiles(state);
        let a = layout::provider_list(inner);
        let cursor = state.provider.cursor;
        match list::hit(a, visible.len(), cursor, col, row) {
            // A click on the highlighted row confirms it, like Enter.
            Some(i) if i == cursor => choose(state, visible[i]),
            Some(i) => {
                state.provider.cursor = i;
                Nav::Stay
            }
            None => Nav::Stay,
        }
    }

    fn scrolls(&self) -> bool {
        true
    }
}

/// Shown before the description of a user profile that replaced a builtin.
const REPLACED: &str = "[yours] ";

/// Picking another provider forgets the answers given for the previous one.
fn choose(state: &mut State, idx: usize) -> Nav {
    if state.chosen != Some(idx) {
        state.chosen = Some(idx);
        state.method = Default::default();
        state.creds = Default::default();
        state.auth.forget_outcome();
        state.test = Default::default();
        state.save = Default::default();
        state.settings = None;
        state.defaults_for = None;
    }
    state.screen = Screen::Provider;
    Nav::Next
}

/// Picks the provider with this id (`oauth-setup --provider ID`, checked
/// against the profiles before the wizard starts) and goes on to its method.
pub fn choose_by_id(state: &mut State, id: &str) -> Nav {
    match state.profiles.iter().position(|p| p.id == id) {
        Some(idx) => choose(state, idx),
        None => {
            state.error(format!("No provider `{id}` is loaded."));
            Nav::Stay
        }
    }
}

/// Profiles matching the filter, as indices into `profiles`: those whose
/// id or name starts with it first, so one or two letters pick a provider.
pub(super) fn filtered_profiles(state: &State) -> Vec<usize> {
    let f = state.provider.filter.to_lowercase();
    let rank = |p: &crate::provider::Profile| -> Option<u8> {
        let (id, name) = (p.id.to_lowercase(), p.name.to_lowercase());
        if f.is_empty() || id.starts_with(&f) || name.starts_with(&f) {
            Some(0)
        } else if id.contains(&f) || name.contains(&f) {
            Some(1)
        } else if p.description.to_lowercase().contains(&f) {
            Some(2)
        } else {
            None
        }
    };
    let mut v: Vec<(u8, usize)> = state
        .profiles
        .iter()
        .enumerate()
        .filter_map(|(i, p)| rank(p).map(|r| (r, i)))
        .collect();
    v.sort();
    v.into_iter().map(|(_, i)| i).collect()
}

fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let visible = filtered_profiles(state);
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
            // A user file that took a builtin's place must not pass for it.
            let marker = if p.replaces_builtin { REPLACED } else { "" };
            let text = format!(
                "{} {:<name_w$} {}",
                if i == cursor { "›" } else { " " },
                truncate(&p.name, name_w),
                truncate(&format!("{marker}{}", p.description), desc_w)
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
            _ if p.replaces_builtin => Line::from(Span::styled(
                "Your profile (from the providers folder) replaces the built-in one.",
                theme.warn(),
            )),
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
