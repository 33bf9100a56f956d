//! Commands on a Vault location: `login` and `import` put a grant there,
//! `status` and `test` read it, and each host's sealed cache serves a valid
//! token without Vault.

use super::vault::*;
use crate::common::*;
use oauth_setup::settings::{self, KeySource, Store};

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
    let cache = oauth_setup::settings::vault::HostCache::new(&h.config(), &addr, location);
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
    // This machine can forget it; the secret in Vault stays.
    let forgot = laptop
        .run_env(
            &["logout", "--settings", location, "--local-only"],
            &vault_env,
        )
        .ok();
    assert!(forgot.stderr.contains("untouched"), "{}", forgot.stderr);
    let rows = laptop.run_env(&["list", "--json"], &vault_env).ok().json();
    assert!(rows.as_array().unwrap().is_empty(), "{rows}");
    let h = host(&bao);
    let out = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(out.code, 0, "{out:#?}");
}
