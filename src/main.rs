use clap::Parser;
use oauth_setup::cli::Cli;
use oauth_setup::commands::{self, exit};

fn main() {
    let cli = Cli::parse();
    if let Some(dir) = &cli.config_dir {
        // One place decides paths; the flag wins over the environment.
        // SAFETY: single-threaded at this point.
        unsafe { std::env::set_var("OAUTH_SETUP_CONFIG_DIR", dir) };
    }
    oauth_setup::logging::init();
    if cli.command.is_none() {
        eprintln!(
            "The wizard is not on this build yet; see `oauth-setup --help` for the commands."
        );
        std::process::exit(exit::USAGE);
    }
    if let Err(f) = commands::run(cli) {
        tracing::info!(code = f.code, "command failed");
        eprintln!("error: {}", f.message);
        std::process::exit(f.code);
    }
}
