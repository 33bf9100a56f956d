//! What a person types and reads: every flag explained in `--help`, one
//! spelling convention (hyphens, with the file's underscores accepted),
//! `status` and `providers` output, and typos refused rather than ignored.

use crate::common::*;

/// The subcommands `oauth-setup -h` lists.
fn subcommands() -> Vec<String> {
    let out = User::new().run(&["-h"]).ok();
    let list = out
        .stdout
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    names
}

/// The options and arguments in a short help whose description is empty
/// once clap's `[env: …]`, `[default: …]` and `[possible values: …]` are
/// taken away.
fn undocumented(help: &str) -> Vec<String> {
    let mut bare = Vec::new();
    let lines: Vec<&str> = help.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if !(line.starts_with("  ") && (t.starts_with('-') || t.starts_with('<'))) {
            continue;
        }
        let (spec, rest) = t.split_once("  ").unwrap_or((t, ""));
        let mut text = rest.trim().to_string();
        // Long specs put the description on the next, deeper-indented line.
        if text.is_empty()
            && let Some(next) = lines.get(i + 1)
            && next.starts_with("          ")
        {
            text = next.trim().to_string();
        }
        while text.ends_with(']')
            && let Some(open) = text
                .rfind(" [")
                .or_else(|| text.starts_with('[').then_some(0))
        {
            text.truncate(open);
            text = text.trim_end().to_string();
        }
        if text.is_empty() {
            bare.push(spec.trim().to_string());
        }
    }
    bare
}

/// Subcommands' arguments are built only when one is invoked (clap's
/// `defer`, for start-up time): the completion script must still hold
/// every command's own flags, not just the command names.
#[test]
fn completions_know_every_commands_flags() {
    let user = User::new();
    let script = user.run(&["completions", "bash"]).ok().stdout;
    for flag in [
        "--settings",
        "--header",
        "--token-stdin",
        "--local-only",
        "--include",
        "--allow-host",
    ] {
        assert!(script.contains(flag), "{flag} missing from the bash script");
    }
    // Every subcommand `-h` lists has its own case, offering its options and
    // the global ones (clap_complete names `auth-url`'s case
    // `oauth__subcmd__setup__subcmd__auth__subcmd__url`).
    for cmd in subcommands() {
        let case = format!(
            "oauth__subcmd__setup__subcmd__{})",
            cmd.replace('-', "__subcmd__")
        );
        let opts = script
            .split(&case)
            .nth(1)
            .and_then(|rest| rest.lines().find(|l| l.trim_start().starts_with("opts=")))
            .unwrap_or_else(|| panic!("no case for {cmd} in the bash script"));
        assert!(opts.contains("--config-dir"), "{cmd}: {opts}");
        if cmd == "token" {
            assert!(opts.contains("--settings --json --header"), "{opts}");
        }
    }
}

#[test]
fn every_flag_of_every_command_has_help_text() {
    let user = User::new();
    let mut missing = Vec::new();
    let top = user.run(&["-h"]).ok().stdout;
    missing.extend(
        undocumented(&top)
            .into_iter()
            .map(|f| format!("oauth-setup {f}")),
    );
    for cmd in subcommands() {
        let help = user.run(&[&cmd, "-h"]).ok().stdout;
        assert!(help.contains("Usage:"), "{help}");
        missing.extend(
            undocumented(&help)
                .into_iter()
                .map(|f| format!("{cmd} {f}")),
        );
    }
    assert!(missing.is_empty(), "flags without help text: {missing:#?}");
    // The parser itself finds a bare flag.
    assert_eq!(
        undocumented("Options:\n      --bare\n      --told  Told [env: X=]\n"),
        ["--bare"]
    );
}

#[test]
fn login_help_is_grouped_and_names_the_key_file_variable() {
    let help = User::new().run(&["login", "-h"]).ok().stdout;
    for heading in [
        "Provider and method:",
        "Credentials:",
        "Sign-in:",
        "Settings file and output:",
    ] {
        assert!(help.contains(heading), "no {heading}: {help}");
    }
    let credentials = help.split("Credentials:").nth(1).unwrap();
    let credentials = credentials.split("\n\n").next().unwrap();
    assert!(credentials.contains("--client-id"), "{credentials}");
    assert!(credentials.contains("--token-stdin"), "{credentials}");
    assert!(help.contains("OAUTH_SETUP_KEY_FILE"), "{help}");
}

