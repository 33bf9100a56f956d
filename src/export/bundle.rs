//! Transfer bundles: a settings file's metadata and decrypted secrets as a
//! versioned JSON document, encrypted with a passphrase in the age format
//! (scrypt recipient, ASCII armor), so `age -d` / `rage -d` also open it.

use crate::oauth::ClientKey;
use crate::settings::{self, Meta, Secrets, Settings};
use age::secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;
use std::io::Read;
use zeroize::Zeroizing;

pub const FORMAT: &str = "oauth-setup-bundle";
pub const VERSION: u32 = 1;
/// Bundles are a few KiB; a huge file is not ours and is not decrypted whole.
pub const MAX_BUNDLE: u64 = 1 << 20;
/// scrypt work factor (log2 N) override, honoured by debug builds only so the
/// test suite is not dominated by key stretching.
pub const WORK_FACTOR_ENV: &str = "OAUTH_SETUP_SCRYPT_LOG_N";
/// The scrypt work factor export writes: age's own default (256 MiB, about
/// a second), the same on every machine so every machine can import it.
pub const EXPORT_WORK_FACTOR: u8 = 18;
/// The largest work factor import accepts: what export writes, plus one
/// step of margin. The work factor is read from the file before any check
/// of the passphrase, and each step doubles the memory and time (2^20 cost
/// 1 GiB and 3 s, 2^22 4 GiB and 21 s), so a bundle of a few hundred bytes
/// must not be able to ask for more than an honest one does.
pub const MAX_WORK_FACTOR: u8 = EXPORT_WORK_FACTOR + 1;
/// Shorter passphrases are refused on export: the bundle may travel by mail
/// or chat, so its passphrase is all that protects a refresh token.
pub const MIN_PASSPHRASE: usize = 8;

const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
const BINARY_MAGIC: &str = "age-encryption.org/";

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(
        "not an oauth-setup bundle: the file is not age-encrypted (bundles start with `{ARMOR_BEGIN}`)"
    )]
    NotAge,
    #[error(
        "the bundle is encrypted to age keys, not a passphrase; decrypt it with `age -d -i KEYFILE` and import the settings some other way"
    )]
    NotPassphrase,
    #[error(
        "wrong passphrase for this bundle (or its header was altered); nothing was written. Check the passphrase and try again"
    )]
    WrongPassphrase,
    #[error(
        "the bundle is damaged, truncated or was altered ({0}); nothing was written. Copy it again from the machine that exported it (e.g. with scp, not through a chat that reflows text)"
    )]
    Damaged(String),
    #[error(
        "the bundle asks for an scrypt work factor of 2^{0}, above the 2^{MAX_WORK_FACTOR} import accepts (oauth-setup's export writes 2^{EXPORT_WORK_FACTOR}); refusing to spend that much memory and time. Nothing was written. Ask whoever sent it to export it again with oauth-setup"
    )]
    TooMuchWork(u8),
    #[error("the bundle's settings are refused ({0}); nothing was written")]
    Invalid(#[from] crate::settings::MetaError),
    #[error("the file is larger than 1 MiB: not an oauth-setup bundle")]
    TooLarge,
    #[error("the bundle decrypts, but it is not an oauth-setup bundle ({0})")]
    NotBundle(String),
    #[error(
        "the bundle has format version {version}, this oauth-setup reads up to {supported}: it was exported by a newer oauth-setup. Upgrade oauth-setup here, or export again with the same version on both machines"
    )]
    NewerVersion { version: u64, supported: u32 },
    #[error("a passphrase of at least {MIN_PASSPHRASE} characters is needed to protect the bundle")]
    WeakPassphrase,
    #[error("cannot encrypt the bundle: {0}")]
    Encrypt(String),
}

fn work_factor() -> u8 {
    let from_env = || {
        std::env::var(WORK_FACTOR_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u8>().ok())
            .filter(|n| (1..=MAX_WORK_FACTOR).contains(n))
    };
    cfg!(debug_assertions)
        .then(from_env)
        .flatten()
        .unwrap_or(EXPORT_WORK_FACTOR)
}

