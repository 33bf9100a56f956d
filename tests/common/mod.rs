//! Shared test harness: the real binary, the OpenID test server
//! (oauth2-mock-server), a browser script, and small provider-shaped servers.
#![allow(dead_code)]

pub mod bao;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_oauth-setup")
}

/// The libtest name of test `f` in the module `module_path` (pass
/// `module_path!()`), for a test that runs another test of its binary in a
/// child process (`--exact`).
pub fn test_name(module_path: &str, f: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{f}"),
        None => f.to_string(),
    }
}

fn node_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// The OpenID provider (oauth2-mock-server with rotation/deny/secret options).
pub struct Idp {
    child: Child,
    pub port: u16,
    pub issuer: String,
    /// The token-request log; `None` on a shared server, where it would mix
    /// every test's requests.
    stats: Option<PathBuf>,
    /// Held open for the server's lifetime: a shared server exits when the
    /// test binary does and this pipe closes.
    _stdin: Option<ChildStdin>,
    _dir: Option<tempfile::TempDir>,
}

impl Idp {
    /// A server of the test's own: its `requests()` are the test's alone.
    pub fn start(extra: &[&str]) -> Idp {
        Self::start_retrying("server.mjs", extra, false)
    }

    /// panva's oidc-provider (tests/node/oidc.mjs), which verifies signed
    /// client assertions; `extra` registers its clients. No request log.
    pub fn start_oidc(extra: &[&str]) -> Idp {
        Self::start_retrying("oidc.mjs", extra, true)
    }

