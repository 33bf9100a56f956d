//! `oauth-setup list`: the saved connections in the config dir, each with
//! its provider, method, account and the state of its token.

use crate::cli::args::ListArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::output::print_json;
use oauth_setup::settings::{self, Key, Settings, now_unix};
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
    // No key (none yet, or its keyring unavailable): every file is
    // unreadable, and each row says why.
    let key = ctx.key().map_err(|f| f.message);
    let rows: Vec<Value> = files.iter().map(|p| row(p, key.as_ref())).collect();
    if args.json {
        print_json(&Value::Array(rows));
        return Ok(());
    }
    if rows.is_empty() {
        println!("No connections in {}.", dir.display());
        println!("Make one with `oauth-setup` (the wizard) or `oauth-setup login PROVIDER`.");
        return Ok(());
    }
    if let Err(why) = &key {
        eprintln!("warning: {why}");
    }
    println!(
        "{:<16} {:<12} {:<20} {:<24} {:<22} LOCATION",
        "NAME", "PROVIDER", "METHOD", "ACCOUNT", "TOKEN"
    );
    for r in &rows {
        let s = |k: &str| http::sanitize(r[k].as_str().unwrap_or("-"), 40);
        println!(
            "{:<16} {:<12} {:<20} {:<24} {:<22} {}",
            s("name"),
            s("provider"),
            s("method"),
            s("account"),
            s("token"),
            s("location")
        );
    }
    Ok(())
}

fn row(path: &Path, key: Result<&Key, &String>) -> Value {
    let name = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let location = path.display().to_string();
    let read = key
        .map_err(Clone::clone)
        .and_then(|k| settings::read(path, k).map_err(|e| e.to_string()));
    match read {
        Ok(s) => json!({
            "name": name,
            "provider": s.meta.provider,
            "method": s.meta.scheme,
            "account": s.meta.username.clone().or(s.meta.client_id.clone()),
            "token": state(&s),
            "expires_at": s.meta.expires_at,
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

/// valid for N min / renewable / needs sign-in.
fn state(s: &Settings) -> String {
    let now = now_unix();
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
