//! `<file>.bak`: written like the file itself (a fresh temp file renamed
//! into place, nothing planted at the name is followed), and never a place
//! where a secret the user removed lives on.

use super::{CLIENT_SECRET, PASSWORD, REFRESH, contains, key, mode, sample, written};
use oauth_setup::settings::{self, backup_path};
use secrecy::ExposeSecret;
use std::fs;
use std::os::unix::fs::PermissionsExt;

#[test]
fn symlink_planted_at_backup_is_replaced_not_followed() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let previous = fs::read(&p).unwrap();
    // A racer in a shared directory points the backup name at a file outside.
    let outside = d.path().join("outside.conf");
    fs::write(&outside, b"someone else's file\n").unwrap();
    fs::set_permissions(&outside, fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink(&outside, backup_path(&p)).unwrap();

    settings::write(&p, &key(), &sample()).unwrap();

    assert_eq!(fs::read(&outside).unwrap(), b"someone else's file\n");
    assert_eq!(mode(&outside), 0o644, "the target was not chmodded");
    let bak = fs::symlink_metadata(backup_path(&p)).unwrap();
    assert!(bak.is_file(), "the backup is a regular file, not the link");
    assert_eq!(bak.permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::read(backup_path(&p)).unwrap(), previous);

    // A dangling link and a link to a directory are replaced the same way.
    for target in [d.path().join("nowhere"), d.path().to_path_buf()] {
        fs::remove_file(backup_path(&p)).unwrap();
        std::os::unix::fs::symlink(&target, backup_path(&p)).unwrap();
        settings::write(&p, &key(), &sample()).unwrap();
        assert!(fs::symlink_metadata(backup_path(&p)).unwrap().is_file());
    }
    assert!(!d.path().join("nowhere").exists());
    let names: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "no temp file left: {names:?}");
}

#[test]
fn backup_keeps_no_secret_the_new_document_dropped() {
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    // The user stops storing the client secret and the password.
    let mut s = sample();
    s.secrets.client_secret = None;
    s.secrets.password = None;
    settings::write(&p, &key(), &s).unwrap();

    for file in [p.clone(), backup_path(&p)] {
        let opened = settings::read(&file, &key()).unwrap();
        assert!(opened.secrets.client_secret.is_none(), "{}", file.display());
        assert!(opened.secrets.password.is_none(), "{}", file.display());
        let raw = fs::read(&file).unwrap();
        assert!(!contains(&raw, CLIENT_SECRET) && !contains(&raw, PASSWORD));
    }
    // The backup is still the previous version for everything else.
    let bak = settings::read(&backup_path(&p), &key()).unwrap();
    assert_eq!(bak.meta, sample().meta);
    assert_eq!(bak.secrets.refresh_token.unwrap().expose_secret(), REFRESH);

    // And the next write does not bring them back from anywhere.
    settings::write(&p, &key(), &s).unwrap();
    let bak = settings::read(&backup_path(&p), &key()).unwrap();
    assert!(bak.secrets.client_secret.is_none() && bak.secrets.password.is_none());
}

/// The attack as it happened: a racer in a shared directory keeps putting a
/// symlink at the backup name, between any two steps of a write. Nothing
/// outside may be written or chmodded, whichever instant it wins.
#[test]
fn racer_replanting_a_symlink_at_backup_never_reaches_outside() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let d = tempfile::tempdir().unwrap();
    let p = written(d.path());
    let outside = d.path().join("victim.conf");
    fs::write(&outside, b"victim\n").unwrap();
    fs::set_permissions(&outside, fs::Permissions::from_mode(0o644)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let racer = {
        let (stop, bak, outside) = (stop.clone(), backup_path(&p), outside.clone());
        std::thread::spawn(move || {
            let mut planted = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let _ = fs::remove_file(&bak);
                if std::os::unix::fs::symlink(&outside, &bak).is_ok() {
                    planted += 1;
                }
            }
            planted
        })
    };
    let mut results = Vec::new();
    for _ in 0..200 {
        results.push(settings::write(&p, &key(), &sample()));
    }
    stop.store(true, Ordering::Relaxed);
    let planted = racer.join().unwrap();
    assert!(planted > 200, "the racer ran ({planted} links planted)");
    assert!(
        fs::read(&outside).unwrap() == b"victim\n",
        "the file outside was written through the backup name"
    );
    assert_eq!(mode(&outside), 0o644, "outside file chmodded");
    for r in results {
        r.unwrap();
    }
    settings::read(&p, &key()).unwrap();
}
