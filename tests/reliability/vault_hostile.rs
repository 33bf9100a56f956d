//! The Vault store against what the third security review tried: proxy
//! variables around a loopback Vault, a stand-in answering writes with
//! `200 {}`, a host whose clock runs ahead, namespaces and identities
//! sharing one host cache, and what that cache holds.

use super::vault::*;
use crate::common::*;
use oauth_setup::settings::vault::{VaultClient, VaultLocation};
use oauth_setup::settings::{self, KeySource, Replace, Settings, Store, VaultStore};
use secrecy::{ExposeSecret, SecretString};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn store_in(bao: &Bao, namespace: Option<&str>, location: &str) -> VaultStore {
    let mut config = crate::common::bao::config_at(&bao.addr, ROOT);
    config.namespace = namespace.map(str::to_string);
    VaultStore::new(
        VaultClient::new(config).unwrap(),
        VaultLocation::parse(location).unwrap(),
    )
}

/// A grant from the test IdP, as a document to put in Vault.
fn grant(idp: &Idp) -> Settings {
    let user = User::new();
    let file = user.path("laptop.json");
    user.login_code(idp, &file).ok();
    settings::read(&file, &host_key(&user)).unwrap()
}

fn host_key(u: &User) -> settings::Key {
    settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &u.config(),
    )))
    .unwrap()
}

/// A token endpoint that takes `delay` to answer and rotates refresh
/// tokens (a reused one is refused); the refresh requests it saw.
fn slow_rotating_token_server(delay: Duration) -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let used = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = used.clone();
    let n = Arc::new(Mutex::new(0u32));
    let server = TestServer::start(move |r| {
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(r.body.as_bytes())
                .into_owned()
                .collect();
        if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
            return (
                400,
                "application/json",
                r#"{"error":"unsupported_grant_type"}"#.into(),
            );
        }
        std::thread::sleep(delay);
        let rt = form.get("refresh_token").cloned().unwrap_or_default();
        let mut used = seen.lock().unwrap();
        let reused = used.contains(&rt);
        used.push(rt);
        if reused {
            return (
                400,
                "application/json",
                r#"{"error":"invalid_grant","error_description":"refresh token reused"}"#.into(),
            );
        }
        let mut n = n.lock().unwrap();
        *n += 1;
        let body = serde_json::json!({
            "access_token": format!("at-renewed-{n}"),
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": format!("rt-renewed-{n}"),
        });
        (200, "application/json", body.to_string())
    });
    (server, used)
}

/// `c` under `faketime -f OFFSET` (libfaketime: this dynamically linked
/// binary reads the shifted clock, the monotonic one included).
fn faketime(c: Command, offset: &str) -> Command {
    let mut f = Command::new("faketime");
    f.args(["-f", offset])
        .arg(c.get_program())
        .args(c.get_args());
    f.env_clear();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            f.env(k, v);
        }
    }
    f.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    f
}

