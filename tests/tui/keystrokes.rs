//! Keystroke budgets from issue 4, counted by driving `update` with key
//! events while the real sign-in, test call and settings store run against
//! a local server, with `$BROWSER` playing the browser.
//!
//! (a) Cvent client credentials: launch → saved and tested ≤ 12 keys + 2 pastes.
//! (b) HubDB browser sign-in:     launch → saved and tested ≤ 10 keys + 2 pastes.

use crate::common;
use crate::fixtures::{self, key, paste};
use crossterm::event::KeyCode;
use oauth_setup::provider::{self, Profile};
use oauth_setup::settings::KeySource;
use oauth_setup::tui::{Action, AuthPhase, Executor, Phase, Screen, State, Theme, update};
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// A stand-in for the provider: authorize (redirects back with a code),
/// token, and the test request.
fn start_provider() -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind test server");
    let base = format!("http://{}", server.server_addr());
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let url = url::Url::parse(&format!("http://x{}", req.url())).expect("request url");
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            let json = |code: u16, s: &str| {
                tiny_http::Response::from_string(s)
                    .with_status_code(code)
                    .with_header(
                        "Content-Type: application/json"
                            .parse::<tiny_http::Header>()
                            .expect("header"),
                    )
            };
            let path = url.path().to_string();
            // The secret arrives in the body or in HTTP Basic, per profile.
            let basic = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .and_then(|h| h.value.as_str().strip_prefix("Basic ").map(str::to_string))
                .and_then(|b| {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.decode(b).ok()
                })
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let resp = if path.ends_with("/authorize") {
                let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
                let (Some(redirect), Some(state)) = (q.get("redirect_uri"), q.get("state")) else {
                    let _ = req.respond(json(400, "{}"));
                    continue;
                };
                let location = format!("{redirect}?code=test-code&state={state}");
                tiny_http::Response::from_string("")
                    .with_status_code(302)
                    .with_header(
                        format!("Location: {location}")
                            .parse::<tiny_http::Header>()
                            .expect("header"),
                    )
            } else if path.ends_with("/token")
                && (body.contains("wrong") || basic.contains("wrong"))
            {
                json(
                    401,
                    r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
                )
            } else if path.ends_with("/token") {
                json(
                    200,
                    r#"{"access_token":"at-123","token_type":"Bearer","expires_in":1800,"refresh_token":"rt-1"}"#,
                )
            } else if path.contains("token-validation") || path.contains("/hubdb/tables") {
                json(200, r#"{"total":3,"results":[]}"#)
            } else {
                json(404, r#"{"message":"not found"}"#)
            };
            let _ = req.respond(resp);
        }
    });
    base
}

/// The shipped profiles, with Cvent's and HubDB's hosts pointed at `base`.
fn profiles(base: &str) -> Vec<Profile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/providers");
    provider::load::builtin()
        .into_iter()
        .map(|p| {
            let file = dir.join(format!("{}.toml", p.id));
            let text = match p.id.as_str() {
                "cvent" | "hubdb" => std::fs::read_to_string(&file).expect("profile file"),
                _ => return p,
            };
            let text = text
                .replace("https://api-platform-eur.cvent.com", base)
                .replace("https://api-platform.cvent.com", base)
                .replace("https://api.hubapi.com", base)
                .replace("https://app.hubspot.com", base)
                // A fixed port could be taken on a CI machine; loopback on port 0 instead.
                .replace("default_callback_url = \"http://localhost:33333\"", "");
            provider::load::parse_str(&text, &file.display().to_string()).expect("patched profile")
        })
        .collect()
}

/// `$BROWSER` for the whole test binary (the environment is per process):
/// a script that follows the authorize URL's redirect back to the loopback
/// server, as a browser would after the consent click. For a client ID
/// starting with `idle` it does nothing, like a user who has not approved yet.
fn install_browser() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Kept for the life of the process: tests share it.
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let script = dir.join("browser.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\ncase \"$1\" in *client_id=idle*) exit 0;; esac\nexec curl -s -o /dev/null -L \"$1\"\n",
        )
        .expect("script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        // SAFETY: set once, before any sign-in of this test binary reads it.
        unsafe { std::env::set_var("BROWSER", &script) };
    });
}

struct Driver {
    state: State,
    exec: Executor,
    rx: UnboundedReceiver<Action>,
    keys: usize,
    pastes: usize,
    _rt: tokio::runtime::Runtime,
}

