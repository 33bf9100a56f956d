//! A settings file in a directory other users share (a sticky /tmp-like
//! directory, a team directory): what they plant there, or a directory that
//! stopped taking new files, must never cost a refresh token the provider
//! already rotated.
//!
//! The owner of the file runs as uid 65533 and the other user as 65534
//! (through `setpriv`), so the sticky bit and directory modes apply as they
//! do between two ordinary users; that needs root. Not as root, a directory
//! planted at the backup's name plays the other user's file (no rename
//! replaces it either), and a mode 0555 directory one that takes no file.

use crate::common::*;
use oauth_setup::settings::{self, KeySource, Settings};
use secrecy::ExposeSecret;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const OWNER: u32 = 65533;
const OTHER: u32 = 65534;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0")
}

fn chown_tree(path: &Path, uid: u32) {
    let ok = Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "chown {}", path.display());
}

/// `token` on `file`, as the file's owner.
fn token_as_owner(user: &User, file: &Path) -> Out {
    let mut c = user.cmd();
    c.args(["token", "--settings", file.to_str().unwrap()]);
    if !is_root() {
        return Out::from(c.output().unwrap());
    }
    let mut s = Command::new("setpriv");
    s.args([
        &format!("--reuid={OWNER}"),
        &format!("--regid={OWNER}"),
        "--clear-groups",
        "--",
    ])
    .arg(c.get_program())
    .args(c.get_args())
    .env_clear()
    .current_dir("/");
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.env(k, v);
        }
    }
    Out::from(s.output().unwrap())
}

fn refresh_of(s: &Settings) -> String {
    s.secrets
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_string()
}

fn refreshes(idp: &Idp) -> usize {
    idp.requests()
        .into_iter()
        .filter(|(g, _)| g == "refresh_token")
        .count()
}

/// A user signed in (rotating refresh tokens), their key, and the grant
/// with its access token expired.
fn expired_grant(idp: &Idp) -> (User, settings::Key, Settings) {
    let user = User::new();
    let first = user.path("first.json");
    user.login_code(idp, &first).ok();
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    let mut s = settings::read(&first, &key).unwrap();
    s.meta.expires_at = Some(settings::now_unix() - 3600);
    (user, key, s)
}

#[test]
fn a_backup_another_user_planted_does_not_lose_the_rotated_refresh_token() {
    let idp = Idp::start(&["--rotate"]);
    let (user, key, s) = expired_grant(&idp);
    let shared = tempfile::tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let file = shared.path().join("crm.json");
    settings::write(&file, &key, &s).unwrap();
    let bak = settings::backup_path(&file);
    if is_root() {
        chown_tree(user.path("").as_path(), OWNER);
        chown_tree(&file, OWNER);
        // The other user's file at the backup's name: in a sticky directory
        // the owner of crm.json may not rename over it.
        let planted = Command::new("setpriv")
            .args([
                &format!("--reuid={OTHER}"),
                &format!("--regid={OTHER}"),
                "--clear-groups",
                "--",
                "sh",
                "-c",
                "echo planted > \"$0\"",
            ])
            .arg(&bak)
            .status()
            .unwrap();
        assert!(planted.success());
    } else {
        std::fs::create_dir(&bak).unwrap();
        std::fs::write(bak.join("x"), "planted").unwrap();
    }
    let before = refreshes(&idp);

    let out = token_as_owner(&user, &file);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(refreshes(&idp) - before, 1);
    // The provider rotated the refresh token: the new one is in the file.
    let now = settings::read(&file, &key).unwrap();
    assert_ne!(
        refresh_of(&now),
        refresh_of(&s),
        "the rotated token was kept"
    );
    assert_eq!(
        now.secrets.access_token.as_ref().unwrap().expose_secret(),
        out.stdout.trim()
    );
    // What the other user planted is as it was.
    if is_root() {
        assert_eq!(std::fs::read_to_string(&bak).unwrap(), "planted\n");
    }
}

#[test]
fn a_directory_that_takes_no_new_file_fails_before_the_refresh_is_spent() {
    let idp = Idp::start(&["--rotate"]);
    let (user, key, s) = expired_grant(&idp);
    // The file and its lock are the owner's (an earlier run made them); the
    // directory is root's and no longer takes new files from the owner.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crm.json");
    settings::write(&file, &key, &s).unwrap();
    std::fs::write(settings::lock_path(&file), "").unwrap();
    if is_root() {
        chown_tree(user.path("").as_path(), OWNER);
        chown_tree(&file, OWNER);
        chown_tree(&settings::lock_path(&file), OWNER);
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    } else {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let before = refreshes(&idp);

    let out = token_as_owner(&user, &file);
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr.contains("temporary file"),
        "says why: {}",
        out.stderr
    );
    assert_eq!(refreshes(&idp), before, "the refresh token was not spent");
    let now = settings::read(&file, &key).unwrap();
    assert_eq!(refresh_of(&now), refresh_of(&s), "still the unspent one");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}
