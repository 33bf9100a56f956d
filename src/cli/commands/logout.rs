//! `oauth-setup logout --settings F|NAME`: revoke the grant at the provider
//! (RFC 7009), then remove the settings file, its backup and its lock, the
//! paste-flow sign-ins waiting to be saved there, and `list`'s memory of it.
//! A revocation that fails keeps the file, unless `--local-only`.

use crate::cli::args::LogoutArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::store;
use oauth_setup::connections::{self, Logout, LogoutError};
use oauth_setup::revoke::Revoked;
use oauth_setup::settings::known;
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
    let key = if args.local_only {
        eprintln!("Not revoking at the provider (--local-only).");
        // Only for the pending sign-ins: without a key there are none to open.
        ctx.key().ok()
    } else {
        Some(ctx.key()?)
    };
    let how = Logout {
        config_dir: &ctx.config_dir,
        key: key.as_ref(),
        revoke: !args.local_only,
    };
    let rt = ctx.runtime()?;
    let out = rt
        .block_on(connections::log_out(&path, how))
        .map_err(|e| match e {
            LogoutError::Revoke { path, source } => {
                let f = Failure::from(source);
                Failure::new(
                    f.code,
                    format!(
                        "{}. {path} is kept; run again, or pass --local-only to remove it anyway",
                        f.message
                    ),
                )
            }
            LogoutError::Settings(e) => Failure::from(e),
            LogoutError::NoKey => Failure::new(exit::SETTINGS, e.to_string()),
            LogoutError::Missing(p) => Failure::new(
                exit::SETTINGS,
                format!("no connection at {p}: see `oauth-setup list`"),
            ),
        })?;
    match &out.revoked {
        Some(Revoked::At(url)) => {
            eprintln!("Revoked at {}.", oauth_setup::http::display_url(url))
        }
        Some(Revoked::NothingToRevoke) => eprintln!(
            "Nothing to revoke at the provider: no refresh token; a stored client secret or static token stays valid there until you rotate it."
        ),
        None => {}
    }
    for p in &out.removed {
        eprintln!("Removed {}", p.display());
    }
    if out.pending_removed > 0 {
        eprintln!("Removed {} pending sign-in(s) for it.", out.pending_removed);
    }
    Ok(())
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
