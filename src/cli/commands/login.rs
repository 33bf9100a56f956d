//! `oauth-setup login`: sign in here and write the settings file.

use crate::cli::args::LoginArgs;
use crate::cli::ctx::{Ctx, refuse_occupied, remember, write_settings};
use crate::cli::failure::Failure;
use crate::cli::input::{Run, login_input};
use crate::cli::{left_out, output, progress, store};
use oauth_setup::oauth::BrowserMode;
use oauth_setup::provider::Profile;
use oauth_setup::settings::{Replace, Settings, Store};
use oauth_setup::signin::LoginInput;
use std::time::Duration;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &LoginArgs) -> Result<(), Failure> {
    login(ctx, args).map_err(|f| f.with_setup_steps(&args.sign_in.provider))
}

fn login(ctx: &Ctx, args: &LoginArgs) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    let remote = !args.browser && oauth_setup::signin::remote_shell();
    if remote {
        eprintln!(
            "This is a remote shell with no display: not starting a browser (--browser to start one anyway)."
        );
    }
    let run = Run {
        browser: if args.no_browser || remote {
            BrowserMode::PrintOnly
        } else {
            BrowserMode::Open
        },
        timeout: Duration::from_secs(args.timeout),
        prompt: !args.json,
    };
    let input = login_input(ctx, &args.sign_in, &args.credentials, run, &profiles)?;
    let rt = ctx.runtime()?;
    if let Some(location) = args.settings.as_deref().and_then(store::vault_location) {
        return into_vault(ctx, &rt, args, input, &profiles, location);
    }
    let path = ctx.settings_path(
        args.settings.as_deref(),
        args.name.as_deref(),
        &input.profile_id,
    );
    // Check the key and what is there before signing in: a problem found
    // after the browser dance would waste the user's sign-in. A new key is
    // only created once there is something to write, so a failed sign-in
    // leaves none.
    let key = ctx.key_plan()?;
    refuse_occupied(
        ctx,
        &path,
        key.existing(),
        args.force,
        "nothing was signed in",
        "--name OTHER, or --settings PATH",
    )?;
    let settings = sign_in(ctx, &rt, input, &profiles)?;
    write_settings(&path, &key.into_key()?, &settings, args.force)?;
    remember(ctx, &path);
    output::settings_written(ctx, &settings, &path, args.json, "Signed in");
    left_out::note(ctx, &rt, &settings, &profiles, &path);
    Ok(())
}

fn sign_in(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    input: LoginInput,
    profiles: &[Profile],
) -> Result<Settings, Failure> {
    let paste = input.browser == BrowserMode::PrintOnly;
    progress::sign_in(ctx, rt, input, profiles, paste)
}

/// Signs in straight into a Vault location: what is there is checked first
/// (so a refusal wastes no sign-in), then written under Vault's lock.
fn into_vault(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    args: &LoginArgs,
    input: LoginInput,
    profiles: &[Profile],
    location: &str,
) -> Result<(), Failure> {
    let vault = store::vault(location)?;
    rt.block_on(store::vault_free_to_write(
        &vault,
        location,
        args.force,
        "nothing was signed in",
    ))?;
    let settings = sign_in(ctx, rt, input, profiles)?;
    rt.block_on(vault.replace(&settings, Replace::forced(args.force)))?;
    remember(ctx, std::path::Path::new(location));
    output::settings_written(
        ctx,
        &settings,
        std::path::Path::new(location),
        args.json,
        "Signed in",
    );
    left_out::note(ctx, rt, &settings, profiles, std::path::Path::new(location));
    Ok(())
}
