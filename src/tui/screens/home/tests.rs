//! The wizard's "sign in again" and "change scopes" against any saved
//! connection: the request the screens make with no edits (or other scopes
//! only) writes the document back as it was, including what no form shows.

use super::{Act, begin};
use crate::signin::again_tests::{first_sign_in, grant, lasting, profiles, resolved, with_grant};
use crate::signin::{apply_tokens, keep};
use crate::tui::request;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use proptest::prelude::*;

/// The document the wizard's sign-in would write for `saved`, after `act`
/// from the list and `edit` on the screens.
fn through_the_wizard(
    saved: &crate::settings::Settings,
    act: Act,
    edit: impl FnOnce(&mut State),
    new: crate::oauth::TokenSet,
) -> crate::settings::Settings {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::new(profiles().to_vec(), dir.path().into(), Theme::plain());
    let path = dir.path().join("settings/it.json");
    let mut fx = Vec::new();
    let _ = begin(&mut state, saved, &path, act, &mut fx);
    assert!(state.home.reconnecting.is_some(), "{:?}", state.notice);
    edit(&mut state);
    let input = request::login_input(&state);
    let r = resolved(&input).unwrap_or_else(|e| panic!("{e}: {input:#?}"));
    let mut fresh = crate::signin::record_document(&r, &input);
    apply_tokens(&mut fresh, new, None);
    keep(saved, &mut fresh);
    fresh
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn sign_in_again_from_the_list_keeps_the_whole_document(
        first in first_sign_in(), old in grant(), new in grant(),
    ) {
        let r = resolved(&first);
        prop_assume!(r.is_ok(), "{:?}", r);
        let saved = with_grant(crate::signin::record_document(&r.unwrap(), &first), old);
        let fresh = through_the_wizard(&saved, Act::SignIn, |_| {}, new.0);
        prop_assert_eq!(lasting(&fresh), lasting(&saved));
    }

    #[test]
    fn change_scopes_from_the_list_changes_only_the_scopes(
        first in first_sign_in(), old in grant(), new in grant(),
        pick in any::<proptest::sample::Index>(),
    ) {
        let r = resolved(&first);
        prop_assume!(r.is_ok(), "{:?}", r);
        let r = r.unwrap();
        prop_assume!(r.scheme.uses_scopes && !r.profile.scopes.is_empty());
        let saved = with_grant(crate::signin::record_document(&r, &first), old);
        // One scope more or less, as Space on the list does.
        let scope = r.profile.scopes[pick.index(r.profile.scopes.len())].name.clone();
        let mut want_scopes = saved.meta.scopes.clone();
        let toggle = |selected: &mut std::collections::BTreeSet<String>| {
            if !selected.remove(&scope) {
                selected.insert(scope.clone());
            }
        };
        let fresh = through_the_wizard(&saved, Act::Scopes, |s| toggle(&mut s.scopes.selected), new.0);
        // The screen shows a set: a scope saved twice goes with one Space.
        if want_scopes.contains(&scope) {
            want_scopes.retain(|s| *s != scope);
        } else {
            want_scopes.push(scope.clone());
        }
        let (mut want, kept) = lasting(&saved);
        let mut got = lasting(&fresh);
        // The screen keeps no order; the set is what was chosen.
        want_scopes.sort();
        want_scopes.dedup();
        got.0.scopes.sort();
        want.scopes = want_scopes;
        prop_assert_eq!(got, (want, kept));
    }
}
