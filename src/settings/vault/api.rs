//! The few Vault KV v2 calls the store needs, over the documented HTTP API
//! (the same on HashiCorp Vault and OpenBao): read a secret with its
//! version, write it with check-and-set, and log in with AppRole.

use super::config::{Auth, VaultConfig};
use super::location::VaultLocation;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::path::PathBuf;
use tokio::sync::OnceCell;

/// Why Vault did not do what was asked. Messages name the address or the
/// path and say what to do; none carries a token.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no Vault address: set VAULT_ADDR (or BAO_ADDR), e.g. https://vault.example.com:8200")]
    NoAddress,
    #[error("VAULT_ADDR `{addr}` is not usable: {reason}")]
    BadAddress { addr: String, reason: String },
    #[error(
        "no Vault token: set VAULT_TOKEN (or BAO_TOKEN), write it to ~/.vault-token, or use AppRole with OAUTH_SETUP_VAULT_ROLE_ID and OAUTH_SETUP_VAULT_SECRET_ID_FILE"
    )]
    NoToken,
    #[error("cannot read {what} {path}: {reason}")]
    File {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("cannot reach Vault at {addr} (VAULT_ADDR): {reason}")]
    Unreachable { addr: String, reason: String },
    #[error(
        "Vault denied {capability} on {path}: the token's policy needs `{capability}` on `{api_path}` (see the README's Vault policy)"
    )]
    Denied {
        path: String,
        api_path: String,
        capability: &'static str,
    },
    #[error(
        "Vault has no KV v2 mount `{mount}` for {path}: enable it (`vault secrets enable -path={mount} kv-v2`) or fix the location"
    )]
    NoMount { mount: String, path: String },
    #[error(
        "{path} changed in Vault since it was read (check-and-set conflict): another host wrote it; nothing was overwritten"
    )]
    Conflict { path: String },
    #[error("AppRole login at {addr} failed: {reason}")]
    AppRole { addr: String, reason: String },
    #[error(
        "{addr} answered the {action} of {path} without what Vault's KV v2 engine answers (no {missing}): it did not come from Vault, so it is not known to be done. Is a proxy in between (HTTP_PROXY, ALL_PROXY) or VAULT_ADDR wrong?"
    )]
    NotKv {
        addr: String,
        path: String,
        action: &'static str,
        missing: &'static str,
    },
    #[error("Vault answered HTTP {status} for {path}: {message}")]
    Http {
        status: u16,
        path: String,
        message: String,
    },
}

/// A secret as read: its data and the version check-and-set must name.
#[derive(Debug)]
pub struct Versioned {
    pub data: Value,
    pub version: u64,
    /// When Vault wrote this version and when it answered, both on Vault's
    /// clock (KV v2 `created_time`, the HTTP `Date`), in Unix ms: the one
    /// clock every host of a fleet shares.
    pub created_ms: Option<i64>,
    pub server_now_ms: Option<i64>,
}

/// An answer: its status, its JSON body and its `Date` (Unix ms).
struct Answer {
    status: u16,
    body: Value,
    date_ms: Option<i64>,
}

fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// An HTTP `Date` (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), in Unix ms.
fn parse_http_date_ms(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let t = time::PrimitiveDateTime::parse(s.trim(), &fmt).ok()?;
    Some(t.assume_utc().unix_timestamp() * 1000)
}

pub struct VaultClient {
    http: reqwest::Client,
    config: VaultConfig,
    token: OnceCell<SecretString>,
}

impl VaultClient {
    pub fn new(config: VaultConfig) -> Result<VaultClient, VaultError> {
        let t = crate::http::timeout();
        // The same proxy rule as every other client: a loopback Vault (an
        // Agent's listener) is never reached through a proxy, which would
        // be handed the Vault token and the document.
        let mut b = crate::http::with_proxies(reqwest::Client::builder());
        // Plain http (only allowed to loopback) has no certificate to check:
        // loading the system's roots would cost more than the request.
        if config.addr.scheme() == "https" {
            b = crate::http::with_trusted_roots(b);
        }
        b = b
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(t.min(std::time::Duration::from_secs(10)))
            .timeout(t)
            .user_agent(concat!("oauth-setup/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &config.ca_cert {
            let pem = std::fs::read(ca).map_err(|e| VaultError::File {
                what: "VAULT_CACERT",
                path: ca.clone(),
                reason: e.to_string(),
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| VaultError::File {
                what: "VAULT_CACERT",
                path: ca.clone(),
                reason: e.to_string(),
            })?;
            b = b.add_root_certificate(cert);
        }
        let http = b.build().map_err(|e| VaultError::BadAddress {
            addr: config.addr.to_string(),
            reason: e.to_string(),
        })?;
        Ok(VaultClient {
            http,
            config,
            token: OnceCell::new(),
        })
    }

    pub fn addr(&self) -> String {
        self.config.addr_text()
    }

    /// Where Vault is and who this client is there.
    pub fn config(&self) -> &VaultConfig {
        &self.config
    }

    fn url(&self, api_path: &str) -> String {
        format!("{}/v1/{api_path}", self.addr())
    }

    fn unreachable(&self, e: reqwest::Error) -> VaultError {
        // The innermost cause says what happened ("Connection refused").
        let reason = if e.is_timeout() {
            "no answer in time".to_string()
        } else {
            let mut reason = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                reason = s.to_string();
                src = s.source();
            }
            crate::http::sanitize(&reason, 200)
        };
        VaultError::Unreachable {
            addr: self.addr(),
            reason,
        }
    }

    async fn token(&self) -> Result<&SecretString, VaultError> {
        self.token
            .get_or_try_init(|| async {
                match &self.config.auth {
                    Auth::Token(t) => Ok(t.clone()),
                    Auth::AppRole { role_id, secret_id } => {
                        self.approle_login(role_id, secret_id).await
                    }
                }
            })
            .await
    }

    async fn approle_login(
        &self,
        role_id: &str,
        secret_id: &SecretString,
    ) -> Result<SecretString, VaultError> {
        let body = json!({"role_id": role_id, "secret_id": secret_id.expose_secret()});
        let mut req = self.http.post(self.url("auth/approle/login")).json(&body);
        if let Some(ns) = &self.config.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        let fail = |reason: String| VaultError::AppRole {
            addr: self.addr(),
            reason,
        };
        if status != 200 {
            return Err(fail(format!("HTTP {status}: {}", errors_of(&v))));
        }
        v.pointer("/auth/client_token")
            .and_then(Value::as_str)
            .map(|t| SecretString::from(t.to_string()))
            .ok_or_else(|| fail("the answer has no auth.client_token".into()))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Answer, VaultError> {
        let mut req = req.header("X-Vault-Token", self.token().await?.expose_secret());
        if let Some(ns) = &self.config.namespace {
            req = req.header("X-Vault-Namespace", ns);
        }
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let date_ms = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date_ms);
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        if bytes.len() > crate::http::MAX_BODY {
            return Err(VaultError::Http {
                status,
                path: String::new(),
                message: "the answer is larger than 1 MiB".into(),
            });
        }
        Ok(Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            date_ms,
        })
    }

