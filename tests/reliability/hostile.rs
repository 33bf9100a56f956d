//! Hostile input found by fuzzing (regressions) and whole-file properties
//! of the settings format the envelope proptests in src/settings do not
//! cover: any flipped bit or truncation anywhere in the *file*.

use oauth_setup::http::Response;
use oauth_setup::oauth::token::parse_response;
use oauth_setup::provider::SchemeKind;
use oauth_setup::settings::{self, Key, Meta, Secrets, Settings};
use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::sync::OnceLock;

fn redirect(location: &str) -> Response {
    Response {
        url: "https://id.example.com/token".into(),
        status: 302,
        content_type: "text/html".into(),
        location: Some(location.into()),
        retry_after: None,
        body: Vec::new(),
        truncated: false,
    }
}

/// fuzz/token_response found it: a token endpoint redirecting to a
/// `Location` that is not a URL put its control characters (DEL, ESC: a
/// terminal escape) into the error message.
#[test]
fn redirect_location_control_chars_are_not_printed() {
    for loc in [
        "httmpl=e/x\x7fcode=1",
        "\x1b[31mhttps://evil.example/\x1b]0;title\x07",
        "https://evil.example/\x1b[2J",
        "not a url\r\nX-Injected: 1",
    ] {
        let e = parse_response(&redirect(loc)).unwrap_err();
        let msg = e.to_string();
        assert!(
            !msg.chars().any(char::is_control),
            "control character in {msg:?}"
        );
        assert!(msg.contains("redirect"), "{msg}");
    }
    // The query (it may carry a code or token) is still left out.
    let msg = parse_response(&redirect("https://evil.example/cb?code=SECRET-1"))
        .unwrap_err()
        .to_string();
    assert!(!msg.contains("SECRET-1"), "{msg}");
    assert!(msg.contains("https://evil.example/cb"), "{msg}");
}

const KEY: [u8; 32] = [0x5a; 32];

fn sample() -> Settings {
    let mut meta = Meta::new(
        "custom",
        "authorization_code",
        SchemeKind::AuthorizationCode,
    );
    meta.client_id = Some("app-1".into());
    meta.scopes = vec!["openid".into(), "offline_access".into()];
    meta.expires_at = Some(1_900_000_000);
    Settings::new(
        meta,
        Secrets {
            access_token: Some(SecretString::from("ACCESS-hostile-1")),
            refresh_token: Some(SecretString::from("REFRESH-hostile-1")),
            ..Secrets::default()
        },
    )
}

/// Whatever a writer was handed, the file it writes opens again: metadata
/// that fails validation, or secrets too large for the reader's 1 MiB, are
/// refused before anything is written.
#[test]
fn a_file_the_reader_would_refuse_is_never_written() {
    let key = Key::from_bytes(KEY);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let mut big = sample();
    big.secrets.static_token = Some(SecretString::from("t".repeat(900 * 1024)));
    let mut hostile = sample();
    hostile.meta.provider = "custom\u{2028}OAUTH_SETUP_KEY: x".into();
    for (s, said) in [(&big, "over the 1 MiB"), (&hostile, "`provider`")] {
        let e = settings::to_bytes(&key, s).unwrap_err();
        assert!(e.to_string().contains(said), "{e}");
        assert!(e.to_string().contains("nothing was written"), "{e}");
        assert!(settings::write(&path, &key, s).is_err());
        assert!(!path.exists(), "a file was written");
    }
    // Just under the reader's limit still round-trips.
    let mut fits = sample();
    fits.secrets.static_token = Some(SecretString::from("t".repeat(600 * 1024)));
    settings::write(&path, &key, &fits).unwrap();
    settings::read(&path, &key).unwrap();
}

fn file_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| settings::to_bytes(&Key::from_bytes(KEY), &sample()).unwrap())
}

fn same(a: &Settings, b: &Settings) -> bool {
    let s = |x: &Option<SecretString>| x.as_ref().map(|t| t.expose_secret().to_string());
    a.meta == b.meta
        && s(&a.secrets.access_token) == s(&b.secrets.access_token)
        && s(&a.secrets.refresh_token) == s(&b.secrets.refresh_token)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A bit flipped anywhere in the file (metadata, JSON syntax, key id,
    /// nonce, ciphertext) is an error, never a silently different content.
    #[test]
    fn any_flipped_bit_in_the_file_is_caught(idx in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = file_bytes().to_vec();
        let i = idx.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let key = Key::from_bytes(KEY);
        match settings::parse(&bytes, &key, Path::new("p.json")) {
            Err(_) => {}
            Ok(s) => prop_assert!(
                same(&s, &sample()),
                "byte {} bit {} changed the content without an error", i, bit
            ),
        }
    }

    /// Any truncation is an error (a half-written file never opens).
    #[test]
    fn any_truncation_is_caught(idx in any::<prop::sample::Index>()) {
        let bytes = file_bytes();
        // Dropping only the trailing newline leaves a complete document.
        let cut = idx.index(bytes.len() - 1);
        let key = Key::from_bytes(KEY);
        prop_assert!(settings::parse(&bytes[..cut], &key, Path::new("p.json")).is_err());
    }
}
