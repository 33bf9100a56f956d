//! Many hosts, one grant: the settings document in a real OpenBao (KV v2),
//! renewals coordinated by Vault's own check-and-set. Each "host" is a
//! separate process tree with its own HOME and config dir: no shared files.

use crate::common::*;
use oauth_setup::settings::{self, KeySource, Replace, Store};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

pub(crate) use crate::common::bao::{Bao, ROOT, free_port, store_at, which};

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn refreshes(idp: &Idp) -> usize {
    idp.requests()
        .into_iter()
        .filter(|(g, _)| g == "refresh_token")
        .count()
}

/// Signs in through the browser flow into a file, then puts that grant in
/// Vault with its access token already expired.
pub(crate) fn expired_grant_in_vault(idp: &Idp, bao: &Bao, location: &str) {
    let user = User::new();
    let file = user.path("laptop.json");
    user.login_code(idp, &file).ok();
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    let mut s = settings::read(&file, &key).unwrap();
    s.meta.expires_at = Some(settings::now_unix() - 3600);
    rt().block_on(bao.store(location, ROOT).save(&s, Replace::Readable))
        .unwrap();
}

/// One simulated host: its own HOME and config dir, Vault by environment.
pub(crate) fn host(bao: &Bao) -> User {
    let u = User::new();
    std::fs::write(u.path(".vault-token"), ROOT).unwrap();
    let _ = &bao.addr;
    u
}

pub(crate) fn token_cmd(u: &User, bao: &Bao, location: &str) -> Command {
    let mut c = u.cmd();
    c.args(["token", "--settings", location])
        .env("VAULT_ADDR", &bao.addr)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn three_hosts_ninety_processes_one_refresh() {
    let idp = Idp::start(&["--rotate", "--ttl", "3600", "--refresh-ttl", "3600"]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/crm";
    expired_grant_in_vault(&idp, &bao, location);
    let before = refreshes(&idp);

    let hosts: Vec<User> = (0..3).map(|_| host(&bao)).collect();
    let start = Instant::now();
    let children: Vec<Child> = hosts
        .iter()
        .flat_map(|h| (0..30).map(|_| token_cmd(h, &bao, location).spawn().unwrap()))
        .collect();
    let outs: Vec<Out> = children
        .into_iter()
        .map(|c| Out::from(c.wait_with_output().unwrap()))
        .collect();
    eprintln!("3 hosts x 30 `token` on Vault took {:?}", start.elapsed());

    for o in &outs {
        assert_eq!(o.code, 0, "a `token` call failed: {o:#?}");
    }
    let first = outs[0].stdout.trim().to_string();
    assert_eq!(first.split('.').count(), 3, "a JWT: {first}");
    assert!(
        outs.iter().all(|o| o.stdout.trim() == first),
        "all 90 print the same token"
    );
    assert_eq!(refreshes(&idp) - before, 1, "exactly one refresh grant");
    // The document in Vault is whole and holds the renewed token.
    let s = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    assert!(s.meta.expires_at.unwrap() > settings::now_unix() + 600);
    let lock = bao.ok(&["kv", "get", "-field=holder", "secret/oauth/crm.lock"]);
    assert_eq!(lock, "", "the lock is released");
}

#[test]
fn a_dead_lock_holder_is_taken_over_after_its_deadline() {
    let idp = Idp::start(&["--rotate", "--ttl", "3600", "--refresh-ttl", "3600"]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/dead";
    expired_grant_in_vault(&idp, &bao, location);
    // A host took the lock and was killed before renewing: its entry stays
    // until its deadline, 2 s after Vault wrote it (`ttl_ms`, on Vault's
    // clock; `until` is the holder's own clock, for people).
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    };
    let until = now_ms() + 2000;
    let entry = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        entry.path(),
        serde_json::json!({"holder": "killed-host:1:abc", "until": until, "ttl_ms": 2000})
            .to_string(),
    )
    .unwrap();
    bao.ok(&[
        "kv",
        "put",
        "secret/oauth/dead.lock",
        &format!("@{}", entry.path().display()),
    ]);
    let before = refreshes(&idp);
    let h = host(&bao);
    let out = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(out.code, 0, "{out:#?}");
    let late = now_ms() - until;
    assert!(
        late >= 0,
        "it renewed {}ms before the dead holder's deadline",
        -late
    );
    assert_eq!(refreshes(&idp) - before, 1);
}

#[test]
fn a_stale_writer_gets_a_conflict_and_overwrites_nothing() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/stale";
    expired_grant_in_vault(idp, &bao, location);
    let a = bao.store(location, ROOT);
    let b = bao.store(location, ROOT);
    let rt = rt();
    let mut sa = rt.block_on(a.load()).unwrap();
    let mut sb = rt.block_on(b.load()).unwrap();
    sa.meta.scopes = vec!["from-a".into()];
    rt.block_on(a.save(&sa, Replace::Readable)).unwrap();
    sb.meta.scopes = vec!["from-b".into()];
    let e = rt.block_on(b.save(&sb, Replace::Readable)).unwrap_err();
    assert!(e.to_string().contains("check-and-set conflict"), "{e}");
    let now = rt.block_on(bao.store(location, ROOT).load()).unwrap();
    assert_eq!(now.meta.scopes, vec!["from-a".to_string()]);
}

