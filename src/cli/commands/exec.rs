//! `oauth-setup exec --settings F -- CMD ARGS…`: run a program with a valid
//! token in its environment. The program replaces this process (exec), so
//! Ctrl-C and SIGTERM reach it directly and its exit status is ours; none
//! of this tool's own secrets (`OAUTH_SETUP_*`) are in its environment.

use crate::cli::args::ExecArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::store::Location;
use oauth_setup::{api, child, token};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The shell's codes for a program that cannot be run.
const NOT_FOUND: i32 = 127;
const NOT_EXECUTABLE: i32 = 126;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ExecArgs) -> Result<(), Failure> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(Failure::new(
            crate::cli::failure::exit::USAGE,
            "name the program to run after `--`",
        ));
    };
    let store = Location::open(ctx, &args.file.settings)?;
    // The fast path of `token`: a good token in the file needs no runtime.
    let cached = match &store {
        Location::File { path, key } => match token::cached(path, key)? {
            (settings, Some(token)) => Some(token::Fresh { token, settings }),
            (_, None) => None,
        },
        Location::Vault(_) => None,
    };
    let fresh = match cached {
        Some(fresh) => fresh,
        None => renew(ctx, &store)?,
    };
    let api_base = ctx
        .api_base_template(&fresh.settings.meta.provider)
        .and_then(|t| api::api_base_from(&t, &fresh.settings));
    let mut cmd = Command::new(program);
    cmd.args(rest);
    child::scrub(&mut cmd);
    cmd.envs(api::program_env(
        &fresh.token,
        &fresh.settings,
        api_base,
        &args.token_var,
    ));
    // Only returns when the program could not be started.
    let e = cmd.exec();
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => NOT_FOUND,
        _ => NOT_EXECUTABLE,
    };
    Err(Failure::new(
        code,
        format!("cannot run `{}`: {e}", program.to_string_lossy()),
    ))
}

/// Renews the token (or reads Vault): out of line, so the cached path does
/// not carry the runtime's frame (commands/mod.rs).
#[inline(never)]
fn renew(ctx: &Ctx, store: &Location) -> Result<token::Fresh, Failure> {
    Ok(ctx.runtime()?.block_on(token::get_fresh(store))?)
}
