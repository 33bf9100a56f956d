//! kill -9 at random instants of `token` runs that renew and rewrite the
//! settings file: the file always opens and is the old version or the new
//! one; the next run leaves no temp file behind. And a write that fails
//! (file-size limit = disk full) is a clear error with the old file intact.

use crate::common::*;
use oauth_setup::settings::{self, Key, KeySource, Settings};
use secrecy::ExposeSecret;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

fn key_of(user: &User) -> Key {
    settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap()
}

fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A tiny xorshift: no extra dev-dependency, and the seed is printed so a
/// failure can be replayed (`RELIABILITY_SEED`).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn access(s: &Settings) -> String {
    s.secrets
        .access_token
        .as_ref()
        .map(|t| t.expose_secret().to_string())
        .unwrap_or_default()
}

#[test]
fn kill_9_during_token_renewals() {
    // No rotation here: a kill after the server answered but before the file
    // was written loses that answer, and with rotation the next renewal would
    // (correctly) be refused as reuse. Rotation under races is tested in
    // reliability/race.rs.
    let idp = Idp::shared(&["--ttl", "0"]);
    let user = User::new();
    let path = user.path("crash.json");
    let s = path.to_str().unwrap();
    user.login_code(idp, s).ok();
    let key = key_of(&user);

    // One run's duration (each run renews and writes: tokens arrive expired).
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            user.run(&["token", "--settings", s]).ok();
            t.elapsed()
        })
        .collect();
    runs.sort();
    let lifetime = runs[2];
    let span_us = (lifetime.as_micros() as u64 * 11 / 10).max(1000);

    let seed = std::env::var("RELIABILITY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("one run ≈ {lifetime:?}; kill delays 0..{span_us} µs; RELIABILITY_SEED={seed}");
    let mut rng = Rng(seed);

    let start = Instant::now();
    let (mut kills, mut attempts, mut old_kept, mut new_seen) = (0, 0, 0, 0);
    while kills < 200 {
        attempts += 1;
        assert!(
            attempts < 2000 && start.elapsed() < Duration::from_secs(60),
            "only {kills} kills in {attempts} attempts"
        );
        let old_bytes = std::fs::read(&path).unwrap();
        let old = settings::parse(&old_bytes, &key, &path).unwrap();
        let delay = Duration::from_micros(rng.next() % span_us);
        let mut child = user
            .cmd()
            .args(["token", "--settings", s])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let alive = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let status = child.wait().unwrap();
        if alive {
            kills += 1;
        } else {
            assert!(status.success(), "an unkilled run failed: {status:?}");
        }

        let now_bytes = std::fs::read(&path).unwrap();
        let now = settings::parse(&now_bytes, &key, &path).unwrap_or_else(|e| {
            panic!("after a kill at {delay:?} the file does not open: {e} (seed {seed})")
        });
        if now_bytes == old_bytes {
            old_kept += 1;
        } else {
            // The new version: a renewal's result, not a mix.
            new_seen += 1;
            assert!(now.meta.expires_at >= old.meta.expires_at);
            assert_eq!(now.meta.client_id, old.meta.client_id);
            assert!(now.secrets.refresh_token.is_some());
            assert!(!access(&now).is_empty());
        }
        // The real binary agrees (every 10th time: each check is a process).
        if attempts % 10 == 0 {
            user.run(&["status", "--settings", s]).ok();
        }
    }
    eprintln!(
        "{kills} kills in {attempts} runs ({:?}): file kept old version {old_kept}x, new version {new_seen}x",
        start.elapsed()
    );
    assert!(new_seen > 0, "some kills came after a completed write");

    // One more normal run cleans up what the killed writers left (temp
    // files a second old that no live writer holds).
    std::thread::sleep(Duration::from_millis(1100));
    user.run(&["status", "--settings", s]).ok();
    let token = user.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(token.trim().split('.').count(), 3);
    let left = temps(path.parent().unwrap());
    assert!(
        left.is_empty(),
        "temp files left after a clean run: {left:?}"
    );
    assert!(settings::backup_path(&path).exists());
}

/// Runs `token` with a file-size limit of 64 bytes (works as root, unlike a
/// read-only directory): the renewal succeeds at the server but the write
/// fails; the error is clear and the old file is untouched.
#[allow(unsafe_code)]
#[test]
fn token_renewal_that_cannot_write_keeps_old_file() {
    let idp = Idp::shared(&["--ttl", "0"]);
    let user = User::new();
    let path = user.path("full.json");
    let s = path.to_str().unwrap();
    user.login_code(idp, s).ok();
    let before = std::fs::read(&path).unwrap();

    let mut cmd = user.cmd();
    cmd.args(["token", "--settings", s]);
    // The log file would hit the limit too: send it nowhere.
    cmd.env("OAUTH_SETUP_LOG_FILE", "/dev/null");
    // SAFETY: async-signal-safe libc calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 64,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = Out::from(cmd.output().unwrap());
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stdout.is_empty(), "no token printed: {out:#?}");
    assert!(out.stderr.contains("full.json"), "{}", out.stderr);
    assert!(
        out.stderr.contains("File too large") || out.stderr.contains("write"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "old file intact");
    assert!(temps(path.parent().unwrap()).is_empty());
    // Without the limit it works again.
    user.run(&["token", "--settings", s]).ok();
}

/// Env var that makes `orphaned_temps_child` do the work.
const ORPHANED_ENV: &str = "OAUTH_SETUP_TEST_ORPHANED_TEMPS";

/// A temp file whose writer died (no lock on it) goes at the next write once
/// it is a second old; one a live writer holds locked stays.
///
/// Runs in a process of its own: a fork by any other test of this binary
/// between taking and dropping the lock would keep a copy of the locked file
/// open (and the lock held) until that child execs.
#[test]
fn orphaned_temps_go_live_writers_stay() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &test_name(module_path!(), "orphaned_temps_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ORPHANED_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("CHILD-OK"),
        "child did not run:\n{stdout}\n{stderr}"
    );
}

#[test]
fn orphaned_temps_child() {
    if std::env::var_os(ORPHANED_ENV).is_none() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let orphan = d.path().join(".s.json.orphan.tmp");
    let live = d.path().join(".s.json.live.tmp");
    let young = d.path().join(".s.json.young.tmp");
    for p in [&orphan, &live, &young] {
        std::fs::write(p, b"x").unwrap();
    }
    let old = SystemTime::now() - Duration::from_secs(5);
    for p in [&orphan, &live] {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let held = std::fs::File::open(&live).unwrap();
    held.lock().unwrap();
    assert_eq!(
        settings::cleanup_stale_temps(d.path(), "s.json".as_ref()),
        1
    );
    assert!(!orphan.exists());
    assert!(live.exists(), "a writer holds it");
    assert!(young.exists(), "too young to judge");
    drop(held);
    assert_eq!(
        settings::cleanup_stale_temps(d.path(), "s.json".as_ref()),
        1
    );
    assert!(!live.exists());
    println!("CHILD-OK");
}
