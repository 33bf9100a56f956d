//! The README's ```sh examples, run top to bottom in one config dir as a new
//! user would, against a provider-shaped server on 127.0.0.1. Only the
//! environment reaches it (OAUTH_SETUP_VAR_<NAME>, OAUTH_SETUP_*_URL): the
//! blocks run as written, through `sh -e`.

use crate::common::{Out, Seen, TestServer, User};
use std::collections::BTreeMap;

/// The ```sh blocks of README.md, in order.
fn blocks() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line) {
            (None, "```sh") => current = Some(String::new()),
            (Some(b), "```") => {
                out.push(std::mem::take(b));
                current = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

/// Blocks that name hosts on their command line (flags win over the
/// environment), a Vault server or system paths: each with why it is not
/// run here, and the test that covers what it shows.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "oauth-setup login odata --scheme entra_id",
        "--service-root names a Dynamics host (cli::oidc covers Entra-shaped sign-ins)",
    ),
    (
        "oauth-setup login custom --issuer https://id.example.com",
        "--issuer names a host (cli::oidc)",
    ),
    (
        "openssl req -x509",
        "--issuer names Entra (cli::private_key_jwt)",
    ),
    (
        "oauth-setup renew --settings crm",
        "writes /var/lib/node_exporter and the user's systemd units (cli::health, cli::schedule)",
    ),
    (
        "oauth-setup auth-url custom --issuer",
        "--issuer names a host (cli::headless)",
    ),
    (
        "oauth-setup exchange --settings /etc/myapp",
        "follows auth-url",
    ),
    (
        "oauth-setup login custom --scheme device_code",
        "--issuer names a host (cli::headless)",
    ),
    (
        "oauth-setup import crm.age --settings /etc/myapp",
        "writes /etc (cli::export)",
    ),
    (
        "oauth-setup export --settings /etc/myapp",
        "reads /etc (cli::service_export)",
    ),
    (
        "oauth-setup exec --settings /etc/myapp",
        "reads /etc and Vault (cli::exec)",
    ),
    (
        "oauth-setup import crm.age --settings vault://",
        "a Vault server (reliability::vault_commands)",
    ),
    (
        "export VAULT_ADDR=",
        "a Vault server (reliability::vault_commands)",
    ),
    (
        "oauth-setup export --settings custom --out crm.age",
        "exports the custom block's connection",
    ),
];

fn reply(r: &Seen) -> (u16, &'static str, String, Vec<(&'static str, String)>) {
    let url = url::Url::parse(&format!("http://x{}", r.url)).unwrap();
    let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    let json = |body: &str| (200, "application/json", body.to_string(), Vec::new());
    if url.path().ends_with("/authorize") {
        let to = format!(
            "{}?code=readme-code&state={}",
            q["redirect_uri"],
            q.get("state").map(String::as_str).unwrap_or_default()
        );
        return (302, "text/plain", String::new(), vec![("Location", to)]);
    }
    if r.method == "POST" && url.path().contains("token") {
        return json(
            r#"{"access_token":"readme-access","refresh_token":"readme-refresh","token_type":"Bearer","expires_in":3600}"#,
        );
    }
    match q.get("action").map(String::as_str) {
        Some("person.signIn") => json(r#"{"count":1,"data":[{"tokenID":"readme-inevent"}]}"#),
        _ => json(r#"{"total":3,"count":1,"results":[],"data":[{}],"value":[]}"#),
    }
}

/// The provider a block signs in to, and the environment that points it
/// at `server`.
fn env_for(block: &str, server: &str) -> Vec<(String, String)> {
    let provider = block
        .split_whitespace()
        .skip_while(|w| *w != "login")
        .nth(1)
        .unwrap_or_default();
    let vars: &[(&str, String)] = &match provider {
        "cvent" => vec![("HOST", server.to_string())],
        "hubdb" => vec![
            ("API_BASE", server.to_string()),
            ("AUTH_HOST", server.to_string()),
        ],
        "eventtemple" => vec![("API_BASE", server.to_string())],
        "inevent" => vec![("BASE", format!("{server}/"))],
        _ => vec![],
    };
    vars.iter()
        .map(|(k, v)| (format!("OAUTH_SETUP_VAR_{k}"), v.clone()))
        .collect()
}

#[test]
fn readme_examples_run_top_to_bottom_in_one_config_dir() {
    let server = TestServer::start_with_headers(reply);
    let user = User::new();
    let work = user.path("work");
    std::fs::create_dir(&work).unwrap();
    // The files the examples read.
    std::fs::write(work.join("pat.txt"), "pat-na1-readme\n").unwrap();
    std::fs::write(work.join("rt.txt"), "readme-refresh-given\n").unwrap();
    std::fs::write(work.join("row.json"), r#"{"values":{"name":"x"}}"#).unwrap();
    let blocks = blocks();
    assert!(blocks.len() >= 15, "{} blocks", blocks.len());
    let mut ran = 0;
    for block in &blocks {
        let first = block.trim_start();
        if let Some((_, why)) = NOT_RUN.iter().find(|(start, _)| first.starts_with(start)) {
            eprintln!("not run ({why}): {}", first.lines().next().unwrap());
            continue;
        }
        let mut c = user.shell(&format!("set -e\n{block}"));
        c.current_dir(&work);
        for (k, v) in env_for(block, &server.url) {
            c.env(k, v);
        }
        let out = Out::from(c.output().unwrap());
        assert_eq!(out.code, 0, "README block failed:\n{block}\n{out:#?}");
        ran += 1;
    }
    assert_eq!(
        ran + NOT_RUN.len(),
        blocks.len(),
        "every block is run or says why not"
    );
    assert_eq!(ran, 7, "the blocks run here");
    // Each example wrote its own connection: nothing was replaced.
    let list = user.run(&["list", "--json"]).ok().json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap_or_else(|| list["connections"].as_array().unwrap())
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for name in [
        "cvent",
        "hubdb",
        "hubdb-pat",
        "inevent",
        "eventtemple",
        "hubdb-rt",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}
