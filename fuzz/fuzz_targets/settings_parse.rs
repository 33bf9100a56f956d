//! The settings-file parser and decryptor on arbitrary bytes, with a fixed
//! key (the seed corpus holds files sealed with it). Must never panic; a
//! file that opens must round-trip through `to_bytes`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::settings::{self, Key};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let key = Key::from_bytes([7; 32]);
    let path = Path::new("fuzz.json");
    if let Ok(s) = settings::parse(data, &key, path) {
        let again = settings::to_bytes(&key, &s).expect("an opened file serializes");
        let back = settings::parse(&again, &key, path).expect("what we write opens");
        assert_eq!(back.meta, s.meta);
    }
});
