//! The settings-file parser and decryptor on arbitrary bytes, with a fixed
//! key (the seed corpus holds files sealed with it). Must never panic; a
//! file that opens round-trips through `to_bytes`, unless its metadata fails
//! validation (an old file: `to_bytes` then refuses to write it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::settings::{self, Key};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let key = Key::from_bytes([7; 32]);
    let path = Path::new("fuzz.json");
    if let Ok(s) = settings::parse(data, &key, path) {
        let Ok(again) = settings::to_bytes(&key, &s) else {
            assert!(s.meta.validate().is_err(), "a valid file must serialize");
            return;
        };
        let back = settings::parse(&again, &key, path).expect("what we write opens");
        assert_eq!(back.meta, s.meta);
    }
});
