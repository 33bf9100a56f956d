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
        let waiter = sc.spawn(|| srv.wait(STATE, timeout, &cancel, &mut |_| {}));
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
