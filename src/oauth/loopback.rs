//! The loopback redirect receiver (RFC 8252 §7.3): listens on the redirect
//! URI's loopback address (both 127.0.0.1 and ::1 for `localhost`), waits for
//! the one callback carrying our state, answers every request with a static
//! page and `Connection: close` (the callback's own page once the token
//! exchange is over: success or failure), and stops when dropped.
//!
//! Against other users of the machine (RFC 8252 §8.3): the browser is sent a
//! one-time start link that redirects to the authorization URL, so state and
//! challenge never appear in a process's arguments, and a second fetch of it
//! stops the sign-in; a request whose `Host` is not the redirect URI's is
//! refused (DNS rebinding, forged callbacks).

mod peer;
mod server;
mod start_page;
mod wire;

pub use server::{CallbackServer, HeldReply, StartUrl};

use crate::http::sanitize;
use secrecy::SecretString;
use std::net::Ipv4Addr;
use std::time::Duration;
use subtle::ConstantTimeEq;
use url::{Host, Url};

/// Path used when the user gives no callback URL.
pub const DEFAULT_PATH: &str = "/callback";

/// A callback that carries our state.
#[derive(Debug)]
pub enum Callback {
    Code(SecretString),
    Denied {
        error: String,
        description: Option<String>,
    },
}

/// Why a request is not the callback we wait for. None of these end the wait:
/// a stray or forged request must not cancel a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("wrong path")]
    WrongPath,
    #[error("the redirect has no `state`")]
    MissingState,
    #[error(
        "the redirect's `state` does not match this sign-in (it may come from another attempt)"
    )]
    WrongState,
    #[error("the redirect repeats `{0}`")]
    Repeated(String),
    #[error("the redirect has neither `code` nor `error`")]
    MissingCode,
}

#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    #[error("the callback URL `{url}` is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    #[error(
        "cannot listen on {addr} for the browser's redirect: {reason}. Another program (perhaps another user's) may be using the port; close it, or pick another callback URL (and register it with the provider)"
    )]
    Bind { addr: String, reason: String },
    #[error("no answer from the browser within {} s. Run the command again and open the printed URL in a browser yourself if none came up (--timeout SECONDS gives more time)", .0.as_secs())]
    Timeout(Duration),
    #[error("sign-in cancelled")]
    Cancelled,
    #[error(
        "the one-time sign-in link was opened a second time, so the sign-in was stopped: if you did not open it twice, another program or user on this machine fetched it (they could have finished the sign-in with their own account). Start the sign-in again"
    )]
    StartLinkReused,
    /// A request to the callback address with our state and an `error`:
    /// it may come from the provider through the browser, or from any
    /// program that learnt the state, so its words are never said as the
    /// provider's.
    #[error(
        "the sign-in was ended by a request to the local callback address with error \"{error}\"{}. If you did not decline the request in the browser, start the sign-in again",
        description.as_deref().map(|d| format!(" and this text, not checked and not necessarily the provider's: \"{}\"", d.replace('"', "'"))).unwrap_or_default()
    )]
    Denied {
        error: String,
        description: Option<String>,
    },
}

/// Checks a callback request target (`/path?query`) against the path and state
/// we expect. State is compared in constant time before `code` or `error` is
/// looked at.
pub fn check_callback(
    target: &str,
    expected_path: &str,
    expected_state: &str,
) -> Result<Callback, Rejected> {
    let url = Url::parse("http://127.0.0.1")
        .and_then(|base| base.join(target))
        .map_err(|_| Rejected::WrongPath)?;
    if url.path() != expected_path {
        return Err(Rejected::WrongPath);
    }
    check_query(url.query().unwrap_or(""), expected_state)
}

