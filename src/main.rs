//! `oauth-setup`: parse the command line, then run a subcommand or, with
//! none, the wizard. Errors become a message and an exit code here and
//! nowhere deeper.

// std's `main` set-up finds the main thread's stack guard by reading and
// parsing /proc/self/maps, a tenth of a cached `token`'s instructions, for
// a stack-overflow message. The process starts at `main` below instead and
// does the rest of that set-up itself (README "Performance").
#![cfg_attr(not(test), no_main)]

mod cli;

use clap::Parser;
use cli::{Cli, Ctx, Failure, exit};

/// The process entry (`no_main`). What std's set-up does that matters
/// here is done here: descriptors 0–2 are open before anything is opened
/// (so no settings file can become stdout), SIGPIPE ends the process, a
/// panic exits with 101 after its message, and `process::exit` flushes
/// stdout. A stack overflow ends in SIGSEGV without std's message.
#[cfg(not(test))]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    standard_fds();
    reset_sigpipe();
    let code = std::panic::catch_unwind(run).unwrap_or(101);
    std::process::exit(i32::from(code))
}

/// Opens /dev/null on any of descriptors 0–2 that is closed, as std's
/// set-up does: the lowest free descriptor is what `open` returns.
#[cfg(not(test))]
#[allow(unsafe_code)]
fn standard_fds() {
    for fd in 0..=2 {
        // SAFETY: F_GETFD only asks whether the descriptor is open; open
        // is given a NUL-terminated path.
        unsafe {
            if libc::fcntl(fd, libc::F_GETFD) == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
                && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1
            {
                // Without a descriptor to stand in, writing could land in a file.
                libc::abort();
            }
        }
    }
}

/// The command line to an exit code.
#[cfg_attr(test, allow(dead_code))]
fn run() -> u8 {
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
        Ok(()) => 0,
        Err(f) => f.report(),
    }
}

/// Like other Unix tools, end quietly when the reader of our output goes
/// away (`oauth-setup providers | head -1`) instead of panicking in println!.
#[allow(unsafe_code)]
#[cfg_attr(test, allow(dead_code))]
fn reset_sigpipe() {
    // SAFETY: resetting a signal disposition before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

#[inline(never)]
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
