//! `providers ID`: how to set a provider's app up (steps, redirect URI,
//! docs) from the same profile data the wizard's set-up list shows; and the
//! errors for a missing value point there.

use crate::common::User;

/// The built-in profiles as their files say.
fn profiles() -> Vec<toml::Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/providers");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .parse::<toml::Table>()
                .unwrap()
        })
        .map(toml::Value::Table)
        .collect();
    out.sort_by_key(|p| p["id"].as_str().unwrap().to_string());
    assert!(out.len() >= 6);
    out
}

fn expected_redirect(scheme: &toml::Value) -> Option<String> {
    (scheme["kind"].as_str() == Some("authorization_code")).then(|| {
        scheme
            .get("default_callback_url")
            .and_then(|v| v.as_str())
            .unwrap_or("http://127.0.0.1/callback")
            .to_string()
    })
}

#[test]
fn providers_id_shows_each_methods_steps_redirect_uri_and_docs() {
    let user = User::new();
    for p in profiles() {
        let id = p["id"].as_str().unwrap();
        let json = user.run(&["providers", id, "--json"]).ok().json();
        let text = user.run(&["providers", id]).ok().stdout;
        assert_eq!(json["id"], id);
        if let Some(docs) = p.get("docs_url").and_then(|d| d.as_str()) {
            assert_eq!(json["docs_url"], docs);
            assert!(text.contains(&format!("Docs: {docs}")), "{text}");
        }
        let schemes = p["schemes"].as_array().unwrap();
        assert_eq!(json["schemes"].as_array().unwrap().len(), schemes.len());
        for (s, js) in schemes.iter().zip(json["schemes"].as_array().unwrap()) {
            assert_eq!(js["id"].as_str(), s["id"].as_str());
            assert!(
                text.contains(&format!("--scheme {}: ", s["id"].as_str().unwrap())),
                "{text}"
            );
            let steps = s.get("setup_steps").and_then(|v| v.as_array());
            let steps = steps.map(Vec::as_slice).unwrap_or_default();
            let shown = js["setup_steps"].as_array().unwrap();
            assert_eq!(shown.len(), steps.len(), "{id}/{}", js["id"]);
            for (i, (step, out)) in steps.iter().zip(shown).enumerate() {
                assert_eq!(out["title"].as_str(), step["title"].as_str());
                assert_eq!(
                    out["url"].as_str(),
                    step.get("url").and_then(|u| u.as_str())
                );
                let title = step["title"].as_str().unwrap();
                assert!(text.contains(&format!("  {}. {title}", i + 1)), "{text}");
                if let Some(u) = step.get("url").and_then(|u| u.as_str()) {
                    assert!(text.contains(u), "{text}");
                }
            }
            let redirect = expected_redirect(s);
            assert_eq!(js["redirect_uri"].as_str(), redirect.as_deref());
            if let Some(r) = redirect {
                assert!(
                    text.contains(&format!("redirect URI {r}"))
                        || text.contains(&format!("redirect URI: {r}")),
                    "{text}"
                );
            }
        }
    }
    // The list itself carries the same.
    let all = user.run(&["providers", "--json"]).ok().json();
    let hubdb = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hubdb")
        .unwrap();
    assert_eq!(
        hubdb["schemes"][0]["redirect_uri"],
        "http://localhost:33333"
    );
    assert!(
        user.run(&["providers"])
            .ok()
            .stdout
            .contains("oauth-setup providers ID")
    );
    // An unknown id: the known ones, usage error.
    let out = user.run(&["providers", "nope"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(out.stderr.contains("cvent"), "{}", out.stderr);
}

#[test]
fn a_missing_value_says_where_to_find_it() {
    let user = User::new();
    for (args, id) in [
        (&["login", "cvent"][..], "cvent"),
        (
            &["login", "eventtemple", "--client-id", "c"][..],
            "eventtemple",
        ),
        (&["auth-url", "hubdb"][..], "hubdb"),
    ] {
        let out = user.run(args);
        assert_eq!(out.code, 2, "{out:#?}");
        assert!(
            out.stderr
                .contains(&format!("`oauth-setup providers {id}`")),
            "{}",
            out.stderr
        );
    }
}
