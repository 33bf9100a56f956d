//! An errand on a saved connection that goes through the wizard's screens
//! (sign in again, change scopes, export): it starts with every answer
//! filled in from the file and the way back marked, and ends on the list.

use super::{Act, prefill};
use crate::settings::Settings;
use crate::signin::LoginInput;
use crate::tui::action::Effect;
use crate::tui::request;
use crate::tui::screens::Nav;
use crate::tui::state::{Screen, State};
use std::path::{Path, PathBuf};

/// An errand on a saved connection, started from the list and ending there.
#[derive(Debug, Clone)]
pub struct Reconnect {
    pub path: PathBuf,
    /// The document as it was read from the file.
    pub saved: Box<Settings>,
    /// The sign-in the screens described when they were filled from the
    /// file: what differs from it later is what the person changed.
    pub shown: Box<LoginInput>,
    /// The first screen of the errand: Back from it returns to the list.
    pub floor: Screen,
}

/// Starts an errand on a saved connection that goes through the wizard's
/// screens: every answer filled in from its file, and the way back to the
/// list marked.
pub(super) fn begin(
    state: &mut State,
    settings: &Settings,
    location: &Path,
    act: Act,
    fx: &mut Vec<Effect>,
) -> Nav {
    if let Err(m) = prefill::answers_from(state, settings, location) {
        state.error(m);
        return Nav::Stay;
    }
    let steps = state.steps();
    let first = |s: Screen| steps.contains(&s).then_some(s);
    let floor = match act {
        Act::Scopes => first(Screen::Scopes),
        Act::Export => Some(Screen::Save),
        // The form is where a sign-in again is corrected.
        _ => first(Screen::Credentials).or(Some(Screen::Authorize)),
    };
    let Some(floor) = floor else {
        let name = crate::paths::connection_name(&state.config_dir, location)
            .unwrap_or_else(|| settings.meta.provider.clone());
        state.info(format!(
            "{}'s method has no scopes to choose: s signs in again.",
            crate::text::sanitize(&name, 40)
        ));
        return Nav::Stay;
    };
    state.home.reconnecting = Some(Reconnect {
        path: location.to_path_buf(),
        saved: Box::new(settings.clone()),
        shown: Box::new(request::form_input(state)),
        floor,
    });
    match act {
        Act::Scopes => Nav::To(Screen::Scopes),
        Act::Export => {
            state.settings = Some(settings.clone());
            state.home.describing = Some(location.to_path_buf());
            fx.push(Effect::Describe {
                path: location.to_path_buf(),
                config_dir: state.config_dir.clone(),
            });
            Nav::Stay
        }
        _ if prefill::complete(state) => Nav::To(Screen::Authorize),
        _ => Nav::To(Screen::Credentials),
    }
}

/// Back at the list: an errand started here is over, and what it left on
/// the screens goes with it (the list is read again, so its row is new).
pub(super) fn end_errand(state: &mut State) {
    let Some(r) = state.home.reconnecting.take() else {
        return;
    };
    if r.floor != Screen::Save
        && let Some(saved) = state.save.saved.take()
    {
        state.home.saved = Some(saved);
        let name = crate::paths::connection_name(&state.config_dir, &r.path)
            .unwrap_or_else(|| r.path.display().to_string());
        state.info(format!(
            "{}: signed in again and saved.",
            crate::text::sanitize(&name, 40)
        ));
    }
    state.home.describing = None;
    state.forget_sign_in();
}
