//! The home screen of a returning user, against a local provider-shaped
//! server: renew, sign in again with every answer filled in, test, log out;
//! and `--provider ID`, which starts at that provider instead.

use crate::common::User;
use crate::driver::{Driver, install_browser, profiles, saved, start_provider};
use crossterm::event::KeyCode;
use oauth_setup::settings::{self, KeySource, Settings, now_unix};
use oauth_setup::tui::{Confirm, Phase, Screen};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

/// The first day: HubDB through the browser, saved at the default path.
fn first_hubdb_sign_in(base: &str, dir: &Path) -> PathBuf {
    install_browser();
    let mut d = Driver::launch(profiles(base), dir);
    d.at(Screen::Provider);
    d.typed("h");
    d.key(KeyCode::Enter);
    while d.state.screen != Screen::Credentials {
        d.key(KeyCode::Enter);
    }
    d.paste("hub-client-id");
    d.key(KeyCode::Enter);
    d.paste("hub-client-secret");
    d.key(KeyCode::Enter);
    d.settle("browser sign-in, test call", |s| s.screen == Screen::Save);
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    let path = dir.join("settings/hubdb.json");
    assert!(path.exists(), "{:?}", d.state.save.phase);
    path
}

fn key_of(dir: &Path) -> settings::Key {
    settings::load_key(&KeySource::from_env_and_flag(None, dir)).expect("key")
}

fn reread(path: &Path, dir: &Path) -> Settings {
    settings::read(path, &key_of(dir)).expect("settings")
}

/// Time passes: the token expired, and the grant was revoked at the
/// provider, so the refresh token is refused.
fn expire_and_revoke(path: &Path, dir: &Path) {
    settings::update(path, &key_of(dir), settings::lock_timeout(), |s| {
        s.meta.expires_at = Some(now_unix() - 600);
        s.secrets.access_token = Some(SecretString::from("old-access".to_string()));
        s.secrets.refresh_token = Some(SecretString::from("revoked".to_string()));
    })
    .expect("rewrite");
}

