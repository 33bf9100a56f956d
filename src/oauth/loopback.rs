//! The loopback redirect receiver (RFC 8252 §7.3): a tiny_http server on
//! 127.0.0.1 that waits for the one callback carrying our state, answers every
//! request with a static page and `Connection: close`, and stops when dropped.

use crate::http::sanitize;
use secrecy::SecretString;
use std::io::Write;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;
use url::Url;

const PAGE_SUCCESS: &str = include_str!("../../assets/callback/success.html");
const PAGE_DENIED: &str = include_str!("../../assets/callback/denied.html");
const PAGE_WRONG_STATE: &str = include_str!("../../assets/callback/wrong_state.html");
const PAGE_NOT_FOUND: &str = include_str!("../../assets/callback/not_found.html");

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
        "cannot listen on 127.0.0.1:{port} for the browser's redirect: {reason}. Another program may be using the port; close it, or pick another callback URL (and register it with the provider)"
    )]
    Bind { port: u16, reason: String },
    #[error("no answer from the browser within {} s. Run the command again, or use --no-browser and open the URL yourself", .0.as_secs())]
    Timeout(Duration),
    #[error("sign-in cancelled")]
    Cancelled,
    #[error("the provider did not grant access: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
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
    pub port: u16,
    pub path: String,
}

/// Reads a user-given callback URL (`http://localhost:33333`,
/// `http://127.0.0.1:8765/callback`). Port 0 or none = any free port.
pub fn parse_target(callback_url: Option<&str>) -> Result<RedirectTarget, CallbackError> {
    let Some(raw) = callback_url.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(RedirectTarget {
            redirect_uri: String::new(),
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
    Ok(RedirectTarget {
        redirect_uri: raw.to_string(),
        port,
        path: url.path().to_string(),
    })
}

/// A listening loopback server. Dropping it stops it.
pub struct CallbackServer {
    server: tiny_http::Server,
    target: RedirectTarget,
}

impl std::fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackServer")
            .field("target", &self.target)
            .finish()
    }
}

impl CallbackServer {
    /// Binds 127.0.0.1 (never all interfaces) on the target's port.
    pub fn bind(target: RedirectTarget) -> Result<Self, CallbackError> {
        let server = tiny_http::Server::http(("127.0.0.1", target.port)).map_err(|e| {
            CallbackError::Bind {
                port: target.port,
                reason: e.to_string(),
            }
        })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(target.port);
        let mut target = target;
        if target.redirect_uri.is_empty() {
            target.redirect_uri = format!("http://127.0.0.1:{port}{}", target.path);
        }
        target.port = port;
        Ok(Self { server, target })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.target.redirect_uri
    }

    pub fn port(&self) -> u16 {
        self.target.port
    }

    /// Waits for the callback carrying `state` for `timeout` or until `cancel`.
    /// `on_tick` is called about once a second with the time left.
    pub fn wait(
        &self,
        state: &str,
        timeout: Duration,
        cancel: &CancellationToken,
        on_tick: &mut dyn FnMut(Duration),
    ) -> Result<SecretString, CallbackError> {
        let deadline = Instant::now() + timeout;
        let mut last_tick = Instant::now() - Duration::from_secs(1);
        loop {
            if cancel.is_cancelled() {
                return Err(CallbackError::Cancelled);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CallbackError::Timeout(timeout));
            }
            if now.duration_since(last_tick) >= Duration::from_secs(1) {
                on_tick(deadline - now);
                last_tick = now;
            }
            let req = match self.server.recv_timeout(Duration::from_millis(100)) {
                Ok(Some(req)) => req,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "callback server receive failed");
                    continue;
                }
            };
            if let Some(done) = self.answer(req, state) {
                return done;
            }
        }
    }

    /// Answers one request; returns the outcome when it ends the wait.
    fn answer(
        &self,
        req: tiny_http::Request,
        state: &str,
    ) -> Option<Result<SecretString, CallbackError>> {
        if *req.method() != tiny_http::Method::Get {
            respond(req, 405, PAGE_NOT_FOUND);
            return None;
        }
        match check_callback(req.url(), &self.target.path, state) {
            Ok(Callback::Code(code)) => {
                respond(req, 200, PAGE_SUCCESS);
                Some(Ok(code))
            }
            Ok(Callback::Denied { error, description }) => {
                respond(req, 200, PAGE_DENIED);
                Some(Err(CallbackError::Denied { error, description }))
            }
            Err(Rejected::WrongPath) => {
                respond(req, 404, PAGE_NOT_FOUND);
                None
            }
            Err(why) => {
                tracing::warn!(reason = %why, "ignored a callback request");
                respond(req, 400, PAGE_WRONG_STATE);
                None
            }
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// Writes the whole answer itself: tiny_http drops a `Connection` header set
/// on a `Response` (and keeps the connection alive), so the page would go out
/// without `Connection: close`.
fn respond(req: tiny_http::Request, status: u16, page: &'static str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Connection: close\r\n\
         Cache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\n\r\n",
        page.len()
    );
    let mut w = req.into_writer();
    let sent = w
        .write_all(head.as_bytes())
        .and_then(|()| w.write_all(page.as_bytes()))
        .and_then(|()| w.flush());
    if let Err(e) = sent {
        tracing::debug!(error = %e, "could not answer a callback request");
    }
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
