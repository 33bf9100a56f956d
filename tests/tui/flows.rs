//! Sign-in flows end to end through the wizard: the device code, cancel and
//! retry, denied consent, and the export of a bundle for a server.

use crate::common;
use crate::driver::{Driver, install_browser, profiles, saved, start_provider};
use crate::fixtures;
use crossterm::event::KeyCode;
use oauth_setup::provider;
use oauth_setup::tui::{AuthPhase, Phase, Screen, State};

/// A small RFC 8628 server: discovery, `/device`, and `/token` answering
/// `authorization_pending` `pending` times before the token (forever when
/// `None`).
fn device_server(pending: Option<usize>) -> common::TestServer {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let polls = AtomicUsize::new(0);
    let codes = AtomicUsize::new(0);
    common::TestServer::start(move |r| {
        let issuer = format!("http://{}", r.header("Host").unwrap_or("127.0.0.1"));
        let path = r.url.split('?').next().unwrap_or("");
        let json = |s: String| (200, "application/json", s);
        match path {
            "/.well-known/openid-configuration" => json(
                serde_json::json!({
                    "issuer": issuer,
                    "authorization_endpoint": format!("{issuer}/authorize"),
                    "token_endpoint": format!("{issuer}/token"),
                    "device_authorization_endpoint": format!("{issuer}/device"),
                    "userinfo_endpoint": format!("{issuer}/userinfo"),
                })
                .to_string(),
            ),
            "/device" if r.body.contains("client_id=tv-client") => {
                let n = codes.fetch_add(1, Ordering::SeqCst);
                let user_code = format!("WDJB-MJH{n}");
                json(
                    serde_json::json!({
                        "device_code": format!("dev-{n}"),
                        "user_code": user_code,
                        "verification_uri": format!("{issuer}/activate"),
                        "verification_uri_complete": format!("{issuer}/activate?user_code={user_code}"),
                        "expires_in": 60,
                        "interval": 1,
                    })
                    .to_string(),
                )
            }
            "/token" if r.body.contains("device_code=dev-") => {
                let n = polls.fetch_add(1, Ordering::SeqCst);
                if pending.is_none_or(|p| n < p) {
                    (
                        400,
                        "application/json",
                        r#"{"error":"authorization_pending"}"#.into(),
                    )
                } else {
                    json(r#"{"access_token":"dev-token","token_type":"Bearer","expires_in":3600,"refresh_token":"dev-rt"}"#.into())
                }
            }
            "/userinfo" if r.header("Authorization") == Some("Bearer dev-token") => {
                json(r#"{"sub":"tv"}"#.into())
            }
            _ => (404, "application/json", r#"{"error":"not_found"}"#.into()),
        }
    })
}

/// The shipped Custom profile: provider → device method → credentials.
fn custom_device_to_authorize(d: &mut Driver, issuer: &str) {
    d.typed("cu");
    d.key(KeyCode::Enter);
    d.at(Screen::Method);
    d.key(KeyCode::Down);
    d.key(KeyCode::Down);
    assert!(
        d.state
            .scheme()
            .is_some_and(|s| s.kind == oauth_setup::provider::SchemeKind::DeviceCode)
    );
    d.key(KeyCode::Enter);
    while d.state.screen != Screen::Credentials {
        d.at_one_of(&[Screen::Setup, Screen::Scopes]);
        d.key(KeyCode::Enter);
    }
    d.paste("tv-client");
    d.key(KeyCode::Enter);
    d.paste(issuer);
    d.key(KeyCode::Enter);
    d.settle("the issuer's metadata, then the sign-in", |s| {
        s.screen == Screen::Authorize
    });
}

#[test]
fn device_flow_shows_the_code_and_finishes() {
    let server = device_server(Some(1));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    custom_device_to_authorize(&mut d, &server.url);
    d.settle("the device code", |s| s.auth.device().is_some());
    let dev = d.state.auth.device().cloned().expect("device info");
    assert_eq!(dev.user_code, "WDJB-MJH0");
    assert!(d.state.auth.time_left(d.state.tick).is_some());
    let screen = render(&d.state);
    assert!(screen.contains("WDJB-MJH0"), "{screen}");
    assert!(screen.contains("/activate"), "{screen}");
    // Approval arrives on the second poll; then the test call and Save.
    d.settle("device sign-in", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done, "{:?}", d.state.test);
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert!(dir.path().join("settings/custom.json").exists());
}

#[test]
fn device_flow_esc_cancels_and_r_asks_again() {
    let server = device_server(None);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    custom_device_to_authorize(&mut d, &server.url);
    d.settle("the device code", |s| s.auth.device().is_some());
    d.key(KeyCode::Esc);
    d.settle("cancelled", |s| {
        matches!(s.auth.phase, AuthPhase::Cancelled)
    });
    assert_eq!(d.state.screen, Screen::Authorize);
    d.key(KeyCode::Char('r'));
    d.settle("a new code", |s| {
        s.auth
            .device()
            .is_some_and(|dev| dev.user_code == "WDJB-MJH1")
    });
    // Answers are kept: Esc twice (cancel, back) lands on the form, filled in.
    d.key(KeyCode::Esc);
    d.settle("cancelled again", |s| {
        matches!(s.auth.phase, AuthPhase::Cancelled)
    });
    d.key(KeyCode::Esc);
    d.at(Screen::Credentials);
    assert_eq!(
        d.state.creds.value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::ClientId
        )),
        "tv-client"
    );
}

/// The screen as text (80x24), for asserting what the user sees.
fn render(state: &State) -> String {
    let mut t =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("terminal");
    t.draw(|f| oauth_setup::tui::render(f, state))
        .expect("draw");
    t.backend().to_string()
}

/// The shipped Custom profile: provider → browser sign-in → credentials
/// (client ID, issuer) → the sign-in starts.
fn custom_code_to_authorize(d: &mut Driver, client_id: &str, issuer: &str) {
    d.typed("cu");
    d.key(KeyCode::Enter);
    d.at(Screen::Method);
    d.key(KeyCode::Enter); // browser sign-in
    while d.state.screen != Screen::Credentials {
        d.at_one_of(&[Screen::Setup, Screen::Scopes]);
        d.key(KeyCode::Enter);
    }
    d.paste(client_id);
    d.key(KeyCode::Tab);
    d.paste(issuer);
    d.key(KeyCode::Enter);
    d.settle("the issuer's metadata, then the sign-in", |s| {
        s.screen == Screen::Authorize
    });
}

fn credential(s: &State, f: oauth_setup::provider::Field) -> String {
    s.creds
        .value(&oauth_setup::tui::FormKey::Field(f))
        .to_string()
}

#[test]
fn denied_consent_is_explained_retry_asks_again_answers_kept() {
    use oauth_setup::provider::Field;
    install_browser();
    let idp = common::Idp::start(&["--deny"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    custom_code_to_authorize(&mut d, "tui-client", &idp.issuer);
    d.settle("denied sign-in", |s| {
        matches!(s.auth.phase, AuthPhase::Failed { .. })
    });
    let AuthPhase::Failed { message: msg, hint } = d.state.auth.phase.clone() else {
        unreachable!()
    };
    let hint = hint.unwrap_or_default();
    eprintln!("denied: {msg} / {hint}");
    assert!(msg.contains("denied") || msg.contains("declined"), "{msg}");
    assert!(hint.contains("Press r"), "{hint}");
    let screen = render(&d.state);
    assert!(screen.contains("The sign-in failed"), "{screen}");
    assert!(screen.contains("What to try"), "{screen}");

    // r asks again: a new sign-in run, denied again by this server.
    let run = d.state.auth.run;
    d.key(KeyCode::Char('r'));
    assert_eq!(d.state.auth.run, run + 1);
    assert!(matches!(d.state.auth.phase, AuthPhase::Running(_)));
    d.settle("denied again", |s| {
        matches!(s.auth.phase, AuthPhase::Failed { .. })
    });

    // Back keeps the answers; pointing at a server that approves works.
    d.key(KeyCode::Esc);
    d.at(Screen::Credentials);
    assert_eq!(credential(&d.state, Field::ClientId), "tui-client");
    assert_eq!(credential(&d.state, Field::Issuer), idp.issuer);
    let good = common::Idp::start(&[]);
    d.state.creds.focus = 1;
    d.apply(fixtures::ctrl('u'));
    d.paste(&good.issuer);
    d.key(KeyCode::Enter);
    d.settle("sign-in after the denial", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done, "{:?}", d.state.test);
}

#[test]
fn cancelled_sign_in_then_retry_completes() {
    install_browser();
    let idp = common::Idp::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(provider::load::builtin(), dir.path());
    // `idle…`: the browser script does not approve; the user cancels.
    custom_code_to_authorize(&mut d, "idle-client", &idp.issuer);
    d.settle("the authorize URL", |s| s.auth.url.is_some());
    d.key(KeyCode::Esc);
    d.settle("cancelled", |s| {
        matches!(s.auth.phase, AuthPhase::Cancelled)
    });
    let screen = render(&d.state);
    assert!(screen.contains("Sign-in cancelled."), "{screen}");
    assert!(screen.contains("Press r to try again"), "{screen}");
    assert!(
        !screen.contains("failed"),
        "a cancel is not an error:\n{screen}"
    );

    // r starts over; this time the user opens the address and approves.
    d.key(KeyCode::Char('r'));
    d.settle("a new authorize URL", |s| s.auth.url.is_some());
    let url = d.state.auth.url.clone().expect("url");
    let status = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-L", &url])
        .status()
        .expect("curl");
    assert!(status.success());
    d.settle("sign-in after the retry", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done, "{:?}", d.state.test);
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    assert!(dir.path().join("settings/custom.json").exists());
}

#[allow(unsafe_code)]
#[test]
fn export_for_a_server_writes_a_bundle_import_opens() {
    use secrecy::{ExposeSecret, SecretString};
    // Debug builds honour a cheaper scrypt work factor (the default takes ~1 s).
    // SAFETY: only bundle encryption reads it; set before any export runs.
    unsafe { std::env::set_var("OAUTH_SETUP_SCRYPT_LOG_N", "10") };
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(profiles(&base), dir.path());
    d.typed("cv");
    for _ in 0..4 {
        d.key(KeyCode::Enter);
    }
    d.paste("cvent-client-id");
    d.key(KeyCode::Enter);
    d.paste("cvent-client-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    d.key(KeyCode::Enter);
    d.settle("save", saved);

    d.key(KeyCode::Char('e'));
    d.typed("server passphrase");
    d.key(KeyCode::Enter);
    d.typed("server passphrase");
    d.key(KeyCode::Enter);
    d.settle("export", |s| {
        s.save
            .export
            .as_ref()
            .is_some_and(|x| matches!(x.phase, Phase::Done | Phase::Failed(_)))
    });
    let x = d.state.save.export.clone().expect("export form");
    assert_eq!(x.phase, Phase::Done, "{:?}", x.phase);
    let out = x.written.expect("bundle path");
    assert_eq!(out, dir.path().join("settings/cvent.age"));
    let bytes = std::fs::read(&out).expect("bundle");
    assert!(bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    let opened = oauth_setup::export::bundle::open(
        &bytes,
        &SecretString::from("server passphrase".to_string()),
    )
    .expect("the bundle opens with the passphrase")
    .settings;
    assert_eq!(opened.meta.provider, "cvent");
    assert_eq!(
        opened
            .secrets
            .access_token
            .as_ref()
            .map(|t| t.expose_secret().to_string())
            .as_deref(),
        Some("at-123")
    );
    assert!(x.pass.value().is_empty(), "passphrase dropped after use");

    // A second export to the same file is refused, nothing replaced.
    d.key(KeyCode::Enter);
    d.key(KeyCode::Char('e'));
    d.typed("server passphrase");
    d.key(KeyCode::Enter);
    d.typed("server passphrase");
    d.key(KeyCode::Enter);
    d.settle("second export", |s| {
        s.save
            .export
            .as_ref()
            .is_some_and(|x| matches!(x.phase, Phase::Done | Phase::Failed(_)))
    });
    let phase = d.state.save.export.as_ref().map(|x| x.phase.clone());
    assert!(
        matches!(&phase, Some(Phase::Failed(m)) if m.contains("exists")),
        "{phase:?}"
    );
    assert_eq!(std::fs::read(&out).expect("bundle"), bytes);
}
