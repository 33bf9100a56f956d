//! The Save screen's jobs: write the settings to a file on this machine or
//! to a Vault / OpenBao path, never over a connection that is there unless
//! the user said "replace", and describe what was written.

use super::action::{Action, Failure, SaveTarget, Saved, Taken, VaultAuth, VaultTarget};
use crate::settings::key::{KeySource, load_or_create_key};
use crate::settings::vault::{self, Occupant, VaultClient, VaultConfig, VaultError, VaultLocation};
use crate::settings::{InitiateOAuth, Meta, Replace, Settings, SettingsError, Store, VaultStore};
use crate::text::shell_quote;
use std::path::{Path, PathBuf};

/// Runs the save the screen asked for; the answer is `SaveFinished` or
/// `SaveTaken`.
pub(super) async fn run(
    target: SaveTarget,
    mut settings: Settings,
    mode: InitiateOAuth,
    replace: bool,
    key: KeySource,
) -> Action {
    settings.meta.initiate_oauth = mode;
    let out = match target {
        SaveTarget::File { path, name } => {
            let r =
                tokio::task::spawn_blocking(move || to_file(&path, name, &settings, &key, replace))
                    .await
                    .unwrap_or_else(|e| Err(Failure::new(format!("the save stopped: {e}"))));
            Outcome::from(r)
        }
        SaveTarget::Vault(t) => to_vault(&t, &settings, replace).await,
    };
    match out {
        Outcome::Saved(s) => Action::SaveFinished(Ok(*s)),
        Outcome::Taken(t) => Action::SaveTaken(*t),
        Outcome::Failed(f) => Action::SaveFinished(Err(f)),
    }
}

enum Outcome {
    Saved(Box<Saved>),
    Taken(Box<Taken>),
    Failed(Failure),
}

impl From<Result<Outcome, Failure>> for Outcome {
    fn from(r: Result<Outcome, Failure>) -> Self {
        r.unwrap_or_else(Outcome::Failed)
    }
}

/// What a connection is, in a few words, for the "replace?" question.
fn holds(m: &Meta) -> String {
    let who = m
        .account
        .as_ref()
        .and_then(|a| a.label())
        .map(|w| format!(" for {}", crate::text::sanitize(w, 80)))
        .unwrap_or_default();
    let region = m
        .region
        .as_ref()
        .map(|r| format!(" ({})", crate::text::sanitize(r, 20)))
        .unwrap_or_default();
    format!(
        "a {} connection{who}{region}",
        crate::text::sanitize(&m.provider, 40)
    )
}

/// A name beside `name` in `dir` that no file has yet: the region first
/// (a second Cvent account is often the other region), then `-2`, `-3`…
fn free_name(dir: &Path, name: &str, region: Option<&str>) -> Option<String> {
    let taken = |n: &str| {
        std::fs::symlink_metadata(dir.join(format!("{n}.json"))).is_ok()
            || std::fs::symlink_metadata(dir.join(format!("{n}.json.bak"))).is_ok()
    };
    let by_region = region
        .filter(|r| !name.ends_with(&format!("-{r}")))
        .map(|r| format!("{name}-{r}"));
    by_region
        .into_iter()
        .chain((2..100).map(|i| format!("{name}-{i}")))
        .find(|n| !taken(n))
}

fn to_file(
    path: &Path,
    name: Option<String>,
    settings: &Settings,
    key: &KeySource,
    replace: bool,
) -> Result<Outcome, Failure> {
    let path = std::path::absolute(super::effects::expand_home(path))
        .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    // The key is created here, at Save, and nowhere earlier in the wizard.
    let key = load_or_create_key(key).map_err(|e| Failure::new(e.to_string()))?;
    use crate::settings::Occupant as AtPath;
    let occupant =
        crate::settings::occupant(&path, Some(&key)).map_err(|e| Failure::new(e.to_string()))?;
    let backup = (!matches!(occupant, AtPath::Free)).then(|| crate::settings::backup_path(&path));
    if !replace && !matches!(occupant, AtPath::Free) {
        let (what, unreadable) = match &occupant {
            AtPath::Connection(meta) => (holds(meta), false),
            _ => ("a file this machine's key cannot open".to_string(), true),
        };
        let free = match (&name, path.parent()) {
            (Some(n), Some(dir)) => free_name(dir, n, settings.meta.region.as_deref()),
            _ => None,
        };
        return Ok(Outcome::Taken(Box::new(Taken {
            location: path.display().to_string(),
            holds: what,
            backup,
            free_name: free,
            unreadable,
        })));
    }
    // "Replace" was answered to the question above, which said whether the
    // old file could be read; either way it is kept as the backup.
    crate::settings::replace(&path, &key, settings, Replace::forced(replace))
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok(Outcome::Saved(Box::new(Saved {
        location: path.display().to_string(),
        settings_arg: name.unwrap_or_else(|| shell_quote(&path.to_string_lossy())),
        file: Some(path),
        backup,
        env: Vec::new(),
        next: Vec::new(),
    })))
}

async fn to_vault(t: &VaultTarget, settings: &Settings, replace: bool) -> Outcome {
    match try_vault(t, settings, replace).await {
        Ok(o) => o,
        Err(e) => Outcome::Failed(Failure::new(vault_words(&e, t))),
    }
}