impl Driver {
    fn launch(profiles: Vec<Profile>, config_dir: &Path) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, rx) = unbounded_channel();
        let key = KeySource::from_env_and_flag(None, config_dir);
        let exec = Executor::new(rt.handle().clone(), tx, profiles.clone(), key);
        let mut state = State::new(profiles, config_dir.into(), Theme::plain());
        state.size = (80, 24);
        Self {
            state,
            exec,
            rx,
            keys: 0,
            pastes: 0,
            _rt: rt,
        }
    }

    fn apply(&mut self, a: Action) {
        for effect in update(&mut self.state, a) {
            let _ = self.exec.execute(effect);
        }
    }

    fn key(&mut self, code: KeyCode) {
        self.keys += 1;
        self.apply(key(code));
    }

    fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn paste(&mut self, s: &str) {
        self.pastes += 1;
        self.apply(paste(s));
    }

    /// Feeds background results until `done` holds.
    fn settle(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let start = Instant::now();
        while !done(&self.state) {
            while let Ok(a) = self.rx.try_recv() {
                self.apply(a);
            }
            if done(&self.state) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}: screen {:?}, auth {:?}, test {:?}, save {:?}, notice {:?}",
                self.state.screen,
                self.state.auth.phase,
                self.state.test.phase,
                self.state.save.phase,
                self.state.notice
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn at_one_of(&self, screens: &[Screen]) {
        assert!(
            screens.contains(&self.state.screen),
            "at {:?}, notice: {:?}",
            self.state.screen,
            self.state.notice
        );
    }

    fn at(&self, s: Screen) {
        assert_eq!(self.state.screen, s, "notice: {:?}", self.state.notice);
    }
}

fn saved(s: &State) -> bool {
    matches!(s.save.phase, Phase::Done | Phase::Failed(_))
}

#[test]
fn cvent_client_credentials_within_budget() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(profiles(&base), dir.path());

    d.typed("cv");
    d.key(KeyCode::Enter); // provider
    d.at(Screen::Method);
    d.key(KeyCode::Enter); // client credentials, North America
    d.at(Screen::Setup);
    d.key(KeyCode::Enter); // checklist read
    d.at(Screen::Scopes);
    d.key(KeyCode::Enter); // connector preset
    d.at(Screen::Credentials);
    d.paste("cvent-client-id");
    d.key(KeyCode::Enter);
    d.paste("cvent-client-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
    d.key(KeyCode::Enter); // save at the default path
    d.settle("save", saved);

    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    let path = dir.path().join("settings/cvent.json");
    assert!(path.exists(), "no settings file at {}", path.display());
    assert!(d.keys <= 12, "{} keys", d.keys);
    assert!(d.pastes <= 2, "{} pastes", d.pastes);
    eprintln!("cvent: {} keys + {} pastes", d.keys, d.pastes);
}

#[test]
fn hubdb_browser_sign_in_within_budget() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    install_browser();
    let mut d = Driver::launch(profiles(&base), dir.path());

    d.typed("h");
    d.key(KeyCode::Enter); // provider
    d.at(Screen::Method);
    d.key(KeyCode::Enter); // browser sign-in
    d.at(Screen::Setup);
    d.key(KeyCode::Enter);
    d.at(Screen::Scopes);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
    d.paste("hub-client-id");
    d.key(KeyCode::Enter);
    d.paste("hub-client-secret");
    d.key(KeyCode::Enter);
    // The browser script plays the consent click.
    d.settle("browser sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
    d.key(KeyCode::Enter);
    d.settle("save", saved);

    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert!(dir.path().join("settings/hubdb.json").exists());
    assert!(d.keys <= 10, "{} keys", d.keys);
    assert!(d.pastes <= 2, "{} pastes", d.pastes);
    eprintln!("hubdb: {} keys + {} pastes", d.keys, d.pastes);
}

#[test]
fn wrong_client_secret_is_explained_and_recoverable() {
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(profiles(&base), dir.path());
    d.typed("cv");
    for _ in 0..4 {
        d.key(KeyCode::Enter);
    }
    d.at(Screen::Credentials);
    d.paste("cvent-client-id");
    d.key(KeyCode::Enter);
    d.paste("wrong-secret");
    d.key(KeyCode::Enter);
    d.settle("failed sign-in", |s| {
        matches!(s.auth.phase, AuthPhase::Failed { .. })
    });
    let AuthPhase::Failed { message: msg, .. } = d.state.auth.phase.clone() else {
        unreachable!()
    };
    assert!(msg.contains("invalid_client"), "{msg}");
    assert!(!msg.contains("wrong-secret"), "secret echoed: {msg}");

    // Back keeps the client ID; retype the secret and go again.
    d.key(KeyCode::Esc);
    d.at(Screen::Credentials);
    assert_eq!(
        d.state.creds.value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::ClientId
        )),
        "cvent-client-id"
    );
    // Focus is still on the secret, where the user left it.
    d.apply(fixtures::ctrl('u'));
    d.paste("right-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in after fixing the secret", |s| {
        s.screen == Screen::Save
    });
    assert_eq!(d.state.test.phase, Phase::Done);
}

