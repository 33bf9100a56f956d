//! `oauth-setup`: parse the command line, then run a subcommand or, with
//! none, the wizard. Errors become a message and an exit code here and
//! nowhere deeper.

mod cli;

use clap::Parser;
use cli::{Cli, Ctx, Failure, exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    reset_sigpipe();
    // `token` and `exec` skip clap's command tree (cli/args/hot.rs).
    let argv: Vec<_> = std::env::args_os().collect();
    let args = cli::hot_args(&argv, &|name| std::env::var_os(name))
        .unwrap_or_else(|| Cli::parse_from(&argv));
    let ctx = match Ctx::new(
        args.config_dir,
        args.key_file.as_deref(),
        args.key_store.map(Into::into),
    ) {
        Ok(ctx) => ctx,
        Err(f) => return f.report(),
    };
    oauth_setup::logging::init(&ctx.config_dir);
    if let Some(ca) = &args.ca_file
        && let Err(e) = oauth_setup::http::trust_ca_file(ca)
    {
        return Failure::new(
            exit::USAGE,
            format!("{e} (--ca-file / OAUTH_SETUP_CA_FILE)"),
        )
        .report();
    }
    let outcome = match (args.command, args.provider) {
        (Some(_), Some(_)) => Err(Failure::new(
            exit::USAGE,
            "--provider opens the wizard: give it without a command (`oauth-setup --provider ID`), or use the command's own provider argument",
        )),
        (Some(command), None) => cli::run(&ctx, command).inspect_err(|f| {
            tracing::info!(code = f.code, "command failed");
        }),
        (None, provider) => wizard(&ctx, provider),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

/// Like other Unix tools, end quietly when the reader of our output goes
/// away (`oauth-setup providers | head -1`) instead of panicking in println!.
#[allow(unsafe_code)]
fn reset_sigpipe() {
    // SAFETY: resetting a signal disposition before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

fn wizard(ctx: &Ctx, provider: Option<String>) -> Result<(), Failure> {
    let mut opts =
        oauth_setup::tui::TuiOptions::new(ctx.config_dir.clone(), ctx.key_source.clone());
    opts.provider = provider;
    match oauth_setup::tui::run(opts) {
        Ok(Some(saved)) => {
            cli::wizard_saved(&saved);
            Ok(())
        }
        Ok(None) => {
            eprintln!("Closed without saving.");
            Err(Failure::said(exit::CANCELLED))
        }
        Err(e @ oauth_setup::tui::TuiError::UnknownProvider(_)) => Err(Failure::new(
            exit::USAGE,
            format!("{e} (--provider; `oauth-setup providers` lists them)"),
        )),
        // A broken file in <config>/providers: the user's to fix, as for the commands.
        Err(e @ oauth_setup::tui::TuiError::Profiles(_)) => Err(Failure::new(exit::USAGE, e)),
        Err(e) => {
            tracing::error!(error = %e, "wizard failed");
            Err(Failure::new(exit::ERROR, e))
        }
    }
}
