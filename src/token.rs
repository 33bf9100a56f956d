//! `token`: a valid access token from a settings file, renewed under the
//! sidecar lock when it is expired or about to be, so that many processes
//! asking at once cause one renewal.

use crate::oauth::password_signin::{self, SigninError};
use crate::oauth::{self, ClientCredentials, TokenError, TokenSet};
use crate::provider::{ClientAuth, SchemeKind};
use crate::settings::now_unix;
use crate::settings::renewal;
use crate::settings::{self, InitiateOAuth, Key, Meta, Replace, Settings, SettingsError, Store};
use crate::signin::apply_tokens;
// The commands that get new credentials for a file, as printed.
use crate::signin::recovery::commands as login_command;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;

/// Renew when the token has less than this left (or less than half its
/// lifetime, for tokens that live under twice this: see [`renewal_margin`]).
pub const SKEW_SECS: i64 = 60;
pub use crate::settings::lock::{LOCK_TIMEOUT, lock_timeout};

mod outcome;
pub use outcome::not_renewable;
use outcome::{failed, keep_record, refusal, refused_grant};

#[derive(Debug, thiserror::Error)]
pub enum TokenServiceError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("{reason}. On a machine with a browser run:\n  {command}")]
    NeedsSignIn { reason: String, command: String },
    #[error(
        "the access token in {path} expired and the file's InitiateOAuth is OFF (use what is stored, never renew); sign in again, with `--initiate-oauth REFRESH` (or the default GETANDREFRESH) on `oauth-setup login --force` for a file that renews itself"
    )]
    ExpiredOff { path: String },
    #[error("renewing the token failed: {0}")]
    Renew(#[from] TokenError),
    #[error("signing in again failed: {0}")]
    Signin(#[from] SigninError),
    #[error(
        "the refresh token in {path} was handed to a CData driver ({to}) {ago} min ago, so this tool no longer renews with it: with rotating refresh tokens two owners end each other's grant. Use the driver's connection, or run `oauth-setup token --force --settings {path}` to take the grant back (the driver's copy then stops working)"
    )]
    HandedOff { path: String, to: String, ago: i64 },
    #[error(
        "the refresh token in {path} was renewed by another process while the connection string was made, so the one in it is already used: nothing was handed off; run `connection-string --mode handoff` again"
    )]
    RenewedMeanwhile { path: String },
}

impl TokenServiceError {
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            TokenServiceError::NeedsSignIn { .. } | TokenServiceError::ExpiredOff { .. }
        )
    }
}

/// The token a settings file holds and whether it is still good.
pub fn usable_token(s: &Settings, now: i64) -> Option<&SecretString> {
    if s.meta.kind == SchemeKind::StaticToken {
        return s.secrets.static_token.as_ref();
    }
    // Once the provider refused the grant (recorded by the renewal that found
    // out, usually after the API refused this very token), its clock is moot.
    if renewal::dead_grant(&s.meta).is_some() {
        return None;
    }
    let token = s.secrets.access_token.as_ref()?;
    match s.meta.expires_at {
        Some(exp) if exp.saturating_sub(renewal_margin(&s.meta)) <= now => None,
        _ => Some(token),
    }
}

/// How long before expiry a token counts as expired: [`SKEW_SECS`], but at
/// most half the token's lifetime, so that a token living under two margins
/// (a 30 s token) is used for half its life instead of renewed on every call.
/// The lifetime is what the file records: expiry minus when it was obtained.
pub fn renewal_margin(m: &Meta) -> i64 {
    let Some(exp) = m.expires_at else {
        return SKEW_SECS;
    };
    match m.token_timestamp_ms {
        Some(obtained_ms) => {
            let lifetime = exp.saturating_sub(obtained_ms.div_euclid(1000));
            SKEW_SECS.min(lifetime.max(0) / 2)
        }
        None => SKEW_SECS,
    }
}

/// True when the file holds what it takes to get a new token without a person.
pub fn can_renew_unattended(s: &Settings) -> bool {
    s.secrets.refresh_token.is_some()
        || (s.meta.kind == SchemeKind::ClientCredentials && has_client_credential(s))
        || (s.meta.kind == SchemeKind::PasswordSignin && s.secrets.password.is_some())
}

/// A stored secret, or a signed assertion: its key file is this machine's
/// to give (an imported or Vault connection records none), and a renewal
/// without one says how to give it.
fn has_client_credential(s: &Settings) -> bool {
    s.secrets.client_secret.is_some() || s.meta.client_auth == ClientAuth::PrivateKeyJwt
}

