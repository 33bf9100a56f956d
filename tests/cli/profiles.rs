//! Builtin provider profiles and the user's providers directory.

use oauth_setup::provider::{
    self, Access, Profile, ProviderError, Scheme, check_url, is_loopback, load, render,
};
use std::collections::BTreeMap;
use std::fs;

const IDS: [&str; 6] = [
    "cvent",
    "hubdb",
    "odata",
    "inevent",
    "eventtemple",
    "custom",
];

fn profile(id: &str) -> Profile {
    let all = provider::builtin();
    provider::find(&all, id).unwrap().clone()
}

/// Defaults and region values, then examples for variables the user must
/// give, then sample values for the runtime (field) variables.
fn sample_vars(p: &Profile) -> BTreeMap<String, String> {
    let mut vars = p.base_vars(p.region(None).unwrap());
    for (name, spec) in &p.vars {
        if !vars.contains_key(name) {
            let example = spec.example.clone().unwrap_or_else(|| {
                panic!("{}: var `{name}` has neither default nor example", p.id)
            });
            vars.insert(name.clone(), example);
        }
    }
    for (k, v) in [
        ("org_id", "12345"),
        ("event_id", "678"),
        ("client_id", "cid"),
    ] {
        vars.entry(k.into()).or_insert_with(|| v.into());
    }
    vars
}

fn url_templates(s: &Scheme) -> Vec<(&'static str, &str)> {
    [
        ("authorize_url", &s.authorize_url),
        ("token_url", &s.token_url),
        ("device_authorization_url", &s.device_authorization_url),
        ("signin_url", &s.signin_url),
    ]
    .into_iter()
    .filter_map(|(what, t)| t.as_deref().map(|t| (what, t)))
    .collect()
}

#[test]
fn every_builtin_parses_and_validates() {
    let all = load::try_builtin().unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, IDS);
    for p in &all {
        provider::validate(p).unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.schemes.is_empty());
        for s in &p.schemes {
            assert!(
                !s.setup_steps.is_empty(),
                "{}/{} has no setup steps",
                p.id,
                s.id
            );
        }
    }
}

#[test]
fn cvent_scopes_presets_and_warning() {
    let p = profile("cvent");
    let want = [
        "event/attendees:read",
        "event/attendees:write",
        "event/contacts:read",
        "event/contacts:write",
        "event/contacts:delete",
        "event/custom-fields:read",
        "event/custom-fields:write",
        "event/events:read",
        "event/events:write",
        "event/sessions:read",
        "event/sessions:write",
        "event/sessions:delete",
        "event/speakers:read",
        "event/speakers:write",
        "event/speakers:delete",
        "budget/budget-items:read",
        "budget/budget-items:write",
        "exhibitor/exhibitors:read",
        "exhibitor/exhibitors:write",
        "survey/surveys:read",
        "survey/surveys:write",
        "event/attendee-activities:read",
        "account/users:read",
    ];
    assert!(p.scopes.len() >= 23);
    for name in want {
        let s = p
            .scopes
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("missing {name}"));
        assert!(!s.group.is_empty(), "{name} has no group");
        let suffix = name.rsplit(':').next().unwrap();
        let access = match suffix {
            "read" => Access::Read,
            "write" => Access::Write,
            "delete" => Access::Delete,
            _ => unreachable!(),
        };
        assert_eq!(s.access, access, "{name}");
        assert_eq!(
            s.warning.is_some(),
            name == "survey/surveys:write",
            "{name}"
        );
    }
    assert!(
        p.scopes
            .iter()
            .find(|s| s.name == "survey/surveys:write")
            .unwrap()
            .warning
            .as_deref()
            .unwrap()
            .contains("may be rejected")
    );

    let connector = p.preset_scopes("connector").unwrap();
    assert_eq!(connector.len(), 19);
    assert!(!connector.contains(&"event/contacts:delete".to_string()));
    // Not in Cvent's public spec: shown and flagged, never in the default.
    assert!(!connector.contains(&"survey/surveys:write".to_string()));
    for name in &connector {
        let s = p.scopes.iter().find(|s| &s.name == name).unwrap();
        assert!(s.warning.is_none(), "the default preset has flagged {name}");
    }
    let read_only = p.preset_scopes("read_only").unwrap();
    assert!(read_only.iter().all(|s| s.ends_with(":read")));
    assert_eq!(read_only.len(), 11);
    assert_eq!(p.preset_scopes("all").unwrap().len(), p.scopes.len());
    assert_eq!(p.preset_scopes("none").unwrap(), Vec::<String>::new());
    assert!(p.preset_scopes("nope").is_none());
    assert!(p.empty_scope_means_all);
    assert_eq!(p.scope_limit, Some(50));
    assert!(p.scopes.len() <= 50);

    let cc = p.scheme(None).unwrap();
    assert_eq!(cc.id, "client_credentials");
    assert_eq!(cc.client_auth, provider::ClientAuth::BasicAndBody);
    assert_eq!(cc.default_expires_in, Some(3600));
    assert_eq!(cc.default_scope_preset.as_deref(), Some("connector"));
}

