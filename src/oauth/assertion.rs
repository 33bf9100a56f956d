//! Certificate client credentials: the signed client assertion of RFC 7523
//! §2.2 (`private_key_jwt`), built fresh for every token request from a PEM
//! private key read from a file (never an argument, never stored by us).

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// `client_assertion_type` for a JWT bearer assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion lives: well under the 5 minutes servers accept
/// (Entra ID, oidc-provider), with room for a slow clock.
pub const LIFETIME_SECS: i64 = 240;
/// A key or certificate file larger than this is not a PEM file.
const MAX_PEM_BYTES: u64 = 64 * 1024;

/// Where the client's private key (and, for Entra ID, its certificate) live.
/// Only the paths are kept, in the clear metadata, so renewals can sign.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ClientKey {
    pub key_file: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<PathBuf>,
}

/// This machine's client key for a connection that records none (imported,
/// or in Vault): a path in a bundle or a shared document is never used.
pub const KEY_FILE_ENV: &str = "OAUTH_SETUP_CLIENT_KEY_FILE";
/// Its certificate (Entra ID's `x5t#S256`).
pub const CERT_FILE_ENV: &str = "OAUTH_SETUP_CLIENT_CERT_FILE";

/// The key that signs for a connection: the one recorded with it when the
/// document is this machine's own, else the one this machine gives in
/// [`KEY_FILE_ENV`]. A document shared by a fleet (Vault) never chooses
/// which of a host's files signs.
pub fn signing_key(recorded: Option<&ClientKey>, shared_document: bool) -> Option<ClientKey> {
    if let Some(k) = recorded.filter(|_| !shared_document) {
        return Some(k.clone());
    }
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            // Links resolved here: the file itself is opened without following one.
            .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
    };
    Some(ClientKey {
        key_file: var(KEY_FILE_ENV)?,
        cert_file: var(CERT_FILE_ENV),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AssertionError {
    #[error("cannot read the client key file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the client key file {} is {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("the client certificate file {} is {reason}", path.display())]
    BadCert { path: PathBuf, reason: String },
    #[error("cannot sign the client assertion with {}: {reason}", path.display())]
    Sign { path: PathBuf, reason: String },
}

/// The two form fields that authenticate the client.
pub fn form_fields(
    key: &ClientKey,
    client_id: &str,
    token_url: &str,
) -> Result<[(String, String); 2], AssertionError> {
    let jwt = sign(key, client_id, token_url, crate::settings::now_unix())?;
    Ok([
        ("client_assertion_type".into(), ASSERTION_TYPE.into()),
        ("client_assertion".into(), jwt),
    ])
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// A signed assertion: iss = sub = the client id, aud = the token endpoint,
/// a random `jti` so the server can refuse a replay.
pub fn sign(
    key: &ClientKey,
    client_id: &str,
    token_url: &str,
    now: i64,
) -> Result<String, AssertionError> {
    let pem = read_pem(&key.key_file).map_err(|source| AssertionError::Read {
        path: key.key_file.clone(),
        source,
    })?;
    let (encoding, algs) = encoding_key(&key.key_file, &pem)?;
    let x5t_s256 = key.cert_file.as_deref().map(thumbprint).transpose()?;
    let claims = Claims {
        iss: client_id,
        sub: client_id,
        aud: token_url,
        jti: jti(),
        iat: now,
        nbf: now,
        exp: now + LIFETIME_SECS,
    };
    let mut last = String::new();
    // An EC key's curve decides between ES256 and ES384; ring tells us by
    // refusing the other one.
    for &alg in algs {
        let mut header = Header::new(alg);
        header.x5t_s256.clone_from(&x5t_s256);
        match jsonwebtoken::encode(&header, &claims, &encoding) {
            Ok(jwt) => return Ok(jwt),
            Err(e) => last = e.to_string(),
        }
    }
    Err(AssertionError::Sign {
        path: key.key_file.clone(),
        reason: format!(
            "{last} (RSA keys need at least 2048 bits; EC keys must be P-256 or P-384)"
        ),
    })
}

/// Reads a key or certificate file without following a link at its name
/// and without blocking on a FIFO or device (the settings lock may be held
/// meanwhile): only a regular file is read.
fn read_pem(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::other(
                "it is a symbolic link; give the path of the file itself",
            );
        }
        e
    })?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, device or directory is never read)",
        ));
    }
    let mut buf = Vec::new();
    file.take(MAX_PEM_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_PEM_BYTES {
        return Err(std::io::Error::other("over 64 KiB: not a PEM key file"));
    }
    Ok(buf)
}

