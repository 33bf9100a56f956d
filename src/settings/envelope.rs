//! Sealing the secrets: XChaCha20-Poly1305 with the clear metadata as
//! associated data, so neither the secrets nor the metadata can be changed
//! without the file failing to open.

use super::error::SettingsError;
use super::format::{Envelope, Meta, Secrets};
use super::key::Key;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;
use zeroize::Zeroizing;

pub const ALG: &str = "XChaCha20-Poly1305";
const NONCE_LEN: usize = 24;

/// The associated data: the canonical JSON of the metadata. Field order is
/// the struct's, so it is stable across writes and reads.
pub fn aad(meta: &Meta) -> Vec<u8> {
    serde_json::to_vec(meta).expect("Meta serializes to JSON (only strings, numbers, maps)")
}

fn cipher(key: &Key) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.expose_bytes().into())
}

/// Encrypts `secrets` under `key`, bound to `meta`. A fresh random nonce
/// every time: 24-byte nonces make random choice safe.
///
/// Panics only if the OS random generator fails, since sealing without a
/// fresh nonce would be unsafe and there is nothing sensible to fall back to.
pub fn seal(key: &Key, meta: &Meta, secrets: &Secrets) -> Envelope {
    let plaintext = Zeroizing::new(
        serde_json::to_vec(secrets).expect("Secrets serialize to JSON (only strings)"),
    );
    seal_bytes(key, &aad(meta), &plaintext)
}

/// Seals any bytes under `key` with `aad` bound to them: the settings file
/// and the paste flow's pending state share this one construction.
///
/// Panics only if the OS random generator fails (see [`seal`]).
pub fn seal_bytes(key: &Key, aad: &[u8], plaintext: &[u8]) -> Envelope {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).expect("OS random generator failed");
    let ciphertext = cipher(key)
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("XChaCha20-Poly1305 accepts any realistic message length");
    Envelope {
        alg: ALG.to_string(),
        key_id: key.id(),
        nonce: STANDARD.encode(nonce),
        ciphertext: STANDARD.encode(ciphertext),
    }
}

/// Decrypts an envelope. `path` only names the file in errors.
pub fn open(key: &Key, meta: &Meta, env: &Envelope, path: &Path) -> Result<Secrets, SettingsError> {
    let plaintext = open_bytes(key, &aad(meta), env, path)?;
    // Authenticated, so malformed JSON here means a bug, not tampering; still
    // report it as damage rather than panic.
    serde_json::from_slice(&plaintext).map_err(|_| SettingsError::Damaged {
        path: path.to_path_buf(),
    })
}

/// Opens an envelope made by [`seal_bytes`]: unknown algorithm, another key
/// and failed authentication are told apart. `path` only names the file.
pub fn open_bytes(
    key: &Key,
    aad: &[u8],
    env: &Envelope,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, SettingsError> {
    if env.alg != ALG {
        return Err(SettingsError::UnknownAlg {
            path: path.to_path_buf(),
            alg: env.alg.chars().take(40).collect(),
        });
    }
    let key_id = key.id();
    if env.key_id != key_id {
        return Err(SettingsError::WrongKey {
            path: path.to_path_buf(),
            file_key_id: env.key_id.chars().take(40).collect(),
            key_id,
        });
    }
    let damaged = || SettingsError::Damaged {
        path: path.to_path_buf(),
    };
    let nonce_bytes = STANDARD.decode(&env.nonce).map_err(|_| damaged())?;
    let nonce = XNonce::try_from(nonce_bytes.as_slice()).map_err(|_| damaged())?;
    let ciphertext = STANDARD.decode(&env.ciphertext).map_err(|_| damaged())?;
    cipher(key)
        .decrypt(
            &nonce,
            Payload {
                msg: &ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| damaged())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SchemeKind;
    use proptest::prelude::*;
    use secrecy::{ExposeSecret, SecretString};

    /// Fixed timestamps: two calls must give the same associated data even
    /// when a second boundary passes between them.
    fn meta() -> Meta {
        let mut m = Meta::new("cvent", "client_credentials", SchemeKind::ClientCredentials);
        m.created_at = 1_700_000_000;
        m.updated_at = 1_700_000_000;
        m
    }

    fn secrets(a: &str, r: Option<&str>) -> Secrets {
        Secrets {
            access_token: Some(SecretString::from(a.to_string())),
            refresh_token: r.map(|r| SecretString::from(r.to_string())),
            ..Secrets::default()
        }
    }

    fn p() -> &'static Path {
        Path::new("/x/settings.json")
    }

    #[test]
    fn nonce_is_fresh_each_time() {
        let k = Key::from_bytes([1; 32]);
        let s = secrets("tok", None);
        let a = seal(&k, &meta(), &s);
        let b = seal(&k, &meta(), &s);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(a.alg, ALG);
        assert_eq!(a.key_id, k.id());
    }

    #[test]
    fn unknown_alg_and_wrong_key() {
        let k = Key::from_bytes([1; 32]);
        let mut env = seal(&k, &meta(), &secrets("tok", None));
        let other = Key::from_bytes([2; 32]);
        assert!(matches!(
            open(&other, &meta(), &env, p()),
            Err(SettingsError::WrongKey { .. })
        ));
        env.alg = "ROT13".into();
        let e = open(&k, &meta(), &env, p()).unwrap_err();
        assert!(matches!(e, SettingsError::UnknownAlg { .. }));
        assert!(e.to_string().contains("ROT13"));
    }

    #[test]
    fn metadata_is_bound() {
        let k = Key::from_bytes([1; 32]);
        let env = seal(&k, &meta(), &secrets("tok", None));
        let mut m = meta();
        m.scopes.push("event/events:write".into());
        assert!(matches!(
            open(&k, &m, &env, p()),
            Err(SettingsError::Damaged { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn round_trip(a in ".{0,200}", r in proptest::option::of(".{0,200}"), key in any::<[u8; 32]>()) {
            let k = Key::from_bytes(key);
            let env = seal(&k, &meta(), &secrets(&a, r.as_deref()));
            let out = open(&k, &meta(), &env, p()).unwrap();
            let access = out.access_token.as_ref().map(|s| s.expose_secret().to_string());
            prop_assert_eq!(access, Some(a));
            prop_assert_eq!(out.refresh_token.as_ref().map(|s| s.expose_secret().to_string()), r);
        }

        #[test]
        fn any_flipped_byte_fails(a in ".{1,64}", idx in any::<prop::sample::Index>(), bit in 0u8..8, in_nonce in any::<bool>()) {
            let k = Key::from_bytes([9; 32]);
            let mut env = seal(&k, &meta(), &secrets(&a, None));
            let field = if in_nonce { &mut env.nonce } else { &mut env.ciphertext };
            let mut raw = STANDARD.decode(&*field).unwrap();
            let i = idx.index(raw.len());
            raw[i] ^= 1 << bit;
            *field = STANDARD.encode(&raw);
            let damaged = matches!(open(&k, &meta(), &env, p()), Err(SettingsError::Damaged { .. }));
            prop_assert!(damaged, "flipped byte {} bit {} (nonce: {}) still opened", i, bit, in_nonce);
        }
    }
}
