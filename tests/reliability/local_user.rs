//! Another user of the machine against a real `oauth-setup login`: what they
//! can read in /proc while the browser runs, the page and start link they
//! cannot use, the sockets they can open on the callback port; and what the
//! browser child inherits from our environment.
//!
//! The attacker's steps run as `nobody` (uid 65534, through `setpriv`), so
//! the tests that need another uid need root.

use crate::common::*;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A browser that records its environment, pid and argument, then waits for
/// the test's go (at most 20 s) before it opens the page and follows the link.
fn gated_browser() -> String {
    format!(
        r#"#!/bin/sh
d="$(dirname "$0")"
cat /proc/$$/environ >"$d/environ"
printf '%s' "$1" >"$d/arg"
echo $$ >"$d/pid.tmp" && mv "$d/pid.tmp" "$d/pid"
i=0
while [ ! -e "$d/go" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done
{FOLLOW_PAGE}curl -sS -L -o /dev/null -w '%{{http_code}}' "$1" >"$d/followed.tmp" 2>&1
mv "$d/followed.tmp" "$d/followed"
"#
    )
}

fn gated_user() -> User {
    let user = User::new();
    let browser = user.path("browser.sh");
    std::fs::write(&browser, gated_browser()).unwrap();
    set_mode(&browser, 0o755);
    user
}

fn login(user: &User, idp: &Idp, extra: &[&str], env: &[(&str, &str)]) -> Child {
    user.cmd()
        .args(["login", "custom", "--issuer", &idp.issuer])
        .args(["--client-id", "app-1", "--scopes", "openid offline_access"])
        .args(["--settings", user.path("s.json").to_str().unwrap()])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[track_caller]
fn wait_for(path: &Path, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(s) = std::fs::read_to_string(path) {
            return s;
        }
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().next())
        == Some("0")
}

/// Runs `program` as the other user (see the module doc).
fn attacker(program: &str, args: &[&str]) -> Output {
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(program);
        c
    } else {
        eprintln!("not root: the attacker's steps run as this test's user");
        Command::new(program)
    };
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir("/")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} as the other user: {e}"))
}

/// For the tests that need the attacker to really be another uid.
fn require_root() {
    assert!(
        is_root(),
        "this test plays another local user through `setpriv --reuid=65534`: run the tests as root (scripts/test.sh does in CI)"
    );
}

/// The argv of every process under `root`, `root` excluded.
fn descendants(root: u32) -> Vec<(u32, String)> {
    let mut parent = HashMap::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        if let Some(ppid) = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok())
        {
            parent.insert(pid, ppid);
        }
    }
    let under = |mut pid: u32| {
        while let Some(&p) = parent.get(&pid) {
            if p == root {
                return true;
            }
            pid = p;
        }
        false
    };
    parent
        .keys()
        .filter(|&&pid| under(pid))
        .filter_map(|&pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            Some((pid, String::from_utf8_lossy(&raw).replace('\0', " ")))
        })
        .collect()
}

#[test]
fn the_browser_gets_a_page_only_we_read_not_the_link() {
    require_root();
    let idp = Idp::shared(&[]);
    let user = gated_user();
    let child = login(&user, idp, &[], &[]);
    let pid = wait_for(&user.path("pid"), "the browser was never started");
    // What any user of the machine reads while the browser runs.
    let seen = attacker("cat", &[&format!("/proc/{}/cmdline", pid.trim())]);
    assert!(seen.status.success(), "{seen:?}");
    let argv = String::from_utf8_lossy(&seen.stdout).replace('\0', " ");
    let page = user_arg(&user);
    assert!(
        argv.contains(&page) && page.starts_with("file:///"),
        "{argv}"
    );
    // The page names the link, but the other user cannot open it.
    let path = page.trim_start_matches("file://");
    let theirs = attacker("cat", &[path]);
    assert!(!theirs.status.success(), "{theirs:?}");
    assert!(
        String::from_utf8_lossy(&theirs.stderr).contains("Permission denied"),
        "{theirs:?}"
    );
    let ours = descendants(child.id());
    assert!(
        ours.iter().any(|(p, _)| p.to_string() == pid.trim()),
        "{ours:?}"
    );
    for (p, cmdline) in ours
        .iter()
        .map(|(p, c)| (p, c.as_str()))
        .chain([(&0, argv.as_str())])
    {
        for secret in [
            "/start/",
            "state=",
            "code_challenge=",
            "code_verifier",
            "redirect_uri=",
        ] {
            assert!(!cmdline.contains(secret), "argv of {p}: {cmdline}");
        }
    }
    std::fs::write(user.path("go"), "").unwrap();
    let out = Out::from(child.wait_with_output().unwrap()).ok();
    assert_eq!(
        wait_for(&user.path("followed"), "browser"),
        "200",
        "{out:?}"
    );
    // The screen still shows the real URL, for a person to copy.
    assert!(out.stderr.contains("code_challenge="), "{}", out.stderr);
    assert!(!Path::new(path).exists(), "the page goes with the sign-in");
}