/// Reads the file; returns the token when it is usable without any network.
/// The fast path of `token`: no runtime, no lock.
pub fn cached(path: &Path, key: &Key) -> Result<(Settings, Option<SecretString>), SettingsError> {
    let s = settings::read(path, key)?;
    let t = usable_token(&s, now_unix()).cloned();
    Ok((s, t))
}

/// A token ready to use, with the document it came from (for its expiry,
/// and for a cache of it).
pub struct Fresh {
    pub token: SecretString,
    pub settings: Settings,
}

/// The document's token when it is usable now and not the one just rejected.
fn usable_now(s: &Settings, rejected: Option<&SecretString>) -> Option<SecretString> {
    usable_token(s, now_unix())
        .filter(|t| !is_rejected(t, rejected))
        .cloned()
}

/// A valid access token, renewing it when needed (and allowed).
pub async fn get_token<S: Store>(store: &S) -> Result<SecretString, TokenServiceError> {
    Ok(get_fresh(store).await?.token)
}

/// [`get_token`], with the document the token came from.
pub async fn get_fresh<S: Store>(store: &S) -> Result<Fresh, TokenServiceError> {
    let s = store.load().await?;
    if let Some(token) = usable_now(&s, None) {
        return Ok(Fresh { token, settings: s });
    }
    if s.meta.initiate_oauth == InitiateOAuth::Off {
        return match s.secrets.access_token.clone() {
            Some(token) if s.meta.expires_at.is_none() => Ok(Fresh { token, settings: s }),
            Some(_) => Err(TokenServiceError::ExpiredOff {
                path: store.location(),
            }),
            None => Err(TokenServiceError::NeedsSignIn {
                reason: format!("{} holds no access token", store.location()),
                command: login_command(&s, &store.location()),
            }),
        };
    }
    renew_under_lock(store, None).await
}

/// Records that the refresh token in `handed` now belongs to a CData
/// driver at `to`: from then on [`get_fresh`] does not renew with it. Under
/// the store's lock, on a fresh read: if another process renewed (and
/// rotated) in between, what was handed is stale and nothing is recorded.
pub async fn record_hand_off<S: Store>(
    store: &S,
    handed: &Settings,
    to: &str,
) -> Result<(), TokenServiceError> {
    let lock = crate::settings::store::lock_waiting(store).await?;
    let out = async {
        let mut s = store.load().await?;
        if refresh_of(&s) != refresh_of(handed) {
            return Err(TokenServiceError::RenewedMeanwhile {
                path: store.location(),
            });
        }
        s.meta.handed_off_at = Some(now_unix());
        s.meta.handed_off_to = Some(to.to_string());
        s.meta.touch();
        Ok(store.save(&s, Replace::Readable).await?)
    }
    .await;
    store.unlock(lock).await;
    out
}

/// Takes a handed-off grant back (`token --force`): renewal resumes.
pub async fn take_back<S: Store>(store: &S) -> Result<(), SettingsError> {
    if store.load().await?.meta.handed_off_at.is_none() {
        return Ok(());
    }
    let lock = crate::settings::store::lock_waiting(store).await?;
    let out = async {
        let mut s = store.load().await?;
        s.meta.handed_off_at = None;
        s.meta.handed_off_to = None;
        s.meta.touch();
        store.save(&s, Replace::Readable).await
    }
    .await;
    store.unlock(lock).await;
    out
}

enum Waited<L> {
    Locked(L),
    Renewed(Box<Fresh>),
    /// Another process found the grant refused and recorded it: stop
    /// without sending the dead refresh token again.
    Refused(Box<Settings>),
}

/// Waits for the renewal lock. While another process holds it (renewing),
/// re-reads the document between tries: once the holder has written a
/// usable token, waiters take it without queueing for the lock one by one
/// (a store replaces the document whole, so a read sees the old or the new);
/// once it has recorded the grant refused, they stop.
async fn wait_for_lock_or_token<S: Store>(
    store: &S,
    rejected: Option<&SecretString>,
) -> Result<Waited<S::Lock>, SettingsError> {
    let patience = store.patience();
    let timeout = patience.limit;
    let start = std::time::Instant::now();
    let mut pause = patience.first_pause;
    loop {
        if let Some(lock) = store.try_lock().await? {
            return Ok(Waited::Locked(lock));
        }
        if let Ok(s) = store.load().await {
            if let Some(token) = usable_now(&s, rejected) {
                tracing::debug!("token renewed by another process while waiting for the lock");
                return Ok(Waited::Renewed(Box::new(Fresh { token, settings: s })));
            }
            if renewal::dead_grant(&s.meta).is_some() {
                return Ok(Waited::Refused(Box::new(s)));
            }
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(SettingsError::LockTimeout {
                path: store.lock_location(),
                waited,
            });
        }
        tokio::time::sleep(pause.min(timeout - waited)).await;
        pause = (pause * 2).min(patience.max_pause);
    }
}

