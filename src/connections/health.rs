//! The connections as monitoring sees them: which need a person soon
//! (`list --check`), and gauges for the node_exporter textfile collector
//! (`list --format prometheus`). Only names, providers, methods and times:
//! never a secret.

use super::{Connection, Outlook, TokenState};
use crate::settings::renewal;
use std::fmt::Write as _;

/// Why `c` needs attention within `within` seconds of `now`, if it does.
pub fn attention(c: &Connection, now: i64, within: i64) -> Option<String> {
    match &c.token {
        TokenState::Unreadable(e) => {
            return Some(format!("cannot be read: {}", crate::text::sanitize(e, 200)));
        }
        TokenState::Missing => return Some("the settings file is gone".into()),
        _ => {}
    }
    if let Some(Outlook::NeedsSignIn(reason)) = &c.outlook {
        return Some(format!("needs a sign-in: {reason}"));
    }
    if let TokenState::NeedsSignIn { reason } = &c.token {
        return Some(format!(
            "needs a sign-in: {}",
            reason.as_deref().unwrap_or("nothing left to renew it with")
        ));
    }
    if let Some(f) = c
        .renewal
        .as_ref()
        .filter(|r| r.failing)
        .and_then(|r| r.last_failure.as_ref())
    {
        return Some(format!(
            "the last renewal failed {}: {}",
            renewal::date(f.at),
            f.reason
        ));
    }
    let o = c.outlook.as_ref()?;
    if o.deadline()? - now > within {
        return None;
    }
    Some(format!(
        "{} (within {})",
        o.text(),
        crate::duration::format(within.max(1))
    ))
}

/// A label value as the text exposition format wants it: `\`, `"` and
/// newlines escaped; other control characters dropped.
pub fn label_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if crate::text::is_unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

struct Gauge {
    name: &'static str,
    help: &'static str,
    value: fn(&Connection) -> Option<f64>,
}

const GAUGES: &[Gauge] = &[
    Gauge {
        name: "oauth_setup_access_token_expiry_timestamp_seconds",
        help: "When the stored access token expires (Unix seconds).",
        value: |c| c.expires_at.map(|t| t as f64),
    },
    Gauge {
        name: "oauth_setup_last_renewal_success_timestamp_seconds",
        help: "When the last renewal succeeded (Unix seconds).",
        value: |c| {
            c.renewal
                .as_ref()
                .and_then(|r| r.last_success.as_ref())
                .map(|s| s.at as f64)
        },
    },
    Gauge {
        name: "oauth_setup_last_renewal_failure_timestamp_seconds",
        help: "When the last renewal failed (Unix seconds).",
        value: |c| {
            c.renewal
                .as_ref()
                .and_then(|r| r.last_failure.as_ref())
                .map(|f| f.at as f64)
        },
    },
    Gauge {
        name: "oauth_setup_renewal_failing",
        help: "1 when the last renewal attempt failed.",
        value: |c| {
            c.outlook.as_ref()?;
            Some(f64::from(u8::from(
                c.renewal.as_ref().is_some_and(|r| r.failing),
            )))
        },
    },
    Gauge {
        name: "oauth_setup_refresh_deadline_timestamp_seconds",
        help: "When a renewal (or sign-in) is needed at the latest (Unix seconds), from the provider's documented refresh-token limits or the token endpoint's own.",
        value: |c| {
            c.outlook
                .as_ref()
                .and_then(Outlook::deadline)
                .map(|t| t as f64)
        },
    },
    Gauge {
        name: "oauth_setup_needs_sign_in",
        help: "1 when only a new sign-in can make the connection work again.",
        value: |c| {
            let needs = matches!(c.token, TokenState::NeedsSignIn { .. })
                || matches!(c.outlook, Some(Outlook::NeedsSignIn(_)));
            let readable = !matches!(c.token, TokenState::Unreadable(_) | TokenState::Missing);
            readable.then_some(f64::from(u8::from(needs)))
        },
    },
    Gauge {
        name: "oauth_setup_readable",
        help: "1 when the settings could be read.",
        value: |c| {
            Some(f64::from(u8::from(!matches!(
                c.token,
                TokenState::Unreadable(_) | TokenState::Missing
            ))))
        },
    },
];

/// The gauges for every connection, one series each, in the text
/// exposition format (for `<textfile dir>/oauth-setup.prom`).
pub fn prometheus(rows: &[Connection]) -> String {
    let mut out = String::new();
    for g in GAUGES {
        let _ = writeln!(out, "# HELP {} {}", g.name, g.help);
        let _ = writeln!(out, "# TYPE {} gauge", g.name);
        for c in rows {
            let Some(v) = (g.value)(c) else { continue };
            let _ = writeln!(
                out,
                "{}{{connection=\"{}\",provider=\"{}\",method=\"{}\"}} {v}",
                g.name,
                label_value(&c.name),
                label_value(c.provider.as_deref().unwrap_or("")),
                label_value(c.method.as_deref().unwrap_or("")),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(label_value("x\ny\u{1b}[31m"), "x\\ny[31m");
    }
}