#[test]
fn returning_user_renews_an_expired_hubdb_connection_in_three_keys() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = first_hubdb_sign_in(&base, dir.path());
    expire_and_revoke(&path, dir.path());

    let mut d = Driver::launch(profiles(&base), dir.path());
    d.at(Screen::Home);
    let row = d
        .state
        .home
        .selected()
        .expect("one connection")
        .connection
        .clone();
    assert_eq!(row.token.short(), "renewable");

    d.key(KeyCode::Enter); // renew now: the provider refuses the refresh token
    d.settle("the renewal", |s| s.home.outcome.is_some());
    let failure = d.state.home.outcome.clone().unwrap().result.unwrap_err();
    assert!(failure.message.contains("no longer accepts"), "{failure:?}");
    assert!(failure.hint.is_some_and(|h| h.contains("sign in again")));

    d.key(KeyCode::Enter); // now Enter signs in again, every answer filled in
    // Straight to the browser: the form was complete (the secret was kept).
    d.settle("browser sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done, "{:?}", d.state.test);
    assert_eq!(
        d.state.save.name.value(),
        "hubdb",
        "Save writes back where the connection was (its name)"
    );
    d.key(KeyCode::Enter); // save, replacing the old file
    d.settle("save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);

    assert!(d.keys <= 3, "{} keys", d.keys);
    assert_eq!(d.pastes, 0);
    eprintln!("returning hubdb: {} keys + the consent click", d.keys);
    let s = reread(&path, dir.path());
    assert_eq!(s.meta.client_id.as_deref(), Some("hub-client-id"));
    assert_eq!(
        s.secrets
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_string()),
        Some("rt-1".into()),
        "the new grant replaced the revoked one"
    );
    assert!(s.meta.expires_at.is_some_and(|at| at > now_unix() + 600));
    let names: Vec<_> = std::fs::read_dir(dir.path().join("settings"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(names, ["hubdb.json"], "signed in again, not beside it");
}

#[test]
fn test_then_log_out_from_home_and_a_failed_revocation_keeps_the_file() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = first_hubdb_sign_in(&base, dir.path());
    let mut d = Driver::launch(profiles(&base), dir.path());
    d.at(Screen::Home);

    // t: the test request runs and is remembered in the file.
    d.key(KeyCode::Char('t'));
    d.settle("the test", |s| s.home.outcome.is_some());
    let ok = d
        .state
        .home
        .outcome
        .clone()
        .unwrap()
        .result
        .expect("test passes");
    assert!(ok.contains("3 HubDB tables"), "{ok}");
    d.settle("the list read again", |s| {
        s.home
            .selected()
            .is_some_and(|l| l.connection.last_test.is_some())
    });
    let last = reread(&path, dir.path()).meta.last_test.expect("recorded");
    assert!(
        last.ok && last.summary.contains("3 HubDB tables"),
        "{last:?}"
    );

    // A provider that does not revoke: nothing is removed, then asked.
    settings::update(&path, &key_of(dir.path()), settings::lock_timeout(), |s| {
        s.secrets.refresh_token = Some(SecretString::from("rt-stuck".to_string()));
    })
    .unwrap();
    d.key(KeyCode::Char('l'));
    assert_eq!(d.state.home.confirm, Some(Confirm::LogOut(path.clone())));
    d.key(KeyCode::Char('y'));
    d.settle("the failed log-out", |s| s.home.outcome.is_some());
    assert!(path.exists(), "a failed revocation keeps the file");
    assert_eq!(
        d.state.home.confirm,
        Some(Confirm::RemoveAnyway(path.clone()))
    );
    d.key(KeyCode::Char('n'));
    assert!(path.exists());

    // Revocation works again: logged out, every file gone, the list empty.
    settings::update(&path, &key_of(dir.path()), settings::lock_timeout(), |s| {
        s.secrets.refresh_token = Some(SecretString::from("rt-1".to_string()));
    })
    .unwrap();
    d.key(KeyCode::Char('l'));
    d.key(KeyCode::Char('y'));
    d.settle("the log-out", |s| {
        s.home.outcome.is_some() && s.home.job.is_none()
    });
    let said = d
        .state
        .home
        .outcome
        .clone()
        .unwrap()
        .result
        .expect("logged out");
    assert!(said.contains("revoked at"), "{said}");
    for f in ["hubdb.json", "hubdb.json.bak", "hubdb.json.lock"] {
        assert!(!dir.path().join("settings").join(f).exists(), "{f} left");
    }
    d.settle("the list read again", |s| s.home.rows().is_empty());
    // With nothing left, n (or Enter) starts a new connection.
    d.key(KeyCode::Enter);
    d.at(Screen::Provider);
}

#[test]
fn change_scopes_starts_from_the_saved_ones() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = first_hubdb_sign_in(&base, dir.path());
    let mut d = Driver::launch(profiles(&base), dir.path());
    d.key(KeyCode::Char('c'));
    d.at(Screen::Scopes);
    let before = reread(&path, dir.path()).meta.scopes;
    let selected: Vec<String> = d.state.scopes.selected.iter().cloned().collect();
    let mut want = before.clone();
    want.sort();
    assert_eq!(selected, want);
    // One scope fewer: Space on the highlighted one, which was selected.
    let dropped = d.state.scopes.selected.clone();
    d.key(KeyCode::Char(' '));
    let dropped: Vec<String> = dropped
        .difference(&d.state.scopes.selected)
        .cloned()
        .collect();
    assert_eq!(dropped.len(), 1, "{:?}", d.state.scopes.selected);
    d.key(KeyCode::Enter);
    // The form comes back complete: Enter goes on to the browser.
    d.at(Screen::Credentials);
    d.key(KeyCode::Enter);
    d.settle("browser sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(
        oauth_setup::paths::settings_file(dir.path(), d.state.save.name.value()),
        path
    );
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    let now = reread(&path, dir.path()).meta.scopes;
    assert_eq!(now.len(), before.len() - 1, "{now:?}");
    assert!(!now.contains(&dropped[0]), "{now:?}");
}

#[test]
fn provider_flag_starts_at_the_method_even_with_connections() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    first_hubdb_sign_in(&base, dir.path());
    let mut d = Driver::launch_at(profiles(&base), dir.path(), Some("cvent"));
    d.at(Screen::Method);
    assert_eq!(d.state.profile().map(|p| p.id.as_str()), Some("cvent"));
    // Back leads where a new connection would: the providers, then home.
    d.key(KeyCode::Esc);
    d.at(Screen::Provider);
    d.key(KeyCode::Esc);
    d.at(Screen::Home);
}

#[test]
fn provider_flag_refuses_an_unknown_id_and_lists_the_known_ones() {
    let user = User::new();
    let out = user.run(&["--provider", "hubspotx"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr.contains("unknown provider `hubspotx`"),
        "{}",
        out.stderr
    );
    for id in ["cvent", "hubdb", "odata"] {
        assert!(out.stderr.contains(id), "{id} not listed: {}", out.stderr);
    }
    let both = user.run(&["--provider", "cvent", "list"]);
    assert_eq!(both.code, 2, "{both:#?}");
    assert!(both.stderr.contains("without a command"), "{}", both.stderr);
}
