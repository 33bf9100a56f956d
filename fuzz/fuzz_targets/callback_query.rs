//! The loopback callback's request-target check. Must never panic; a
//! request without our exact state never yields a code or an error, and
//! what it reports is free of control characters.
//!
//! "Our state" is judged the way a URL parser sees the target (WHATWG URL):
//! leading and trailing C0 controls and spaces trimmed, tabs and newlines
//! dropped, names and values percent-decoded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::oauth::loopback::{Callback, check_callback};

const STATE: &str = "st4te-Zq9";

fn has_our_state(target: &str) -> bool {
    let norm: String = target
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let no_fragment = norm.split('#').next().unwrap_or("");
    let query = no_fragment.split_once('?').map(|q| q.1).unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "state" && v == STATE)
}

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    match check_callback(target, "/callback", STATE) {
        Ok(Callback::Code(_)) => assert!(has_our_state(target)),
        Ok(Callback::Denied { error, description }) => {
            assert!(has_our_state(target));
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
