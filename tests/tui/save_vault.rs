//! The Save screen's second destination: a Vault / OpenBao path, against a
//! real OpenBao (`bao server -dev`). The path and its lock are read before
//! anything is written; every refusal is said in the form's words and
//! writes nothing.

use crate::common::bao::{Bao, ROOT, free_port};
use crate::common::test_name;
use crate::driver::{Driver, profiles, saved, start_provider};
use crossterm::event::KeyCode;
use oauth_setup::settings::{SettingsError, Store};
use oauth_setup::tui::{Phase, Screen};
use std::path::Path;
use tui_input::Input;

const LOCATION: &str = "vault://secret/oauth-setup/cvent";
/// Set in the child process of `a_token_from_the_environment_is_used`.
const CHILD_ENV: &str = "OAUTH_SETUP_TEST_VAULT_TOKEN_CHILD";

/// An AppRole whose policy covers `secret/oauth-setup/*` (and a mount that
/// does not exist), with its secret ID in a file; (role ID, file).
fn approle(bao: &Bao, dir: &Path) -> (String, std::path::PathBuf) {
    let policy = dir.join("policy.hcl");
    std::fs::write(
        &policy,
        r#"
path "secret/data/oauth-setup/*" { capabilities = ["read", "create", "update"] }
path "nomount/data/*" { capabilities = ["read", "create", "update"] }
"#,
    )
    .unwrap();
    bao.ok(&["policy", "write", "wizard", policy.to_str().unwrap()]);
    bao.ok(&["auth", "enable", "approle"]);
    bao.ok(&["write", "auth/approle/role/wizard", "token_policies=wizard"]);
    let role_id = bao.ok(&["read", "-field=role_id", "auth/approle/role/wizard/role-id"]);
    let secret_id = bao.ok(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/wizard/secret-id",
    ]);
    let file = dir.join("secret-id");
    std::fs::write(&file, secret_id).unwrap();
    (role_id, file)
}

/// Cvent by client credentials, signed in and tested: on Save.
fn at_save(d: &mut Driver) {
    d.typed("cv");
    for _ in 0..4 {
        d.key(KeyCode::Enter);
    }
    d.at(Screen::Credentials);
    d.paste("cvent-vault-client");
    d.key(KeyCode::Enter);
    d.paste("cvent-client-secret");
    d.key(KeyCode::Enter);
    d.settle("sign-in, test call", |s| s.screen == Screen::Save);
}

fn stored(bao: &Bao, location: &str) -> Result<oauth_setup::settings::Settings, SettingsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bao.store(location, ROOT).load())
}