    fn not_kv(
        &self,
        loc: &VaultLocation,
        action: &'static str,
        missing: &'static str,
    ) -> VaultError {
        VaultError::NotKv {
            addr: self.addr(),
            path: loc.to_string(),
            action,
            missing,
        }
    }

    fn failure(
        &self,
        loc: &VaultLocation,
        status: u16,
        body: &Value,
        capability: &'static str,
    ) -> VaultError {
        let message = errors_of(body);
        match status {
            403 => VaultError::Denied {
                path: loc.to_string(),
                api_path: if capability == "delete" {
                    loc.metadata_path()
                } else {
                    loc.data_path()
                },
                capability,
            },
            // A missing mount: Vault has no route for the path at all.
            404 | 405 if message.contains("no handler for route") => VaultError::NoMount {
                mount: loc.mount.clone(),
                path: loc.to_string(),
            },
            400 if message.contains("check-and-set") => VaultError::Conflict {
                path: loc.to_string(),
            },
            _ => VaultError::Http {
                status,
                path: loc.to_string(),
                message,
            },
        }
    }

    /// The current version of a secret, or `None` when there is none (never
    /// written, or its latest version deleted).
    pub async fn read(&self, loc: &VaultLocation) -> Result<Option<Versioned>, VaultError> {
        let a = self.send(self.http.get(self.url(&loc.data_path()))).await?;
        let (status, body) = (a.status, a.body);
        match status {
            200 => {
                // Every KV v2 read names the version: an answer without it
                // (a proxy's `200 {}`) says nothing about what Vault holds.
                let version = body
                    .pointer("/data/metadata/version")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| self.not_kv(loc, "read", "data.metadata.version"))?;
                let created_ms = body
                    .pointer("/data/metadata/created_time")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339_ms);
                match body.pointer("/data/data") {
                    Some(Value::Null) | None => Ok(None),
                    Some(data) => Ok(Some(Versioned {
                        data: data.clone(),
                        version,
                        created_ms,
                        server_now_ms: a.date_ms,
                    })),
                }
            }
            404 if !errors_of(&body).contains("no handler for route") => Ok(None),
            _ => Err(self.failure(loc, status, &body, "read")),
        }
    }

    /// Writes `data` only if the secret's current version is `cas` (0: only
    /// if it does not exist). Returns the new version.
    pub async fn write(
        &self,
        loc: &VaultLocation,
        data: &Value,
        cas: u64,
    ) -> Result<u64, VaultError> {
        let body = json!({"options": {"cas": cas}, "data": data});
        let req = self.http.post(self.url(&loc.data_path())).json(&body);
        let a = self.send(req).await?;
        let (status, answer) = (a.status, a.body);
        match status {
            // A write is confirmed only by KV v2's answer naming the new
            // version; anything else (a proxy's `200 {}`) is not Vault's word.
            200 | 204 => answer
                .pointer("/data/version")
                .and_then(Value::as_u64)
                .filter(|v| *v > cas)
                .ok_or_else(|| self.not_kv(loc, "write", "data.version above the one replaced")),
            _ => Err(self.failure(
                loc,
                status,
                &answer,
                if cas == 0 { "create" } else { "update" },
            )),
        }
    }

    /// Deletes the secret with all its versions and its metadata (KV v2
    /// `DELETE MOUNT/metadata/PATH`); a secret that is not there is no error.
    pub async fn delete_all(&self, loc: &VaultLocation) -> Result<(), VaultError> {
        let req = self.http.delete(self.url(&loc.metadata_path()));
        let a = self.send(req).await?;
        let (status, body) = (a.status, a.body);
        match status {
            // No answer body says what a delete did: reading it back does
            // (a proxy's `204` deleted nothing).
            200 | 204 => match self.read(loc).await? {
                None => Ok(()),
                Some(_) => {
                    Err(self.not_kv(loc, "delete", "deletion: it is still there when read back"))
                }
            },
            404 if !errors_of(&body).contains("no handler for route") => Ok(()),
            _ => Err(self.failure(loc, status, &body, "delete")),
        }
    }
}

/// Vault's `{"errors": [...]}`, as one sanitised line.
fn errors_of(body: &Value) -> String {
    let joined = body
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    crate::http::sanitize(&joined, 300)
}
