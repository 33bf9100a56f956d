//! The settings-file contract (design §3) against the bad inputs of §6.

use oauth_setup::provider::SchemeKind;
use oauth_setup::settings::{
    self, Key, Meta, Secrets, Settings, SettingsError, backup_path, lock_exclusive, lock_path,
};
use secrecy::{ExposeSecret, SecretString};
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const ACCESS: &str = "ACCESS-zq8Xv1-distinctive-access-token";
const REFRESH: &str = "REFRESH-pp0Lm4-distinctive-refresh-token";
const CLIENT_SECRET: &str = "CLIENTSECRET-w7Kd2-distinctive";
const PASSWORD: &str = "PASSWORD-r9Tq3-distinctive";

/// Backups: no symlink followed, no removed secret kept.
#[path = "settings/backup.rs"]
mod backup;

fn key() -> Key {
    Key::from_bytes([0x11; 32])
}

fn other_key() -> Key {
    Key::from_bytes([0x22; 32])
}

fn secret(s: &str) -> Option<SecretString> {
    Some(SecretString::from(s.to_string()))
}

fn sample() -> Settings {
    let mut meta = Meta::new("cvent", "client_credentials", SchemeKind::ClientCredentials);
    meta.client_id = Some("client-123".into());
    meta.scopes = vec!["event/events:read".into(), "event/contacts:read".into()];
    meta.region = Some("na".into());
    meta.expires_at = Some(1_900_000_000);
    // Fixed, so two samples made a second apart are equal.
    meta.created_at = 1_800_000_000;
    meta.updated_at = 1_800_000_000;
    Settings::new(
        meta,
        Secrets {
            access_token: secret(ACCESS),
            refresh_token: secret(REFRESH),
            client_secret: secret(CLIENT_SECRET),
            password: secret(PASSWORD),
            ..Secrets::default()
        },
    )
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn written(dir: &Path) -> PathBuf {
    let p = dir.join("settings.json");
    settings::write(&p, &key(), &sample()).unwrap();
    p
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn assert_no_secret(text: &str) {
    for s in [ACCESS, REFRESH, CLIENT_SECRET, PASSWORD] {
        assert!(!text.contains(s), "secret leaked into: {text}");
    }
}

#[test]
fn round_trip() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let s = settings::read(&p, &key()).unwrap();
    assert_eq!(s.meta, sample().meta);
    assert_eq!(s.secrets.access_token.unwrap().expose_secret(), ACCESS);
    assert_eq!(s.secrets.refresh_token.unwrap().expose_secret(), REFRESH);
    assert_eq!(
        s.secrets.client_secret.unwrap().expose_secret(),
        CLIENT_SECRET
    );
    assert_eq!(s.secrets.password.unwrap().expose_secret(), PASSWORD);
    assert!(s.secrets.id_token.is_none());
    let bytes = fs::read(&p).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'));
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["format"], "oauth-setup-settings");
    assert_eq!(v["version"], 1);
    assert_eq!(v["provider"], "cvent");
    assert_eq!(v["secrets"]["alg"], "XChaCha20-Poly1305");
    assert_eq!(v["secrets"]["key_id"], key().id());
}

#[test]
fn modes_are_private() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("new").join("config");
    let p = dir.join("settings.json");
    settings::write(&p, &key(), &sample()).unwrap();
    assert_eq!(mode(&p), 0o600);
    assert_eq!(mode(&dir), 0o700);
    settings::write(&p, &key(), &sample()).unwrap();
    assert_eq!(mode(&p), 0o600);
    assert_eq!(mode(&backup_path(&p)), 0o600);
    let _lock = lock_exclusive(&p, Duration::from_secs(1)).unwrap();
    assert_eq!(mode(&lock_path(&p)), 0o600);
}

#[test]
fn no_secret_in_file_bytes() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let bytes = fs::read(&p).unwrap();
    for s in [ACCESS, REFRESH, CLIENT_SECRET, PASSWORD] {
        assert!(!contains(&bytes, s), "{s} found in the file");
    }
}

