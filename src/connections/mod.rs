//! The saved connections, as `list` and the wizard's home screen show them:
//! where each settings file is, whose it is, and what state its token is in.
//! What can be done to one from either face lives beside: `check` (test
//! it, renew it now) and `logout` (revoke at the provider, then forget).

mod check;
pub mod deadline;
pub mod health;
mod kind;
mod logout;

pub use check::{CheckError, renew_now, test};
pub use deadline::Outlook;
pub use kind::{Kind, endpoint_host, logout_question};
pub use logout::{LoggedOut, Logout, LogoutError, log_out};

use crate::provider::SchemeKind;
use crate::settings::{self, Key, LastTest, Settings, now_unix};
use crate::{paths, token};
use std::path::{Path, PathBuf};

/// One saved connection. No secret in it: what can be shown and printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The file's name without `.json` (what `--settings NAME` takes).
    pub name: String,
    pub location: PathBuf,
    /// Provider profile id; None when the file could not be read.
    pub provider: Option<String>,
    /// Scheme id within the profile.
    pub method: Option<String>,
    pub kind: Option<SchemeKind>,
    /// Who signed in, else the username or client ID the file was made with.
    pub account: Option<String>,
    pub token: TokenState,
    /// Unix seconds when the access token expires.
    pub expires_at: Option<i64>,
    pub last_test: Option<LastTest>,
    /// What it needs next and by when; None when it could not be read.
    pub outlook: Option<Outlook>,
    /// The renewal record (last attempt, success, failure).
    pub renewal: Option<settings::renewal::Renewals>,
}

/// What a connection's token can do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    /// Usable as it is; `minutes` left when the file records an expiry.
    Valid { minutes: Option<i64> },
    /// Expired (or about to), and the file holds what renews it unattended.
    Renewable,
    /// Nothing left to renew with, or the provider refused the grant
    /// (`reason`, as recorded by the renewal that found out): only a new
    /// sign-in helps.
    NeedsSignIn { reason: Option<String> },
    /// The refresh token was given to a CData driver (`connection-string
    /// --mode handoff`): this tool no longer renews it.
    HandedOff { to: Option<String>, since: i64 },
    /// The file could not be opened (wrong key, damaged, missing key).
    Unreadable(String),
    /// A remembered location outside the config dir whose file has gone
    /// (perhaps on a disk not mounted now): kept until `logout` forgets it.
    Missing,
}

impl TokenState {
    /// A stable, machine-readable word (`list --json`'s `state`).
    pub fn code(&self) -> &'static str {
        match self {
            TokenState::Valid { .. } => "valid",
            TokenState::Renewable => "renewable",
            TokenState::NeedsSignIn { .. } => "needs_sign_in",
            TokenState::HandedOff { .. } => "handed_off",
            TokenState::Unreadable(_) => "unreadable",
            TokenState::Missing => "missing",
        }
    }

    /// The state in a few words for a table cell.
    pub fn short(&self) -> String {
        match self {
            TokenState::Valid { minutes: Some(m) } => format!("valid for {m} min"),
            TokenState::Valid { minutes: None } => "valid".into(),
            TokenState::Renewable => "renewable".into(),
            TokenState::NeedsSignIn { reason: None } => "needs sign-in".into(),
            TokenState::NeedsSignIn { reason: Some(r) } => format!("needs sign-in: {r}"),
            TokenState::HandedOff { .. } => "handed off".into(),
            TokenState::Unreadable(_) => "unreadable".into(),
            TokenState::Missing => "missing".into(),
        }
    }

    /// The state of an opened settings file at `now` (Unix seconds).
    pub fn of(s: &Settings, now: i64) -> TokenState {
        if let Some(since) = s.meta.handed_off_at
            && s.secrets.refresh_token.is_some()
        {
            return TokenState::HandedOff {
                to: s.meta.handed_off_to.clone(),
                since,
            };
        }
        // Refused by the provider: whatever the access token's clock says,
        // the grant is gone (and a 401 may be how it was found out).
        if let Some(f) = settings::renewal::dead_grant(&s.meta) {
            return TokenState::NeedsSignIn {
                reason: Some(f.reason.clone()),
            };
        }
        if token::usable_token(s, now).is_some() {
            return TokenState::Valid {
                minutes: s.meta.expires_at.map(|at| (at - now).max(0) / 60),
            };
        }
        if token::can_renew_unattended(s) {
            TokenState::Renewable
        } else {
            TokenState::NeedsSignIn { reason: None }
        }
    }
}

