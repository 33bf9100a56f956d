//! `login --refresh-token-stdin|--refresh-token-file`: a settings file
//! started from a refresh token obtained elsewhere, proved by a refresh.

use crate::common::*;

/// The refresh token a settings file holds (through the library, with the
/// user's key): what another tool would have handed over.
fn refresh_token_of(user: &User, s: &str) -> String {
    use oauth_setup::settings::{self, KeySource};
    use secrecy::ExposeSecret;
    let key = settings::load_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    let doc = settings::read(std::path::Path::new(s), &key).unwrap();
    doc.secrets
        .refresh_token
        .unwrap()
        .expose_secret()
        .to_string()
}

#[test]
fn login_from_a_refresh_token_proves_it_and_a_bad_one_writes_nothing() {
    let idp = Idp::shared(&["--rotate"]);
    let user = User::new();
    let first = user.path("elsewhere.json");
    let first = first.to_str().unwrap();
    user.login_code(idp, first).ok();
    let given = refresh_token_of(&user, first);

    let s = user.path("from-rt.json");
    let s = s.to_str().unwrap();
    let login = |args: &[&str], stdin: &str| {
        let mut all = vec![
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--settings",
            s,
            "--json",
        ];
        all.extend_from_slice(args);
        user.run_stdin(&all, stdin)
    };
    // A made-up token: refused by the server, nothing written.
    let bad = login(&["--refresh-token-stdin"], "not-a-refresh-token\n");
    assert_ne!(bad.code, 0, "{bad:#?}");
    assert!(bad.stderr.contains("invalid_grant"), "{}", bad.stderr);
    assert!(!std::path::Path::new(s).exists());

    let rt_file = user.path("rt.txt");
    std::fs::write(&rt_file, format!("{given}\n")).unwrap();
    let v = login(&["--refresh-token-file", rt_file.to_str().unwrap()], "")
        .ok()
        .json();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["has_refresh_token"], true, "{v}");
    // Proved by a renewal: the server rotated it, so the file holds a new one.
    assert_ne!(refresh_token_of(&user, s), given);
    let token = user.run(&["token", "--settings", s]).ok().stdout;
    assert_eq!(token.trim().split('.').count(), 3, "{token}");

    // Only for browser sign-ins: a client-credentials method refuses it.
    let cc = user.run_stdin(
        &[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--refresh-token-stdin",
            "--settings",
            user.path("cc.json").to_str().unwrap(),
        ],
        "whatever\n",
    );
    assert_ne!(cc.code, 0, "{cc:#?}");
    assert!(cc.stderr.contains("authorization-code"), "{}", cc.stderr);
}
