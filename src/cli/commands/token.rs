//! `oauth-setup token`: print a valid access token, renewing it, or signing
//! in again when the file allows it and a person is there to do it.

use crate::cli::args::TokenArgs;
use crate::cli::ctx::{Ctx, write_settings};
use crate::cli::failure::{Failure, exit};
use crate::cli::output::print_json;
use crate::cli::progress;
use crate::cli::store;
use oauth_setup::provider::SchemeKind;
use oauth_setup::settings::vault::{HostCache, VaultConfig, VaultError};
use oauth_setup::settings::{self, InitiateOAuth, Key, Settings, SettingsError, VaultStore};
use oauth_setup::signin;
use oauth_setup::token::{self, TokenServiceError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::path::Path;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &TokenArgs) -> Result<(), Failure> {
    if let Some(location) = store::vault_location(&args.file.settings) {
        if args.force {
            take_back(ctx, &store::vault(location)?)?;
        }
        return from_vault(ctx, location, args);
    }
    let path = &args.file.settings;
    let key = ctx.key()?;
    if args.force {
        take_back(ctx, &settings::FileStore::new(path, &key))?;
    }
    // Fast path: no runtime, no network when the cached token is good.
    let (s, cached) = token::cached(path, &key)?;
    let (token, s) = match cached {
        Some(t) => (t, s),
        None => renew(ctx, path, &key, s)?,
    };
    print(&token, &s, args)
}

/// `--force` takes a handed-off grant back: renewal resumes here.
#[inline(never)]
fn take_back<S: settings::Store>(ctx: &Ctx, store: &S) -> Result<(), Failure> {
    ctx.runtime()?.block_on(token::take_back(store))?;
    Ok(())
}

/// Renews the token; when renewing cannot work, signs in again if
/// [`can_sign_in_again`].
#[inline(never)]
fn renew(
    ctx: &Ctx,
    path: &Path,
    key: &Key,
    s: Settings,
) -> Result<(SecretString, Settings), Failure> {
    let rt = ctx.runtime()?;
    match rt.block_on(token::get_fresh(&settings::FileStore::new(path, key))) {
        Ok(fresh) => Ok((fresh.token, fresh.settings)),
        Err(e) if e.needs_sign_in() && can_sign_in_again(ctx, &s) => {
            // The reason alone: the error's own advice (run login elsewhere)
            // is what happens next here anyway.
            let why = if let TokenServiceError::NeedsSignIn { reason, .. } = &e {
                reason.clone()
            } else {
                e.to_string()
            };
            eprintln!(
                "{why}.\nInitiateOAuth is GETANDREFRESH: signing in again through the browser."
            );
            let profiles = ctx.profiles()?;
            // Said once when the user's own profile replaces a built-in.
            let _ = ctx.find_profile(&profiles, &s.meta.provider);
            let input = signin::again(&s, &signin::Edits::default(), &profiles);
            let mut fresh = progress::sign_in(ctx, &rt, input, &profiles, false)?;
            signin::keep(&s, &mut fresh);
            // Takes the lock itself (a renewal elsewhere finishes first).
            write_settings(path, key, &fresh, false)?;
            let t =
                fresh.secrets.access_token.clone().ok_or_else(|| {
                    Failure::new(exit::REFUSED, "the sign-in gave no access token")
                })?;
            Ok((t, fresh))
        }
        Err(e) => Err(e.into()),
    }
}

/// GETANDREFRESH may start an interactive sign-in, but only where a person
/// can answer it: a browser flow, with a terminal on both ends.
fn can_sign_in_again(ctx: &Ctx, s: &Settings) -> bool {
    let browser_flow = match s.meta.kind {
        SchemeKind::AuthorizationCode | SchemeKind::DeviceCode => true,
        SchemeKind::ClientCredentials | SchemeKind::PasswordSignin | SchemeKind::StaticToken => {
            false
        }
    };
    s.meta.initiate_oauth == InitiateOAuth::Getandrefresh
        && browser_flow
        && ctx.tty.stdin
        && ctx.tty.stderr
}

fn print(token: &SecretString, s: &Settings, args: &TokenArgs) -> Result<(), Failure> {
    if oauth_setup::text::has_unsafe(token.expose_secret()) {
        return Err(Failure::new(
            exit::ERROR,
            "the stored access token contains control or line-separator characters (a terminal escape sequence?); refusing to print it. The token endpoint sent it: check the token URL and sign in again",
        ));
    }
    if args.header {
        let headers = oauth_setup::api::request_headers(token, s)
            .map_err(|e| Failure::new(exit::USAGE, e))?;
        for (name, value) in headers {
            println!("{name}: {value}");
        }
    } else if args.json {
        print_json(&json!({
            "access_token": token.expose_secret(),
            "token_type": s.meta.token_type,
            "expires_at": s.meta.expires_at,
        }));
    } else {
        println!("{}", token.expose_secret());
    }
    Ok(())
}

/// A token from a settings document in Vault, renewed under Vault's own
/// lock: never an interactive sign-in (a fleet has no person at it). A
/// valid token in this host's cache is printed without calling Vault; one
/// still valid is printed, with a warning, when Vault cannot be reached.
#[inline(never)]
fn from_vault(ctx: &Ctx, location: &str, args: &TokenArgs) -> Result<(), Failure> {
    let config = VaultConfig::from_env().map_err(SettingsError::from)?;
    // The host cache is this host's own file: the first call creates its key.
    let key = settings::load_or_create_key(&ctx.key_source)?;
    let cache = HostCache::new(&ctx.config_dir, &config, location);
    let cached = cache.read(&key);
    if let Some(s) = &cached
        && let Some(t) = token::usable_token(s, settings::now_unix())
    {
        return print(t, s, args);
    }
    let store = VaultStore::from_config(location, config)?;
    let rt = ctx.runtime()?;
    match rt.block_on(token::get_fresh(&store)) {
        Ok(fresh) => {
            cache.write(&key, &fresh.settings);
            print(&fresh.token, &fresh.settings, args)
        }
        Err(TokenServiceError::Settings(
            e @ SettingsError::Vault(VaultError::Unreachable { .. }),
        )) => {
            let still_valid = cached.as_ref().and_then(|s| {
                let live = s
                    .meta
                    .expires_at
                    .is_some_and(|at| at > settings::now_unix());
                s.secrets
                    .access_token
                    .as_ref()
                    .filter(|_| live)
                    .map(|t| (t, s))
            });
            let Some((t, s)) = still_valid else {
                return Err(TokenServiceError::Settings(e).into());
            };
            eprintln!("warning: {e}; printing this host's cached token, valid until it expires");
            print(t, s, args)
        }
        Err(e) => Err(e.into()),
    }
}
