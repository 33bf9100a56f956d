//! The 32-byte key that seals the secrets envelope, and where it comes from.
//!
//! The key is random, not derived from a passphrase, so the token fast path
//! is a plain read + decode: no KDF ever runs here.

use super::error::SettingsError;
use super::key_file::{
    ReadErr, check_creatable, fix_default_mode, load_or_create_default, read_key_file,
};
use super::key_keyring::{KeyringKey, create_in_keyring};
use super::key_store::{self, KeyStore, check_no_key_file, check_not_in_keyring, no_keyring_key};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

pub const KEY_LEN: usize = 32;
/// Env var holding the key itself (hex or base64).
pub const ENV_KEY: &str = "OAUTH_SETUP_KEY";
/// Env var naming a key file.
pub const ENV_KEY_FILE: &str = "OAUTH_SETUP_KEY_FILE";

/// A 32-byte symmetric key. Wiped from memory on drop; `Debug` shows only its id.
#[derive(Clone)]
pub struct Key([u8; KEY_LEN]);

impl Key {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key(bytes)
    }

    /// A fresh random key from the OS generator.
    pub fn generate() -> Result<Key, getrandom::Error> {
        let mut k = [0u8; KEY_LEN];
        getrandom::fill(&mut k)?;
        Ok(Key(k))
    }

    /// Short public fingerprint: first 8 bytes of SHA-256(key), lowercase hex.
    /// Stored in the file so "wrong key" can be told apart from "damaged".
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.0);
        to_hex(&digest[..8])
    }

    pub(crate) fn expose_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Parses 64 hex characters or base64 (standard or URL-safe, padded or
    /// not) of exactly 32 bytes. The error never echoes the input.
    pub fn parse_text(text: &str) -> Result<Key, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("it is empty".into());
        }
        let bytes = if t.len() == 2 * KEY_LEN && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            Zeroizing::new(from_hex(t).ok_or("invalid hex")?)
        } else {
            Zeroizing::new(decode_base64(t).ok_or("neither 64 hex characters nor valid base64")?)
        };
        let arr: [u8; KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| format!("it decodes to {} bytes, not {KEY_LEN}", bytes.len()))?;
        Ok(Key(arr))
    }

    /// The key as stored in a key file: 64 hex characters and a newline.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        let mut s = to_hex(&self.0);
        s.push('\n');
        Zeroizing::new(s)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key(id={})", self.id())
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}
impl Eq for Key {}

/// Where the key comes from, in order of precedence.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `OAUTH_SETUP_KEY`: the key itself.
    Env(SecretString),
    /// `--key-file` or `OAUTH_SETUP_KEY_FILE`: a file the user manages
    /// (may be a symlink, e.g. a Kubernetes secret mount).
    File(PathBuf),
    /// The per-user key file, created on first use.
    Default(PathBuf),
    /// The per-user key in the OS keyring, created on first use.
    Keyring(KeyringKey),
}

impl KeySource {
    /// Precedence: `--key-file`, then `OAUTH_SETUP_KEY`, then
    /// `OAUTH_SETUP_KEY_FILE`, then `config_dir/key`. Empty env vars count as unset.
    pub fn from_env_and_flag(key_file_flag: Option<&Path>, config_dir: &Path) -> KeySource {
        let env_key = std::env::var(ENV_KEY).ok().map(SecretString::from);
        let env_file = std::env::var_os(ENV_KEY_FILE);
        Self::resolve(key_file_flag, env_key, env_file, config_dir)
    }

