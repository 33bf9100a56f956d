//! `vault://MOUNT/PATH`: a KV v2 secret, `MOUNT/data/PATH` in Vault's API.

/// Where a settings document lives in Vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLocation {
    pub mount: String,
    pub path: String,
}

pub const SCHEME: &str = "vault://";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{given}` is not a Vault location: write vault://MOUNT/PATH (e.g. vault://secret/oauth/crm), {why}"
)]
pub struct LocationError {
    given: String,
    why: &'static str,
}

impl VaultLocation {
    /// True when `raw` names a Vault location rather than a file.
    pub fn is_vault(raw: &str) -> bool {
        raw.starts_with(SCHEME)
    }

    pub fn parse(raw: &str) -> Result<VaultLocation, LocationError> {
        let bad = |why| LocationError {
            given: raw.chars().filter(|c| !c.is_control()).take(200).collect(),
            why,
        };
        let rest = raw
            .strip_prefix(SCHEME)
            .ok_or(bad("starting with vault://"))?;
        let (mount, path) = rest
            .split_once('/')
            .ok_or(bad("with a path after the mount"))?;
        let path = path.trim_end_matches('/');
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if !segment_ok(mount) {
            return Err(bad("the mount being letters, digits, `-`, `_` or `.`"));
        }
        if path.is_empty() || !path.split('/').all(segment_ok) {
            return Err(bad(
                "each path segment being letters, digits, `-`, `_` or `.`",
            ));
        }
        Ok(VaultLocation {
            mount: mount.to_string(),
            path: path.to_string(),
        })
    }

    /// The renewal lock's own secret, beside the settings.
    pub fn lock(&self) -> VaultLocation {
        VaultLocation {
            mount: self.mount.clone(),
            path: format!("{}.lock", self.path),
        }
    }

    /// `MOUNT/data/PATH`, the API path of the current version.
    pub fn data_path(&self) -> String {
        format!("{}/data/{}", self.mount, self.path)
    }

    /// `MOUNT/metadata/PATH`: the secret with all its versions.
    pub fn metadata_path(&self) -> String {
        format!("{}/metadata/{}", self.mount, self.path)
    }
}

impl std::fmt::Display for VaultLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.mount, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let l = VaultLocation::parse("vault://secret/oauth/crm").unwrap();
        assert_eq!(l.mount, "secret");
        assert_eq!(l.path, "oauth/crm");
        assert_eq!(l.data_path(), "secret/data/oauth/crm");
        assert_eq!(l.lock().data_path(), "secret/data/oauth/crm.lock");
        assert_eq!(l.to_string(), "vault://secret/oauth/crm");
        for bad in [
            "secret/oauth",
            "vault://secret",
            "vault://secret/",
            "vault:///x",
            "vault://secret/../x",
            "vault://secret/a b",
            "vault://secret/a?x=1",
            "vault://sec\nret/a",
        ] {
            assert!(VaultLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
