//! A remote shell (SSH, no display, no `$BROWSER`): `login` starts nothing,
//! prints the URL, and takes whichever comes first: the pasted address the
//! browser ended on, or a callback through a forwarded port.

use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStderr, Stdio};

/// `login` as over SSH; openers on the PATH leave a mark if anything runs.
fn ssh_login(user: &User, idp: &Idp, name: &str) -> (Child, std::path::PathBuf) {
    let bin = user.path("openers");
    std::fs::create_dir_all(&bin).unwrap();
    let mark = user.path("opened");
    for opener in [
        "xdg-open",
        "gio",
        "sensible-browser",
        "x-www-browser",
        "www-browser",
    ] {
        let p = bin.join(opener);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n", mark.display()),
        )
        .unwrap();
        set_mode(&p, 0o755);
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let s = user.path(name);
    let child = user
        .cmd()
        .env_remove("BROWSER")
        .env("PATH", path)
        .env("SSH_CONNECTION", "192.0.2.10 50022 192.0.2.20 22")
        .args([
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--scopes",
            "openid offline_access",
            "--settings",
            s.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    (child, mark)
}

/// Reads stderr up to the printed authorization URL.
fn printed_url(err: &mut BufReader<ChildStderr>) -> (String, String) {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "no URL printed:\n{seen}"
        );
        seen.push_str(&line);
        if line.contains("/authorize?") {
            return (line.trim().to_string(), seen);
        }
    }
}

/// Where the provider sends the browser back, without following it: what a
/// browser on another machine shows in its address bar.
fn final_address(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", url])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn over_ssh_the_pasted_address_completes_the_sign_in() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let (mut child, mark) = ssh_login(&user, idp, "pasted.json");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (url, seen) = printed_url(&mut err);
    assert!(seen.contains("remote shell"), "{seen}");
    // This server's metadata has no device endpoint: nothing is offered.
    assert!(!seen.contains("device sign-in"), "{seen}");
    let back = final_address(&url);
    assert!(back.contains("code=") && back.contains("state="), "{back}");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "not an address").unwrap();
    writeln!(stdin, "{back}").unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut err, &mut rest);
    assert!(status.success(), "{seen}{rest}");
    assert!(
        rest.contains("not a web address"),
        "a bad paste is explained: {rest}"
    );
    assert!(user.path("pasted.json").exists());
    assert!(!mark.exists(), "nothing was opened in a remote shell");
}

#[test]
fn over_ssh_a_forwarded_port_completes_the_sign_in() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let (mut child, mark) = ssh_login(&user, idp, "forwarded.json");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (url, _) = printed_url(&mut err);
    // The browser follows the redirect to the loopback port (forwarded).
    let ok = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-L", &url])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(user.path("forwarded.json").exists());
    assert!(!mark.exists());
}

#[test]
fn over_ssh_a_server_with_the_device_flow_says_how_to_pick_it() {
    let idp = Idp::start_oidc(&["--public-client", "app-1"]);
    let user = User::new();
    let (mut child, mark) = ssh_login(&user, &idp, "device.json");
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("/auth?") {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains("/auth?"), "no URL printed:\n{seen}");
    assert!(
        seen.contains("also offers device sign-in") && seen.contains("`--scheme device_code`"),
        "{seen}"
    );
    // Said before the address, so it is read before anyone goes to a browser.
    assert!(seen.find("device sign-in") < seen.find("/auth?"), "{seen}");
    assert!(!mark.exists());
}

#[test]
fn an_opener_that_fails_is_not_called_an_opened_browser() {
    // A desktop session whose openers have no method for the URL: xdg-open
    // exits 3 then ("no method available"), as each of these does here.
    let idp = Idp::shared(&[]);
    let user = User::new();
    let bin = user.path("openers");
    std::fs::create_dir_all(&bin).unwrap();
    for opener in ["xdg-open", "gio", "gnome-open", "kde-open", "wslview"] {
        let p = bin.join(opener);
        std::fs::write(&p, "#!/bin/sh\nexit 3\n").unwrap();
        set_mode(&p, 0o755);
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let s = user.path("failed-opener.json");
    let mut child = user
        .cmd()
        .env_remove("BROWSER")
        .env("PATH", path)
        .env("DISPLAY", ":0")
        .args([
            "login",
            "custom",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "app-1",
            "--settings",
            s.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (url, seen) = printed_url(&mut err);
    assert!(!seen.contains("Opened the browser"), "{seen}");
    assert!(
        seen.contains("Could not start a browser") && seen.contains("exited with status 3"),
        "{seen}"
    );
    assert!(seen.contains("Open this URL in a browser"), "{seen}");
    // The person opens it by hand: the sign-in still completes.
    let ok = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-L", &url])
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(child.wait().unwrap().success());
    assert!(s.exists());
}
