//! A field's pick list (Event Temple's organizations): fetched in the
//! background once per client ID and secret, filtered by what is typed.

use super::{CredsScreen, FormKey, FormRow, field_label, form_rows};
use crate::provider::{Field, Lookup, SchemeKind};
use crate::tui::action::{Choice, Effect, Failure};
use crate::tui::request;
use crate::tui::state::{Screen, State};
use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

/// Where a field's pick list stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LookupPhase {
    #[default]
    Idle,
    Loading,
    Ready(Vec<Choice>),
    /// Listing failed; typing the value still works.
    Failed(String),
}

#[derive(Debug, Clone, Default)]
pub struct LookupState {
    /// Results of older runs are ignored.
    pub run: u64,
    /// The field the list is for.
    pub field: Option<Field>,
    /// Hash of the client ID and secret the list was fetched with: other
    /// credentials may see other organizations.
    pub key: u64,
    pub phase: LookupPhase,
    /// The list is shown under the field.
    pub open: bool,
    /// Index into the filtered choices.
    pub cursor: usize,
}

/// What the list holds, in words.
pub fn noun(field: Field) -> &'static str {
    match field {
        Field::OrgId => "organizations",
        Field::ClientId
        | Field::ClientSecret
        | Field::CallbackUrl
        | Field::Username
        | Field::Password
        | Field::EventId
        | Field::Token
        | Field::Issuer
        | Field::AuthorizeUrl
        | Field::TokenUrl
        | Field::ServiceRoot => "choices",
    }
}

/// The pick list the profile offers for `field`. Only for client
/// credentials: the list needs a token, and that is the grant that can
/// get one from what the form holds.
pub fn lookup_for(state: &State, field: Field) -> Option<&Lookup> {
    if state.scheme()?.kind != SchemeKind::ClientCredentials {
        return None;
    }
    state.profile()?.lookups.iter().find(|l| l.field == field)
}

/// The focused form field, when it has a pick list.
pub fn focused_field(state: &State) -> Option<Field> {
    let Some(FormRow::Input {
        key: FormKey::Field(f),
        ..
    }) = form_rows(state).get(state.creds.focus).cloned()
    else {
        return None;
    };
    lookup_for(state, f).map(|_| f)
}

/// The list is open under the focused field.
pub fn shown(state: &State) -> bool {
    let l = &state.creds.lookup;
    l.open && l.field.is_some() && focused_field(state) == l.field
}

/// The fetched choices matching what is typed in the field.
pub fn choices(state: &State) -> Vec<&Choice> {
    state.creds.lookup_choices()
}

impl CredsScreen {
    /// The fetched choices matching what is typed in the field.
    pub fn lookup_choices(&self) -> Vec<&Choice> {
        let l = &self.lookup;
        let (LookupPhase::Ready(all), Some(f)) = (&l.phase, l.field) else {
            return Vec::new();
        };
        let typed = self.value(&FormKey::Field(f)).trim().to_lowercase();
        all.iter()
            .filter(|c| {
                typed.is_empty()
                    || c.label.to_lowercase().contains(&typed)
                    || c.value.to_lowercase().contains(&typed)
            })
            .collect()
    }
}

fn credentials_key(state: &State) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let id = state.creds.value(&FormKey::Field(Field::ClientId)).trim();
    let secret = state
        .creds
        .value(&FormKey::Field(Field::ClientSecret))
        .trim();
    if id.is_empty() || secret.is_empty() {
        return None;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (id, secret).hash(&mut h);
    Some(h.finish())
}

/// Offers the focused field's pick list: fetched once per client ID and
/// secret, opened when the field is empty (`auto`) or on Ctrl-L.
pub fn offer(state: &mut State, auto: bool, fx: &mut Vec<Effect>) {
    let Some(field) = focused_field(state) else {
        if !auto {
            state.info("This field has no list to pick from.");
        }
        return;
    };
    let what = noun(field);
    let Some(key) = credentials_key(state) else {
        if !auto {
            state.error(format!(
                "Enter the client ID and secret first: listing the {what} needs a token."
            ));
        }
        return;
    };
    let empty = state.creds.value(&FormKey::Field(field)).trim().is_empty();
    let l = &mut state.creds.lookup;
    if l.key == key && l.field == Some(field) {
        match &l.phase {
            LookupPhase::Ready(_) => {
                l.open = if auto { empty } else { !l.open };
                l.cursor = 0;
                return;
            }
            LookupPhase::Loading => {
                l.open = true;
                return;
            }
            // A failure is retried only when asked.
            LookupPhase::Failed(_) if auto => return,
            LookupPhase::Failed(_) | LookupPhase::Idle => {}
        }
    }
    if auto && !empty {
        return;
    }
    l.run += 1;
    l.key = key;
    l.field = Some(field);
    l.phase = LookupPhase::Loading;
    l.open = true;
    l.cursor = 0;
    let run = l.run;
    fx.push(Effect::Lookup {
        run,
        field,
        input: Box::new(request::login_input(state)),
    });
}

/// Keys for an open pick list; false when the key is the form's.
pub fn on_key(state: &mut State, k: KeyEvent) -> bool {
    let l = &state.creds.lookup;
    if !l.open || focused_field(state) != l.field {
        return false;
    }
    let n = choices(state).len();
    let l = &mut state.creds.lookup;
    if matches!(l.phase, LookupPhase::Failed(_)) && !matches!(k.code, KeyCode::Esc) {
        // The box only explains the failure; any key goes on with the form.
        l.open = false;
        return false;
    }
    match k.code {
        KeyCode::Esc => l.open = false,
        KeyCode::Up => l.cursor = l.cursor.saturating_sub(1),
        KeyCode::Down => l.cursor = (l.cursor + 1).min(n.saturating_sub(1)),
        KeyCode::Enter if n > 0 => {
            let Some(field) = l.field else {
                return false;
            };
            let cursor = l.cursor.min(n - 1);
            let c = choices(state)[cursor].clone();
            let creds = &mut state.creds;
            creds
                .inputs
                .insert(FormKey::Field(field), Input::new(c.value.clone()));
            creds.lookup.open = false;
            state.info(format!("{}: {} ({})", field_label(field), c.label, c.value));
        }
        _ => return false,
    }
    true
}

/// The pick list of lookup run `run` arrived (or could not be fetched).
pub fn finished(state: &mut State, run: u64, result: Result<Vec<Choice>, Failure>) {
    let on_screen = state.screen == Screen::Credentials;
    let here = on_screen && focused_field(state) == state.creds.lookup.field;
    let l = &mut state.creds.lookup;
    if run != l.run {
        return;
    }
    let what = l.field.map_or("choices", noun);
    // Other credentials may see nothing: that is a failure to explain too.
    let result = result.and_then(|choices| {
        if choices.is_empty() {
            Err(Failure::new(format!("the app's token sees no {what}")))
        } else {
            Ok(choices)
        }
    });
    match result {
        Ok(choices) => {
            l.phase = LookupPhase::Ready(choices);
            l.cursor = 0;
            // Opened by the focus or Ctrl-L; stays open only where it was asked.
            l.open = l.open && here;
        }
        Err(f) => {
            // The list box stays open to say why, in full.
            l.phase = LookupPhase::Failed(f.message);
            l.open = l.open && here;
            if on_screen {
                state.error(format!("Could not list the {what}: type the ID instead."));
            }
        }
    }
}