/// What the browser was opened with.
fn user_arg(user: &User) -> String {
    wait_for(&user.path("arg"), "the browser recorded no argument")
}

#[test]
fn another_users_connections_are_refused_and_the_sign_in_completes() {
    require_root();
    let idp = Idp::shared(&[]);
    let user = gated_user();
    let child = login(&user, idp, &[], &[]);
    wait_for(&user.path("pid"), "the browser was never started");
    // Say the other user learnt the link anyway (the browser's argv held it
    // before): their fetch, and any callback they deliver, are refused
    // before a byte is read, and the link stays unused.
    let link = start_link_of(&user_arg(&user));
    let fetch = |url: &str| {
        let out = attacker(
            "curl",
            &[
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{redirect_url}",
                url,
            ],
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let theirs = fetch(&link);
    assert!(theirs.starts_with("403 "), "{theirs}");
    assert!(!theirs.contains("code_challenge="), "{theirs}");
    let port = link["http://127.0.0.1:".len()..].split('/').next().unwrap();
    let forged = fetch(&format!(
        "http://127.0.0.1:{port}/callback?code=theirs&state=guess"
    ));
    assert!(forged.starts_with("403 "), "{forged}");
    // The real browser, second, still signs in.
    std::fs::write(user.path("go"), "").unwrap();
    let out = Out::from(child.wait_with_output().unwrap()).ok();
    assert_eq!(
        wait_for(&user.path("followed"), "browser"),
        "200",
        "{out:?}"
    );
    assert!(user.path("s.json").exists());
    let log = std::fs::read_to_string(user.log_file()).unwrap();
    assert!(
        log.contains("from another user's program") && log.contains("65534"),
        "{log}"
    );
}

#[test]
fn a_start_link_fetched_twice_stops_the_sign_in() {
    let idp = Idp::shared(&[]);
    let user = gated_user();
    let child = login(&user, idp, &[], &[]);
    wait_for(&user.path("pid"), "the browser was never started");
    // Another program of the same user (the peer check cannot tell it from
    // the browser) is first: it gets the authorization URL...
    let link = start_link_of(&user_arg(&user));
    let theirs = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            &link,
        ])
        .output()
        .unwrap();
    let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
    assert!(
        theirs.starts_with("303 ") && theirs.contains("code_challenge="),
        "{theirs}"
    );
    // ...and the real browser's fetch, second, ends the sign-in loudly.
    std::fs::write(user.path("go"), "").unwrap();
    let out = Out::from(child.wait_with_output().unwrap());
    assert_eq!(wait_for(&user.path("followed"), "browser"), "410");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("opened a second time"),
        "{}",
        out.stderr
    );
    assert!(!user.path("s.json").exists(), "nothing written");
    // The port is closed: nobody can deliver a code any more.
    let port = link["http://127.0.0.1:".len()..].split('/').next().unwrap();
    assert!(TcpStream::connect(format!("127.0.0.1:{port}")).is_err());
}

#[test]
fn a_browser_that_starts_late_still_signs_in() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let browser = user.path("late.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\n(sleep 0.2\n{FOLLOW_PAGE}curl -sS -L -o /dev/null -w '%{{http_code}}' \"$1\" >\"$(dirname \"$0\")/followed\") >/dev/null 2>&1 &\n"
        ),
    )
    .unwrap();
    set_mode(&browser, 0o755);
    let browser = browser.to_str().unwrap();
    let out = Out::from(
        login(&user, idp, &[], &[("BROWSER", browser)])
            .wait_with_output()
            .unwrap(),
    )
    .ok();
    assert_eq!(
        wait_for(&user.path("followed"), "browser"),
        "200",
        "{out:?}"
    );
    assert!(user.path("s.json").exists());
}