/// Renews a token the API has just rejected (InEvent tokens have no stated
/// lifetime: a 401 is how they end), unless another process already has.
pub async fn renew_rejected<S: Store>(
    store: &S,
    rejected: &SecretString,
) -> Result<SecretString, TokenServiceError> {
    Ok(renew_under_lock(store, Some(rejected)).await?.token)
}

/// Gets a new token now, even when the stored one is still valid (`renew`:
/// what keeps an idle refresh token alive and proves the grant works), under
/// the renewal lock like every other renewal. A token another process got
/// meanwhile counts as the renewal.
pub async fn renew_now<S: Store>(store: &S) -> Result<Fresh, TokenServiceError> {
    let s = store.load().await?;
    // Renewing "because this token was rejected" is what forces a renewal
    // past a still-valid token.
    let current = s
        .secrets
        .access_token
        .clone()
        .unwrap_or_else(|| SecretString::from(String::new()));
    renew_under_lock(store, Some(&current)).await
}

fn is_rejected(t: &SecretString, rejected: Option<&SecretString>) -> bool {
    rejected.is_some_and(|r| r.expose_secret() == t.expose_secret())
}

fn refresh_of(s: &Settings) -> Option<String> {
    s.secrets
        .refresh_token
        .as_ref()
        .map(|r| r.expose_secret().to_string())
}

/// Takes the lock, re-reads (another process may have renewed meanwhile),
/// renews only if still needed, writes, unlocks.
async fn renew_under_lock<S: Store>(
    store: &S,
    rejected: Option<&SecretString>,
) -> Result<Fresh, TokenServiceError> {
    let lock = match wait_for_lock_or_token(store, rejected).await? {
        Waited::Locked(lock) => lock,
        Waited::Renewed(fresh) => return Ok(*fresh),
        Waited::Refused(s) => return Err(refused_grant(&s, &store.location())),
    };
    let out = renew_locked(store, rejected).await;
    store.unlock(lock).await;
    out
}

/// The renewal proper, with the lock held by the caller. Its outcome is
/// recorded in the document's clear metadata ([`renewal`]) under that lock.
async fn renew_locked<S: Store>(
    store: &S,
    rejected: Option<&SecretString>,
) -> Result<Fresh, TokenServiceError> {
    let mut s = store.load().await?;
    if let Some(token) = usable_now(&s, rejected) {
        tracing::debug!("token renewed by another process while waiting for the lock");
        return Ok(Fresh { token, settings: s });
    }
    let location = store.location();
    if renewal::dead_grant(&s.meta).is_some() {
        return Err(refused_grant(&s, &location));
    }
    let used_refresh = refresh_of(&s);
    let t = match renew(&s, &location).await {
        Ok(t) => t,
        Err(TokenServiceError::Renew(e)) if e.oauth_error() == Some("invalid_grant") => {
            // Another process (or host sharing the document) may have
            // rotated the refresh token after we read it: re-read first.
            let fresh = store.load().await?;
            if let Some(token) = usable_now(&fresh, rejected) {
                return Ok(Fresh {
                    token,
                    settings: fresh,
                });
            }
            let fresh_refresh = refresh_of(&fresh);
            if fresh_refresh == used_refresh || fresh_refresh.is_none() {
                let mut dead = fresh;
                renewal::record_failure(&mut dead.meta, &refusal(&e), true);
                keep_record(store, &dead).await;
                return Err(refused_grant(&dead, &location));
            }
            tracing::info!(location = %location, "the refresh token was renewed elsewhere meanwhile: renewing with the newer one");
            s = fresh;
            match renew(&s, &location).await {
                Ok(t) => t,
                Err(e) => return Err(failed(store, s, e).await),
            }
        }
        Err(e) => return Err(failed(store, s, e).await),
    };
    apply_tokens(&mut s, t, None);
    renewal::record_success(&mut s.meta);
    store.save(&s, Replace::Readable).await?;
    tracing::info!(location = %location, "token renewed");
    let token = s
        .secrets
        .access_token
        .clone()
        .expect("apply_tokens sets the access token");
    Ok(Fresh { token, settings: s })
}

