//! Pending sign-ins of the paste flow: what `auth-url` must hand to
//! `exchange` (state, PKCE verifier, redirect URI, resolved endpoints),
//! kept on this machine only, sealed under the user's key, for a short time.
//!
//! One file per attempt, `<config>/pending/<sha256(state)>.json`, so several
//! attempts can be open at once and the one a pasted URL belongs to is found
//! by its state without decrypting the others.

use crate::settings::{self, Envelope, Key, Meta, SettingsError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use zeroize::Zeroizing;

pub const FORMAT: &str = "oauth-setup-pending";
/// 2: the answers are kept as the settings metadata they become.
pub const VERSION: u32 = 2;
/// How long a printed authorization URL stays usable.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);
/// Overrides [`DEFAULT_TTL`] in seconds (1..=3600); tests use it to see expiry.
pub const TTL_ENV: &str = "OAUTH_SETUP_PENDING_TTL";
/// Pending files are a few KiB; anything larger is not ours.
const MAX_FILE: u64 = 64 * 1024;

/// The pending lifetime: [`TTL_ENV`] when set and sane, else 10 minutes.
pub fn ttl() -> Duration {
    std::env::var(TTL_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TTL)
}

/// Everything `exchange` needs, resolved at `auth-url` time so the exchange
/// talks to exactly the endpoints the authorization went to.
#[derive(Clone, Serialize, Deserialize)]
pub struct Pending {
    #[serde(with = "secret")]
    pub state: SecretString,
    #[serde(with = "secret")]
    pub verifier: SecretString,
    #[serde(default, with = "crate::settings::format::opt_secret")]
    pub client_secret: Option<SecretString>,
    pub store_client_secret: bool,
    pub redirect_uri: String,
    /// The settings metadata the sign-in will be saved with.
    pub meta: Meta,
    pub default_expires_in: Option<i64>,
    /// OpenID userinfo, for who signed in when the answer has no ID token.
    #[serde(default)]
    pub userinfo: Option<String>,
    /// The settings location `exchange` writes when given none (what
    /// `auth-url --name` chose), and what `logout` of it clears.
    #[serde(default)]
    pub target: Option<PathBuf>,
    /// Unix seconds (copied from the authenticated header on load).
    #[serde(skip)]
    pub created_at: i64,
    #[serde(skip)]
    pub expires_at: i64,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("provider", &self.meta.provider)
            .field("scheme", &self.meta.scheme)
            .field("redirect_uri", &self.redirect_uri)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The clear part of a pending file; its JSON is the envelope's associated
/// data, so the expiry cannot be pushed back by editing the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Header {
    format: String,
    version: u32,
    created_at: i64,
    expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct PendingFile {
    #[serde(flatten)]
    header: Header,
    sealed: Envelope,
}

#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    #[error(
        "no sign-in started here matches this URL{}. The URL must be the one the browser reached after opening the link printed by `oauth-setup auth-url` on this machine (same config dir); sign-ins are single-use and last {}. Run `oauth-setup auth-url` again and paste the new URL",
        if *.others > 0 { format!(" (its `state` belongs to another attempt; {} other sign-in(s) are waiting here)", .others) } else { String::new() },
        fmt_age(ttl_secs())
    )]
    NotFound { others: usize },
    /// `lifetime` is the one this sign-in was started with (its
    /// `expires_at - created_at`), not whatever [`ttl`] says now.
    #[error(
        "this sign-in was started {} ago and expired after {}. Run `oauth-setup auth-url` again, open the new URL and paste the result within {}",
        fmt_age(*.age), fmt_age(*.lifetime), fmt_age(ttl_secs())
    )]
    Expired { age: i64, lifetime: i64 },
    #[error(
        "the pending sign-in {path} cannot be opened with the current key ({reason}); `auth-url` and `exchange` must use the same key (OAUTH_SETUP_KEY / --key-file). Run `oauth-setup auth-url` again"
    )]
    Unreadable { path: PathBuf, reason: String },
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

fn ttl_secs() -> i64 {
    i64::try_from(ttl().as_secs()).unwrap_or(i64::MAX)
}