/// The bundle's plaintext: `{format, version, exported_at, meta, secrets}`.
fn document(s: &Settings) -> Zeroizing<Vec<u8>> {
    // A borrowed struct, not a `Value`, so no unzeroized copy of the secrets
    // is left behind.
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        format: &'static str,
        version: u32,
        exported_at: i64,
        meta: &'a Meta,
        secrets: &'a Secrets,
    }
    let doc = Doc {
        format: FORMAT,
        version: VERSION,
        exported_at: settings::now_unix(),
        meta: &s.meta,
        secrets: &s.secrets,
    };
    Zeroizing::new(serde_json::to_vec_pretty(&doc).expect("bundle serializes"))
}

/// Encrypts `s` with `passphrase`; returns the armored text.
pub fn seal(s: &Settings, passphrase: &SecretString) -> Result<String, BundleError> {
    seal_with(s, passphrase, work_factor())
}

fn seal_with(
    s: &Settings,
    passphrase: &SecretString,
    work_factor: u8,
) -> Result<String, BundleError> {
    use age::secrecy::ExposeSecret;
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE {
        return Err(BundleError::WeakPassphrase);
    }
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(work_factor);
    age::encrypt_and_armor(&recipient, &document(s))
        .map_err(|e| BundleError::Encrypt(e.to_string()))
}

fn looks_like_age(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let head = &bytes[start..];
    head.starts_with(ARMOR_BEGIN.as_bytes()) || head.starts_with(BINARY_MAGIC.as_bytes())
}

fn map_header_error(e: age::DecryptError) -> BundleError {
    use age::DecryptError as D;
    match e {
        D::DecryptionFailed | D::KeyDecryptionFailed => BundleError::WrongPassphrase,
        D::NoMatchingKeys => BundleError::NotPassphrase,
        D::ExcessiveWork { required, .. } => BundleError::TooMuchWork(required),
        D::InvalidMac => BundleError::Damaged("header authentication failed".into()),
        D::InvalidHeader => BundleError::Damaged("invalid header".into()),
        D::UnknownFormat => BundleError::Damaged("unknown age format version".into()),
        D::Io(io) => BundleError::Damaged(io.to_string()),
        #[allow(unreachable_patterns)]
        other => BundleError::Damaged(other.to_string()),
    }
}

/// An opened bundle. A bundle never chooses which of this machine's files
/// signs for a client: the key paths it names are set aside, for the person
/// to replace (`--client-key-file`) or to keep knowingly.
#[derive(Debug)]
pub struct Opened {
    /// The settings, without a client key.
    pub settings: Settings,
    /// The client key paths the bundle named (validated, not used).
    pub named_key: Option<ClientKey>,
}

