//! A pasted redirect URL (the paste flow): the paste reader (whole URL, bare
//! query, fragment), then the same query check the loopback server uses.
//! Must never panic, and what it reports must be printable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::oauth::loopback::{Callback, check_query};
use oauth_setup::signin::paste;

const STATE: &str = "st4te-Zq9";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = paste::query_of(text) else {
        return;
    };
    // A query the reader accepts always names a state (that is how the
    // pending sign-in is found).
    assert!(paste::state_of(&query).is_some());
    match check_query(&query, STATE) {
        Ok(Callback::Denied { error, description }) => {
            assert!(!error.chars().any(char::is_control));
            assert!(
                !description
                    .unwrap_or_default()
                    .chars()
                    .any(char::is_control)
            );
        }
        Ok(Callback::Code(_)) | Err(_) => {}
    }
});
