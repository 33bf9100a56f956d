//! The one HTTP client: timeouts on everything, no redirects (a token request
//! that gets redirected is an error, RFC 9700 §4.11), bounded bodies, and
//! the https rule on every request it sends.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::OnceLock;
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
    with_proxies(with_trusted_roots(reqwest::Client::builder()))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(t))
        .timeout(t)
        .user_agent(concat!("oauth-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with static settings builds")
}

/// Adds the system's roots and `--ca-file`'s to a client being built: every
/// client of ours (the Vault store's too) trusts the same CAs.
pub fn with_trusted_roots(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    b.use_preconfigured_tls(tls_config().clone())
}

/// Built once, after `--ca-file` was read (at start, before any client).
static TLS_CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();

fn tls_config() -> &'static rustls::ClientConfig {
    TLS_CONFIG.get_or_init(|| {
        let extra: Vec<_> = system_roots()
            .iter()
            .chain(EXTRA_ROOTS.get().into_iter().flatten())
            .cloned()
            .collect();
        crate::tls::config(&extra)
    })
}

/// The one proxy policy, for every client of ours (the Vault store's too):
/// the proxies of the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
/// `NO_PROXY`, either case; credentials in the proxy URL), except for
/// loopback: a proxy would be handed a local callback, a Vault token or a
/// refresh token, and cannot reach this machine's loopback anyway.
pub fn with_proxies(b: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    // reqwest's own reading of the environment knows no loopback rule: off,
    // so that only the proxies added below (each with the bypass) apply.
    let mut b = b.no_proxy();
    let env = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    let mut bypass = String::from("127.0.0.0/8,::1,localhost");
    if let Some(more) = env(&["NO_PROXY", "no_proxy"]) {
        bypass.push(',');
        bypass.push_str(&more);
    }
    type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;
    let proxies: [(&str, MakeProxy, [&str; 4]); 2] = [
        (
            "https",
            |u| reqwest::Proxy::https(u),
            ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        ),
        (
            "http",
            |u| reqwest::Proxy::http(u),
            ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
        ),
    ];
    for (scheme, make, names) in proxies {
        let Some(raw) = env(&names) else { continue };
        // Credentials in the URL go in as Basic auth (also on CONNECT
        // tunnels); the URL itself is kept free of them.
        let mut url = url::Url::parse(&raw).ok();
        let creds = url.as_mut().and_then(|u| {
            let user = percent_decode(u.username());
            let pass = percent_decode(u.password().unwrap_or(""));
            let _ = (u.set_username(""), u.set_password(None));
            (!user.is_empty()).then_some((user, pass))
        });
        let target = url.map_or(raw, |u| u.to_string());
        match make(&target) {
            Ok(mut p) => {
                if let Some((user, pass)) = &creds {
                    p = p.basic_auth(user, pass);
                }
                b = b.proxy(p.no_proxy(reqwest::NoProxy::from_string(&bypass)));
            }
            // The URL may hold the proxy's password: never log it.
            Err(_) => tracing::warn!(
                scheme,
                "the proxy variable is not a usable URL; going direct"
            ),
        }
    }
    b
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Certificates from `--ca-file` / `OAUTH_SETUP_CA_FILE`, set once at start.
static EXTRA_ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();

#[derive(Debug, thiserror::Error)]
pub enum CaFileError {
    #[error("cannot read the CA file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the CA file {path} holds no PEM certificate")]
    Empty { path: String },
}

/// Trusts the PEM certificates in `path` too (a corporate TLS-inspecting
/// proxy's CA, a private CA), for every request of this process.
pub fn trust_ca_file(path: &std::path::Path) -> Result<(), CaFileError> {
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|e| CaFileError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CaFileError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(CaFileError::Empty { path: shown });
    }
    debug_assert!(
        TLS_CONFIG.get().is_none(),
        "--ca-file is read before the first client"
    );
    let _ = EXTRA_ROOTS.set(certs);
    Ok(())
}

/// The operating system's trusted roots (and `SSL_CERT_FILE` /
/// `SSL_CERT_DIR`, where a corporate CA usually lives), loaded once per
/// process, on top of the roots built into the binary.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "a system certificate could not be loaded");
        }
        found.certs
    })
}

/// The client for requests to our own loopback server (the wizard's replay of
/// a pasted redirect): never through a proxy, which would be handed the
/// authorization code and cannot reach this machine's loopback anyway; no
/// redirects; a short connect timeout, since the server is local.
pub fn loopback_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(2))
        // The callback's answer waits for the token exchange (one request
        // of at most `timeout()`), so the wait here is longer than that.
        .timeout(timeout() + Duration::from_secs(5))
        .user_agent(concat!("oauth-setup/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with static settings builds")
}

/// A response read whole (up to [`MAX_BODY`]).
#[derive(Debug)]
pub struct Response {
    /// The address asked, as [`display_url`] shows it (for messages that
    /// must say which URL to check).
    pub url: String,
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
    #[error(
        "refusing to send a request to {url}: it uses plain http on a non-loopback host, where tokens and secrets would travel in clear; use https (plain http is only accepted on 127.0.0.1, ::1 or localhost)"
    )]
    Insecure { url: String },
}

