//! `oauth-setup logout --settings F|NAME`: revoke the grant at the provider
//! (RFC 7009), then remove the settings file, its backup and its lock. A
//! revocation that fails keeps the file, unless `--local-only`.

use crate::cli::args::LogoutArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::store;
use oauth_setup::connections::{self, LogoutError};
use oauth_setup::revoke::Revoked;

pub fn run(ctx: &Ctx, args: &LogoutArgs) -> Result<(), Failure> {
    if store::vault_location(&args.settings).is_some() {
        return Err(Failure::new(
            exit::USAGE,
            "logout works on files; for a Vault location revoke at the provider and delete the secret with `vault kv metadata delete`",
        ));
    }
    let path = store::file_of(&ctx.config_dir, &args.settings);
    if !path.exists() {
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
        None
    } else {
        Some(ctx.key()?)
    };
    let rt = ctx.runtime()?;
    let out = rt
        .block_on(connections::log_out(&path, key.as_ref()))
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
    Ok(())
}
