//! `oauth-setup api --settings F [-X M] [-H 'N: v']… [--data …] PATH_OR_URL`:
//! the `gh api` of these providers. The token rides the way the provider
//! wants it, only to the connection's own API hosts; a 401 renews once and
//! retries; the body goes to stdout, the status to stderr; exit 0 for 2xx
//! and 3xx, 1 otherwise.

use crate::cli::args::ApiArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::store::Location;
use oauth_setup::http::{self, Response};
use oauth_setup::provider::{Profile, TestAuth};
use oauth_setup::settings::Store;
use oauth_setup::{api, token};
use secrecy::ExposeSecret;
use std::io::{IsTerminal, Read, Write};
use url::Url;

/// What one call sends, besides the token.
struct Request {
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ApiArgs) -> Result<(), Failure> {
    let request = Request {
        method: reqwest::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(
            |_| {
                Failure::new(
                    exit::USAGE,
                    format!("`{}` is not an HTTP method", args.method),
                )
            },
        )?,
        headers: args
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<_, _>>()?,
        body: args.data.as_deref().map(read_data).transpose()?,
    };
    let profiles = ctx.profiles().ok();
    let rt = ctx.runtime()?;
    let store = Location::open(ctx, &args.file.settings)?;
    let code = rt.block_on(call(ctx, &store, profiles.as_deref(), args, &request))?;
    if code == 0 {
        Ok(())
    } else {
        Err(Failure::said(code))
    }
}

fn parse_header(raw: &str) -> Result<(String, String), Failure> {
    let (name, value) = raw.split_once(':').ok_or_else(|| {
        Failure::new(
            exit::USAGE,
            format!("-H `{raw}`: write a header as `Name: value`"),
        )
    })?;
    let name = name.trim();
    let valid = reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
        && reqwest::header::HeaderValue::from_str(value.trim()).is_ok();
    if !valid {
        return Err(Failure::new(
            exit::USAGE,
            format!("-H `{raw}` is not a valid header"),
        ));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

fn read_data(raw: &str) -> Result<Vec<u8>, Failure> {
    if raw == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::new(exit::USAGE, format!("--data -: cannot read stdin: {e}")))?;
        return Ok(buf);
    }
    match raw.strip_prefix('@') {
        Some(path) => std::fs::read(path).map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("--data @{path}: cannot read the file: {e}"),
            )
        }),
        None => Ok(raw.as_bytes().to_vec()),
    }
}

async fn call<S: Store>(
    ctx: &Ctx,
    store: &S,
    profiles: Option<&[Profile]>,
    args: &ApiArgs,
    request: &Request,
) -> Result<i32, Failure> {
    let mut fresh = token::get_fresh(store).await?;
    for (name, _) in &request.headers {
        api::check_extra_header(name, &fresh.settings).map_err(|e| Failure::new(exit::USAGE, e))?;
    }
    let profile = profiles.and_then(|ps| ctx.find_profile(ps, &fresh.settings.meta.provider).ok());
    let target = |raw: &str, s: &oauth_setup::settings::Settings| {
        api::target(profile, s, raw, &args.allow_host).map_err(|e| Failure::new(exit::USAGE, e))
    };
    let mut url = target(&args.path, &fresh.settings)?;
    let client = http::client();
    let mut renewed = false;
    loop {
        let resp = send(&client, profile, &fresh, &url, request).await?;
        if resp.status == 401 && !renewed {
            eprintln!("HTTP 401: renewing the token and trying once more");
            fresh.token = token::renew_rejected(store, &fresh.token).await?;
            renewed = true;
            continue;
        }
        report(&resp, args.include);
        if !(200..400).contains(&resp.status) {
            return Ok(1);
        }
        let next = match (args.paginate, profile.and_then(|p| p.pagination.as_ref())) {
            (true, Some(pg)) => api::next_page(pg, &url, &resp.body),
            _ => None,
        };
        match next {
            Some(next) => url = target(next.as_str(), &fresh.settings)?,
            None => return Ok(0),
        }
    }
}

async fn send(
    client: &reqwest::Client,
    profile: Option<&Profile>,
    fresh: &token::Fresh,
    url: &Url,
    request: &Request,
) -> Result<Response, Failure> {
    let mut url = url.clone();
    let mut req_headers = Vec::new();
    match api::auth_style(profile) {
        TestAuth::QueryTokenId => {
            url.query_pairs_mut()
                .append_pair("tokenID", fresh.token.expose_secret());
        }
        TestAuth::Bearer => {
            req_headers = api::request_headers(&fresh.token, &fresh.settings)
                .map_err(|e| Failure::new(exit::USAGE, e))?;
        }
    }
    let mut req = client.request(request.method.clone(), url.as_str());
    for (k, v) in req_headers.iter().chain(&request.headers) {
        req = req.header(k, v);
    }
    if let Some(body) = &request.body {
        let given = |n: &str| {
            request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(n))
        };
        if !given("content-type") && serde_json::from_slice::<serde_json::Value>(body).is_ok() {
            req = req.header("Content-Type", "application/json");
        }
        req = req.body(body.clone());
    }
    Ok(http::send(url.as_str(), req).await?)
}

/// The body on stdout (printable only, when stdout is a terminal), the
/// status and a short reason on stderr. An HTML error page is summarised,
/// never dumped.
fn report(resp: &Response, include: bool) {
    let ok = (200..400).contains(&resp.status);
    let html = resp.content_type.to_ascii_lowercase().contains("text/html");
    let mut out = std::io::stdout().lock();
    if include {
        let _ = writeln!(
            out,
            "HTTP {}\nContent-Type: {}\n",
            resp.status, resp.content_type
        );
    }
    if ok || !html {
        if out.is_terminal() {
            // A terminal sees what is there, escaped (`\u{202E}`), never
            // acted on or hidden; a pipe gets the bytes.
            let text = String::from_utf8_lossy(&resp.body).replace("\r\n", "\n");
            let _ = writeln!(out, "{}", oauth_setup::text::escape_for_terminal(&text));
        } else {
            let _ = out.write_all(&resp.body);
            let _ = out.write_all(b"\n");
        }
    }
    if resp.truncated {
        eprintln!("warning: the answer was larger than 1 MiB and was cut");
    }
    if ok {
        return;
    }
    let reason = if html {
        "an HTML error page".to_string()
    } else {
        oauth_setup::probe::error_detail(&resp.body).unwrap_or_else(|| http::snippet(&resp.body))
    };
    let retry = resp
        .retry_after
        .as_deref()
        .map(|r| format!(" (Retry-After: {})", http::sanitize(r, 40)))
        .unwrap_or_default();
    eprintln!("HTTP {}: {reason}{retry}", resp.status);
}
