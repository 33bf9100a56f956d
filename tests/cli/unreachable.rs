//! "No network" is exit 6 (the README's promise) for every provider and
//! every command that talks to a server, and the message names the address
//! that did not answer. Each case points its provider at a port nobody
//! listens on.

use crate::common::*;

/// A loopback port that refuses connections: bound, noted, released.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn closed_url() -> String {
    format!("http://127.0.0.1:{}", closed_port())
}

/// Exit 6, the unreachable address named, and no claim that anything was
/// refused or rejected.
#[track_caller]
fn assert_unreachable(out: &Out, url: &str) {
    assert_eq!(out.code, 6, "{out:#?}");
    assert!(out.stderr.contains(url), "names {url}: {}", out.stderr);
    for wrong in ["not accepted", "refused the", "rejected"] {
        assert!(
            !out.stderr.contains(wrong),
            "says {wrong:?}: {}",
            out.stderr
        );
    }
}

const SECRET: (&str, &str) = ("OAUTH_SETUP_CLIENT_SECRET", "a-client-secret");

#[test]
fn cvent_and_event_temple_client_credentials() {
    let user = User::new();
    let url = closed_url();
    let host = format!("host={url}");
    let out = user.run_env(
        &["login", "cvent", "--client-id", "c", "--var", &host],
        &[SECRET],
    );
    assert_unreachable(&out, &url);

    let base = format!("api_base={url}");
    let out = user.run_env(
        &[
            "login",
            "eventtemple",
            "--client-id",
            "c",
            "--org-id",
            "1",
            "--var",
            &base,
        ],
        &[SECRET],
    );
    assert_unreachable(&out, &url);
}

#[test]
fn hubdb_private_app_token_is_not_said_to_be_refused() {
    let user = User::new();
    let url = closed_url();
    let base = format!("api_base={url}");
    let out = user.run_stdin(
        &[
            "login",
            "hubdb",
            "--scheme",
            "private_app_token",
            "--var",
            &base,
            "--token-stdin",
        ],
        "pat-na1-some-token\n",
    );
    assert_unreachable(&out, &url);
    assert!(
        out.stderr.contains("could not be checked"),
        "{}",
        out.stderr
    );
}

#[test]
fn hubdb_oauth_token_endpoint() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let url = closed_url();
    let callback = format!("http://127.0.0.1:{}", closed_port());
    let out = user.run_env(
        &[
            "login",
            "hubdb",
            "--scheme",
            "oauth",
            "--client-id",
            "app",
            "--authorize-url",
            &format!("{}/authorize", idp.issuer),
            "--token-url",
            &format!("{url}/oauth/token"),
            "--callback-url",
            &callback,
            "--timeout",
            "60",
        ],
        &[SECRET],
    );
    assert_unreachable(&out, &url);
}

#[test]
fn inevent_password_signin() {
    let user = User::new();
    let url = closed_url();
    let base = format!("base={url}/");
    let out = user.run_env(
        &[
            "login",
            "inevent",
            "--username",
            "ana@example.com",
            "--var",
            &base,
        ],
        &[("OAUTH_SETUP_PASSWORD", "pw")],
    );
    assert_unreachable(&out, &url);
}

#[test]
fn discovery_for_odata_and_custom_login_auth_url_and_device() {
    let user = User::new();
    let issuer = closed_url();
    let out = user.run(&[
        "login",
        "odata",
        "--issuer",
        &issuer,
        "--client-id",
        "app",
        "--service-root",
        "https://org.example/api/data/v9.2",
        "--no-browser",
    ]);
    assert_unreachable(&out, &issuer);

    for scheme in ["authorization_code", "client_credentials", "device_code"] {
        let out = user.run_env(
            &[
                "login",
                "custom",
                "--scheme",
                scheme,
                "--issuer",
                &issuer,
                "--client-id",
                "app",
                "--no-browser",
            ],
            &[SECRET],
        );
        assert_unreachable(&out, &issuer);
    }

    let out = user.run(&[
        "auth-url",
        "custom",
        "--issuer",
        &issuer,
        "--client-id",
        "app",
        "--callback-url",
        "http://localhost:33333",
    ]);
    assert_unreachable(&out, &issuer);
}

#[test]
fn device_authorization_endpoint() {
    let user = User::new();
    let url = closed_url();
    let out = user.run(&[
        "login",
        "custom",
        "--scheme",
        "device_code",
        "--issuer",
        &url,
        "--device-url",
        &format!("{url}/device"),
        "--token-url",
        &format!("{url}/token"),
        "--client-id",
        "app",
    ]);
    assert_unreachable(&out, &format!("{url}/device"));
}

/// `exchange` finishes a paste sign-in at a token endpoint that is gone.
#[test]
fn exchange_with_the_token_endpoint_gone() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let url = closed_url();
    let started = user
        .run(&[
            "auth-url",
            "custom",
            "--client-id",
            "app",
            "--authorize-url",
            &format!("{}/authorize", idp.issuer),
            "--token-url",
            &format!("{url}/token"),
            "--callback-url",
            "http://localhost:33333",
            "--json",
        ])
        .ok()
        .json();
    let redirect = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}"])
        .arg(started["url"].as_str().unwrap())
        .output()
        .unwrap();
    let redirect = String::from_utf8(redirect.stdout).unwrap();
    assert!(redirect.contains("code="), "{redirect}");
    let settings = user.path("s.json");
    let out = user.run_stdin(
        &["exchange", "--settings", settings.to_str().unwrap()],
        &redirect,
    );
    assert_unreachable(&out, &url);
}
