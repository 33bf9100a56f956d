//! Commands on a Vault location: `login` and `import` put a grant there,
//! `status` and `test` read it, and each host's sealed cache serves a valid
//! token without Vault.

use super::vault::*;
use crate::common::*;
use oauth_setup::settings::{self, KeySource, Store};
use std::process::Command;

#[test]
fn the_host_cache_serves_valid_tokens_without_vault() {
    let idp = Idp::start(&["--ttl", "3600"]);
    let mut bao = Bao::start();
    let location = "vault://secret/oauth/cached";
    expired_grant_in_vault(&idp, &bao, location);
    let h = host(&bao);
    let first = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(first.code, 0, "{first:#?}");
    let addr = bao.addr.clone();
    let _ = bao.child.kill();
    let _ = bao.child.wait();

    // Valid in the cache: printed, Vault never asked (it is gone).
    let again = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(again.code, 0, "{again:#?}");
    assert_eq!(again.stdout, first.stdout);
    assert!(!again.stderr.contains("warning"), "{}", again.stderr);

    // Near expiry (inside the renewal margin) but not expired: Vault is
    // asked, cannot be reached, and the still-valid token is printed.
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &h.config(),
    )))
    .unwrap();
    let cache = crate::common::bao::host_cache(&h.config(), &addr, ROOT, location);
    let mut s = cache.read(&key).expect("the first call filled the cache");
    s.meta.expires_at = Some(settings::now_unix() + 20);
    s.meta.token_timestamp_ms = Some((settings::now_unix() - 3600) * 1000);
    cache.write(&key, &s);
    let near = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(near.code, 0, "{near:#?}");
    assert_eq!(near.stdout, first.stdout);
    assert!(
        near.stderr.contains("warning") && near.stderr.contains("VAULT_ADDR"),
        "{}",
        near.stderr
    );

    // Expired: nothing to fall back on; exit 6 naming VAULT_ADDR.
    s.meta.expires_at = Some(settings::now_unix() - 10);
    cache.write(&key, &s);
    let gone = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(gone.code, 6, "{gone:#?}");
    assert!(gone.stderr.contains("VAULT_ADDR"), "{}", gone.stderr);
    assert!(gone.stdout.is_empty());
}