/// True for 127.0.0.0/8, ::1 and `localhost`: the only hosts plain http may reach.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The https rule for a request about to be sent: every request may carry a
/// token, a client secret or a password, so none leaves in clear except to
/// this machine.
fn check_secure(url: &url::Url) -> Result<(), TransportError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(TransportError::Insecure {
            url: display_url(url.as_str()),
        }),
    }
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

/// The proxy variable that applies to `url` and its value without
/// credentials, as [`with_proxies`] picks it.
fn proxy_for(url: &str) -> Option<(&'static str, String)> {
    let names: [&'static str; 4] = if url.starts_with("https:") {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names.into_iter().find_map(|n| {
        let raw = std::env::var(n).ok().filter(|v| !v.trim().is_empty())?;
        let shown = match url::Url::parse(&raw) {
            Ok(mut u) => {
                let _ = (u.set_username(""), u.set_password(None));
                u.to_string()
            }
            Err(_) => "(not a URL)".to_string(),
        };
        Some((n, sanitize(&shown, 200)))
    })
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
        // The usual failure behind a TLS-inspecting proxy: say whose
        // certificate it was and what fixes it.
        if let Some(u) = crate::tls::unknown_issuer(&e) {
            reason = u.to_string();
        }
        if reason.contains("proxy authorization required") {
            reason.push_str(
                "; the proxy wants credentials: put them in the proxy URL (https_proxy=http://USER:PASSWORD@proxy:port)",
            );
        }
        if reason.contains("tunnel")
            && let Some((var, proxy)) = proxy_for(&url)
        {
            reason = format!(
                "the proxy {proxy} ({var}) refused to open a tunnel (CONNECT) to this host ({reason}): check that the proxy allows it, or add the host to NO_PROXY"
            );
        }
        if reason.contains("UnknownIssuer") || reason.contains("invalid peer certificate") {
            reason.push_str(
                "; if a proxy inspects TLS here, trust that CA in one of three ways: --ca-file PATH (or OAUTH_SETUP_CA_FILE), SSL_CERT_FILE=PATH, or add it to the system's trust store (update-ca-certificates, Keychain, certmgr)",
            );
        }
        TransportError::Connect { url, reason }
    } else {
        TransportError::Other {
            url,
            reason: e.without_url().to_string(),
        }
    }
}

/// Sends `req` and reads the body, keeping at most [`MAX_BODY`] bytes. Every
/// request of the tool goes through here, so the https rule is checked on
/// the URL actually requested, before any connection is made.
pub async fn send(url: &str, req: reqwest::RequestBuilder) -> Result<Response, TransportError> {
    let (client, request) = req.build_split();
    let request = request.map_err(|e| transport_error(url, e))?;
    check_secure(request.url())?;
    let mut resp = client
        .execute(request)
        .await
        .map_err(|e| transport_error(url, e))?;
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
        url: display_url(url),
        status,
        content_type,
        location,
        retry_after,
        body,
        truncated,
    })
}

/// Makes server-supplied text safe to print (see [`crate::text::sanitize`]).
pub use crate::text::sanitize;

/// A short, safe excerpt of a body for error messages.
pub fn snippet(body: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(&body[..body.len().min(400)]), 160)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_http_off_loopback_is_refused_before_connecting() {
        // 0.0.0.0 is not a loopback address, yet Linux delivers a connection
        // to it to this machine: a listener here sees whether anything was
        // sent, and nothing leaves the machine even if the rule failed.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!(
            "http://0.0.0.0:{}/token",
            listener.local_addr().unwrap().port()
        );
        let e = send(&url, client().post(&url).body("client_secret=s3cret"))
            .await
            .unwrap_err();
        assert!(matches!(e, TransportError::Insecure { .. }), "{e}");
        assert!(e.to_string().contains("use https"), "{e}");
        assert!(listener.accept().is_err(), "a connection was made");
        for ok in [
            "http://127.0.0.1:1/",
            "http://[::1]:1/",
            "http://localhost:1/",
        ] {
            assert!(check_secure(&url::Url::parse(ok).unwrap()).is_ok(), "{ok}");
        }
        for bad in [
            "http://0.0.0.0:1/",
            "http://127.0.0.1.evil.example/",
            "ftp://x/",
        ] {
            assert!(
                check_secure(&url::Url::parse(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn proxy_credentials_are_decoded() {
        assert_eq!(percent_decode("p%40ss%3Aw+rd"), "p@ss:w+rd");
        assert_eq!(percent_decode("plain"), "plain");
    }

    #[test]
    fn display_url_drops_query() {
        assert_eq!(
            display_url("https://api.inevent.com/?action=person.get&tokenID=secret"),
            "https://api.inevent.com/"
        );
    }
}
