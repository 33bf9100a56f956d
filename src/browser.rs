//! Starting the user's browser without waiting for it (xdg-open and many
//! `$BROWSER` commands block until the browser exits) and without our
//! secrets in its environment.

use crate::child;
use std::process::{Child, Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
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
pub fn open(url: &str) -> Result<(), BrowserError> {
    match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => open_with_browser_var(&list, url),
        _ => open_with_system(url),
    }
}

fn spawn_detached(cmd: &mut Command) -> std::io::Result<()> {
    let child: Child = child::scrub(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Reap it in the background so it never becomes a zombie.
    let mut child = child;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
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
        match spawn_detached(&mut command) {
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
