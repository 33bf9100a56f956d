//! CData connection strings under both quoting dialects. Whatever the
//! values a server or a file supplies (tokens with `;`, `'`, `"`, `{`, `}`,
//! `=`), a rendered string read back by a parser of its dialect gives
//! exactly the properties rendered, in order: no value can add, drop or
//! change a property (`InitiateOAuth`, `OAuthSettingsLocation`). Values no
//! dialect can carry are the builder's to refuse; here they are skipped.
//! Parsing arbitrary text never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::export::connection_string::{Dialect, parse, render};
use oauth_setup::export::cs_dialect::uncarriable;

const KEYS: [&str; 5] = [
    "OAuthAccessToken",
    "InitiateOAuth",
    "OAuthRefreshToken",
    "OAuthSettingsLocation",
    "OAuthClientSecret",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for d in Dialect::ALL {
        let _ = parse(&text, d);
    }
    let parts: Vec<(String, String)> = KEYS
        .iter()
        .zip(text.split('\0'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if parts.iter().any(|(_, v)| v.chars().any(uncarriable)) {
        return;
    }
    for d in Dialect::ALL {
        let s = render(&parts, d);
        assert_eq!(parse(&s, d).as_ref(), Some(&parts), "{d:?}: {s}");
    }
});
