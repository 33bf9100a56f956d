//! What a renewal records and how a refused one is told apart from one lost
//! to another process or host: a refresh token the provider refuses while a
//! newer one is already in the store (file or OpenBao) was used elsewhere,
//! not revoked, and the renewal goes on with the newer one.

use crate::common::bao::{Bao, ROOT};
use crate::common::*;
use oauth_setup::settings::{self, Replace, Settings, Store};
use secrecy::SecretString;
use std::path::Path;
use std::sync::{Arc, Mutex};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn token_reply(access: &str, refresh: &str, expires_in: i64) -> Reply {
    (
        200,
        "application/json",
        format!(
            r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{expires_in},"refresh_token":"{refresh}"}}"#
        ),
    )
}

/// What another host wrote: the grant renewed with `R2`, its access token
/// already expired again (so this host must renew too, with `R2`).
fn renewed_elsewhere(mut s: Settings) -> Settings {
    s.secrets.refresh_token = Some(SecretString::from("R2".to_string()));
    s.secrets.access_token = Some(SecretString::from("a-other".to_string()));
    s.meta.expires_at = Some(settings::now_unix() - 10);
    s.meta.token_timestamp_ms = Some(settings::now_ms());
    s
}

/// A provider that rotates: `R0` (the sign-in's) gives `R1`; `R1` is
/// refused as used — and just before refusing it, `elsewhere` plays the
/// other host that renewed with it first and wrote `R2` to the store; `R2`
/// gives `a2`.
fn rotating_provider(elsewhere: impl Fn() + Send + 'static) -> TestServer {
    let elsewhere = Mutex::new(Some(elsewhere));
    TestServer::start(move |r| {
        if r.body.contains("refresh_token=R0") {
            return token_reply("a1", "R1", 0);
        }
        if r.body.contains("refresh_token=R1") {
            if let Some(f) = elsewhere.lock().unwrap().take() {
                f();
            }
            return (
                400,
                "application/json",
                r#"{"error":"invalid_grant","error_description":"refresh token already used"}"#
                    .into(),
            );
        }
        if r.body.contains("refresh_token=R2") {
            return token_reply("a2", "R3", 3600);
        }
        if r.body.contains("refresh_token=R3") {
            return token_reply("a3", "R4", 3600);
        }
        (
            400,
            "application/json",
            r#"{"error":"invalid_grant","error_description":"unknown refresh token"}"#.into(),
        )
    })
}

/// A connection to `server` started from the refresh token `R0`, saved at
/// `settings` (its access token arrives expired).
fn connect(user: &User, server: &TestServer, settings: &str) {
    let token_url = format!("{}/token", server.url);
    let authorize_url = format!("{}/authorize", server.url);
    user.run_stdin(
        &[
            "login",
            "custom",
            "--authorize-url",
            &authorize_url,
            "--token-url",
            &token_url,
            "--client-id",
            "app-1",
            "--refresh-token-stdin",
            "--settings",
            settings,
        ],
        "R0\n",
    )
    .ok();
}

