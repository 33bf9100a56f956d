//! The provider's test request: proves a credential works and says plainly
//! what came back.

use crate::http::{self, TransportError};
use crate::provider::{Profile, TestAuth, TestRequest};
use crate::settings::{self, LastTest, Meta, SettingsError, Store};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

/// A successful test call.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    pub status: u16,
    /// One line, e.g. "HTTP 200 — 3 HubDB tables".
    pub summary: String,
    pub elapsed_ms: u128,
}

#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("provider `{0}` defines no test request")]
    NoRequest(String),
    #[error("no test call was made: the test request's URL needs values that were not given")]
    NoUrl,
    #[error("the test URL is not valid: {0}")]
    BadUrl(String),
    /// The test request's header has no value: an optional one left out
    /// (Event Temple's `X-API-ORG` without an org).
    #[error(
        "no test call was made: the test request's `{0}` header needs a value that was not given"
    )]
    NoHeader(String),
    #[error(
        "the API rejected the token (HTTP {status}){}: sign in again, or check that the token belongs to this account",
        detail_text(detail)
    )]
    Unauthorized { status: u16, detail: Option<String> },
    #[error(
        "the API refused the request (HTTP 403 Forbidden){}",
        detail_text(detail)
    )]
    Forbidden { detail: Option<String> },
    #[error("the API is rate-limiting (HTTP 429); wait a moment and test again")]
    RateLimited,
    #[error("the test request failed (HTTP {status}{}){}", reason(*status), detail_text(detail))]
    Failed { status: u16, detail: Option<String> },
}

/// The status's standard reason phrase (" Not Found"), as the server's
/// number says it and not a guess at its cause.
fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default()
}

impl TestError {
    /// The HTTP status the API answered, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            TestError::Unauthorized { status, .. } | TestError::Failed { status, .. } => {
                Some(*status)
            }
            TestError::Forbidden { .. } => Some(403),
            TestError::RateLimited => Some(429),
            TestError::Transport(_)
            | TestError::NoRequest(_)
            | TestError::NoUrl
            | TestError::NoHeader(_)
            | TestError::BadUrl(_) => None,
        }
    }

    /// What to do about it, in one or two sentences: the profile's own
    /// explanation of the status first (Event Temple: a 403 means the
    /// organization, not the scopes), else what the answer itself shows.
    /// `url` is the test request's address, named where it is the suspect.
    pub fn advice(&self, test: Option<&TestRequest>, url: Option<&str>) -> String {
        if let Some(text) = self
            .status()
            .and_then(|s| test?.explain.get(&s.to_string()))
        {
            return text.clone();
        }
        let mentions_scope = |d: &Option<String>| {
            d.as_deref()
                .is_some_and(|d| d.to_ascii_lowercase().contains("scope"))
        };
        match self {
            TestError::NoUrl => "No call was made, so the token is neither good nor bad yet: fill in the value the test URL needs (on the credentials screen), or save it untested.".into(),
            TestError::NoRequest(_) => "This provider has no test request; the token is untested.".into(),
            TestError::NoHeader(h) => format!("No call was made, so the token is neither good nor bad yet: the test request needs a value for its {} header (Event Temple: the API Org ID). Fill it in on the credentials screen, or save it untested.", http::sanitize(h, 60)),
            TestError::BadUrl(_) => format!(
                "Check the test URL{} (and the values it is built from) on the credentials screen.",
                url.map(|u| format!(" {}", http::sanitize(u, 200))).unwrap_or_default()
            ),
            TestError::Transport(_) => "The API could not be reached: check the network (proxy, firewall, VPN) and the URL, then run the test again.".into(),
            TestError::Unauthorized { .. } => "The token was issued but the API did not accept it: check that the app may call this API and that you signed in with the right account, then run the test again.".into(),
            TestError::Forbidden { detail } if mentions_scope(detail) => "The token works but lacks a scope this request needs: add the missing scopes (scopes screen, and the app at the provider), then sign in again.".into(),
            TestError::Forbidden { .. } => "The API understood the token but refused this request: check the app's access and scopes at the provider, and that the account may use this API.".into(),
            TestError::RateLimited => "The API is rate-limiting: wait a moment, then run the test again.".into(),
            TestError::Failed { status: 404, .. } => format!(
                "The test URL{} was not found: check the address it is built from (service root, test URL, region).",
                url.map(|u| format!(" {}", http::display_url(u))).unwrap_or_default()
            ),
            TestError::Failed { status, .. } if *status >= 500 => "The API failed on its side; the token may well be fine: run the test again later, or save it now.".into(),
            TestError::Failed { .. } => "See the API's message above; run the test again once it is fixed, or save the token untested.".into(),
        }
    }
}

