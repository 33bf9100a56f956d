//! Which file signs for a client (private_key_jwt) is chosen on this
//! machine: a bundle that names the importing user's own app key gets no
//! signature from it, and a key file that is not a regular file (a FIFO)
//! is refused at once instead of hanging `token` under the settings lock.

use crate::common::*;
use crate::private_key_jwt::{Keys, cc_login};
use std::path::Path;
use std::time::{Duration, Instant};

const FAST_KDF: (&str, &str) = ("OAUTH_SETUP_SCRYPT_LOG_N", "4");
const PASSPHRASE: &str = "tr0ub4dor-and-3-horses";

/// A client-credentials connection for `victim-app` that signs with
/// `key_file`, exported as a bundle by another user.
fn bundle_naming(idp: &Idp, key_file: &str) -> (User, std::path::PathBuf) {
    let maker = User::new();
    let made = maker.path("m.json");
    cc_login(
        &maker,
        idp,
        "victim-app",
        &["--client-key-file", key_file],
        &made,
    )
    .ok();
    let bundle = maker.path("b.age");
    let pass = maker.path("pass.txt");
    std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
    maker
        .run_env(
            &[
                "export",
                "--settings",
                made.to_str().unwrap(),
                "--out",
                bundle.to_str().unwrap(),
                "--passphrase-file",
                pass.to_str().unwrap(),
            ],
            &[FAST_KDF],
        )
        .ok();
    (maker, bundle)
}

fn import(user: &User, bundle: &Path, settings: &Path, extra: &[&str]) -> Out {
    let mut args = vec![
        "import",
        bundle.to_str().unwrap(),
        "--settings",
        settings.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    user.run_env(&args, &[FAST_KDF, ("OAUTH_SETUP_PASSPHRASE", PASSPHRASE)])
}

fn recorded_key(settings: &Path) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(settings).unwrap()).unwrap();
    v["client_key"].clone()
}

/// Lets the bundle's 2 s token expire, so `token` must sign to renew.
fn expire() {
    std::thread::sleep(Duration::from_millis(2500));
}

#[test]
fn a_bundle_never_chooses_which_key_signs() {
    let keys = Keys::new();
    let idp = Idp::start_oidc(&["--ttl", "2", "--client", &keys.client("victim-app", "rsa")]);
    // The key is the importing user's own app key, registered for victim-app.
    let own_key = keys.arg("rsa.pem");
    let (_maker, bundle) = bundle_naming(&idp, &own_key);
    let victim = User::new();

    let s = victim.path("s.json");
    let out = import(&victim, &bundle, &s, &[]).ok();
    assert!(
        out.stderr.contains(&format!(
            "The bundle names a client key file ({own_key}): not kept"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--client-key-file"), "{}", out.stderr);
    assert!(recorded_key(&s).is_null(), "{:?}", recorded_key(&s));
    expire();
    let t = victim.run(&["token", "--settings", s.to_str().unwrap()]);
    assert_eq!(t.code, 3, "{t:#?}");
    assert!(
        t.stderr.contains("on this machine") && t.stderr.contains("OAUTH_SETUP_CLIENT_KEY_FILE"),
        "{}",
        t.stderr
    );
    // This machine's key, given when the token is renewed...
    victim
        .run_env(
            &["token", "--settings", s.to_str().unwrap()],
            &[("OAUTH_SETUP_CLIENT_KEY_FILE", &own_key)],
        )
        .ok();

    // ...or at import.
    let given = victim.path("given.json");
    let out = import(&victim, &bundle, &given, &["--client-key-file", &own_key]).ok();
    assert!(!out.stderr.contains("not kept"), "{}", out.stderr);
    assert_eq!(recorded_key(&given)["key_file"], own_key.as_str());

    // Kept only when asked, and said.
    let trusted = victim.path("trusted.json");
    let out = import(&victim, &bundle, &trusted, &["--trust-bundle-key-path"]).ok();
    assert!(
        out.stderr.contains(&format!(
            "Kept the client key path the bundle names, as --trust-bundle-key-path asked: this connection signs with {own_key}"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(recorded_key(&trusted)["key_file"], own_key.as_str());
}

#[test]
fn a_fifo_as_key_file_does_not_hang_token() {
    let keys = Keys::new();
    let idp = Idp::start_oidc(&["--ttl", "2", "--client", &keys.client("victim-app", "rsa")]);
    let spot = keys.path("spot.pem");
    std::fs::copy(keys.path("rsa.pem"), &spot).unwrap();
    let (_maker, bundle) = bundle_naming(&idp, spot.to_str().unwrap());
    // The named path is now a FIFO nobody writes to.
    std::fs::remove_file(&spot).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&spot)
        .status()
        .unwrap();
    assert!(made.success());
    let victim = User::new();
    let s = victim.path("s.json");
    import(&victim, &bundle, &s, &["--trust-bundle-key-path"]).ok();
    expire();
    let mut child = victim
        .cmd()
        .args(["token", "--settings", s.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`token` hung on a FIFO key file");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Out::from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    // The lock was let go: the next command does not wait for it.
    let status = victim.run(&["status", "--settings", s.to_str().unwrap()]);
    assert!(status.code == 0 || status.code == 3, "{status:#?}");
}
