//! The wizard's tests, in one binary: every screen as an insta snapshot,
//! keystroke budgets against local servers, and the real binary in tmux.

mod common;
#[path = "tui/diagnoses.rs"]
mod diagnoses;
#[path = "tui/driver.rs"]
mod driver;
#[path = "tui/errands.rs"]
mod errands;
#[path = "tui/fixtures.rs"]
mod fixtures;
#[path = "tui/flows.rs"]
mod flows;
#[path = "tui/form_keys.rs"]
mod form_keys;
#[path = "tui/home.rs"]
mod home;
#[path = "tui/journeys.rs"]
mod journeys;
#[path = "tui/keystrokes.rs"]
mod keystrokes;
#[path = "tui/last_screen.rs"]
mod last_screen;
#[path = "tui/returning.rs"]
mod returning;
#[path = "tui/save_vault.rs"]
mod save_vault;
#[path = "tui/snapshots.rs"]
mod snapshots;
#[path = "tui/tmux.rs"]
mod tmux;
#[path = "tui/truths.rs"]
mod truths;
#[path = "tui/user_profiles.rs"]
mod user_profiles;
#[path = "tui/wizard_fixes.rs"]
mod wizard_fixes;
