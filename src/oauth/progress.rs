//! What a flow reports while it runs, and how it shows the authorization
//! URL. Lives beside the flows so they report without reaching up into
//! the sign-in layer that drives them.

use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// What to do with the authorization URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BrowserMode {
    /// `$BROWSER`, else the system opener, with a one-time start link.
    #[default]
    Open,
    /// Only report the URL (the user opens it).
    PrintOnly,
}

/// Progress reported while a sign-in runs.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginEvent {
    Discovering {
        issuer: String,
    },
    /// The server's metadata lists the scopes it supports and some asked
    /// for are not among them: `dropped` were the profile's defaults and are
    /// left out; `kept` were chosen by the user and are asked for anyway
    /// (the server decides). Sent before any browser opens.
    ScopesNotListed {
        dropped: Vec<String>,
        kept: Vec<String>,
    },
    /// No browser is started here, and this server also offers the device
    /// flow (its metadata, or the profile), which needs no callback:
    /// `scheme` is the profile's device scheme. Sent before the URL.
    DeviceOffered {
        scheme: String,
    },
    /// The loopback server listens; the browser is about to be opened.
    Listening {
        redirect_uri: String,
    },
    /// The URL the user must open (always sent, whether or not a browser was
    /// started). It carries state and challenge: show it, never pass it to
    /// another program (its arguments are readable by every local user); a
    /// started browser got a one-time link to the loopback server instead.
    AuthorizeUrl {
        url: String,
        browser_started: bool,
    },
    /// The browser could not be started; the user must open the URL.
    BrowserFailed {
        reason: String,
    },
    /// Still waiting for the callback or device approval.
    Waiting {
        remaining: Duration,
    },
    DeviceCode {
        user_code: String,
        verification_uri: String,
        verification_uri_complete: Option<String>,
        expires_in: Duration,
    },
    /// Exchanging a code / requesting a token / signing in.
    RequestingToken,
    Done,
}

pub type Events = UnboundedSender<LoginEvent>;
