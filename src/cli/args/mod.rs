//! The command line's shape (clap). No subcommand opens the wizard.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

mod export;
mod health;
pub mod hot;
mod key;
mod signin;
pub use export::*;
pub use health::*;
pub use key::*;
pub use signin::*;

/// The options every command takes, listed after each command's own.
const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "oauth-setup",
    version,
    about = "Set up OAuth credentials for data connectors, interactively or from scripts",
    long_about = "Set up OAuth credentials for data connectors (Cvent, HubSpot HubDB, OData, InEvent, Event Temple, any OAuth 2.0 / OpenID server).\n\nRun without a command for the interactive wizard.",
    after_help = "Exit codes: 0 ok, 1 error, 2 bad usage, 3 settings file or key problem, 4 sign-in needed, 5 refused by the provider, 6 network problem, 7 a connection needs attention (list --check), 130 cancelled.\nSecrets are never taken as arguments: use the environment variables or the --*-file / --*-stdin options."
)]
pub struct Cli {
    /// Configuration directory (key, settings, provider profiles).
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "OAUTH_SETUP_CONFIG_DIR",
        value_name = "DIR"
    )]
    pub config_dir: Option<PathBuf>,
    /// Encryption key file (default: <config dir>/key). Or set
    /// OAUTH_SETUP_KEY_FILE (a path) or OAUTH_SETUP_KEY (the key itself).
    #[arg(long, global = true,
        help_heading = GLOBAL, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Where this config dir's own key is kept: `file` (<config dir>/key)
    /// or `keyring` (the OS keyring; an error when none is available, never
    /// a file instead). Default: the store the key is already in.
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "OAUTH_SETUP_KEY_STORE",
        value_enum,
        value_name = "STORE"
    )]
    pub key_store: Option<KeyStoreArg>,
    /// Also trust the CA certificates in this PEM file (a TLS-inspecting
    /// proxy's or a private CA). The system's store, SSL_CERT_FILE and
    /// SSL_CERT_DIR are trusted already.
    #[arg(long, global = true,
        help_heading = GLOBAL, env = "OAUTH_SETUP_CA_FILE", value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// Open the wizard at this provider's method screen (`--provider cvent`);
    /// `oauth-setup providers` lists the ids.
    #[arg(long, value_name = "ID")]
    pub provider: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Deferred: only the invoked subcommand's arguments are built (a `token`
/// call is not charged for building `login`'s sixty flags).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// List the provider profiles (built-in and from <config dir>/providers);
    /// `providers ID` shows one's set-up steps and redirect URI.
    Providers(ProvidersArgs),
    /// Sign in and write a settings file.
    Login(Box<LoginArgs>),
    /// Print a valid access token, renewing it when needed.
    Token(TokenArgs),
    /// Show what a settings file holds (never secrets).
    Status(StatusArgs),
    /// Run the provider's test request with the stored token.
    Test(TestArgs),
    /// Start a sign-in for a browser on another machine: print the URL to open
    /// (and a QR code); finish with `exchange`.
    AuthUrl(Box<AuthUrlArgs>),
    /// Finish an `auth-url` sign-in with the URL the browser ended on (pasted
    /// on stdin or at the prompt) and write the settings file.
    Exchange(ExchangeArgs),
    /// Export a settings file: a passphrase-encrypted bundle for another
    /// machine (`--out FILE`), or what a service needs (`--format env|k8s-secret`).
    Export(ExportArgs),
    /// Import a bundle made by `export`, re-encrypted under this machine's key.
    Import(ImportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print a CData connection string (`--mode token|handoff|app`) with only
    /// the properties the connector documents. Every mode's string holds a
    /// secret.
    ConnectionString(ConnectionStringArgs),
    /// Run a program with a valid token in its environment
    /// (`exec --settings F -- CMD ARGS…`); its exit status is ours.
    Exec(ExecArgs),
    /// Call the provider's API with the token (`api --settings F /v2/bookings`):
    /// the body on stdout, the status on stderr.
    Api(ApiArgs),
    /// List the saved connections with the state of their tokens.
    List(ListArgs),
    /// Revoke a connection's tokens at the provider, then remove its files.
    Logout(LogoutArgs),
    /// Renew now, whether or not the token is still valid: keeps an idle
    /// refresh token alive and proves the grant still works. Exit codes as
    /// `token`'s.
    Renew(RenewArgs),
    /// Write what runs `renew` on a schedule: a systemd user timer, a
    /// crontab line or a Kubernetes CronJob (`--remove` undoes it).
    Schedule(ScheduleArgs),
    /// Manage this config dir's key (`key move --to keyring|file`).
    Key(KeyArgs),
}

