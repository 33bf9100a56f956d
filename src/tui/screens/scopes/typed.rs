//! Scopes not on the profile's list: typed by the user (an API's own
//! scope such as Dynamics 365's `.default`) or offered by the server's
//! discovery document.

use crate::tui::state::State;

/// One scope as RFC 6749 §3.3 has it: printable ASCII without space, `"`
/// or `\`; None when fine.
pub(super) fn scope_error(scope: &str) -> Option<String> {
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

/// Enter with text typed: each word of it becomes a selected scope (a
/// listed one is ticked, another added), so a pasted scope string works.
pub(super) fn add_typed(state: &mut State) {
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
    let known = |w: &String| {
        listed.contains(w) || state.scopes.offered.contains(w) || state.scopes.typed.contains(w)
    };
    // Text that also filters listed rows was probably typed to find one:
    // adding it as a new scope takes a second Enter.
    let new: Vec<&String> = words.iter().filter(|w| !known(w)).collect();
    if !new.is_empty() && !super::visible_scopes(state).is_empty() && !state.scopes.confirm_add {
        state.scopes.confirm_add = true;
        state.info(format!(
            "“{}” is not on the list: Enter again adds it as a scope, Space ticks the highlighted one.",
            crate::text::sanitize(&new.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" "), 60)
        ));
        return;
    }
    for w in &words {
        let offered = state.scopes.offered.contains(w);
        if !listed.contains(w) && !offered && !state.scopes.typed.contains(w) {
            state.scopes.typed.push(w.clone());
        }
        state.scopes.selected.insert(w.clone());
    }
    state.scopes.preset = None;
    state.scopes.filter.clear();
    state.scopes.confirm_add = false;
    state.scopes.cursor = 0;
    state.info(format!(
        "Added {} to the scopes; Enter goes on.",
        crate::text::sanitize(&words.join(" "), 80)
    ));
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