/// A pending lifetime or age as a person reads it: seconds under two
/// minutes (a 1 s test lifetime is not "1 min"), whole minutes above.
pub fn fmt_age(secs: i64) -> String {
    if secs >= 120 {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

fn file_for(dir: &Path, state: &str) -> PathBuf {
    let digest = Sha256::digest(state.as_bytes());
    let hex = crate::settings::key::to_hex(&digest[..16]);
    dir.join(format!("{hex}.json"))
}

/// Seals `p` into `<dir>/<hash>.json` (0600, atomic). Returns the path.
pub fn save(dir: &Path, key: &Key, p: &Pending) -> Result<PathBuf, SettingsError> {
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        created_at: p.created_at,
        expires_at: p.expires_at,
    };
    let aad = serde_json::to_vec(&header).expect("header serializes");
    let plaintext = Zeroizing::new(serde_json::to_vec(p).expect("pending state serializes"));
    let file = PendingFile {
        header,
        sealed: settings::envelope::seal_bytes(key, &aad, &plaintext),
    };
    let path = file_for(dir, p.state.expose_secret());
    let mut bytes = serde_json::to_vec_pretty(&file).expect("pending file serializes");
    bytes.push(b'\n');
    settings::write_atomic(&path, &bytes)?;
    Ok(path)
}

fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let md = fs::symlink_metadata(path)?;
    if !md.is_file() || md.len() > MAX_FILE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a pending-state file",
        ));
    }
    fs::read(path)
}

fn parse(bytes: &[u8], key: &Key, path: &Path) -> Result<Pending, PendingError> {
    let unreadable = |reason: &str| PendingError::Unreadable {
        path: path.to_path_buf(),
        reason: reason.into(),
    };
    let file: PendingFile =
        serde_json::from_slice(bytes).map_err(|_| unreadable("not a pending-state file"))?;
    if file.header.format != FORMAT || file.header.version != VERSION {
        return Err(unreadable("unknown format or version"));
    }
    let aad = serde_json::to_vec(&file.header).expect("header serializes");
    let plaintext =
        settings::envelope::open_bytes(key, &aad, &file.sealed, path).map_err(|e| match e {
            SettingsError::WrongKey { .. } => unreadable("it was sealed with another key"),
            SettingsError::UnknownAlg { .. } => unreadable("unknown algorithm"),
            _ => unreadable("it fails authentication: edited or damaged"),
        })?;
    let mut p: Pending =
        serde_json::from_slice(&plaintext).map_err(|_| unreadable("damaged content"))?;
    p.created_at = file.header.created_at;
    p.expires_at = file.header.expires_at;
    Ok(p)
}

/// Finds and opens the pending sign-in for `state`. Does not check expiry
/// (the caller checks the state first, then expiry).
pub fn load(dir: &Path, key: &Key, state: &str) -> Result<Pending, PendingError> {
    let path = file_for(dir, state);
    let bytes = match read_small(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(PendingError::NotFound {
                others: live_count(dir, settings::now_unix()),
            });
        }
        Err(e) => {
            return Err(SettingsError::Io {
                path,
                action: "read",
                source: e,
            }
            .into());
        }
    };
    parse(&bytes, key, &path)
}

/// Deletes the pending file for `state` (best effort: it expires anyway).
pub fn remove(dir: &Path, state: &str) {
    let path = file_for(dir, state);
    if let Err(e) = fs::remove_file(&path)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot delete a pending sign-in");
    }
}

