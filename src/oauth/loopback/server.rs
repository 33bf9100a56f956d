//! The listening side: binds, hands out the one-time start link, and answers
//! requests until the callback carrying our state arrives.

use super::start_page::StartPage;
use super::wire::{self, Head, Parsed, Pool, Reply};
use super::{Callback, CallbackError, RedirectTarget, Rejected, check_callback};
use crate::http::sanitize;
use secrecy::SecretString;
use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;
use url::{Host, Url};

const PAGE_SUCCESS: &str = include_str!("../../../assets/callback/success.html");
const PAGE_DENIED: &str = include_str!("../../../assets/callback/denied.html");
const PAGE_WRONG_STATE: &str = include_str!("../../../assets/callback/wrong_state.html");
const PAGE_NOT_FOUND: &str = include_str!("../../../assets/callback/not_found.html");
const PAGE_BAD_REQUEST: &str = include_str!("../../../assets/callback/bad_request.html");
const PAGE_OTHER_USER: &str = include_str!("../../../assets/callback/other_user.html");
const PAGE_START_USED: &str = include_str!("../../../assets/callback/start_used.html");
const PAGE_EXCHANGE_FAILED: &str = include_str!("../../../assets/callback/exchange_failed.html");

/// The browser's request that brought the code, answered only once the
/// token exchange is over: the page says "Signed in" only when it is true.
/// Dropped unanswered (the exchange was cancelled), it says it did not finish.
#[derive(Debug)]
pub struct HeldReply {
    stream: Option<std::net::TcpStream>,
}

impl HeldReply {
    /// The token exchange succeeded.
    pub fn signed_in(mut self) {
        self.send(PAGE_SUCCESS);
    }

    /// The token exchange failed (the terminal says why).
    pub fn failed(mut self) {
        self.send(PAGE_EXCHANGE_FAILED);
    }

    fn send(&mut self, page: &'static str) {
        if let Some(stream) = self.stream.take() {
            wire::respond(stream, &Reply::page(200, page));
        }
    }
}

impl Drop for HeldReply {
    fn drop(&mut self) {
        self.send(PAGE_EXCHANGE_FAILED);
    }
}

/// Sleep between polls of the sockets when nothing happened.
const POLL: Duration = Duration::from_millis(15);

/// A listening loopback server. Dropping it stops it.
pub struct CallbackServer {
    listeners: Vec<TcpListener>,
    target: RedirectTarget,
    /// The `Host` values that name the redirect URI.
    hosts: Vec<String>,
    start: Option<StartLink>,
}

/// The one-time link the browser is opened with.
struct StartLink {
    /// `/start/<random>`.
    path: String,
    /// Its `Host` (`127.0.0.1:PORT`).
    host: String,
    /// The authorization URL it redirects to, once.
    location: String,
    /// The page that leads to it, removed with the server.
    page: Option<StartPage>,
}

/// What the browser is opened with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartUrl {
    /// A page only this user can read that leads to the start link: the
    /// link itself stays out of the browser's arguments.
    Page(PathBuf),
    /// The start link itself (the page could not be written).
    Link(String),
}