fn client_of(s: &Settings, location: &str) -> ClientCredentials {
    let shared = crate::settings::vault::VaultLocation::is_vault(location);
    ClientCredentials {
        client_id: s.meta.client_id.clone().unwrap_or_default(),
        client_secret: s.secrets.client_secret.clone(),
        auth: s.meta.client_auth,
        key: crate::oauth::assertion::signing_key(s.meta.client_key.as_ref(), shared),
    }
}

/// Gets a new token the way this file allows: refresh token, client
/// credentials, or InEvent sign-in with the stored password.
async fn renew(s: &Settings, location: &str) -> Result<TokenSet, TokenServiceError> {
    if let (Some(at), Some(_)) = (s.meta.handed_off_at, &s.secrets.refresh_token) {
        return Err(TokenServiceError::HandedOff {
            path: location.to_string(),
            to: s.meta.handed_off_to.clone().unwrap_or_default(),
            ago: (now_unix() - at).max(0) / 60,
        });
    }
    let http = crate::http::client();
    let token_url = s.meta.endpoints.token_url.clone().unwrap_or_default();
    if let Some(rt) = &s.secrets.refresh_token {
        return Ok(oauth::refresh::run(
            &http,
            &token_url,
            &client_of(s, location),
            rt,
            &s.meta.extra_headers,
        )
        .await?);
    }
    match s.meta.kind {
        SchemeKind::ClientCredentials if has_client_credential(s) => {
            Ok(oauth::client_credentials::run(&http, &token_url, &client_of(s, location), &s.meta.scopes, &s.meta.extra_headers).await?)
        }
        SchemeKind::PasswordSignin => {
            let (Some(user), Some(pw)) = (&s.meta.username, &s.secrets.password) else {
                return Err(TokenServiceError::NeedsSignIn {
                    reason: "the InEvent token needs a new sign-in and the password was not stored".into(),
                    command: login_command(s, location),
                });
            };
            let signin = password_signin::run(
                &http,
                s.meta.endpoints.signin_url.as_deref().unwrap_or_default(),
                user,
                pw,
                s.meta.event_id.as_deref().filter(|_| s.meta.scheme == "event"),
            )
            .await?;
            Ok(TokenSet {
                access_token: signin.token_id,
                token_type: Some("tokenID".into()),
                expires_in: None,
                refresh_expires_in: None,
                refresh_token: None,
                id_token: None,
                scope: signin.scope,
            })
        }
        _ => Err(TokenServiceError::NeedsSignIn {
            reason: "the token expired and the file has no refresh token (or stored client secret) to renew it".into(),
            command: login_command(s, location),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Meta, Secrets};

    fn with_token(obtained: i64, lifetime: i64) -> Settings {
        let mut meta = Meta::new("custom", "oauth", SchemeKind::AuthorizationCode);
        meta.token_timestamp_ms = Some(obtained * 1000 + 250);
        meta.expires_at = Some(obtained + lifetime);
        let secrets = Secrets {
            access_token: Some(SecretString::from("t".to_string())),
            ..Secrets::default()
        };
        Settings::new(meta, secrets)
    }

    #[test]
    fn margin_is_a_minute_or_half_the_lifetime() {
        let t0 = 1_800_000_000;
        let long = with_token(t0, 3600);
        assert!(usable_token(&long, t0 + 3600 - 61).is_some());
        assert!(usable_token(&long, t0 + 3600 - 60).is_none());
        let short = with_token(t0, 30);
        assert_eq!(renewal_margin(&short.meta), 15);
        assert!(usable_token(&short, t0).is_some());
        assert!(usable_token(&short, t0 + 14).is_some());
        assert!(usable_token(&short, t0 + 15).is_none());
        // Expired on arrival, and a timestamp after the expiry (a hand-made
        // or clock-skewed file): no margin, never a token past its expiry.
        assert!(usable_token(&with_token(t0, 0), t0).is_none());
        let mut odd = with_token(t0, 30);
        odd.meta.token_timestamp_ms = Some(i64::MAX);
        assert_eq!(renewal_margin(&odd.meta), 0);
        assert!(usable_token(&odd, t0 + 30).is_none());
        odd.meta.token_timestamp_ms = None;
        assert_eq!(renewal_margin(&odd.meta), SKEW_SECS);
    }
}