/// Checks a redirect's query string (shared with the paste flow).
pub fn check_query(query: &str, expected_state: &str) -> Result<Callback, Rejected> {
    let mut state = None;
    let mut code = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match k.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Rejected::Repeated(k.into_owned()));
        }
        *slot = Some(v.into_owned());
    }
    let state = state.ok_or(Rejected::MissingState)?;
    if !bool::from(state.as_bytes().ct_eq(expected_state.as_bytes())) {
        return Err(Rejected::WrongState);
    }
    if let Some(error) = error {
        return Ok(Callback::Denied {
            error: sanitize(&error, 80),
            description: description.map(|d| sanitize(&d, 300)),
        });
    }
    match code {
        Some(c) if !c.is_empty() => Ok(Callback::Code(SecretString::from(c))),
        _ => Err(Rejected::MissingCode),
    }
}

/// Where the browser is sent back to, and what we bind for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectTarget {
    /// Exactly the string sent as `redirect_uri` (authorize and exchange).
    pub redirect_uri: String,
    /// The host to listen on: an IP literal, or `localhost` (both loopbacks).
    pub host: Host,
    pub port: u16,
    pub path: String,
}

/// Reads a user-given callback URL (`http://localhost:33333`,
/// `http://127.0.0.1:8765/callback`). Port 0 or none = any free port.
pub fn parse_target(callback_url: Option<&str>) -> Result<RedirectTarget, CallbackError> {
    let Some(raw) = callback_url.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(RedirectTarget {
            redirect_uri: String::new(),
            host: Host::Ipv4(Ipv4Addr::LOCALHOST),
            port: 0,
            path: DEFAULT_PATH.to_string(),
        });
    };
    let bad = |reason: &str| CallbackError::BadUrl {
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "http" {
        return Err(bad(
            "a loopback callback must be plain http (RFC 8252 §7.3); use e.g. http://localhost:33333",
        ));
    }
    if !crate::provider::is_loopback(&url) {
        return Err(bad(
            "the callback must point at this machine (localhost, 127.0.0.1 or [::1]); for a remote browser use `oauth-setup auth-url`",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the callback URL must not have a query or fragment"));
    }
    let port = url.port().unwrap_or(80);
    let host = url
        .host()
        .map(|h| h.to_owned())
        .ok_or_else(|| bad("no host"))?;
    Ok(RedirectTarget {
        redirect_uri: raw.to_string(),
        host,
        port,
        path: url.path().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_checked_before_code_or_error() {
        let ok = check_callback("/callback?code=abc&state=s1", "/callback", "s1");
        assert!(matches!(ok, Ok(Callback::Code(_))));
        assert_eq!(
            check_callback("/callback?error=access_denied&state=bad", "/callback", "s1")
                .unwrap_err(),
            Rejected::WrongState
        );
        assert_eq!(
            check_callback("/callback?code=abc", "/callback", "s1").unwrap_err(),
            Rejected::MissingState
        );
        assert_eq!(
            check_callback("/callback?code=abc&state=s1&state=s1", "/callback", "s1").unwrap_err(),
            Rejected::Repeated("state".into())
        );
        assert_eq!(
            check_callback("/other?code=abc&state=s1", "/callback", "s1").unwrap_err(),
            Rejected::WrongPath
        );
        assert_eq!(
            check_callback("/callback?state=s1", "/callback", "s1").unwrap_err(),
            Rejected::MissingCode
        );
    }

    #[test]
    fn denied_description_is_sanitized() {
        match check_callback(
            "/?error=access_denied&error_description=%1B%5B31m%3Cscript%3E&state=s",
            "/",
            "s",
        ) {
            Ok(Callback::Denied { description, .. }) => {
                assert!(!description.unwrap().contains('\x1b'))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cdata_style_callback_url() {
        let t = parse_target(Some("http://localhost:33333")).unwrap();
        assert_eq!((t.port, t.path.as_str()), (33333, "/"));
        assert_eq!(t.redirect_uri, "http://localhost:33333");
        assert!(parse_target(Some("https://example.com/cb")).is_err());
        assert!(parse_target(Some("http://example.com/cb")).is_err());
    }
}