#[test]
fn a_host_whose_clock_runs_ahead_does_not_take_over_a_live_lock() {
    let check = Command::new("faketime")
        .args(["-f", "+90s", "date", "+%s"])
        .output()
        .expect("faketime is installed (apt-get install faketime)");
    let faked: i64 = String::from_utf8_lossy(&check.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(
        faked >= settings::now_unix() + 85,
        "faketime shifts the clock"
    );

    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/skew";
    let (server, refreshes) = slow_rotating_token_server(Duration::from_secs(3));
    let mut s = grant(idp);
    s.meta.endpoints.token_url = Some(format!("{}/token", server.url));
    s.meta.expires_at = Some(settings::now_unix() - 3600);
    rt().block_on(bao.store(location, ROOT).save(&s, Replace::Readable))
        .unwrap();

    // Host A (a true clock) takes the lock and renews, slowly.
    let a = host(&bao);
    let first = token_cmd(&a, &bao, location).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while bao
        .ok(&["kv", "get", "-field=holder", "secret/oauth/skew.lock"])
        .is_empty()
    {
        assert!(Instant::now() < deadline, "host A never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Host B, 90 s ahead (past A's deadline by its own clock), asks now.
    let b = host(&bao);
    let second = faketime(token_cmd(&b, &bao, location), "+90s")
        .spawn()
        .unwrap();
    let a_out = Out::from(first.wait_with_output().unwrap());
    let b_out = Out::from(second.wait_with_output().unwrap());
    assert_eq!(a_out.code, 0, "{a_out:#?}");
    assert_eq!(b_out.code, 0, "{b_out:#?}");
    assert_eq!(a_out.stdout.trim(), "at-renewed-1");
    assert_eq!(b_out.stdout, a_out.stdout, "B waited for A's token");
    assert_eq!(
        refreshes.lock().unwrap().len(),
        1,
        "one refresh at the token endpoint"
    );
    let lock = bao.ok(&["kv", "get", "-format=json", "secret/oauth/skew.lock"]);
    let lock: serde_json::Value = serde_json::from_str(&lock).unwrap();
    assert_eq!(lock["data"]["data"]["holder"], "", "{lock}");
}

/// A proxy that logs what reaches it and answers like a careless one.
fn logging_proxy() -> TestServer {
    TestServer::start(|_| (200, "application/json", "{}".into()))
}

#[test]
fn a_loopback_vault_is_never_reached_through_a_proxy() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let proxy = logging_proxy();
    for (i, var) in ["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"]
        .iter()
        .enumerate()
    {
        let location = format!("vault://secret/oauth/proxied{i}");
        expired_grant_in_vault(idp, &bao, &location);
        let h = host(&bao);
        let mut c = token_cmd(&h, &bao, &location);
        c.env(var, &proxy.url);
        let out = Out::from(c.output().unwrap());
        assert_eq!(out.code, 0, "{var}: {out:#?}");
        let seen = proxy.requests();
        assert!(
            seen.is_empty(),
            "{var}: the proxy saw {:?}",
            seen.iter().map(|r| &r.url).collect::<Vec<_>>()
        );
        // Renewed and written to Vault itself.
        let s = rt().block_on(bao.store(&location, ROOT).load()).unwrap();
        assert!(
            s.meta.expires_at.unwrap() > settings::now_unix() + 600,
            "{var}"
        );
    }
    // AppRole: the role id and secret id stay off the proxy too.
    let location = "vault://secret/oauth/proxied-approle";
    expired_grant_in_vault(idp, &bao, location);
    let policy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        policy.path(),
        include_str!("../../assets/vault/policy.hcl").replace("PATH", "oauth/proxied-approle"),
    )
    .unwrap();
    bao.ok(&["policy", "write", "fleet", policy.path().to_str().unwrap()]);
    bao.ok(&["auth", "enable", "approle"]);
    bao.ok(&["write", "auth/approle/role/fleet", "token_policies=fleet"]);
    let role_id = bao.ok(&["read", "-field=role_id", "auth/approle/role/fleet/role-id"]);
    let secret_id = bao.ok(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/fleet/secret-id",
    ]);
    let h = User::new();
    std::fs::write(h.path("secret-id"), &secret_id).unwrap();
    let mut c = h.cmd();
    c.args(["token", "--settings", location])
        .env("VAULT_ADDR", &bao.addr)
        .env("OAUTH_SETUP_VAULT_ROLE_ID", &role_id)
        .env("OAUTH_SETUP_VAULT_SECRET_ID_FILE", h.path("secret-id"))
        .env("http_proxy", &proxy.url)
        .env("ALL_PROXY", &proxy.url);
    let out = Out::from(c.output().unwrap());
    assert_eq!(out.code, 0, "AppRole: {out:#?}");
    assert!(
        proxy.requests().is_empty(),
        "AppRole: the proxy saw a request"
    );
}

