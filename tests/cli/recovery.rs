//! The commands printed when a grant dies run as printed: parsed from the
//! output (a POSIX shell's words), each one run, each one succeeding.

use crate::common::{Idp, Out, User, output_with_stdin};
use std::path::Path;

/// Signs in `name` (client `client`) at `idp` with the default settings
/// location `<config>/settings/NAME.json`, or `settings` when given.
fn login(user: &User, idp: &Idp, client: &str, target: &[&str]) -> Out {
    let mut args = vec![
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        client,
        "--scopes",
        "openid offline_access",
    ];
    args.extend_from_slice(target);
    user.run(&args).ok()
}

/// The "Get a token with" line `login` printed, run as printed.
fn run_token_hint(user: &User, login: &Out) {
    let hint = login
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("Get a token with:  "))
        .unwrap_or_else(|| panic!("no token hint: {}", login.stderr));
    let token = run(user, hint, None, &[], "").stdout;
    assert_eq!(token.trim().split('.').count(), 3, "{token}");
}

/// Ends the grant at the provider: the server rotates refresh tokens and
/// revokes the whole family when an old one comes back (RFC 9700 §4.14.2).
/// Returns the `token` failure that prints the commands.
fn kill_grant(user: &User, settings: &str, file: &std::path::Path) -> Out {
    let before = std::fs::read(file).unwrap();
    user.run(&["token", "--settings", settings]).ok();
    std::fs::write(file, before).unwrap();
    let out = user.run(&["token", "--settings", settings]);
    assert_eq!(out.code, 4, "{out:#?}");
    out
}

/// The printed command lines (`  oauth-setup …`), as printed.
fn printed_commands(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.starts_with("oauth-setup "))
        .map(str::to_string)
        .collect()
}

fn verb(line: &str) -> &str {
    line.split_whitespace().nth(1).unwrap_or_default()
}

fn find<'a>(commands: &'a [String], v: &str) -> &'a str {
    commands
        .iter()
        .find(|c| verb(c) == v)
        .unwrap_or_else(|| panic!("no `{v}` line among {commands:?}"))
}

/// Runs a printed line through `sh -c`, in `dir`, with `env` and `stdin`.
fn run(user: &User, line: &str, dir: Option<&Path>, env: &[(&str, &str)], stdin: &str) -> Out {
    let mut c = user.shell(line);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    let out = output_with_stdin(c, stdin);
    assert_eq!(out.code, 0, "`{line}` failed as printed: {out:#?}");
    out
}

/// The browser: the provider's redirect, with the code, to the address the
/// paste flow registered (nothing listens there).
fn authorize(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", url.trim()])
        .output()
        .unwrap();
    let redirect = String::from_utf8(out.stdout).unwrap();
    assert!(redirect.contains("code="), "no redirect: {redirect:?}");
    redirect
}

fn client_of(user: &User, settings: &str) -> String {
    let v = user
        .run(&["status", "--settings", settings, "--json"])
        .ok()
        .json();
    v["client_id"].as_str().unwrap().to_string()
}

#[test]
fn every_printed_recovery_line_runs_as_printed() {
    let idp = Idp::shared(&["--rotate", "--ttl", "0"]);
    let here = User::new();
    // Two connections to the same provider: the lines must name this one.
    let first = login(&here, idp, "app-1", &["--name", "crm"]);
    run_token_hint(&here, &first);
    login(&here, idp, "app-2", &["--name", "other"]);
    let file = here.config().join("settings/crm.json");
    let out = kill_grant(&here, "crm", &file);
    let commands = printed_commands(&out.stderr);
    assert_eq!(
        commands.iter().map(|c| verb(c)).collect::<Vec<_>>(),
        ["login", "export", "import", "auth-url", "exchange"],
        "{}",
        out.stderr
    );

    // 1. On a machine with a browser (its own config dir): sign in, export;
    // here: import it over the dead connection.
    let there = User::new();
    run(&there, find(&commands, "login"), None, &[], "");
    // A small scrypt work factor: the default takes minutes in a debug build.
    let pass = [
        ("OAUTH_SETUP_PASSPHRASE", "correct horse battery"),
        ("OAUTH_SETUP_SCRYPT_LOG_N", "10"),
    ];
    let carry = Some(there.dir.path());
    run(&there, find(&commands, "export"), carry, &pass, "");
    run(&here, find(&commands, "import"), carry, &pass, "");
    here.run(&["token", "--settings", "crm"]).ok();

    // 2. The login line here (the `$BROWSER` script consents).
    kill_grant(&here, "crm", &file);
    run(&here, find(&commands, "login"), None, &[], "");
    here.run(&["token", "--settings", "crm"]).ok();

    // 3. The paste flow here.
    kill_grant(&here, "crm", &file);
    let started = run(&here, find(&commands, "auth-url"), None, &[], "");
    let redirect = authorize(&started.stdout);
    // auth-url's own advice says the same exchange line.
    assert_eq!(
        printed_commands(&started.stderr),
        [find(&commands, "exchange")],
        "{}",
        started.stderr
    );
    run(
        &here,
        find(&commands, "exchange"),
        None,
        &[],
        &format!("{redirect}\n"),
    );
    here.run(&["token", "--settings", "crm"]).ok();

    assert_eq!(client_of(&here, "crm"), "app-1");
    assert_eq!(
        client_of(&here, "other"),
        "app-2",
        "the other one untouched"
    );
}

#[test]
fn a_connection_outside_the_config_dir_is_named_by_its_quoted_path() {
    let idp = Idp::shared(&["--rotate", "--ttl", "0"]);
    let user = User::new();
    let dir = user.path("my connections");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("crm's.json");
    let s = file.to_str().unwrap();
    let first = login(&user, idp, "app-1", &["--settings", s]);
    run_token_hint(&user, &first);
    let out = kill_grant(&user, s, &file);
    let commands = printed_commands(&out.stderr);
    let quoted = format!("'{s}'").replace("crm's", "crm'\\''s");
    for v in ["login", "export", "import", "auth-url", "exchange"] {
        let line = find(&commands, v);
        assert!(line.contains(&quoted), "`{v}` names {quoted}: {line}");
    }
    run(&user, find(&commands, "login"), None, &[], "");
    user.run(&["token", "--settings", s]).ok();
    kill_grant(&user, s, &file);
    let url = run(&user, find(&commands, "auth-url"), None, &[], "").stdout;
    run(
        &user,
        find(&commands, "exchange"),
        None,
        &[],
        &authorize(&url),
    );
    user.run(&["token", "--settings", s]).ok();
}

#[test]
fn an_expired_token_in_an_off_file_names_no_option_that_does_not_exist() {
    // A token that is expired at once, in a file that never renews.
    let idp = Idp::shared(&["--rotate", "--ttl", "0"]);
    let user = User::new();
    login(
        &user,
        idp,
        "app-1",
        &["--name", "frozen", "--initiate-oauth", "OFF"],
    );
    let out = user.run(&["token", "--settings", "frozen"]);
    assert_eq!(out.code, 4, "{out:#?}");
    assert!(
        out.stderr.contains("InitiateOAuth is OFF")
            && out.stderr.contains("--initiate-oauth REFRESH")
            && !out.stderr.contains("InitiateOAuth=REFRESH"),
        "{}",
        out.stderr
    );
}
