//! Device authorization grant (RFC 8628).

use super::progress::{Events, LoginEvent};
use super::token::{self, ClientCredentials, TokenError, TokenRequest, TokenSet};
use crate::http;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(
        "the device authorization endpoint's answer lacks `{0}`; the server does not follow RFC 8628"
    )]
    MissingField(&'static str),
    #[error("the code expired before it was approved; run the command again and approve within {} min", .0.as_secs().div_ceil(60))]
    Expired(Duration),
    #[error("the approval was denied on the verification page")]
    Denied,
    #[error("sign-in cancelled")]
    Cancelled,
}

/// What the user must do.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceCode {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: Duration,
    pub interval: Duration,
}

/// Starts the flow: asks the server for a device and user code.
pub async fn start(
    client_http: &reqwest::Client,
    device_url: &str,
    client: &ClientCredentials,
    scopes: &[String],
    headers: &BTreeMap<String, String>,
) -> Result<DeviceCode, DeviceError> {
    let resp = token::send(
        client_http,
        &TokenRequest {
            token_url: device_url,
            client,
            params: token::scope_param(scopes).into_iter().collect(),
            secret_params: vec![],
            headers,
        },
    )
    .await?;
    if !(200..300).contains(&resp.status) {
        // Reuse the token endpoint's error reading: same RFC 6749 error shape.
        let e = token::parse_response(&resp)
            .err()
            .unwrap_or(TokenError::MissingField {
                field: "device_code",
            });
        return Err(token::client_rejected(e, client))?;
    }
    let v: Value = serde_json::from_slice(&resp.body).map_err(|e| TokenError::BadJson {
        reason: e.to_string(),
    })?;
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(|s| http::sanitize(s, 500))
    };
    let n = |k: &str| v.get(k).and_then(Value::as_u64);
    Ok(DeviceCode {
        device_code: v
            .get("device_code")
            .and_then(Value::as_str)
            .ok_or(DeviceError::MissingField("device_code"))?
            .to_string(),
        user_code: s("user_code").ok_or(DeviceError::MissingField("user_code"))?,
        // Google says verification_url.
        verification_uri: s("verification_uri")
            .or_else(|| s("verification_url"))
            .ok_or(DeviceError::MissingField("verification_uri"))?,
        verification_uri_complete: s("verification_uri_complete"),
        expires_in: Duration::from_secs(n("expires_in").unwrap_or(600).clamp(1, 3600)),
        interval: Duration::from_secs(n("interval").unwrap_or(5).clamp(1, 60)),
    })
}

/// Polls the token endpoint until the user approves, denies, or the code expires.
pub async fn poll(
    client_http: &reqwest::Client,
    token_url: &str,
    client: &ClientCredentials,
    code: &DeviceCode,
    headers: &BTreeMap<String, String>,
    events: &Events,
    cancel: &CancellationToken,
) -> Result<TokenSet, DeviceError> {
    let deadline = Instant::now() + code.expires_in;
    let mut interval = code.interval;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(DeviceError::Expired(code.expires_in));
        }
        let _ = events.send(LoginEvent::Waiting { remaining });
        tokio::select! {
            _ = cancel.cancelled() => return Err(DeviceError::Cancelled),
            _ = tokio::time::sleep(interval.min(remaining)) => {}
        }
        let resp = token::send(
            client_http,
            &TokenRequest {
                token_url,
                client,
                params: vec![
                    ("grant_type", GRANT.to_string()),
                    ("device_code", code.device_code.clone()),
                ],
                secret_params: vec![],
                headers,
            },
        )
        .await?;
        match token::parse_response(&resp) {
            Ok(t) => return Ok(t),
            Err(e) => match e.oauth_error() {
                Some("authorization_pending") => {}
                // RFC 8628 §3.5: add 5 seconds to the interval from now on.
                Some("slow_down") => interval += Duration::from_secs(5),
                Some("expired_token") => return Err(DeviceError::Expired(code.expires_in)),
                Some("access_denied") => return Err(DeviceError::Denied),
                _ => return Err(token::client_rejected(e, client).into()),
            },
        }
    }
}

/// Where and as whom the device flow runs.
pub struct DeviceFlow<'a> {
    pub device_url: &'a str,
    pub token_url: &'a str,
    pub client: &'a ClientCredentials,
    pub scopes: &'a [String],
    pub headers: &'a BTreeMap<String, String>,
}

/// Starts, reports the code, and polls.
pub async fn run(
    client_http: &reqwest::Client,
    flow: DeviceFlow<'_>,
    events: &Events,
    cancel: &CancellationToken,
) -> Result<TokenSet, DeviceError> {
    let code = start(
        client_http,
        flow.device_url,
        flow.client,
        flow.scopes,
        flow.headers,
    )
    .await?;
    let _ = events.send(LoginEvent::DeviceCode {
        user_code: code.user_code.clone(),
        verification_uri: code.verification_uri.clone(),
        verification_uri_complete: code.verification_uri_complete.clone(),
        expires_in: code.expires_in,
    });
    poll(
        client_http,
        flow.token_url,
        flow.client,
        &code,
        flow.headers,
        events,
        cancel,
    )
    .await
}
