//! The key in the OS keyring: a real Secret Service (gnome-keyring on a
//! D-Bus session bus of this test binary's own), and no silent fallback to
//! a key file when the keyring is missing.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

/// A session bus with an unlocked gnome-keyring on it, for the whole test
/// binary: `dbus-run-session` ends the bus (and the keyring with it) when
/// our end of its stdin pipe closes, that is when the test binary exits.
struct SecretService {
    address: String,
    _session: Child,
    _stdin: ChildStdin,
    _home: tempfile::TempDir,
}

/// Starts the keyring and waits until it owns `org.freedesktop.secrets`.
const SESSION: &str = r#"
printf 'ADDRESS=%s\n' "$DBUS_SESSION_BUS_ADDRESS"
printf %s "keyring-test-password" | gnome-keyring-daemon --daemonize --unlock --components=secrets 2>&1 >/dev/null || exit 1
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; then
    echo READY
    exec cat >/dev/null
  fi
  sleep 0.1
done
echo "gnome-keyring-daemon never took org.freedesktop.secrets"
exit 1
"#;

fn secret_service() -> &'static SecretService {
    static SHARED: OnceLock<SecretService> = OnceLock::new();
    SHARED.get_or_init(SecretService::start)
}

impl SecretService {
    /// A session of the caller's own, ended when it is dropped.
    fn start() -> SecretService {
        for tool in ["dbus-run-session", "dbus-send", "gnome-keyring-daemon"] {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "`{tool}` is missing: apt-get install dbus gnome-keyring (scripts/test.sh does)"
            );
        }
        let home = tempfile::tempdir().unwrap();
        let runtime = home.path().join("run");
        std::fs::create_dir(&runtime).unwrap();
        set_mode(&runtime, 0o700);
        let mut session = Command::new("dbus-run-session")
            .args(["--", "sh", "-c", SESSION])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", home.path().join("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // dbus-daemon complains of fd limits it cannot raise; the
            // script's own errors come on stdout.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-run-session");
        let stdin = session.stdin.take().unwrap();
        let mut lines = BufReader::new(session.stdout.take().unwrap()).lines();
        let (mut address, mut said, mut ready) = (None, String::new(), false);
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(a) = line.strip_prefix("ADDRESS=") {
                address = Some(a.to_string());
            } else if line == "READY" {
                ready = true;
                break;
            } else {
                said.push_str(&line);
                said.push('\n');
            }
        }
        assert!(ready, "the Secret Service did not start:\n{said}");
        let address = address.expect("the session bus did not start");
        assert!(!address.is_empty(), "the session bus has no address");
        SecretService {
            address,
            _session: session,
            _stdin: stdin,
            _home: home,
        }
    }
}

/// The code sign-in with `env` added (the bus, a chosen store).
fn login(user: &User, settings: &Path, env: &[(&str, &str)]) -> Out {
    let idp = Idp::shared(&[]);
    let s = settings.to_string_lossy();
    let args = [
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--scopes",
        "openid offline_access",
        "--settings",
        &s,
        "--json",
    ];
    user.run_env(&args, env)
}

fn bus() -> (&'static str, &'static str) {
    (
        "DBUS_SESSION_BUS_ADDRESS",
        secret_service().address.as_str(),
    )
}

fn key_file(user: &User) -> std::path::PathBuf {
    user.config().join("key")
}

#[test]
fn keyring_chosen_without_a_session_bus_fails_clearly_and_writes_no_key() {
    let user = User::new();
    let s = user.config().join("settings/conn.json");
    // No DBUS_SESSION_BUS_ADDRESS (the harness clears the environment).
    let out = login(
        &user,
        Path::new("conn"),
        &[("OAUTH_SETUP_KEY_STORE", "keyring")],
    );
    assert_eq!(out.code, 3, "{out:#?}");
    for words in [
        "OS keyring is not available",
        "DBUS_SESSION_BUS_ADDRESS is not set",
        "gnome-keyring-daemon",
        "--key-store file",
        "no key file is used instead",
    ] {
        assert!(out.stderr.contains(words), "{words:?} in {}", out.stderr);
    }
    assert!(!key_file(&user).exists(), "a key file was created");
    assert!(!s.exists(), "settings were written");
}

