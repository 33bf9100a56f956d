//! Drives the wizard as the app loop does: `update` with key events, the
//! real executor against local servers, background results fed back until a
//! condition holds. Keys and pastes are counted for the budgets.

use crate::fixtures::{key, paste};
use crossterm::event::KeyCode;
use oauth_setup::provider::{self, Profile};
use oauth_setup::settings::KeySource;
use oauth_setup::tui::{Action, Executor, Phase, Screen, State, Theme, update};
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// A stand-in for the provider: authorize (redirects back with a code),
/// token, and the test request.
pub fn start_provider() -> String {
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
            } else if path.ends_with("/token/revoke") && body.contains("token=rt-stuck") {
                json(503, r#"{"message":"try later"}"#)
            } else if path.ends_with("/token/revoke") {
                json(200, "{}")
            } else if path.ends_with("/token") && body.contains("refresh_token=revoked") {
                // A grant the user ended at the provider: only a sign-in helps.
                json(
                    400,
                    r#"{"error":"invalid_grant","error_description":"refresh token revoked"}"#,
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
pub fn profiles(base: &str) -> Vec<Profile> {
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
#[allow(unsafe_code)]
pub fn install_browser() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Kept for the life of the process: tests share it.
        let dir = tempfile::tempdir().expect("tempdir").keep();
        let script = dir.join("browser.sh");
        std::fs::write(
            &script,
            // The wizard hands the browser a one-time start link: read where it
            // leads first, so an `idle` client can be left unapproved.
            format!("#!/bin/sh\n{}loc=$(curl -s -o /dev/null -w '%{{redirect_url}}' \"$1\")\n[ -n \"$loc\" ] || loc=\"$1\"\ncase \"$loc\" in *client_id=idle*) exit 0;; esac\nexec curl -s -o /dev/null -L \"$loc\"\n", crate::common::FOLLOW_PAGE),
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

pub struct Driver {
    pub state: State,
    exec: Executor,
    rx: UnboundedReceiver<Action>,
    pub keys: usize,
    pub pastes: usize,
    _rt: tokio::runtime::Runtime,
}

impl Driver {
    /// The wizard as `oauth-setup` starts it: on the home screen when
    /// `config_dir` holds connections, else on the provider list.
    pub fn launch(profiles: Vec<Profile>, config_dir: &Path) -> Self {
        Self::launch_at(profiles, config_dir, None)
    }

    /// As `oauth-setup --provider ID` starts it.
    pub fn launch_at(profiles: Vec<Profile>, config_dir: &Path, provider: Option<&str>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, rx) = unbounded_channel();
        let key = KeySource::from_env_and_flag(None, config_dir);
        let exec = Executor::new(rt.handle().clone(), tx, profiles.clone(), key.clone());
        let mut state = State::new(profiles, config_dir.into(), Theme::plain());
        state.size = (80, 24);
        // As the app does before its first frame.
        state.vault_env = oauth_setup::tui::VaultForm::from_env();
        let mut d = Self {
            state,
            exec,
            rx,
            keys: 0,
            pastes: 0,
            _rt: rt,
        };
        for effect in oauth_setup::tui::start(&mut d.state, &key, provider) {
            let _ = d.exec.execute(effect);
        }
        d
    }

    pub fn apply(&mut self, a: Action) {
        for effect in update(&mut self.state, a) {
            let _ = self.exec.execute(effect);
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.keys += 1;
        self.apply(key(code));
    }

    pub fn typed(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn paste(&mut self, s: &str) {
        self.pastes += 1;
        self.apply(paste(s));
    }

    /// Feeds background results until `done` holds.
    pub fn settle(&mut self, what: &str, done: impl Fn(&State) -> bool) {
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

    pub fn at_one_of(&self, screens: &[Screen]) {
        assert!(
            screens.contains(&self.state.screen),
            "at {:?}, notice: {:?}",
            self.state.screen,
            self.state.notice
        );
    }

    pub fn at(&self, s: Screen) {
        assert_eq!(self.state.screen, s, "notice: {:?}", self.state.notice);
    }
}

pub fn saved(s: &State) -> bool {
    matches!(s.save.phase, Phase::Done | Phase::Failed(_))
}