fn detail_text(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// Pulls a human message out of the error shapes the providers use.
pub fn error_detail(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let mut msg = text("/message") // HubSpot, Cvent
        .or_else(|| text("/error/message")) // OData
        .or_else(|| text("/errors/0/detail")) // Event Temple (JSON:API)
        .or_else(|| text("/errors/0/title"))
        .or_else(|| text("/error_description"))
        .or_else(|| text("/error"))?;
    if let Some(Value::Array(missing)) = v.pointer("/context/missingScopes") {
        let names: Vec<_> = missing.iter().filter_map(Value::as_str).collect();
        if !names.is_empty() {
            let _ = write!(msg, " (missing scopes: {})", names.join(", "));
        }
    }
    Some(http::sanitize(&msg, 300))
}

/// Headers for the test request: the scheme's extra headers plus the test's own.
fn test_headers(profile: &Profile, meta: &Meta) -> Result<BTreeMap<String, String>, TestError> {
    let mut h = meta.extra_headers.clone();
    if let Some(test) = &profile.test {
        for (k, t) in &test.headers {
            // Sent without its value, the request would fail for a reason
            // that is not the token's (a 403 read as a wrong org).
            let v = profile
                .render(t, &meta.vars)
                .map_err(|_| TestError::NoHeader(k.clone()))?;
            h.insert(k.clone(), v);
        }
    }
    Ok(h)
}

/// The provider's test request for what `meta` describes, with `token`:
/// the one test both the command line and the wizard run.
pub async fn test(
    client: &reqwest::Client,
    profile: &Profile,
    meta: &Meta,
    token: &SecretString,
) -> Result<TestOutcome, TestError> {
    let test = profile
        .test
        .as_ref()
        .ok_or_else(|| TestError::NoRequest(profile.id.clone()))?;
    let url = meta.endpoints.test_url.as_deref().ok_or(TestError::NoUrl)?;
    run_request(client, test, url, &test_headers(profile, meta)?, token).await
}

/// What a test's result records as the connection's last test (when, whether
/// it worked, one sanitised line); `None` when no request was made (the
/// profile has no test, or its URL is incomplete).
pub fn last_test(result: &Result<TestOutcome, TestError>) -> Option<LastTest> {
    let (ok, summary) = match result {
        Ok(o) => (true, o.summary.clone()),
        Err(
            TestError::NoRequest(_)
            | TestError::NoUrl
            | TestError::NoHeader(_)
            | TestError::BadUrl(_),
        ) => return None,
        Err(e) => (false, e.to_string()),
    };
    Some(LastTest::now(ok, &summary))
}

/// Records `test` as the connection's last test, through the store under
/// its lock on a fresh read: only `last_test` changes, so a token another
/// process renewed meanwhile is kept. For the CLI's `test` and the wizard.
pub async fn record<S: Store>(store: &S, test: LastTest) -> Result<(), SettingsError> {
    settings::store::update(store, move |s| s.meta.last_test = Some(test)).await
}

/// Runs `test` against `url` with `token`.
pub async fn run_request(
    client: &reqwest::Client,
    test: &TestRequest,
    url: &str,
    headers: &BTreeMap<String, String>,
    token: &SecretString,
) -> Result<TestOutcome, TestError> {
    let mut target = url::Url::parse(url).map_err(|e| TestError::BadUrl(e.to_string()))?;
    if test.auth == TestAuth::QueryTokenId {
        target
            .query_pairs_mut()
            .append_pair("tokenID", token.expose_secret());
    }
    let method =
        reqwest::Method::from_bytes(test.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut req = client
        .request(method, target.as_str())
        .header(reqwest::header::ACCEPT, "application/json");
    if test.auth == TestAuth::Bearer {
        req = req.bearer_auth(token.expose_secret());
    }
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let started = Instant::now();
    let resp = http::send(url, req).await?;
    let elapsed_ms = started.elapsed().as_millis();
    let detail = error_detail(&resp.body);
    match resp.status {
        200..=299 => {
            let count = test.count_pointer.as_deref().and_then(|p| {
                serde_json::from_slice::<Value>(&resp.body)
                    .ok()?
                    .pointer(p)
                    .map(|c| http::sanitize(&c.to_string(), 40))
            });
            let summary = match (&test.summary, count) {
                (Some(tpl), Some(c)) => tpl.replace("{count}", &c),
                _ => "the API accepted the token".to_string(),
            };
            Ok(TestOutcome {
                status: resp.status,
                summary: format!("HTTP {} — {summary}", resp.status),
                elapsed_ms,
            })
        }
        401 => Err(TestError::Unauthorized {
            status: 401,
            detail,
        }),
        403 => Err(TestError::Forbidden { detail }),
        429 => Err(TestError::RateLimited),
        status => Err(TestError::Failed { status, detail }),
    }
}

/// One entry of a field's pick list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Reads the profile's pick list `lookup` with `token`, its URL and headers
/// rendered from `vars`: what the wizard's list and the CLI's hint share.
pub async fn lookup_with_vars(
    client: &reqwest::Client,
    profile: &Profile,
    lookup: &crate::provider::Lookup,
    vars: &BTreeMap<String, String>,
    token: &SecretString,
) -> Result<Vec<Choice>, TestError> {
    let url = profile
        .render(&lookup.url, vars)
        .map_err(|e| TestError::BadUrl(e.to_string()))?;
    let headers = lookup
        .headers
        .iter()
        .filter_map(|(k, t)| Some((k.clone(), profile.render(t, vars).ok()?)))
        .collect();
    self::lookup(client, lookup, &url, &headers, token).await
}

/// Reads a pick list (e.g. Event Temple organizations) with `token`.
pub async fn lookup(
    client: &reqwest::Client,
    lookup: &crate::provider::Lookup,
    url: &str,
    headers: &BTreeMap<String, String>,
    token: &SecretString,
) -> Result<Vec<Choice>, TestError> {
    let mut req = client
        .get(url)
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json");
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = http::send(url, req).await?;
    let detail = error_detail(&resp.body);
    match resp.status {
        200..=299 => {}
        401 => {
            return Err(TestError::Unauthorized {
                status: 401,
                detail,
            });
        }
        403 => return Err(TestError::Forbidden { detail }),
        429 => return Err(TestError::RateLimited),
        status => return Err(TestError::Failed { status, detail }),
    }
    let v: Value = serde_json::from_slice(&resp.body).map_err(|e| TestError::Failed {
        status: resp.status,
        detail: Some(format!("the answer is not JSON: {e}")),
    })?;
    let text = |item: &Value, p: &str| {
        item.pointer(p).map(|x| match x {
            Value::String(s) => http::sanitize(s, 120),
            other => http::sanitize(&other.to_string(), 120),
        })
    };
    Ok(v.pointer(&lookup.items_pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let value = text(item, &lookup.value_pointer)?;
                    let label = text(item, &lookup.label_pointer).unwrap_or_else(|| value.clone());
                    Some(Choice { value, label })
                })
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SchemeKind;
    use crate::settings::{FileStore, Key, Secrets, Settings};
    use secrecy::ExposeSecret;

    fn with_token(t: &str) -> Settings {
        let meta = Meta::new("custom", "oauth", SchemeKind::AuthorizationCode);
        let secrets = Secrets {
            access_token: Some(SecretString::from(t.to_string())),
            ..Secrets::default()
        };
        Settings::new(meta, secrets)
    }

    /// The test ran with token A; meanwhile another process renewed to B.
    /// Recording the result must keep B: only `last_test` changes.
    #[tokio::test]
    async fn recording_a_test_keeps_a_token_renewed_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let key = Key::from_bytes([7; 32]);
        crate::settings::write(&path, &key, &with_token("token-a")).unwrap();
        let tested: Result<TestOutcome, TestError> = Ok(TestOutcome {
            status: 200,
            summary: "HTTP 200 — fine".into(),
            elapsed_ms: 3,
        });
        crate::settings::write(&path, &key, &with_token("token-b")).unwrap();
        let store = FileStore::new(&path, &key);
        record(&store, last_test(&tested).unwrap()).await.unwrap();
        let s = crate::settings::read(&path, &key).unwrap();
        let token = s.secrets.access_token.unwrap();
        assert_eq!(token.expose_secret(), "token-b");
        let t = s.meta.last_test.unwrap();
        assert!(t.ok && t.summary == "HTTP 200 — fine", "{t:?}");
        // No request, nothing to record.
        assert!(last_test(&Err(TestError::NoUrl)).is_none());
        let refused = last_test(&Err(TestError::Forbidden { detail: None })).unwrap();
        assert!(!refused.ok && refused.summary.contains("403"));
    }
}
