//! Scope multi-select: grouped, filterable, presets, live preview and warnings.

use super::{Nav, keys};
use crate::provider::{Profile, Scheme, ScopeInfo};
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
use std::fmt::Write as _;

#[derive(Debug, Clone, Default)]
pub struct ScopesScreen {
    pub filter: String,
    /// Index into the visible scopes (headers excluded).
    pub cursor: usize,
    pub selected: BTreeSet<String>,
    /// Index into the profile's presets of the last preset applied.
    pub preset: Option<usize>,
    /// Scopes the user typed that the profile does not list (an API's own
    /// scope such as `https://ORG.crm.dynamics.com/.default`), in the order
    /// added; ticked ones are in `selected` like any other.
    pub typed: Vec<String>,
    /// The issuer whose discovery document was asked for its scopes, and
    /// the ones it lists that the profile does not.
    pub offered_for: Option<String>,
    pub offered: Vec<String>,
}

impl ScopesScreen {
    /// Starts from the method's named preset, else from nothing.
    pub fn reset_to_default(&mut self, profile: &Profile, scheme: &Scheme) {
        let (preset, scopes) = match &scheme.default_scope_preset {
            Some(id) => (
                profile.scope_presets.iter().position(|p| &p.id == id),
                profile.preset_scopes(id).unwrap_or_default(),
            ),
            None => (None, Vec::new()),
        };
        self.preset = preset;
        self.selected = scopes.into_iter().collect();
        self.cursor = 0;
        self.filter.clear();
        self.typed.clear();
    }
}