/// A connection with its opened settings, for a face that acts on it (the
/// wizard signs in again from these answers, exports them, tests them).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub connection: Connection,
    pub settings: Option<Settings>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("cannot list {dir}: {source}")]
    Dir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
}

/// Every settings file to show, sorted, each once.
pub fn locations(config_dir: &Path) -> Result<Vec<PathBuf>, ListError> {
    let files = files_in(&paths::settings_dir(config_dir))?;
    // Files written outside the config dir, from the registry of remembered
    // locations; its Vault locations are read by the faces that can reach
    // Vault (see [`vault_locations`]).
    let elsewhere = settings::known::locations(config_dir)
        .into_iter()
        .filter(|p| !is_vault(p))
        .collect();
    Ok(merge(files, elsewhere))
}

/// "just now", "5 min ago", "2 h ago", "3 d ago": how long before now
/// `secs` seconds are, for a table cell.
pub fn ago(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86400),
    }
}

/// The remembered `vault://` locations, for a face that reads Vault.
pub fn vault_locations(config_dir: &Path) -> Vec<String> {
    settings::known::locations(config_dir)
        .into_iter()
        .filter(|p| is_vault(p))
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

fn is_vault(p: &Path) -> bool {
    settings::vault::VaultLocation::is_vault(&p.to_string_lossy())
}

/// `ours` and `elsewhere` as one sorted list without duplicates: `ours`
/// first (sorted), then the rest in the order they came.
pub fn merge(mut ours: Vec<PathBuf>, elsewhere: Vec<PathBuf>) -> Vec<PathBuf> {
    ours.sort();
    for p in elsewhere {
        if !ours.contains(&p) {
            ours.push(p);
        }
    }
    ours
}

fn files_in(dir: &Path) -> Result<Vec<PathBuf>, ListError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(ListError::Dir {
            dir: dir.display().to_string(),
            source: e,
        }),
    }
}

/// The connections in `config_dir`, opened with `key` (None when there is
/// no key yet: then nothing was saved with it and every file is unreadable).
pub fn list(config_dir: &Path, key: Option<&Key>) -> Result<Vec<Connection>, ListError> {
    Ok(load(config_dir, key)?
        .into_iter()
        .map(|l| l.connection)
        .collect())
}

/// [`list`], keeping each opened document beside its row.
pub fn load(config_dir: &Path, key: Option<&Key>) -> Result<Vec<Loaded>, ListError> {
    let now = now_unix();
    Ok(locations(config_dir)?
        .iter()
        .map(|p| open(p, key, now))
        .collect())
}

/// One connection from the file at `path`.
pub fn open(path: &Path, key: Option<&Key>, now: i64) -> Loaded {
    if path.symlink_metadata().is_err() {
        return Loaded {
            connection: Connection::without_settings(path, TokenState::Missing),
            settings: None,
        };
    }
    let read = key
        .ok_or_else(|| "no key: nothing was saved with this machine's key yet".to_string())
        .and_then(|k| settings::read(path, k).map_err(|e| e.to_string()));
    match read {
        Ok(s) => Loaded {
            connection: Connection::of(path, &s, now),
            settings: Some(s),
        },
        Err(e) => Loaded {
            connection: Connection::without_settings(path, TokenState::Unreadable(e)),
            settings: None,
        },
    }
}

impl Connection {
    /// The row for the opened settings saved at `path`, its token's state at
    /// `now` (Unix seconds).
    pub fn of(path: &Path, s: &Settings, now: i64) -> Connection {
        of_settings(name_of(path), path, s, now)
    }

