//! The form for the method's fields, with inline validation and, for fields
//! the profile can list (Event Temple's organizations), a pick list.

mod form;
mod lookup;
mod render;

pub use form::{FormKey, FormRow, form_label, form_rows, is_secret};
pub use lookup::{LookupPhase, LookupState, finished};

use super::{Nav, keys};
use crate::provider::Field;
use crate::tui::action::Effect;
use crate::tui::layout;
use crate::tui::state::State;
use crate::tui::widgets::{Hint, list};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::BTreeMap;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct CredsScreen {
    pub lookup: LookupState,
    /// Index into [`form_rows`].
    pub focus: usize,
    /// Keyed by field so values survive a change of method.
    pub inputs: BTreeMap<FormKey, Input>,
    pub reveal: bool,
    pub keep_secret: bool,
    /// Set on the first submit: from then on empty required fields are flagged.
    pub attempted: bool,
    /// Fields whose values a failed sign-in used: the next paste into one
    /// replaces the value instead of adding to it.
    pub rejected: std::collections::BTreeSet<FormKey>,
    /// Asked variables (Entra's tenant) that Enter has stopped on once:
    /// their default is accepted only after the user has seen it.
    pub seen: std::collections::BTreeSet<FormKey>,
    /// The issuer whose metadata was read, and whether it expects a client
    /// secret (it lists no public-client authentication).
    pub metadata: Option<(String, bool)>,
    /// Enter was pressed on a valid form while that metadata was being
    /// read: its answer decides between the secret field and signing in.
    pub awaiting_metadata: bool,
}

impl CredsScreen {
    /// What is typed for `key` ("" when nothing).
    pub fn value(&self, key: &FormKey) -> &str {
        self.inputs.get(key).map_or("", |i| i.value())
    }

    /// Fills the answers a method starts with: whether to keep the secret,
    /// and its default callback URL unless one is typed.
    pub fn reset_to_default(&mut self, keep_secret: bool, callback: Option<String>) {
        // Client secrets are needed again to renew tokens unattended; passwords
        // are only kept when the user asks.
        self.keep_secret = keep_secret;
        self.attempted = false;
        self.rejected.clear();
        if let Some(cb) = callback {
            let key = FormKey::Field(Field::CallbackUrl);
            if self.value(&key).is_empty() {
                self.inputs.insert(key, Input::new(cb));
            }
        }
    }

    /// After a failed sign-in: every value typed was part of it, so a paste
    /// into any of them starts that value afresh.
    pub fn mark_rejected(&mut self) {
        self.rejected = self
            .inputs
            .iter()
            .filter(|(_, i)| !i.value().is_empty())
            .map(|(k, _)| k.clone())
            .collect();
    }
}

/// The redirect URI the provider must know: the one typed, else the
/// method's default. None means "a loopback port picked at sign-in".
pub fn redirect_uri(state: &State) -> Option<String> {
    let typed = state
        .creds
        .value(&FormKey::Field(Field::CallbackUrl))
        .trim()
        .to_string();
    Some(typed)
        .filter(|v| !v.is_empty())
        .or_else(|| state.scheme().and_then(|s| s.default_callback_url.clone()))
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Credentials"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render::render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        render::hints(state)
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        if lookup::on_key(state, k) {
            return Nav::Stay;
        }
        let focus = state.creds.focus;
        let nav = form_key(state, k, fx);
        if nav != Nav::Stay {
            state.creds.lookup.open = false;
        } else if state.creds.focus != focus {
            state.creds.lookup.open = false;
            lookup::offer(state, true, fx);
            offer_scopes(state, fx);
        } else {
            // Typing filters the list: keep the highlight on a visible row.
            let n = lookup::choices(state).len();
            state.creds.lookup.cursor = state.creds.lookup.cursor.min(n.saturating_sub(1));
        }
        nav
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        if let Some(FormRow::Input { key, required }) = form_rows(state).get(state.creds.focus) {
            // A paste is a whole value: into a hidden field (nothing to see
            // to edit) or over a value that is wrong it replaces, so a
            // rejected secret never gets the right one appended.
            let replace = (is_secret(key) && !state.creds.reveal)
                || form::field_error(state, key, *required).is_some()
                || state.creds.rejected.contains(key);
            state.creds.rejected.remove(key);
            let input = state.creds.inputs.entry(key.clone()).or_default();
            if replace {
                *input = Input::default();
            }
            keys::insert(input, text);
        }
    }

    fn on_click(
        &self,
        state: &mut State,
        inner: Rect,
        (col, row): (u16, u16),
        _fx: &mut Vec<Effect>,
    ) -> Nav {
        let rows = form_rows(state);
        let n = rows.len();
        let a = layout::creds_rows(inner);
        let per = layout::FORM_ROW_HEIGHT;
        let visible_rows = (a.height / per) as usize;
        if row >= a.y && row < a.bottom() && col >= a.x && col < a.right() {
            let c = &mut state.creds;
            let i = list::offset(n, c.focus, visible_rows) + ((row - a.y) / per) as usize;
            if i < n {
                if c.focus == i && matches!(rows.get(i), Some(FormRow::KeepSecret)) {
                    c.keep_secret = !c.keep_secret;
                }
                c.focus = i;
            }
        }
        Nav::Stay
    }

    fn typing(&self, state: &State) -> bool {
        matches!(
            form_rows(state).get(state.creds.focus),
            Some(FormRow::Input { .. })
        )
    }

    fn enter(&self, state: &mut State, fx: &mut Vec<Effect>) {
        // Focus the first empty required field so the first paste lands there.
        let rows = form_rows(state);
        state.creds.focus = rows
            .iter()
            .position(|r| match r {
                FormRow::Input { key, required } => {
                    *required && state.creds.value(key).trim().is_empty()
                }
                FormRow::KeepSecret => false,
            })
            .unwrap_or(0);
        lookup::offer(state, true, fx);
    }
}

