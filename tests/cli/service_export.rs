//! `export --format env|k8s-secret` carry the CData string of
//! `connection-string --mode token|handoff|app`: only the connector's
//! documented properties, never this tool's settings file as
//! `OAuthSettingsLocation`, a hand-off recorded like `connection-string`'s.

use crate::cdata::{odata_login, only_listed, parse};
use crate::common::*;
use std::collections::BTreeMap;

/// The value of `name` in a Secret's `data:` (base64-decoded).
fn secret_value(yaml: &str, name: &str) -> String {
    use base64::Engine;
    let line = yaml
        .lines()
        .find(|l| l.starts_with(&format!("  \"{name}\": ")))
        .unwrap_or_else(|| panic!("no {name} in {yaml}"));
    let v = line.rsplit(' ').next().unwrap().trim_matches('"');
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(v).unwrap()).unwrap()
}

/// The connection string an env export sets, read back through sh.
fn sourced_string(env: &str) -> BTreeMap<String, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{env}\nprintf %s \"$OAUTH_SETUP_CONNECTION_STRING\""
        ))
        .output()
        .unwrap();
    parse(&String::from_utf8_lossy(&out.stdout))
}

fn never_names_a_file_of_ours(props: &BTreeMap<String, String>, ours: &[&str]) {
    if let Some(loc) = props.get("OAuthSettingsLocation") {
        for o in ours {
            assert!(!loc.contains(o), "{loc} names {o}");
        }
    }
}

#[test]
fn env_and_k8s_carry_token_mode_by_default_and_handoff_when_asked() {
    let idp = Idp::shared(&["--rotate"]);
    let user = User::new();
    let s = user.path("od.json");
    let s = s.to_str().unwrap();
    odata_login(&user, idp, s);
    let token = user.run(&["token", "--settings", s]).ok().stdout;
    let config = user.config();
    let ours = [s, config.to_str().unwrap(), "/etc/oauth-setup"];

    let out = user
        .run(&["export", "--settings", s, "--format", "env"])
        .ok();
    assert!(out.stderr.contains("holds secrets"), "{}", out.stderr);
    assert!(out.stdout.contains("expires"), "{}", out.stdout);
    let p = sourced_string(&out.stdout);
    only_listed("odata", &p);
    assert_eq!(p["InitiateOAuth"], "OFF");
    assert_eq!(
        p["OAuthAccessToken"],
        token.trim(),
        "the token `token` prints"
    );
    assert_eq!(p["URL"], "https://example.test/odata");
    assert!(!p.contains_key("OAuthSettingsLocation"), "{p:?}");
    assert!(!p.contains_key("OAuthRefreshToken"), "{p:?}");

    let yaml = user
        .run(&["export", "--settings", s, "--format", "k8s-secret"])
        .ok()
        .stdout;
    let p = parse(&secret_value(&yaml, "OAUTH_SETUP_CONNECTION_STRING"));
    only_listed("odata", &p);
    assert_eq!(p["OAuthAccessToken"], token.trim());
    never_names_a_file_of_ours(&p, &ours);

    // A hand-off: the driver gets the grant and its own location; the file
    // records it, so the Secret's copy and `token` here stop renewing.
    let yaml = user
        .run(&[
            "export",
            "--settings",
            s,
            "--format",
            "k8s-secret",
            "--mode",
            "handoff",
        ])
        .ok()
        .stdout;
    let p = parse(&secret_value(&yaml, "OAUTH_SETUP_CONNECTION_STRING"));
    only_listed("odata", &p);
    never_names_a_file_of_ours(&p, &ours);
    assert_eq!(p["InitiateOAuth"], "REFRESH");
    assert_eq!(p["OAuthSettingsLocation"], "memory://oauth-setup-od");
    assert!(!p["OAuthRefreshToken"].is_empty());
    let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
    assert_eq!(
        status["handed_off_to"], "memory://oauth-setup-od",
        "{status}"
    );
    let file: serde_json::Value =
        serde_json::from_str(&secret_value(&yaml, "settings.json")).unwrap();
    assert_eq!(
        file["handed_off_to"], "memory://oauth-setup-od",
        "the Secret carries the file as it is after the hand-off"
    );

    // Our own file as the driver's location is refused, nothing printed.
    let out = user.run(&[
        "export",
        "--settings",
        s,
        "--format",
        "env",
        "--mode",
        "handoff",
        "--cdata-settings",
        s,
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    // app mode is for client credentials only.
    let out = user.run(&[
        "export",
        "--settings",
        s,
        "--format",
        "env",
        "--mode",
        "app",
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
}
