//! `oauth-setup key move --to keyring|file`: this config dir's key to the
//! other store, the settings untouched (the key stays the same).

use crate::cli::args::{KeyAction, KeyArgs};
use crate::cli::ctx::Ctx;
use crate::cli::failure::{Failure, exit};
use oauth_setup::settings::key_move::{Moved, move_key};
use oauth_setup::settings::{KeySource, KeyStore, load_key};

#[inline(never)]
pub fn run(ctx: &Ctx, args: &KeyArgs) -> Result<(), Failure> {
    let KeyAction::Move(m) = &args.action;
    if let KeySource::Env(_) | KeySource::File(_) = &ctx.key_source {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "the key comes from {}, which you manage: there is no key of this config dir to move (unset it to move <config dir>/key)",
                ctx.key_source.describe()
            ),
        ));
    }
    let to = KeyStore::from(m.to);
    let moved = move_key(&ctx.config_dir, to)?;
    // The key now where it went, read through the same path every command takes.
    let source = KeySource::choose(None, Some(to), &ctx.config_dir)?;
    let key = load_key(&source)?;
    match moved {
        Moved::Moved => println!(
            "Moved the key (id {}) to the {}.",
            key.id(),
            source.describe()
        ),
        Moved::AlreadyThere => println!(
            "The key (id {}) is already in the {}.",
            key.id(),
            source.describe()
        ),
    }
    Ok(())
}
