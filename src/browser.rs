//! Starting the user's browser without waiting for it: xdg-open and many
//! `$BROWSER` commands block until the browser exits.

use std::process::{Command, Stdio};

/// Opens `url` through `$BROWSER` when set (the Unix convention: a
/// colon-separated list of commands, `%s` replaced by the URL or the URL
/// appended), else the system opener. Returns once the command is started.
pub fn open(url: &str) -> Result<(), String> {
    match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => open_with_browser_var(&list, url),
        _ => open::that_detached(url).map_err(|e| format!("could not start a browser: {e}")),
    }
}

fn open_with_browser_var(list: &str, url: &str) -> Result<(), String> {
    let mut last_err = String::from("$BROWSER is empty");
    for cmd in list.split(':').map(str::trim).filter(|c| !c.is_empty()) {
        // The URL goes in as "$1" so the shell never parses it.
        let script = if cmd.contains("%s") {
            cmd.replace("%s", "\"$1\"")
        } else {
            format!("{cmd} \"$1\"")
        };
        let spawned = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .arg("oauth-setup-browser")
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(mut child) => {
                // Reap it in the background so it never becomes a zombie.
                std::thread::spawn(move || {
                    let _ = child.wait();
                });
                return Ok(());
            }
            Err(e) => last_err = format!("could not run $BROWSER command `{cmd}`: {e}"),
        }
    }
    Err(last_err)
}
