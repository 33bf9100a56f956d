//! What the executor does for the home screen with the saved connections:
//! read them, test one, renew one, log one out, say what one is used with.
//! Results come back in the wizard's words (keys, not flags).

use super::Executor;
use crate::connections::{self, CheckError, LogoutError};
use crate::provider::Profile;
use crate::revoke::Revoked;
use crate::settings::key::{KeySource, load_key};
use crate::settings::{SettingsError, now_unix};
use crate::token::TokenServiceError;
use crate::tui::action::{Action, Effect, Failure, Saved};
use std::path::Path;

/// Said when only a new sign-in helps: the home screen then offers it on Enter.
pub const SIGN_IN_HINT: &str = "Press s (or Enter) to sign in again: the answers are filled in.";

/// The saved connections in `config_dir`, read now. No key yet is no error:
/// nothing was saved with one, and every file shows as unreadable.
pub fn load(config_dir: &Path, key: &KeySource) -> Action {
    let key = load_key(key).ok();
    let result =
        connections::load(config_dir, key.as_ref()).map_err(|e| Failure::new(e.to_string()));
    Action::ConnectionsLoaded {
        at: now_unix(),
        result,
    }
}

fn key_failure(e: SettingsError) -> Failure {
    Failure::new(format!("the key does not open the settings: {e}"))
}

fn token_failure(e: TokenServiceError) -> Failure {
    match e {
        // The command-line advice in these is for the CLI: the wizard has a key for it.
        TokenServiceError::NeedsSignIn { reason, .. } => Failure {
            hint: Some(SIGN_IN_HINT.into()),
            ..Failure::new(reason)
        },
        TokenServiceError::ExpiredOff { .. } => Failure {
            hint: Some(SIGN_IN_HINT.into()),
            ..Failure::new("the token expired and InitiateOAuth is OFF, so it is not renewed")
        },
        TokenServiceError::HandedOff { to, ago, .. } => Failure {
            hint: Some(
                "s signs in again for a grant of this tool's own (the driver's stays).".into(),
            ),
            ..Failure::new(format!(
                "the refresh token was handed to a CData driver ({to}) {ago} min ago, so this tool no longer renews it"
            ))
        },
        other => Failure::new(other.to_string()),
    }
}

/// The provider's test request with the connection's token; `Ok` is its summary.
pub async fn test(path: &Path, key: &KeySource, profiles: &[Profile]) -> Result<String, Failure> {
    let key = load_key(key).map_err(key_failure)?;
    match connections::test(path, &key, profiles).await {
        Ok(o) => Ok(format!("Test call: {}", o.summary)),
        Err(CheckError::Token(e)) => Err(token_failure(e)),
        Err(e) if e.needs_sign_in() => Err(Failure {
            hint: Some(SIGN_IN_HINT.into()),
            ..Failure::new(format!("Test call failed: {e}"))
        }),
        Err(e) => Err(Failure::new(format!("Test call failed: {e}"))),
    }
}

/// A new token now; `Ok` says until when it is valid.
pub async fn renew(path: &Path, key: &KeySource) -> Result<String, Failure> {
    let key = load_key(key).map_err(key_failure)?;
    let fresh = connections::renew_now(path, &key)
        .await
        .map_err(token_failure)?;
    Ok(match fresh.settings.meta.expires_at {
        Some(at) => match at - now_unix() {
            left if left < 60 => "Renewed: valid for under a minute.".into(),
            left => format!("Renewed: valid for {} min.", left / 60),
        },
        None => "Renewed.".into(),
    })
}

/// Revokes (unless `local_only`) and removes; `Ok` says what happened.
pub async fn log_out(
    config_dir: &Path,
    path: &Path,
    key: &KeySource,
    local_only: bool,
) -> Result<String, Failure> {
    let key = if local_only {
        load_key(key).ok()
    } else {
        Some(load_key(key).map_err(key_failure)?)
    };
    let how = connections::Logout {
        config_dir,
        key: key.as_ref(),
        revoke: !local_only,
    };
    let out = connections::log_out(path, how).await.map_err(|e| match e {
        LogoutError::Revoke { .. } => Failure {
            hint: Some("Nothing was removed: y removes it anyway, n keeps it.".into()),
            ..Failure::new(e.to_string())
        },
        other => Failure::new(other.to_string()),
    })?;
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(match out.revoked {
        Some(Revoked::At(url)) => format!(
            "Logged out of {name}: revoked at {} and removed.",
            connections::endpoint_host(&url)
        ),
        Some(Revoked::NothingToRevoke) => format!(
            "Removed {name}. {}",
            out.kind.map_or(
                "Nothing to revoke at the provider.",
                connections::Kind::nothing_to_revoke
            )
        ),
        None => format!("Removed {name} (not revoked at the provider)."),
    })
}

/// A saved file as the Save screen knows it after saving (it fills in the
/// next commands itself).
pub fn describe(path: &Path, config_dir: &Path) -> Saved {
    let settings_arg = crate::paths::connection_name(config_dir, path)
        .unwrap_or_else(|| crate::text::shell_quote(&path.to_string_lossy()));
    Saved {
        location: path.display().to_string(),
        settings_arg,
        file: Some(path.to_path_buf()),
        backup: None,
        env: Vec::new(),
        next: Vec::new(),
    }
}

impl Executor {
    /// Runs one of the saved-connection effects; results come back as actions.
    pub(super) fn connection_job(&self, effect: Effect) {
        match effect {
            Effect::LoadConnections { config_dir } => {
                let key = self.key.clone();
                self.blocking(move || load(&config_dir, &key));
            }
            Effect::TestConnection { run, path } => {
                let (key, profiles) = (self.key.clone(), self.profiles.clone());
                self.spawn(async move {
                    let result = test(&path, &key, &profiles).await;
                    Action::ConnectionFinished { run, result }
                });
            }
            Effect::RenewConnection { run, path } => {
                let key = self.key.clone();
                self.spawn(async move {
                    let result = renew(&path, &key).await;
                    Action::ConnectionFinished { run, result }
                });
            }
            Effect::Logout {
                run,
                config_dir,
                path,
                local_only,
            } => {
                // It waits for the file's lock: off the async workers.
                let (key, handle) = (self.key.clone(), self.handle.clone());
                self.blocking(move || {
                    let result = handle.block_on(log_out(&config_dir, &path, &key, local_only));
                    Action::ConnectionFinished { run, result }
                });
            }
            Effect::Describe { path, config_dir } => {
                let _ = self
                    .tx
                    .send(Action::Described(describe(&path, &config_dir)));
            }
            other => tracing::warn!(?other, "not a connection job"),
        }
    }
}
