//! Corporate networks: a real TLS-intercepting proxy (mitmproxy, reverse
//! mode) signs the provider's certificate with its own CA. Unknown at
//! first, as it is on a laptop behind Zscaler; trusted through
//! `SSL_CERT_FILE` or `--ca-file`, as people fix it.

use crate::common::*;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Mitm {
    child: Child,
    port: u16,
    ca: PathBuf,
    _conf: tempfile::TempDir,
}

impl Mitm {
    fn reverse(upstream: &str) -> Mitm {
        let conf = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("mitmdump")
            .args([
                "--mode",
                &format!("reverse:{upstream}"),
                "--listen-host",
                "127.0.0.1",
                "--listen-port",
                &port.to_string(),
                "--set",
                &format!("confdir={}", conf.path().display()),
                "-q",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mitmproxy's `mitmdump` (pip install mitmproxy==11.0.2; scripts/test.sh does)");
        let ca = conf.path().join("mitmproxy-ca-cert.pem");
        let start = Instant::now();
        while !(ca.exists() && TcpStream::connect(("127.0.0.1", port)).is_ok()) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "mitmdump did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Mitm {
            child,
            port,
            ca,
            _conf: conf,
        }
    }
}

impl Drop for Mitm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_inspecting_proxys_ca_is_trusted_through_ssl_cert_file_or_ca_file() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => (
            200,
            "application/json",
            r#"{"access_token":"through-the-proxy","token_type":"Bearer","expires_in":7200}"#
                .into(),
        ),
        _ => (404, "application/json", "{}".into()),
    });
    let mitm = Mitm::reverse(&server.url);
    let user = User::new();
    let base = format!("api_base=https://localhost:{}", mitm.port);
    let login = |name: &str, env: &[(&str, &str)], extra: &[&str]| {
        let s = user.path(name);
        let mut args = vec![
            "login",
            "eventtemple",
            "--client-id",
            "c",
            "--org-id",
            "o",
            "--var",
            &base,
            "--settings",
            s.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let mut env = env.to_vec();
        env.push(("OAUTH_SETUP_CLIENT_SECRET", "s"));
        user.run_env(&args, &env)
    };
    let ca = mitm.ca.to_str().unwrap();

    let untrusted = login("a.json", &[], &[]);
    assert_eq!(untrusted.code, 6, "{untrusted:#?}");
    assert!(
        untrusted.stderr.contains("UnknownIssuer"),
        "{}",
        untrusted.stderr
    );
    assert!(
        untrusted.stderr.contains("SSL_CERT_FILE"),
        "says what fixes it: {}",
        untrusted.stderr
    );

    login("b.json", &[("SSL_CERT_FILE", ca)], &[]).ok();
    login("c.json", &[], &["--ca-file", ca]).ok();
    let token = user
        .run(&["token", "--settings", user.path("c.json").to_str().unwrap()])
        .ok();
    assert_eq!(token.stdout.trim(), "through-the-proxy");

    let bad = login("d.json", &[], &["--ca-file", "/no/such/ca.pem"]);
    assert_eq!(bad.code, 2, "{bad:#?}");
    assert!(
        bad.stderr.contains("cannot read the CA file"),
        "{}",
        bad.stderr
    );
}
