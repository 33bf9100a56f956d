//! The one HTTP client: timeouts on everything, no redirects (a token request
//! that gets redirected is an error, RFC 9700 §4.11), bounded bodies.

use std::time::Duration;

/// Default whole-request timeout. `OAUTH_SETUP_HTTP_TIMEOUT` (seconds) overrides it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Token and API answers larger than this are refused rather than buffered.
pub const MAX_BODY: usize = 1024 * 1024;

/// The request timeout in force.
pub fn timeout() -> Duration {
    std::env::var("OAUTH_SETUP_HTTP_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0 && s.is_finite())
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// Builds the client every flow uses.
pub fn client() -> reqwest::Client {
    let t = timeout();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(t))
        .timeout(t)
        .user_agent(concat!("oauth-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with static settings builds")
}

/// The client for requests to our own loopback server (the wizard's replay of
/// a pasted redirect): never through a proxy, which would be handed the
/// authorization code and cannot reach this machine's loopback anyway; no
/// redirects; short timeouts, since the server is local.
pub fn loopback_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("oauth-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with static settings builds")
}

/// A response read whole (up to [`MAX_BODY`]).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
    pub truncated: bool,
}

/// Why a request got no usable response at all.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(
        "no answer from {url} within {secs} s; check the URL and the network, or raise OAUTH_SETUP_HTTP_TIMEOUT"
    )]
    Timeout { url: String, secs: u64 },
    #[error("could not connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("request to {url} failed: {reason}")]
    Other { url: String, reason: String },
}

/// Strips the query (it may carry a tokenID) from a URL for messages. The
/// URL may come from a hostile server (a `Location` header): control
/// characters are removed and the length is bounded.
pub fn display_url(url: &str) -> String {
    let shown = match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
    };
    sanitize(&shown, 300)
}

fn transport_error(url: &str, e: reqwest::Error) -> TransportError {
    let url = display_url(url);
    if e.is_timeout() {
        TransportError::Timeout {
            url,
            secs: timeout().as_secs().max(1),
        }
    } else if e.is_connect() {
        let mut reason = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            reason = s.to_string();
            src = s.source();
        }
        TransportError::Connect { url, reason }
    } else {
        TransportError::Other {
            url,
            reason: e.without_url().to_string(),
        }
    }
}

/// Sends `req` and reads the body, keeping at most [`MAX_BODY`] bytes.
pub async fn send(url: &str, req: reqwest::RequestBuilder) -> Result<Response, TransportError> {
    let mut resp = req.send().await.map_err(|e| transport_error(url, e))?;
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let status = resp.status().as_u16();
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    let location = header(reqwest::header::LOCATION);
    let retry_after = header(reqwest::header::RETRY_AFTER);
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(url, e))? {
        if body.len() + chunk.len() > MAX_BODY {
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response {
        status,
        content_type,
        location,
        retry_after,
        body,
        truncated,
    })
}

/// Makes server-supplied text safe to print: no control characters (ANSI
/// escapes, carriage returns), bounded length.
pub fn sanitize(text: &str, max_chars: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.chars().count() > max_chars {
        let mut s: String = cleaned.chars().take(max_chars).collect();
        s.push('…');
        s
    } else {
        cleaned
    }
}

/// A short, safe excerpt of a body for error messages.
pub fn snippet(body: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(&body[..body.len().min(400)]), 160)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_removes_escapes_and_bounds_length() {
        assert_eq!(
            sanitize("bad\x1b[31m red\r\nline", 100),
            "bad [31m red line"
        );
        assert_eq!(sanitize("abcdef", 3), "abc…");
    }

    #[test]
    fn display_url_drops_query() {
        assert_eq!(
            display_url("https://api.inevent.com/?action=person.get&tokenID=secret"),
            "https://api.inevent.com/"
        );
    }
}
