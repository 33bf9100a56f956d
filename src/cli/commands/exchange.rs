//! `oauth-setup exchange`: finish an `auth-url` sign-in with the URL the
//! browser ended on, and write the settings file.

use crate::cli::args::ExchangeArgs;
use crate::cli::ctx::{Ctx, refuse_occupied, remember, write_settings};
use crate::cli::failure::{Failure, exit};
use crate::cli::output;
use crate::cli::prompt;
use oauth_setup::oauth::TokenError;
use oauth_setup::oauth::loopback::Callback;
use oauth_setup::paths;
use oauth_setup::settings::{self, Settings};
use oauth_setup::signin::LoginError;
use oauth_setup::signin::paste::{self, PasteError};
use oauth_setup::signin::pending::{self, Pending, PendingError};
use secrecy::SecretString;
use std::path::Path;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ExchangeArgs) -> Result<(), Failure> {
    let key = ctx.key()?;
    let dir = paths::pending_dir(&ctx.config_dir);
    let query = match (&args.verifier, &args.state) {
        (Some(code), Some(state)) => paste::query_from_parts(code, state),
        // clap requires --verifier and --state together.
        _ => paste::query_of(&prompt::redirect_url(ctx.tty.stdin)?)?,
    };
    let state = paste::state_of(&query).ok_or(PasteError::NoState)?;
    let loaded = pending::load(&dir, &key, &state);
    pending::cleanup(&dir);
    let p = loaded?;
    let callback = paste::check(&query, &p)?;
    let now = settings::now_unix();
    if now >= p.expires_at {
        pending::remove(&dir, &state);
        return Err(PendingError::Expired {
            age: now - p.created_at,
            lifetime: p.expires_at - p.created_at,
        }
        .into());
    }
    let code = match callback {
        Callback::Code(code) => code,
        Callback::Denied { error, description } => {
            pending::remove(&dir, &state);
            let description = description.map(|d| format!(" ({d})")).unwrap_or_default();
            return Err(Failure::new(
                exit::REFUSED,
                format!(
                    "the provider did not grant access: {error}{description}. Nothing was written. To try again, run `oauth-setup auth-url` and approve the access in the browser"
                ),
            ));
        }
    };
    // Where `auth-url` said it would go, unless told otherwise now.
    let path = match (&p.target, &args.settings, &args.name) {
        (Some(target), None, None) => target.clone(),
        _ => ctx.settings_path(
            args.settings.as_deref(),
            args.name.as_deref(),
            &p.meta.provider,
        ),
    };
    // Refuse before spending the single-use code.
    refuse_occupied(
        ctx,
        &path,
        Some(&key),
        args.force,
        &format!(
            "the pasted URL is still usable for {} s: run exchange again",
            p.expires_at - now
        ),
        "--name OTHER, or --settings PATH",
    )?;
    let s = redeem(ctx, &dir, &state, &p, &code)?;
    write_settings(&path, &key, &s, args.force)?;
    pending::remove(&dir, &state);
    remember(ctx, &path);
    output::settings_written(ctx, &s, &path, args.json, "Signed in");
    Ok(())
}

/// Trades the code for tokens. The pending sign-in is kept only when the
/// server never saw the code, so the same paste can be tried again.
fn redeem(
    ctx: &Ctx,
    dir: &Path,
    state: &str,
    p: &Pending,
    code: &SecretString,
) -> Result<Settings, Failure> {
    eprintln!("Requesting the token…");
    let rt = ctx.runtime()?;
    let http = oauth_setup::http::client();
    rt.block_on(paste::finish(&http, p, code)).map_err(|e| {
        let network = matches!(e, TokenError::Transport(_));
        if !network {
            // The server has seen the code: it is spent whatever it said.
            pending::remove(dir, state);
        }
        let f = Failure::from(LoginError::Token(e));
        let next = if network {
            "Check the network and run the same exchange again (the pasted URL stays usable until it expires)"
        } else {
            "Start again with `oauth-setup auth-url`"
        };
        Failure::new(f.code, format!("{}\n{next}.", f.message))
    })
}