#[test]
fn a_bundle_imported_into_vault_serves_the_fleet() {
    let idp = Idp::start(&["--ttl", "3600"]);
    let bao = Bao::start();
    let laptop = User::new();
    let file = laptop.path("laptop.json");
    laptop.login_code(&idp, &file).ok();
    let pass = laptop.path("pass");
    std::fs::write(&pass, "correct horse battery").unwrap();
    let bundle = laptop.path("crm.age");
    laptop
        .run_env(
            &[
                "export",
                "--settings",
                file.to_str().unwrap(),
                "--out",
                bundle.to_str().unwrap(),
                "--passphrase-file",
                pass.to_str().unwrap(),
            ],
            &[("OAUTH_SETUP_SCRYPT_LOG_N", "4")],
        )
        .ok();
    let location = "vault://secret/oauth/imported";
    let import = |force: bool| {
        let mut c = laptop.cmd();
        c.args([
            "import",
            bundle.to_str().unwrap(),
            "--settings",
            location,
            "--passphrase-file",
            pass.to_str().unwrap(),
        ])
        .env("VAULT_ADDR", &bao.addr)
        .env("VAULT_TOKEN", ROOT);
        if force {
            c.arg("--force");
        }
        Out::from(c.output().unwrap())
    };
    let first = import(false);
    assert_eq!(first.code, 0, "{first:#?}");
    assert!(
        first
            .stderr
            .contains("oauth-setup token --settings vault://secret/oauth/imported")
    );
    // A second import does not replace what is there without --force.
    let again = import(false);
    assert_eq!(again.code, 3, "{again:#?}");
    assert!(
        again.stderr.contains("already holds settings"),
        "{}",
        again.stderr
    );
    assert_eq!(import(true).code, 0);
    // Any host now gets the token from Vault.
    let h = host(&bao);
    let out = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(out.code, 0, "{out:#?}");
    let s = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    assert!(s.meta.imported);
    // status and test read the same location.
    let vault_env = [("VAULT_ADDR", bao.addr.as_str()), ("VAULT_TOKEN", ROOT)];
    let status = h
        .run_env(&["status", "--settings", location, "--json"], &vault_env)
        .ok()
        .json();
    assert_eq!(status["settings"], location);
    assert_eq!(status["provider"], "custom");
    assert_eq!(status["valid"], true);
    // The text says what protects the entry: Vault, not this host's key.
    let text = h
        .run_env(&["status", "--settings", location], &vault_env)
        .ok();
    assert!(
        !text.stdout.contains("Key:            default key file"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Protected by:   Vault")
            && text.stdout.contains("Vault's policies")
            && text.stdout.contains("seals only this host's cache"),
        "{}",
        text.stdout
    );
    let test = h
        .run_env(&["test", "--settings", location], &vault_env)
        .ok();
    assert!(test.stdout.starts_with("OK:"), "{}", test.stdout);
}

#[test]
fn login_straight_into_vault_and_no_wasted_sign_in_when_taken() {
    let idp = Idp::start(&["--ttl", "3600"]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/direct";
    let laptop = User::new();
    let vault_env = [("VAULT_ADDR", bao.addr.as_str()), ("VAULT_TOKEN", ROOT)];
    let login = |force: bool| {
        let mut args = vec![
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--settings",
            location,
        ];
        if force {
            args.push("--force");
        }
        laptop.run_env(&args, &vault_env)
    };
    let first = login(false);
    assert_eq!(first.code, 0, "{first:#?}");
    assert!(
        first.stderr.contains(&format!("--settings {location}")),
        "{}",
        first.stderr
    );
    let sign_ins = idp.requests().len();
    let again = login(false);
    assert_eq!(again.code, 3, "{again:#?}");
    assert!(
        again.stderr.contains("already holds settings"),
        "{}",
        again.stderr
    );
    assert_eq!(idp.requests().len(), sign_ins, "refused before any sign-in");
    assert!(
        again.stderr.contains("signed in as johndoe"),
        "{}",
        again.stderr
    );
    // `list` remembers the location and reads it through Vault.
    let rows = laptop.run_env(&["list", "--json"], &vault_env).ok().json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["location"] == location)
        .unwrap_or_else(|| panic!("{rows}"))
        .clone();
    assert_eq!(row["provider"], "custom", "{row}");
    assert_eq!(row["account"], "johndoe", "{row}");
    assert_eq!(login(true).code, 0);
    // The secret serves a host first; then `logout --local-only` removes it
    // without revoking (as for a file) and `list` forgets it.
    let h = host(&bao);
    let out = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(out.code, 0, "{out:#?}");
    let gone = laptop
        .run_env(
            &["logout", "--settings", location, "--local-only"],
            &vault_env,
        )
        .ok();
    assert!(gone.stderr.contains("Deleted"), "{}", gone.stderr);
    let rows = laptop.run_env(&["list", "--json"], &vault_env).ok().json();
    assert!(rows.as_array().unwrap().is_empty(), "{rows}");
}

/// `login` (browser flow) straight into `location`.
fn login_into_vault(idp: &Idp, bao: &Bao, location: &str) -> User {
    let laptop = User::new();
    laptop
        .run_env(
            &[
                "login",
                "custom",
                "--issuer",
                &idp.issuer,
                "--client-id",
                "app-1",
                "--scopes",
                "openid offline_access",
                "--settings",
                location,
            ],
            &[("VAULT_ADDR", bao.addr.as_str()), ("VAULT_TOKEN", ROOT)],
        )
        .ok();
    laptop
}

/// Whether KV v2 still has anything (any version, or metadata) at `path`.
fn kv_has(bao: &Bao, path: &str) -> bool {
    Command::new("bao")
        .args(["kv", "metadata", "get", path])
        .env("BAO_ADDR", &bao.addr)
        .env("BAO_TOKEN", ROOT)
        .output()
        .unwrap()
        .status
        .success()
}

/// `export` of a Vault location as a bundle, imported into a file on
/// another machine (returned with that file).
fn bundle_into_a_file(laptop: &User, bao: &Bao, location: &str) -> (User, std::path::PathBuf) {
    let vault_env = [("VAULT_ADDR", bao.addr.as_str()), ("VAULT_TOKEN", ROOT)];
    let pass = laptop.path("pass");
    std::fs::write(&pass, "correct horse battery").unwrap();
    let bundle = laptop.path("leaving.age");
    let mut env_bundle = vault_env.to_vec();
    env_bundle.push(("OAUTH_SETUP_SCRYPT_LOG_N", "4"));
    laptop
        .run_env(
            &[
                "export",
                "--settings",
                location,
                "--out",
                bundle.to_str().unwrap(),
                "--passphrase-file",
                pass.to_str().unwrap(),
            ],
            &env_bundle,
        )
        .ok();
    let server = User::new();
    let file = server.path("imported.json");
    server
        .run(&[
            "import",
            bundle.to_str().unwrap(),
            "--settings",
            file.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ])
        .ok();
    let status = server
        .run(&["status", "--settings", file.to_str().unwrap(), "--json"])
        .ok()
        .json();
    assert_eq!(status["client_id"], "app-1", "{status}");

    (server, file)
}

#[test]
fn export_reads_vault_and_logout_deletes_every_version_and_the_lock() {
    let idp = Idp::start(&["--ttl", "3600"]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/leaving";
    let laptop = login_into_vault(&idp, &bao, location);
    // A second version, and a lock entry, as renewals leave them.
    let s = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    rt().block_on(
        bao.store(location, ROOT)
            .replace(&s, settings::Replace::Readable),
    )
    .unwrap();
    assert!(kv_has(&bao, "secret/oauth/leaving.lock"));
    let vault_env = [("VAULT_ADDR", bao.addr.as_str()), ("VAULT_TOKEN", ROOT)];

    // env: the service is pointed at Vault (no file, no key, no Vault token).
    let env = laptop
        .run_env(
            &["export", "--settings", location, "--format", "env"],
            &vault_env,
        )
        .ok()
        .stdout;
    assert!(
        env.contains(&format!("OAUTH_SETUP_SETTINGS=\"{location}\"")),
        "{env}"
    );
    assert!(
        env.contains(&format!("VAULT_ADDR=\"{}\"", bao.addr)),
        "{env}"
    );
    assert!(!env.contains("OAUTH_SETUP_KEY="), "{env}");
    assert_no_secret("env export", &env, &[ROOT]);
    // k8s-secret: the location and the server, no settings file.
    let yaml = laptop
        .run_env(
            &["export", "--settings", location, "--format", "k8s-secret"],
            &vault_env,
        )
        .ok()
        .stdout;
    let keys: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(keys, ["OAUTH_SETUP_SETTINGS", "VAULT_ADDR"], "{yaml}");
    assert_no_secret("k8s export", &yaml, &[ROOT]);
    // bundle: what Vault holds, imported on another machine.
    let (server, file) = bundle_into_a_file(&laptop, &bao, location);

    // logout from a host with a cache of it: revoked, then everything gone.
    let h = host(&bao);
    assert_eq!(
        token_cmd(&h, &bao, location)
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    let cache_dir = oauth_setup::paths::vault_cache_dir(&h.config());
    assert_eq!(std::fs::read_dir(&cache_dir).unwrap().count(), 1);
    let out = h
        .run_env(
            &["logout", "--settings", location],
            &[("VAULT_ADDR", bao.addr.as_str())],
        )
        .ok();
    assert!(out.stderr.contains("Revoked at"), "{}", out.stderr);
    assert!(
        !kv_has(&bao, "secret/oauth/leaving"),
        "all versions and metadata"
    );
    assert!(!kv_has(&bao, "secret/oauth/leaving.lock"), "the lock");
    assert_eq!(
        std::fs::read_dir(&cache_dir).unwrap().count(),
        0,
        "the host cache"
    );
    // The grant is dead at the provider: the imported copy cannot renew.
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &server.config(),
    )))
    .unwrap();
    let mut doc = settings::read(&file, &key).unwrap();
    doc.meta.expires_at = Some(settings::now_unix() - 10);
    settings::replace(&file, &key, &doc, settings::Replace::Readable).unwrap();
    let after = server.run(&["token", "--settings", file.to_str().unwrap()]);
    assert_eq!(after.code, 4, "{after:#?}");
    // Nothing left to log out of.
    let again = h.run_env(
        &["logout", "--settings", location],
        &[("VAULT_ADDR", bao.addr.as_str())],
    );
    assert_eq!(again.code, 3, "{again:#?}");
    assert!(
        again.stderr.contains("nothing was deleted"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_failed_revocation_keeps_the_vault_entry_unless_local_only() {
    let idp = Idp::start(&["--fail-revoke"]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/kept";
    let laptop = login_into_vault(&idp, &bao, location);
    let vault_env = [("VAULT_ADDR", bao.addr.as_str()), ("VAULT_TOKEN", ROOT)];
    let out = laptop.run_env(&["logout", "--settings", location], &vault_env);
    assert_eq!(out.code, 5, "{out:#?}");
    assert!(
        out.stderr.contains("vault://secret/oauth/kept is kept"),
        "{}",
        out.stderr
    );
    let s = rt().block_on(bao.store(location, ROOT).load());
    assert!(s.is_ok(), "the only handle on a live grant is kept");
    // The lock it held is released: a renewal can take it at once.
    let store = bao.store(location, ROOT);
    let lock = rt().block_on(store.try_lock()).unwrap();
    rt().block_on(store.unlock(lock.expect("the lock is free")));
    let out = laptop
        .run_env(
            &["logout", "--settings", location, "--local-only"],
            &vault_env,
        )
        .ok();
    assert!(out.stderr.contains("Not revoking"), "{}", out.stderr);
    assert!(!kv_has(&bao, "secret/oauth/kept"));
    assert!(!kv_has(&bao, "secret/oauth/kept.lock"));
}