fn encoding_key(
    path: &Path,
    pem: &[u8],
) -> Result<(EncodingKey, &'static [Algorithm]), AssertionError> {
    let bad = |reason: &str| AssertionError::BadKey {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let text = String::from_utf8_lossy(pem);
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(bad(
            "encrypted; oauth-setup reads an unencrypted key (keep the file 0600): `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem`",
        ));
    }
    if text.contains("BEGIN EC PRIVATE KEY") {
        return Err(bad(
            "an EC key in SEC1 form; convert it to PKCS#8: `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem`",
        ));
    }
    if !text.contains("PRIVATE KEY-----") {
        return Err(bad(
            "not a PEM private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
        ));
    }
    if let Ok(k) = EncodingKey::from_rsa_pem(pem) {
        return Ok((k, &[Algorithm::RS256]));
    }
    if let Ok(k) = EncodingKey::from_ec_pem(pem) {
        return Ok((k, &[Algorithm::ES256, Algorithm::ES384]));
    }
    Err(bad("neither an RSA nor an EC private key that can be read"))
}

/// `x5t#S256`: base64url of the SHA-256 of the certificate's DER, which is
/// how Entra ID finds the certificate registered for the app.
pub fn thumbprint(path: &Path) -> Result<String, AssertionError> {
    let bad = |reason: String| AssertionError::BadCert {
        path: path.to_path_buf(),
        reason,
    };
    let pem = read_pem(path).map_err(|e| bad(format!("unreadable ({e})")))?;
    let der = x509_parser::pem::Pem::iter_from_buffer(&pem)
        .filter_map(Result::ok)
        .find(|p| p.label == "CERTIFICATE")
        .ok_or_else(|| bad("not a PEM certificate (expected -----BEGIN CERTIFICATE-----)".into()))?
        .contents;
    x509_parser::parse_x509_certificate(&der)
        .map_err(|e| bad(format!("not a valid X.509 certificate ({e})")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&der)))
}

fn jti() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("OS random generator failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_key_files_are_named_and_explained() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, body: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, body).unwrap();
            ClientKey {
                key_file: p,
                cert_file: None,
            }
        };
        let cases = [
            (
                write(
                    "enc.pem",
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n",
                ),
                "encrypted",
            ),
            (
                write(
                    "sec1.pem",
                    "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n",
                ),
                "PKCS#8",
            ),
            (
                write(
                    "cert.pem",
                    "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
                ),
                "not a PEM private key",
            ),
            (
                write(
                    "junk.pem",
                    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                ),
                "neither an RSA",
            ),
        ];
        for (key, want) in cases {
            let e = sign(&key, "c", "https://t", 0).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
            assert!(e.contains(&key.key_file.display().to_string()), "{e}");
        }
        let missing = ClientKey {
            key_file: dir.path().join("nope.pem"),
            cert_file: None,
        };
        let e = sign(&missing, "c", "https://t", 0).unwrap_err();
        assert!(matches!(e, AssertionError::Read { .. }), "{e}");
    }

    #[test]
    fn a_shared_document_never_chooses_the_key() {
        let recorded = ClientKey {
            key_file: "/home/victim/app.pem".into(),
            cert_file: None,
        };
        assert_eq!(signing_key(Some(&recorded), false), Some(recorded.clone()));
        // From Vault: never the recorded path (only this host's variable).
        assert_ne!(signing_key(Some(&recorded), true), Some(recorded));
    }

    /// Runs `f` in another thread: a read that blocks fails the test
    /// instead of hanging it.
    fn soon<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading the key file blocked")
    }

    fn sign_soon(key: ClientKey) -> Result<String, AssertionError> {
        soon(move || sign(&key, "c", "https://t", 0))
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_a_link_or_a_directory_is_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("key.pem");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        #[allow(unsafe_code)]
        let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(made, 0, "mkfifo");
        let key = |p: &Path| ClientKey {
            key_file: p.to_path_buf(),
            cert_file: None,
        };
        let e = sign_soon(key(&fifo)).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let real = dir.path().join("real.pem");
        std::fs::write(
            &real,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let link = dir.path().join("link.pem");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = sign_soon(key(&link)).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        let e = sign_soon(key(dir.path())).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let e = soon(move || thumbprint(&fifo)).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
