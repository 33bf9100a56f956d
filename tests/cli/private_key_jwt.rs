//! Certificate client credentials (RFC 7523 `private_key_jwt`) against
//! panva's oidc-provider, which verifies each assertion against the JWKS
//! the client is registered with: client credentials, the code flow and
//! renewals sign with the key file; a wrong key is invalid_client.

use crate::common::*;
use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Key pairs (and a certificate) made by the openssl CLI for one test.
pub(crate) struct Keys {
    dir: tempfile::TempDir,
}

impl Keys {
    pub(crate) fn new() -> Keys {
        let keys = Keys {
            dir: tempfile::tempdir().unwrap(),
        };
        keys.openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.pem",
        ]);
        keys.openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "ec.pem",
        ]);
        for k in ["rsa", "ec"] {
            keys.openssl(&[
                "pkey",
                "-in",
                &format!("{k}.pem"),
                "-pubout",
                "-out",
                &format!("{k}.pub"),
            ]);
        }
        keys.openssl(&[
            "req", "-x509", "-key", "rsa.pem", "-subj", "/CN=app", "-days", "2", "-out", "rsa.crt",
        ]);
        keys.openssl(&[
            "x509", "-in", "rsa.crt", "-outform", "DER", "-out", "rsa.der",
        ]);
        keys
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the openssl CLI makes the test keys (scripts/test.sh installs it)");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn arg(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// `--client ID=PUBLIC.pem` for oidc.mjs.
    pub(crate) fn client(&self, id: &str, key: &str) -> String {
        format!("{id}={}", self.arg(&format!("{key}.pub")))
    }
}

pub(crate) fn cc_login(
    user: &User,
    idp: &Idp,
    client: &str,
    extra: &[&str],
    settings: &Path,
) -> Out {
    let mut args = vec![
        "login",
        "custom",
        "--scheme",
        "client_credentials",
        "--issuer",
        &idp.issuer,
        "--client-id",
        client,
        "--settings",
        settings.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    user.run(&args)
}

#[test]
fn client_credentials_with_rsa_and_ec_keys_and_renewal() {
    let keys = Keys::new();
    let (rsa, ec) = (keys.client("rsa-app", "rsa"), keys.client("ec-app", "ec"));
    let idp = Idp::start_oidc(&["--ttl", "4", "--client", &rsa, "--client", &ec]);
    let user = User::new();

    let s = user.path("rsa.json");
    let key = keys.arg("rsa.pem");
    let cert = keys.arg("rsa.crt");
    let out = cc_login(
        &user,
        &idp,
        "rsa-app",
        &[
            "--client-auth",
            "private-key-jwt",
            "--client-key-file",
            &key,
            "--client-cert-file",
            &cert,
        ],
        &s,
    )
    .ok();
    assert!(
        !out.stderr.contains("can be read by other users"),
        "{}",
        out.stderr
    );
    let v = out.json();
    assert_eq!(v["valid"], true, "{}", out.stdout);
    assert_eq!(v["client_key_file"], key.as_str());
    assert_eq!(v["client_cert_file"], cert.as_str());
    // The settings keep where the key is, never the key.
    let file = std::fs::read_to_string(&s).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(meta["client_auth"], "private_key_jwt");
    assert_eq!(meta["client_key"]["key_file"], key.as_str());
    assert_eq!(meta["client_key"]["cert_file"], cert.as_str());
    let pem = std::fs::read_to_string(keys.path("rsa.pem")).unwrap();
    let body_line = pem.lines().nth(1).unwrap();
    assert!(!file.contains(body_line), "the key is in the settings file");
    assert!(!file.contains("PRIVATE KEY"));

    // The token lives 4 s: after 2.5 s `token` renews it, signing again
    // (the server accepts nothing else from this client).
    let first = user.run(&["token", "--settings", s.to_str().unwrap()]).ok();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let second = user.run(&["token", "--settings", s.to_str().unwrap()]).ok();
    assert_ne!(first.stdout, second.stdout, "the token was not renewed");

    // The key moved away: the renewal says which file it needs (exit 3),
    // and the settings stay as they were.
    let moved = keys.path("moved.pem");
    std::fs::rename(keys.path("rsa.pem"), &moved).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let kept = std::fs::read(&s).unwrap();
    let gone = user.run(&["token", "--settings", s.to_str().unwrap()]);
    assert_eq!(gone.code, 3, "{gone:#?}");
    assert!(
        gone.stderr.contains("cannot read the client key file") && gone.stderr.contains(&key),
        "{}",
        gone.stderr
    );
    assert_eq!(
        std::fs::read(&s).unwrap(),
        kept,
        "a failed renewal changed the file"
    );
    std::fs::rename(&moved, keys.path("rsa.pem")).unwrap();
    user.run(&["token", "--settings", s.to_str().unwrap()]).ok();

    // An EC key, chosen by the key file alone (from the variable), and the
    // issue's spelling of the method.
    let s = user.path("ec.json");
    let out = user
        .run_env(
            &[
                "login",
                "custom",
                "--scheme",
                "client_credentials",
                "--issuer",
                &idp.issuer,
                "--client-id",
                "ec-app",
                "--client-auth",
                "private_key_jwt",
                "--settings",
                s.to_str().unwrap(),
            ],
            &[("OAUTH_SETUP_CLIENT_KEY_FILE", &keys.arg("ec.pem"))],
        )
        .ok();
    assert!(out.stderr.contains("Signed in"), "{}", out.stderr);

    // A key others can read still works, with a warning.
    set_mode(&keys.path("ec.pem"), 0o644);
    let shared = cc_login(
        &user,
        &idp,
        "ec-app",
        &["--client-key-file", &keys.arg("ec.pem"), "--force"],
        &s,
    )
    .ok();
    assert!(
        shared
            .stderr
            .contains("can be read by other users (mode 644)"),
        "{}",
        shared.stderr
    );
}

#[test]
fn a_wrong_or_missing_key_is_refused_and_nothing_is_written() {
    let keys = Keys::new();
    let ec = keys.client("ec-app", "ec");
    let idp = Idp::start_oidc(&["--client", &ec]);
    let user = User::new();
    let s = user.path("s.json");

    let rsa_key = keys.arg("rsa.pem");
    let wrong = cc_login(&user, &idp, "ec-app", &["--client-key-file", &rsa_key], &s);
    assert_eq!(wrong.code, 5, "{wrong:#?}");
    for want in [
        "refused the signed client assertion",
        "invalid_client",
        rsa_key.as_str(),
        "registered for client ec-app",
    ] {
        assert!(wrong.stderr.contains(want), "{want}: {}", wrong.stderr);
    }
    assert!(!s.exists(), "a refused sign-in wrote settings");

    let gone = keys.arg("nope.pem");
    let missing = cc_login(&user, &idp, "ec-app", &["--client-key-file", &gone], &s);
    assert_eq!(missing.code, 2, "{missing:#?}");
    assert!(
        missing.stderr.contains("no such file"),
        "{}",
        missing.stderr
    );

    let none = cc_login(
        &user,
        &idp,
        "ec-app",
        &["--client-auth", "private-key-jwt"],
        &s,
    );
    assert_eq!(none.code, 2, "{none:#?}");
    assert!(none.stderr.contains("--client-key-file"), "{}", none.stderr);

    // A public key is not a private key: said before anything is sent.
    let public = keys.arg("ec.pub");
    let bad = cc_login(&user, &idp, "ec-app", &["--client-key-file", &public], &s);
    assert_eq!(bad.code, 2, "{bad:#?}");
    assert!(
        bad.stderr.contains("not a PEM private key"),
        "{}",
        bad.stderr
    );
    assert!(!s.exists());
}

#[test]
fn code_flow_and_refresh_sign_with_the_key() {
    let keys = Keys::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let rsa = keys.client("web-app", "rsa");
    let idp = Idp::start_oidc(&["--ttl", "4", "--redirect-uri", &redirect, "--client", &rsa]);
    let user = User::new();
    // oidc-provider's interaction keeps a cookie between redirects.
    let browser = user.path("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\n{FOLLOW_PAGE}(curl -sS -L -b /dev/null -o /dev/null \"$1\" >>\"$(dirname \"$0\")/browser.log\" 2>&1 &)\n"),
    )
    .unwrap();
    let s = user.path("code.json");
    let out = user.run(&[
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "web-app",
        "--client-key-file",
        &keys.arg("rsa.pem"),
        "--callback-url",
        &redirect,
        "--settings",
        s.to_str().unwrap(),
        "--json",
        "--timeout",
        "30",
    ]);
    assert_eq!(
        out.code,
        0,
        "{out:#?}\n{:?}",
        std::fs::read_to_string(user.path("browser.log"))
    );
    assert_eq!(out.json()["has_refresh_token"], true, "{}", out.stdout);
    let first = user.run(&["token", "--settings", s.to_str().unwrap()]).ok();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let second = user.run(&["token", "--settings", s.to_str().unwrap()]).ok();
    assert_ne!(first.stdout, second.stdout, "the refresh grant did not run");
}

