//! A profile from the user's providers folder that takes a builtin's place
//! is marked in the provider list, so it cannot pass for the builtin.

use crate::fixtures::*;
use crate::journeys::*;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use oauth_setup::provider;

/// The builtins, with Cvent replaced by a user file of the same id.
fn with_my_cvent() -> Vec<provider::Profile> {
    let dir = tempfile::tempdir().unwrap();
    let builtin = include_str!("../../assets/providers/cvent.toml");
    let mine = builtin.replacen("description = \"", "description = \"Our copy: ", 1);
    std::fs::write(dir.path().join("cvent.toml"), mine).unwrap();
    provider::load_all(Some(dir.path())).unwrap()
}

#[test]
fn provider_list_marks_a_replaced_builtin() {
    let profiles = with_my_cvent();
    assert!(profiles[0].replaces_builtin, "the loader sets the mark");
    assert!(profiles[1..].iter().all(|p| !p.replaces_builtin));
    let mut s = state_with(profiles);
    let screen = draw(&s, 80, 24);
    let row = |screen: &str, name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} row:\n{screen}"))
            .to_string()
    };
    assert!(
        row(&screen, "Cvent").contains("[yours] Our copy"),
        "{screen}"
    );
    assert!(!row(&screen, "HubSpot").contains("[yours]"), "{screen}");
    assert!(
        screen.contains("Your profile (from the providers folder) replaces the built-in one."),
        "the highlighted row explains the mark:\n{screen}"
    );
    assert_snapshot!(screen);

    // On a builtin row the explanation gives way to its docs link.
    apply(&mut s, [key(KeyCode::Down)]);
    let screen = draw(&s, 80, 24);
    assert!(!screen.contains("replaces the built-in"), "{screen}");
}
