//! Ending a connection: its grant revoked at the provider (RFC 7009), then
//! its files removed. `oauth-setup logout` and the wizard's home screen both
//! come here.

use super::Kind;
use crate::revoke::{self, RevokeError, Revoked};
use crate::settings::{self, Key, SettingsError, known};
use crate::{paths, signin::pending};
use std::path::{Path, PathBuf};

/// What logging out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOut {
    /// None with `local_only`: the provider was not asked.
    pub revoked: Option<Revoked>,
    /// What the connection was, when it was read (to say why nothing was
    /// revoked); None with `local_only`.
    pub kind: Option<Kind>,
    /// The files removed (settings, backup, lock).
    pub removed: Vec<PathBuf>,
    /// Paste-flow sign-ins that were still to be saved there, now removed.
    pub pending_removed: usize,
}

/// How to end a connection: whether to ask the provider first, and the
/// key that opens the file (and its pending sign-ins).
#[derive(Clone, Copy)]
pub struct Logout<'a> {
    pub config_dir: &'a Path,
    pub key: Option<&'a Key>,
    /// False for `--local-only`: remove without revoking.
    pub revoke: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    #[error("no connection at {0}")]
    Missing(String),
    #[error("no key to open the settings with, so nothing can be revoked")]
    NoKey,
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The grant may still be live: the file was kept.
    #[error("{source}. {path} is kept")]
    Revoke {
        path: String,
        #[source]
        source: RevokeError,
    },
}

/// Ends the connection at `path`: revokes its tokens at the provider (RFC
/// 7009) unless `how.revoke` is false, then removes the file, its backup and
/// its lock, the pending sign-ins meant for it and its registry entry. A
/// revocation that fails keeps every file: it is the only handle left on a
/// live grant.
pub async fn log_out(path: &Path, how: Logout<'_>) -> Result<LoggedOut, LogoutError> {
    if !path.exists() {
        return Err(LogoutError::Missing(path.display().to_string()));
    }
    // Held while the file goes, so a renewal cannot write it back.
    let lock = settings::lock_exclusive(path, settings::lock_timeout())?;
    let mut kind = None;
    let revoked = match (how.revoke, how.key) {
        (false, _) => None,
        (true, None) => return Err(LogoutError::NoKey),
        (true, Some(key)) => {
            let s = settings::read(path, key)?;
            kind = Some(Kind::of(&s));
            let r = revoke::revoke(&s)
                .await
                .map_err(|source| LogoutError::Revoke {
                    path: path.display().to_string(),
                    source,
                })?;
            Some(r)
        }
    };
    let removed = settings::remove(path)?;
    drop(lock);
    let pending_removed = forget(how, path);
    Ok(LoggedOut {
        revoked,
        kind,
        removed,
        pending_removed,
    })
}

/// What else pointed at the connection: pending paste-flow sign-ins that
/// would have been saved there, and the registry entry. Best effort: the
/// connection itself is gone.
fn forget(how: Logout<'_>, path: &Path) -> usize {
    let n = how.key.map_or(0, |key| {
        pending::remove_for(&paths::pending_dir(how.config_dir), key, path)
    });
    if let Err(e) = known::forget(how.config_dir, path) {
        tracing::warn!(error = %e, "cannot update the registry of known connections");
    }
    n
}
