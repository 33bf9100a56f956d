//! The token endpoint's answer: status, headers and body from the input.
//! Must never panic; the error shown to the user has no control characters
//! (no terminal escapes from a hostile server).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::http::Response;
use oauth_setup::oauth::token::parse_response;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let flags = data[2];
    let rest = &data[3..];
    // Optional header values come first, NUL-separated, when flagged.
    let mut parts = rest.splitn(3, |b| *b == 0);
    let (location, retry_after, body) = if flags & 1 == 1 {
        let l = parts.next().unwrap_or_default();
        let r = parts.next().unwrap_or_default();
        (
            Some(String::from_utf8_lossy(l).into_owned()),
            Some(String::from_utf8_lossy(r).into_owned()),
            parts.next().unwrap_or_default(),
        )
    } else {
        (None, None, rest)
    };
    let resp = Response {
        url: "https://id.example/token".into(),
        status,
        content_type: if flags & 2 == 2 {
            "application/json".into()
        } else {
            "text/html".into()
        },
        location,
        retry_after,
        body: body.to_vec(),
        truncated: flags & 4 == 4,
    };
    match parse_response(&resp) {
        Ok(t) => {
            let _ = format!("{t:?}");
            // What is stored from an answer passes the settings checks.
            if let Some(tt) = &t.token_type {
                assert!(oauth_setup::settings::validate::TOKEN_TYPES.contains(&tt.as_str()));
            }
            if let Some(scope) = &t.scope {
                assert!(!oauth_setup::text::has_unsafe(scope), "{scope:?}");
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                !msg.chars().any(|c| c != '\n' && oauth_setup::text::is_unsafe_char(c)),
                "control character in {msg:?}"
            );
        }
    }
});