fn form_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    let rows = form_rows(state);
    let n = rows.len();
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Tab | KeyCode::Down => {
            state.creds.focus = (state.creds.focus + 1).min(n.saturating_sub(1));
        }
        KeyCode::BackTab | KeyCode::Up => {
            state.creds.focus = state.creds.focus.saturating_sub(1);
        }
        KeyCode::Enter => return submit(state, &rows, fx),
        KeyCode::Esc => return Nav::Back,
        KeyCode::Char('r') | KeyCode::Char('R') if ctrl => {
            state.creds.reveal = !state.creds.reveal;
        }
        KeyCode::Char('l') | KeyCode::Char('L') if ctrl => lookup::offer(state, false, fx),
        _ => match rows.get(state.creds.focus) {
            Some(FormRow::KeepSecret) => {
                if matches!(k.code, KeyCode::Char(' ') | KeyCode::Char('x')) {
                    state.creds.keep_secret = !state.creds.keep_secret;
                }
            }
            Some(FormRow::Input { key, .. }) => {
                // Editing by hand means the value is being fixed, not replaced.
                state.creds.rejected.remove(key);
                keys::edit(state.creds.inputs.entry(key.clone()).or_default(), k);
            }
            None => {}
        },
    }
    Nav::Stay
}

fn submit(state: &mut State, rows: &[FormRow], fx: &mut Vec<Effect>) -> Nav {
    let f = state.creds.focus;
    if let Some(FormRow::Input { key, .. }) = rows.get(f) {
        state.creds.seen.insert(key.clone());
    }
    if form::valid(state) {
        // An asked variable left empty has a default that is often wrong
        // (Entra's `organizations` for a single-tenant app): Enter stops
        // there once before signing in.
        if let Some(i) = rows.iter().position(|r| unseen_ask(state, r)) {
            state.creds.focus = i;
            if let Some(FormRow::Input { key, .. }) = rows.get(i) {
                let default = match key {
                    FormKey::Var(v) => state
                        .profile()
                        .and_then(|p| p.vars.get(v))
                        .and_then(|spec| spec.default.clone()),
                    FormKey::Field(_) => None,
                };
                let label = form_label(key);
                state.info(match default {
                    Some(d) => {
                        format!("{label} is empty (= {d}): type it, or Enter keeps the default.")
                    }
                    None => format!("{label} is empty: type it, or press Enter to go on without."),
                });
            }
            return Nav::Stay;
        }
        return secret_check(state, fx);
    }
    if rows.get(f).is_some_and(|r| form::row_invalid(state, r)) {
        // Enter on the field that is wrong: say what is wrong with it.
        state.creds.attempted = true;
    } else {
        // Enter on a good field moves to the next one that needs typing,
        // so "paste, Enter, paste, Enter" fills a two-field form.
        let n = rows.len();
        if let Some(i) = (1..=n)
            .map(|d| (f + d) % n)
            .find(|&i| form::row_invalid(state, &rows[i]))
        {
            state.creds.focus = i;
        }
    }
    Nav::Stay
}

/// The issuer typed, when the method discovers its endpoints and has an
/// optional client secret left empty that Enter has not stopped on: the
/// issuer's metadata says whether a secret is expected.
fn secret_question(state: &State) -> Option<String> {
    let s = state.scheme()?;
    let secret = FormKey::Field(Field::ClientSecret);
    let issuer_key = FormKey::Field(Field::Issuer);
    let issuer = state.creds.value(&issuer_key).trim().to_string();
    (s.discovery
        && s.optional_fields.contains(&Field::ClientSecret)
        && state.creds.value(&secret).trim().is_empty()
        && !state.creds.seen.contains(&secret)
        && !issuer.is_empty()
        && form::field_error(state, &issuer_key, false).is_none())
    .then_some(issuer)
}