/// What the assertion holds, read where it arrives: a token endpoint that
/// records the request (oidc-provider checks it but does not show it).
#[test]
fn the_assertion_carries_the_claims_and_the_certificate_thumbprint() {
    let keys = Keys::new();
    let server = TestServer::start(|_| {
        (
            200,
            "application/json",
            r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#.into(),
        )
    });
    let token_url = format!("{}/oauth2/token", server.url);
    let user = User::new();
    let s = user.path("s.json");
    for _ in 0..2 {
        user.run(&[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            &token_url,
            "--client-id",
            "app-7",
            "--client-key-file",
            &keys.arg("rsa.pem"),
            "--client-cert-file",
            &keys.arg("rsa.crt"),
            "--settings",
            s.to_str().unwrap(),
            "--force",
        ])
        .ok();
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let der = std::fs::read(keys.path("rsa.der")).unwrap();
    let thumb = {
        use sha2::Digest;
        b64.encode(sha2::Sha256::digest(&der))
    };
    let mut jtis = Vec::new();
    for req in server.requests() {
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(req.body.as_bytes())
                .into_owned()
                .collect();
        assert_eq!(
            form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        assert!(!form.contains_key("client_secret"));
        assert!(req.header("authorization").is_none());
        let parts: Vec<&str> = form["client_assertion"].split('.').collect();
        assert_eq!(parts.len(), 3);
        let part = |i: usize| -> serde_json::Value {
            serde_json::from_slice(&b64.decode(parts[i]).unwrap()).unwrap()
        };
        let (header, claims) = (part(0), part(1));
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["x5t#S256"], thumb.as_str());
        assert_eq!(claims["iss"], "app-7");
        assert_eq!(claims["sub"], "app-7");
        assert_eq!(claims["aud"], token_url.as_str());
        let (iat, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert!(exp > iat && exp - iat <= 300, "{claims}");
        jtis.push(claims["jti"].as_str().unwrap().to_string());
    }
    assert_eq!(jtis.len(), 2);
    assert_ne!(jtis[0], jtis[1], "a jti was reused");
}
