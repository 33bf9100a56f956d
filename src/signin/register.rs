//! What to register with the app at the provider for a method: the redirect
//! URI. One answer for the wizard's set-up list, `providers ID` and the
//! commands that sign in again.

use crate::provider::{Scheme, SchemeKind};

/// The redirect URI a method's app must know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    pub uri: String,
    /// True for the loopback address without a port: the sign-in picks the
    /// port and a server following RFC 8252 §7.3 accepts any port on it.
    pub any_port: bool,
}

/// The loopback redirect URI without a port.
pub fn loopback() -> String {
    format!("http://127.0.0.1{}", crate::oauth::loopback::DEFAULT_PATH)
}

/// For a browser sign-in: the profile's fixed callback (HubDB's
/// `http://localhost:33333`), else the loopback one on any port. None for a
/// method with no browser.
pub fn redirect_uri(scheme: &Scheme) -> Option<RedirectUri> {
    if scheme.kind != SchemeKind::AuthorizationCode {
        return None;
    }
    Some(match &scheme.default_callback_url {
        Some(uri) => RedirectUri {
            uri: uri.clone(),
            any_port: false,
        },
        None => RedirectUri {
            uri: loopback(),
            any_port: true,
        },
    })
}

impl RedirectUri {
    /// As a sentence for a person.
    pub fn sentence(&self) -> String {
        if self.any_port {
            format!(
                "register the redirect URI {} (any port: the sign-in picks one; for a fixed port give --callback-url http://127.0.0.1:PORT/callback and register that)",
                self.uri
            )
        } else {
            format!(
                "register this exact redirect URI: {} (or give --callback-url with the one you registered)",
                self.uri
            )
        }
    }
}