impl std::fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackServer")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl CallbackServer {
    /// Binds the target's loopback address (never all interfaces): for
    /// `localhost` both 127.0.0.1 and ::1 on the same port, since browsers
    /// try ::1 first and another user listening there would get the code.
    pub fn bind(target: RedirectTarget) -> Result<Self, CallbackError> {
        let ips: Vec<IpAddr> = match &target.host {
            Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
            Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
            Host::Domain(_) => vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()],
        };
        if let Some(ip) = ips.iter().find(|ip| !ip.is_loopback()) {
            return Err(CallbackError::BadUrl {
                url: target.redirect_uri,
                reason: format!("{ip} is not a loopback address"),
            });
        }
        // A free port picked on the first address may be taken on the next.
        let mut tries = if target.port == 0 { 5 } else { 1 };
        let listeners = loop {
            tries -= 1;
            match bind_same_port(&ips, target.port) {
                Ok(l) => break l,
                Err(e) if tries == 0 => return Err(e),
                Err(_) => {}
            }
        };
        let port = listeners[0].local_addr().map_or(target.port, |a| a.port());
        let mut target = target;
        if target.redirect_uri.is_empty() {
            target.redirect_uri = format!("http://127.0.0.1:{port}{}", target.path);
        } else if target.port == 0 {
            let mut url = Url::parse(&target.redirect_uri).map_err(|e| CallbackError::BadUrl {
                url: target.redirect_uri.clone(),
                reason: e.to_string(),
            })?;
            let _ = url.set_port(Some(port));
            target.redirect_uri = url.to_string();
        }
        target.port = port;
        Ok(Self {
            hosts: host_values(&target.redirect_uri),
            listeners,
            target,
            start: None,
        })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.target.redirect_uri
    }

    pub fn port(&self) -> u16 {
        self.target.port
    }

    /// A one-time link on this server that redirects to `authorize_url`: open
    /// the browser with it so that state and challenge stay out of every
    /// process's arguments. Fetched a second time, it ends the wait with
    /// [`CallbackError::StartLinkReused`].
    pub fn start_link(&mut self, authorize_url: &str) -> Result<String, CallbackError> {
        // Serialised by the URL parser: no character that could break a header.
        let location = Url::parse(authorize_url)
            .map_err(|e| CallbackError::BadUrl {
                url: authorize_url.to_string(),
                reason: e.to_string(),
            })?
            .to_string();
        let host = self.listeners[0]
            .local_addr()
            .map_err(|e| CallbackError::Bind {
                addr: format!("port {}", self.target.port),
                reason: e.to_string(),
            })?
            .to_string();
        let path = format!("/start/{}", oauth2::CsrfToken::new_random_len(32).secret());
        let link = format!("http://{host}{path}");
        self.start = Some(StartLink {
            path,
            host,
            location,
            page: None,
        });
        Ok(link)
    }

    /// [`Self::start_link`], handed over as a page only this user can read
    /// when one can be written (else the link, said in the log).
    pub fn start(&mut self, authorize_url: &str) -> Result<StartUrl, CallbackError> {
        let link = self.start_link(authorize_url)?;
        match StartPage::write(&link) {
            Ok(page) => {
                let path = page.path();
                if let Some(start) = self.start.as_mut() {
                    start.page = Some(page);
                }
                Ok(StartUrl::Page(path))
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not write the sign-in page: the browser gets the start link in its arguments");
                Ok(StartUrl::Link(link))
            }
        }
    }

    /// Waits for the callback carrying `state` for `timeout` or until `cancel`.
    /// `on_tick` is called about once a second with the time left. The
    /// browser's request for the code is held: answer it with the outcome.
    pub fn wait(
        &self,
        state: &str,
        timeout: Duration,
        cancel: &CancellationToken,
        on_tick: &mut dyn FnMut(Duration),
    ) -> Result<(SecretString, HeldReply), CallbackError> {
        let deadline = Instant::now() + timeout;
        let mut last_tick = Instant::now() - Duration::from_secs(1);
        let mut pool = Pool::default();
        let mut start_used = false;
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
            let arrived = pool.accept(&self.listeners, PAGE_OTHER_USER);
            let ready = pool.ready();
            let idle = !arrived && ready.is_empty();
            for (stream, parsed) in ready {
                let (reply, done) = match parsed {
                    Parsed::Bad(status) => (Some(Reply::page(status, PAGE_BAD_REQUEST)), None),
                    Parsed::Head(head) => self.answer(&head, state, &mut start_used),
                };
                let Some(reply) = reply else {
                    // The code: its page waits for the token exchange.
                    if let Some(Ok(code)) = done {
                        let held = HeldReply {
                            stream: Some(stream),
                        };
                        return Ok((code, held));
                    }
                    continue;
                };
                wire::respond(stream, &reply);
                if let Some(done) = done {
                    return done.map(|code| {
                        let held = HeldReply { stream: None };
                        (code, held)
                    });
                }
            }
            if idle {
                std::thread::sleep(POLL);
            }
        }
    }

    /// The answer to one request (None: held until the token exchange is
    /// over), and the outcome when it ends the wait.
    fn answer(
        &self,
        head: &Head,
        state: &str,
        start_used: &mut bool,
    ) -> (Option<Reply>, Option<Result<SecretString, CallbackError>>) {
        let (reply, done) = self.answer_now(head, state, start_used);
        match done {
            Some(Ok(code)) => (None, Some(Ok(code))),
            done => (reply, done),
        }
    }

    fn answer_now(
        &self,
        head: &Head,
        state: &str,
        start_used: &mut bool,
    ) -> (Option<Reply>, Option<Result<SecretString, CallbackError>>) {
        let page = |status, page| Some(Reply::page(status, page));
        if !head.target.starts_with('/') {
            return (page(400, PAGE_BAD_REQUEST), None);
        }
        let path = head.target.split(['?', '#']).next().unwrap_or_default();
        let start = self
            .start
            .as_ref()
            .filter(|s| bool::from(path.as_bytes().ct_eq(s.path.as_bytes())));
        let hosts = match start {
            Some(s) => std::slice::from_ref(&s.host),
            None => self.hosts.as_slice(),
        };
        if !host_matches(head.host.as_deref(), hosts) {
            tracing::warn!(
                host = %sanitize(head.host.as_deref().unwrap_or("(none)"), 80),
                "refused a request to the callback server: its Host is not the redirect URI's"
            );
            return (page(400, PAGE_BAD_REQUEST), None);
        }
        if head.method != "GET" {
            return (page(405, PAGE_NOT_FOUND), None);
        }
        if let Some(start) = start {
            if std::mem::replace(start_used, true) {
                tracing::warn!("the one-time start link was fetched a second time");
                let stop = Err(CallbackError::StartLinkReused);
                return (page(410, PAGE_START_USED), Some(stop));
            }
            let to = Reply {
                status: 303,
                page: "",
                location: Some(start.location.clone()),
            };
            return (Some(to), None);
        }
        match check_callback(&head.target, &self.target.path, state) {
            Ok(Callback::Code(code)) => (None, Some(Ok(code))),
            Ok(Callback::Denied { error, description }) => {
                let denied = Err(CallbackError::Denied { error, description });
                (page(200, PAGE_DENIED), Some(denied))
            }
            Err(Rejected::WrongPath) => (page(404, PAGE_NOT_FOUND), None),
            Err(why) => {
                tracing::warn!(reason = %why, "ignored a callback request");
                (page(400, PAGE_WRONG_STATE), None)
            }
        }
    }
}

