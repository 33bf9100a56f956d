//! A browser on another machine ended on the loopback redirect address of a
//! sign-in waiting here: the person pastes that address, and it is handed to
//! the waiting loopback server, which checks `state` as for any callback.

use crate::http;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("that is not a web address: copy the whole address bar of the browser")]
    NotAnAddress,
    #[error(
        "the pasted address has no `?code=…` part: copy the address bar after the provider sent you back"
    )]
    NoQuery,
    #[error(
        "the redirect URI {0} is not a loopback address, so there is nothing here to deliver the code to"
    )]
    NotLoopback(String),
    #[error("could not reach the local sign-in server: {0}")]
    Unreachable(String),
    #[error(
        "the local sign-in server refused the address (HTTP {0}): was it from this sign-in attempt?"
    )]
    Refused(u16),
}

/// An SSH session with no display and no `$BROWSER`: a browser started here
/// would open nothing the person can see (or wait on a text browser), so the
/// sign-in shows the address and takes the pasted result or a callback
/// through a forwarded port, whichever comes first.
pub fn remote_shell() -> bool {
    let set = |n: &str| std::env::var_os(n).is_some_and(|v| !v.is_empty());
    (set("SSH_CONNECTION") || set("SSH_TTY"))
        && !set("DISPLAY")
        && !set("WAYLAND_DISPLAY")
        && !set("BROWSER")
}

/// Replays the query of `pasted` against `redirect_uri` on this machine,
/// never through a proxy.
pub async fn deliver(redirect_uri: &str, pasted: &str) -> Result<(), DeliverError> {
    let pasted = Url::parse(pasted.trim()).map_err(|_| DeliverError::NotAnAddress)?;
    let query = pasted
        .query()
        .filter(|q| !q.is_empty())
        .ok_or(DeliverError::NoQuery)?;
    let mut local = Url::parse(redirect_uri)
        .ok()
        .filter(crate::provider::is_loopback)
        .ok_or_else(|| DeliverError::NotLoopback(redirect_uri.to_string()))?;
    local.set_query(Some(query));
    let resp = http::loopback_client()
        .get(local)
        .send()
        .await
        .map_err(|e| DeliverError::Unreachable(http::sanitize(&e.to_string(), 200)))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(DeliverError::Refused(resp.status().as_u16()))
    }
}
