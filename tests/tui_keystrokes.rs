//! Keystroke budgets from issue 4, counted by driving `update` with key
//! events while the real sign-in, test call and settings store run against
//! a local server, with `$BROWSER` playing the browser.
//!
//! (a) Cvent client credentials: launch → saved and tested ≤ 12 keys + 2 pastes.
//! (b) HubDB browser sign-in:     launch → saved and tested ≤ 10 keys + 2 pastes.

#[path = "tui_fixtures.rs"]
mod fixtures;

use crossterm::event::KeyCode;
use fixtures::{key, paste};
use oauth_setup::provider::{self, Profile};
use oauth_setup::tui::action::Action;
use oauth_setup::tui::backend::Executor;
use oauth_setup::tui::state::{Phase, Screen, State};
use oauth_setup::tui::theme::Theme;
use oauth_setup::tui::update::update;
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

/// `$BROWSER` = a script that follows the authorize URL's redirect back to
/// the loopback server, as a browser would after the consent click.
fn install_browser(dir: &Path) {
    static ONCE: Once = Once::new();
    let script = dir.join("browser.sh");
    std::fs::write(&script, "#!/bin/sh\nexec curl -s -o /dev/null -L \"$1\"\n").expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let keep = dir.to_path_buf();
    ONCE.call_once(|| {
        // SAFETY: set once, before any sign-in of this test binary reads it.
        unsafe { std::env::set_var("BROWSER", keep.join("browser.sh")) };
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
        let exec = Executor::new(rt.handle().clone(), tx, profiles.clone(), config_dir.into());
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
        for cmd in update(&mut self.state, a) {
            let _ = self.exec.execute(cmd);
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
    install_browser(dir.path());
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
        matches!(s.auth.phase, Phase::Failed(_))
    });
    let Phase::Failed(msg) = d.state.auth.phase.clone() else {
        unreachable!()
    };
    assert!(msg.contains("invalid_client"), "{msg}");
    assert!(!msg.contains("wrong-secret"), "secret echoed: {msg}");

    // Back keeps the client ID; retype the secret and go again.
    d.key(KeyCode::Esc);
    d.at(Screen::Credentials);
    assert_eq!(
        d.state
            .input_value(&oauth_setup::tui::state::FormKey::Field(
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