/// Binds every address of `ips` on one port (`want`, or the one the first
/// bind picks when it is 0).
fn bind_same_port(ips: &[IpAddr], want: u16) -> Result<Vec<TcpListener>, CallbackError> {
    let mut port = want;
    let mut out = Vec::with_capacity(ips.len());
    for ip in ips {
        let addr = SocketAddr::new(*ip, port);
        let bind_err = |e: std::io::Error| CallbackError::Bind {
            addr: addr.to_string(),
            reason: e.to_string(),
        };
        let listener = match TcpListener::bind(addr) {
            Ok(l) => l,
            // No IPv6 here: then nobody can listen on ::1 either.
            Err(e) if !out.is_empty() && ip.is_ipv6() && no_ipv6(&e) => {
                tracing::debug!(error = %e, "no IPv6 loopback: listening on 127.0.0.1 only");
                continue;
            }
            Err(e) if e.kind() == ErrorKind::AddrInUse => {
                return Err(bind_err(std::io::Error::other("the port is in use")));
            }
            Err(e) => return Err(bind_err(e)),
        };
        listener.set_nonblocking(true).map_err(bind_err)?;
        if port == 0 {
            port = listener.local_addr().map_err(bind_err)?.port();
        }
        out.push(listener);
    }
    Ok(out)
}

fn no_ipv6(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EADDRNOTAVAIL | libc::EAFNOSUPPORT)
    )
}

/// The `Host` values a browser sends for `redirect_uri` (lower case).
fn host_values(redirect_uri: &str) -> Vec<String> {
    let Ok(url) = Url::parse(redirect_uri) else {
        return Vec::new();
    };
    let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
        return Vec::new();
    };
    match url.port() {
        Some(port) => vec![format!("{host}:{port}")],
        None => vec![format!("{host}:80"), host],
    }
}

fn host_matches(got: Option<&str>, expected: &[String]) -> bool {
    got.is_some_and(|h| expected.iter().any(|e| e.eq_ignore_ascii_case(h.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_a_browser_sends_for_a_redirect_uri() {
        assert_eq!(host_values("http://127.0.0.1:8765/cb"), ["127.0.0.1:8765"]);
        assert_eq!(host_values("http://LocalHost:33333"), ["localhost:33333"]);
        assert_eq!(host_values("http://[::1]:9/cb"), ["[::1]:9"]);
        assert_eq!(
            host_values("http://localhost/cb"),
            ["localhost:80", "localhost"]
        );
        let hosts = host_values("http://localhost:33333");
        assert!(host_matches(Some("LOCALHOST:33333"), &hosts));
        for wrong in [
            None,
            Some("localhost"),
            Some("localhost:3333"),
            Some("127.0.0.1:33333"),
        ] {
            assert!(!host_matches(wrong, &hosts), "{wrong:?}");
        }
    }
}
