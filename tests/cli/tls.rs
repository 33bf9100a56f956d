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
        Mitm::start(&["--mode", &format!("reverse:{upstream}")])
    }

    /// A forward proxy asking for `user:password`, which sends what is
    /// asked of `https://provider.test` to `upstream` (no DNS needed: the
    /// client never resolves a proxied host).
    fn forward(upstream: &str, auth: &str) -> Mitm {
        Mitm::start(&[
            "--set",
            "connection_strategy=lazy",
            "--map-remote",
            &format!("|https://provider\\.test|{upstream}"),
            "--proxyauth",
            auth,
        ])
    }

    fn start(mode: &[&str]) -> Mitm {
        let conf = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("mitmdump")
            .args(mode)
            .args([
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
    // Which CA: mitmproxy's, by the name in its certificate.
    assert!(
        untrusted
            .stderr
            .contains("issued by `CN=mitmproxy, O=mitmproxy`"),
        "names the issuer: {}",
        untrusted.stderr
    );
    for fix in ["--ca-file", "SSL_CERT_FILE", "system's trust store"] {
        assert!(
            untrusted.stderr.contains(fix),
            "says what fixes it ({fix}): {}",
            untrusted.stderr
        );
    }

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

fn token_server() -> TestServer {
    TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => (
            200,
            "application/json",
            r#"{"access_token":"via-proxy","token_type":"Bearer","expires_in":7200}"#.into(),
        ),
        _ => (404, "application/json", "{}".into()),
    })
}

#[test]
fn a_proxy_with_credentials_carries_the_requests_and_never_shows_them() {
    let server = token_server();
    let mitm = Mitm::forward(&server.url, "proxyuser:proxy-pass-41");
    let user = User::new();
    let ca = mitm.ca.to_str().unwrap().to_string();
    let proxy = format!("http://proxyuser:proxy-pass-41@127.0.0.1:{}", mitm.port);
    let login = |name: &str, proxy: &str| {
        let s = user.path(name);
        user.run_env(
            &[
                "login",
                "eventtemple",
                "--client-id",
                "c",
                "--org-id",
                "o",
                "--var",
                "api_base=https://provider.test",
                "--settings",
                s.to_str().unwrap(),
            ],
            &[
                ("OAUTH_SETUP_CLIENT_SECRET", "s"),
                ("https_proxy", proxy),
                ("SSL_CERT_FILE", ca.as_str()),
            ],
        )
    };
    let ok = login("p.json", &proxy);
    assert_eq!(ok.code, 0, "{ok:#?}");
    assert_eq!(
        server.requests().len(),
        1,
        "the proxy carried the token request"
    );

    let no_creds = login("q.json", &format!("http://127.0.0.1:{}", mitm.port));
    assert_eq!(no_creds.code, 6, "{no_creds:#?}");
    assert!(
        no_creds.stderr.contains("credentials"),
        "{}",
        no_creds.stderr
    );

    let log = std::fs::read_to_string(user.log_file()).unwrap_or_default();
    for (what, text) in [
        ("stdout", &ok.stdout),
        ("stderr", &ok.stderr),
        ("stderr", &no_creds.stderr),
        ("log", &log),
    ] {
        assert!(
            !text.contains("proxy-pass-41"),
            "the proxy password is in the {what}"
        );
    }
}

#[test]
fn loopback_never_goes_through_a_proxy() {
    // Every token expires at once: `token` must reach the loopback token
    // endpoint, with every proxy variable pointing at a dead port.
    let idp = Idp::start(&["--ttl", "0"]);
    let user = User::new();
    let s = user.path("l.json");
    user.login_code(&idp, &s).ok();
    let dead = "http://127.0.0.1:9";
    let out = user.run_env(
        &["token", "--settings", s.to_str().unwrap()],
        &[
            ("HTTP_PROXY", dead),
            ("https_proxy", dead),
            ("ALL_PROXY", dead),
        ],
    );
    assert_eq!(out.code, 0, "{out:#?}");
}

/// The CA as an administrator adds it: in the OS trust store (Debian's
/// `/etc/ssl/certs`, which `update-ca-certificates` writes), or in a hashed
/// directory named by `SSL_CERT_DIR`. The OS store is replaced only inside
/// a private mount namespace (`unshare --mount` + a bind mount), so the
/// machine's own store is never touched.
#[test]
fn a_ca_in_the_os_store_or_an_ssl_cert_dir_is_trusted() {
    let server = TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => (
            200,
            "application/json",
            r#"{"access_token":"os-store","token_type":"Bearer","expires_in":7200}"#.into(),
        ),
        _ => (404, "application/json", "{}".into()),
    });
    let mitm = Mitm::reverse(&server.url);
    let user = User::new();
    let base = format!("api_base=https://localhost:{}", mitm.port);
    let args = |name: &str| -> Vec<String> {
        [
            "login",
            "eventtemple",
            "--client-id",
            "c",
            "--org-id",
            "o",
            "--var",
            &base,
            "--settings",
            user.path(name).to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let ca_pem = std::fs::read_to_string(&mitm.ca).unwrap();

    // SSL_CERT_DIR: OpenSSL's layout, one `<subject hash>.0` per CA.
    let hash = Command::new("openssl")
        .args(["x509", "-hash", "-noout", "-in"])
        .arg(&mitm.ca)
        .output()
        .expect("openssl (scripts/test.sh installs it)");
    let hash = String::from_utf8(hash.stdout).unwrap();
    let dir = user.path("certs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{}.0", hash.trim())), &ca_pem).unwrap();
    let a = args("dir.json");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    user.run_env(
        &a,
        &[
            ("SSL_CERT_DIR", dir.to_str().unwrap()),
            ("OAUTH_SETUP_CLIENT_SECRET", "s"),
        ],
    )
    .ok();

    // The OS store, without and then with the CA added to its bundle.
    let root = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        assert!(
            std::env::var_os("CI").is_none(),
            "the OS-store case needs root (a private mount namespace); CI runs as root"
        );
        eprintln!("not root: the OS-store case is not run here");
        return;
    }
    let system = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt").unwrap();
    let in_os_store = |name: &str, bundle: &str| {
        let store = user.path(&format!("store-{name}"));
        std::fs::create_dir_all(&store).unwrap();
        std::fs::write(store.join("ca-certificates.crt"), bundle).unwrap();
        let inner = user.cmd();
        let mut c = Command::new("unshare");
        c.env_clear();
        for (k, v) in inner.get_envs() {
            if let Some(v) = v {
                c.env(k, v);
            }
        }
        c.env("OAUTH_SETUP_CLIENT_SECRET", "s")
            .args(["--mount", "sh", "-c"])
            .arg(r#"mount --bind "$0" /etc/ssl/certs && exec "$@""#)
            .arg(&store)
            .arg(bin())
            .args(args(&format!("{name}.json")))
            .stdin(Stdio::null());
        Out::from(c.output().unwrap())
    };
    let without = in_os_store("without", &system);
    assert_eq!(without.code, 6, "{without:#?}");
    assert!(
        without.stderr.contains("UnknownIssuer"),
        "{}",
        without.stderr
    );
    let with = in_os_store("with", &format!("{system}\n{ca_pem}"));
    assert_eq!(with.code, 0, "{with:#?}");
    let token = user
        .run(&[
            "token",
            "--settings",
            user.path("with.json").to_str().unwrap(),
        ])
        .ok();
    assert_eq!(token.stdout.trim(), "os-store");
}

#[test]
fn a_proxy_that_refuses_the_tunnel_is_named() {
    // A proxy answering every CONNECT with 403, as a corporate proxy does
    // for a host it does not allow.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 2048];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
            );
        }
    });
    let user = User::new();
    let proxy = format!("http://alice:pr0xy-pass@127.0.0.1:{port}");
    let out = user.run_env(
        &["login", "cvent", "--client-id", "c", "--region", "na"],
        &[
            ("HTTPS_PROXY", proxy.as_str()),
            ("OAUTH_SETUP_CLIENT_SECRET", "s"),
        ],
    );
    assert_eq!(out.code, 6, "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "the proxy http://127.0.0.1:{port}/ (HTTPS_PROXY) refused to open a tunnel"
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("pr0xy-pass"), "{}", out.stderr);
}
