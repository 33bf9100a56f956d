//! `oauth-setup logout --settings F|NAME|vault://MOUNT/PATH`: revoke the
//! grant at the provider (RFC 7009), then remove the settings: a file with
//! its backup, its lock and the paste-flow sign-ins waiting to be saved
//! there, or a Vault entry with all its versions, its metadata and its lock;
//! and `list`'s memory of it. A revocation that fails keeps everything,
//! unless `--local-only`.

use crate::cli::args::LogoutArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use crate::cli::store;
use oauth_setup::connections::{self, Kind, Logout, LogoutError};
use oauth_setup::revoke::{self, Revoked};
use oauth_setup::settings::vault::HostCache;
use oauth_setup::settings::{Settings, SettingsError, Store, VaultStore, known};
use std::path::Path;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &LogoutArgs) -> Result<(), Failure> {
    if let Some(location) = store::vault_location(&args.settings) {
        return from_vault(ctx, args, location);
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
            "{}",
            out.kind.map_or(
                "Nothing to revoke at the provider.",
                Kind::nothing_to_revoke
            )
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

/// Revokes the grant `s` holds; on failure says that `kept` stays.
fn revoke_or_keep(rt: &tokio::runtime::Runtime, s: &Settings, kept: &str) -> Result<(), Failure> {
    match rt.block_on(revoke::revoke(s)) {
        Ok(Revoked::At(url)) => {
            eprintln!("Revoked at {}.", oauth_setup::http::display_url(&url));
        }
        Ok(Revoked::NothingToRevoke) => eprintln!("{}", Kind::of(s).nothing_to_revoke()),
        Err(e) => {
            let f = Failure::from(e);
            return Err(Failure::new(
                f.code,
                format!(
                    "{}. {kept} is kept; run again, or pass --local-only to remove it anyway",
                    f.message
                ),
            ));
        }
    }
    Ok(())
}

/// The Vault entry: under its renewal lock (so no host writes it back), the
/// grant revoked, then every version, the metadata and the lock deleted;
/// this host's cache of it too.
fn from_vault(ctx: &Ctx, args: &LogoutArgs, location: &str) -> Result<(), Failure> {
    let vault = store::vault(location)?;
    let rt = ctx.runtime()?;
    let lock = rt.block_on(vault.lock())?;
    let s = match rt.block_on(vault.load()) {
        Ok(s) => s,
        // Nothing deleted: an entry that is not there, or not ours.
        Err(e) => {
            rt.block_on(vault.unlock(lock));
            return Err(match e {
                SettingsError::NotFound { .. } => Failure::new(
                    exit::SETTINGS,
                    format!("no connection at {location} (nothing was deleted)"),
                ),
                e => e.into(),
            });
        }
    };
    if args.local_only {
        eprintln!("Not revoking at the provider (--local-only).");
    } else if let Err(f) = revoke_or_keep(&rt, &s, location) {
        rt.block_on(vault.unlock(lock));
        return Err(f);
    }
    rt.block_on(vault.destroy(lock))?;
    eprintln!("Deleted {location} (all versions and metadata) and its lock");
    remove_cache(ctx, &vault, location);
    if let Err(e) = known::forget(&ctx.config_dir, Path::new(location)) {
        tracing::warn!(error = %e, "cannot update the registry of known connections");
    }
    Ok(())
}

fn remove_cache(ctx: &Ctx, vault: &VaultStore, location: &str) {
    match HostCache::new(&ctx.config_dir, vault.config(), location).remove() {
        Ok(removed) => {
            for p in removed {
                eprintln!("Removed {}", p.display());
            }
        }
        Err(e) => eprintln!("warning: could not remove this host's cache of {location}: {e}"),
    }
}
