//! `oauth-setup list`: the saved connections in the config dir, each with
//! its provider, method, account and the state of its token.

use crate::cli::args::ListArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::print_json;
use crate::cli::store;
use oauth_setup::settings::{self, Key, LastTest, Meta, Settings, Store, known, now_unix};
use oauth_setup::{http, paths, token};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, args: &ListArgs) -> Result<(), Failure> {
    let dir = paths::settings_dir(&ctx.config_dir);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(Failure::new(
                exit::SETTINGS,
                format!("cannot list {}: {e}", dir.display()),
            ));
        }
    };
    files.sort();
    // No key yet means nothing was saved with it: every file is unreadable.
    let key = ctx.key().ok();
    let mut rows: Vec<Value> = files.iter().map(|p| row(p, key.as_ref())).collect();
    rows.extend(remembered_rows(ctx, key.as_ref()));
    if args.json {
        print_json(&Value::Array(rows));
        return Ok(());
    }
    if rows.is_empty() {
        println!("No connections in {}.", dir.display());
        println!("Make one with `oauth-setup` (the wizard) or `oauth-setup login PROVIDER`.");
        return Ok(());
    }
    println!(
        "{:<16} {:<12} {:<20} {:<24} {:<22} {:<18} LOCATION",
        "NAME", "PROVIDER", "METHOD", "ACCOUNT", "TOKEN", "LAST TEST"
    );
    for r in &rows {
        let s = |k: &str| http::sanitize(r[k].as_str().unwrap_or("-"), 40);
        println!(
            "{:<16} {:<12} {:<20} {:<24} {:<22} {:<18} {}",
            s("name"),
            s("provider"),
            s("method"),
            s("account"),
            s("token"),
            last_test_text(&r["last_test"]),
            // A location is pasted back into --settings: never cut short.
            http::sanitize(r["location"].as_str().unwrap_or("-"), 4096)
        );
    }
    Ok(())
}

fn row(path: &Path, key: Option<&Key>) -> Value {
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let location = path.display().to_string();
    let read = key
        .ok_or_else(|| "no key".to_string())
        .and_then(|k| settings::read(path, k).map_err(|e| e.to_string()));
    row_of(&name, &location, read)
}

fn row_of(name: &str, location: &str, read: Result<Settings, String>) -> Value {
    match read {
        Ok(s) => json!({
            "name": name,
            "provider": s.meta.provider,
            "method": s.meta.scheme,
            "account": account_of(&s.meta),
            "token": state(&s),
            "expires_at": s.meta.expires_at,
            "handed_off_to": s.meta.handed_off_to,
            "last_test": s.meta.last_test,
            "location": location,
        }),
        Err(e) => json!({
            "name": name,
            "token": "unreadable",
            "error": e,
            "location": location,
        }),
    }
}

/// valid for N min / renewable / needs sign-in / handed off.
fn state(s: &Settings) -> String {
    let now = now_unix();
    if s.meta.handed_off_at.is_some() && s.secrets.refresh_token.is_some() {
        return "handed off".into();
    }
    if token::usable_token(s, now).is_some() {
        return match s.meta.expires_at {
            Some(at) => format!("valid for {} min", (at - now).max(0) / 60),
            None => "valid".into(),
        };
    }
    if token::can_renew_unattended(s) {
        "renewable".into()
    } else {
        "needs sign-in".into()
    }
}

/// Who signed in (ID token or userinfo), else the InEvent user or the client.
fn account_of(m: &Meta) -> Option<String> {
    m.account
        .as_ref()
        .and_then(|a| a.label())
        .map(str::to_string)
        .or_else(|| m.username.clone())
        .or_else(|| m.client_id.clone())
}

/// "ok, 5 min ago" / "failed, 2 h ago" / "-".
fn last_test_text(v: &Value) -> String {
    let Ok(t) = serde_json::from_value::<LastTest>(v.clone()) else {
        return "-".into();
    };
    let ago = (now_unix() - t.at).max(0);
    let when = match ago {
        0..60 => "just now".to_string(),
        60..3600 => format!("{} min ago", ago / 60),
        3600..86400 => format!("{} h ago", ago / 3600),
        _ => format!("{} d ago", ago / 86400),
    };
    format!("{}, {when}", if t.ok { "ok" } else { "failed" })
}

/// The connections kept outside the settings folder (see
/// `settings::known`): files, shown as missing once gone, and Vault
/// locations, read through Vault.
fn remembered_rows(ctx: &Ctx, key: Option<&Key>) -> Vec<Value> {
    known::locations(&ctx.config_dir)
        .iter()
        .map(|location| {
            let shown = location.display().to_string();
            if let Some(vault) = store::vault_location(location) {
                let read = store::vault(vault)
                    .and_then(|v| Ok(ctx.runtime()?.block_on(v.load())?))
                    .map_err(|f| f.message);
                return row_of(&shown, &shown, read);
            }
            if location.symlink_metadata().is_err() {
                return json!({"name": shown, "token": "missing", "location": shown});
            }
            row(location, key)
        })
        .collect()
}