fn refresh_tokens_sent(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter_map(|r| {
            r.body
                .split('&')
                .find_map(|kv| kv.strip_prefix("refresh_token="))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn a_refresh_lost_to_another_process_is_not_a_revocation_on_a_file() {
    let user = User::new();
    let settings = user.path("shared.json");
    let path = settings.clone();
    let key_file = oauth_setup::paths::key_file(&user.config());
    let server = rotating_provider(move || {
        let key = settings::load_key(&settings::KeySource::Default(key_file.clone())).unwrap();
        let s = settings::read(&path, &key).unwrap();
        settings::write(&path, &key, &renewed_elsewhere(s)).unwrap();
    });
    let s = settings.to_str().unwrap();
    connect(&user, &server, s);

    let out = user.run(&["token", "--settings", s]);
    assert_eq!(out.code, 0, "no error: {out:#?}");
    assert_eq!(out.stdout.trim(), "a2", "renewed with the newer token");
    assert_eq!(refresh_tokens_sent(&server), ["R0", "R1", "R2"]);
    let doc = settings_of(&user, Path::new(s));
    let r = doc.meta.renewal.expect("the renewal is recorded");
    assert!(r.last_success.is_some(), "{r:?}");
    assert!(r.last_failure.is_none(), "a lost race is no failure: {r:?}");
    let list = user.run(&["list", "--json"]).ok().json();
    assert_ne!(list[0]["state"], "needs_sign_in", "{list}");
}

#[test]
fn a_refresh_lost_to_another_host_is_not_a_revocation_on_openbao() {
    let bao = Arc::new(Bao::start());
    let location = "vault://secret/oauth/shared";
    let user = User::new();
    let laptop = user.path("laptop.json");
    let other = bao.clone();
    let server = rotating_provider(move || {
        let store = other.store(location, ROOT);
        rt().block_on(async {
            let s = store.load().await.unwrap();
            store
                .save(&renewed_elsewhere(s), Replace::Readable)
                .await
                .unwrap();
        });
    });
    connect(&user, &server, laptop.to_str().unwrap());
    // The grant goes to Vault with its access token expired.
    let mut doc = settings_of(&user, &laptop);
    doc.meta.expires_at = Some(settings::now_unix() - 60);
    rt().block_on(bao.store(location, ROOT).save(&doc, Replace::Readable))
        .unwrap();

    let host = User::new();
    std::fs::write(host.path(".vault-token"), ROOT).unwrap();
    let out = host.run_env(
        &["token", "--settings", location],
        &[("VAULT_ADDR", bao.addr.as_str())],
    );
    assert_eq!(out.code, 0, "no error: {out:#?}");
    assert_eq!(out.stdout.trim(), "a2");
    assert_eq!(refresh_tokens_sent(&server), ["R0", "R1", "R2"]);
    let stored = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    let r = stored.meta.renewal.expect("recorded in Vault");
    assert!(
        r.last_success.is_some() && r.last_failure.is_none(),
        "{r:?}"
    );
}

/// And when nothing newer is in Vault, it is a revocation: said with the
/// last successful renewal and the host that made it.
#[test]
fn a_refused_grant_in_openbao_names_the_last_renewal_and_its_host() {
    let bao = Bao::start();
    let location = "vault://secret/oauth/refused";
    let server = rotating_provider(|| {});
    let user = User::new();
    let laptop = user.path("laptop.json");
    connect(&user, &server, laptop.to_str().unwrap());
    let mut doc = settings_of(&user, &laptop);
    doc.meta.expires_at = Some(settings::now_unix() - 60);
    // This grant was last renewed by another host; its refresh token (R1)
    // is the one the provider now refuses, with nothing newer in Vault.
    settings::renewal::record_success(&mut doc.meta);
    doc.meta
        .renewal
        .as_mut()
        .unwrap()
        .last_success
        .as_mut()
        .unwrap()
        .host = Some("worker-7".into());
    rt().block_on(bao.store(location, ROOT).save(&doc, Replace::Readable))
        .unwrap();

    let host = User::new();
    std::fs::write(host.path(".vault-token"), ROOT).unwrap();
    let out = host.run_env(
        &["token", "--settings", location],
        &[("VAULT_ADDR", bao.addr.as_str())],
    );
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(out.stderr.contains("revoked or expired"), "{}", out.stderr);
    assert!(
        out.stderr.contains("last renewed successfully") && out.stderr.contains("by worker-7"),
        "{}",
        out.stderr
    );
    let stored = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    let f = settings::renewal::dead_grant(&stored.meta).expect("the verdict is in Vault");
    assert!(f.reason.contains("refresh token already used"), "{f:?}");
    // Another host reads it from Vault and sends nothing.
    let sent = refresh_tokens_sent(&server).len();
    let again = User::new();
    std::fs::write(again.path(".vault-token"), ROOT).unwrap();
    let out = again.run_env(
        &["token", "--settings", location],
        &[("VAULT_ADDR", bao.addr.as_str())],
    );
    assert_eq!(out.code, 4, "{out:#?}");
    assert_eq!(refresh_tokens_sent(&server).len(), sent);
}
