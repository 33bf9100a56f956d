//! `oauth-setup list`: the saved connections in the config dir, each with
//! its provider, method, account and the state of its token.

use crate::cli::args::ListArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::print_json;
use oauth_setup::connections::{self, Connection, TokenState};
use oauth_setup::{http, paths};
use serde_json::{Value, json};

pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<(), Failure> {
    // No key yet means nothing was saved with it: every file is unreadable.
    let key = ctx.key().ok();
    let rows = connections::list(&ctx.config_dir, key.as_ref())
        .map_err(|e| Failure::new(exit::SETTINGS, e.to_string()))?;
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
    println!(
        "{:<16} {:<12} {:<20} {:<24} {:<22} LOCATION",
        "NAME", "PROVIDER", "METHOD", "ACCOUNT", "TOKEN"
    );
    for c in &rows {
        let s = |v: Option<&str>| http::sanitize(v.unwrap_or("-"), 40);
        println!(
            "{:<16} {:<12} {:<20} {:<24} {:<22} {}",
            s(Some(&c.name)),
            s(c.provider.as_deref()),
            s(c.method.as_deref()),
            s(c.account.as_deref()),
            s(Some(&c.token.short())),
            s(Some(&c.location.display().to_string()))
        );
    }
    Ok(())
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
    v
}
