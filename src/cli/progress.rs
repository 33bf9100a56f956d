//! Running a sign-in with its progress on stderr (stdout stays for data).

use super::ctx::Ctx;
use super::failure::Failure;
use super::qr;
use oauth_setup::oauth::LoginEvent;
use oauth_setup::provider::Profile;
use oauth_setup::settings::Settings;
use oauth_setup::signin;
use oauth_setup::signin::LoginInput;
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs a sign-in, printing its progress. With `paste`, the address the
/// browser ends on may also be pasted on stdin: it goes to the waiting
/// loopback server, so whichever comes first (a forwarded port or the
/// paste) completes the sign-in, with `state` checked the same way.
pub fn sign_in(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    input: LoginInput,
    profiles: &[Profile],
    paste: bool,
) -> Result<Settings, Failure> {
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    // Fails only when a handler is already set, which then cancels the same way.
    let _ = ctrlc::set_handler(move || c.cancel());
    let tty = ctx.tty.stderr;
    let out = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let printer = tokio::spawn(async move {
            let mut pasting = None;
            while let Some(ev) = rx.recv().await {
                print(&ev, tty);
                match &ev {
                    LoginEvent::Listening { redirect_uri } if paste => {
                        pasting = Some(tokio::spawn(deliver_pasted(redirect_uri.clone())));
                    }
                    LoginEvent::AuthorizeUrl { .. } if paste => eprintln!(
                        "Open it in a browser anywhere. If that browser cannot reach this machine's port, paste the address it ends on here and press Enter."
                    ),
                    _ => {}
                }
            }
            // The sign-in is over (the events end with it): a paste still
            // being delivered is moot, and must not say it failed.
            if let Some(p) = pasting {
                p.abort();
            }
        });
        let out = signin::run_login_with(input, profiles, tx, cancel).await;
        let _ = printer.await;
        out
    });
    if tty {
        eprint!("\r\x1b[2K");
    }
    Ok(out?)
}

/// One line per kind of scope the server's metadata does not list.
pub fn scopes_not_listed(
    err: &mut impl Write,
    dropped: &[String],
    kept: &[String],
) -> std::io::Result<()> {
    if !dropped.is_empty() {
        writeln!(
            err,
            "warning: the server does not list the default scope(s) {}; leaving them out",
            dropped.join(", ")
        )?;
    }
    if !kept.is_empty() {
        writeln!(
            err,
            "warning: the server does not list the scope(s) {}; asking for them anyway (the server decides)",
            kept.join(", ")
        )?;
    }
    Ok(())
}

fn fmt_remaining(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// Prints one event. On a terminal the waiting countdown rewrites its line;
/// elsewhere it is left out, so logs get no carriage-return noise.
fn print(ev: &LoginEvent, tty: bool) {
    let mut err = std::io::stderr().lock();
    // A closed stderr is no reason to stop the sign-in.
    let _ = match ev {
        LoginEvent::Discovering { issuer } => {
            writeln!(err, "Reading the server's metadata from {issuer}")
        }
        LoginEvent::ScopesNotListed { dropped, kept } => scopes_not_listed(&mut err, dropped, kept),
        LoginEvent::DeviceOffered { scheme } => writeln!(
            err,
            "This server also offers device sign-in, with no callback to reach this machine: run the same command with `--scheme {scheme}` to use it."
        ),
        LoginEvent::Listening { redirect_uri } => {
            writeln!(err, "Listening for the browser on {redirect_uri}")
        }
        LoginEvent::AuthorizeUrl {
            url,
            browser_started: true,
        } => writeln!(
            err,
            "Opened the browser. If it did not open, visit:\n\n  {url}\n"
        ),
        LoginEvent::AuthorizeUrl {
            url,
            browser_started: false,
        } => writeln!(err, "Open this URL in a browser to sign in:\n\n  {url}\n"),
        LoginEvent::BrowserFailed { reason } => {
            writeln!(err, "Could not start a browser ({reason}).")
        }
        LoginEvent::Waiting { remaining } if tty => write!(
            err,
            "\r\x1b[2KWaiting for the sign-in to finish… {} left (Ctrl-C to cancel)",
            fmt_remaining(*remaining)
        )
        .and_then(|()| err.flush()),
        LoginEvent::Waiting { .. } => Ok(()),
        LoginEvent::DeviceCode {
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in,
        } => {
            let minutes = expires_in.as_secs().div_ceil(60);
            let mut msg = format!(
                "On any device, open {verification_uri}\nand enter the code:  {user_code}\n(valid for {minutes} min)"
            );
            if let Some(c) = verification_uri_complete {
                let _ = write!(msg, "\nor open directly: {c}");
            }
            let r = writeln!(err, "{msg}");
            drop(err);
            let qr_url = verification_uri_complete
                .as_deref()
                .unwrap_or(verification_uri);
            qr::print_if_terminal(qr_url, tty);
            r
        }
        LoginEvent::RequestingToken => {
            if tty {
                let _ = write!(err, "\r\x1b[2K");
            }
            writeln!(err, "Requesting the token…")
        }
        LoginEvent::Done => Ok(()),
    };
}

/// Hands each address pasted on stdin to the loopback server, until one is
/// accepted. A runtime task, so it ends with the sign-in: nothing of it
/// outlives the runtime (a thread calling into a runtime that is shutting
/// down panics) and an answer cut short by the sign-in's end is not
/// reported as a failure.
async fn deliver_pasted(redirect_uri: String) {
    let mut lines = stdin_lines();
    while let Some(line) = lines.recv().await {
        match signin::deliver(&redirect_uri, &line).await {
            Ok(()) => return,
            Err(e) => eprintln!("{e}; paste the whole address again"),
        }
    }
}

/// The non-empty lines of stdin, read on a thread of their own (stdin
/// blocks). The thread stops at the end of input or when nobody listens any
/// more; left blocked on a terminal, the process ends it.
fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { return };
            if !line.trim().is_empty() && tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_reads_as_minutes_and_seconds() {
        assert_eq!(fmt_remaining(Duration::from_secs(299)), "4:59");
        assert_eq!(fmt_remaining(Duration::from_secs(5)), "0:05");
    }
}