    /// The source for a chosen store (`--key-store` / `OAUTH_SETUP_KEY_STORE`,
    /// `None` when not chosen). The keyring excludes a key given another way;
    /// with no choice, a key given another way wins, then the store recorded
    /// for the config dir (see [`key_store`]).
    pub fn choose(
        key_file_flag: Option<&Path>,
        store: Option<KeyStore>,
        config_dir: &Path,
    ) -> Result<KeySource, SettingsError> {
        let source = Self::from_env_and_flag(key_file_flag, config_dir);
        let given = !matches!(source, KeySource::Default(_));
        match store {
            Some(KeyStore::Keyring) if given => Err(SettingsError::KeyStoreConflict(format!(
                "--key-store keyring (or {}) keeps the key in the OS keyring, but {} gives a key too; use one of them",
                key_store::ENV_KEY_STORE,
                source.describe()
            ))),
            Some(KeyStore::Keyring) => {
                Ok(KeySource::Keyring(KeyringKey::for_config_dir(config_dir)))
            }
            Some(KeyStore::File) => Ok(source),
            None if given => Ok(source),
            None => Ok(match key_store::recorded(config_dir)? {
                KeyStore::Keyring => KeySource::Keyring(KeyringKey::for_config_dir(config_dir)),
                KeyStore::File => source,
            }),
        }
    }

    /// The same precedence as [`KeySource::from_env_and_flag`], from explicit
    /// values (tests and callers that read the environment themselves).
    pub fn resolve(
        key_file_flag: Option<&Path>,
        env_key: Option<SecretString>,
        env_key_file: Option<OsString>,
        config_dir: &Path,
    ) -> KeySource {
        if let Some(p) = key_file_flag {
            return KeySource::File(p.to_path_buf());
        }
        if let Some(k) = env_key.filter(|k| !k.expose_secret().trim().is_empty()) {
            return KeySource::Env(k);
        }
        if let Some(p) = env_key_file.filter(|p| !p.is_empty()) {
            return KeySource::File(PathBuf::from(p));
        }
        KeySource::Default(crate::paths::key_file(config_dir))
    }

    /// Human description for status output (never the key itself).
    pub fn describe(&self) -> String {
        match self {
            KeySource::Env(_) => format!("${ENV_KEY}"),
            KeySource::File(p) => format!("key file {}", p.display()),
            KeySource::Default(p) => format!("default key file {}", p.display()),
            KeySource::Keyring(k) => k.describe(),
        }
    }

    /// The store name `status --json` shows: `env`, `file` or `keyring`.
    pub fn store_name(&self) -> &'static str {
        match self {
            KeySource::Env(_) => "env",
            KeySource::File(_) | KeySource::Default(_) => "file",
            KeySource::Keyring(_) => "keyring",
        }
    }
}

/// Loads the key a reader needs; never creates one. A default key that
/// does not exist yet is [`SettingsError::NoKey`]: nothing was ever saved
/// with it, so there is nothing it could open.
pub fn load_key(source: &KeySource) -> Result<Key, SettingsError> {
    match source {
        KeySource::Default(path) => match read_key_file(path) {
            Ok(k) => {
                fix_default_mode(path);
                Ok(k)
            }
            Err(ReadErr::Missing) => {
                check_not_in_keyring(path)?;
                Err(SettingsError::NoKey { path: path.clone() })
            }
            Err(ReadErr::Other(e)) => Err(e),
        },
        KeySource::Keyring(k) => k.read()?.ok_or_else(|| no_keyring_key(k)),
        KeySource::Env(_) | KeySource::File(_) => load_given(source),
    }
}

/// Loads the key a writer seals with, creating the default one on first use.
/// Call it when about to write (see [`plan_key`] to find problems earlier).
pub fn load_or_create_key(source: &KeySource) -> Result<Key, SettingsError> {
    match source {
        KeySource::Default(path) => {
            check_not_in_keyring(path)?;
            load_or_create_default(path)
        }
        KeySource::Keyring(k) => match k.read()? {
            Some(key) => Ok(key),
            None => create_in_keyring(k),
        },
        KeySource::Env(_) | KeySource::File(_) => load_given(source),
    }
}

/// The key a writer will use, known before it does its work: the existing
/// key, or the default one still to be created when the settings are
/// written (a sign-in that fails then leaves no key behind).
#[derive(Debug)]
pub enum KeyPlan {
    Ready(Key),
    /// The default key does not exist yet; its directory can take it.
    Create(PathBuf),
    /// The keyring answers but holds no key for this config dir yet.
    CreateInKeyring(KeyringKey),
}

