//! A bundle's decrypted document with a hostile `client_key` (any path, any
//! text, any JSON shape there): reading it never panics, never leaves a key
//! path in the settings it returns (a bundle never chooses which of this
//! machine's files signs), and what it sets aside has passed validation.
//! The first byte picks raw bytes as the whole document, or the rest as
//! `key_file` / `cert_file` strings in an otherwise sound bundle.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::export::bundle;
use oauth_setup::provider::SchemeKind;
use oauth_setup::settings::Meta;
use oauth_setup::text::has_unsafe;
use serde_json::{Value, json};

fn document(client_key: Value) -> Vec<u8> {
    let mut meta = Meta::new("custom", "client_credentials", SchemeKind::ClientCredentials);
    meta.client_id = Some("app".into());
    let mut meta = serde_json::to_value(&meta).expect("metadata serializes");
    meta["client_auth"] = json!("private_key_jwt");
    meta["client_key"] = client_key;
    serde_json::to_vec(&json!({
        "format": bundle::FORMAT,
        "version": bundle::VERSION,
        "exported_at": 0,
        "meta": meta,
        "secrets": {"access_token": "at"},
    }))
    .expect("document serializes")
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let plain = match mode % 4 {
        0 => rest.to_vec(),
        1 => {
            let text = String::from_utf8_lossy(rest);
            let (key, cert) = text.split_once('\u{0}').unwrap_or((&text, ""));
            document(json!({"key_file": key, "cert_file": cert}))
        }
        2 => document(json!({"key_file": String::from_utf8_lossy(rest)})),
        _ => match serde_json::from_slice::<Value>(rest) {
            Ok(v) => document(v),
            Err(_) => return,
        },
    };
    let Ok(opened) = bundle::parse(&plain) else {
        return;
    };
    assert!(
        opened.settings.meta.client_key.is_none(),
        "a bundle's key path reached the settings"
    );
    assert!(opened.settings.meta.validate().is_ok());
    if let Some(k) = &opened.named_key {
        for p in std::iter::once(&k.key_file).chain(k.cert_file.as_ref()) {
            let shown = p.to_string_lossy();
            assert!(p.is_absolute(), "relative key path passed: {shown:?}");
            assert!(!has_unsafe(&shown), "unsafe key path passed: {shown:?}");
        }
    }
});
