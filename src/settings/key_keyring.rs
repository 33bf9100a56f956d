//! The key kept in the OS keyring (Secret Service over D-Bus, Keychain,
//! Credential Manager) through the `keyring` crate: one entry per config dir.
//!
//! Every call runs on its own thread with a deadline, since a locked
//! keyring may open an unlock prompt and the bus may never answer. Nothing
//! is cached: each command asks the keyring once.

use super::error::SettingsError;
use super::key::{Key, to_hex};
use super::key_store::{self, KeyStore};
use super::lock::{lock_exclusive, lock_timeout};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The keyring entry's service name.
pub const SERVICE: &str = "oauth-setup";

/// How long a keyring call may take, an unlock prompt included.
const DEADLINE: Duration = Duration::from_secs(60);
/// After this long the waiting hook runs (a prompt is likely open).
const NOTICE_AFTER: Duration = Duration::from_secs(1);

static WAITING: OnceLock<fn()> = OnceLock::new();

/// Sets what runs when the keyring is slow to answer (the CLI says that it
/// is waiting). The first call wins.
pub fn on_waiting(hook: fn()) {
    let _ = WAITING.set(hook);
}

/// The entry holding one config dir's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringKey {
    config_dir: PathBuf,
    account: String,
}

impl KeyringKey {
    /// The entry for `config_dir`, named after its absolute path so that two
    /// config dirs never share a key.
    pub fn for_config_dir(config_dir: &Path) -> KeyringKey {
        let abs = std::path::absolute(config_dir).unwrap_or_else(|_| config_dir.to_path_buf());
        KeyringKey {
            account: format!("settings key for {}", abs.display()),
            config_dir: config_dir.to_path_buf(),
        }
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }

    /// What `status` shows: where the key is, never the key.
    pub fn describe(&self) -> String {
        format!(
            "OS keyring ({}), service `{SERVICE}`, account `{}`",
            backend_name(),
            self.account
        )
    }

    /// The key, or `None` when the keyring has no entry for this dir.
    pub fn read(&self) -> Result<Option<Key>, SettingsError> {
        let entry = self.entry()?;
        let text = match call(move || entry.get_password().map(Zeroizing::new)) {
            Ok(t) => t,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        Key::parse_text(&text)
            .map(Some)
            .map_err(|reason| SettingsError::KeyringKey {
                entry: self.describe(),
                reason,
            })
    }

    /// Stores `key`, then reads it back: the write counts only if the
    /// keyring returns the same key.
    pub fn write_verified(&self, key: &Key) -> Result<(), SettingsError> {
        let entry = self.entry()?;
        let text = Zeroizing::new(to_hex(key.expose_bytes()));
        call(move || entry.set_password(&text)).map_err(|e| self.error(e))?;
        match self.read()? {
            Some(back) if back == *key => Ok(()),
            _ => Err(SettingsError::KeyringKey {
                entry: self.describe(),
                reason: "the key read back differs from the key written".into(),
            }),
        }
    }

    /// Removes the entry (an entry already gone is fine).
    pub fn delete(&self) -> Result<(), SettingsError> {
        let entry = self.entry()?;
        match call(move || entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, SettingsError> {
        keyring::Entry::new(SERVICE, &self.account).map_err(|e| self.error(e))
    }

    fn error(&self, e: keyring::Error) -> SettingsError {
        let reason = match e {
            keyring::Error::NoStorageAccess(e) => {
                format!("it is locked or refused access ({e})")
            }
            keyring::Error::PlatformFailure(e) => platform_reason(&e.to_string()),
            keyring::Error::Ambiguous(found) => {
                return SettingsError::KeyringKey {
                    entry: self.describe(),
                    reason: format!(
                        "{} entries match it; remove all but one in your keyring manager",
                        found.len()
                    ),
                };
            }
            keyring::Error::BadEncoding(_) => {
                return SettingsError::KeyringKey {
                    entry: self.describe(),
                    reason: "it is not text".into(),
                };
            }
            other => other.to_string(),
        };
        SettingsError::KeyringUnavailable {
            reason,
            hint: UNAVAILABLE_HINT,
        }
    }
}

/// Names the usual causes in words; the D-Bus error follows for detail.
fn platform_reason(detail: &str) -> String {
    let d = detail.to_lowercase();
    let no_bus_var = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none_or(|a| a.is_empty());
    let cause = if d.contains("dbus session found") && no_bus_var {
        "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    } else if d.contains("dbus session found") {
        "no D-Bus session bus at DBUS_SESSION_BUS_ADDRESS, or no Secret Service on it"
    } else if d.contains("org.freedesktop.secrets")
        || d.contains("serviceunknown")
        || d.contains("not provided by any")
    {
        "no Secret Service runs on the D-Bus session bus"
    } else if d.contains("dbus_session_bus_address")
        || d.contains("address")
        || d.contains("no such file")
        || d.contains("connection refused")
        || d.contains("failed to connect")
    {
        "no D-Bus session bus could be reached (is DBUS_SESSION_BUS_ADDRESS set?)"
    } else {
        "the keyring failed"
    };
    format!("{cause}: {detail}")
}

#[cfg(target_os = "macos")]
fn backend_name() -> &'static str {
    "macOS Keychain"
}
#[cfg(target_os = "windows")]
fn backend_name() -> &'static str {
    "Windows Credential Manager"
}
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
fn backend_name() -> &'static str {
    "Secret Service"
}