#[test]
fn an_error_on_the_callback_is_not_said_as_the_providers() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    // Whoever holds the state (here a program that followed the start link
    // and read the authorization URL) ends the sign-in with words of its own.
    let browser = user.path("ending.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\n{FOLLOW_PAGE}(loc=$(curl -sS -o /dev/null -w '%{{redirect_url}}' \"$1\")\n\
             state=$(printf '%s' \"$loc\" | sed -n 's/.*[?&]state=\\([^&]*\\).*/\\1/p')\n\
             port=$(printf '%s' \"$1\" | sed -n 's/^http:\\/\\/127.0.0.1:\\([0-9]*\\)\\/.*/\\1/p')\n\
             curl -sS -o /dev/null \"http://127.0.0.1:$port/callback?state=$state&error=access_denied&error_description=Your+account+is+suspended.+Call+%2B1-555-0100\"\n\
             ) >/dev/null 2>&1 &\n"
        ),
    )
    .unwrap();
    set_mode(&browser, 0o755);
    let out = Out::from(
        login(&user, idp, &[], &[("BROWSER", browser.to_str().unwrap())])
            .wait_with_output()
            .unwrap(),
    );
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stderr.contains(
            "ended by a request to the local callback address with error \"access_denied\""
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(
            "not checked and not necessarily the provider's: \"Your account is suspended. Call +1-555-0100\""
        ),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("provider did not grant"),
        "{}",
        out.stderr
    );
    assert!(!user.path("s.json").exists());
}

#[test]
fn secrets_in_our_environment_never_reach_the_browser() {
    const CLIENT_SECRET: &str = "CS-browserenv-51c9e2a7";
    let idp = Idp::shared(&["--client-secret", CLIENT_SECRET]);
    let user = gated_user();
    let secrets = [
        ("OAUTH_SETUP_CLIENT_SECRET", CLIENT_SECRET),
        (
            "OAUTH_SETUP_KEY",
            "5eca1e7b0a94c3d2e1f0a9b8c7d6e5f40312a1b0c9d8e7f6a5b4c3d2e1f0a9b8",
        ),
        ("OAUTH_SETUP_PASSWORD", "PW-browserenv-77d0"),
        ("OAUTH_SETUP_TOKEN", "TK-browserenv-3be1"),
        ("OAUTH_SETUP_PASSPHRASE", "PP-browserenv-c94f"),
        ("VAULT_TOKEN", "VT-browserenv-0a1b"),
        ("BAO_TOKEN", "BT-browserenv-2c3d"),
    ];
    let child = login(&user, idp, &[], &secrets);
    wait_for(&user.path("pid"), "the browser was never started");
    std::fs::write(user.path("go"), "").unwrap();
    let out = Out::from(child.wait_with_output().unwrap()).ok();
    assert_eq!(
        wait_for(&user.path("followed"), "browser"),
        "200",
        "{out:?}"
    );
    let environ = std::fs::read(user.path("environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ);
    let vars: Vec<&str> = environ.split('\0').filter(|v| !v.is_empty()).collect();
    assert!(vars.iter().any(|v| v.starts_with("PATH=")), "{vars:?}");
    assert!(vars.iter().any(|v| v.starts_with("HOME=")), "{vars:?}");
    for var in &vars {
        let name = var.split('=').next().unwrap_or_default();
        assert!(
            !name.starts_with("OAUTH_SETUP_") && !["VAULT_TOKEN", "BAO_TOKEN"].contains(&name),
            "the browser inherited {name}"
        );
    }
    for (name, value) in secrets {
        assert!(
            !environ.contains(value),
            "the value of {name} reached the browser"
        );
    }
}

/// `Threads` and `VmHWM` (kB) of `pid`.
fn threads_and_peak(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    (field("Threads:"), field("VmHWM:"))
}

#[test]
fn idle_sockets_and_a_huge_request_cost_no_threads_or_memory() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let mut child = login(&user, idp, &["--no-browser"], &[]);
    let (tx, rx) = mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut port = None;
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the login printed no URL");
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            port = rest.split('/').next().and_then(|p| p.parse::<u16>().ok());
        }
        if line.contains("/authorize?") {
            break line.trim().to_string();
        }
    };
    let port = port.expect("the login printed where it listens");
    let pid = child.id();
    // Let the wait start (its thread included) before counting.
    std::thread::sleep(Duration::from_millis(300));
    let (threads, peak) = threads_and_peak(pid);

    // 500 sockets that never say anything.
    let idle: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let (with_idle, _) = threads_and_peak(pid);
    assert!(
        with_idle <= threads + 1,
        "{threads} threads, then {with_idle}"
    );

    // A 1 MB request line: refused without being read whole.
    let t = Instant::now();
    let mut big = TcpStream::connect(("127.0.0.1", port)).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    big.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = b"GET /callback?junk=".to_vec();
    line.extend(std::iter::repeat_n(b'A', 1 << 20));
    let _ = big.write_all(&line);
    let mut answer = Vec::new();
    let _ = big.read_to_end(&mut answer);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );
    let (_, peak_after) = threads_and_peak(pid);
    assert!(
        peak_after < peak + 4096,
        "peak RSS {peak} kB, then {peak_after} kB"
    );

    // The real callback still completes, promptly, the idle sockets still open.
    let t = Instant::now();
    let followed = Command::new("curl")
        .args(["-sS", "-L", "-o", "/dev/null", "-w", "%{http_code}", &url])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&followed.stdout),
        "200",
        "{followed:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    assert!(status.success(), "{stderr}");
    drop(idle);
}