#[test]
fn wrong_key() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let e = settings::read(&p, &other_key()).unwrap_err();
    match &e {
        SettingsError::WrongKey {
            file_key_id,
            key_id,
            ..
        } => {
            assert_eq!(file_key_id, &key().id());
            assert_eq!(key_id, &other_key().id());
        }
        other => panic!("expected WrongKey, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("OAUTH_SETUP_KEY") && msg.contains("--key-file"),
        "{msg}"
    );
    assert!(msg.contains(&p.display().to_string()), "{msg}");
}

fn edit_json(p: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(p).unwrap()).unwrap();
    f(&mut v);
    fs::write(p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

#[test]
fn flipped_ciphertext_byte_is_damaged() {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    edit_json(&p, |v| {
        let mut raw = STANDARD
            .decode(v["secrets"]["ciphertext"].as_str().unwrap())
            .unwrap();
        raw[5] ^= 0x01;
        v["secrets"]["ciphertext"] = STANDARD.encode(raw).into();
    });
    let e = settings::read(&p, &key()).unwrap_err();
    assert!(matches!(e, SettingsError::Damaged { .. }), "{e:?}");
    assert!(e.to_string().contains(".bak"), "{e}");
}

#[test]
fn edited_metadata_is_damaged() {
    let d = tempfile::tempdir().unwrap();
    let p = written(&d.path().join("a"));
    edit_json(&p, |v| {
        v["scopes"] = serde_json::json!(["event/events:read", "event/events:write"]);
    });
    assert!(matches!(
        settings::read(&p, &key()),
        Err(SettingsError::Damaged { .. })
    ));

    let p = written(&d.path().join("b"));
    edit_json(&p, |v| v["token_url_extra"] = "x".into());
    assert!(matches!(
        settings::read(&p, &key()),
        Err(SettingsError::Damaged { .. })
    ));

    let p = written(&d.path().join("c"));
    edit_json(&p, |v| {
        v.as_object_mut().unwrap().remove("region");
    });
    assert!(matches!(
        settings::read(&p, &key()),
        Err(SettingsError::Damaged { .. })
    ));

    let p = written(&d.path().join("d"));
    edit_json(&p, |v| v["secrets"]["key_id"] = "0000000000000000".into());
    assert!(matches!(
        settings::read(&p, &key()),
        Err(SettingsError::WrongKey { .. })
    ));
}

/// An edit of a settings file's JSON.
type Edit = fn(&mut serde_json::Value);

#[test]
fn a_missing_or_foreign_part_is_named() {
    let d = tempfile::tempdir().unwrap();
    let cases: [(&str, Edit, &str); 4] = [
        (
            "a",
            |v| {
                v.as_object_mut().unwrap().remove("secrets");
            },
            "missing field `secrets`",
        ),
        (
            "b",
            |v| v["secrets"]["extra"] = "x".into(),
            "unknown field `extra`",
        ),
        (
            "c",
            |v| {
                v.as_object_mut().unwrap().remove("provider");
            },
            "missing field `provider`",
        ),
        ("d", |v| v["secrets"] = "x".into(), "invalid type"),
    ];
    for (name, edit, says) in cases {
        let p = written(&d.path().join(name));
        edit_json(&p, edit);
        let e = settings::read(&p, &key()).unwrap_err();
        assert!(matches!(e, SettingsError::Parse { .. }), "{name}: {e:?}");
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
}

#[test]
fn whitespace_reformatting_is_harmless() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    settings::read(&p, &key()).unwrap();
}

#[test]
fn truncated_file_is_parse_error() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let bytes = fs::read(&p).unwrap();
    for len in [0, 1, bytes.len() / 2, bytes.len() - 3] {
        fs::write(&p, &bytes[..len]).unwrap();
        let e = settings::read(&p, &key()).unwrap_err();
        assert!(matches!(e, SettingsError::Parse { .. }), "len {len}: {e:?}");
        assert!(e.to_string().contains("settings.json"), "{e}");
    }
}

