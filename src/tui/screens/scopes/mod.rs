//! Scope multi-select: grouped, filterable, presets, live preview and warnings.

mod render;
mod typed;

use typed::add_typed;
pub use typed::offered;

use super::{Nav, keys};
use crate::provider::{Profile, Scheme, ScopeInfo};
use crate::tui::action::Effect;
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{Hint, list};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::BTreeSet;

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
    /// Enter was pressed once on text that is not a listed scope but
    /// filters some: the next Enter adds it.
    pub confirm_add: bool,
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ScopeRow {
    Header(String),
    Scope(Item),
}

/// A scope on the list: one the profile lists (index into
/// `Profile::scopes`) or one the user typed (index into `typed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Item {
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
        render::render(frame, inner, state);
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
                state.scopes.confirm_add = false;
                state.scopes.cursor = 0;
            }
            KeyCode::Esc => return Nav::Back,
            KeyCode::Backspace => {
                state.scopes.filter.pop();
                state.scopes.confirm_add = false;
                state.scopes.cursor = 0;
            }
            _ => {
                if let Some(c) = keys::plain_char(&k) {
                    state.scopes.filter.push(c);
                    state.scopes.confirm_add = false;
                    state.scopes.cursor = 0;
                }
            }
        }
        Nav::Stay
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        state.scopes.filter.push_str(text);
        state.scopes.confirm_add = false;
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

fn toggle_scope(state: &mut State, item: Item) {
    let Some(name) = item_name(state, item) else {
        return;
    };
    keys::toggle(&mut state.scopes.selected, name);
    state.scopes.preset = None;
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
    // What the method starts with by default and cannot do without
    // (Entra's offline_access: no refresh token without it).
    if let Some(offline) = state
        .scheme()
        .and_then(|s| s.default_scope_preset.as_deref())
        .and_then(|id| p.preset_scopes(id))
        .and_then(|v| v.into_iter().find(|s| s == "offline_access"))
        && !state.scopes.selected.contains(&offline)
    {
        w.push(format!(
            "{offline} not selected: {} gives no refresh token without it, so a sign-in every hour.",
            p.name
        ));
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
