//! InEvent `person.signIn`: username + password for a tokenID (not OAuth).

use crate::http::{self, TransportError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum SigninError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("InEvent refused the sign-in (HTTP {status}{}): check the username and password{}", reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default(), if *event_scope { ", and that this is the event's password and event id" } else { "" })]
    Refused {
        status: u16,
        reason: Option<String>,
        event_scope: bool,
    },
    #[error("InEvent's sign-in answer has no data[0].tokenID ({snippet}); check the sign-in URL")]
    NoToken { snippet: String },
}

/// The outcome of a sign-in.
#[derive(Debug, Clone)]
pub struct Signin {
    pub token_id: SecretString,
    pub scope: Option<String>,
    pub target_id: Option<String>,
}

pub async fn run(
    client: &reqwest::Client,
    base_url: &str,
    username: &str,
    password: &SecretString,
    event_id: Option<&str>,
) -> Result<Signin, SigninError> {
    let mut url = url::Url::parse(base_url).map_err(|e| TransportError::Other {
        url: base_url.to_string(),
        reason: e.to_string(),
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("action", "person.signIn")
            .append_pair("username", username);
        if let Some(ev) = event_id {
            q.append_pair("eventID", ev);
        }
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("password", password.expose_secret())
        .finish();
    let req = client
        .post(url.as_str())
        .header(reqwest::header::ACCEPT, "application/json")
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body);
    let resp = http::send(url.as_str(), req).await?;
    if !(200..300).contains(&resp.status) {
        // InEvent errors are bodiless: status and reason text only.
        let reason = reqwest::StatusCode::from_u16(resp.status)
            .ok()
            .and_then(|s| s.canonical_reason().map(str::to_string));
        return Err(SigninError::Refused {
            status: resp.status,
            reason,
            event_scope: event_id.is_some(),
        });
    }
    let v: Value = serde_json::from_slice(&resp.body).map_err(|_| SigninError::NoToken {
        snippet: http::snippet(&resp.body),
    })?;
    let first = v.pointer("/data/0");
    let token = first
        .and_then(|d| d.get("tokenID"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| SigninError::NoToken {
            snippet: "no tokenID field".into(),
        })?;
    let field = |k| {
        first.and_then(|d| d.get(k)).map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    Ok(Signin {
        token_id: SecretString::from(token.to_string()),
        scope: field("scope"),
        target_id: field("targetID"),
    })
}
