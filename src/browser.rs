//! Starting the user's browser without waiting for it (xdg-open and many
//! `$BROWSER` commands block until the browser exits) and without our
//! secrets in its environment.

use crate::child;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// Only web pages are opened: a server-sent `file:` or custom-scheme URL
    /// would have the desktop open a local file or start another program.
    #[error("refused to open `{shown}`: only http and https addresses are opened")]
    NotWeb { shown: String },
    #[error("$BROWSER is set but names no command")]
    EmptyBrowserVar,
    #[error("could not run $BROWSER command `{command}`: {source}")]
    BrowserVar {
        command: String,
        source: std::io::Error,
    },
    #[error("could not start a browser: {0}")]
    System(std::io::Error),
}

/// Opens `url` through `$BROWSER` when set (the Unix convention: a
/// colon-separated list of commands, `%s` replaced by the URL or the URL
/// appended), else the system opener. Returns once the command is started.
/// Anything but an absolute http(s) URL is refused before any program runs.
pub fn open(url: &str) -> Result<(), BrowserError> {
    let url = web_url(url)?;
    match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => open_with_browser_var(&list, url.as_str()),
        _ => open_with_system(url.as_str()),
    }
}

/// Opens a page this program wrote (`file://…`), through the same commands
/// as [`open`]: never a path that came from outside.
pub fn open_own_file(path: &std::path::Path) -> Result<(), BrowserError> {
    let url = Url::from_file_path(path).map_err(|()| BrowserError::NotWeb {
        shown: crate::http::sanitize(&path.display().to_string(), 80),
    })?;
    match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => open_with_browser_var(&list, url.as_str()),
        _ => open_with_system(url.as_str()),
    }
}

/// Parses `raw` as an http(s) URL with a host; what is handed on is the
/// parser's serialisation (no spaces, quotes or control characters).
fn web_url(raw: &str) -> Result<Url, BrowserError> {
    let refuse = || BrowserError::NotWeb {
        shown: crate::http::sanitize(raw, 80),
    };
    let url = Url::parse(raw.trim()).map_err(|_| refuse())?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        _ => Err(refuse()),
    }
}

/// How long an opener gets to fail. xdg-open with no method for the URL
/// exits 3 at once; one that hands the URL on exits 0; some stay until the
/// browser closes: still running after this counts as opened.
const OPENER_GRACE: Duration = Duration::from_millis(1500);

/// Starts `cmd` and returns once it is clearly running or has succeeded;
/// an exit with a failure status within [`OPENER_GRACE`] is an error, so
/// nobody is told a browser opened when none did.
fn spawn_detached(cmd: &mut Command) -> std::io::Result<()> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child: Child = child::scrub(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let started = Instant::now();
    while started.elapsed() < OPENER_GRACE {
        match child.try_wait()? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => {
                return Err(std::io::Error::other(format!(
                    "`{program}` {}",
                    exited(status)
                )));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    // Reap it in the background so it never becomes a zombie.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

fn exited(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "was killed by a signal".into(),
    }
}

fn open_with_browser_var(list: &str, url: &str) -> Result<(), BrowserError> {
    let mut last = BrowserError::EmptyBrowserVar;
    for cmd in list.split(':').map(str::trim).filter(|c| !c.is_empty()) {
        // The URL goes in as "$1" so the shell never parses it.
        let script = if cmd.contains("%s") {
            cmd.replace("%s", "\"$1\"")
        } else {
            format!("{cmd} \"$1\"")
        };
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&script)
            .arg("oauth-setup-browser")
            .arg(url);
        // Named as the user wrote it, not as `sh`.
        match spawn_detached(&mut command).map_err(|e| rename(e, cmd)) {
            Ok(()) => return Ok(()),
            Err(source) => {
                last = BrowserError::BrowserVar {
                    command: cmd.to_string(),
                    source,
                }
            }
        }
    }
    Err(last)
}

fn rename(e: std::io::Error, cmd: &str) -> std::io::Error {
    match e.kind() {
        std::io::ErrorKind::Other => {
            std::io::Error::other(e.to_string().replacen("`sh`", &format!("`{cmd}`"), 1))
        }
        _ => e,
    }
}

/// The platform's openers (xdg-open, gio, …) in the `open` crate's order,
/// started by us so their environment is scrubbed too.
fn open_with_system(url: &str) -> Result<(), BrowserError> {
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no opener found");
    for mut command in open::commands(url) {
        match spawn_detached(&mut command) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(BrowserError::System(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_are_opened() {
        for bad in [
            "file:///etc/passwd",
            "FILE:///etc/passwd",
            "javascript:alert(1)",
            "x-scheme-handler://run",
            "ftp://example.com/x",
            "data:text/html,<b>x</b>",
            "/etc/passwd",
            "-new-window",
            "",
        ] {
            // Refused before any program is started: nothing is spawned here.
            match open(bad) {
                Err(BrowserError::NotWeb { shown }) => assert!(!shown.contains('\n')),
                other => panic!("{bad:?} was not refused: {other:?}"),
            }
        }
        for good in [
            "https://example.com/device?code=AB",
            "http://127.0.0.1:8/start/x",
        ] {
            assert!(web_url(good).is_ok(), "{good}");
        }
        assert_eq!(
            web_url(" https://example.com/a b").unwrap().as_str(),
            "https://example.com/a%20b"
        );
    }
}
