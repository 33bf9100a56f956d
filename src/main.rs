use clap::Parser;
use oauth_setup::cli::Cli;
use oauth_setup::commands::{self, exit};

fn main() {
    // Like other Unix tools, end quietly when the reader of our output goes
    // away (`oauth-setup providers | head -1`) instead of panicking in println!.
    // SAFETY: resetting a signal disposition before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = Cli::parse();
    if let Some(dir) = &cli.config_dir {
        // One place decides paths; the flag wins over the environment.
        // SAFETY: single-threaded at this point.
        unsafe { std::env::set_var("OAUTH_SETUP_CONFIG_DIR", dir) };
    }
    oauth_setup::logging::init();
    if cli.command.is_none() {
        let config_dir = oauth_setup::paths::config_dir();
        let key = oauth_setup::settings::KeySource::from_env_and_flag(
            cli.key_file.as_deref(),
            &config_dir,
        );
        let opts = oauth_setup::tui::TuiOptions::new(config_dir, key);
        match oauth_setup::tui::run(opts) {
            Ok(Some(path)) => {
                println!("Settings saved to {}", path.display());
                println!(
                    "Get a token with:  oauth-setup token --settings {}",
                    path.display()
                );
            }
            Ok(None) => {
                eprintln!("Closed without saving.");
                std::process::exit(exit::CANCELLED);
            }
            Err(e) => {
                tracing::error!(error = %e, "wizard failed");
                eprintln!("error: {e}");
                std::process::exit(exit::ERROR);
            }
        }
        return;
    }
    if let Err(f) = commands::run(cli) {
        tracing::info!(code = f.code, "command failed");
        eprintln!("error: {}", f.message);
        std::process::exit(f.code);
    }
}