/// Deletes every pending sign-in that would be saved at `target` (`logout`
/// of that connection): the ones this key opens and that name it. Returns
/// how many went.
pub fn remove_for(dir: &Path, key: &Key, target: &Path) -> usize {
    let same = |p: &Path| std::path::absolute(p).ok() == std::path::absolute(target).ok();
    let mut removed = 0;
    for path in pending_files(dir) {
        let Ok(bytes) = read_small(&path) else {
            continue;
        };
        let Ok(p) = parse(&bytes, key, &path) else {
            continue;
        };
        if p.target.as_deref().is_some_and(same) && fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Reads a pending file's clear expiry without the key.
fn expiry_of(path: &Path) -> Option<i64> {
    let bytes = read_small(path).ok()?;
    let file: PendingFile = serde_json::from_slice(&bytes).ok()?;
    Some(file.header.expires_at)
}

fn pending_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect()
}

fn live_count(dir: &Path, now: i64) -> usize {
    pending_files(dir)
        .iter()
        .filter(|p| expiry_of(p).is_some_and(|e| e > now))
        .count()
}

/// Deletes expired pending files, and files we cannot read once they are
/// older than the default lifetime. Best effort; returns how many went.
pub fn cleanup(dir: &Path) -> usize {
    let now = settings::now_unix();
    let mut removed = 0;
    for path in pending_files(dir) {
        let stale = match expiry_of(&path) {
            Some(exp) => exp <= now,
            None => fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .is_some_and(|age| age > DEFAULT_TTL),
        };
        if stale && fs::remove_file(&path).is_ok() {
            tracing::debug!(path = %path.display(), "removed an expired pending sign-in");
            removed += 1;
        }
    }
    // Backups and temp files of pending files are never useful.
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if n.ends_with(".json.bak") {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    removed
}

mod secret {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.expose_secret())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        Ok(SecretString::from(String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SchemeKind;

    fn sample(state: &str, expires_at: i64) -> Pending {
        Pending {
            state: SecretString::from(state.to_string()),
            verifier: SecretString::from("verifier-123".to_string()),
            client_secret: Some(SecretString::from("cs-456".to_string())),
            store_client_secret: true,
            redirect_uri: "http://localhost:33333".into(),
            meta: {
                let mut m = Meta::new(
                    "custom",
                    "authorization_code",
                    SchemeKind::AuthorizationCode,
                );
                m.client_id = Some("app".into());
                m.scopes = vec!["openid".into()];
                m.callback_url = Some("http://localhost:33333".into());
                m
            },
            default_expires_in: None,
            userinfo: None,
            target: None,
            created_at: settings::now_unix(),
            expires_at,
        }
    }

    #[test]
    fn round_trip_sealed_and_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let k = Key::from_bytes([3; 32]);
        let path = save(d.path(), &k, &sample("st-1", settings::now_unix() + 60)).unwrap();
        let raw = fs::read_to_string(&path).unwrap();
        for secret in ["st-1", "verifier-123", "cs-456", "localhost"] {
            assert!(!raw.contains(secret), "{secret} in clear: {raw}");
        }
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let p = load(d.path(), &k, "st-1").unwrap();
        assert_eq!(p.verifier.expose_secret(), "verifier-123");
        assert_eq!(p.redirect_uri, "http://localhost:33333");
        assert!(format!("{p:?}").find("verifier-123").is_none());
        assert!(matches!(
            load(d.path(), &k, "st-2"),
            Err(PendingError::NotFound { others: 1 })
        ));
        assert!(matches!(
            load(d.path(), &Key::from_bytes([4; 32]), "st-1"),
            Err(PendingError::Unreadable { .. })
        ));
    }

    #[test]
    fn expiry_is_authenticated() {
        let d = tempfile::tempdir().unwrap();
        let k = Key::from_bytes([3; 32]);
        let path = save(d.path(), &k, &sample("st", settings::now_unix() + 60)).unwrap();
        let raw = fs::read_to_string(&path).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&raw).unwrap();
        v["expires_at"] = serde_json::json!(settings::now_unix() + 99999);
        fs::write(&path, v.to_string()).unwrap();
        assert!(matches!(
            load(d.path(), &k, "st"),
            Err(PendingError::Unreadable { .. })
        ));
    }

    #[test]
    fn cleanup_removes_expired_only() {
        let d = tempfile::tempdir().unwrap();
        let k = Key::from_bytes([3; 32]);
        save(d.path(), &k, &sample("old", settings::now_unix() - 1)).unwrap();
        save(d.path(), &k, &sample("new", settings::now_unix() + 60)).unwrap();
        assert_eq!(cleanup(d.path()), 1);
        assert!(load(d.path(), &k, "new").is_ok());
        assert!(matches!(
            load(d.path(), &k, "old"),
            Err(PendingError::NotFound { others: 1 })
        ));
    }
}