#[test]
fn regions_set_hosts() {
    let p = profile("cvent");
    let vars = p.base_vars(p.region(Some("eu")).unwrap());
    let token = p.render(p.scheme(None).unwrap().token_url.as_deref().unwrap(), &vars);
    assert_eq!(
        token.unwrap(),
        "https://api-platform-eur.cvent.com/ea/oauth2/token"
    );
    let vars = p.base_vars(p.region(None).unwrap());
    assert_eq!(
        p.render(&p.test.as_ref().unwrap().url, &vars).unwrap(),
        "https://api-platform.cvent.com/ea/token-validation"
    );
    let err = p.region(Some("apac")).unwrap_err().to_string();
    assert!(err.contains("na, eu"), "{err}");

    let p = profile("inevent");
    let vars = p.base_vars(p.region(Some("EU")).unwrap());
    assert_eq!(
        p.render(&p.test.as_ref().unwrap().url, &vars).unwrap(),
        "https://api.inevent.uk/?action=person.get"
    );
}

#[test]
fn every_template_renders_to_a_safe_url() {
    for p in provider::builtin() {
        let vars = sample_vars(&p);
        let test = p.test.as_ref().unwrap();
        let url = p.render(&test.url, &vars).unwrap();
        let parsed = check_url("test URL", &url).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        assert_eq!(parsed.scheme(), "https", "{}: {url}", p.id);
        for (k, v) in &test.headers {
            p.render(v, &vars)
                .unwrap_or_else(|e| panic!("{} test header {k}: {e}", p.id));
        }
        for s in &p.schemes {
            for (what, t) in url_templates(s) {
                // Every endpoint starts with a variable, so it can be pointed
                // at a local server (tests) or a new host (users).
                assert!(t.starts_with('{'), "{}/{} {what} `{t}`", p.id, s.id);
                let url = p.render(t, &vars).unwrap();
                let parsed = check_url(what, &url).unwrap_or_else(|e| panic!("{}: {e}", p.id));
                assert_eq!(parsed.scheme(), "https", "{}/{}: {url}", p.id, s.id);
            }
            for (k, v) in &s.extra_headers {
                p.render(v, &vars)
                    .unwrap_or_else(|e| panic!("{} {k}: {e}", p.id));
            }
            if let Some(cb) = &s.default_callback_url {
                check_url("callback", cb).unwrap();
            }
        }
        assert!(test.url.starts_with('{'), "{}: test url", p.id);
    }
}

#[test]
fn overriding_the_host_var_gives_loopback_urls() {
    for p in provider::builtin() {
        let test = p.test.as_ref().unwrap();
        let first_var = provider::placeholders(&test.url).unwrap()[0].to_string();
        let mut vars = sample_vars(&p);
        vars.insert(first_var.clone(), "http://127.0.0.1:9/".into());
        let url = p.render(&test.url, &vars).unwrap();
        let parsed = check_url("test URL", &url).unwrap();
        assert!(is_loopback(&parsed), "{}: {url}", p.id);
        assert!(!url.contains("9//"), "{}: {url}", p.id);
    }
    let p = profile("cvent");
    let mut vars = p.base_vars(p.region(None).unwrap());
    vars.insert("host".into(), "http://127.0.0.1:9/".into());
    assert_eq!(
        p.render(p.scheme(None).unwrap().token_url.as_deref().unwrap(), &vars)
            .unwrap(),
        "http://127.0.0.1:9/ea/oauth2/token"
    );
}

