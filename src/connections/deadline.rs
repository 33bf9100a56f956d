//! When a connection next needs someone: it renews by itself, it needs a
//! renewal (any `renew`, `token` or `api` call) before a date, or it needs a
//! sign-in. From the provider's documented refresh-token limits (profile
//! data, [`RefreshLimits`]) unless the token endpoint stated its own.

use crate::provider::{self, RefreshLimits, SchemeKind};
use crate::settings::{Meta, Settings, renewal};
use crate::token;

/// What a connection needs next, and by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outlook {
    /// Renewed without a person whenever a token is asked for: client
    /// credentials, a stored password, a refresh token with no known limit.
    RenewsItself,
    /// Not renewed here at all: a static token, or a grant handed off.
    NotRenewed(String),
    /// Some renewal must happen before `by` (Unix seconds), or the
    /// refresh token dies unused.
    RenewBefore { by: i64, why: String },
    /// The grant ends at `by` however often it is renewed.
    SignInBefore { by: i64, why: String },
    /// Only a new sign-in helps, for `reason`.
    NeedsSignIn(String),
}

impl Outlook {
    /// A stable word for JSON and monitoring.
    pub fn code(&self) -> &'static str {
        match self {
            Outlook::RenewsItself => "renews_by_itself",
            Outlook::NotRenewed(_) => "not_renewed",
            Outlook::RenewBefore { .. } => "renewal_needed_before",
            Outlook::SignInBefore { .. } => "sign_in_needed_before",
            Outlook::NeedsSignIn(_) => "needs_sign_in",
        }
    }

    /// The date by which someone must act, if there is one.
    pub fn deadline(&self) -> Option<i64> {
        match self {
            Outlook::RenewBefore { by, .. } | Outlook::SignInBefore { by, .. } => Some(*by),
            _ => None,
        }
    }

    /// "renews by itself" / "needs a renewal before DATE" / "needs a
    /// sign-in: REASON".
    pub fn text(&self) -> String {
        match self {
            Outlook::RenewsItself => "renews by itself".into(),
            Outlook::NotRenewed(why) => why.clone(),
            Outlook::RenewBefore { by, .. } => {
                format!("needs a renewal before {}", renewal::date(*by))
            }
            Outlook::SignInBefore { by, .. } => {
                format!("needs a sign-in before {}", renewal::date(*by))
            }
            Outlook::NeedsSignIn(reason) => format!("needs a sign-in: {reason}"),
        }
    }

    /// [`Outlook::text`] with where the date comes from.
    pub fn explained(&self) -> String {
        match self {
            Outlook::RenewBefore { why, .. } | Outlook::SignInBefore { why, .. } => {
                format!("{} ({why})", self.text())
            }
            _ => self.text(),
        }
    }
}

/// The documented limits for this connection's provider and method, from
/// the built-in profiles.
pub fn limits_of(m: &Meta) -> Option<RefreshLimits> {
    provider::builtin()
        .into_iter()
        .find(|p| p.id == m.provider)?
        .schemes
        .into_iter()
        .find(|s| s.id == m.scheme)?
        .refresh_token
}

