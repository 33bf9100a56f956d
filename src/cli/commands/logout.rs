//! `oauth-setup logout --settings F|NAME`: revoke the grant at the provider
//! (RFC 7009), then remove the settings file, its backup and its lock. A
//! revocation that fails keeps the file, unless `--local-only`.

use crate::cli::args::LogoutArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::store;
use oauth_setup::revoke::{self, Revoked};
use oauth_setup::settings;

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
    // Held while the file goes, so a renewal cannot write it back.
    let _lock = settings::lock_exclusive(&path, settings::lock_timeout())?;
    if args.local_only {
        eprintln!("Not revoking at the provider (--local-only).");
    } else {
        let s = settings::read(&path, &ctx.key()?)?;
        let rt = ctx.runtime()?;
        match rt.block_on(revoke::revoke(&s)) {
            Ok(Revoked::At(url)) => {
                eprintln!("Revoked at {}.", oauth_setup::http::display_url(&url))
            }
            Ok(Revoked::NothingToRevoke) => eprintln!(
                "Nothing to revoke at the provider: no refresh token; a stored client secret or static token stays valid there until you rotate it."
            ),
            Err(e) => {
                let f = Failure::from(e);
                return Err(Failure::new(
                    f.code,
                    format!(
                        "{}. {} is kept; run again, or pass --local-only to remove it anyway",
                        f.message,
                        path.display()
                    ),
                ));
            }
        }
    }
    for p in settings::remove(&path)? {
        eprintln!("Removed {}", p.display());
    }
    Ok(())
}