impl KeyPlan {
    /// The key, if it exists already.
    pub fn existing(&self) -> Option<&Key> {
        match self {
            KeyPlan::Ready(k) => Some(k),
            KeyPlan::Create(_) | KeyPlan::CreateInKeyring(_) => None,
        }
    }

    /// The key to write with, creating it now if planned (another process
    /// may have created it meanwhile: then that one is used).
    pub fn into_key(self) -> Result<Key, SettingsError> {
        match self {
            KeyPlan::Ready(k) => Ok(k),
            KeyPlan::Create(path) => load_or_create_default(&path),
            KeyPlan::CreateInKeyring(k) => create_in_keyring(&k),
        }
    }
}

/// Finds key problems before a writer's work (a browser sign-in) without
/// creating anything: a given key must load; a missing default key must be
/// creatable (its nearest existing directory accepts a new file).
pub fn plan_key(source: &KeySource) -> Result<KeyPlan, SettingsError> {
    match source {
        KeySource::Default(path) => match read_key_file(path) {
            Ok(k) => {
                fix_default_mode(path);
                Ok(KeyPlan::Ready(k))
            }
            Err(ReadErr::Missing) => {
                check_not_in_keyring(path)?;
                check_creatable(path)?;
                Ok(KeyPlan::Create(path.clone()))
            }
            Err(ReadErr::Other(e)) => Err(e),
        },
        KeySource::Keyring(k) => match k.read()? {
            Some(key) => Ok(KeyPlan::Ready(key)),
            None => {
                check_no_key_file(k)?;
                Ok(KeyPlan::CreateInKeyring(k.clone()))
            }
        },
        KeySource::Env(_) | KeySource::File(_) => load_given(source).map(KeyPlan::Ready),
    }
}

/// A key the user gives (`OAUTH_SETUP_KEY`, a key file): never created here.
fn load_given(source: &KeySource) -> Result<Key, SettingsError> {
    match source {
        KeySource::Env(raw) => Key::parse_text(raw.expose_secret())
            .map_err(|reason| SettingsError::BadKeyEnv { reason }),
        KeySource::Keyring(k) => k.read()?.ok_or_else(|| no_keyring_key(k)),
        KeySource::File(path) | KeySource::Default(path) => match read_key_file(path) {
            Ok(k) => Ok(k),
            Err(ReadErr::Missing) => Err(SettingsError::KeyFile {
                path: path.clone(),
                reason: "no such file; check --key-file / OAUTH_SETUP_KEY_FILE".into(),
            }),
            Err(ReadErr::Other(e)) => Err(e),
        },
    }
}

