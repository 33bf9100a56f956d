//! The connections that live outside `<config dir>/settings/` (a file given
//! with `--settings PATH`, or a Vault location), remembered in one small
//! registry file so that `list` and the wizard find them again.
//!
//! The registry holds locations only, never secrets. An entry whose file has
//! gone stays until `logout` forgets it: `list` shows it as missing (a file on
//! an unmounted disk comes back; a silently dropped entry would not).

use super::atomic::{Backup, write_atomic_with};
use super::error::SettingsError;
use super::lock::{lock_exclusive, lock_timeout};
use crate::paths;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const FORMAT: &str = "oauth-setup-known";
const VERSION: u32 = 1;
/// A registry is a handful of lines; more than this is not ours.
const MAX_ENTRIES: usize = 1000;
const MAX_BYTES: u64 = 1 << 20;

#[derive(Debug, Default, Deserialize, Serialize)]
struct Registry {
    format: String,
    version: u32,
    locations: Vec<String>,
}

/// Remembers `location` (a settings file or `vault://…`), unless it is in
/// the config dir's settings folder, where `list` looks anyway. Relative
/// paths are made absolute first.
pub fn remember(config_dir: &Path, location: &Path) -> Result<(), SettingsError> {
    let Some(entry) = entry_of(config_dir, location) else {
        return Ok(());
    };
    change(config_dir, |list| {
        if list.contains(&entry) {
            false
        } else {
            list.push(entry);
            true
        }
    })
}

/// Forgets `location`; true when it was remembered.
pub fn forget(config_dir: &Path, location: &Path) -> Result<bool, SettingsError> {
    let Some(entry) = entry_of(config_dir, location) else {
        return Ok(false);
    };
    let mut found = false;
    change(config_dir, |list| {
        let before = list.len();
        list.retain(|l| *l != entry);
        found = list.len() != before;
        found
    })?;
    Ok(found)
}

/// Every remembered location, in the order they were first written. A
/// registry that cannot be read counts as empty (it is logged): it only
/// helps `list`, and the next write replaces it.
pub fn locations(config_dir: &Path) -> Vec<PathBuf> {
    read(&paths::known_file(config_dir))
        .into_iter()
        .map(PathBuf::from)
        .collect()
}

/// The registry's spelling of `location`: `vault://…` as given, a path made
/// absolute; `None` for a file inside `<config dir>/settings/`.
fn entry_of(config_dir: &Path, location: &Path) -> Option<String> {
    let text = location.to_string_lossy();
    if super::vault::VaultLocation::is_vault(&text) {
        return Some(text.into_owned());
    }
    let abs = std::path::absolute(location).ok()?;
    let settings_dir = std::path::absolute(paths::settings_dir(config_dir)).ok()?;
    if abs.parent() == Some(settings_dir.as_path()) {
        return None;
    }
    Some(abs.to_string_lossy().into_owned())
}

/// Read-modify-write under the registry's own lock, so two logins at once
/// both get remembered. `edit` says whether it changed anything.
fn change(
    config_dir: &Path,
    edit: impl FnOnce(&mut Vec<String>) -> bool,
) -> Result<(), SettingsError> {
    let file = paths::known_file(config_dir);
    let _lock = lock_exclusive(&file, lock_timeout())?;
    let mut list = read(&file);
    if !edit(&mut list) {
        return Ok(());
    }
    list.truncate(MAX_ENTRIES);
    let doc = Registry {
        format: FORMAT.into(),
        version: VERSION,
        locations: list,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("strings serialize");
    bytes.push(b'\n');
    write_atomic_with(&file, &bytes, Backup::None)
}

fn read(file: &Path) -> Vec<String> {
    let bytes = match std::fs::metadata(file) {
        Ok(md) if md.len() > MAX_BYTES => {
            tracing::warn!(path = %file.display(), "registry of known connections is too large; ignored");
            return Vec::new();
        }
        Ok(_) => match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(path = %file.display(), error = %e, "cannot read the registry of known connections");
                return Vec::new();
            }
        },
        Err(_) => return Vec::new(),
    };
    match serde_json::from_slice::<Registry>(&bytes) {
        Ok(r) if r.format == FORMAT && r.version <= VERSION => r
            .locations
            .into_iter()
            // Shown on a terminal later: only clean lines are kept.
            .filter(|l| !l.is_empty() && !crate::text::has_unsafe(l))
            .take(MAX_ENTRIES)
            .collect(),
        _ => {
            tracing::warn!(path = %file.display(), "the registry of known connections is not ours; ignored");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_outside_paths_and_vault_once_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let outside = dir.path().join("elsewhere.json");
        let inside = paths::settings_file(&config, "crm");
        remember(&config, &outside).unwrap();
        remember(&config, &outside).unwrap();
        remember(&config, &inside).unwrap();
        remember(&config, Path::new("vault://secret/crm")).unwrap();
        assert_eq!(
            locations(&config),
            vec![outside.clone(), PathBuf::from("vault://secret/crm")]
        );
        let file = paths::known_file(&config);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(forget(&config, &outside).unwrap());
        assert!(!forget(&config, &outside).unwrap());
        assert_eq!(
            locations(&config),
            vec![PathBuf::from("vault://secret/crm")]
        );
    }

    #[test]
    fn a_foreign_or_hostile_registry_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().to_path_buf();
        let file = paths::known_file(&config);
        std::fs::write(&file, "not json").unwrap();
        assert!(locations(&config).is_empty());
        std::fs::write(
            &file,
            r#"{"format":"oauth-setup-known","version":1,"locations":["/ok.json","/bad\u001b[2J.json"]}"#,
        )
        .unwrap();
        assert_eq!(locations(&config), vec![PathBuf::from("/ok.json")]);
        remember(&config, Path::new("/other.json")).unwrap();
        assert_eq!(
            locations(&config),
            vec![PathBuf::from("/ok.json"), PathBuf::from("/other.json")]
        );
    }
}