fn token_server() -> TestServer {
    TestServer::start(|r| match r.url.as_str() {
        "/oauth/token" => (
            200,
            "application/json",
            r#"{"access_token":"tok-123456","token_type":"Bearer","expires_in":3600}"#.into(),
        ),
        _ => (200, "application/json", r#"{"data":[]}"#.into()),
    })
}

/// Event Temple's token request shows `--client-auth`, `--scheme` and
/// `--preset` as the server receives them.
fn event_temple_login(user: &User, server: &TestServer, s: &str, spelling: [&str; 3]) {
    let base = format!("api_base={}", server.url);
    let [scheme, client_auth, preset] = spelling;
    user.run_env(
        &[
            "login",
            "eventtemple",
            "--scheme",
            scheme,
            "--client-auth",
            client_auth,
            "--preset",
            preset,
            "--client-id",
            "et-client",
            "--org-id",
            "7",
            "--var",
            &base,
            "--settings",
            s,
            "--force",
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "et-secret")],
    )
    .ok();
}

#[test]
fn hyphens_and_underscores_both_parse_and_the_file_keeps_the_profiles_spelling() {
    let server = token_server();
    let user = User::new();
    let s = user.path("et.json");
    let s = s.to_str().unwrap();
    for spelling in [
        ["client-credentials", "basic-and-body", "read-only"],
        ["client_credentials", "basic_and_body", "read_only"],
        ["Client-Credentials", "basic-and-body", "READ_ONLY"],
    ] {
        event_temple_login(&user, &server, s, spelling);
        let req = server
            .requests()
            .into_iter()
            .rfind(|r| r.url == "/oauth/token");
        let req = req.unwrap();
        assert!(
            req.header("Authorization")
                .is_some_and(|h| h.starts_with("Basic ")),
            "{spelling:?}: basic-and-body sends Basic"
        );
        assert!(req.body.contains("client_id=et-client"), "{}", req.body);
        let status = user.run(&["status", "--settings", s, "--json"]).ok().json();
        assert_eq!(status["scheme"], "client_credentials", "{spelling:?}");
        assert!(
            status["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x.as_str().unwrap().ends_with("_read")),
            "read_only preset: {status}"
        );
    }

    // One spelling for one thing: `--include-secrets`, the old one still taken.
    for flag in ["--include-secrets", "--include-secret"] {
        // Parsed (Event Temple has no CData connector: exit 2 with the
        // pointer to exec/api/token, not a usage error about the flag).
        let cs = user.run(&["connection-string", "--settings", s, flag]);
        assert_eq!(cs.code, 2, "{flag}: {cs:#?}");
        assert!(cs.stderr.contains("no connector"), "{flag}: {}", cs.stderr);
    }
    let help = user.run(&["connection-string", "-h"]).ok().stdout;
    assert!(help.contains("--include-secrets") && !help.contains("--include-secret "));

    for format in ["k8s-secret", "k8s_secret"] {
        let out = user
            .run(&["export", "--settings", s, "--format", format])
            .ok();
        assert!(out.stdout.contains("kind: Secret"), "{format}: {out:#?}");
    }
}

#[test]
fn status_names_the_method_once_when_the_scheme_is_its_kind() {
    let server = token_server();
    let user = User::new();
    let s = user.path("et.json");
    let s = s.to_str().unwrap();
    event_temple_login(&user, &server, s, ["client_credentials", "json", "all"]);
    let out = user.run(&["status", "--settings", s]).ok().stdout;
    assert!(
        out.contains("Provider:       eventtemple (client_credentials)\n"),
        "{out}"
    );

    let hub = TestServer::start(|_| (200, "application/json", r#"{"total":0}"#.into()));
    let h = user.path("hub.json");
    let h = h.to_str().unwrap();
    let base = format!("api_base={}", hub.url);
    user.run_stdin(
        &[
            "login",
            "hubdb",
            "--scheme",
            "private-app-token",
            "--var",
            &base,
            "--settings",
            h,
            "--token-stdin",
        ],
        "pat-na1-token\n",
    )
    .ok();
    let out = user.run(&["status", "--settings", h]).ok().stdout;
    assert!(
        out.contains("Provider:       hubdb (private_app_token, static_token)\n"),
        "{out}"
    );
}

#[test]
fn an_unknown_variable_is_refused_with_the_profiles_names() {
    let server = token_server();
    let user = User::new();
    let s = user.path("cv.json");
    let s = s.to_str().unwrap();
    let typo = format!("hots={}", server.url);
    let out = user.run_env(
        &[
            "login",
            "cvent",
            "--client-id",
            "c",
            "--var",
            &typo,
            "--settings",
            s,
        ],
        &[("OAUTH_SETUP_CLIENT_SECRET", "x")],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    for want in ["`hots`", "did you mean `host`", "host", "org_id", "--var"] {
        assert!(out.stderr.contains(want), "no {want}: {}", out.stderr);
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    assert!(!std::path::Path::new(s).exists());

    // The same from the environment, for a variable a file would keep.
    let out = user.run_env(
        &[
            "login",
            "custom",
            "--scheme",
            "client_credentials",
            "--token-url",
            &format!("{}/oauth/token", server.url),
            "--client-id",
            "c",
            "--settings",
            s,
        ],
        &[
            ("OAUTH_SETUP_CLIENT_SECRET", "x"),
            ("OAUTH_SETUP_VAR_TSET_URL", "https://api.example.com/me"),
        ],
    );
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr.contains("OAUTH_SETUP_VAR_TSET_URL")
            && out.stderr.contains("did you mean `test_url`"),
        "{}",
        out.stderr
    );
    assert!(!std::path::Path::new(s).exists());
}

/// The builtin Cvent profile under another name, as a user would copy it.
fn my_cvent() -> String {
    let builtin = include_str!("../../assets/providers/cvent.toml");
    let line = builtin
        .lines()
        .find(|l| l.starts_with("name = "))
        .expect("a name line");
    builtin.replacen(line, "name = \"My Cvent\"", 1)
}

#[test]
fn providers_says_which_profile_replaces_a_builtin() {
    let user = User::new();
    let dir = user.config().join("providers");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cvent.toml"), my_cvent()).unwrap();

    let text = user.run(&["providers"]).ok().stdout;
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id} in {text}"))
            .to_string()
    };
    assert!(line("cvent").contains("replacing the built-in"), "{text}");
    assert!(!line("hubdb").contains("replacing"), "{text}");

    let json = user.run(&["providers", "--json"]).ok().json();
    let by_id = |id: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("cvent")["replaces_builtin"], true);
    assert_eq!(by_id("cvent")["name"], "My Cvent");
    assert_eq!(by_id("hubdb")["replaces_builtin"], false);
}

/// A broken user profile is reported once, naming its file and line, by
/// the commands and by the wizard's `--provider` (which called it unknown).
#[test]
fn a_broken_user_profile_is_reported_once_with_its_file() {
    let user = User::new();
    let dir = user.config().join("providers");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("acme.toml"), "id = \"acme\"\nname = [broken\n").unwrap();
    for args in [
        &["providers"][..],
        &["login", "acme"],
        &["providers", "acme"],
        &["--provider", "acme"],
    ] {
        let out = user.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:#?}");
        assert_eq!(
            out.stderr.matches("acme.toml:2:15: unclosed array").count(),
            1,
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("unknown provider"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_profile_cannot_set_the_sign_ins_own_authorize_parameters() {
    use oauth_setup::provider::{self, validate::RESERVED_AUTHORIZE_PARAMS};
    let user = User::new();
    let dir = user.config().join("providers");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = my_cvent().replace(
        "kind = \"authorization_code\"",
        "kind = \"authorization_code\"\nextra_authorize_params = { redirect_uri = \"https://evil.example/cb\", prompt = \"consent\" }",
    );
    assert!(bad.contains("evil.example"), "the fixture changed");
    std::fs::write(dir.join("cvent.toml"), bad).unwrap();
    let out = user.run(&["providers"]);
    assert_eq!(out.code, 2, "{out:#?}");
    assert!(
        out.stderr.contains("cvent.toml") && out.stderr.contains("`redirect_uri`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("`prompt`"), "{}", out.stderr);

    let base = provider::builtin();
    for name in RESERVED_AUTHORIZE_PARAMS
        .iter()
        .chain(&["STATE", "Code_Challenge"])
    {
        let mut p = provider::find(&base, "custom").unwrap().clone();
        p.schemes[0]
            .extra_authorize_params
            .insert(name.to_string(), "x".into());
        let err = provider::validate(&p).expect_err(name).to_string();
        assert!(err.contains(&format!("`{name}`")), "{err}");
    }
}

#[test]
fn global_options_come_once_after_each_commands_own() {
    let user = User::new();
    for cmd in [
        "login",
        "token",
        "status",
        "test",
        "api",
        "exec",
        "list",
        "logout",
        "export",
        "import",
        "auth-url",
        "exchange",
        "providers",
        "connection-string",
        "key",
    ] {
        let help = user.run(&[cmd, "--help"]).ok().stdout;
        let (own, global) = help
            .split_once("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("`{cmd} --help` has no Global options heading:\n{help}"));
        for flag in ["--config-dir", "--key-file", "--key-store", "--ca-file"] {
            assert!(
                !own.contains(flag),
                "`{cmd} --help` lists {flag} among its own:\n{help}"
            );
            assert!(
                global.contains(flag),
                "`{cmd} --help` lacks {flag}:\n{help}"
            );
        }
    }
}
