//! `oauth-setup status`: what a settings file holds, never its secrets.

use crate::cli::args::StatusArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::{absolute, expiry_text, print_json, shown, status_json};
use crate::cli::store::{Location, vault_location};
use oauth_setup::connections::deadline;
use oauth_setup::settings::{self, Store, renewal};

#[inline(never)]
pub fn run(ctx: &Ctx, args: &StatusArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let s = ctx.runtime()?.block_on(Location::open(ctx, path)?.load())?;
    if args.json {
        print_json(&status_json(&s, path, ctx));
        return Ok(());
    }
    let m = &s.meta;
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!("Settings:       {}", absolute(path).display());
    // Most scheme ids are their kind (`client_credentials`): say it once.
    let method = if m.scheme == m.kind.as_str() {
        shown(&m.scheme)
    } else {
        format!("{}, {}", shown(&m.scheme), m.kind.as_str())
    };
    println!("Provider:       {} ({method})", shown(&m.provider));
    if let Some(a) = m.account.as_ref().and_then(|a| a.label()) {
        println!("Signed in as:   {}", shown(a));
    }
    if let Some(c) = &m.client_id {
        println!("Client id:      {}", shown(c));
    }
    if let Some(r) = &m.region {
        println!("Region:         {}", shown(r));
    }
    if let Some(o) = &m.org_id {
        println!("Org id:         {}", shown(o));
    }
    if let Some(u) = &m.endpoints.token_url {
        println!("Token URL:      {}", shown(u));
    }
    let scopes = if m.scopes.is_empty() {
        "(none asked: the app's scopes)".to_string()
    } else {
        shown(&m.scopes.join(" "))
    };
    println!("Scopes:         {scopes}");
    if let Some(g) = &m.granted_scopes {
        println!("Granted:        {}", shown(&g.join(" ")));
    }
    println!("Token:          {}", expiry_text(&s));
    println!("Refresh token:  {}", yes(s.secrets.refresh_token.is_some()));
    println!(
        "Grant:          {}",
        shown(&deadline::outlook_now(&s).explained())
    );
    let in_vault = vault_location(path).is_some();
    let client_secret = if s.secrets.client_secret.is_none() {
        "not stored"
    } else if in_vault {
        "stored (in the Vault entry)"
    } else {
        "stored (encrypted)"
    };
    println!("Client secret:  {client_secret}");
    if let Some(k) = &m.client_key {
        // Paths only: the key stays in its file, read at each renewal.
        println!(
            "Client key:     {} (private_key_jwt)",
            shown(&k.key_file.display().to_string())
        );
        if let Some(c) = &k.cert_file {
            println!("Certificate:    {}", shown(&c.display().to_string()));
        }
    }
    println!("InitiateOAuth:  {}", m.initiate_oauth.as_str());
    if let Some(at) = m.handed_off_at {
        let ago = (settings::now_unix() - at).max(0) / 60;
        let to = m.handed_off_to.as_deref().map_or_else(String::new, shown);
        println!(
            "Handed off:     {ago} min ago to a CData driver ({to}); `token` does not renew it (--force takes it back)"
        );
    }
    if let Some(t) = &m.last_test {
        let ago = (settings::now_unix() - t.at).max(0) / 60;
        let result = if t.ok { "ok" } else { "failed" };
        println!(
            "Last test:      {result}, {ago} min ago: {}",
            shown(&t.summary)
        );
    }
    if let Some(r) = &m.renewal {
        let host = |h: &Option<String>| h.as_deref().map(|h| format!(" by {}", shown(h)));
        if let Some(ok) = &r.last_success {
            let by = host(&ok.host).unwrap_or_default();
            println!("Last renewal:   ok, {}{by}", renewal::date(ok.at));
        }
        if let Some(f) = &r.last_failure {
            let by = host(&f.host).unwrap_or_default();
            println!(
                "Last failure:   {}{by}: {}",
                renewal::date(f.at),
                shown(&f.reason)
            );
        }
    }
    print_protection(ctx, in_vault);
    Ok(())
}

/// What protects the settings: our key for a file; Vault for a Vault entry,
/// where our key seals only this host's cache of it.
fn print_protection(ctx: &Ctx, in_vault: bool) {
    if in_vault {
        println!(
            "Protected by:   Vault (the KV entry holds the tokens and client secret; Vault's policies, barrier and TLS protect it)"
        );
        println!(
            "Host cache key: {} (seals only this host's cache of the entry)",
            ctx.key_source.describe()
        );
    } else {
        println!("Key:            {}", ctx.key_source.describe());
    }
}
