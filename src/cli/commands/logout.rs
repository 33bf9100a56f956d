//! `oauth-setup logout --settings F|NAME`: revoke the grant at the provider
//! (RFC 7009), then remove the settings file, its backup and its lock, the
//! paste-flow sign-ins waiting to be saved there, and `list`'s memory of it.
//! A revocation that fails keeps the file, unless `--local-only`.

use crate::cli::args::LogoutArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::store;
use oauth_setup::revoke::{self, Revoked};
use oauth_setup::settings::{self, known};
use oauth_setup::{paths, signin::pending};
use std::path::Path;

pub fn run(ctx: &Ctx, args: &LogoutArgs) -> Result<(), Failure> {
    if let Some(location) = store::vault_location(&args.settings) {
        return vault(ctx, args, location);
    }
    let path = store::file_of(&ctx.config_dir, &args.settings);
    if !path.exists() {
        // A remembered file that has gone (see `list`): only the memory is left.
        if known::forget(&ctx.config_dir, &path)? {
            eprintln!("{} is gone already; `list` forgets it now.", path.display());
            return Ok(());
        }
        return Err(Failure::new(
            exit::SETTINGS,
            format!(
                "no connection at {}: see `oauth-setup list`",
                path.display()
            ),
        ));
    }
    // Held while the file goes, so a renewal cannot write it back.
    let _lock = settings::lock_exclusive(&path, settings::lock_timeout())?;
    if args.local_only {
        eprintln!("Not revoking at the provider (--local-only).");
    } else {
        revoke_at_provider(ctx, &path)?;
    }
    for p in settings::remove(&path)? {
        eprintln!("Removed {}", p.display());
    }
    forget_the_rest(ctx, &path);
    Ok(())
}

fn revoke_at_provider(ctx: &Ctx, path: &Path) -> Result<(), Failure> {
    let s = settings::read(path, &ctx.key()?)?;
    let rt = ctx.runtime()?;
    match rt.block_on(revoke::revoke(&s)) {
        Ok(Revoked::At(url)) => {
            eprintln!("Revoked at {}.", oauth_setup::http::display_url(&url));
            Ok(())
        }
        Ok(Revoked::NothingToRevoke) => {
            eprintln!(
                "Nothing to revoke at the provider: no refresh token; a stored client secret or static token stays valid there until you rotate it."
            );
            Ok(())
        }
        Err(e) => {
            let f = Failure::from(e);
            Err(Failure::new(
                f.code,
                format!(
                    "{}. {} is kept; run again, or pass --local-only to remove it anyway",
                    f.message,
                    path.display()
                ),
            ))
        }
    }
}

/// What else pointed at the connection: pending paste-flow sign-ins that
/// would have been saved there, and the registry entry. Best effort: the
/// connection itself is gone.
fn forget_the_rest(ctx: &Ctx, path: &Path) {
    if let Ok(key) = ctx.key() {
        let n = pending::remove_for(&paths::pending_dir(&ctx.config_dir), &key, path);
        if n > 0 {
            eprintln!("Removed {n} pending sign-in(s) for it.");
        }
    }
    if let Err(e) = known::forget(&ctx.config_dir, path) {
        tracing::warn!(error = %e, "cannot update the registry of known connections");
    }
}

/// A Vault location is shared by a fleet: this machine only forgets it.
fn vault(ctx: &Ctx, args: &LogoutArgs, location: &str) -> Result<(), Failure> {
    if !args.local_only {
        return Err(Failure::new(
            exit::USAGE,
            "logout works on files; for a Vault location revoke at the provider and delete the secret with `vault kv metadata delete` (with --local-only this machine only forgets it)",
        ));
    }
    if known::forget(&ctx.config_dir, Path::new(location))? {
        eprintln!("`list` forgets {location}; the secret in Vault is untouched.");
    } else {
        eprintln!("{location} was not remembered here; nothing to do.");
    }
    Ok(())
}