/// Enter on the form, and the failure it ends in.
fn refused(d: &mut Driver) -> String {
    d.key(KeyCode::Enter);
    d.settle("the refusal", saved);
    match d.state.save.phase.clone() {
        Phase::Failed(m) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn saved_to_openbao_with_approle_tested_first() {
    let bao = Bao::start();
    let dir = tempfile::tempdir().unwrap();
    let (role_id, secret_file) = approle(&bao, dir.path());
    let base = start_provider();
    let mut d = Driver::launch(profiles(&base), dir.path());
    at_save(&mut d);

    // Save to: a Vault / OpenBao path; the address, the path as offered,
    // AppRole with its role ID and secret ID file.
    d.key(KeyCode::Up);
    d.key(KeyCode::Right);
    d.key(KeyCode::Tab);
    d.apply(crate::fixtures::ctrl('u'));
    d.paste(&bao.addr);
    d.key(KeyCode::Tab);
    assert_eq!(d.state.save.vault.path.value(), LOCATION);
    d.key(KeyCode::Tab);
    d.key(KeyCode::Right);
    d.key(KeyCode::Tab);
    d.paste(&role_id);
    d.key(KeyCode::Tab);
    d.paste(&secret_file.to_string_lossy());
    let screen = crate::journeys::draw(&d.state, 80, 24);
    assert!(screen.contains("[a Vault / OpenBao path]"), "{screen}");
    assert!(screen.contains("[AppRole]"), "{screen}");
    d.key(KeyCode::Enter);
    d.settle("save to Vault", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    let s = d.state.save.saved.clone().unwrap();
    assert_eq!(s.location, LOCATION);
    assert_eq!(s.settings_arg, LOCATION);
    assert!(
        s.env.iter().any(|e| e.contains("VAULT_ADDR=")),
        "{:?}",
        s.env
    );
    assert!(s.env.iter().any(|e| e.contains(&role_id)), "{:?}", s.env);
    let all = crate::journeys::draw(&d.state, 100, 40);
    assert!(all.contains("These commands need VAULT_ADDR="), "{all}");

    // In Vault, whole and valid; and it works from the command line.
    let doc = stored(&bao, LOCATION).expect("the document in Vault");
    assert_eq!(doc.meta.client_id.as_deref(), Some("cvent-vault-client"));
    let out = std::process::Command::new(crate::common::bin())
        .arg("--config-dir")
        .arg(dir.path())
        .args(["test", "--settings", LOCATION])
        .env("VAULT_ADDR", &bao.addr)
        .env("OAUTH_SETUP_VAULT_ROLE_ID", &role_id)
        .env("OAUTH_SETUP_VAULT_SECRET_ID_FILE", &secret_file)
        .env_remove("VAULT_TOKEN")
        .env_remove("BAO_TOKEN")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A session on Save with Vault and AppRole chosen (set directly: the keys
/// for them are exercised above).
fn approle_session(base: &str, dir: &Path, role_id: &str, secret_file: &Path) -> Driver {
    let mut d = Driver::launch(profiles(base), dir);
    at_save(&mut d);
    d.key(KeyCode::Up);
    d.key(KeyCode::Right);
    d.state.save.vault.approle = true;
    d.state.save.vault.role_id = Input::new(role_id.to_string());
    d.state.save.vault.secret_id_file = Input::new(secret_file.to_string_lossy().into_owned());
    d
}

/// Each refusal in the form's words, nothing written; then a path that
/// holds a connection is replaced only on r (Vault keeps the old version).
#[test]
fn refusals_in_form_words_and_a_taken_path() {
    let bao = Bao::start();
    let dir = tempfile::tempdir().unwrap();
    let (role_id, secret_file) = approle(&bao, dir.path());
    let base = start_provider();
    let mut d = approle_session(&base, dir.path(), &role_id, &secret_file);
    let vault = |d: &mut Driver, addr: &str, path: &str| {
        d.state.save.vault.addr = Input::new(addr.to_string());
        d.state.save.vault.path = Input::new(path.to_string());
    };
    let dead = format!("http://127.0.0.1:{}", free_port());
    vault(&mut d, &dead, "vault://secret/oauth-setup/other");
    let m = refused(&mut d);
    assert!(
        m.contains("No answer from Vault at") && m.contains("check the Vault address"),
        "{m}"
    );

    vault(&mut d, &bao.addr, "vault://secret/elsewhere/cvent");
    let m = refused(&mut d);
    assert!(
        m.contains("Vault refused the token")
            && m.contains("secret/data/elsewhere/cvent")
            && m.contains(".lock"),
        "{m}"
    );
    assert!(matches!(
        stored(&bao, "vault://secret/elsewhere/cvent"),
        Err(SettingsError::NotFound { .. })
    ));

    vault(&mut d, &bao.addr, "vault://nomount/cvent");
    let m = refused(&mut d);
    assert!(m.contains("no KV v2 engine at `nomount`"), "{m}");

    bao.ok(&[
        "kv",
        "put",
        "secret/oauth-setup/foreign",
        "owner=someone-else",
    ]);
    vault(&mut d, &bao.addr, "vault://secret/oauth-setup/foreign");
    let m = refused(&mut d);
    assert!(m.contains("not oauth-setup settings"), "{m}");
    let foreign = bao.ok(&["kv", "get", "-field=owner", "secret/oauth-setup/foreign"]);
    assert_eq!(foreign, "someone-else", "never written over");

    vault(&mut d, &bao.addr, "secret/oauth-setup/cvent");
    let m = refused(&mut d);
    assert!(m.contains("vault://MOUNT/PATH"), "{m}");
    let screen = crate::journeys::draw(&d.state, 80, 24);
    assert!(screen.contains("Not saved"), "{screen}");

    vault(&mut d, &bao.addr, LOCATION);
    d.key(KeyCode::Enter);
    d.settle("the first save", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);

    let mut d = approle_session(&base, dir.path(), &role_id, &secret_file);
    vault(&mut d, &bao.addr, LOCATION);
    d.key(KeyCode::Enter);
    d.settle("the question", |s| s.save.taken.is_some() || saved(s));
    let t = d.state.save.taken.clone().expect("asks before replacing");
    assert!(t.free_name.is_none());
    assert!(t.holds.contains("cvent"), "{}", t.holds);
    let screen = crate::journeys::draw(&d.state, 80, 24);
    assert!(screen.contains("Vault keeps the old version"), "{screen}");
    d.key(KeyCode::Char('r'));
    d.settle("replaced", saved);
    assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    let versions = bao.ok(&[
        "kv",
        "metadata",
        "get",
        "-format=json",
        "secret/oauth-setup/cvent",
    ]);
    let v: serde_json::Value = serde_json::from_str(&versions).unwrap();
    assert_eq!(v.pointer("/data/current_version").unwrap(), 2, "{v}");
}

/// With "token", the Vault conventions decide: here `VAULT_TOKEN` (in a
/// child process, whose environment can be set).
#[test]
fn a_token_from_the_environment_is_used() {
    let bao = Bao::start();
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &test_name(module_path!(), "token_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", ROOT)
        .env("HOME", home.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
    let doc = stored(&bao, LOCATION).expect("the document in Vault");
    assert_eq!(doc.meta.client_id.as_deref(), Some("cvent-vault-client"));

    // A wrong token: a 403 in words, nothing written.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &test_name(module_path!(), "token_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "wrong")
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", "not-a-token")
        .env("HOME", home.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
}

#[test]
fn token_child() {
    let Some(mode) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let base = start_provider();
    let mut d = Driver::launch(profiles(&base), dir.path());
    at_save(&mut d);
    d.key(KeyCode::Up);
    d.key(KeyCode::Right);
    // The address and the token's source come from the environment.
    assert_eq!(
        d.state.save.vault.addr.value(),
        std::env::var("VAULT_ADDR").unwrap()
    );
    let screen = crate::journeys::draw(&d.state, 80, 24);
    assert!(screen.contains("[token (VAULT_TOKEN)]"), "{screen}");
    d.key(KeyCode::Enter);
    d.settle("save to Vault", saved);
    if mode == "wrong" {
        let Phase::Failed(m) = d.state.save.phase.clone() else {
            panic!("a wrong token saved: {:?}", d.state.save.phase);
        };
        assert!(m.contains("Vault refused the token"), "{m}");
    } else {
        assert_eq!(d.state.save.phase, Phase::Done, "{:?}", d.state.save.phase);
    }
}
