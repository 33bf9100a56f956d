//! The paste path ends cleanly after success: once "Settings written" is
//! said, nothing claims the local server was unreachable or asks for the
//! address again, and no panic from a runtime shutting down, whether the
//! address came from a pipe or was typed in a terminal (tmux).

use crate::common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn login_args<'a>(idp: &'a Idp, name: &'a str) -> Vec<&'a str> {
    vec![
        "login",
        "custom",
        "--issuer",
        &idp.issuer,
        "--client-id",
        "app-1",
        "--scopes",
        "openid offline_access",
        "--name",
        name,
        "--no-browser",
    ]
}

/// Where the provider sends the browser back, without following it.
fn final_address(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{redirect_url}", url.trim()])
        .output()
        .unwrap();
    let back = String::from_utf8(out.stdout).unwrap();
    assert!(back.contains("code="), "{back}");
    back
}

#[track_caller]
fn ends_cleanly(stderr: &str) {
    let (_, after) = stderr
        .split_once("Settings written")
        .unwrap_or_else(|| panic!("not written: {stderr}"));
    for bad in [
        "could not reach",
        "paste the whole address again",
        "panicked",
        "Tokio",
    ] {
        assert!(!after.contains(bad), "{bad:?} after success:\n{stderr}");
    }
}

#[test]
fn a_piped_address_ends_the_sign_in_without_a_word_of_failure() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    // Several rounds: the failure raced the runtime's shutdown.
    for round in 0..4 {
        let name = format!("piped{round}");
        let mut child = user
            .cmd()
            .args(login_args(idp, &name))
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            assert!(err.read_line(&mut line).unwrap() > 0, "no URL:\n{seen}");
            seen.push_str(&line);
            if line.contains("/authorize?") {
                break line;
            }
        };
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}", final_address(&url)).unwrap();
        // Odd rounds close stdin at once (`echo URL |`), even ones keep it open.
        if round % 2 == 1 {
            drop(stdin);
            let status = child.wait().unwrap();
            err.read_to_string(&mut seen).unwrap();
            assert!(status.success(), "{seen}");
        } else {
            let status = child.wait().unwrap();
            err.read_to_string(&mut seen).unwrap();
            assert!(status.success(), "{seen}");
            drop(stdin);
        }
        ends_cleanly(&seen);
    }
}

fn tmux(socket: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("tmux")
        .args(["-L", socket])
        .args(args)
        .output()
        .expect("tmux is installed (scripts/test.sh installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_address_typed_in_a_terminal_ends_the_sign_in_cleanly() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let socket = format!("paste-end-{}", std::process::id());
    for round in 0..3 {
        let name = format!("typed{round}");
        let err = user.path(&format!("{name}.err"));
        let rc = user.path(&format!("{name}.rc"));
        let _ = std::fs::remove_file(&rc);
        // stdin is the terminal; stderr goes to a file to be read whole.
        let mut line = vec![bin().to_string()];
        line.extend(login_args(idp, &name).iter().map(|a| format!("'{a}'")));
        let script = format!(
            "{} 2>'{}'; echo $? >'{}'",
            line.join(" "),
            err.display(),
            rc.display()
        );
        let mut env = Vec::new();
        for (k, v) in user.cmd().get_envs() {
            if let Some(v) = v {
                env.push(format!("{}='{}'", k.to_string_lossy(), v.to_string_lossy()));
            }
        }
        let shell = format!(
            "env -i {} sh -c \"{}\"",
            env.join(" "),
            script.replace('"', "\\\"")
        );
        tmux(
            &socket,
            &[
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "200",
                "-y",
                "50",
                &shell,
            ],
        );
        let started = Instant::now();
        let url = loop {
            let text = std::fs::read_to_string(&err).unwrap_or_default();
            if let Some(u) = text.lines().find(|l| l.contains("/authorize?")) {
                break u.to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no URL: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let back = final_address(&url);
        tmux(&socket, &["send-keys", "-t", &name, "-l", &back]);
        tmux(&socket, &["send-keys", "-t", &name, "Enter"]);
        while !rc.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "login did not end"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let text = std::fs::read_to_string(&err).unwrap();
        assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0", "{text}");
        ends_cleanly(&text);
    }
    tmux(&socket, &["kill-server"]);
}

#[test]
fn a_timeout_with_no_browser_does_not_advise_no_browser() {
    let idp = Idp::shared(&[]);
    let user = User::new();
    let mut args = login_args(idp, "late");
    args.extend(["--timeout", "1"]);
    let out = user.run(&args);
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr.contains("no answer from the browser within 1 s"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("use --no-browser"), "{}", out.stderr);
}