/// Stands between us and Vault: requests go to Vault, except those with
/// method `drop`, which get `200 {}` (a write) or `204` (a delete) and are
/// never passed on.
fn vault_that_drops(bao_addr: String, drop: &'static str) -> TestServer {
    TestServer::start(move |r| {
        if r.method == drop {
            return match drop {
                "DELETE" => (204, "application/json", String::new()),
                _ => (200, "application/json", "{}".into()),
            };
        }
        let mut c = Command::new("curl");
        c.args(["-s", "-w", "\n%{http_code}", "-X", &r.method]);
        for name in ["X-Vault-Token", "X-Vault-Namespace"] {
            if let Some(v) = r.header(name) {
                c.args(["-H", &format!("{name}: {v}")]);
            }
        }
        if !r.body.is_empty() {
            c.args(["--data-binary", &r.body]);
        }
        let out = c.arg(format!("{bao_addr}{}", r.url)).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.parse().unwrap(), "application/json", body.to_string())
    })
}

#[test]
fn a_write_vault_does_not_confirm_with_a_version_is_a_failure() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/unconfirmed";
    expired_grant_in_vault(idp, &bao, location);
    let before = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    let fake = vault_that_drops(bao.addr.clone(), "POST");
    let laptop = User::new();
    let out = laptop.run_env(
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
            "--force",
        ],
        &[("VAULT_ADDR", fake.url.as_str()), ("VAULT_TOKEN", ROOT)],
    );
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr.contains("did not come from Vault"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("Settings written") && !out.stdout.contains("Saved to"),
        "{out:#?}"
    );
    assert!(
        fake.requests().iter().any(|r| r.method == "POST"),
        "a write was tried"
    );
    // Vault holds what it held.
    let after = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    let refresh = |s: &Settings| {
        s.secrets
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_string())
    };
    assert_eq!(refresh(&after), refresh(&before));
    let v = bao.ok(&[
        "kv",
        "metadata",
        "get",
        "-format=json",
        "secret/oauth/unconfirmed",
    ]);
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["data"]["current_version"], 1, "{v}");
}

/// A document whose access token is `token`, valid for an hour.
fn valid_with(mut s: Settings, token: &str) -> Settings {
    s.secrets.access_token = Some(SecretString::from(token.to_string()));
    s.meta.expires_at = Some(settings::now_unix() + 3600);
    s.meta.token_timestamp_ms = Some(settings::now_unix() * 1000);
    s
}

#[test]
fn the_host_cache_is_per_namespace_and_per_identity() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/crm";
    let s = grant(idp);
    for ns in ["ns1", "ns2"] {
        bao.ok(&["namespace", "create", ns]);
        bao.ok(&[
            "secrets",
            "enable",
            &format!("-ns={ns}"),
            "-path=secret",
            "kv-v2",
        ]);
        rt().block_on(store_in(&bao, Some(ns), location).save(
            &valid_with(s.clone(), &format!("token-of-{ns}")),
            Replace::Readable,
        ))
        .unwrap();
    }
    rt().block_on(
        bao.store(location, ROOT)
            .save(&valid_with(s, "token-of-root-ns"), Replace::Readable),
    )
    .unwrap();
    let h = host(&bao);
    let token_in = |ns: Option<&str>, vault_token: &str| {
        let mut c = token_cmd(&h, &bao, location);
        c.env("VAULT_TOKEN", vault_token);
        if let Some(ns) = ns {
            c.env("VAULT_NAMESPACE", ns);
        }
        Out::from(c.output().unwrap())
    };
    for _ in 0..2 {
        // Twice: the second round is served from each one's own cache.
        for ns in ["ns1", "ns2"] {
            let out = token_in(Some(ns), ROOT);
            assert_eq!(out.code, 0, "{out:#?}");
            assert_eq!(out.stdout.trim(), format!("token-of-{ns}"));
        }
    }
    // Another identity on this host (a token that may read nothing) never
    // gets what the cache holds for the first: Vault decides.
    let other = bao.ok(&["token", "create", "-policy=default", "-field=token"]);
    assert_eq!(token_in(None, ROOT).stdout.trim(), "token-of-root-ns");
    let out = token_in(None, &other);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(out.stderr.contains("denied read"), "{}", out.stderr);
}