/// Decrypts and checks a bundle: its settings pass the same validation as a
/// sign-in's. Nothing is written here.
pub fn open(bytes: &[u8], passphrase: &SecretString) -> Result<Opened, BundleError> {
    if bytes.len() as u64 > MAX_BUNDLE {
        return Err(BundleError::TooLarge);
    }
    if !looks_like_age(bytes) {
        return Err(BundleError::NotAge);
    }
    let reader = age::armor::ArmoredReader::new(bytes);
    let decryptor = age::Decryptor::new_buffered(reader).map_err(map_header_error)?;
    if !decryptor.is_scrypt() {
        return Err(BundleError::NotPassphrase);
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut stream = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(map_header_error)?;
    let mut plain = Zeroizing::new(Vec::new());
    stream
        .by_ref()
        .take(MAX_BUNDLE)
        .read_to_end(&mut plain)
        .map_err(|e| BundleError::Damaged(e.to_string()))?;
    parse(&plain)
}

/// Reads a bundle's decrypted document (what [`open`] does after age).
pub fn parse(plain: &[u8]) -> Result<Opened, BundleError> {
    let v: Value = serde_json::from_slice(plain)
        .map_err(|_| BundleError::NotBundle("its content is not JSON".into()))?;
    if v.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(BundleError::NotBundle(format!(
            "its `format` is not `{FORMAT}`"
        )));
    }
    let version = v
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| BundleError::NotBundle("`version` is missing".into()))?;
    if version > u64::from(VERSION) {
        return Err(BundleError::NewerVersion {
            version,
            supported: VERSION,
        });
    }
    if version == 0 {
        return Err(BundleError::NotBundle("version 0".into()));
    }
    let meta_v = v
        .get("meta")
        .ok_or_else(|| BundleError::NotBundle("`meta` is missing".into()))?;
    let settings_version = meta_v.get("version").and_then(Value::as_u64).unwrap_or(0);
    if settings_version > u64::from(settings::VERSION) {
        return Err(BundleError::NewerVersion {
            version: settings_version,
            supported: settings::VERSION,
        });
    }
    let meta =
        Meta::deserialize(meta_v).map_err(|e| BundleError::NotBundle(format!("`meta`: {e}")))?;
    if meta.format != settings::FORMAT {
        return Err(BundleError::NotBundle(
            "`meta` is not oauth-setup settings".into(),
        ));
    }
    let mut meta = meta;
    meta.validate()?;
    if let Some(t) = &meta.token_type {
        meta.token_type = Some(settings::validate::token_type(t)?.to_string());
    }
    let secrets = Secrets::deserialize(v.get("secrets").unwrap_or(&Value::Null))
        .map_err(|_| BundleError::NotBundle("`secrets` is not readable".into()))?;
    let named_key = meta.client_key.take();
    Ok(Opened {
        settings: Settings { meta, secrets },
        named_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SchemeKind;
    use secrecy::ExposeSecret;

    fn settings() -> Settings {
        let mut meta = Meta::new(
            "custom",
            "authorization_code",
            SchemeKind::AuthorizationCode,
        );
        meta.client_id = Some("app".into());
        Settings {
            meta,
            secrets: Secrets {
                access_token: Some(SecretString::from("at-1".to_string())),
                refresh_token: Some(SecretString::from("rt-1".to_string())),
                ..Secrets::default()
            },
        }
    }

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    /// A cheap scrypt work factor: the format is what is under test.
    fn seal(s: &Settings, passphrase: &SecretString) -> Result<String, BundleError> {
        seal_with(s, passphrase, 4)
    }

    #[test]
    fn round_trip_and_failures() {
        let original = settings();
        let armored = seal(&original, &pw("correct horse")).unwrap();
        assert!(armored.starts_with(ARMOR_BEGIN));
        assert!(!armored.contains("rt-1"));
        let back = open(armored.as_bytes(), &pw("correct horse"))
            .unwrap()
            .settings;
        assert_eq!(back.secrets.refresh_token.unwrap().expose_secret(), "rt-1");
        assert_eq!(back.meta, original.meta);

        assert!(matches!(
            open(armored.as_bytes(), &pw("wrong horse")),
            Err(BundleError::WrongPassphrase)
        ));
        let cut = &armored.as_bytes()[..armored.len() / 2];
        assert!(matches!(
            open(cut, &pw("correct horse")),
            Err(BundleError::Damaged(_))
        ));
        assert!(matches!(
            open(b"{\"format\":\"oauth-setup-settings\"}", &pw("x")),
            Err(BundleError::NotAge)
        ));
        assert!(matches!(
            seal(&settings(), &pw("short")),
            Err(BundleError::WeakPassphrase)
        ));
    }

    #[test]
    fn tampered_body_is_damaged() {
        let armored = seal(&settings(), &pw("correct horse")).unwrap();
        let bin = age::encrypt(
            &{
                let mut r = age::scrypt::Recipient::new(pw("correct horse"));
                r.set_work_factor(4);
                r
            },
            &document(&settings()),
        )
        .unwrap();
        let mut bad = bin.clone();
        let n = bad.len();
        bad[n - 5] ^= 1;
        assert!(matches!(
            open(&bad, &pw("correct horse")),
            Err(BundleError::Damaged(_))
        ));
        assert!(open(&bin, &pw("correct horse")).is_ok());
        drop(armored);
    }

    /// A bundle whose scrypt stanza asks for `log_n`, made by editing the
    /// header of a cheap one (the header MAC is checked only after the work).
    fn with_work_factor(log_n: u8) -> Vec<u8> {
        let mut r = age::scrypt::Recipient::new(pw("correct horse"));
        r.set_work_factor(4);
        let bin = age::encrypt(&r, &document(&settings())).unwrap();
        let text = String::from_utf8_lossy(&bin);
        let at = text.find("-> scrypt ").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        assert!(text[at..end].ends_with(" 4"));
        [&bin[..end - 1], log_n.to_string().as_bytes(), &bin[end..]].concat()
    }

    #[test]
    fn an_extreme_work_factor_is_refused_quickly() {
        // 2^20 was accepted before: a 349-byte bundle cost 1 GiB and 3 s.
        for log_n in [EXPORT_WORK_FACTOR + 2, 22, 40] {
            let started = std::time::Instant::now();
            let e = open(&with_work_factor(log_n), &pw("correct horse")).unwrap_err();
            assert!(
                matches!(e, BundleError::TooMuchWork(n) if n == log_n),
                "{e}"
            );
            // The cap is fixed, not age's per-machine calibration + 4.
            assert!(
                e.to_string().contains("above the 2^19 import accepts"),
                "{e}"
            );
            // Refused before the work: 2^21 alone would take 2 GiB and many seconds.
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
        }
        // The edit itself is sound: at an accepted factor only the MAC fails.
        assert!(matches!(
            open(&with_work_factor(5), &pw("correct horse")),
            Err(BundleError::Damaged(_) | BundleError::WrongPassphrase)
        ));
    }

    fn sealed_meta(change: impl FnOnce(&mut Meta)) -> Vec<u8> {
        let mut s = settings();
        change(&mut s.meta);
        seal(&s, &pw("correct horse")).unwrap().into_bytes()
    }

    #[test]
    fn hostile_metadata_is_refused() {
        let refused: [fn(&mut Meta); 4] = [
            |m| m.endpoints.token_url = Some("http://evil.example/token".into()),
            |m| m.provider = "custom\nOAUTH_SETUP_KEY=x".into(),
            |m| m.token_type = Some("Bearer\u{2028}x: y".into()),
            |m| m.granted_scopes = Some(vec!["a\u{1b}[2J".into()]),
        ];
        for change in refused {
            let e = open(&sealed_meta(change), &pw("correct horse")).unwrap_err();
            assert!(matches!(e, BundleError::Invalid(_)), "{e}");
        }
        let back = open(
            &sealed_meta(|m| m.token_type = Some("bearer".into())),
            &pw("correct horse"),
        )
        .unwrap()
        .settings;
        assert_eq!(back.meta.token_type.as_deref(), Some("Bearer"));
    }

    #[test]
    fn a_bundle_never_chooses_the_client_key() {
        let key = ClientKey {
            key_file: "/home/victim/.ssh/app.pem".into(),
            cert_file: Some("/home/victim/app.crt".into()),
        };
        let named = key.clone();
        let opened = open(
            &sealed_meta(move |m| {
                m.client_auth = crate::provider::ClientAuth::PrivateKeyJwt;
                m.client_key = Some(named);
            }),
            &pw("correct horse"),
        )
        .unwrap();
        assert_eq!(opened.settings.meta.client_key, None);
        assert_eq!(opened.named_key, Some(key));
        // Still checked: a key path that could not be shown is refused.
        let e = open(
            &sealed_meta(|m| {
                m.client_key = Some(ClientKey {
                    key_file: "/tmp/a\u{202E}mep.pem".into(),
                    cert_file: None,
                })
            }),
            &pw("correct horse"),
        )
        .unwrap_err();
        assert!(matches!(e, BundleError::Invalid(_)), "{e}");
    }

    #[test]
    fn newer_version_and_foreign_content() {
        let enc = |doc: &str| {
            let mut r = age::scrypt::Recipient::new(pw("correct horse"));
            r.set_work_factor(4);
            age::encrypt_and_armor(&r, doc.as_bytes()).unwrap()
        };
        let newer = enc(r#"{"format":"oauth-setup-bundle","version":2,"meta":{},"secrets":{}}"#);
        assert!(matches!(
            open(newer.as_bytes(), &pw("correct horse")),
            Err(BundleError::NewerVersion { version: 2, .. })
        ));
        let other = enc("hello");
        assert!(matches!(
            open(other.as_bytes(), &pw("correct horse")),
            Err(BundleError::NotBundle(_))
        ));
    }
}