#[test]
fn provider_specifics() {
    let hub = profile("hubdb");
    let oauth = hub.scheme(Some("oauth")).unwrap();
    assert_eq!(
        oauth.token_url.as_deref(),
        Some("{api_base}/oauth/2026-03/token")
    );
    assert_eq!(oauth.client_auth, provider::ClientAuth::Form);
    assert_eq!(
        oauth.default_callback_url.as_deref(),
        Some("http://localhost:33333")
    );
    assert_eq!(
        hub.preset_scopes("connector").unwrap(),
        ["hubdb", "crm.objects.owners.read"]
    );
    let pat = hub.scheme(Some("private_app_token")).unwrap();
    assert_eq!(pat.kind, provider::SchemeKind::StaticToken);
    assert!(!pat.uses_scopes);
    let t = hub.test.as_ref().unwrap();
    assert_eq!(t.count_pointer.as_deref(), Some("/total"));
    assert_eq!(t.summary.as_deref(), Some("{count} HubDB tables"));

    let et = profile("eventtemple");
    let cc = et.scheme(None).unwrap();
    assert_eq!(cc.client_auth, provider::ClientAuth::Json);
    assert_eq!(cc.extra_headers["X-API-ORG"], "{org_id}");
    assert_eq!(cc.default_expires_in, Some(7200));
    let t = et.test.as_ref().unwrap();
    assert_eq!(t.headers["Accept"], "application/vnd.api+json");
    assert_eq!(t.headers["X-API-ORG"], "{org_id}");

    let ie = profile("inevent");
    assert!(ie.schemes.iter().all(|s| !s.uses_scopes));
    assert_eq!(
        ie.test.as_ref().unwrap().auth,
        provider::TestAuth::QueryTokenId
    );
    assert!(
        ie.scheme(Some("event"))
            .unwrap()
            .fields
            .contains(&provider::Field::EventId)
    );

    let od = profile("odata");
    assert_eq!(od.test.as_ref().unwrap().headers["OData-MaxVersion"], "4.0");
    let vars = sample_vars(&od);
    let entra = od.scheme(Some("entra_id")).unwrap();
    assert_eq!(
        od.render(entra.authorize_url.as_deref().unwrap(), &vars)
            .unwrap(),
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
    );

    let custom = profile("custom");
    assert!(custom.vars["issuer"].default.is_none());
    assert_eq!(
        custom.preset_scopes("openid").unwrap().join(" "),
        "openid profile email offline_access"
    );
}

#[test]
fn missing_var_is_named_with_its_description() {
    let err = render("{service_root}/$metadata", &BTreeMap::new()).unwrap_err();
    assert!(matches!(err, ProviderError::MissingVar { ref name, .. } if name == "service_root"));
    assert!(err.to_string().contains("`service_root`"), "{err}");

    let p = profile("odata");
    let err = p
        .render(&p.test.as_ref().unwrap().url, &p.base_vars(None))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("service_root") && err.contains("OData service root"),
        "{err}"
    );
}

#[test]
fn unknown_ids_list_the_known_ones() {
    let all = provider::builtin();
    let err = provider::find(&all, "cvnet").unwrap_err().to_string();
    assert!(err.contains("did you mean `cvent`"), "{err}");
    assert!(
        err.contains("hubdb") && err.contains("eventtemple"),
        "{err}"
    );
    let err = provider::find(&all, "hubspot").unwrap_err().to_string();
    assert!(err.contains("did you mean `hubdb`"), "{err}");
    assert_eq!(provider::find(&all, "CVENT").unwrap().id, "cvent");
    let err = provider::find(&all, "hubspt").unwrap_err().to_string();
    assert!(err.contains("did you mean `hubdb`"), "{err}");
    let err = provider::find(&all, "inevnt").unwrap_err().to_string();
    assert!(err.contains("did you mean `inevent`"), "{err}");
    let err = provider::find(&all, "zzzzzzzz").unwrap_err().to_string();
    assert!(!err.contains("did you mean"), "{err}");

    let p = profile("hubdb");
    let err = p.scheme(Some("nope")).unwrap_err().to_string();
    assert!(err.contains("oauth, private_app_token"), "{err}");
}

const ACME: &str = r#"
id = "acme"
name = "Acme"
description = "Acme API"

[vars.host]
description = "Acme host"
default = "https://acme.example"

[[schemes]]
id = "cc"
kind = "client_credentials"
title = "Client credentials"
token_url = "{host}/oauth/token"
fields = ["client_id", "client_secret"]

[test]
url = "{host}/me"
"#;