/// A port free on both 127.0.0.1 and ::1 (fails loudly without IPv6).
fn free_dual_port() -> u16 {
    for _ in 0..20 {
        let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = v4.local_addr().unwrap().port();
        match std::net::TcpListener::bind(("::1", port)) {
            Ok(_) => return port,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {}
            Err(e) => panic!("no IPv6 loopback here ({e}): the localhost test cannot run"),
        }
    }
    panic!("no port free on both loopbacks")
}

/// The URL on the first stderr line of `child` that has `needle`, and the
/// rest of stderr once the child is done.
fn stderr_url(child: &mut Child, needle: &str) -> (String, std::thread::JoinHandle<String>) {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        if let Some(url) = line.split_whitespace().find(|w| w.contains(needle)) {
            let url = url.to_string();
            let rest = std::thread::spawn(move || {
                let mut rest = String::new();
                let _ = stderr.read_to_string(&mut rest);
                rest
            });
            return (url, rest);
        }
        line.clear();
    }
    panic!("no {needle} on stderr")
}

#[test]
fn a_localhost_callback_owns_both_loopbacks() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let port = free_dual_port();
    let callback = format!("http://localhost:{port}/cb");
    let args = ["--no-browser", "--callback-url", &callback];

    // Someone listens on [::1]:PORT, where browsers try `localhost` first.
    let squatter = std::net::TcpListener::bind(("::1", port)).unwrap();
    let out = Out::from(login(&user, idp, &args, &[]).wait_with_output().unwrap());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!("[::1]:{port}")) && out.stderr.contains("in use"),
        "{}",
        out.stderr
    );
    drop(squatter);

    // Free: the provider's redirect, arriving through ::1, completes it.
    let mut child = login(&user, idp, &args, &[]);
    let (url, rest) = stderr_url(&mut child, "/authorize?");
    let back = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{redirect_url}", &url])
        .output()
        .unwrap();
    let back = String::from_utf8_lossy(&back.stdout).into_owned();
    let via_v6 = back.replace(
        &format!("http://localhost:{port}/"),
        &format!("http://[::1]:{port}/"),
    );
    assert!(via_v6.starts_with("http://[::1]:"), "{back}");
    let host = format!("Host: localhost:{port}");
    let done = Command::new("curl")
        .args([
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            &host,
            &via_v6,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&done.stdout), "200", "{done:?}");
    let status = child.wait().unwrap();
    assert!(status.success(), "{}", rest.join().unwrap());
    assert!(user.path("s.json").exists());
}
