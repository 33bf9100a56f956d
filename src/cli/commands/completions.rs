//! `oauth-setup completions SHELL`: a completion script from the clap model.

use crate::cli::args::{Cli, CompletionsArgs};
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use clap::CommandFactory;

#[inline(never)]
pub fn run(_ctx: &Ctx, args: &CompletionsArgs) -> Result<(), Failure> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "oauth-setup",
        &mut std::io::stdout(),
    );
    Ok(())
}
