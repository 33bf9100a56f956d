//! Where profiles come from: the builtin ones embedded from
//! `assets/providers/`, plus `*.toml` files in the user's providers directory
//! (`<config_dir>/providers/`). A user file with a builtin's id replaces it, so
//! a provider that moves an endpoint can be fixed without a new release.
//!
//! # Template variables
//! A template (`{host}/ea/oauth2/token`, header values, the test URL) may use:
//! - a variable declared under `[vars.NAME]`; regions may only set declared
//!   variables, so a region cannot introduce a name nothing documents;
//! - a *runtime* variable: the name of a non-secret [`Field`] (`org_id`,
//!   `event_id`, `client_id`, `username`, `service_root`, `issuer`, ...), whose
//!   value the flow takes from what the user entered.
//!
//! Secret fields (`client_secret`, `password`, `token`) are never variables:
//! a template would copy them into URLs and headers that get logged.

use super::error::ProviderError;
use super::types::Profile;
use super::validate::validate_at;
use std::path::Path;
use std::sync::OnceLock;

/// The builtin profiles' sources, by file name (the profile's id), in
/// display order.
const BUILTIN: &[(&str, &str)] = &[
    (
        "cvent.toml",
        include_str!("../../assets/providers/cvent.toml"),
    ),
    (
        "hubdb.toml",
        include_str!("../../assets/providers/hubdb.toml"),
    ),
    (
        "odata.toml",
        include_str!("../../assets/providers/odata.toml"),
    ),
    (
        "inevent.toml",
        include_str!("../../assets/providers/inevent.toml"),
    ),
    (
        "eventtemple.toml",
        include_str!("../../assets/providers/eventtemple.toml"),
    ),
    (
        "custom.toml",
        include_str!("../../assets/providers/custom.toml"),
    ),
];

/// Parses and validates the builtin profiles. Only tests need the `Result`:
/// a builtin that fails is a bug in this crate.
pub fn try_builtin() -> Result<Vec<Profile>, ProviderError> {
    BUILTIN
        .iter()
        .map(|(file, src)| {
            let origin = format!("builtin assets/providers/{file}");
            let profile = parse_str(src, &origin)?;
            validate_at(&profile, &origin)?;
            Ok(profile)
        })
        .collect()
}

/// The builtin profiles, parsed once.
pub fn builtin() -> Vec<Profile> {
    static CELL: OnceLock<Vec<Profile>> = OnceLock::new();
    CELL.get_or_init(|| match try_builtin() {
        Ok(p) => p,
        // Covered by tests/providers.rs; reaching this is a packaging bug.
        Err(e) => panic!("builtin provider profile is broken: {e}"),
    })
    .clone()
}

/// The profile `id` as [`load_all`] + [`find`] would give it, parsing only
/// what that needs: with no user profiles (the usual case) only the builtin
/// named after the id, so a command that needs one profile does not pay
/// for all of them on every run (`exec`, `api`).
pub fn load_one(user_dir: Option<&Path>, id: &str) -> Result<Profile, ProviderError> {
    if !has_user_files(user_dir)?
        && let Some((file, src)) = BUILTIN
            .iter()
            .find(|(file, _)| file.strip_suffix(".toml") == Some(id))
    {
        let origin = format!("builtin assets/providers/{file}");
        let profile = parse_str(src, &origin)?;
        validate_at(&profile, &origin)?;
        if profile.id == id {
            return Ok(profile);
        }
    }
    let all = load_all(user_dir)?;
    find(&all, id).cloned()
}

// `BUILTIN_API_BASES`, written by build.rs from the same assets.
include!(concat!(env!("OUT_DIR"), "/api_bases.rs"));

/// The `api_base` template of the builtin profile `id`, without parsing the
/// profile: `Some` only when no user profile could replace it (the user's
/// providers directory holds no profile). `exec` needs only this template,
/// and a whole profile's parse cost more than the rest of its call.
pub fn builtin_api_base(user_dir: Option<&Path>, id: &str) -> Option<Option<&'static str>> {
    // A directory that cannot be read is left to the parse, which says why.
    if has_user_files(user_dir).unwrap_or(true) {
        return None;
    }
    BUILTIN_API_BASES
        .iter()
        .find(|(builtin, _)| *builtin == id)
        .map(|(_, base)| *base)
}

/// Parses one profile from TOML. `origin` names the source in errors.
pub fn parse_str(src: &str, origin: &str) -> Result<Profile, ProviderError> {
    toml::from_str(src).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(src, s.start)).unwrap_or((1, 1));
        // Quoting the line names the field even when serde's message does not
        // ("invalid type: integer `3`, expected a sequence").
        let mut message = e.message().trim().to_string();
        if let Some(text) = src.lines().nth(line - 1).map(str::trim_end)
            && !text.trim().is_empty()
        {
            message = format!("{message}\n  {line} | {text}");
        }
        ProviderError::Parse {
            origin: origin.to_string(),
            line,
            column,
            message,
        }
    })
}

/// 1-based line and column of byte `offset` in `src`.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (line, column)
}

