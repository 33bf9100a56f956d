//! What the renewals of a settings document came to: the last attempt, the
//! last success and the last failure, in the clear metadata so that `list`,
//! monitoring and every other process sharing the document read it without
//! the key. Written only under the document's renewal lock, on a fresh read.

use super::format::{Meta, now_unix};
use serde::{Deserialize, Serialize};

/// The renewal record of one document.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Renewals {
    /// Unix seconds of the last renewal that reached (or tried to reach) the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success: Option<Renewed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<Failed>,
    /// True when the last attempt failed (success and failure can fall in
    /// the same second: their times cannot say which came last).
    #[serde(default)]
    pub failing: bool,
}

/// A renewal that got new tokens.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Renewed {
    /// Unix seconds.
    pub at: i64,
    /// The host that renewed (for a Vault document, one of many).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// A renewal that did not.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Failed {
    /// Unix seconds.
    pub at: i64,
    /// What the provider (or the network) said, short and sanitised.
    pub reason: String,
    /// True when only a new sign-in helps (the provider refused the grant).
    pub needs_sign_in: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `token_timestamp_ms` of the tokens this renewal started from: a
    /// refused grant is about those tokens only, and a sign-in, an import or
    /// another host's renewal that replaces them ends the verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_from_ms: Option<i64>,
}

/// This machine's name, for "renewed by HOST" (never secret, kept short).
pub fn this_host() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let name = crate::text::sanitize(raw.trim(), 64);
    if name.is_empty() {
        "unknown host".into()
    } else {
        name
    }
}

/// The refused grant this document's tokens are known to hold, if any: no
/// renewal may send them again (it would be refused again, and with
/// rotating refresh tokens a retry can revoke a family another host holds).
pub fn dead_grant(m: &Meta) -> Option<&Failed> {
    let f = last_failed(m).filter(|f| f.needs_sign_in)?;
    (f.tokens_from_ms == m.token_timestamp_ms).then_some(f)
}

/// Records a renewal that got new tokens (call after the tokens are applied).
pub fn record_success(m: &mut Meta) {
    let now = now_unix();
    let r = m.renewal.get_or_insert_with(Renewals::default);
    r.last_attempt = Some(now);
    r.failing = false;
    r.last_success = Some(Renewed {
        at: now,
        host: Some(this_host()),
    });
}

/// Records a renewal that failed; `reason` is sanitised and cut here.
pub fn record_failure(m: &mut Meta, reason: &str, needs_sign_in: bool) {
    let now = now_unix();
    let tokens_from_ms = m.token_timestamp_ms;
    let r = m.renewal.get_or_insert_with(Renewals::default);
    r.last_attempt = Some(now);
    r.failing = true;
    r.last_failure = Some(Failed {
        at: now,
        reason: crate::text::sanitize(reason, 160),
        needs_sign_in,
        host: Some(this_host()),
        tokens_from_ms,
    });
    m.touch();
}

/// True when the last renewal failed (and nothing has renewed since).
pub fn last_failed(m: &Meta) -> Option<&Failed> {
    let r = m.renewal.as_ref().filter(|r| r.failing)?;
    r.last_failure.as_ref()
}

/// "2026-12-06 15:04 UTC".
pub fn date(unix: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| format!("@{unix}"))
}

/// "last renewed 2026-12-06 15:04 UTC on host-a" / "never renewed since
/// it was obtained at …": what a person needs to tell "revoked" from "used
/// elsewhere".
pub fn last_success_text(m: &Meta) -> String {
    match m.renewal.as_ref().and_then(|r| r.last_success.as_ref()) {
        Some(s) => format!(
            "last renewed successfully {}{}",
            date(s.at),
            s.host
                .as_deref()
                .map(|h| format!(" by {h}"))
                .unwrap_or_default()
        ),
        None => match m.token_timestamp_ms {
            Some(ms) => format!(
                "not renewed since the tokens were obtained {}",
                date(ms.div_euclid(1000))
            ),
            None => "never renewed".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::SchemeKind;

    #[test]
    fn a_refused_grant_holds_for_its_tokens_only() {
        let mut m = Meta::new("custom", "oauth", SchemeKind::AuthorizationCode);
        m.token_timestamp_ms = Some(1_000);
        assert!(dead_grant(&m).is_none());
        record_failure(&mut m, "invalid_grant: revoked", true);
        assert_eq!(dead_grant(&m).unwrap().reason, "invalid_grant: revoked");
        // New tokens (a sign-in, an import, another host's renewal).
        m.token_timestamp_ms = Some(2_000);
        assert!(dead_grant(&m).is_none());
        assert!(last_failed(&m).is_some(), "still the last outcome");
        record_success(&mut m);
        assert!(last_failed(&m).is_none());
        // A network failure is a failure, not a dead grant.
        record_failure(&mut m, "could not connect", false);
        assert!(dead_grant(&m).is_none());
        assert!(last_failed(&m).is_some());
    }

    #[test]
    fn reasons_are_sanitised() {
        let mut m = Meta::new("custom", "oauth", SchemeKind::AuthorizationCode);
        record_failure(&mut m, "bad\x1b[31m\u{2028}grant", true);
        let f = dead_grant(&m).unwrap();
        assert!(!crate::text::has_unsafe(&f.reason), "{:?}", f.reason);
    }
}