#[test]
fn unknown_version() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    edit_json(&p, |v| {
        v["version"] = 99.into();
        v["some_new_field"] = "x".into();
    });
    let e = settings::read(&p, &key()).unwrap_err();
    assert!(
        matches!(
            e,
            SettingsError::UnknownVersion {
                version: 99,
                supported: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("upgrade"), "{e}");
}

#[test]
fn wrong_format() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("settings.json");
    for body in [
        r#"{"format":"something-else","version":1}"#,
        r#"{"version":1}"#,
        r#"[1,2,3]"#,
    ] {
        fs::write(&p, body).unwrap();
        let e = settings::read(&p, &key()).unwrap_err();
        assert!(
            matches!(e, SettingsError::WrongFormat { .. }),
            "{body}: {e:?}"
        );
    }
}

#[test]
fn missing_file_says_how_to_create_it() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("settings.json");
    let e = settings::read(&p, &key()).unwrap_err();
    assert!(matches!(e, SettingsError::NotFound { .. }));
    assert!(e.to_string().contains("oauth-setup login"), "{e}");
}

#[test]
fn symlink_at_target_refused() {
    let d = tempfile::tempdir().unwrap();
    let victim = d.path().join("victim");
    fs::write(&victim, b"do not touch").unwrap();
    let p = d.path().join("settings.json");
    std::os::unix::fs::symlink(&victim, &p).unwrap();

    let e = settings::write(&p, &key(), &sample()).unwrap_err();
    assert!(matches!(e, SettingsError::Symlink { .. }), "{e:?}");
    let e = settings::write_replacing_unreadable(&p, &key(), &sample()).unwrap_err();
    assert!(matches!(e, SettingsError::Symlink { .. }), "{e:?}");
    let e = settings::read(&p, &key()).unwrap_err();
    assert!(matches!(e, SettingsError::Symlink { .. }), "{e:?}");

    assert_eq!(fs::read(&victim).unwrap(), b"do not touch");
    assert!(fs::symlink_metadata(&p).unwrap().file_type().is_symlink());

    // A valid settings file behind the link is refused all the same.
    fs::remove_file(&p).unwrap();
    let real = written(d.path());
    let target = d.path().join("real.json");
    fs::rename(&real, &target).unwrap();
    std::os::unix::fs::symlink(&target, &p).unwrap();
    assert!(matches!(
        settings::read(&p, &key()),
        Err(SettingsError::Symlink { .. })
    ));
}

#[test]
fn loose_mode_fixed_on_read() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    settings::read(&p, &key()).unwrap();
    assert_eq!(mode(&p), 0o600);
}

#[test]
fn refuses_to_overwrite_unreadable_file() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let wrong_key_file = fs::read(&p).unwrap();

    // Another key, truncated, damaged, foreign, newer: all left byte-identical.
    let truncated = wrong_key_file[..40].to_vec();
    let newer = String::from_utf8(wrong_key_file.clone())
        .unwrap()
        .replacen("\"version\": 1", "\"version\": 7", 1)
        .into_bytes();
    let foreign = br#"{"hello":"world"}"#.to_vec();
    for (what, original) in [
        ("wrong key", wrong_key_file.clone()),
        ("truncated", truncated),
        ("newer", newer),
        ("foreign", foreign),
    ] {
        fs::write(&p, &original).unwrap();
        let e = settings::write(&p, &other_key(), &sample()).unwrap_err();
        assert!(
            matches!(e, SettingsError::RefuseOverwrite { .. }),
            "{what}: {e:?}"
        );
        assert_no_secret(&e.to_string());
        assert_eq!(fs::read(&p).unwrap(), original, "{what}: file changed");
    }

    // An explicit --force replaces it, and the old one survives as .bak.
    fs::write(&p, &wrong_key_file).unwrap();
    settings::write_replacing_unreadable(&p, &other_key(), &sample()).unwrap();
    settings::read(&p, &other_key()).unwrap();
    assert_eq!(fs::read(backup_path(&p)).unwrap(), wrong_key_file);
}

#[test]
fn keeps_backup_of_previous_version() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let first = fs::read(&p).unwrap();
    let mut s = sample();
    s.secrets.access_token = secret("ACCESS-second");
    settings::write(&p, &key(), &s).unwrap();
    assert_eq!(fs::read(backup_path(&p)).unwrap(), first);
    let bak = settings::read(&backup_path(&p), &key()).unwrap();
    assert_eq!(bak.secrets.access_token.unwrap().expose_secret(), ACCESS);
    let now = settings::read(&p, &key()).unwrap();
    assert_eq!(
        now.secrets.access_token.unwrap().expose_secret(),
        "ACCESS-second"
    );
}

