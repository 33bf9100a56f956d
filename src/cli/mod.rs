//! The command line: one module per subcommand under `commands/`, sharing
//! the context (`ctx`), the error-to-exit-code edge (`failure`) and the
//! printers (`output`, `progress`). This module only dispatches.

mod args;
mod commands;
mod ctx;
mod failure;
mod input;
mod left_out;
mod output;
mod progress;
mod prompt;
mod qr;
mod store;

pub use args::hot::parse as hot_args;
pub use args::{Cli, Command};
pub use ctx::Ctx;
pub use failure::{Failure, exit};
pub use output::wizard_saved;

/// Runs one subcommand.
pub fn run(ctx: &Ctx, mut command: Command) -> Result<(), Failure> {
    // Said on stderr, which the wizard (not run from here) owns as its screen.
    oauth_setup::settings::key_keyring::on_waiting(|| {
        eprintln!(
            "Waiting for the OS keyring to answer (unlock it if it asks; giving up after 60 s)…"
        );
    });
    // `--settings NAME` names a saved connection, for every command.
    if let Some(file) = command.settings_arg() {
        file.settings = store::file_of(&ctx.config_dir, &file.settings);
    }
    match command {
        Command::Providers(args) => commands::providers::run(ctx, &args),
        Command::Login(args) => commands::login::run(ctx, &args),
        Command::Token(args) => commands::token::run(ctx, &args),
        Command::Status(args) => commands::status::run(ctx, &args),
        Command::Test(args) => commands::test::run(ctx, &args),
        Command::AuthUrl(args) => commands::auth_url::run(ctx, &args),
        Command::Exchange(args) => commands::exchange::run(ctx, &args),
        Command::Export(args) => commands::export::run(ctx, &args),
        Command::Import(args) => commands::import::run(ctx, &args),
        Command::Completions(args) => commands::completions::run(ctx, &args),
        Command::ConnectionString(args) => commands::connection_string::run(ctx, &args),
        Command::Exec(args) => commands::exec::run(ctx, &args),
        Command::Api(args) => commands::api::run(ctx, &args),
        Command::List(args) => commands::list::run(ctx, &args),
        Command::Logout(args) => commands::logout::run(ctx, &args),
        Command::Renew(args) => commands::renew::run(ctx, &args),
        Command::Schedule(args) => commands::schedule::run(ctx, &args),
        Command::Key(args) => commands::key::run(ctx, &args),
    }
}
