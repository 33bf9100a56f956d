//! `oauth-setup list`: the saved connections in the config dir, each with
//! its provider, method, account and the state of its token.

use crate::cli::args::{ListArgs, ListFormat};
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::print_json;
use crate::cli::store;
use oauth_setup::connections::{self, Connection, Outlook, TokenState, health};
use oauth_setup::settings::{LastTest, Store, now_unix};
use oauth_setup::{http, paths};
use serde_json::{Value, json};
use std::path::Path;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<(), Failure> {
    // No key (none yet, or its keyring unavailable): every file is
    // unreadable, and each row says why.
    let key = ctx.key().map_err(|f| f.message);
    let mut rows = connections::list(&ctx.config_dir, key.as_ref().ok())
        .map_err(|e| Failure::new(exit::SETTINGS, e.to_string()))?;
    if let Err(why) = &key {
        for c in &mut rows {
            if let TokenState::Unreadable(e) = &mut c.token {
                e.clone_from(why);
            }
        }
    }
    rows.extend(vault_rows(ctx));
    if args.format == Some(ListFormat::Prometheus) {
        print!("{}", health::prometheus(&rows));
        return Ok(());
    }
    if args.check {
        return check(&rows, args.within.unwrap_or(DEFAULT_WITHIN));
    }
    if args.json {
        print_json(&Value::Array(rows.iter().map(row).collect()));
        return Ok(());
    }
    if rows.is_empty() {
        let dir = paths::settings_dir(&ctx.config_dir);
        println!("No connections in {}.", dir.display());
        println!("Make one with `oauth-setup` (the wizard) or `oauth-setup login PROVIDER`.");
        return Ok(());
    }
    if let Err(why) = &key {
        eprintln!("warning: {why}");
    }
    println!(
        "{:<16} {:<12} {:<20} {:<24} {:<22} {:<18} {:<44} LOCATION",
        "NAME", "PROVIDER", "METHOD", "ACCOUNT", "TOKEN", "LAST TEST", "GRANT"
    );
    for c in &rows {
        let s = |v: Option<&str>| http::sanitize(v.unwrap_or("-"), 40);
        println!(
            "{:<16} {:<12} {:<20} {:<24} {:<22} {:<18} {:<44} {}",
            s(Some(&c.name)),
            s(c.provider.as_deref()),
            s(c.method.as_deref()),
            s(c.account.as_deref()),
            s(Some(&c.token.short())),
            last_test_text(c.last_test.as_ref()),
            s(c.outlook.as_ref().map(Outlook::text).as_deref()),
            // A location is pasted back into --settings: never cut short.
            http::sanitize(&c.location.display().to_string(), 4096)
        );
    }
    Ok(())
}

/// `--check`'s window when none is given: a week.
const DEFAULT_WITHIN: i64 = 7 * 86_400;

/// One line per connection that needs a person within `within` seconds;
/// exit 7 when any does.
fn check(rows: &[Connection], within: i64) -> Result<(), Failure> {
    let now = now_unix();
    let mut needing = 0;
    for c in rows {
        if let Some(why) = health::attention(c, now, within) {
            needing += 1;
            println!(
                "{}: {}",
                http::sanitize(&c.name, 80),
                http::sanitize(&why, 400)
            );
        }
    }
    if needing == 0 {
        println!(
            "All {} connections are fine for the next {}.",
            rows.len(),
            oauth_setup::duration::format(within)
        );
        return Ok(());
    }
    Err(Failure::new(
        exit::ATTENTION,
        format!("{needing} of {} connections need attention", rows.len()),
    ))
}

/// One connection as JSON: what `list` prints, plus the machine-readable
/// state (`state`), the last test and the hand-off.
fn row(c: &Connection) -> Value {
    let mut v = json!({
        "name": c.name,
        "token": c.token.short(),
        "state": c.token.code(),
        "location": c.location.display().to_string(),
    });
    if let TokenState::Unreadable(e) = &c.token {
        v["error"] = json!(e);
        return v;
    }
    v["provider"] = json!(c.provider);
    v["method"] = json!(c.method);
    v["account"] = json!(c.account);
    v["expires_at"] = json!(c.expires_at);
    v["last_test"] = json!(c.last_test.as_ref().map(|t| json!({
        "at": t.at,
        "ok": t.ok,
        "summary": t.summary,
    })));
    if let TokenState::HandedOff { to, since } = &c.token {
        v["handed_off_to"] = json!(to);
        v["handed_off_at"] = json!(since);
    }
    if let Some(o) = &c.outlook {
        v["grant"] = json!({
            "state": o.code(),
            "text": o.text(),
            "deadline": o.deadline(),
        });
    }
    v["renewal"] = json!(c.renewal);
    v
}

/// "ok, 5 min ago" / "failed, 2 h ago" / "-".
fn last_test_text(t: Option<&LastTest>) -> String {
    let Some(t) = t else {
        return "-".into();
    };
    let when = connections::ago(now_unix() - t.at);
    format!("{}, {when}", if t.ok { "ok" } else { "failed" })
}

/// The remembered Vault locations, read through Vault (so they need
/// `VAULT_ADDR` and a token; without them the row says unreadable).
fn vault_rows(ctx: &Ctx) -> Vec<Connection> {
    let locations = connections::vault_locations(&ctx.config_dir);
    if locations.is_empty() {
        return Vec::new();
    }
    let now = now_unix();
    // One runtime for all of them (none at all without a Vault location).
    let rt = ctx.runtime().map_err(|f| f.message);
    locations
        .iter()
        .map(|location| {
            let at = Path::new(location);
            let read = store::vault_location(at)
                .ok_or_else(|| "not a vault:// location".to_string())
                .and_then(|v| {
                    let v = store::vault(v).map_err(|f| f.message)?;
                    let rt = rt.as_ref().map_err(Clone::clone)?;
                    rt.block_on(v.load()).map_err(|e| e.to_string())
                });
            match read {
                Ok(s) => Connection::of(at, &s, now),
                Err(e) => Connection::without_settings(at, TokenState::Unreadable(e)),
            }
        })
        .collect()
}