#[test]
fn keyring_chosen_on_a_bus_without_secret_service_fails_clearly() {
    let user = User::new();
    let conf = user.path("bus.conf");
    std::fs::write(
        &conf,
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
"#,
    )
    .unwrap();
    // A bus with no service files: nothing can be activated on it.
    let mut daemon = Command::new("dbus-daemon")
        .args(["--nofork", "--print-address=1"])
        .arg(format!("--config-file={}", conf.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (apt-get install dbus)");
    let mut address = String::new();
    BufReader::new(daemon.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    let bus = ("DBUS_SESSION_BUS_ADDRESS", address.trim());
    let s = user.config().join("settings/conn.json");
    let out = login(
        &user,
        Path::new("conn"),
        &[bus, ("OAUTH_SETUP_KEY_STORE", "keyring")],
    );
    let status = user.run_env(
        &["--key-store", "keyring", "status", "--settings", "conn"],
        &[bus],
    );
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr
            .contains("no Secret Service runs on the D-Bus session bus"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--key-store file"), "{}", out.stderr);
    assert_eq!(status.code, 3, "{status:#?}");
    assert!(
        status.stderr.contains("OS keyring is not available"),
        "{status:#?}"
    );
    assert!(!key_file(&user).exists(), "a key file was created");
    assert!(!s.exists(), "settings were written");
}

#[test]
fn login_with_the_keyring_then_token_works_and_no_key_file_exists() {
    let user = User::new();
    let s = user.config().join("settings/conn.json");
    login(
        &user,
        Path::new("conn"),
        &[bus(), ("OAUTH_SETUP_KEY_STORE", "keyring")],
    )
    .ok();
    assert!(!key_file(&user).exists(), "a key file was created");
    assert!(s.exists());

    // The store is recorded: later commands need no flag.
    let token = user
        .run_env(&["token", "--settings", "conn"], &[bus()])
        .ok();
    assert!(!token.stdout.trim().is_empty());
    let status = user
        .run_env(&["status", "--settings", "conn"], &[bus()])
        .ok();
    assert!(
        status.stdout.contains("OS keyring (Secret Service)"),
        "{}",
        status.stdout
    );
    let json = user
        .run_env(&["status", "--settings", "conn", "--json"], &[bus()])
        .ok()
        .json();
    assert_eq!(json["key_store"], "keyring", "{json}");

    // The keyring gone: an error, never a key file instead.
    let out = user.run(&["token", "--settings", "conn"]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr.contains("OS keyring is not available"),
        "{out:#?}"
    );
    // Asking for the file store beside a keyring key would start a second key.
    let other = user.config().join("settings/other.json");
    let out = login(
        &user,
        Path::new("other"),
        &[bus(), ("OAUTH_SETUP_KEY_STORE", "file")],
    );
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(!other.exists(), "settings were written");
    assert!(out.stderr.contains("key move --to file"), "{out:#?}");
    assert!(!key_file(&user).exists(), "a key file was created");
    // A key given another way besides the keyring is a usage error.
    let out = user.run_env(
        &["token", "--settings", "conn"],
        &[
            bus(),
            ("OAUTH_SETUP_KEY_STORE", "keyring"),
            ("OAUTH_SETUP_KEY", &"ab".repeat(32)),
        ],
    );
    assert_eq!(out.code, 2, "{out:#?}");
}

#[test]
fn key_move_both_ways_keeps_the_settings_readable() {
    let user = User::new();
    let s = user.config().join("settings/conn.json");
    login(&user, Path::new("conn"), &[]).ok();
    assert!(s.exists());
    let key_text = std::fs::read_to_string(key_file(&user)).unwrap();
    let token = user.run(&["token", "--settings", "conn"]).ok().stdout;

    // No keyring: the move fails and the key file stays.
    let out = user.run(&["key", "move", "--to", "keyring"]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(
        out.stderr.contains("OS keyring is not available"),
        "{out:#?}"
    );
    assert_eq!(std::fs::read_to_string(key_file(&user)).unwrap(), key_text);
    user.run(&["token", "--settings", "conn"]).ok();

    let out = user
        .run_env(&["key", "move", "--to", "keyring"], &[bus()])
        .ok();
    assert!(out.stdout.contains("Moved the key"), "{out:#?}");
    assert!(!key_file(&user).exists(), "the key file is still there");
    let again = user
        .run_env(&["token", "--settings", "conn"], &[bus()])
        .ok();
    assert_eq!(
        again.stdout, token,
        "the same cached token, read with the moved key"
    );
    let status = user
        .run_env(&["status", "--settings", "conn"], &[bus()])
        .ok();
    assert!(status.stdout.contains("OS keyring"), "{}", status.stdout);
    // A second move is a no-op that says so.
    let out = user
        .run_env(&["key", "move", "--to", "keyring"], &[bus()])
        .ok();
    assert!(out.stdout.contains("already in the OS keyring"), "{out:#?}");

    let out = user
        .run_env(&["key", "move", "--to", "file"], &[bus()])
        .ok();
    assert!(out.stdout.contains("Moved the key"), "{out:#?}");
    assert_eq!(std::fs::read_to_string(key_file(&user)).unwrap(), key_text);
    assert_eq!(
        user.run(&["token", "--settings", "conn"]).ok().stdout,
        token
    );
    let status = user
        .run(&["status", "--settings", "conn", "--json"])
        .ok()
        .json();
    assert_eq!(status["key_store"], "file", "{status}");
    // The keyring copy is gone: the keyring now holds no key for this dir.
    let out = user.run_env(
        &["--key-store", "keyring", "status", "--settings", "conn"],
        &[bus()],
    );
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("the keyring holds none"), "{out:#?}");
    // The bus library logs at trace level too: never the key.
    let log = std::fs::read_to_string(user.log_file()).unwrap();
    assert!(
        log.contains("zbus") || log.contains("keyring"),
        "nothing logged"
    );
    assert!(!log.contains(key_text.trim()), "the key is in the log");
}

#[test]
fn a_locked_keyring_is_an_error_not_a_file() {
    let own = SecretService::start();
    let bus = ("DBUS_SESSION_BUS_ADDRESS", own.address.as_str());
    let user = User::new();
    login(
        &user,
        Path::new("conn"),
        &[bus, ("OAUTH_SETUP_KEY_STORE", "keyring")],
    )
    .ok();
    let locked = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &own.address)
        .output()
        .unwrap();
    assert!(locked.status.success(), "{locked:?}");
    // No display: the unlock prompt cannot open, and the keyring says no.
    let out = user.run_env(&["token", "--settings", "conn"], &[bus]);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("locked or refused access"), "{out:#?}");
    assert!(out.stderr.contains("--key-store file"), "{out:#?}");
    assert!(!key_file(&user).exists(), "a key file was created");
}

#[test]
fn two_first_sign_ins_at_once_agree_on_one_keyring_key() {
    let user = User::new();
    let env = [bus(), ("OAUTH_SETUP_KEY_STORE", "keyring")];
    std::thread::scope(|s| {
        let a = s.spawn(|| login(&user, Path::new("a"), &env));
        let b = s.spawn(|| login(&user, Path::new("b"), &env));
        a.join().unwrap().ok();
        b.join().unwrap().ok();
    });
    for name in ["a", "b"] {
        user.run_env(&["token", "--settings", name], &[bus()]).ok();
    }
    assert!(!key_file(&user).exists(), "a key file was created");
}
