//! What the settings store leaves on disk: the key only once something is
//! saved, no removed secret in any file, backups that follow no symlink, and
//! short-lived tokens used for half their life rather than renewed on every call.

use crate::common::*;
use oauth_setup::settings::{self, Key, KeySource};
use std::path::{Path, PathBuf};

const SECRET: &str = "CS-store-test-9dQm2-distinctive";

fn token_json(token: &str, expires_in: i64) -> Reply {
    (
        200,
        "application/json",
        format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{expires_in}}}"#),
    )
}

fn cc_login(user: &User, token_url: &str, settings: &Path, extra: &[&str]) -> Out {
    let mut args = vec![
        "login",
        "custom",
        "--scheme",
        "client_credentials",
        "--token-url",
        token_url,
        "--client-id",
        "store-app",
        "--settings",
        settings.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    user.run_env(&args, &[("OAUTH_SETUP_CLIENT_SECRET", SECRET)])
}

fn key_of(user: &User) -> Key {
    settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            out.extend(files_under(&e.path()));
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn no_store_client_secret_leaves_it_in_no_file() {
    let server = TestServer::start(|_| token_json("tok-store", 3600));
    let user = User::new();
    let path = user.path("conf").join("cc.json");
    let token_url = format!("{}/token", server.url);
    cc_login(&user, &token_url, &path, &[]).ok();
    // Signing in again over a connection is asked for (--force).
    cc_login(&user, &token_url, &path, &["--force"]).ok();
    let key = key_of(&user);
    let stored = settings::read(&path, &key).unwrap();
    assert!(stored.secrets.client_secret.is_some(), "stored by default");
    assert!(settings::backup_path(&path).exists());

    cc_login(
        &user,
        &token_url,
        &path,
        &["--no-store-client-secret", "--force"],
    )
    .ok();

    let files = files_under(user.dir.path());
    let mut opened = 0;
    for f in &files {
        let raw = std::fs::read(f).unwrap();
        assert_no_secret(
            &f.display().to_string(),
            &String::from_utf8_lossy(&raw),
            &[SECRET],
        );
        if let Ok(s) = settings::parse(&raw, &key, f) {
            opened += 1;
            assert!(
                s.secrets.client_secret.is_none(),
                "{} still holds the client secret",
                f.display()
            );
        }
    }
    assert_eq!(opened, 2, "the settings file and its backup: {files:?}");
}

#[test]
fn backup_symlink_to_outside_is_not_followed() {
    let server = TestServer::start(|_| token_json("tok-link", 3600));
    let user = User::new();
    let path = user.path("shared").join("s.json");
    let token_url = format!("{}/token", server.url);
    cc_login(&user, &token_url, &path, &[]).ok();
    let outside = user.path("outside.txt");
    std::fs::write(&outside, "not yours\n").unwrap();
    set_mode(&outside, 0o644);
    std::os::unix::fs::symlink(&outside, settings::backup_path(&path)).unwrap();

    cc_login(&user, &token_url, &path, &["--force"]).ok();

    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not yours\n");
    let md = std::fs::metadata(&outside).unwrap();
    assert_eq!(md.permissions().mode() & 0o777, 0o644);
    let bak = std::fs::symlink_metadata(settings::backup_path(&path)).unwrap();
    assert!(bak.is_file(), "the backup is a regular file of its own");
    settings::read(&settings::backup_path(&path), &key_of(&user)).unwrap();
}

#[test]
fn thirty_second_tokens_are_not_renewed_on_every_call() {
    // The login token arrives expired; the renewal gives a 30 s token, which
    // is inside the 60 s margin but must still serve the next call.
    let idp = Idp::start(&["--ttl", "0", "--refresh-ttl", "30"]);
    let user = User::new();
    let path = user.path("short.json");
    let s = path.to_str().unwrap();
    user.login_code(&idp, s).ok();
    let t1 = user.run(&["token", "--settings", s]).ok().stdout;
    let t2 = user.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(t1, t2, "the second call uses the renewed token");
    let refreshes = idp
        .requests()
        .into_iter()
        .filter(|(g, _)| g == "refresh_token")
        .count();
    assert_eq!(refreshes, 1, "{:?}", idp.requests());
}

#[test]
fn read_only_commands_create_no_key() {
    let user = User::new();
    let missing = user.path("none.json");
    let m = missing.to_str().unwrap();
    let key = oauth_setup::paths::key_file(&user.config());
    for args in [
        &["status", "--settings", m][..],
        &["status", "--settings", m, "--json"],
        &["token", "--settings", m],
        &["test", "--settings", m],
        &["connection-string", "--settings", m],
        &["export", "--settings", m, "--format", "env"],
    ] {
        let out = user.run(args);
        assert_eq!(out.code, 3, "{args:?}: a settings problem: {out:#?}");
        assert!(
            out.stderr.contains("no key yet") && out.stderr.contains("login"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!key.exists(), "{args:?} created {}", key.display());
    }
}

#[test]
fn failed_login_creates_no_key_and_a_good_one_does() {
    let refusing = TestServer::start(|_| {
        (
            401,
            "application/json",
            r#"{"error":"invalid_client","error_description":"bad secret"}"#.into(),
        )
    });
    let user = User::new();
    let path = user.path("cc.json");
    let key = oauth_setup::paths::key_file(&user.config());
    let out = cc_login(&user, &format!("{}/token", refusing.url), &path, &[]);
    assert_ne!(out.code, 0, "{out:#?}");
    assert_eq!(refusing.requests().len(), 1, "the server was asked");
    assert!(!key.exists(), "a failed login left a key");
    assert!(!path.exists());

    // An import whose bundle does not open writes nothing: no key either.
    let bundle = user.path("bad.age");
    std::fs::write(&bundle, "not an age bundle\n").unwrap();
    let out = user.run_env(
        &[
            "import",
            bundle.to_str().unwrap(),
            "--settings",
            path.to_str().unwrap(),
        ],
        &[("OAUTH_SETUP_PASSPHRASE", "pass phrase")],
    );
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(!key.exists(), "a failed import left a key");

    // A file already there that no key here can open (written with a key
    // given in the environment) is not replaced without --force.
    let given = "11".repeat(32);
    let good = TestServer::start(|_| token_json("tok-ok", 3600));
    let token_url = format!("{}/token", good.url);
    let other = user.run_env(
        &[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            &token_url,
            "--client-id",
            "store-app",
            "--settings",
            path.to_str().unwrap(),
        ],
        &[
            ("OAUTH_SETUP_CLIENT_SECRET", SECRET),
            ("OAUTH_SETUP_KEY", &given),
        ],
    );
    other.ok();
    assert!(!key.exists(), "a given key is used, none created");
    let before = std::fs::read(&path).unwrap();
    let out = cc_login(&user, &token_url, &path, &[]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!key.exists());

    cc_login(&user, &token_url, &path, &["--force"]).ok();
    assert!(key.exists(), "the first write creates the key");
    settings::read(&path, &key_of(&user)).unwrap();
}
