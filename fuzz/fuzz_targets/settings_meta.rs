//! Settings metadata as JSON from a bundle or a file: validation never
//! panics, and what passes holds no control, line-separator or bidi
//! character in any string, nor a plain-http URL off loopback.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oauth_setup::settings::Meta;
use oauth_setup::text::has_unsafe;

fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out);
        }),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(meta) = serde_json::from_slice::<Meta>(data) else {
        return;
    };
    if meta.validate().is_err() {
        return;
    }
    let mut all = Vec::new();
    strings(&serde_json::to_value(&meta).expect("metadata serializes"), &mut all);
    for s in &all {
        assert!(!has_unsafe(s), "unsafe text passed: {s:?}");
    }
    if let Some(t) = &meta.endpoints.token_url {
        let u = url::Url::parse(t.trim()).expect("a validated URL parses");
        assert!(u.scheme() == "https" || oauth_setup::http::is_loopback(&u));
    }
});