#[test]
fn the_host_cache_holds_no_refresh_token_or_client_secret_and_is_no_settings_file() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/cache-content";
    let mut s = grant(idp);
    s.secrets.client_secret = Some(SecretString::from("cs-do-not-cache-me".to_string()));
    s.meta.expires_at = Some(settings::now_unix() - 3600);
    rt().block_on(bao.store(location, ROOT).save(&s, Replace::Readable))
        .unwrap();
    let h = host(&bao);
    let out = Out::from(token_cmd(&h, &bao, location).output().unwrap());
    assert_eq!(out.code, 0, "{out:#?}");
    let in_vault = rt().block_on(bao.store(location, ROOT).load()).unwrap();
    let refresh = in_vault
        .secrets
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret();

    let key = host_key(&h);
    let dir = oauth_setup::paths::vault_cache_dir(&h.config());
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert_no_secret("the cache file", &raw, &[refresh, "cs-do-not-cache-me"]);
    // Opened with this host's key: the access token alone.
    let cache = crate::common::bao::host_cache(&h.config(), &bao.addr, ROOT, location);
    assert_eq!(cache.path(), files[0]);
    let opened = cache.opened(&key).expect("this host's key opens its cache");
    assert_eq!(opened.as_slice(), out.stdout.trim().as_bytes());
    let cached = cache.read(&key).unwrap();
    assert!(cached.secrets.refresh_token.is_none());
    assert!(cached.secrets.client_secret.is_none());
    // Not a settings file: nothing renews from it outside Vault's lock.
    assert!(settings::read(&files[0], &key).is_err());
    let path = files[0].to_str().unwrap();
    let o = h.run(&["token", "--settings", path]);
    assert_ne!(o.code, 0, "{o:#?}");
    assert!(o.stdout.is_empty());
}

#[test]
fn a_lock_claiming_more_than_the_ttl_is_held_only_for_the_ttl() {
    let idp = Idp::start(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/forever";
    expired_grant_in_vault(&idp, &bao, location);
    // A host (buggy, or hostile) claimed the lock for a year.
    let year_ms: i64 = 365 * 24 * 3600 * 1000;
    let entry = tempfile::NamedTempFile::new().unwrap();
    let claim = serde_json::json!({
        "holder": "greedy-host:1:abc",
        "until": settings::now_ms() + year_ms,
        "ttl_ms": year_ms,
    });
    std::fs::write(entry.path(), claim.to_string()).unwrap();
    bao.ok(&[
        "kv",
        "put",
        "secret/oauth/forever.lock",
        &format!("@{}", entry.path().display()),
    ]);
    let before = refreshes(&idp);
    let h = host(&bao);
    let mut c = token_cmd(&h, &bao, location);
    c.env("OAUTH_SETUP_VAULT_LOCK_TTL", "2");
    let out = Out::from(c.output().unwrap());
    assert_eq!(out.code, 0, "taken over after our TTL: {out:#?}");
    assert_eq!(refreshes(&idp) - before, 1);
}

#[test]
fn a_delete_vault_did_not_do_is_a_failure() {
    let idp = Idp::shared(&[]);
    let bao = Bao::start();
    let location = "vault://secret/oauth/undeleted";
    expired_grant_in_vault(idp, &bao, location);
    let fake = vault_that_drops(bao.addr.clone(), "DELETE");
    let laptop = User::new();
    let out = laptop.run_env(
        &["logout", "--settings", location, "--local-only"],
        &[("VAULT_ADDR", fake.url.as_str()), ("VAULT_TOKEN", ROOT)],
    );
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr.contains("did not come from Vault") && !out.stderr.contains("Deleted"),
        "{}",
        out.stderr
    );
    assert!(fake.requests().iter().any(|r| r.method == "DELETE"));
    // Still in Vault, and its lock released.
    assert!(rt().block_on(bao.store(location, ROOT).load()).is_ok());
    let lock = bao.ok(&["kv", "get", "-field=holder", "secret/oauth/undeleted.lock"]);
    assert_eq!(lock, "");
}