/// One scope as RFC 6749 §3.3 has it: printable ASCII without space, `"`
/// or `\`; None when fine.
fn scope_error(scope: &str) -> Option<String> {
    if scope.chars().count() > 512 {
        return Some("is longer than 512 characters".into());
    }
    let bad = scope
        .chars()
        .find(|c| !matches!(*c as u32, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
    bad.map(|c| {
        format!(
            "contains {}: a scope is printable ASCII without spaces, quotes or backslashes",
            if c.is_ascii_graphic() {
                format!("“{c}”")
            } else {
                format!("U+{:04X}", c as u32)
            }
        )
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ScopeRow {
    Header(String),
    Scope(Item),
}

/// A scope on the list: one the profile lists (index into
/// `Profile::scopes`) or one the user typed (index into `typed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Listed(usize),
    Typed(usize),
    /// Index into `offered`.
    Offered(usize),
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Scopes (permissions)"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        if !state.scopes.filter.is_empty() {
            return vec![
                ("Space", "select"),
                ("Enter", "add typed scope"),
                ("Esc", "clear"),
            ];
        }
        vec![
            ("Space", "select"),
            ("Tab", "preset"),
            ("type", "filter/add"),
            ("Enter", "next"),
            ("Esc", "back"),
        ]
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, _fx: &mut Vec<Effect>) -> Nav {
        let visible = visible_scopes(state);
        let list_area = layout::scopes_list(keys::inner(state));
        if keys::nav(
            &mut state.scopes.cursor,
            visible.len(),
            keys::page(list_area),
            &k,
        ) {
            return Nav::Stay;
        }
        match k.code {
            KeyCode::Char(' ') => {
                if let Some(&i) = visible.get(state.scopes.cursor) {
                    toggle_scope(state, i);
                }
            }
            KeyCode::Tab => apply_preset(state, true),
            KeyCode::BackTab => apply_preset(state, false),
            KeyCode::Enter if !state.scopes.filter.trim().is_empty() => add_typed(state),
            KeyCode::Enter => return Nav::Next,
            KeyCode::Esc if !state.scopes.filter.is_empty() => {
                state.scopes.filter.clear();
                state.scopes.cursor = 0;
            }
            KeyCode::Esc => return Nav::Back,
            KeyCode::Backspace => {
                state.scopes.filter.pop();
                state.scopes.cursor = 0;
            }
            _ => {
                if let Some(c) = keys::plain_char(&k) {
                    state.scopes.filter.push(c);
                    state.scopes.cursor = 0;
                }
            }
        }
        Nav::Stay
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        state.scopes.filter.push_str(text);
        state.scopes.cursor = 0;
    }

    fn on_click(
        &self,
        state: &mut State,
        inner: Rect,
        (col, row): (u16, u16),
        _fx: &mut Vec<Effect>,
    ) -> Nav {
        let rows = scope_rows(state);
        let visible = visible_scopes(state);
        let cursor_row = visible
            .get(state.scopes.cursor)
            .and_then(|v| rows.iter().position(|r| *r == ScopeRow::Scope(*v)))
            .unwrap_or(0);
        let a = layout::scopes_list(inner);
        if let Some(r) = list::hit(a, rows.len(), cursor_row, col, row)
            && let ScopeRow::Scope(idx) = rows[r].clone()
        {
            if let Some(pos) = visible.iter().position(|v| *v == idx) {
                state.scopes.cursor = pos;
            }
            toggle_scope(state, idx);
        }
        Nav::Stay
    }

    fn scrolls(&self) -> bool {
        true
    }
}

fn item_name(state: &State, item: Item) -> Option<String> {
    match item {
        Item::Listed(i) => state.profile()?.scopes.get(i).map(|s| s.name.clone()),
        Item::Typed(i) => state.scopes.typed.get(i).cloned(),
        Item::Offered(i) => state.scopes.offered.get(i).cloned(),
    }
}

/// The scopes `issuer`'s discovery lists: those not on the profile's list
/// are offered (unticked) under their own heading.
pub fn offered(state: &mut State, issuer: &str, scopes: Vec<String>) {
    if state.scopes.offered_for.as_deref() != Some(issuer) {
        return;
    }
    let listed: Vec<String> = state
        .profile()
        .map(|p| p.scopes.iter().map(|s| s.name.clone()).collect())
        .unwrap_or_default();
    let mut new: Vec<String> = Vec::new();
    for s in scopes {
        let s = crate::text::sanitize(&s, 200);
        if scope_error(&s).is_none() && !listed.contains(&s) && !new.contains(&s) {
            new.push(s);
        }
    }
    let n = new.len();
    state.scopes.offered = new;
    if n > 0 && state.screen == crate::tui::state::Screen::Credentials {
        state.info(format!(
            "The server lists {n} more scope{}: Esc back to Scopes to pick them.",
            if n == 1 { "" } else { "s" }
        ));
    }
}

fn toggle_scope(state: &mut State, item: Item) {
    let Some(name) = item_name(state, item) else {
        return;
    };
    keys::toggle(&mut state.scopes.selected, name);
    state.scopes.preset = None;
}

/// Enter with text typed: each word of it becomes a selected scope (a
/// listed one is ticked, another added), so a pasted scope string works.
fn add_typed(state: &mut State) {
    let words: Vec<String> = state
        .scopes
        .filter
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if let Some((w, e)) = words
        .iter()
        .find_map(|w| scope_error(w).map(|e| (w.clone(), e)))
    {
        let w = crate::text::sanitize(&w, 60);
        state.error(format!("Not a scope: “{w}” {e}."));
        return;
    }
    let listed: Vec<String> = state
        .profile()
        .map(|p| p.scopes.iter().map(|s| s.name.clone()).collect())
        .unwrap_or_default();
    for w in &words {
        let offered = state.scopes.offered.contains(w);
        if !listed.contains(w) && !offered && !state.scopes.typed.contains(w) {
            state.scopes.typed.push(w.clone());
        }
        state.scopes.selected.insert(w.clone());
    }
    state.scopes.preset = None;
    state.scopes.filter.clear();
    state.scopes.cursor = 0;
    state.info(format!(
        "Added {} to the scopes; Enter goes on.",
        crate::text::sanitize(&words.join(" "), 80)
    ));
}

fn apply_preset(state: &mut State, forward: bool) {
    let Some(p) = state.profile() else { return };
    let n = p.scope_presets.len();
    if n == 0 {
        state.info("This provider has no presets.");
        return;
    }
    let next = match (state.scopes.preset, forward) {
        (None, true) => 0,
        (None, false) => n - 1,
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    let preset = &p.scope_presets[next];
    let scopes = p.preset_scopes(&preset.id).unwrap_or_default();
    let name = preset.name.clone();
    state.scopes.selected = scopes.into_iter().collect();
    state.scopes.preset = Some(next);
    state.info(format!("Preset: {name}"));
}

/// Visible scopes grouped by `group`, groups in first-seen order.
fn scope_rows(state: &State) -> Vec<ScopeRow> {
    let Some(p) = state.profile() else {
        return Vec::new();
    };
    let f = state.scopes.filter.to_lowercase();
    let matches = |s: &ScopeInfo| {
        f.is_empty()
            || s.name.to_lowercase().contains(&f)
            || s.group.to_lowercase().contains(&f)
            || s.description.to_lowercase().contains(&f)
    };
    let mut groups: Vec<&str> = Vec::new();
    for s in p.scopes.iter().filter(|s| matches(s)) {
        if !groups.contains(&s.group.as_str()) {
            groups.push(&s.group);
        }
    }
    let mut rows = Vec::new();
    for g in groups {
        if !g.is_empty() {
            rows.push(ScopeRow::Header(g.to_string()));
        }
        for (i, s) in p.scopes.iter().enumerate() {
            if s.group == g && matches(s) {
                rows.push(ScopeRow::Scope(Item::Listed(i)));
            }
        }
    }
    let typed: Vec<usize> = (0..state.scopes.typed.len())
        .filter(|&i| f.is_empty() || state.scopes.typed[i].to_lowercase().contains(&f))
        .collect();
    if !typed.is_empty() {
        rows.push(ScopeRow::Header("Typed by you".to_string()));
        rows.extend(typed.into_iter().map(|i| ScopeRow::Scope(Item::Typed(i))));
    }
    let offered: Vec<usize> = (0..state.scopes.offered.len())
        .filter(|&i| {
            let s = &state.scopes.offered[i];
            !state.scopes.typed.contains(s) && (f.is_empty() || s.to_lowercase().contains(&f))
        })
        .collect();
    if !offered.is_empty() {
        rows.push(ScopeRow::Header("Offered by the server".to_string()));
        rows.extend(
            offered
                .into_iter()
                .map(|i| ScopeRow::Scope(Item::Offered(i))),
        );
    }
    rows
}

/// Visible scopes in row order.
fn visible_scopes(state: &State) -> Vec<Item> {
    scope_rows(state)
        .into_iter()
        .filter_map(|r| match r {
            ScopeRow::Scope(i) => Some(i),
            ScopeRow::Header(_) => None,
        })
        .collect()
}

/// Selected scopes in the profile's order (stable scope strings).
pub fn selected_scopes(state: &State) -> Vec<String> {
    let Some(p) = state.profile() else {
        return Vec::new();
    };
    let selected = &state.scopes.selected;
    let mut v: Vec<String> = p
        .scopes
        .iter()
        .filter(|s| selected.contains(&s.name))
        .map(|s| s.name.clone())
        .collect();
    // Scopes from a preset that the profile does not list still count.
    for s in selected {
        if !v.contains(s) {
            v.push(s.clone());
        }
    }
    v
}

/// Warnings for the current scope selection.
fn scope_warnings(state: &State) -> Vec<String> {
    let Some(p) = state.profile() else {
        return Vec::new();
    };
    let mut w = Vec::new();
    let n = state.scopes.selected.len();
    if let Some(limit) = p.scope_limit
        && n > limit
    {
        w.push(format!(
            "{n} scopes selected: {} is known to fail above about {limit}. Pick fewer.",
            p.name
        ));
    }
    if n == 0 {
        if p.empty_scope_means_all {
            w.push("No scope: the token gets every scope the app has.".to_string());
        } else {
            w.push("No scope selected: the provider may refuse the sign-in.".to_string());
        }
    }
    for s in &p.scopes {
        if let Some(msg) = &s.warning
            && state.scopes.selected.contains(&s.name)
        {
            w.push(format!("{}: {msg}", s.name));
        }
    }
    w
}

fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let Some(p) = state.profile() else { return };
    let preset = match state.scopes.preset.and_then(|i| p.scope_presets.get(i)) {
        Some(pr) => pr.name.clone(),
        None => "custom".to_string(),
    };
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
    frame.render_widget(
        Paragraph::new(Line::from(top)),
        layout::band(inner, 0, inner.height.saturating_sub(1)),
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
        .map(|(ri, r)| match r {
            ScopeRow::Header(g) => Line::from(Span::styled(truncate(g, w), theme.accent())),
            ScopeRow::Scope(item) => {
                let (name, description, warned) = match *item {
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
                    if ri == cursor_row { "›" } else { " " },
                    if on { "x" } else { " " },
                    name,
                    description
                );
                let style = if ri == cursor_row {
                    theme.selected()
                } else {
                    ratatui::style::Style::new()
                };
                Line::from(Span::styled(format!("{:<w$}", truncate(&text, w)), style))
            }
        })
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