#[test]
fn wrong_token_missing_mount_foreign_entry_and_no_server_are_clear() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/errs";
    expired_grant_in_vault(idp, &bao, location);
    let h = User::new();
    let run = |loc: &str, env: &[(&str, &str)]| {
        let mut c = h.cmd();
        c.args(["token", "--settings", loc]);
        for (k, v) in env {
            c.env(k, v);
        }
        Out::from(c.output().unwrap())
    };
    let addr = bao.addr.as_str();

    let o = run(
        location,
        &[("VAULT_ADDR", addr), ("VAULT_TOKEN", "not-a-token")],
    );
    assert_eq!(o.code, 3, "{o:#?}");
    assert!(
        o.stderr
            .contains("denied read on vault://secret/oauth/errs"),
        "{}",
        o.stderr
    );

    let o = run(
        "vault://nomount/x",
        &[("VAULT_ADDR", addr), ("VAULT_TOKEN", ROOT)],
    );
    assert_eq!(o.code, 3, "{o:#?}");
    assert!(
        o.stderr.contains("no KV v2 mount `nomount`"),
        "{}",
        o.stderr
    );

    bao.ok(&["kv", "put", "secret/oauth/foreign", "hello=world"]);
    let o = run(
        "vault://secret/oauth/foreign",
        &[("VAULT_ADDR", addr), ("VAULT_TOKEN", ROOT)],
    );
    assert_eq!(o.code, 3, "{o:#?}");
    assert!(
        o.stderr.contains("not an oauth-setup settings file"),
        "{}",
        o.stderr
    );

    let dead = format!("http://127.0.0.1:{}", free_port());
    let o = run(location, &[("VAULT_ADDR", &dead), ("VAULT_TOKEN", ROOT)]);
    assert_eq!(o.code, 6, "{o:#?}");
    assert!(o.stderr.contains("VAULT_ADDR"), "{}", o.stderr);

    let o = run(location, &[("VAULT_TOKEN", ROOT)]);
    assert_eq!(o.code, 3, "{o:#?}");
    assert!(o.stderr.contains("set VAULT_ADDR"), "{}", o.stderr);
    // Nothing was written by any of these.
    let v = bao.ok(&["kv", "metadata", "get", "-format=json", "secret/oauth/errs"]);
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["data"]["current_version"], 1, "{v}");
}

#[test]
fn approle_end_to_end_with_the_readme_policy() {
    let idp = Idp::start(&["--ttl", "3600"]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/fleet";
    expired_grant_in_vault(&idp, &bao, location);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.hcl");
    std::fs::write(
        &policy,
        include_str!("../../assets/vault/policy.hcl").replace("PATH", "oauth/fleet"),
    )
    .unwrap();
    bao.ok(&["policy", "write", "oauth-fleet", policy.to_str().unwrap()]);
    bao.ok(&["auth", "enable", "approle"]);
    bao.ok(&[
        "write",
        "auth/approle/role/fleet",
        "token_policies=oauth-fleet",
    ]);
    let role_id = bao.ok(&["read", "-field=role_id", "auth/approle/role/fleet/role-id"]);
    let secret_id = bao.ok(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/fleet/secret-id",
    ]);
    let h = User::new();
    let secret_file = h.path("secret-id");
    std::fs::write(&secret_file, secret_id).unwrap();
    let out = Out::from(
        h.cmd()
            .args(["token", "--settings", location])
            .env("VAULT_ADDR", &bao.addr)
            .env("OAUTH_SETUP_VAULT_ROLE_ID", &role_id)
            .env("OAUTH_SETUP_VAULT_SECRET_ID_FILE", &secret_file)
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(out.stdout.trim().split('.').count(), 3);
    // The policy is exact: the same role cannot read a neighbour.
    let other = "vault://secret/oauth/other";
    expired_grant_in_vault(&idp, &bao, other);
    let out = Out::from(
        h.cmd()
            .args(["token", "--settings", other])
            .env("VAULT_ADDR", &bao.addr)
            .env("OAUTH_SETUP_VAULT_ROLE_ID", &role_id)
            .env("OAUTH_SETUP_VAULT_SECRET_ID_FILE", &secret_file)
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 3, "{out:#?}");
}