/// Event Temple: token by client credentials (JSON body), organizations as
/// JSON:API, and the test call with the org header.
fn eventtemple_server(orgs_status: u16) -> common::TestServer {
    common::TestServer::start(move |r| {
        let path = r.url.split('?').next().unwrap_or("");
        match (r.method.as_str(), path) {
            ("POST", "/oauth/token") if r.body.contains("\"client_id\":\"et-client\"") => (
                200,
                "application/json",
                r#"{"access_token":"et-token","token_type":"Bearer","expires_in":7200}"#.into(),
            ),
            ("POST", "/oauth/token") => (
                401,
                "application/json",
                r#"{"error":"invalid_client"}"#.into(),
            ),
            ("GET", "/v2/organizations")
                if r.header("Authorization") == Some("Bearer et-token") =>
            {
                (
                    orgs_status,
                    "application/vnd.api+json",
                    if orgs_status == 200 {
                        r#"{"data":[{"id":"11","type":"organizations","attributes":{"name":"Hotel North"}},{"id":"12","type":"organizations","attributes":{"name":"Hotel South"}}]}"#.into()
                    } else {
                        r#"{"errors":[{"title":"Forbidden","detail":"This app may not list organizations"}]}"#.into()
                    },
                )
            }
            ("GET", "/v2/bookings") if r.header("X-API-ORG").is_some() => {
                (200, "application/vnd.api+json", r#"{"data":[]}"#.into())
            }
            _ => (
                404,
                "application/json",
                r#"{"errors":[{"title":"Not found"}]}"#.into(),
            ),
        }
    })
}

fn org_id(s: &State) -> String {
    s.creds
        .value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::OrgId,
        ))
        .to_string()
}

#[test]
fn eventtemple_org_picked_from_the_list() {
    use oauth_setup::tui::LookupPhase;
    let server = eventtemple_server(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(vec![fixtures::eventtemple_at(&server.url)], dir.path());
    d.key(KeyCode::Enter); // the one provider
    d.at(Screen::Scopes);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
    d.paste("et-client");
    d.key(KeyCode::Enter);
    d.paste("et-secret");
    d.key(KeyCode::Enter); // on to the org field, which lists the organizations
    d.settle("organizations", |s| {
        matches!(s.creds.lookup.phase, LookupPhase::Ready(_))
    });
    assert!(d.state.creds.lookup.open, "the list opens by itself");
    assert_eq!(d.state.creds.lookup_choices().len(), 2);
    d.key(KeyCode::Down);
    d.key(KeyCode::Up);
    d.key(KeyCode::Enter); // pick "Hotel North"
    assert_eq!(org_id(&d.state), "11");
    d.key(KeyCode::Enter); // sign in, test, on to Save
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
    d.key(KeyCode::Enter);
    d.settle("save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    assert!(dir.path().join("settings/eventtemple.json").exists());

    let seen = server.requests();
    let orgs = seen
        .iter()
        .find(|r| r.url.starts_with("/v2/organizations"))
        .expect("organizations listed");
    assert_eq!(
        orgs.header("X-API-ORG"),
        None,
        "no org header before there is an org"
    );
    let test = seen
        .iter()
        .find(|r| r.url.starts_with("/v2/bookings"))
        .expect("test call made");
    assert_eq!(test.header("X-API-ORG"), Some("11"));
    eprintln!("eventtemple: {} keys + {} pastes", d.keys, d.pastes);
}

#[test]
fn eventtemple_org_list_fails_then_typing_works() {
    use oauth_setup::tui::LookupPhase;
    let server = eventtemple_server(403);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(vec![fixtures::eventtemple_at(&server.url)], dir.path());
    d.key(KeyCode::Enter);
    d.key(KeyCode::Enter);
    d.at(Screen::Credentials);
    d.paste("et-client");
    d.key(KeyCode::Enter);
    d.paste("et-secret");
    d.key(KeyCode::Enter);
    d.settle("organizations failure", |s| {
        matches!(s.creds.lookup.phase, LookupPhase::Failed(_))
    });
    let LookupPhase::Failed(msg) = d.state.creds.lookup.phase.clone() else {
        unreachable!()
    };
    assert!(msg.contains("may not list organizations"), "{msg}");
    assert!(
        d.state
            .notice
            .as_ref()
            .is_some_and(|n| n.text.contains("type the ID")),
        "{:?}",
        d.state.notice
    );
    d.typed("11");
    assert_eq!(org_id(&d.state), "11");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
    assert_eq!(d.state.test.phase, Phase::Done);
}

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
    d.at(Screen::Authorize);
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
    d.at(Screen::Authorize);
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
    let opened = oauth_setup::headless::bundle::open(
        &bytes,
        &SecretString::from("server passphrase".to_string()),
    )
    .expect("the bundle opens with the passphrase");
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