async fn try_vault(
    t: &VaultTarget,
    settings: &Settings,
    replace: bool,
) -> Result<Outcome, SettingsError> {
    let location = VaultLocation::parse(t.location.trim()).map_err(|e| SettingsError::Parse {
        path: PathBuf::from(&t.location),
        reason: e.to_string(),
    })?;
    let auth = match &t.auth {
        VaultAuth::Token => vault::Auth::Token(vault::token_from_env()?.0),
        VaultAuth::AppRole {
            role_id,
            secret_id_file,
        } => vault::approle(role_id, &super::effects::expand_home(secret_id_file))?,
    };
    let client = VaultClient::new(VaultConfig::new(&t.addr, auth)?)?;
    let addr = client.addr();
    let store = VaultStore::new(client, location.clone());
    // The test before saving: the path and its lock can be read, and what
    // is there (if anything) is known before a write.
    let backup = match store.occupant().await? {
        Occupant::Free => false,
        Occupant::Ours(old) if !replace => {
            return Ok(Outcome::Taken(Box::new(Taken {
                location: location.to_string(),
                holds: holds(&old.meta),
                backup: None,
                free_name: None,
                unreadable: false,
            })));
        }
        Occupant::Ours(_) => true,
        Occupant::Foreign(why) => {
            return Err(SettingsError::RefuseOverwrite {
                path: PathBuf::from(location.to_string()),
                reason: why,
            });
        }
    };
    if backup {
        store.replace(settings, Replace::Readable).await?;
    } else {
        // Create-only: a host that wrote meanwhile gets a conflict, not lost.
        store.save(settings, Replace::Readable).await?;
    }
    let mut env = vec![format!("VAULT_ADDR={}", shell_quote(&addr))];
    match &t.auth {
        VaultAuth::Token => env.push(match vault::token_source() {
            Some(src) => format!("a Vault token (here from {})", src.describe()),
            None => "a Vault token (VAULT_TOKEN or ~/.vault-token)".into(),
        }),
        VaultAuth::AppRole {
            role_id,
            secret_id_file,
        } => {
            env.push(format!(
                "OAUTH_SETUP_VAULT_ROLE_ID={}",
                shell_quote(role_id.trim())
            ));
            env.push(format!(
                "OAUTH_SETUP_VAULT_SECRET_ID_FILE={}",
                shell_quote(&secret_id_file.to_string_lossy())
            ));
        }
    }
    Ok(Outcome::Saved(Box::new(Saved {
        location: location.to_string(),
        settings_arg: location.to_string(),
        file: None,
        backup: None,
        env,
        next: Vec::new(),
    })))
}

/// A Vault failure in the Save form's words: the field to look at.
fn vault_words(e: &SettingsError, t: &VaultTarget) -> String {
    let SettingsError::Vault(v) = e else {
        return match e {
            SettingsError::RefuseOverwrite { path, .. } => format!(
                "{} holds something that is not oauth-setup settings; nothing was written. Choose another path.",
                path.display()
            ),
            SettingsError::Parse { reason, .. } => format!("Path: {reason}"),
            other => other.to_string(),
        };
    };
    match v {
        VaultError::NoAddress => {
            "Type the Vault address (for example https://vault.example.com:8200).".into()
        }
        VaultError::BadAddress { reason, .. } => format!("Vault address: {reason}"),
        VaultError::NoToken => "No Vault token found: start the wizard with VAULT_TOKEN (or BAO_TOKEN) set, write the token to ~/.vault-token, or choose AppRole.".into(),
        VaultError::File { what, path, reason } => {
            format!("Cannot read {what} from {}: {reason}", path.display())
        }
        VaultError::Unreachable { addr, reason } => format!(
            "No answer from Vault at {addr} ({reason}): check the Vault address and that the server runs."
        ),
        VaultError::Denied { api_path, .. } => format!(
            "Vault refused the token for {}: its policy needs read, create and update on `{api_path}` and on `{api_path}.lock`.",
            t.location.trim()
        ),
        VaultError::NoMount { mount, .. } => format!(
            "Vault has no KV v2 engine at `{mount}`: check the first part of the path, or enable it (`bao secrets enable -path={mount} kv-v2`)."
        ),
        VaultError::Conflict { path } => format!(
            "{path} was written by someone else meanwhile; nothing was overwritten. Press Enter to look again."
        ),
        VaultError::AppRole { reason, .. } => format!(
            "AppRole sign-in refused ({reason}): check the role ID and the secret ID file."
        ),
        VaultError::Http { .. } | VaultError::NotKv { .. } => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_name_prefers_the_region() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cvent.json"), "x").unwrap();
        assert_eq!(
            free_name(dir.path(), "cvent", Some("eu")).as_deref(),
            Some("cvent-eu")
        );
        std::fs::write(dir.path().join("cvent-eu.json"), "x").unwrap();
        assert_eq!(
            free_name(dir.path(), "cvent", Some("eu")).as_deref(),
            Some("cvent-2")
        );
        assert_eq!(
            free_name(dir.path(), "cvent-eu", Some("eu")).as_deref(),
            Some("cvent-eu-2")
        );
    }
}
