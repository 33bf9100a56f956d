//! What the commands print that more than one of them prints. Data goes to
//! stdout, talk to stderr, so `$(oauth-setup token …)` holds only the token.

use super::ctx::Ctx;
use oauth_setup::settings::{self, Settings};
use oauth_setup::token;
use serde_json::json;
use std::path::Path;

/// A value from a file, a server or a bundle, safe to put on a terminal
/// (no escape sequences, line breaks or bidi overrides).
pub fn shown(text: &str) -> String {
    oauth_setup::text::sanitize(text, 2000)
}

/// Paths printed for later use are absolute: they are pasted elsewhere.
pub fn absolute(path: &Path) -> std::path::PathBuf {
    // A Vault location is already absolute, and is no path to resolve.
    if crate::cli::store::vault_location(path).is_some() {
        return path.to_path_buf();
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

pub fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// After a settings file is written (`login`, `exchange`, `import`): the
/// status as JSON, or what happened (`what`: "Signed in", "Imported") and
/// how to get a token.
pub fn settings_written(ctx: &Ctx, s: &Settings, path: &Path, json: bool, what: &str) {
    if json {
        print_json(&status_json(s, path, ctx));
        return;
    }
    let (provider, scheme) = (shown(&s.meta.provider), shown(&s.meta.scheme));
    let account = s
        .meta
        .account
        .as_ref()
        .and_then(|a| a.label())
        .map(|a| format!(" as {}", shown(a)))
        .unwrap_or_default();
    eprintln!("{what}{account}: {provider} ({scheme}). {}", expiry_text(s));
    eprintln!("Settings written to {}", absolute(path).display());
    eprintln!("{}", token_hint(ctx, path));
}

/// After the wizard saved: where, and the next commands, on stdout (the
/// wizard's screen is gone by now; this stays in the terminal's history).
pub fn wizard_saved(saved: &oauth_setup::tui::Saved) {
    println!("Saved to {}", shown(&saved.location));
    if let Some(b) = &saved.backup {
        println!(
            "The connection it replaced is kept as {}",
            shown(&b.display().to_string())
        );
    }
    if !saved.env.is_empty() {
        println!("These commands need {}.", shown(&saved.env.join(" and ")));
    }
    for step in &saved.next {
        println!();
        println!("{}", shown(&step.what));
        println!("  {}", shown(&step.command));
    }
}

fn token_hint(ctx: &Ctx, settings: &Path) -> String {
    format!(
        "Get a token with:  oauth-setup token --settings {}",
        settings_arg(ctx, settings)
    )
}

/// What a printed command passes as `--settings` for `path`, to be run as
/// printed: the connection's bare NAME when it is in this config dir, else
/// the absolute path, quoted for a shell.
pub fn settings_arg(ctx: &Ctx, path: &Path) -> String {
    let path = absolute(path);
    oauth_setup::paths::connection_name(&ctx.config_dir, &path)
        .unwrap_or_else(|| oauth_setup::text::shell_quote(&path.to_string_lossy()))
}

/// How long the stored token lasts, as a sentence.
pub fn expiry_text(s: &Settings) -> String {
    if let Some(f) = settings::renewal::dead_grant(&s.meta) {
        return format!(
            "needs sign-in: {} (the provider refused the refresh token {}).",
            shown(&f.reason),
            settings::renewal::date(f.at)
        );
    }
    let Some(exp) = s.meta.expires_at else {
        return "The token has no stated expiry.".into();
    };
    let left = exp - settings::now_unix();
    if left <= 0 {
        return format!("Token expired {} min ago.", -left / 60);
    }
    let renewable = if s.secrets.refresh_token.is_some() {
        ", renewable with the refresh token"
    } else {
        ""
    };
    format!("Token valid for {} min{renewable}.", left / 60)
}

/// What `status --json` prints: everything but the secrets themselves.
pub fn status_json(s: &Settings, path: &Path, ctx: &Ctx) -> serde_json::Value {
    let m = &s.meta;
    let now = settings::now_unix();
    let grant = oauth_setup::connections::deadline::outlook_now(s);
    json!({
        "settings": absolute(path).display().to_string(),
        "provider": m.provider,
        "scheme": m.scheme,
        "kind": m.kind.as_str(),
        "client_id": m.client_id,
        "region": m.region,
        "org_id": m.org_id,
        "username": m.username,
        "event_id": m.event_id,
        "endpoints": m.endpoints,
        "scopes": m.scopes,
        "granted_scopes": m.granted_scopes,
        "initiate_oauth": m.initiate_oauth.as_str(),
        "expires_at": m.expires_at,
        "expires_in": m.expires_at.map(|e| e - now),
        "valid": token::usable_token(s, now).is_some(),
        "has_access_token": s.secrets.access_token.is_some() || s.secrets.static_token.is_some(),
        "has_refresh_token": s.secrets.refresh_token.is_some(),
        "has_client_secret": s.secrets.client_secret.is_some(),
        "client_key_file": m.client_key.as_ref().map(|k| k.key_file.display().to_string()),
        "client_cert_file": m.client_key.as_ref().and_then(|k| k.cert_file.as_ref()).map(|c| c.display().to_string()),
        "has_password": s.secrets.password.is_some(),
        "updated_at": m.updated_at,
        "handed_off_at": m.handed_off_at,
        "handed_off_to": m.handed_off_to,
        "account": m.account,
        "last_test": m.last_test,
        "renewal": m.renewal,
        "refresh_expires_at": m.refresh_expires_at,
        "grant": json!({"state": grant.code(), "text": grant.text(), "deadline": grant.deadline()}),
        "needs_sign_in": settings::renewal::dead_grant(m).map(|f| f.reason.clone()),
        "key": ctx.key_source.describe(),
        "key_store": ctx.key_source.store_name(),
    })
}
