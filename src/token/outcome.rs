//! What a renewal's outcome means for the person and the record: a refused
//! grant said with the last renewal that worked, failures kept in the
//! document's clear metadata, and why `renew` leaves a connection alone.

use super::{TokenServiceError, login_command};
use crate::oauth::TokenError;
use crate::provider::SchemeKind;
use crate::settings::{Replace, Settings, Store, now_unix, renewal};

/// The error for a grant the provider refused, as recorded in `s`: what it
/// said, when this document was last renewed and by which host, and how to
/// get a new grant.
pub(super) fn refused_grant(s: &Settings, location: &str) -> TokenServiceError {
    let said = renewal::dead_grant(&s.meta)
        .map(|f| {
            format!(
                "{} (refused {}{})",
                f.reason,
                renewal::date(f.at),
                f.host
                    .as_deref()
                    .map(|h| format!(" on {h}"))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_else(|| "invalid_grant".into());
    TokenServiceError::NeedsSignIn {
        reason: format!(
            "the provider no longer accepts the refresh token in {location}: {said}. No newer token was written there by another process or host, so the grant was revoked or expired; {}",
            renewal::last_success_text(&s.meta)
        ),
        command: login_command(s, location),
    }
}

/// "invalid_grant: unknown or revoked refresh token": the provider's own
/// words, for the record.
pub(super) fn refusal(e: &TokenError) -> String {
    match e {
        TokenError::Rejected {
            error,
            description: Some(d),
            ..
        } => format!("{error}: {d}"),
        _ => e.oauth_error().unwrap_or("refused").to_string(),
    }
}

/// Records a renewal that reached for the provider and failed (a refused
/// grant is recorded by the caller, after checking the store), then gives
/// the error back. Errors that are not a renewal's outcome (a hand-off, a
/// file that cannot renew at all) are not recorded.
pub(super) async fn failed<S: Store>(
    store: &S,
    mut s: Settings,
    e: TokenServiceError,
) -> TokenServiceError {
    let (reason, needs_sign_in) = match &e {
        TokenServiceError::Renew(t) if t.oauth_error() == Some("invalid_grant") => {
            (refusal(t), true)
        }
        // This machine's own set-up (a key file gone): not an outcome of
        // asking the provider, and the file stays as it was.
        TokenServiceError::Renew(TokenError::Assertion(_) | TokenError::NoClientKey) => return e,
        TokenServiceError::Renew(t) => (t.to_string(), false),
        TokenServiceError::Signin(t) => (t.to_string(), false),
        _ => return e,
    };
    renewal::record_failure(&mut s.meta, &reason, needs_sign_in);
    keep_record(store, &s).await;
    if needs_sign_in {
        return refused_grant(&s, &store.location());
    }
    e
}

/// Saves a renewal record; the renewal's own error matters more than a
/// record that cannot be written (a read-only file, Vault unreachable).
pub(super) async fn keep_record<S: Store>(store: &S, s: &Settings) {
    if let Err(e) = store.save(s, Replace::Readable).await {
        tracing::warn!(location = %store.location(), error = %e, "could not record the renewal's outcome");
    }
}

/// Why `renew` leaves this connection alone, when it does: nothing this
/// tool could renew it with (a static token, an InEvent sign-in without its
/// password), or the grant belongs to a CData driver now.
pub fn not_renewable(s: &Settings) -> Option<String> {
    let m = &s.meta;
    if let (Some(at), Some(_)) = (m.handed_off_at, &s.secrets.refresh_token) {
        return Some(format!(
            "its refresh token was handed to a CData driver ({}) {} min ago, which renews it now (`token --force` takes it back)",
            m.handed_off_to.as_deref().unwrap_or("?"),
            (now_unix() - at).max(0) / 60
        ));
    }
    match m.kind {
        SchemeKind::StaticToken => Some("a static token: there is nothing to renew".into()),
        SchemeKind::PasswordSignin if s.secrets.password.is_none() => Some(
            "a password sign-in whose password was not stored: renewing it needs a person (`oauth-setup login`)".into(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Meta, Secrets};
    use secrecy::SecretString;

    #[test]
    fn renew_skips_what_it_cannot_renew_and_says_why() {
        let fixed = Settings::new(
            Meta::new("hubdb", "private_app_token", SchemeKind::StaticToken),
            Secrets::default(),
        );
        assert!(not_renewable(&fixed).unwrap().contains("static token"));
        let mut signin = Settings::new(
            Meta::new("inevent", "event", SchemeKind::PasswordSignin),
            Secrets::default(),
        );
        assert!(
            not_renewable(&signin)
                .unwrap()
                .contains("password was not stored")
        );
        signin.secrets.password = Some(SecretString::from("pw".to_string()));
        assert!(not_renewable(&signin).is_none());
        let mut handed = Settings::new(
            Meta::new("custom", "oauth", SchemeKind::AuthorizationCode),
            Secrets::default(),
        );
        handed.secrets.refresh_token = Some(SecretString::from("r".to_string()));
        assert!(not_renewable(&handed).is_none());
        handed.meta.handed_off_at = Some(1_800_000_000);
        handed.meta.handed_off_to = Some("memory://crm".into());
        assert!(not_renewable(&handed).unwrap().contains("memory://crm"));
    }
}
