//! Many processes asking for a token at once, against a server that rotates
//! refresh tokens and revokes the whole family when an old one is reused:
//! one renewal reaches the server and everyone gets its token. A lock holder
//! that dies does not block the others; one that stays gives a clear timeout.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn refreshes(idp: &Idp) -> Vec<(String, String)> {
    idp.requests()
        .into_iter()
        .filter(|(g, _)| g == "refresh_token")
        .collect()
}

/// `n` `token` calls on `settings` started together, each one's output.
fn tokens_at_once(user: &User, settings: &str, n: usize) -> Vec<Out> {
    let children: Vec<Child> = (0..n)
        .map(|_| {
            user.cmd()
                .args(["token", "--settings", settings])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| Out::from(c.wait_with_output().unwrap()))
        .collect()
}

#[test]
fn fifty_processes_one_refresh() {
    // Login tokens arrive expired (expires_in 0: `token` must renew);
    // the renewed one lives an hour, so it is good for everyone after.
    let idp = Idp::start(&["--rotate", "--ttl", "0", "--refresh-ttl", "3600"]);
    let user = User::new();
    let settings = user.path("race.json");
    let s = settings.to_str().unwrap();
    user.login_code(&idp, s).ok();
    let before = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert_eq!(before["valid"], false, "the login token counts as expired");

    let start = Instant::now();
    let outs = tokens_at_once(&user, s, 50);
    eprintln!("50 concurrent `token` calls took {:?}", start.elapsed());

    for o in &outs {
        assert_eq!(o.code, 0, "a `token` call failed: {o:#?}");
    }
    let first = outs[0].stdout.trim().to_string();
    assert_eq!(first.split('.').count(), 3, "a JWT: {first}");
    for o in &outs {
        assert_eq!(
            o.stdout.trim(),
            first,
            "every process prints the same token"
        );
    }
    assert_eq!(
        refreshes(&idp),
        vec![("refresh_token".to_string(), "ok".to_string())],
        "exactly one refresh reached the server: {:?}",
        idp.requests()
    );

    // The file ends valid and holds that token; the refresh token still works
    // (no reuse revoked the family).
    let after = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert_eq!(after["valid"], true);
    assert_eq!(after["has_refresh_token"], true);
    let cached = user.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(cached.trim(), first);
    assert_eq!(refreshes(&idp).len(), 1);
}

/// A grant killed at the provider: the first of fifty processes is refused,
/// records it in the file under the lock, and the other forty-nine read it
/// there and stop without sending the dead refresh token again.
#[test]
fn fifty_processes_one_refused_refresh() {
    let idp = Idp::start(&["--rotate", "--ttl", "0", "--refresh-ttl", "3600"]);
    let user = User::new();
    let settings = user.path("dead.json");
    let s = settings.to_str().unwrap();
    user.login_code(&idp, s).ok();
    idp.revoke_grant_of(&user, &settings);

    let outs = tokens_at_once(&user, s, 50);
    for o in &outs {
        assert_eq!(o.code, 4, "sign-in needed: {o:#?}");
        assert!(o.stdout.is_empty(), "{o:#?}");
        assert!(
            o.stderr.contains("no longer accepts the refresh token")
                && o.stderr.contains("revoked or expired")
                && o.stderr.contains("oauth-setup login"),
            "{}",
            o.stderr
        );
    }
    assert_eq!(
        refreshes(&idp),
        vec![("refresh_token".to_string(), "invalid_grant".to_string())],
        "exactly one refused refresh reached the server"
    );
    // The verdict stays in the file: later calls and `list` read it there.
    let again = user.run(&["token", "--settings", s]);
    assert_eq!(again.code, 4, "{again:#?}");
    assert_eq!(refreshes(&idp).len(), 1, "nothing sent again");
    let list = user.run(&["list", "--json"]).ok().json();
    assert_eq!(list[0]["state"], "needs_sign_in", "{list}");
    let cell = list[0]["token"].as_str().unwrap();
    assert!(
        cell.starts_with("needs sign-in: invalid_grant"),
        "the TOKEN column says why: {cell}"
    );
    let status = user.run(&["status", "--settings", s]).ok().stdout;
    assert!(
        status.contains("Token:          needs sign-in: invalid_grant"),
        "{status}"
    );
    assert!(status.contains("Last failure:"), "{status}");
}

/// Holds the settings file's lock in a shell (flock on fd 9, then the shell
/// becomes `sleep` keeping fd 9 open). Returns once the lock is held.
fn hold_lock(settings: &Path) -> Child {
    let lock = oauth_setup::settings::lock_path(settings);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("exec 9>>\"$1\" && flock -x 9 && echo LOCKED && exec sleep 60")
        .arg("sh")
        .arg(&lock)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "LOCKED");
    assert!(
        matches!(
            oauth_setup::settings::lock_exclusive(settings, Duration::from_millis(50)),
            Err(oauth_setup::settings::SettingsError::LockTimeout { .. })
        ),
        "the helper holds the lock"
    );
    child
}

