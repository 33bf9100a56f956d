//! Scopes the server's discovery document does not list: defaults are left
//! out before the browser opens, scopes the user chose are kept, and both
//! are named in a warning.

use crate::common::*;

/// An authorization server whose metadata lists `scopes` (None: no
/// `scopes_supported` at all). Its issuer is the address it is reached at.
fn server(scopes: Option<&'static [&'static str]>) -> TestServer {
    TestServer::start(move |r| {
        let issuer = format!("http://{}", r.header("Host").unwrap_or_default());
        let mut doc = serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
        });
        if let Some(s) = scopes {
            doc["scopes_supported"] = serde_json::json!(s);
        }
        match r.url.as_str() {
            "/.well-known/openid-configuration" => (200, "application/json", doc.to_string()),
            _ => (404, "text/plain", String::new()),
        }
    })
}

fn scope_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn auth_url(user: &User, issuer: &str, extra: &[&str]) -> Out {
    let mut args = vec![
        "auth-url",
        "custom",
        "--issuer",
        issuer,
        "--client-id",
        "app",
        "--callback-url",
        "http://localhost:33333",
        "--json",
    ];
    args.extend_from_slice(extra);
    user.run(&args).ok()
}

#[test]
fn unlisted_default_scopes_are_left_out_with_a_warning() {
    let idp = server(Some(&["openid", "profile", "email"]));
    let user = User::new();
    let out = auth_url(&user, &idp.url, &[]);
    let scope = scope_of(out.json()["url"].as_str().unwrap());
    assert_eq!(scope, "openid profile email", "{out:#?}");
    let warning: Vec<_> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warning.len(), 1, "{}", out.stderr);
    assert!(
        warning[0].contains("offline_access") && warning[0].contains("leaving them out"),
        "{}",
        out.stderr
    );

    // `login` says it before the browser is sent to the server.
    let out = user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.url,
        "--client-id",
        "app",
        "--no-browser",
        "--timeout",
        "1",
    ]);
    // (The URL itself may be a one-time local address: only the order of
    // the lines is checked here; auth-url above checks the scopes.)
    let warned = out.stderr.find("offline_access; leaving them out");
    let browser = out.stderr.to_lowercase().find("browser");
    assert!(
        warned.is_some() && browser.is_some() && warned < browser,
        "{}",
        out.stderr
    );
}

#[test]
fn scopes_the_user_chose_are_kept_and_named() {
    let idp = server(Some(&["openid", "profile", "email"]));
    let user = User::new();
    let out = auth_url(&user, &idp.url, &["--scopes", "openid offline_access"]);
    let scope = scope_of(out.json()["url"].as_str().unwrap());
    assert_eq!(scope, "openid offline_access");
    assert!(
        out.stderr
            .contains("offline_access; asking for them anyway"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_server_that_lists_no_scopes_gets_the_defaults_silently() {
    let idp = server(None);
    let user = User::new();
    let out = auth_url(&user, &idp.url, &[]);
    let scope = scope_of(out.json()["url"].as_str().unwrap());
    assert_eq!(scope, "openid profile email offline_access");
    assert!(!out.stderr.contains("warning:"), "{}", out.stderr);
}
