//! Moving a sign-in between machines: `export` / `import` of a passphrase
//! bundle between two users with different keys, the service exports (env,
//! Kubernetes secret), and what a server says when its copy goes stale.

use crate::common::*;

/// Low scrypt work factor (debug builds only) so bundles are quick in tests.
const FAST_KDF: (&str, &str) = ("OAUTH_SETUP_SCRYPT_LOG_N", "4");
const PASSPHRASE: &str = "tr0ub4dor-and-3-horses";

fn export_bundle(user: &User, settings: &std::path::Path, out: &std::path::Path) -> Out {
    let pass = user.path("pass.txt");
    std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
    user.run_env(
        &[
            "export",
            "--settings",
            settings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
        &[FAST_KDF],
    )
}

fn import_bundle(user: &User, bundle: &std::path::Path, settings: &std::path::Path) -> Out {
    user.run_env(
        &[
            "import",
            bundle.to_str().unwrap(),
            "--settings",
            settings.to_str().unwrap(),
        ],
        &[FAST_KDF, ("OAUTH_SETUP_PASSPHRASE", PASSPHRASE)],
    )
}

/// The secrets a settings file holds, read through `token` / the bundle.
fn secrets_of(settings: &std::path::Path) -> Vec<String> {
    let raw = std::fs::read_to_string(settings).unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    vec![v["secrets"]["ciphertext"].as_str().unwrap()[..24].to_string()]
}

#[test]
fn export_import_between_machines_then_token_renews() {
    let idp = Idp::start(&["--rotate", "--ttl", "0"]);
    let laptop = User::new();
    let server = User::new();
    let on_laptop = laptop.path("laptop.json");
    laptop.login_code(&idp, &on_laptop).ok();
    let at = laptop
        .run(&["token", "--settings", on_laptop.to_str().unwrap()])
        .ok()
        .stdout
        .trim()
        .to_string();

    let bundle = laptop.path("bundle.age");
    let out = export_bundle(&laptop, &on_laptop, &bundle).ok();
    assert!(out.stderr.contains("only one machine"), "{}", out.stderr);
    assert!(out.stderr.contains("oauth-setup import"), "{}", out.stderr);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&bundle).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let armored = std::fs::read_to_string(&bundle).unwrap();
    assert!(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert_no_secret("bundle", &armored, &[&at, PASSPHRASE, "app-1"]);

    // The server's key is not the laptop's: the file itself is useless there.
    let copied = server.path("copied.json");
    std::fs::copy(&on_laptop, &copied).unwrap();
    let out = server.run(&["status", "--settings", copied.to_str().unwrap()]);
    assert_eq!(out.code, 3, "{out:#?}");

    let on_server = server.path("server.json");
    let imp = import_bundle(&server, &bundle, &on_server).ok();
    assert!(imp.stderr.contains("Imported"), "{}", imp.stderr);
    let raw = std::fs::read_to_string(&on_server).unwrap();
    assert!(raw.contains("\"imported\": true"), "{raw}");
    assert_ne!(secrets_of(&on_server), secrets_of(&on_laptop));
    let status = server
        .run(&[
            "status",
            "--settings",
            on_server.to_str().unwrap(),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(status["has_refresh_token"], true);
    assert_eq!(status["client_id"], "app-1");

    // Tokens arrive expired: every call renews with the rotating refresh token.
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let t = server
            .run(&["token", "--settings", on_server.to_str().unwrap()])
            .ok()
            .stdout;
        assert_eq!(t.trim().split('.').count(), 3);
        tokens.push(t.trim().to_string());
    }
    let grants: Vec<_> = idp
        .requests()
        .into_iter()
        .map(|(g, o)| format!("{g}:{o}"))
        .collect();
    assert_eq!(
        grants,
        [
            "authorization_code:ok",
            "refresh_token:ok", // the laptop's `token`, before the export
            "refresh_token:ok",
            "refresh_token:ok",
            "refresh_token:ok"
        ]
    );

    // Exporting an imported file warns harder.
    let again = export_bundle(&server, &on_server, &server.path("again.age")).ok();
    assert!(
        again.stderr.contains("was itself imported"),
        "{}",
        again.stderr
    );

    // An existing settings file is not replaced without --force.
    let out = import_bundle(&server, &bundle, &on_server);
    assert_eq!(out.code, 3, "{out:#?}");
    assert!(out.stderr.contains("--force"), "{}", out.stderr);

    let mut secrets: Vec<&str> = vec![PASSPHRASE, &at];
    secrets.extend(tokens.iter().map(String::as_str));
    for u in [&laptop, &server] {
        let log = std::fs::read_to_string(u.log_file()).unwrap_or_default();
        assert_no_secret("log", &log, &secrets);
    }
    for o in [&out, &imp, &again] {
        assert_no_secret("stdout", &o.stdout, &secrets);
        assert_no_secret("stderr", &o.stderr, &secrets);
    }
}

#[test]
// A table of hostile inputs, each checked the same way: long, not deep.
#[allow(clippy::too_many_lines)]
fn bad_bundles_are_clear_errors_and_write_nothing() {
    let idp = Idp::shared(&[]);
    let laptop = User::new();
    let server = User::new();
    let on_laptop = laptop.path("laptop.json");
    laptop.login_code(idp, &on_laptop).ok();
    let bundle = laptop.path("bundle.age");
    export_bundle(&laptop, &on_laptop, &bundle).ok();
    let good = std::fs::read_to_string(&bundle).unwrap();
    let target = server.path("never.json");

    let check = |name: &str, content: &[u8], env: &[(&str, &str)], expect: &str| {
        let f = server.path(name);
        std::fs::write(&f, content).unwrap();
        let mut all = vec![FAST_KDF];
        all.extend_from_slice(env);
        let out = server.run_env(
            &[
                "import",
                f.to_str().unwrap(),
                "--settings",
                target.to_str().unwrap(),
            ],
            &all,
        );
        assert_eq!(out.code, 3, "{name}: {out:#?}");
        assert!(out.stderr.contains(expect), "{name}: {}", out.stderr);
        assert!(!target.exists(), "{name}: nothing written");
        assert!(
            !server.config().join("settings").exists(),
            "{name}: nothing written"
        );
        assert_no_secret(name, &out.stderr, &[PASSPHRASE, "wrong passphrase 1"]);
    };
    let pass = ("OAUTH_SETUP_PASSPHRASE", PASSPHRASE);

    check(
        "wrong-pass.age",
        good.as_bytes(),
        &[("OAUTH_SETUP_PASSPHRASE", "wrong passphrase 1")],
        "wrong passphrase",
    );

    // One character of the payload changed.
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let i = lines.len() - 2;
    let mid = lines[i].len() / 2;
    let c = lines[i].as_bytes()[mid];
    let swapped = if c == b'A' { 'B' } else { 'A' };
    lines[i].replace_range(mid..mid + 1, &swapped.to_string());
    check(
        "tampered.age",
        (lines.join("\n") + "\n").as_bytes(),
        &[pass],
        "damaged, truncated or was altered",
    );

    check(
        "truncated.age",
        &good.as_bytes()[..good.len() * 2 / 3],
        &[pass],
        "damaged, truncated or was altered",
    );

    check(
        "settings.json",
        &std::fs::read(&on_laptop).unwrap(),
        &[pass],
        "not age-encrypted",
    );

    let age_of = |doc: &str| {
        let mut r =
            age::scrypt::Recipient::new(age::secrecy::SecretString::from(PASSPHRASE.to_string()));
        r.set_work_factor(4);
        age::encrypt_and_armor(&r, doc.as_bytes()).unwrap()
    };
    check(
        "newer.age",
        age_of(r#"{"format":"oauth-setup-bundle","version":2,"meta":{"format":"oauth-setup-settings","version":9},"secrets":{}}"#).as_bytes(),
        &[pass],
        "newer oauth-setup",
    );
    check(
        "other.age",
        age_of("just some notes").as_bytes(),
        &[pass],
        "not an oauth-setup bundle",
    );

    // No passphrase and no terminal: a usage error, not a hang.
    let out = server.run(&[
        "import",
        bundle.to_str().unwrap(),
        "--settings",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr.contains("OAUTH_SETUP_PASSPHRASE"),
        "{}",
        out.stderr
    );

    // A short passphrase is refused on export; an existing --out is kept.
    let out = laptop.run_env(
        &[
            "export",
            "--settings",
            on_laptop.to_str().unwrap(),
            "--out",
            laptop.path("weak.age").to_str().unwrap(),
        ],
        &[FAST_KDF, ("OAUTH_SETUP_PASSPHRASE", "short")],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(!laptop.path("weak.age").exists());
    let out = export_bundle(&laptop, &on_laptop, &bundle);
    assert_eq!(out.code, 2, "{out:#?}");
    assert_eq!(std::fs::read_to_string(&bundle).unwrap(), good);
}

#[test]
// A table of hostile inputs, each checked the same way: long, not deep.
#[allow(clippy::too_many_lines)]
fn export_env_and_k8s_secret_hide_the_key_unless_asked() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let s = user.path("svc.json");
    user.login_code(idp, &s).ok();
    let key = std::fs::read_to_string(user.config().join("key"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(key.len(), 64);
    let settings_text = std::fs::read_to_string(&s).unwrap();
    let ciphertext = serde_json::from_str::<serde_json::Value>(&settings_text).unwrap()["secrets"]
        ["ciphertext"]
        .as_str()
        .unwrap()
        .to_string();

    let env = user
        .run(&[
            "export",
            "--settings",
            s.to_str().unwrap(),
            "--format",
            "env",
        ])
        .ok()
        .stdout;
    assert!(
        env.contains(&format!("OAUTH_SETUP_SETTINGS=\"{}\"", s.display())),
        "{env}"
    );
    // A custom provider has no CData connector: no string, a pointer to
    // the commands instead (the strings are tested in cdata.rs).
    assert!(!env.contains("OAUTH_SETUP_CONNECTION_STRING"), "{env}");
    assert!(env.contains("No CData connector"), "{env}");
    assert!(!env.contains("OAUTH_SETUP_KEY="), "{env}");
    assert_no_secret("env export", &env, &[&key]);
    // It is valid sh.
    let sourced = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{env}\nprintf %s \"$OAUTH_SETUP_SETTINGS\""))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&sourced.stdout),
        s.to_str().unwrap()
    );

    let env = user
        .run(&[
            "export",
            "--settings",
            s.to_str().unwrap(),
            "--format",
            "env",
            "--include-secrets",
        ])
        .ok()
        .stdout;
    assert!(env.contains(&format!("OAUTH_SETUP_KEY=\"{key}\"")), "{env}");

    let yaml = user
        .run(&[
            "export",
            "--settings",
            s.to_str().unwrap(),
            "--format",
            "k8s-secret",
        ])
        .ok()
        .stdout;
    // Values are base64 under `data:`: decode them to look inside.
    let decoded = |yaml: &str, name: &str| {
        use base64::Engine;
        let line = yaml
            .lines()
            .find(|l| l.starts_with(&format!("  \"{name}\": ")))
            .unwrap_or_else(|| panic!("no {name} in {yaml}"));
        let v = line.rsplit(' ').next().unwrap().trim_matches('"');
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(v).unwrap()).unwrap()
    };
    assert!(yaml.contains("kind: Secret"), "{yaml}");
    assert!(yaml.contains("name: \"oauth-setup-custom\""), "{yaml}");
    assert!(yaml.contains("\ndata:\n"), "{yaml}");
    assert!(
        decoded(&yaml, "settings.json").contains(&ciphertext),
        "the encrypted settings file is in it"
    );
    assert!(!yaml.contains("OAUTH_SETUP_CONNECTION_STRING"), "{yaml}");
    assert!(!yaml.contains("\"OAUTH_SETUP_KEY\":"), "{yaml}");
    assert_no_secret("k8s export", &yaml, &[&key]);
    let yaml = user
        .run(&[
            "export",
            "--settings",
            s.to_str().unwrap(),
            "--format",
            "k8s-secret",
            "--include-secrets",
            "--name",
            "crm",
        ])
        .ok()
        .stdout;
    assert_eq!(decoded(&yaml, "OAUTH_SETUP_KEY"), key, "{yaml}");
    assert!(yaml.contains("name: \"crm\""), "{yaml}");

    // The env export, given to a "service" with a fresh home, yields a token.
    let svc = User::new();
    let out = svc.run_env(
        &["token", "--settings", s.to_str().unwrap()],
        &[("OAUTH_SETUP_KEY", &key)],
    );
    out.ok();
}

#[test]
fn server_never_opens_a_browser_and_names_the_commands() {
    // The laptop keeps using its copy after exporting: with rotation, the
    // server's copy of the refresh token is then dead.
    let idp = Idp::shared(&["--rotate", "--ttl", "0"]);
    let laptop = User::new();
    let server = User::new();
    let on_laptop = laptop.path("laptop.json");
    laptop
        .run(&[
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--initiate-oauth",
            "REFRESH",
            "--settings",
            on_laptop.to_str().unwrap(),
        ])
        .ok();
    let bundle = laptop.path("b.age");
    export_bundle(&laptop, &on_laptop, &bundle).ok();
    laptop
        .run(&["token", "--settings", on_laptop.to_str().unwrap()])
        .ok();
    let on_server = server.path("server.json");
    import_bundle(&server, &bundle, &on_server).ok();
    let out = server.run(&["token", "--settings", on_server.to_str().unwrap()]);
    assert_eq!(out.code, 4, "{out:#?}");
    let p = on_server.display();
    for expected in [
        "no longer accepts the refresh token".to_string(),
        format!(
            "oauth-setup login custom --scheme authorization_code --client-id app-1 --issuer {}",
            idp.issuer
        ),
        format!("oauth-setup export --settings {p} --out bundle.age"),
        format!("oauth-setup import bundle.age --settings {p} --force"),
        "oauth-setup auth-url custom --scheme authorization_code".to_string(),
        format!("oauth-setup exchange --settings {p}"),
    ] {
        assert!(
            out.stderr.contains(&expected),
            "missing {expected:?}: {}",
            out.stderr
        );
    }
    assert!(
        !server.path("browser.log").exists(),
        "no browser was started on the server"
    );
    let status = server
        .run(&[
            "status",
            "--settings",
            on_server.to_str().unwrap(),
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(status["initiate_oauth"], "REFRESH", "{status}");
}
