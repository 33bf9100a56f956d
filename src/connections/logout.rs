//! Ending a connection: its grant revoked at the provider (RFC 7009), then
//! its files removed. `oauth-setup logout` and the wizard's home screen both
//! come here.

use crate::revoke::{self, RevokeError, Revoked};
use crate::settings::{self, Key, SettingsError};
use std::path::{Path, PathBuf};

/// What logging out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOut {
    /// None with `local_only`: the provider was not asked.
    pub revoked: Option<Revoked>,
    /// The files removed (settings, backup, lock).
    pub removed: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    #[error("no connection at {0}")]
    Missing(String),
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
/// 7009) with the settings opened by `revoke_with`, then removes the file,
/// its backup and its lock. A revocation that fails keeps every file: it is
/// the only handle left on a live grant. `None` removes without asking the
/// provider (`--local-only`).
pub async fn log_out(path: &Path, revoke_with: Option<&Key>) -> Result<LoggedOut, LogoutError> {
    if !path.exists() {
        return Err(LogoutError::Missing(path.display().to_string()));
    }
    // Held while the file goes, so a renewal cannot write it back.
    let _lock = settings::lock_exclusive(path, settings::lock_timeout())?;
    let revoked = match revoke_with {
        None => None,
        Some(key) => {
            let s = settings::read(path, key)?;
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
    Ok(LoggedOut { revoked, removed })
}