#[test]
fn write_removes_stale_temps_only() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let stale = d.path().join(".settings.json.crashed.tmp");
    let fresh = d.path().join(".settings.json.running.tmp");
    fs::write(&stale, b"partial").unwrap();
    fs::write(&fresh, b"partial").unwrap();
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(600))
        .unwrap();
    // What a writer killed mid-write leaves behind does not affect reads.
    settings::read(&p, &key()).unwrap();
    settings::write(&p, &key(), &sample()).unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists());
}

#[test]
fn parent_is_a_file_gives_clear_io_error() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("plain");
    fs::write(&file, b"x").unwrap();
    let p = file.join("settings.json");
    let e = settings::write(&p, &key(), &sample()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SettingsError::Io { .. }), "{e:?}");
    assert!(msg.contains("plain"), "{msg}");
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

#[test]
fn read_only_directory_gives_clear_io_error() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("ro");
    fs::create_dir(&dir).unwrap();
    let p = written(&dir);
    let before = fs::read(&p).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).unwrap();
    let probe = dir.join("probe");
    if fs::write(&probe, b"").is_ok() {
        fs::remove_file(&probe).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        eprintln!(
            "skipping read-only directory assertion: running with privileges that ignore \
             directory permissions (root); see disk_full_* for the write-failure path"
        );
        return;
    }
    let e = settings::write(&p, &key(), &sample()).unwrap_err();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(e, SettingsError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("ro"), "{e}");
    assert_eq!(fs::read(&p).unwrap(), before);
}

/// Env var that turns the `disk_full_child` test into the real work.
const DISK_FULL_ENV: &str = "OAUTH_SETUP_TEST_DISK_FULL_DIR";

/// Disk full, simulated with a file-size limit (works as root too): the
/// write fails with a clear error, the old file is intact, no temp remains.
#[test]
fn disk_full_keeps_old_file() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let before = fs::read(&p).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "disk_full_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DISK_FULL_ENV, d.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    let line = stdout.lines().find(|l| l.contains("CHILD-OK"));
    eprintln!("{}", line.expect("child did not run"));
    assert_eq!(fs::read(&p).unwrap(), before);
    settings::read(&p, &key()).unwrap();
    let left: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temp files left: {left:?}");
}