    /// One server per test binary for these options, started on first use.
    /// For tests that do not count the server's token requests (`requests()`
    /// panics on it) and need no state of their own: sign-ins are independent
    /// (codes, and with `--rotate` refresh-token families, are per sign-in).
    /// It exits when the test binary does (its stdin closes).
    pub fn shared(extra: &'static [&'static str]) -> &'static Idp {
        type Started = Vec<(&'static [&'static str], &'static Idp)>;
        static SHARED: Mutex<Started> = Mutex::new(Vec::new());
        // A test that failed while starting one poisons the lock; the next
        // test may still start it (or fail loudly itself).
        let mut started = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, idp)) = started.iter().find(|(opts, _)| *opts == extra) {
            return idp;
        }
        let idp: &'static Idp =
            Box::leak(Box::new(Self::start_retrying("server.mjs", extra, true)));
        started.push((extra, idp));
        idp
    }

    fn start_retrying(script: &str, extra: &[&str], shared: bool) -> Idp {
        // A node start can fail under heavy load on a 2-core machine; the
        // server itself is not what the tests check, so try again.
        let mut last = String::new();
        for _ in 0..3 {
            match Self::try_start(script, extra, shared) {
                Ok(idp) => return idp,
                Err(e) => last = e,
            }
        }
        panic!("test server did not start: {last}; run `npm ci --prefix tests/node`")
    }

    fn try_start(script: &str, extra: &[&str], shared: bool) -> Result<Idp, String> {
        let mut cmd = Command::new("node");
        cmd.arg(node_dir().join(script)).args(extra);
        let (dir, stats) = if shared {
            cmd.arg("--exit-on-stdin-close");
            (None, None)
        } else {
            let dir = tempfile::tempdir().unwrap();
            let stats = dir.path().join("stats.jsonl");
            cmd.arg("--stats").arg(&stats);
            (Some(dir), Some(stats))
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node is installed (scripts/test.sh installs the test servers)");
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        // Node may print warnings first: the first JSON line is ours.
        for _ in 0..20 {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                let _ = child.wait();
                return Err("it exited before listening".into());
            }
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                return Ok(Idp {
                    child,
                    port: v["port"].as_u64().unwrap() as u16,
                    issuer: v["issuer"].as_str().unwrap().to_string(),
                    stats,
                    _stdin: stdin,
                    _dir: dir,
                });
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err("no JSON line with the port".into())
    }

    /// Token requests seen, as (grant_type, outcome).
    #[track_caller]
    pub fn requests(&self) -> Vec<(String, String)> {
        let stats = self.stats.as_ref().expect(
            "a shared server sees every test's requests: count them on a server of \
             the test's own (Idp::start)",
        );
        std::fs::read_to_string(stats)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["grant"].as_str().unwrap_or("").to_string(),
                    v["outcome"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Shell lines a `$BROWSER` script starts with: `login` opens a page only
/// its user can read (`file://…`) that sends the browser on to the one-time
/// start link; this does what a browser does with it (reads the page and
/// follows its `refresh`), leaving the link in `$1`.
pub const FOLLOW_PAGE: &str = "case \"$1\" in file://*) set -- \"$(sed -n 's/.*; url=\\([^\"]*\\)\".*/\\1/p' \"${1#file://}\")\";; esac\n";

/// The start link a `file://` sign-in page leads to (or `url` itself).
pub fn start_link_of(url: &str) -> String {
    let Some(path) = url.trim().strip_prefix("file://") else {
        return url.trim().to_string();
    };
    let page = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    page.split("; url=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no link in {page}"))
        .to_string()
}

/// An isolated user: own config dir (key, settings), own log file, and a
/// `$BROWSER` script that follows the authorize redirect like a browser.
pub struct User {
    pub dir: tempfile::TempDir,
}

/// The `$BROWSER` script plays the browser with curl; without curl every
/// browser sign-in would wait out its timeout and fail without saying why.
fn require_curl() {
    static HAVE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let have = *HAVE.get_or_init(|| {
        Command::new("curl")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(
        have,
        "curl is not installed: the tests use it as the browser (scripts/test.sh installs it)"
    );
}

impl User {
    pub fn new() -> User {
        require_curl();
        let dir = tempfile::tempdir().unwrap();
        let browser = dir.path().join("browser.sh");
        std::fs::write(
            &browser,
            format!("#!/bin/sh\n# Plays the browser: follow redirects to the loopback callback.\n{FOLLOW_PAGE}(curl -sS -L -o /dev/null \"$1\" >>\"$(dirname \"$0\")/browser.log\" 2>&1 &)\n"),
        )
        .unwrap();
        set_mode(&browser, 0o755);
        User { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config(&self) -> PathBuf {
        self.path("config")
    }

    pub fn log_file(&self) -> PathBuf {
        self.path("oauth-setup.log")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("OAUTH_SETUP_CONFIG_DIR", self.config())
            .env("OAUTH_SETUP_LOG_FILE", self.log_file())
            .env("BROWSER", self.path("browser.sh"))
            .env("RUST_LOG", "trace")
            .stdin(Stdio::null());
        c
    }

    /// `line` run by `sh -c` as this user, `oauth-setup` being the binary
    /// under test: a command the tool printed, run exactly as printed.
    pub fn shell(&self, line: &str) -> Command {
        let bin_dir = Path::new(bin()).parent().unwrap().to_path_buf();
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let path =
            std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&inherited)))
                .unwrap();
        let mut sh = Command::new("sh");
        sh.env_clear();
        for (k, v) in self.cmd().get_envs() {
            if let Some(v) = v {
                sh.env(k, v);
            }
        }
        sh.env("PATH", path)
            .arg("-c")
            .arg(line)
            .stdin(Stdio::null());
        sh
    }

    /// Client-credentials sign-in to Event Temple at `api_base` for `org`
    /// (client `c`, secret `et-secret`), writing `settings`.
    pub fn login_event_temple(&self, api_base: &str, org: &str, settings: impl AsRef<Path>) -> Out {
        let base = format!("api_base={api_base}");
        self.run_env(
            &[
                "login",
                "eventtemple",
                "--client-id",
                "c",
                "--org-id",
                org,
                "--var",
                &base,
                "--settings",
                &settings.as_ref().to_string_lossy(),
            ],
            &[("OAUTH_SETUP_CLIENT_SECRET", "et-secret")],
        )
    }

    /// Browser sign-in to `custom` at `idp` (the `$BROWSER` script consents),
    /// writing `settings`; status as JSON on stdout.
    pub fn login_code(&self, idp: &Idp, settings: impl AsRef<Path>) -> Out {
        self.run(&[
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--settings",
            &settings.as_ref().to_string_lossy(),
            "--json",
        ])
    }

    pub fn run(&self, args: &[&str]) -> Out {
        Out::from(self.cmd().args(args).output().unwrap())
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut c = self.cmd();
        for (k, v) in env {
            c.env(k, v);
        }
        Out::from(c.args(args).output().unwrap())
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Out {
        let mut c = self.cmd();
        c.args(args);
        output_with_stdin(c, stdin)
    }
}

pub fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Out {
    fn from(o: Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Out {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "command failed: {self:#?}");
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:#?}"))
    }
}

/// A request a [`TestServer`] received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a [`TestServer`] answers: status, content type, body.
pub type Reply = (u16, &'static str, String);

/// A [`Reply`] with more response headers (`Retry-After`, …).
pub type ReplyWithHeaders = (u16, &'static str, String, Vec<(&'static str, String)>);

/// A provider-shaped HTTP server on 127.0.0.1 that records every request and
/// answers through `handler`.
pub struct TestServer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + 'static) -> TestServer {
        TestServer::start_with_headers(move |r| {
            let (status, ct, body) = handler(r);
            (status, ct, body, Vec::new())
        })
    }

    /// Like [`TestServer::start`], the handler also naming response headers.
    pub fn start_with_headers(
        handler: impl Fn(&Seen) -> ReplyWithHeaders + Send + 'static,
    ) -> TestServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, log) = (server.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                let item = Seen {
                    method: req.method().to_string(),
                    url: req.url().to_string(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|h| (h.field.to_string(), h.value.to_string()))
                        .collect(),
                    body,
                };
                let (status, ct, body, headers) = handler(&item);
                log.lock().unwrap().push(item);
                let mut resp = tiny_http::Response::from_string(body)
                    .with_status_code(status)
                    .with_header(tiny_http::Header::from_bytes("Content-Type", ct).unwrap());
                for (k, v) in headers {
                    resp.add_header(tiny_http::Header::from_bytes(k, v.as_bytes()).unwrap());
                }
                let _ = req.respond(resp);
            }
        });
        TestServer {
            url: format!("http://127.0.0.1:{port}"),
            seen,
            server,
            thread: Some(thread),
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Asserts that none of `secrets` appears in `haystack`.
#[track_caller]
pub fn assert_no_secret(what: &str, haystack: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !haystack.contains(s),
            "{what} contains a secret ({}…)",
            &s[..s.len().min(6)]
        );
    }
}

