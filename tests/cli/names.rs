//! Named connections: a name in use is never replaced without `--force`,
//! whichever command writes it, and before any sign-in is spent; locations
//! outside the config dir are remembered for `list` and forgotten by
//! `logout`, with the pending sign-ins meant for them.

use crate::common::*;
use std::path::{Path, PathBuf};

fn login_named(user: &User, idp: &Idp, extra: &[&str]) -> Out {
    let mut args = vec![
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--scopes",
        "openid offline_access",
    ];
    args.extend_from_slice(extra);
    user.run(&args)
}

fn settings_file(user: &User, name: &str) -> PathBuf {
    user.config().join("settings").join(format!("{name}.json"))
}

fn pending_count(user: &User) -> usize {
    std::fs::read_dir(user.config().join("pending"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

#[track_caller]
fn assert_refused(out: &Out, name: &str) {
    assert_eq!(out.code, 3, "{out:#?}");
    let e = &out.stderr;
    assert!(
        e.contains(&format!("`{name}` is already a connection")),
        "{e}"
    );
    assert!(e.contains("signed in as jane@example.test"), "{e}");
    assert!(
        e.contains("--name OTHER") || e.contains("--settings OTHER"),
        "{e}"
    );
    assert!(e.contains("--force"), "{e}");
}

#[test]
fn a_name_in_use_is_refused_before_any_sign_in_by_every_writer() {
    let idp = Idp::start(&["--email", "jane@example.test"]);
    let user = User::new();
    login_named(&user, &idp, &["--name", "work"]).ok();
    let work = settings_file(&user, "work");
    let before = std::fs::read(&work).unwrap();
    let spent = idp.requests().len();

    // login, by --name, by --settings NAME, and from a refresh token.
    assert_refused(&login_named(&user, &idp, &["--name", "work"]), "work");
    assert_refused(&login_named(&user, &idp, &["--settings", "work"]), "work");
    let from_refresh = user.run_stdin(
        &[
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--name",
            "work",
            "--refresh-token-stdin",
        ],
        "rt-anything\n",
    );
    assert_refused(&from_refresh, "work");
    // auth-url stops before printing a URL or keeping any pending state.
    let auth_url = user.run(&[
        "auth-url",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--callback-url",
        "http://localhost:33333",
        "--name",
        "work",
    ]);
    assert_refused(&auth_url, "work");
    assert!(auth_url.stdout.is_empty(), "{}", auth_url.stdout);
    assert_eq!(pending_count(&user), 0);
    assert_eq!(idp.requests().len(), spent, "no token request was made");
    assert_eq!(
        std::fs::read(&work).unwrap(),
        before,
        "the file is untouched"
    );

    // import over it.
    let pass = user.path("pass");
    std::fs::write(&pass, "a long enough passphrase\n").unwrap();
    let bundle = user.path("b.age");
    let (b, p) = (bundle.to_str().unwrap(), pass.to_str().unwrap());
    user.run(&[
        "export",
        "--settings",
        "work",
        "--out",
        b,
        "--passphrase-file",
        p,
    ])
    .ok();
    let import = user.run(&["import", b, "--settings", "work", "--passphrase-file", p]);
    assert_refused(&import, "work");

    // Another name sits beside it; --force replaces it and keeps a backup.
    login_named(&user, &idp, &["--name", "home"]).ok();
    assert!(settings_file(&user, "home").exists() && work.exists());
    login_named(&user, &idp, &["--name", "work", "--force"]).ok();
    assert_eq!(
        std::fs::read(work.with_extension("json.bak")).unwrap(),
        before
    );

    // The default name is the provider id, under the same rule.
    login_named(&user, &idp, &[]).ok();
    assert!(settings_file(&user, "custom").exists());
    assert_refused(&login_named(&user, &idp, &[]), "custom");
    let bad = login_named(&user, &idp, &["--name", "../escape"]);
    assert_eq!(bad.code, 2, "{bad:#?}");
}

/// Plays the browser for the paste flow: where the authorize URL redirects.
fn authorize(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", url])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn exchange_keeps_the_name_auth_url_chose_and_refuses_one_taken_meanwhile() {
    let idp = Idp::start(&["--email", "jane@example.test"]);
    let user = User::new();
    let start = |name: &str| {
        user.run(&[
            "auth-url",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--callback-url",
            "http://localhost:33333",
            "--name",
            name,
            "--json",
        ])
        .ok()
        .json()
    };
    let v = start("laptop");
    let redirect = authorize(v["url"].as_str().unwrap());
    // No --settings or --name at exchange: it goes where auth-url said.
    user.run_stdin(&["exchange"], &redirect).ok();
    assert!(settings_file(&user, "laptop").exists());

    // Taken between auth-url and exchange: refused before the code is spent,
    // and the pasted URL still works under another name.
    let v = start("server");
    let redirect = authorize(v["url"].as_str().unwrap());
    login_named(&user, &idp, &["--name", "server"]).ok();
    let spent = idp.requests().len();
    let out = user.run_stdin(&["exchange"], &redirect);
    assert_refused(&out, "server");
    assert!(out.stderr.contains("still usable"), "{}", out.stderr);
    assert_eq!(idp.requests().len(), spent);
    user.run_stdin(&["exchange", "--name", "server-2"], &redirect)
        .ok();
    assert!(settings_file(&user, "server-2").exists());
}

fn list_rows(user: &User) -> Vec<serde_json::Value> {
    user.run(&["list", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn row_at<'a>(rows: &'a [serde_json::Value], location: &Path) -> Option<&'a serde_json::Value> {
    rows.iter()
        .find(|r| r["location"] == location.to_str().unwrap())
}

#[test]
fn connections_outside_the_config_dir_are_listed_missing_and_forgotten() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let outside = user.path("projects").join("crm.json");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    user.login_code(idp, &outside).ok();
    user.login_code(idp, settings_file(&user, "inside")).ok();
    // Relative paths are remembered as absolute ones.
    let mut rel = user.cmd();
    rel.current_dir(user.path("projects")).args([
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--scopes",
        "openid offline_access",
        "--settings",
        "./second.json",
    ]);
    Out::from(rel.output().unwrap()).ok();
    let second = user.path("projects").join("second.json");

    let known = user.config().join("known.json");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&known).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let rows = list_rows(&user);
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let row = row_at(&rows, &outside).expect("the outside file is listed");
    assert!(row["token"].as_str().unwrap().starts_with("valid for"));
    assert_eq!(row["provider"], "custom");
    assert!(row_at(&rows, &second).is_some(), "{rows:#?}");
    let text = user.run(&["list"]).ok().stdout;
    assert!(text.contains(outside.to_str().unwrap()), "{text}");
    assert!(text.contains("LAST TEST"), "{text}");

    // A vanished file is shown as missing, not dropped.
    std::fs::remove_file(&outside).unwrap();
    let rows = list_rows(&user);
    assert_eq!(row_at(&rows, &outside).unwrap()["token"], "missing");
    assert!(user.run(&["list"]).ok().stdout.contains("missing"));
    // logout of it forgets it; of the other, revokes and forgets.
    let o = outside.to_str().unwrap();
    let out = user.run(&["logout", "--settings", o]).ok();
    assert!(out.stderr.contains("forgets"), "{}", out.stderr);
    user.run(&["logout", "--settings", second.to_str().unwrap()])
        .ok();
    let rows = list_rows(&user);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["name"], "inside");
    let none = user.run(&["logout", "--settings", o]);
    assert_eq!(none.code, 3, "{none:#?}");
}

#[test]
fn logout_removes_the_pending_sign_ins_meant_for_the_connection() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    user.login_code(idp, settings_file(&user, "crm")).ok();
    let auth_url = |name: &str, force: bool| {
        let mut args = vec![
            "auth-url",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--callback-url",
            "http://localhost:33333",
            "--name",
            name,
        ];
        if force {
            args.push("--force");
        }
        user.run(&args)
    };
    // Signing in again to replace crm, and another for a new name.
    let out = auth_url("crm", true).ok();
    assert!(
        out.stderr.contains("exchange --name crm --force"),
        "{}",
        out.stderr
    );
    auth_url("other", false).ok();
    assert_eq!(pending_count(&user), 2);
    let out = user.run(&["logout", "--settings", "crm"]).ok();
    assert!(out.stderr.contains("1 pending sign-in"), "{}", out.stderr);
    assert_eq!(pending_count(&user), 1, "the other one is kept");
}