/// Lowercase hex, for key ids and names derived from digests.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    fn nib(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn key(b: u8) -> Key {
        Key::from_bytes([b; KEY_LEN])
    }

    #[test]
    fn id_is_16_hex_chars_and_stable() {
        let k = key(7);
        assert_eq!(k.id().len(), 16);
        assert!(
            k.id()
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(k.id(), key(7).id());
        assert_ne!(k.id(), key(8).id());
    }

    #[test]
    fn debug_shows_only_id() {
        let k = key(0xab);
        let d = format!("{k:?}");
        assert_eq!(d, format!("Key(id={})", k.id()));
        assert!(!d.contains("abab"));
    }

    #[test]
    fn parses_hex_and_base64() {
        let k = key(0x5a);
        let hex = k.to_file_text();
        assert_eq!(Key::parse_text(&hex).unwrap(), k);
        assert_eq!(Key::parse_text(&hex.to_uppercase()).unwrap(), k);
        let b64 = base64::engine::general_purpose::STANDARD.encode(k.expose_bytes());
        assert_eq!(Key::parse_text(&format!(" {b64}\n")).unwrap(), k);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k.expose_bytes());
        assert_eq!(Key::parse_text(&url).unwrap(), k);
    }

    #[test]
    fn rejects_wrong_length_without_echoing() {
        let err = Key::parse_text("c2VjcmV0LXZhbHVl").unwrap_err();
        assert!(err.contains("not 32"), "{err}");
        assert!(!err.contains("c2VjcmV0"));
        assert!(Key::parse_text("").is_err());
        assert!(Key::parse_text(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn precedence() {
        let cfg = Path::new("/cfg");
        let flag = Path::new("/flag");
        let env_key = || Some(SecretString::from("k".to_string()));
        let env_file = || Some(OsString::from("/envfile"));
        assert!(matches!(
            KeySource::resolve(Some(flag), env_key(), env_file(), cfg),
            KeySource::File(p) if p == flag
        ));
        assert!(matches!(
            KeySource::resolve(None, env_key(), env_file(), cfg),
            KeySource::Env(_)
        ));
        assert!(matches!(
            KeySource::resolve(None, Some(SecretString::from(" ".to_string())), env_file(), cfg),
            KeySource::File(p) if p == Path::new("/envfile")
        ));
        assert!(matches!(
            KeySource::resolve(None, None, None, cfg),
            KeySource::Default(p) if p == Path::new("/cfg/key")
        ));
    }

    #[test]
    fn default_key_created_once_with_modes() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("conf");
        let src = KeySource::Default(crate::paths::key_file(&cfg));
        let k1 = load_or_create_key(&src).unwrap();
        let k2 = load_key(&src).unwrap();
        assert_eq!(k1, k2);
        let md = fs::metadata(cfg.join("key")).unwrap();
        assert_eq!(md.permissions().mode() & 0o777, 0o600);
        assert_eq!(
            fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(md.len(), 65);
    }

    #[test]
    fn default_key_loose_mode_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key");
        let src = KeySource::Default(p.clone());
        let k = load_or_create_key(&src).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load_key(&src).unwrap(), k);
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn concurrent_default_creation_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cfg").join("key");
        let ids: Vec<String> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    let p = p.clone();
                    s.spawn(move || load_or_create_key(&KeySource::Default(p)).unwrap().id())
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    }

    #[test]
    fn key_file_may_be_symlink_and_errors_are_clear() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::write(&real, key(3).to_file_text().as_bytes()).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(load_key(&KeySource::File(link)).unwrap(), key(3));

        let missing = load_key(&KeySource::File(dir.path().join("nope"))).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");

        fs::write(&real, "not a key\n").unwrap();
        let bad = load_key(&KeySource::File(real)).unwrap_err().to_string();
        assert!(bad.contains("64 hex"), "{bad}");
        assert!(!bad.contains("not a key"), "{bad}");
    }

    #[test]
    fn readers_never_create_the_default_key() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("conf");
        let src = KeySource::Default(crate::paths::key_file(&cfg));
        let e = load_key(&src).unwrap_err();
        assert!(matches!(e, SettingsError::NoKey { .. }), "{e}");
        let plan = plan_key(&src).unwrap();
        assert!(plan.existing().is_none());
        assert!(
            !cfg.exists(),
            "neither the key nor its directory was created"
        );
        let k = plan.into_key().unwrap();
        assert_eq!(load_key(&src).unwrap(), k);
        assert!(matches!(plan_key(&src).unwrap(), KeyPlan::Ready(r) if r == k));
    }

    #[test]
    fn plan_finds_an_uncreatable_key_early() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "x").unwrap();
        let src = KeySource::Default(blocker.join("conf").join("key"));
        let e = plan_key(&src).unwrap_err().to_string();
        assert!(e.to_lowercase().contains("not a directory"), "{e}");
        // A directory that exists but takes no new file is found too.
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o500)).unwrap();
        let probe = fs::File::create(ro.join("probe"));
        if probe.is_ok() {
            eprintln!("skipped the read-only directory case: root ignores mode bits");
            return;
        }
        let src = KeySource::Default(ro.join("conf").join("key"));
        let e = plan_key(&src).unwrap_err().to_string();
        assert!(e.contains("cannot create it"), "{e}");
    }

    #[test]
    fn bad_env_key() {
        let e = load_key(&KeySource::Env(SecretString::from("hunter2".to_string()))).unwrap_err();
        assert!(matches!(e, SettingsError::BadKeyEnv { .. }));
        assert!(!e.to_string().contains("hunter2"));
    }
}