    /// The row for a location that could not be opened.
    pub fn without_settings(path: &Path, token: TokenState) -> Connection {
        Connection {
            name: name_of(path),
            location: path.to_path_buf(),
            provider: None,
            method: None,
            kind: None,
            account: None,
            token,
            expires_at: None,
            last_test: None,
            outlook: None,
            renewal: None,
        }
    }
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn of_settings(name: String, path: &Path, s: &Settings, now: i64) -> Connection {
    let m = &s.meta;
    let account = m
        .account
        .as_ref()
        .and_then(|a| a.label())
        .map(str::to_string)
        .or_else(|| m.username.clone())
        .or_else(|| m.client_id.clone());
    Connection {
        name,
        location: path.to_path_buf(),
        provider: Some(m.provider.clone()),
        method: Some(m.scheme.clone()),
        kind: Some(m.kind),
        account,
        token: TokenState::of(s, now),
        expires_at: m.expires_at,
        last_test: m.last_test.clone(),
        outlook: Some(deadline::outlook(s, deadline::limits_of(m).as_ref(), now)),
        renewal: m.renewal.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Meta, Secrets};
    use secrecy::SecretString;

    fn secret(s: &str) -> Option<SecretString> {
        Some(SecretString::from(s.to_string()))
    }

    fn code_flow(expires_at: i64, refresh: bool) -> Settings {
        let mut meta = Meta::new("hubdb", "oauth", SchemeKind::AuthorizationCode);
        meta.expires_at = Some(expires_at);
        let secrets = Secrets {
            access_token: secret("at"),
            refresh_token: if refresh { secret("rt") } else { None },
            ..Secrets::default()
        };
        Settings::new(meta, secrets)
    }

    #[test]
    fn token_states() {
        let now = 1_800_000_000;
        let valid = TokenState::of(&code_flow(now + 30 * 60 + 30, true), now);
        assert_eq!(valid, TokenState::Valid { minutes: Some(30) });
        assert_eq!(valid.short(), "valid for 30 min");
        let expired = code_flow(now - 10, true);
        assert_eq!(TokenState::of(&expired, now), TokenState::Renewable);
        assert_eq!(
            TokenState::of(&code_flow(now - 10, false), now),
            TokenState::NeedsSignIn { reason: None }
        );
        // A refused grant reads as such, even with time left on the token.
        let mut refused = code_flow(now + 3000, true);
        refused.meta.token_timestamp_ms = Some(now * 1000);
        settings::renewal::record_failure(&mut refused.meta, "invalid_grant: revoked", true);
        let state = TokenState::of(&refused, now);
        assert_eq!(state.short(), "needs sign-in: invalid_grant: revoked");
        assert_eq!(state.code(), "needs_sign_in");
        let mut handed = expired;
        handed.meta.handed_off_at = Some(now - 600);
        handed.meta.handed_off_to = Some("memory://crm".into());
        let state = TokenState::of(&handed, now);
        assert_eq!(state.code(), "handed_off");
        assert_eq!(
            state,
            TokenState::HandedOff {
                to: Some("memory://crm".into()),
                since: now - 600
            }
        );
        let mut fixed = Meta::new("hubdb", "token", SchemeKind::StaticToken);
        fixed.expires_at = None;
        let fixed = Settings::new(
            fixed,
            Secrets {
                static_token: secret("pat"),
                ..Secrets::default()
            },
        );
        assert_eq!(
            TokenState::of(&fixed, now),
            TokenState::Valid { minutes: None }
        );
    }

    #[test]
    fn merge_keeps_ours_sorted_then_the_rest_once() {
        let p = |s: &str| PathBuf::from(s);
        let got = merge(
            vec![p("/c/settings/b.json"), p("/c/settings/a.json")],
            vec![p("/srv/x.json"), p("/c/settings/a.json"), p("/srv/x.json")],
        );
        assert_eq!(
            got,
            vec![
                p("/c/settings/a.json"),
                p("/c/settings/b.json"),
                p("/srv/x.json")
            ]
        );
    }

    #[test]
    fn an_unreadable_file_is_a_row_with_its_reason() {
        let dir = tempfile::tempdir().unwrap();
        let settings = paths::settings_dir(dir.path());
        std::fs::create_dir_all(&settings).unwrap();
        std::fs::write(settings.join("broken.json"), "{").unwrap();
        std::fs::write(settings.join("notes.txt"), "not a connection").unwrap();
        let key = Key::generate().unwrap();
        let rows = list(dir.path(), Some(&key)).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "broken");
        assert!(matches!(rows[0].token, TokenState::Unreadable(_)));
        let none = list(dir.path(), None).unwrap();
        assert!(matches!(&none[0].token, TokenState::Unreadable(e) if e.contains("no key")));
        assert!(list(&dir.path().join("nothing"), None).unwrap().is_empty());
    }
}
