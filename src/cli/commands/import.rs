//! `oauth-setup import`: open a bundle made by `export` and re-encrypt it
//! under this machine's key.

use crate::cli::args::ImportArgs;
use crate::cli::ctx::{Ctx, refuse_occupied, remember, write_settings};
use crate::cli::failure::{Failure, exit};
use crate::cli::input::local_client_key;
use crate::cli::{output, prompt, store};
use oauth_setup::export::bundle;
use oauth_setup::oauth::ClientKey;
use oauth_setup::provider::ClientAuth;
use oauth_setup::settings::{Replace, Settings, Store};
use oauth_setup::text::sanitize;
use std::io::Read;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ImportArgs) -> Result<(), Failure> {
    if let Some(location) = store::vault_location(&args.file.settings) {
        return into_vault(ctx, args, location);
    }
    let path = &args.file.settings;
    // Checked now, created only when the bundle opened and is written.
    let key = ctx.key_plan()?;
    refuse_occupied(
        ctx,
        path,
        key.existing(),
        args.force,
        "nothing was written",
        "--settings OTHER",
    )?;
    let s = open_bundle(ctx, args)?;
    write_settings(path, &key.into_key()?, &s, args.force)?;
    remember(ctx, path);
    if !args.json {
        eprintln!(
            "Imported and re-encrypted with this machine's key ({}).",
            ctx.key_source.describe()
        );
        if s.secrets.refresh_token.is_some() {
            eprintln!(
                "Use these credentials on this machine only from now on: if the provider rotates refresh tokens, the exporting machine's copy stops working (or breaks this one). Delete the bundle."
            );
        }
    }
    output::settings_written(ctx, &s, path, args.json, "Imported");
    Ok(())
}

/// Reads and opens the bundle; the result is marked imported.
fn open_bundle(ctx: &Ctx, args: &ImportArgs) -> Result<Settings, Failure> {
    let mut bytes = Vec::new();
    std::fs::File::open(&args.bundle)
        .and_then(|f| f.take(bundle::MAX_BUNDLE + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            Failure::new(
                exit::USAGE,
                format!("cannot read the bundle {}: {e}", args.bundle.display()),
            )
        })?;
    let local = local_client_key(
        args.client_key_file.as_deref(),
        args.client_cert_file.as_deref(),
    )?;
    let pass = prompt::passphrase(args.passphrase_file.as_deref(), false, ctx.tty.stdin)?;
    let opened = bundle::open(&bytes, &pass)?;
    let mut s = opened.settings;
    s.meta.client_key = client_key(&s, local, opened.named_key, args.trust_bundle_key_path);
    s.meta.imported = true;
    s.meta.touch();
    Ok(s)
}

/// The client key the imported connection signs with: the one given here,
/// or (only when asked) the path the bundle names; said either way, since a
/// bundle naming a key file is choosing one of this machine's keys.
fn client_key(
    s: &Settings,
    local: Option<ClientKey>,
    named: Option<ClientKey>,
    trust_named: bool,
) -> Option<ClientKey> {
    let shown = |k: &ClientKey| sanitize(&k.key_file.display().to_string(), 200);
    let signs = s.meta.client_auth == ClientAuth::PrivateKeyJwt;
    match (local, named) {
        (Some(local), _) => Some(local),
        (None, Some(named)) if trust_named => {
            eprintln!(
                "Kept the client key path the bundle names, as --trust-bundle-key-path asked: this connection signs with {}.",
                shown(&named)
            );
            Some(named)
        }
        (None, Some(named)) => {
            eprintln!(
                "The bundle names a client key file ({}): not kept, since a bundle must not choose which of this machine's keys signs for a client. Give this machine's key with `--client-key-file PATH` (or OAUTH_SETUP_CLIENT_KEY_FILE when the token is renewed){}.",
                shown(&named),
                if signs {
                    "; until then this connection cannot renew its token"
                } else {
                    ""
                }
            );
            None
        }
        (None, None) => {
            if signs {
                eprintln!(
                    "This connection signs with a private key (private_key_jwt): give this machine's key with `--client-key-file PATH` (or OAUTH_SETUP_CLIENT_KEY_FILE when the token is renewed)."
                );
            }
            None
        }
    }
}

/// A grant for a fleet: the bundle's settings become the Vault document
/// (written under Vault's renewal lock, by check-and-set).
fn into_vault(ctx: &Ctx, args: &ImportArgs, location: &str) -> Result<(), Failure> {
    let vault = store::vault(location)?;
    let rt = ctx.runtime()?;
    rt.block_on(store::vault_free_to_write(
        &vault,
        location,
        args.force,
        "nothing was written",
    ))?;
    let s = open_bundle(ctx, args)?;
    rt.block_on(vault.replace(&s, Replace::forced(args.force)))?;
    remember(ctx, std::path::Path::new(location));
    if args.json {
        crate::cli::output::print_json(&serde_json::json!({"imported": location}));
    } else {
        eprintln!("Imported into {location}. Every host with access gets its token with:");
        eprintln!(
            "  oauth-setup token --settings {}",
            oauth_setup::text::shell_quote(location)
        );
        eprintln!("Stop using the exporting machine's copy: the grant now lives in Vault.");
    }
    Ok(())
}
