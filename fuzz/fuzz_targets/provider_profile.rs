//! Provider profile loading (TOML from the user's config dir): parse, then
//! validate. Must never panic; error messages stay one screen long.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::provider;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match provider::load::parse_str(src, "fuzz.toml") {
        Ok(p) => {
            let _ = provider::validate(&p);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