#[test]
#[allow(unsafe_code)]
fn disk_full_child() {
    let Some(dir) = std::env::var_os(DISK_FULL_ENV) else {
        return;
    };
    let p = Path::new(&dir).join("settings.json");
    // SAFETY: plain libc calls on a process that runs only this test;
    // SIGXFSZ is ignored so the over-limit write returns EFBIG instead of
    // killing the process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let lim = libc::rlimit {
            rlim_cur: 64,
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
    let e = settings::write(&p, &key(), &sample()).unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(
            e,
            SettingsError::Io {
                action: "write",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(msg.contains("settings.json"), "{msg}");
    assert_no_secret(&msg);
    println!("CHILD-OK {msg}");
}

#[test]
fn second_locker_times_out() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("settings.json");
    let held = lock_exclusive(&p, Duration::from_secs(1)).unwrap();
    let start = Instant::now();
    let e = lock_exclusive(&p, Duration::from_millis(150)).unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(matches!(e, SettingsError::LockTimeout { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("settings.json.lock"), "{msg}");
    assert!(msg.contains("another oauth-setup process"), "{msg}");
    drop(held);
    lock_exclusive(&p, Duration::from_millis(500)).unwrap();
    assert!(lock_path(&p).exists(), "lock file is never deleted");
}

const LOCK_HOLDER_ENV: &str = "OAUTH_SETUP_TEST_LOCK_HOLDER";

#[test]
fn killed_holder_releases_lock() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("settings.json");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lock_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOCK_HOLDER_ENV, &p)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = lines.next().expect("child exited before locking").unwrap();
        if line.contains("LOCKED") {
            break;
        }
        assert!(Instant::now() < deadline, "child never locked");
    }
    assert!(matches!(
        lock_exclusive(&p, Duration::from_millis(100)),
        Err(SettingsError::LockTimeout { .. })
    ));
    child.kill().unwrap(); // SIGKILL: no destructor runs in the child
    child.wait().unwrap();
    let start = Instant::now();
    lock_exclusive(&p, Duration::from_secs(5)).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn lock_holder_child() {
    let Some(p) = std::env::var_os(LOCK_HOLDER_ENV) else {
        return;
    };
    let _lock = lock_exclusive(Path::new(&p), Duration::from_secs(5)).unwrap();
    println!("LOCKED");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn concurrent_updates_lose_nothing() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    std::thread::scope(|s| {
        for t in 0..6 {
            let p = &p;
            s.spawn(move || {
                for i in 0..5 {
                    settings::update(p, &key(), Duration::from_secs(30), |st| {
                        st.meta.scopes.push(format!("t{t}-{i}"));
                    })
                    .unwrap();
                }
            });
        }
    });
    let s = settings::read(&p, &key()).unwrap();
    assert_eq!(s.meta.scopes.len(), 2 + 30);
}

#[test]
fn debug_and_errors_show_no_secret() {
    let s = sample();
    assert_no_secret(&format!("{s:?}"));
    assert_no_secret(&format!("{:?}", s.secrets));
    let k = Key::from_bytes([0xab; 32]);
    let dbg = format!("{k:?}");
    assert!(!dbg.contains("abab") && !dbg.contains("171"), "{dbg}");

    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    for e in [
        settings::read(&p, &other_key()).unwrap_err(),
        settings::write(&p, &other_key(), &sample()).unwrap_err(),
    ] {
        assert_no_secret(&e.to_string());
        assert_no_secret(&format!("{e:?}"));
    }
}

#[test]
fn to_bytes_parse_agree() {
    let bytes = settings::to_bytes(&key(), &sample()).unwrap();
    let s = settings::parse(&bytes, &key(), Path::new("mem")).unwrap();
    assert_eq!(s.meta, sample().meta);
    // Fresh nonce every write.
    assert_ne!(bytes, settings::to_bytes(&key(), &sample()).unwrap());
}

const WRITER_ENV: &str = "OAUTH_SETUP_TEST_WRITER";

/// kill -9 in the middle of writing: whatever instant the writer dies, the
/// file still opens (old or new version) and the lock is free again.
#[test]
fn kill_9_during_writes_loses_nothing() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    for round in 0..3u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer_child", "--nocapture", "--test-threads=1"])
            .env(WRITER_ENV, &p)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut writing = false;
        while let Some(Ok(line)) = lines.next() {
            if line.contains("WRITING") {
                writing = true;
                break;
            }
        }
        // A child that never ran (a renamed test) must not pass as a survived kill.
        assert!(writing, "writer_child did not run");
        std::thread::sleep(Duration::from_millis(20 + 37 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let s = settings::read(&p, &key()).unwrap();
        assert_eq!(s.secrets.refresh_token.unwrap().expose_secret(), REFRESH);
        lock_exclusive(&p, Duration::from_secs(2)).unwrap();
    }
}

#[test]
fn writer_child() {
    let Some(p) = std::env::var_os(WRITER_ENV) else {
        return;
    };
    let p = PathBuf::from(p);
    println!("WRITING");
    for i in 0.. {
        settings::update(&p, &key(), Duration::from_secs(5), |s| {
            s.meta.expires_at = Some(i);
        })
        .unwrap();
    }
}

#[test]
fn symlink_at_lock_path_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("settings.json");
    let victim = d.path().join("victim");
    fs::write(&victim, b"keep").unwrap();
    std::os::unix::fs::symlink(&victim, lock_path(&p)).unwrap();
    let e = lock_exclusive(&p, Duration::from_millis(100)).unwrap_err();
    assert!(matches!(e, SettingsError::Symlink { .. }), "{e:?}");
    assert_eq!(fs::read(&victim).unwrap(), b"keep");
}
