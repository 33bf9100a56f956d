//! Coming back to a connection the CLI made: signing in again from the
//! wizard's list keeps everything the first sign-in knew (a variable no form
//! shows, the revocation endpoint discovery found), returns to the list, and
//! `oauth-setup logout` can still end the grant at the provider.

use crate::common::{Idp, TestServer, User};
use crate::driver::{Driver, install_browser, saved};
use crossterm::event::KeyCode;
use oauth_setup::settings::{self, KeySource, Settings};
use oauth_setup::tui::Screen;
use secrecy::ExposeSecret;
use std::path::Path;

fn reread(path: &Path, config: &Path) -> Settings {
    let key = settings::load_key(&KeySource::from_env_and_flag(None, config)).expect("key");
    settings::read(path, &key).expect("settings")
}

/// An OData service root that answers the profile's test request.
fn odata_service() -> TestServer {
    TestServer::start(|r| {
        if r.url.ends_with("/$metadata") {
            (
                200,
                "application/xml",
                "<edmx:Edmx Version=\"4.0\"/>".into(),
            )
        } else {
            (404, "text/plain", "not found".into())
        }
    })
}

/// Not Entra's default sign-in host, and no form field shows it.
const LOGIN_HOST: &str = "https://login.microsoftonline.us";

/// `oauth-setup login odata --scheme desktop` against the OpenID test
/// server, with `--var login_host=…`; the connection is called `work`.
pub fn cli_connection(user: &User, idp: &Idp, service: &TestServer) -> std::path::PathBuf {
    user.run(&[
        "login",
        "odata",
        "--scheme",
        "desktop",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--var",
        &format!("service_root={}/data", service.url),
        "--var",
        &format!("login_host={LOGIN_HOST}"),
        "--scopes",
        "openid offline_access",
        "--settings",
        "work",
    ])
    .ok();
    user.config().join("settings/work.json")
}

#[test]
fn signing_in_again_from_the_list_keeps_what_the_cli_found_and_logout_revokes() {
    let idp = Idp::start(&[]);
    let service = odata_service();
    let user = User::new();
    let path = cli_connection(&user, &idp, &service);
    let before = reread(&path, &user.config());
    let revocation = format!("{}/revoke-rfc7009", idp.issuer);
    assert_eq!(
        before.meta.endpoints.revocation_url.as_deref(),
        Some(revocation.as_str()),
        "discovery found it"
    );
    assert_eq!(before.meta.vars["login_host"], LOGIN_HOST);

    install_browser();
    let mut d = Driver::launch(oauth_setup::provider::builtin(), &user.config());
    d.at(Screen::Home);
    d.key(KeyCode::Char('s'));
    // Every answer came from the file: straight to the browser.
    d.settle("browser sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.save.name.value(), "work");
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    assert!(d.state.save.saved.is_some(), "{:?}", d.state.save.phase);
    // Finishing an errand started on the list goes back to the list.
    d.key(KeyCode::Enter);
    d.at(Screen::Home);
    d.settle("the list read again", |s| {
        s.home.selected().is_some_and(|l| {
            l.settings
                .as_ref()
                .is_some_and(|s| s.meta.updated_at >= before.meta.updated_at)
        })
    });
    let notice = d.state.notice.clone().map(|n| n.text).unwrap_or_default();
    assert!(notice.contains("signed in again"), "{notice}");
    assert!(d.keys <= 3, "{} keys", d.keys);

    let after = reread(&path, &user.config());
    let token = |s: &Settings| {
        s.secrets
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_string())
    };
    assert_ne!(token(&after), token(&before), "a new grant");
    assert_eq!(
        after.meta.endpoints, before.meta.endpoints,
        "every endpoint kept, revocation included"
    );
    assert_eq!(after.meta.vars, before.meta.vars, "login_host kept");
    assert_eq!(after.meta.scopes, before.meta.scopes);
    assert_eq!(after.meta.client_id, before.meta.client_id);
    assert_eq!(after.meta.created_at, before.meta.created_at);
    drop(d);

    // The CLI ends the new grant at the provider it was discovered at.
    let out = user.run(&["logout", "--settings", "work"]).ok();
    assert!(out.stderr.contains("Revoked at"), "{}", out.stderr);
    assert!(!path.exists());
    let revoked = idp
        .requests()
        .into_iter()
        .filter(|(grant, outcome)| grant == "revoke" && outcome == "revoked")
        .count();
    assert_eq!(revoked, 1, "{:?}", idp.requests());
}

/// The same in a real terminal at 80x24: the list, `s`, the browser, Save,
/// Enter, and the list again with the connection signed in anew.
#[test]
fn in_tmux_sign_in_again_from_the_list_and_back_then_logout_revokes() {
    use crate::tmux::{
        Tmux, assert_restored, ending, have_tmux, in_ci, require_tmux, wizard_script,
    };
    require_tmux!();
    let idp = Idp::start(&[]);
    let service = odata_service();
    let user = User::new();
    let path = cli_connection(&user, &idp, &service);
    let before = reread(&path, &user.config());
    let script = wizard_script(&user, &user.path("browser.sh"));
    let t = Tmux::start(&script, 80, 24);

    let list = t.wait_for("Your connections");
    assert!(list.contains("work"), "{list}");
    t.keys(&["s"]);
    let save = t.wait_for("Save to:");
    assert!(save.contains("Test call: HTTP 200"), "{save}");
    t.keys(&["Enter"]);
    t.wait_for("back to the list");
    t.keys(&["Enter"]);
    let list = t.wait_for("signed in again and saved");
    assert!(
        list.contains("Your connections") && list.contains("work"),
        "{list}"
    );
    t.keys(&["Escape"]);
    let (code, tty) = ending(&t);
    let end = t.screen();
    assert_eq!(code, 0, "what was saved is reported: {end}");
    assert!(
        end.contains("Saved to") && end.contains("work.json"),
        "{end}"
    );
    assert_restored(&t, &tty);

    let after = reread(&path, &user.config());
    assert_eq!(after.meta.endpoints, before.meta.endpoints);
    assert_eq!(after.meta.vars["login_host"], LOGIN_HOST);
    let out = user.run(&["logout", "--settings", "work"]).ok();
    assert!(out.stderr.contains("Revoked at"), "{}", out.stderr);
}
