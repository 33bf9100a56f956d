//! A pasted redirect URL (the paste flow): parse it as a URL, then check its
//! query with the same parser the loopback server uses. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::callback::{Callback, check_query};

const STATE: &str = "st4te-Zq9";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(url) = url::Url::parse(text.trim()) else {
        return;
    };
    match check_query(url.query().unwrap_or(""), STATE) {
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