/// The outlook of an opened settings document at `now`.
pub fn outlook(s: &Settings, limits: Option<&RefreshLimits>, now: i64) -> Outlook {
    let m = &s.meta;
    if let Some(f) = renewal::dead_grant(m) {
        return Outlook::NeedsSignIn(f.reason.clone());
    }
    if m.handed_off_at.is_some() && s.secrets.refresh_token.is_some() {
        return Outlook::NotRenewed("renewed by the CData driver it was handed to".into());
    }
    if m.kind == SchemeKind::StaticToken {
        return Outlook::NotRenewed("a static token: it does not expire here".into());
    }
    if s.secrets.refresh_token.is_none() {
        if token::can_renew_unattended(s) {
            return Outlook::RenewsItself;
        }
        return match (token::usable_token(s, now), m.expires_at) {
            (Some(_), Some(by)) => Outlook::SignInBefore {
                by,
                why: "the access token expires and nothing is stored to renew it".into(),
            },
            (Some(_), None) => Outlook::RenewsItself,
            (None, _) => {
                Outlook::NeedsSignIn("the token expired and nothing is stored to renew it".into())
            }
        };
    }
    let used = last_use(m);
    let idle = m
        .refresh_expires_at
        .map(|by| {
            (
                by,
                "the refresh token's lifetime, as the token endpoint said".to_string(),
            )
        })
        .or_else(|| {
            limits.and_then(|l| l.idle_days).map(|d| {
                (
                    used + d * 86_400,
                    format!("the provider ends a refresh token unused for {d} days"),
                )
            })
        });
    let absolute = limits
        .and_then(|l| l.absolute_days)
        .filter(|_| m.refresh_expires_at.is_none())
        .map(|d| {
            (
                m.created_at + d * 86_400,
                format!("the provider ends a grant {d} days after the sign-in"),
            )
        });
    match (idle, absolute) {
        (_, Some((by, why))) if by <= now => Outlook::NeedsSignIn(why),
        (Some((by, why)), _) if by <= now => Outlook::NeedsSignIn(format!(
            "{why}, and it was last used {}",
            renewal::date(used)
        )),
        (Some((i, why)), Some((a, _))) if i < a => Outlook::RenewBefore { by: i, why },
        (_, Some((by, why))) => Outlook::SignInBefore { by, why },
        (Some((by, why)), None) => Outlook::RenewBefore { by, why },
        (None, None) => Outlook::RenewsItself,
    }
}

/// [`outlook`] now, with the built-in profile's limits.
pub fn outlook_now(s: &Settings) -> Outlook {
    outlook(s, limits_of(&s.meta).as_ref(), crate::settings::now_unix())
}

/// When the refresh token was last used or issued (Unix seconds).
fn last_use(m: &Meta) -> i64 {
    let success = m
        .renewal
        .as_ref()
        .and_then(|r| r.last_success.as_ref())
        .map(|r| r.at);
    let obtained = m.token_timestamp_ms.map(|ms| ms.div_euclid(1000));
    success.max(obtained).unwrap_or(m.created_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Secrets;
    use secrecy::SecretString;

    const DAY: i64 = 86_400;

    fn grant(obtained: i64) -> Settings {
        let mut meta = Meta::new("odata", "entra_id", SchemeKind::AuthorizationCode);
        meta.created_at = obtained;
        meta.token_timestamp_ms = Some(obtained * 1000);
        meta.expires_at = Some(obtained + 3600);
        let secrets = Secrets {
            access_token: Some(SecretString::from("a".to_string())),
            refresh_token: Some(SecretString::from("r".to_string())),
            ..Secrets::default()
        };
        Settings::new(meta, secrets)
    }

    #[test]
    fn entra_idle_limit_from_the_profile_and_the_answer_overrides() {
        let t0 = 1_800_000_000;
        let s = grant(t0);
        let limits = limits_of(&s.meta).expect("the Entra method documents its limit");
        assert_eq!(limits.idle_days, Some(90));
        assert!(limits.source.starts_with("https://learn.microsoft.com/"));
        let o = outlook(&s, Some(&limits), t0 + DAY);
        assert_eq!(o.deadline(), Some(t0 + 90 * DAY));
        assert!(
            o.text().starts_with("needs a renewal before "),
            "{}",
            o.text()
        );
        let late = outlook(&s, Some(&limits), t0 + 91 * DAY);
        assert_eq!(late.code(), "needs_sign_in");
        assert!(
            late.text().contains("unused for 90 days"),
            "{}",
            late.text()
        );
        let mut stated = grant(t0);
        stated.meta.refresh_expires_at = Some(t0 + 3 * DAY);
        assert_eq!(
            outlook(&stated, Some(&limits), t0).deadline(),
            Some(t0 + 3 * DAY)
        );
        // Unknown limits: nothing to predict.
        assert_eq!(outlook(&s, None, t0), Outlook::RenewsItself);
    }

    #[test]
    fn every_refresh_token_method_states_its_limits_with_a_source() {
        for p in provider::builtin() {
            for s in &p.schemes {
                let refreshes = matches!(
                    s.kind,
                    SchemeKind::AuthorizationCode | SchemeKind::DeviceCode
                );
                if !refreshes {
                    continue;
                }
                let l = s
                    .refresh_token
                    .as_ref()
                    .unwrap_or_else(|| panic!("{}/{} states no refresh-token limits", p.id, s.id));
                assert!(l.source.starts_with("https://"), "{}/{}", p.id, s.id);
            }
        }
    }
}
