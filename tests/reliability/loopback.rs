//! The loopback redirect receiver under hostile local traffic: reachable on
//! 127.0.0.1 only, forged or repeated callbacks do not end the wait, slow
//! and oversized requests neither hang nor crash it, every answer says
//! `Connection: close`, and the port is closed once the flow is over.

use oauth_setup::oauth::loopback::{CallbackError, CallbackServer, parse_target};
use secrecy::{ExposeSecret, SecretString};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const STATE: &str = "state-9f2c71d04e";

fn server() -> CallbackServer {
    CallbackServer::bind(parse_target(None).unwrap()).unwrap()
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Sends raw bytes, returns one whole answer: the head and a body of
/// Content-Length bytes (or what came before the server closed).
fn raw(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect_timeout(&addr(port), Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // The server may answer (and close) before reading all of a huge request.
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if out.len() >= end + 4 + len {
                break;
            }
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn get(port: u16, target: &str) -> String {
    raw(
        port,
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    )
}

fn status_of(resp: &str) -> u16 {
    resp.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[track_caller]
fn assert_close(resp: &str) {
    let head = resp
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(
        head.contains("\r\nconnection: close"),
        "no Connection: close in {head:?}"
    );
}

/// Runs `wait` on a thread; `drive` talks to the server meanwhile.
fn with_wait<T>(
    srv: &CallbackServer,
    timeout: Duration,
    drive: impl FnOnce(u16) -> T,
) -> (Result<SecretString, CallbackError>, T) {
    let cancel = CancellationToken::new();
    std::thread::scope(|sc| {
        // The exchange "succeeds" at once, so the browser's page is answered.
        let waiter = sc.spawn(|| {
            srv.wait(STATE, timeout, &cancel, &mut |_| {})
                .map(|(code, held)| {
                    held.signed_in();
                    code
                })
        });
        let t = drive(srv.port());
        (waiter.join().unwrap(), t)
    })
}

#[test]
fn bound_to_127_0_0_1_only() {
    let srv = server();
    let port = srv.port();
    assert!(TcpStream::connect_timeout(&addr(port), Duration::from_secs(1)).is_ok());
    let mut others: Vec<IpAddr> = vec!["127.0.0.2".parse().unwrap(), "::1".parse().unwrap()];
    // The machine's other addresses, as `hostname -I` lists them.
    if let Ok(o) = std::process::Command::new("hostname").arg("-I").output() {
        others.extend(
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|a| a.parse::<IpAddr>().ok()),
        );
    }
    for ip in others {
        let r = TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_millis(500));
        assert!(r.is_err(), "the callback server answered on {ip}");
    }
}

#[test]
fn forged_and_repeated_callbacks_do_not_end_the_wait() {
    let srv = server();
    let (out, answers) = with_wait(&srv, Duration::from_secs(10), |port| {
        let mut answers = Vec::new();
        for target in [
            "/callback?code=c1&state=wrong",
            "/callback?code=c1",
            "/callback?error=access_denied&state=wrong",
            &format!("/callback?code=c1&state={STATE}&state={STATE}"),
            &format!("/callback?code=c1&code=c2&state={STATE}"),
            &format!("/callback?state={STATE}"),
            &format!("/other?code=c1&state={STATE}"),
            &format!("/callback?code=%1B%5B2J%3Cscript%3E&state={STATE}x"),
            "/favicon.ico",
        ] {
            let r = get(port, target);
            assert!(matches!(status_of(&r), 400 | 404), "{target}: {r}");
            assert!(!r.contains("c1") && !r.contains("<script>"), "no echo: {r}");
            answers.push(r);
        }
        let post = raw(
            port,
            format!(
                "POST /callback?code=c1&state={STATE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(status_of(&post), 405, "{post}");
        answers.push(post);
        // Only now the real one.
        let ok = get(port, &format!("/callback?code=the-code&state={STATE}"));
        assert_eq!(status_of(&ok), 200, "{ok}");
        answers.push(ok);
        answers
    });
    assert_eq!(out.unwrap().expose_secret(), "the-code");
    for a in &answers {
        assert_close(a);
    }
}

#[test]
fn slow_and_oversized_requests_do_not_block_the_real_callback() {
    let srv = server();
    let start = Instant::now();
    let (out, ()) = with_wait(&srv, Duration::from_secs(15), |port| {
        // A client that connects and sends nothing, and keeps the socket open.
        let mut idle: Vec<TcpStream> = (0..8)
            .map(|_| TcpStream::connect(addr(port)).unwrap())
            .collect();
        // Half a request line, then silence.
        let mut half = TcpStream::connect(addr(port)).unwrap();
        half.write_all(b"GET /callback?code=x&st").unwrap();
        idle.push(half);
        // Headers byte by byte.
        let dripper = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr(port)).unwrap();
            for b in b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaaaa\r\n" {
                if s.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        // A 1 MB query (with our state, so it must be looked at and refused).
        let big = format!("/callback?state={STATE}&junk={}", "A".repeat(1 << 20));
        let r = get(port, &big);
        assert!(
            r.is_empty() || status_of(&r) >= 400,
            "{}",
            &r[..r.len().min(200)]
        );
        // A 1 MB header block.
        let mut huge = b"GET /callback HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
        huge.extend(std::iter::repeat_n(b'B', 1 << 20));
        huge.extend(b"\r\n\r\n");
        let _ = raw(port, &huge);
        // The real callback still completes, promptly.
        let t = Instant::now();
        let ok = get(port, &format!("/callback?code=real&state={STATE}"));
        assert_eq!(status_of(&ok), 200, "{ok}");
        assert_close(&ok);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        drop(idle);
        let _ = dripper.join();
    });
    assert_eq!(out.unwrap().expose_secret(), "real");
    assert!(start.elapsed() < Duration::from_secs(12));
}

#[test]
fn port_closed_when_the_flow_ends() {
    let srv = server();
    let port = srv.port();
    let (out, ()) = with_wait(&srv, Duration::from_secs(10), |port| {
        let ok = get(port, &format!("/callback?code=done&state={STATE}"));
        assert_eq!(status_of(&ok), 200);
    });
    assert!(out.is_ok());
    drop(srv);
    // Give the accept thread a moment to wind down.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match TcpStream::connect_timeout(&addr(port), Duration::from_millis(200)) {
            Err(_) => break,
            Ok(_) => {
                assert!(
                    Instant::now() < deadline,
                    "port {port} still accepts connections after the flow"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    // A timeout also ends it, with the port closed.
    let srv = server();
    let port = srv.port();
    let cancel = CancellationToken::new();
    let e = srv
        .wait(STATE, Duration::from_millis(300), &cancel, &mut |_| {})
        .unwrap_err();
    assert!(matches!(e, CallbackError::Timeout(_)), "{e:?}");
    drop(srv);
    std::thread::sleep(Duration::from_millis(100));
    assert!(TcpStream::connect_timeout(&addr(port), Duration::from_millis(200)).is_err());
}

fn get_as(port: u16, target: &str, host: Option<&str>) -> String {
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    raw(
        port,
        format!("GET {target} HTTP/1.1\r\n{host}\r\n").as_bytes(),
    )
}

#[test]
fn a_callback_for_another_host_is_refused_the_real_one_completes() {
    let srv = server();
    let (out, ()) = with_wait(&srv, Duration::from_secs(10), |port| {
        let real = format!("/callback?code=theirs&state={STATE}");
        // DNS rebinding (a page of evil.example that resolves to 127.0.0.1),
        // a forged callback without a Host, one with two, an absolute target.
        for host in [
            Some(format!("evil.example:{port}")),
            Some(format!("127.0.0.1:{}", port.wrapping_add(1))),
            Some(format!("localhost:{port}")),
            None,
        ] {
            let r = get_as(port, &real, host.as_deref());
            assert_eq!(status_of(&r), 400, "{host:?}: {r}");
            assert_close(&r);
        }
        let two = raw(
            port,
            format!("GET {real} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(status_of(&two), 400, "{two}");
        let absolute = get(port, &format!("http://127.0.0.1:{port}{real}"));
        assert_eq!(status_of(&absolute), 400, "{absolute}");
        // Still waiting: the right Host (any case) completes.
        let ok = get_as(
            port,
            &format!("/callback?code=ours&state={STATE}"),
            Some(&format!("127.0.0.1:{port}")),
        );
        assert_eq!(status_of(&ok), 200, "{ok}");
    });
    assert_eq!(out.unwrap().expose_secret(), "ours");
}

/// The `Location` of a 303 answer.
fn location(resp: &str) -> Option<&str> {
    resp.split("\r\n\r\n")
        .next()?
        .lines()
        .find_map(|l| l.strip_prefix("Location: "))
}

#[test]
fn the_start_link_redirects_once_and_a_second_fetch_stops_the_sign_in() {
    let authorize = "https://idp.example/authorize?state=s&code_challenge=c&x=%0D%0A";
    let mut srv = server();
    let link = srv.start_link(authorize).unwrap();
    let port = srv.port();
    let path = link
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("the start link is on the server itself: {link}"));
    assert!(path.starts_with("/start/") && path.len() > 30, "{path}");
    assert!(
        !link.contains("state") && !link.contains("challenge"),
        "{link}"
    );
    let (out, ()) = with_wait(&srv, Duration::from_secs(10), |port| {
        // Neither a wrong Host, nor another method, nor a guess uses it up.
        let wrong = get_as(port, path, Some(&format!("localhost:{port}")));
        assert_eq!(status_of(&wrong), 400, "{wrong}");
        let head = raw(
            port,
            format!("HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
        );
        assert!(location(&head).is_none(), "{head}");
        let guess = get(port, &format!("{}x", &path[..path.len() - 1]));
        assert_eq!(status_of(&guess), 404, "{guess}");
        let first = get(port, path);
        assert_eq!(status_of(&first), 303, "{first}");
        assert_eq!(location(&first), Some(authorize), "{first}");
        assert_close(&first);
        let second = get(port, path);
        assert_eq!(status_of(&second), 410, "{second}");
        assert!(location(&second).is_none(), "{second}");
    });
    let e = out.unwrap_err();
    assert!(matches!(e, CallbackError::StartLinkReused), "{e:?}");
    assert!(e.to_string().contains("opened a second time"), "{e}");
}

/// A port free on both 127.0.0.1 and ::1 (fails loudly without IPv6: the
/// `localhost` tests cannot run there).
fn free_dual_port() -> u16 {
    for _ in 0..20 {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = v4.local_addr().unwrap().port();
        match std::net::TcpListener::bind(("::1", port)) {
            Ok(_) => return port,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => panic!("no IPv6 loopback here ({e}): the localhost tests cannot run"),
        }
    }
    panic!("no port free on both loopbacks")
}

#[test]
fn localhost_takes_the_port_on_both_loopbacks() {
    for squat in ["::1", "127.0.0.1"] {
        let port = free_dual_port();
        let _theirs = std::net::TcpListener::bind((squat, port)).unwrap();
        let target = parse_target(Some(&format!("http://localhost:{port}/cb"))).unwrap();
        let e = CallbackServer::bind(target).unwrap_err();
        let shown = SocketAddr::new(squat.parse().unwrap(), port).to_string();
        assert!(matches!(e, CallbackError::Bind { .. }), "{e:?}");
        assert!(
            e.to_string().contains(&shown) && e.to_string().contains("in use"),
            "{e}"
        );
    }

    // Free: a callback through ::1 (where browsers try localhost first) completes.
    let port = free_dual_port();
    let target = parse_target(Some(&format!("http://localhost:{port}/cb"))).unwrap();
    let srv = CallbackServer::bind(target).unwrap();
    assert_eq!(srv.redirect_uri(), format!("http://localhost:{port}/cb"));
    let cancel = CancellationToken::new();
    let out = std::thread::scope(|sc| {
        let waiter = sc.spawn(|| {
            srv.wait(STATE, Duration::from_secs(10), &cancel, &mut |_| {})
                .map(|(code, held)| {
                    held.signed_in();
                    code
                })
        });
        let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
        // The 127.0.0.1 Host of the default target is not this one's.
        for (host, status) in [
            (format!("127.0.0.1:{port}"), "400"),
            (format!("LocalHost:{port}"), "200"),
        ] {
            let mut s = TcpStream::connect_timeout(&v6, Duration::from_secs(2)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            write!(
                s,
                "GET /cb?code=via-v6&state={STATE} HTTP/1.1\r\nHost: {host}\r\n\r\n"
            )
            .unwrap();
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            assert_eq!(r.split(' ').nth(1), Some(status), "{host}: {r}");
        }
        waiter.join().unwrap()
    });
    assert_eq!(out.unwrap().expose_secret(), "via-v6");
}

/// Env var that makes `replay_child` do the work.
const REPLAY_ENV: &str = "OAUTH_SETUP_TEST_REPLAY_CHILD";

/// The wizard's replay of a pasted redirect reaches the loopback server even
/// with every proxy variable pointing at a dead port: loopback traffic never
/// goes through a proxy (which would be handed the code). In a child process,
/// since the environment cannot be changed in this one.
#[test]
fn pasted_redirect_replay_never_uses_a_proxy() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            &crate::common::test_name(module_path!(), "replay_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(REPLAY_ENV, "1")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        child.env(var, &proxy);
    }
    let out = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("CHILD-OK"),
        "child did not run:\n{stdout}\n{stderr}"
    );
}

#[test]
fn replay_child() {
    use oauth_setup::tui::{Action, Effect, Executor};
    if std::env::var_os(REPLAY_ENV).is_none() {
        return;
    }
    let srv = server();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let key = oauth_setup::settings::KeySource::Default(dir.path().join("key"));
    let mut exec = Executor::new(rt.handle().clone(), tx, Vec::new(), key);
    let (out, ()) = with_wait(&srv, Duration::from_secs(10), |_| {
        exec.execute(Effect::ReplayRedirect {
            redirect_uri: srv.redirect_uri().to_string(),
            pasted: format!("https://app.example/done?code=pasted&state={STATE}"),
        });
        match rx.blocking_recv() {
            Some(Action::ReplayFinished(r)) => assert!(r.is_ok(), "{r:?}"),
            other => panic!("{other:?}"),
        }
    });
    assert_eq!(out.unwrap().expose_secret(), "pasted");
    println!("CHILD-OK");
}

/// The browser's page for the code waits for the token exchange: "Signed
/// in" only after it succeeded, "not finished" after it failed or when the
/// sign-in stopped before it ended.
#[test]
fn the_callback_page_tells_how_the_exchange_ended() {
    for outcome in ["ok", "failed", "dropped"] {
        let srv = server();
        let port = srv.port();
        let cancel = CancellationToken::new();
        let done = std::sync::atomic::AtomicBool::new(false);
        let done = &done;
        let (page, exchanged_first) = std::thread::scope(|sc| {
            let browser = sc.spawn(move || {
                let page = get(port, &format!("/callback?code=c1&state={STATE}"));
                (page, done.load(std::sync::atomic::Ordering::SeqCst))
            });
            let (code, held) = srv
                .wait(STATE, Duration::from_secs(10), &cancel, &mut |_| {})
                .expect("the code");
            assert_eq!(code.expose_secret(), "c1");
            // The token exchange takes a while; the browser is still waiting.
            std::thread::sleep(Duration::from_millis(200));
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            match outcome {
                "ok" => held.signed_in(),
                "failed" => held.failed(),
                _ => drop(held),
            }
            browser.join().unwrap()
        });
        assert!(
            exchanged_first,
            "{outcome}: the page came before the exchange ended"
        );
        assert_eq!(status_of(&page), 200, "{outcome}: {page}");
        assert_close(&page);
        if outcome == "ok" {
            assert!(page.contains("Signed in"), "{page}");
        } else {
            assert!(page.contains("Sign-in not finished"), "{outcome}: {page}");
            assert!(!page.contains("Signed in<"), "{outcome}: {page}");
        }
        assert!(!page.contains("c1"), "the page echoes the request: {page}");
    }
}