#[test]
fn user_dir_adds_and_replaces_profiles() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("acme.toml"), ACME).unwrap();
    let cvent = ACME
        .replace("id = \"acme\"", "id = \"cvent\"")
        .replace("name = \"Acme\"", "name = \"My Cvent\"");
    fs::write(dir.path().join("my-cvent.toml"), cvent).unwrap();
    fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();

    let all = provider::load_all(Some(dir.path())).unwrap();
    assert_eq!(all.len(), IDS.len() + 1);
    assert_eq!(provider::find(&all, "acme").unwrap().name, "Acme");
    let c = provider::find(&all, "cvent").unwrap();
    assert_eq!(c.name, "My Cvent");
    // The replacement keeps the builtin's place in the list.
    assert_eq!(all[0].id, "cvent");
    assert_eq!(all.iter().filter(|p| p.id == "cvent").count(), 1);

    // No directory: just the builtins.
    let none = provider::load_all(Some(&dir.path().join("missing"))).unwrap();
    assert_eq!(none.len(), IDS.len());
    assert_eq!(provider::load_all(None).unwrap().len(), IDS.len());
}

#[test]
fn broken_user_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let broken = ACME.replace(
        "title = \"Client credentials\"",
        "title = \"Client credentials",
    );
    let path = dir.path().join("acme.toml");
    fs::write(&path, &broken).unwrap();
    let err = provider::load_all(Some(dir.path())).unwrap_err();
    let line = broken
        .lines()
        .position(|l| l.starts_with("title = \"Client credentials"))
        .unwrap()
        + 1;
    match &err {
        ProviderError::Parse {
            origin, line: l, ..
        } => {
            assert!(origin.ends_with("acme.toml"), "{origin}");
            assert_eq!(*l, line);
        }
        other => panic!("expected a parse error, got {other}"),
    }
    assert!(
        err.to_string().contains(&format!("acme.toml:{line}:")),
        "{err}"
    );
    // The offending line is quoted so the field is visible.
    assert!(err.to_string().contains("| title = "), "{err}");

    // An unknown field is reported at its line too.
    fs::write(&path, ACME.replace("[test]", "colour = \"red\"\n[test]")).unwrap();
    let err = provider::load_all(Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("acme.toml:") && err.contains("colour"),
        "{err}"
    );

    // The lenient loader still returns every good profile.
    let (profiles, errors) = provider::load_all_lenient(Some(dir.path()));
    assert_eq!(profiles.len(), IDS.len());
    assert_eq!(errors.len(), 1);
}

#[test]
fn validation_names_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.toml");
    let bad = ACME
        .replace("{host}/oauth/token", "{hostt}/oauth/token")
        .replace(
            "[test]",
            "[[scope_presets]]\nid = \"x\"\nname = \"X\"\nscopes = [\"ghost\"]\n\n[test]",
        );
    fs::write(&path, bad).unwrap();
    let err = provider::load_all(Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("acme.toml"), "{err}");
    assert!(
        err.contains("scheme `cc` token_url uses {hostt} but no var `hostt` is declared"),
        "{err}"
    );
    assert!(err.contains("scope `ghost`"), "{err}");

    let mut p: Profile = toml::from_str(ACME).unwrap();
    p.test = None;
    p.regions.push(provider::Region {
        id: "eu".into(),
        name: "EU".into(),
        vars: [("base".to_string(), "https://eu.acme.example".to_string())].into(),
    });
    p.schemes.push(p.schemes[0].clone());
    let scope = profile("custom").scopes[0].clone();
    p.scopes.extend([scope.clone(), scope]);
    p.schemes[0]
        .extra_headers
        .insert("X-Secret".into(), "{client_secret}".into());
    let err = provider::validate(&p).unwrap_err().to_string();
    for want in [
        "no [test]",
        "region `eu` sets `base`",
        "scheme id `cc` appears more than once",
        // Scopes are keyed by `name` in the file.
        &format!("scope name `{}` appears more than once", p.scopes[0].name),
        "secrets cannot be template variables",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
}

#[test]
fn duplicate_user_ids_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.toml"), ACME).unwrap();
    fs::write(dir.path().join("b.toml"), ACME).unwrap();
    let err = provider::load_all(Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("a.toml") && err.contains("b.toml"), "{err}");
}

#[test]
fn hubspot_revokes_at_its_dated_endpoint_and_apis_have_a_base() {
    let p = profile("hubdb");
    let vars = p.base_vars(p.region(None).unwrap());
    let oauth = p.scheme(Some("oauth")).unwrap();
    let revoke = p.render(oauth.revocation_url.as_deref().unwrap(), &vars);
    assert_eq!(
        revoke.unwrap(),
        "https://api.hubapi.com/oauth/2026-03/token/revoke"
    );
    let cvent = profile("cvent");
    let vars = cvent.base_vars(cvent.region(Some("eu")).unwrap());
    let base = cvent.render(cvent.api_base.as_deref().unwrap(), &vars);
    assert_eq!(base.unwrap(), "https://api-platform-eur.cvent.com/ea");
}
