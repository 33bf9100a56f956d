//! `oauth-setup login`: sign in here and write the settings file.

use crate::cli::args::LoginArgs;
use crate::cli::ctx::{Ctx, unreadable_existing, write_settings};
use crate::cli::failure::{Failure, exit};
use crate::cli::input::{Run, login_input};
use crate::cli::{output, progress};
use oauth_setup::oauth::BrowserMode;
use std::time::Duration;

pub fn run(ctx: &Ctx, args: &LoginArgs) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    let remote = !args.browser && progress::remote_shell();
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
    let path = ctx.settings_path(args.settings.as_deref(), &input.profile_id);
    // Check the key before signing in: a key problem found after the browser
    // dance would waste the user's sign-in. A new key is only created once
    // there is something to write, so a failed sign-in leaves none.
    let key = ctx.key_plan()?;
    if let Some(e) = unreadable_existing(&path, key.existing(), args.force) {
        return Err(Failure::new(
            exit::SETTINGS,
            format!(
                "{e}\nThe existing file is kept. Give another --settings path, or --force to replace it."
            ),
        ));
    }
    let rt = ctx.runtime()?;
    if remote {
        eprintln!(
            "This is a remote shell with no display: not starting a browser (--browser to start one anyway)."
        );
    }
    let paste = input.browser == BrowserMode::PrintOnly;
    let settings = progress::sign_in(ctx, &rt, input, &profiles, paste)?;
    write_settings(&path, &key.into_key()?, &settings, args.force)?;
    output::settings_written(ctx, &settings, &path, args.json, "Signed in");
    Ok(())
}