#[test]
fn killed_lock_holder_does_not_block() {
    let idp = Idp::start(&["--rotate", "--ttl", "0", "--refresh-ttl", "3600"]);
    let user = User::new();
    let settings = user.path("k.json");
    let s = settings.to_str().unwrap();
    user.login_code(&idp, s).ok();

    let mut holder = hold_lock(&settings);
    let mut waiting = user
        .cmd()
        .args(["token", "--settings", s])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "`token` waits while another process holds the lock"
    );
    assert!(refreshes(&idp).is_empty());

    holder.kill().unwrap(); // SIGKILL: the OS drops its lock
    holder.wait().unwrap();
    let killed_at = Instant::now();
    let out = Out::from(waiting.wait_with_output().unwrap()).ok();
    assert!(
        killed_at.elapsed() < Duration::from_secs(5),
        "the waiter went on promptly: {:?}",
        killed_at.elapsed()
    );
    assert_eq!(out.stdout.trim().split('.').count(), 3);
    assert_eq!(refreshes(&idp).len(), 1);

    // And a fresh process after the kill is not blocked either.
    let t = Instant::now();
    user.run(&["token", "--settings", s]).ok();
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn lock_held_too_long_is_a_clear_timeout() {
    let idp = Idp::start(&["--rotate", "--ttl", "0"]);
    let user = User::new();
    let settings = user.path("t.json");
    let s = settings.to_str().unwrap();
    user.login_code(&idp, s).ok();
    let file_before = std::fs::read(&settings).unwrap();

    let mut holder = hold_lock(&settings);
    let start = Instant::now();
    let out = user.run_env(
        &["token", "--settings", s],
        &[("OAUTH_SETUP_LOCK_TIMEOUT", "1")],
    );
    let took = start.elapsed();
    holder.kill().unwrap();
    holder.wait().unwrap();

    assert_eq!(out.code, 3, "a settings-file problem: {out:#?}");
    assert!(out.stdout.is_empty(), "no token printed: {out:#?}");
    // Whole seconds, as a person reads them (not a Debug `1.0012s`).
    assert!(
        out.stderr.contains("timed out after 1 s "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("t.json.lock"), "{}", out.stderr);
    assert!(
        out.stderr.contains("another oauth-setup process holds it"),
        "{}",
        out.stderr
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(10),
        "waited about OAUTH_SETUP_LOCK_TIMEOUT: {took:?}"
    );
    assert!(refreshes(&idp).is_empty(), "no renewal without the lock");
    assert_eq!(std::fs::read(&settings).unwrap(), file_before);
    user.run(&["token", "--settings", s]).ok();
}

/// A sign-in while a renewal of the old account is in flight: the renewal
/// must not write the old account over the fresh sign-in, whichever order
/// the two finish in.
#[test]
fn login_during_a_renewal_keeps_the_new_login() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let asked = Arc::new(AtomicUsize::new(0));
    let seen = asked.clone();
    // The old account's server: the login's token arrives expired; the
    // renewal is held for a second, long enough for the new login to finish.
    let old = TestServer::start(move |_| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            return token_reply("old-login", 0);
        }
        std::thread::sleep(Duration::from_millis(1200));
        token_reply("old-renewed", 3600)
    });
    let new = TestServer::start(|_| token_reply("new-login", 3600));
    let user = User::new();
    let settings = user.path("acct.json");
    let s = settings.to_str().unwrap();
    let login = |server: &TestServer, client: &str, extra: &[&str]| {
        let token_url = format!("{}/token", server.url);
        let mut args = vec![
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            &token_url,
            "--client-id",
            client,
            "--settings",
            s,
        ];
        args.extend_from_slice(extra);
        user.run_env(&args, &[("OAUTH_SETUP_CLIENT_SECRET", "sec")])
    };
    login(&old, "old-account", &[]).ok();

    let renewal = user
        .cmd()
        .args(["token", "--settings", s])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while asked.load(Ordering::SeqCst) < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no renewal started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The renewal now holds the lock and waits for its server.
    login(&new, "new-account", &["--force"]).ok();
    let renewed = Out::from(renewal.wait_with_output().unwrap()).ok();
    assert_eq!(renewed.stdout.trim(), "old-renewed");

    let key = oauth_setup::settings::load_key(&oauth_setup::settings::KeySource::Default(
        oauth_setup::paths::key_file(&user.config()),
    ))
    .unwrap();
    let now = oauth_setup::settings::read(&settings, &key).unwrap();
    assert_eq!(now.meta.client_id.as_deref(), Some("new-account"));
    use secrecy::ExposeSecret;
    assert_eq!(
        now.secrets.access_token.as_ref().map(|t| t.expose_secret()),
        Some("new-login"),
        "the fresh login survives the renewal"
    );
    let t = user.run(&["token", "--settings", s]).ok();
    assert_eq!(t.stdout.trim(), "new-login");
}

fn token_reply(token: &str, expires_in: i64) -> Reply {
    (
        200,
        "application/json",
        format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#),
    )
}