/// Reads, parses and validates one profile file.
pub fn load_file(path: &Path) -> Result<Profile, ProviderError> {
    let src = std::fs::read_to_string(path).map_err(|source| ProviderError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let origin = display_path(path);
    let profile = parse_str(&src, &origin)?;
    validate_at(&profile, &origin)?;
    Ok(profile)
}

/// The builtin profiles plus every `*.toml` in `user_dir` (sorted by file
/// name). A user profile with a builtin's id takes the builtin's place; new
/// ids are appended. A missing directory is not an error: most users have none.
pub fn load_all(user_dir: Option<&Path>) -> Result<Vec<Profile>, ProviderError> {
    let (profiles, mut errors) = load_all_lenient(user_dir);
    match errors.is_empty() {
        true => Ok(profiles),
        false => Err(errors.remove(0)),
    }
}

/// Like [`load_all`], but keeps every profile that loaded and returns the
/// errors beside them, so a UI can still offer the good providers and show
/// what is wrong with the others.
pub fn load_all_lenient(user_dir: Option<&Path>) -> (Vec<Profile>, Vec<ProviderError>) {
    let mut profiles = builtin();
    let mut errors = Vec::new();
    let Some(dir) = user_dir else {
        return (profiles, errors);
    };
    let files = match user_files(dir) {
        Ok(f) => f,
        Err(e) => return (profiles, vec![e]),
    };
    // Which user file defined each id, to report duplicates by name.
    let mut seen: Vec<(String, String)> = Vec::new();
    for path in files {
        let profile = match load_file(&path) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let origin = display_path(&path);
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == profile.id) {
            errors.push(ProviderError::Duplicate {
                id: profile.id.clone(),
                first: first.clone(),
                second: origin,
            });
            continue;
        }
        seen.push((profile.id.clone(), origin));
        match profiles.iter_mut().find(|p| p.id == profile.id) {
            Some(slot) => {
                *slot = Profile {
                    replaces_builtin: true,
                    ..profile
                }
            }
            None => profiles.push(profile),
        }
    }
    (profiles, errors)
}

/// Whether the user's providers directory holds a profile (any of which
/// may replace a builtin).
fn has_user_files(user_dir: Option<&Path>) -> Result<bool, ProviderError> {
    match user_dir {
        None => Ok(false),
        Some(dir) => Ok(!user_files(dir)?.is_empty()),
    }
}

fn user_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, ProviderError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ProviderError::Read {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ProviderError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        // Editors leave `.acme.toml.swp` and `#acme.toml#` behind; only plain
        // `*.toml` files are profiles.
        let is_toml = path.extension().is_some_and(|e| e == "toml")
            && !entry.file_name().to_string_lossy().starts_with('.');
        if is_toml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `path` with the home directory shown as `~`, as users type it.
fn display_path(path: &Path) -> String {
    if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
        && let Ok(rest) = path.strip_prefix(&home)
        && !home.as_os_str().is_empty()
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

/// The profile with `id` (case-insensitive). The error lists the known ids and
/// suggests the closest one.
pub fn find<'a>(profiles: &'a [Profile], id: &str) -> Result<&'a Profile, ProviderError> {
    let wanted = id.trim();
    if let Some(p) = profiles
        .iter()
        .find(|p| p.id == wanted)
        .or_else(|| profiles.iter().find(|p| p.id.eq_ignore_ascii_case(wanted)))
    {
        return Ok(p);
    }
    let lower = wanted.to_ascii_lowercase();
    let suggestion = profiles
        .iter()
        .map(|p| {
            let pid = p.id.to_ascii_lowercase();
            let name = p.name.to_ascii_lowercase();
            // Users type the brand ("hubspot") as often as the id ("hubdb"),
            // so words of the display name count as well; a prefix wins.
            let score = if !lower.is_empty() && pid.starts_with(&lower) {
                0
            } else {
                name.split_whitespace()
                    .map(|w| edit_distance(&lower, w))
                    .chain([edit_distance(&lower, &pid)])
                    .min()
                    .unwrap_or(usize::MAX)
            };
            (score, &p.id)
        })
        .filter(|(score, _)| *score <= (lower.chars().count() / 3).max(2))
        .min_by_key(|(score, _)| *score)
        .map(|(_, pid)| pid.clone());
    Err(ProviderError::UnknownProvider {
        id: wanted.to_string(),
        suggestion,
        known: profiles
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_one_gives_what_load_all_gives() {
        for (file, _) in BUILTIN {
            assert_eq!(
                builtin()
                    .iter()
                    .find(|p| format!("{}.toml", p.id) == *file)
                    .map(|p| &p.id),
                file.strip_suffix(".toml").map(String::from).as_ref(),
                "{file} is named after its profile's id"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        for p in builtin() {
            assert_eq!(load_one(Some(dir.path()), &p.id).unwrap(), p);
        }
        // A user profile replaces the builtin, as in load_all.
        let src = BUILTIN[0].1;
        std::fs::write(dir.path().join("mine.toml"), src).unwrap();
        let one = load_one(Some(dir.path()), "cvent").unwrap();
        assert!(one.replaces_builtin);
        assert!(load_one(Some(dir.path()), "nope").is_err());
    }

    #[test]
    fn the_built_api_bases_are_the_profiles_own() {
        let all = builtin();
        assert_eq!(BUILTIN_API_BASES.len(), all.len());
        for p in &all {
            assert_eq!(
                builtin_api_base(None, &p.id),
                Some(p.api_base.as_deref()),
                "{}",
                p.id
            );
        }
        assert_eq!(builtin_api_base(None, "nope"), None);
        // A user profile may replace any builtin: then it is parsed.
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            builtin_api_base(Some(dir.path()), "cvent"),
            Some(Some("{host}/ea"))
        );
        std::fs::write(dir.path().join("mine.toml"), BUILTIN[0].1).unwrap();
        assert_eq!(builtin_api_base(Some(dir.path()), "cvent"), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("cvnet", "cvent"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("hubdb", "hubdb"), 0);
    }
}