#[cfg(target_os = "macos")]
const UNAVAILABLE_HINT: &str = "unlock the login keychain";
#[cfg(target_os = "windows")]
const UNAVAILABLE_HINT: &str = "sign in to a Windows session with Credential Manager";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const UNAVAILABLE_HINT: &str = "log in to a desktop session; or in a shell run `dbus-run-session -- $SHELL`, then `gnome-keyring-daemon --daemonize --unlock --components=secrets` and type the keyring password";

/// Runs one keyring call on a thread and waits for it, up to [`DEADLINE`].
fn call<T: Send + 'static>(
    f: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> keyring::Result<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| keyring::Error::PlatformFailure(Box::new(e)))?;
    let start = Instant::now();
    let mut noticed = false;
    loop {
        let wait = if noticed {
            DEADLINE.saturating_sub(start.elapsed())
        } else {
            NOTICE_AFTER
        };
        match rx.recv_timeout(wait) {
            Ok(r) => return r,
            Err(mpsc::RecvTimeoutError::Timeout) if !noticed => {
                noticed = true;
                tracing::info!("waiting for the OS keyring to answer");
                if let Some(hook) = WAITING.get() {
                    hook();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(keyring::Error::NoStorageAccess(
                    format!(
                        "no answer within {} s: an unlock prompt may be waiting",
                        DEADLINE.as_secs()
                    )
                    .into(),
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(keyring::Error::PlatformFailure(
                    "the keyring call ended without an answer".into(),
                ));
            }
        }
    }
}

/// Creates the keyring key once however many processes start together:
/// under the key lock, a key another process stored meanwhile is used.
pub(super) fn create_in_keyring(k: &KeyringKey) -> Result<Key, SettingsError> {
    key_store::check_no_key_file(k)?;
    let _lock = lock_exclusive(&crate::paths::key_file(k.config_dir()), lock_timeout())?;
    if let Some(key) = k.read()? {
        return Ok(key);
    }
    let key = Key::generate().map_err(|e| SettingsError::KeyringKey {
        entry: k.describe(),
        reason: format!("cannot get random bytes from the OS: {e}"),
    })?;
    k.write_verified(&key)?;
    key_store::record(k.config_dir(), KeyStore::Keyring)?;
    tracing::info!("created a new settings key in the OS keyring");
    Ok(key)
}