// The argument structs below carry no doc comment of their own: the
// subcommand's help text is the doc comment on its `Command` variant.

#[derive(Debug, Args)]
pub struct ProvidersArgs {
    /// One provider: its methods with the set-up steps at the provider, the
    /// redirect URI to register and the docs (what the wizard shows).
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// Print JSON with the expiry.
    #[arg(long, conflicts_with = "header")]
    pub json: bool,
    /// Print the request headers instead, one per line
    /// (`Authorization: Bearer …` and any the provider adds), for `curl -H @-`.
    #[arg(long)]
    pub header: bool,
    /// Renew even though the refresh token was handed to a CData driver
    /// (`connection-string --mode handoff`): takes the grant back, and the
    /// driver's copy stops working when the provider rotates refresh tokens.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// Print JSON with the outcome.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SettingsArg {
    /// Settings file, the name of a saved connection (see `list`), or a
    /// Vault location (vault://MOUNT/PATH).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH|NAME")]
    pub settings: PathBuf,
}

impl Command {
    /// The `--settings` of the commands that read an existing connection.
    pub fn settings_arg(&mut self) -> Option<&mut SettingsArg> {
        match self {
            Command::Token(a) => Some(&mut a.file),
            Command::Status(a) => Some(&mut a.file),
            Command::Test(a) => Some(&mut a.file),
            Command::Export(a) => Some(&mut a.file),
            Command::ConnectionString(a) => Some(&mut a.file),
            Command::Exec(a) => Some(&mut a.file),
            Command::Api(a) => Some(&mut a.file),
            Command::Import(a) => Some(&mut a.file),
            // These write a connection (a bare name is resolved by
            // `Ctx::settings_path`), take it as they do, or take none.
            Command::Providers(_)
            | Command::Login(_)
            | Command::AuthUrl(_)
            | Command::Exchange(_)
            | Command::Completions(_)
            | Command::List(_)
            | Command::Logout(_)
            | Command::Renew(_)
            | Command::Schedule(_)
            | Command::Key(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initiate_oauth_takes_any_case() {
        let cli = Cli::try_parse_from([
            "oauth-setup",
            "auth-url",
            "custom",
            "--initiate-oauth",
            "refresh",
        ])
        .unwrap();
        let Some(Command::AuthUrl(a)) = cli.command else {
            panic!("not auth-url");
        };
        assert!(matches!(
            a.sign_in.initiate_oauth,
            InitiateOAuthArg::Refresh
        ));
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// The variable that holds the token.
    #[arg(long = "env", value_name = "NAME", default_value = oauth_setup::api::TOKEN_VAR, value_parser = env_name)]
    pub token_var: String,
    /// The program and its arguments, after `--`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// A portable environment variable name: letters, digits and `_`, not
/// starting with a digit.
fn env_name(raw: &str) -> Result<String, String> {
    let ok = raw
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(raw.to_string())
    } else {
        Err("use letters, digits and _ (not starting with a digit)".into())
    }
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// HTTP method.
    #[arg(short = 'X', long, default_value = "GET", value_name = "METHOD")]
    pub method: String,
    /// An extra request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The request body: `@FILE`, `-` for stdin, or the text itself.
    #[arg(long, value_name = "@FILE|-|TEXT", allow_hyphen_values = true)]
    pub data: Option<String>,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long)]
    pub include: bool,
    /// Follow the provider's next-page links and print every page.
    #[arg(long)]
    pub paginate: bool,
    /// Also send the token to this host (repeatable); by default only the
    /// connection's own API hosts get it.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// A path under the provider's API base URL, or a whole URL.
    #[arg(value_name = "PATH_OR_URL")]
    pub path: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// `prometheus`: gauges for node_exporter's textfile collector
    /// (expiry, last renewal, last failure, refresh deadline), one series
    /// per connection.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ListFormat>,
    /// Exit 7 when any connection needs a sign-in, its last renewal failed,
    /// or a deadline falls within --within; says which.
    #[arg(long, conflicts_with_all = ["json", "format"])]
    pub check: bool,
    /// The window of --check (default 7d).
    #[arg(long, value_name = "DURATION", value_parser = duration, requires = "check")]
    pub within: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// The Prometheus text exposition format.
    Prometheus,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The settings file, or the name of a saved connection (see `list`).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH|NAME")]
    pub settings: PathBuf,
    /// Remove the files without revoking at the provider (the grant stays
    /// live there until it expires or is revoked in its admin pages).
    #[arg(long)]
    pub local_only: bool,
}
