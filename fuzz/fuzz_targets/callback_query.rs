//! The loopback callback's request-target check. Must never panic; a
//! request without our exact state never yields a code or an error, and
//! what it reports is free of control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::callback::{Callback, check_callback};

const STATE: &str = "st4te-Zq9";

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    match check_callback(target, "/callback", STATE) {
        Ok(Callback::Code(_)) => assert!(target.contains("state=")),
        Ok(Callback::Denied { error, description }) => {
            assert!(target.contains("state="));
            assert!(!error.chars().any(char::is_control));
            assert!(
                !description
                    .unwrap_or_default()
                    .chars()
                    .any(char::is_control)
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