/// On from a valid form: first, where the issuer's metadata expects a
/// client secret and none is typed, to the secret field (once); while the
/// metadata is read, wait for it.
fn secret_check(state: &mut State, fx: &mut Vec<Effect>) -> Nav {
    let Some(issuer) = secret_question(state) else {
        return Nav::Next;
    };
    match &state.creds.metadata {
        Some((read, expected)) if *read == issuer => {
            if *expected {
                stop_on_secret(state, &issuer);
                Nav::Stay
            } else {
                Nav::Next
            }
        }
        _ => {
            state.creds.awaiting_metadata = true;
            state.info(format!(
                "Reading {}'s metadata…",
                crate::text::sanitize(&issuer, 120)
            ));
            state.scopes.offered_for = Some(issuer.clone());
            fx.push(Effect::OfferScopes { issuer });
            Nav::Stay
        }
    }
}

fn stop_on_secret(state: &mut State, issuer: &str) {
    let secret = FormKey::Field(Field::ClientSecret);
    if let Some(i) = form_rows(state)
        .iter()
        .position(|r| matches!(r, FormRow::Input { key, .. } if *key == secret))
    {
        state.creds.focus = i;
    }
    state.creds.seen.insert(secret);
    state.info(format!(
        "{} expects a client secret: paste it here (Enter without one signs in as a public client).",
        crate::connections::endpoint_host(issuer)
    ));
}

/// The issuer's metadata was read (for the scopes it lists, and whether it
/// expects a client secret); a submit waiting on it goes on.
pub fn metadata_read(state: &mut State, issuer: &str, secret_expected: bool) -> Nav {
    state.creds.metadata = Some((issuer.to_string(), secret_expected));
    if !std::mem::take(&mut state.creds.awaiting_metadata)
        || state.screen != crate::tui::state::Screen::Credentials
    {
        return Nav::Stay;
    }
    state.notice = None;
    if secret_question(state).as_deref() != Some(issuer) {
        // The form changed meanwhile: the user submits again.
        return Nav::Stay;
    }
    if secret_expected {
        stop_on_secret(state, issuer);
        return Nav::Stay;
    }
    if form::valid(state) {
        Nav::Next
    } else {
        Nav::Stay
    }
}

/// True when the issuer's metadata expects the secret this form leaves optional.
pub fn secret_expected(state: &State) -> bool {
    let issuer = state.creds.value(&FormKey::Field(Field::Issuer)).trim();
    state
        .creds
        .metadata
        .as_ref()
        .is_some_and(|(i, e)| *e && i == issuer)
}

/// An empty variable the method asks for that Enter has not stopped on yet.
fn unseen_ask(state: &State, row: &FormRow) -> bool {
    let FormRow::Input { key, .. } = row else {
        return false;
    };
    // An optional field with a pick list (Event Temple's org) is offered
    // once too: the list shows what the person may want to pick.
    let asked = match key {
        FormKey::Var(v) => state.scheme().is_some_and(|s| s.ask_vars.contains(v)),
        FormKey::Field(f) => {
            state
                .scheme()
                .is_some_and(|s| s.optional_fields.contains(f))
                && lookup::lookup_for(state, *f).is_some()
        }
    };
    asked && state.creds.value(key).trim().is_empty() && !state.creds.seen.contains(key)
}

/// Once a valid issuer is typed, asks its discovery document for the
/// scopes it lists, for the scopes screen (Custom has only OpenID's own).
fn offer_scopes(state: &mut State, fx: &mut Vec<Effect>) {
    let key = FormKey::Field(Field::Issuer);
    let issuer = state.creds.value(&key).trim().to_string();
    let wanted = state.scheme().is_some_and(|s| s.discovery && s.uses_scopes)
        && state.steps().contains(&crate::tui::state::Screen::Scopes);
    if !wanted
        || issuer.is_empty()
        || form::field_error(state, &key, false).is_some()
        || state.scopes.offered_for.as_deref() == Some(issuer.as_str())
    {
        return;
    }
    state.scopes.offered_for = Some(issuer.clone());
    fx.push(Effect::OfferScopes { issuer });
}

/// Human label for a field.
pub fn field_label(f: Field) -> &'static str {
    match f {
        Field::ClientId => "Client ID",
        Field::ClientSecret => "Client secret",
        Field::CallbackUrl => "Callback URL",
        Field::OrgId => "API Org ID",
        Field::Username => "Username",
        Field::Password => "Password",
        Field::EventId => "Event ID",
        Field::Token => "Token",
        Field::Issuer => "Issuer URL",
        Field::AuthorizeUrl => "Authorize URL",
        Field::TokenUrl => "Token URL",
        Field::ServiceRoot => "Service root URL",
    }
}