/// The settings document at `path`, opened with `user`'s key (what the test
/// needs to know of it: its refresh token, its clear metadata).
pub fn settings_of(user: &User, path: &Path) -> oauth_setup::settings::Settings {
    use oauth_setup::settings::{self, KeySource};
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    settings::read(path, &key).unwrap()
}

impl Idp {
    /// Revokes a refresh token's whole family at the provider (RFC 7009, as
    /// an admin or the user would from the provider's side): what a grant
    /// killed at the provider looks like to us.
    pub fn revoke(&self, refresh_token: &str) {
        let out = Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
            .arg("--data-urlencode")
            .arg(format!("token={refresh_token}"))
            .arg(format!("{}/revoke-rfc7009", self.issuer))
            .output()
            .expect("curl is installed");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200", "{out:?}");
    }

    /// Revokes the grant the settings file at `path` holds.
    pub fn revoke_grant_of(&self, user: &User, path: &Path) {
        use secrecy::ExposeSecret;
        let s = settings_of(user, path);
        self.revoke(s.secrets.refresh_token.as_ref().unwrap().expose_secret());
    }
}

/// Event Temple as its docs describe it (../shared/seeds/002_…): a JSON
/// token request, `/v2/organizations` answerable with the token alone, and
/// `/v2/bookings` refused (403) unless `X-API-ORG` names organization `11`
/// or `12`. Its organizations are "Hotel North" (11) and "Hotel South" (12).
pub fn event_temple_server() -> TestServer {
    TestServer::start(|r| {
        let bearer = r.header("Authorization") == Some("Bearer et-token");
        match (r.method.as_str(), r.url.split('?').next().unwrap_or("")) {
            ("POST", "/oauth/token") => (
                200,
                "application/json",
                r#"{"access_token":"et-token","token_type":"Bearer","expires_in":7200}"#.into(),
            ),
            ("GET", "/v2/organizations") if bearer => (
                200,
                "application/vnd.api+json",
                r#"{"data":[{"id":"11","type":"organizations","attributes":{"name":"Hotel North"}},{"id":"12","type":"organizations","attributes":{"name":"Hotel South"}}]}"#.into(),
            ),
            ("GET", "/v2/bookings") if bearer && matches!(r.header("X-API-ORG"), Some("11" | "12")) => {
                (200, "application/vnd.api+json", r#"{"data":[]}"#.into())
            }
            ("GET", _) if bearer => (
                403,
                "application/vnd.api+json",
                r#"{"errors":[{"title":"Forbidden","detail":"an API Org ID is required"}]}"#.into(),
            ),
            _ => (401, "application/json", r#"{"error":"unauthorized"}"#.into()),
        }
    })
}

/// Runs `c` with `stdin` written to it and waits for its output.
pub fn output_with_stdin(mut c: Command, stdin: &str) -> Out {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Out::from(child.wait_with_output().unwrap())
}
