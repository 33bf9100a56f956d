//! The command line's shape (clap). No subcommand opens the wizard.

use clap::{Args, Parser, Subcommand};
use oauth_setup::provider::ClientAuth;
use oauth_setup::settings::InitiateOAuth;
use std::path::PathBuf;

mod export;
pub use export::*;

#[derive(Debug, Parser)]
#[command(
    name = "oauth-setup",
    version,
    about = "Set up OAuth credentials for data connectors, interactively or from scripts",
    long_about = "Set up OAuth credentials for data connectors (Cvent, HubSpot HubDB, OData, InEvent, Event Temple, any OAuth 2.0 / OpenID server).\n\nRun without a command for the interactive wizard.",
    after_help = "Exit codes: 0 ok, 1 error, 2 bad usage, 3 settings file problem, 4 sign-in needed, 5 refused by the provider, 6 network problem, 130 cancelled.\nSecrets are never taken as arguments: use the environment variables or the --*-file / --*-stdin options."
)]
pub struct Cli {
    /// Configuration directory (key, settings, provider profiles).
    #[arg(
        long,
        global = true,
        env = "OAUTH_SETUP_CONFIG_DIR",
        value_name = "DIR"
    )]
    pub config_dir: Option<PathBuf>,
    /// Encryption key file (default: <config dir>/key). Or set
    /// OAUTH_SETUP_KEY_FILE (a path) or OAUTH_SETUP_KEY (the key itself).
    #[arg(long, global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Also trust the CA certificates in this PEM file (a TLS-inspecting
    /// proxy's or a private CA). The system's store, SSL_CERT_FILE and
    /// SSL_CERT_DIR are trusted already.
    #[arg(long, global = true, env = "OAUTH_SETUP_CA_FILE", value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the provider profiles (built-in and from <config dir>/providers).
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
}

// The argument structs below carry no doc comment of their own: the
// subcommand's help text is the doc comment on its `Command` variant.

#[derive(Debug, Args)]
pub struct ProvidersArgs {
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
            | Command::Logout(_) => None,
        }
    }
}

// `--help` groups the many sign-in flags under these headings.
pub const PROVIDER: &str = "Provider and method";
pub const CREDENTIALS: &str = "Credentials";
pub const SIGN_IN: &str = "Sign-in";
pub const SAVING: &str = "Settings file and output";

/// What `login` and `auth-url` share: which provider, method, client,
/// scopes and endpoints.
#[derive(Debug, Args)]
pub struct SignInArgs {
    /// Provider profile id (see `oauth-setup providers`).
    pub provider: String,
    /// Scheme (method) id, e.g. client-credentials or client_credentials;
    /// default: the provider's first.
    #[arg(long, help_heading = PROVIDER)]
    pub scheme: Option<String>,
    /// Region id (e.g. na, eu).
    #[arg(long, help_heading = PROVIDER)]
    pub region: Option<String>,
    /// Template variable, e.g. `--var host=https://api-platform.cvent.com` (also OAUTH_SETUP_VAR_<NAME>).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = Var::parse, help_heading = PROVIDER)]
    pub vars: Vec<Var>,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    /// The app's client id.
    #[arg(long, env = "OAUTH_SETUP_CLIENT_ID", help_heading = CREDENTIALS)]
    pub client_id: Option<String>,
    /// Read the client secret from this file (or set OAUTH_SETUP_CLIENT_SECRET).
    #[arg(long, value_name = "PATH", help_heading = CREDENTIALS)]
    pub client_secret_file: Option<PathBuf>,
    /// Read the client secret from stdin.
    #[arg(long, help_heading = CREDENTIALS)]
    pub client_secret_stdin: bool,
    /// How the client authenticates at the token endpoint (default: the
    /// provider's; with --issuer, adjusted to what the server lists).
    #[arg(long, value_enum, help_heading = CREDENTIALS)]
    pub client_auth: Option<ClientAuthArg>,
    /// Event Temple API org id.
    #[arg(long, env = "OAUTH_SETUP_ORG_ID", help_heading = CREDENTIALS)]
    pub org_id: Option<String>,
    /// Scopes, space or comma separated. `--scopes ""` asks for none.
    #[arg(long, conflicts_with = "preset", help_heading = SIGN_IN)]
    pub scopes: Option<String>,
    /// Scope preset id (see `oauth-setup providers --json`).
    #[arg(long, help_heading = SIGN_IN)]
    pub preset: Option<String>,
    /// Redirect URI registered with the app (e.g. http://localhost:33333).
    /// `login` listens there (default: a free port on 127.0.0.1); with
    /// `auth-url` nothing listens: copy the address the browser lands on.
    #[arg(long, env = "OAUTH_SETUP_CALLBACK_URL", help_heading = SIGN_IN)]
    pub callback_url: Option<String>,
    /// Do not keep the client secret in the settings file (tokens then cannot
    /// be renewed without it).
    #[arg(long, help_heading = SAVING)]
    pub no_store_client_secret: bool,
    /// InitiateOAuth mode stored in the file.
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        default_value = "GETANDREFRESH",
        help_heading = SAVING
    )]
    pub initiate_oauth: InitiateOAuthArg,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// Settings file to write (default: <config dir>/settings/<provider>.json).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH", help_heading = SAVING)]
    pub settings: Option<PathBuf>,
    /// Replace a settings file that cannot be read (wrong key, damaged).
    #[arg(long, help_heading = SAVING)]
    pub force: bool,
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// Only print the authorization URL; do not start a browser. The
    /// address the browser ends on may then be pasted here.
    #[arg(long, help_heading = SIGN_IN)]
    pub no_browser: bool,
    /// Start a browser even in a remote shell (SSH with no display), where
    /// the URL is otherwise only printed.
    #[arg(long, conflicts_with = "no_browser", help_heading = SIGN_IN)]
    pub browser: bool,
    /// Seconds to wait for the browser or device approval.
    #[arg(long, default_value_t = 300, help_heading = SIGN_IN)]
    pub timeout: u64,
    /// Print the result as JSON.
    #[arg(long, help_heading = SAVING)]
    pub json: bool,
}

/// The user's own credentials, which only `login` takes: `auth-url` runs a
/// browser sign-in, where the provider asks for them.
#[derive(Debug, Args, Default)]
pub struct CredentialArgs {
    /// InEvent username.
    #[arg(long, env = "OAUTH_SETUP_USERNAME", help_heading = CREDENTIALS)]
    pub username: Option<String>,
    /// Read the password from this file (or set OAUTH_SETUP_PASSWORD).
    #[arg(long, value_name = "PATH", help_heading = CREDENTIALS)]
    pub password_file: Option<PathBuf>,
    /// Read the password from stdin.
    #[arg(long, help_heading = CREDENTIALS)]
    pub password_stdin: bool,
    /// InEvent event id (event scope).
    #[arg(long, help_heading = CREDENTIALS)]
    pub event_id: Option<String>,
    /// Read a static token (HubDB private-app token / service key) from this file
    /// (or set OAUTH_SETUP_TOKEN).
    #[arg(long, value_name = "PATH", help_heading = CREDENTIALS)]
    pub token_file: Option<PathBuf>,
    /// Read the static token from stdin.
    #[arg(long, help_heading = CREDENTIALS)]
    pub token_stdin: bool,
    /// Start from an existing refresh token read from this file (e.g. one
    /// CData's GetOAuthAccessToken returned) instead of a browser sign-in;
    /// it is renewed at once to prove it. Authorization-code schemes.
    #[arg(long, value_name = "PATH", conflicts_with = "refresh_token_stdin", help_heading = CREDENTIALS)]
    pub refresh_token_file: Option<PathBuf>,
    /// Read that refresh token from stdin.
    // stdin holds one secret.
    #[arg(
        long,
        conflicts_with_all = ["client_secret_stdin", "password_stdin", "token_stdin"],
        help_heading = CREDENTIALS
    )]
    pub refresh_token_stdin: bool,
    /// Keep the InEvent password (encrypted) so the token renews itself.
    #[arg(long, help_heading = SAVING)]
    pub store_password: bool,
}

/// Endpoints that override the profile's.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = PROVIDER)]
pub struct EndpointArgs {
    /// Issuer for OpenID / RFC 8414 discovery.
    #[arg(long, env = "OAUTH_SETUP_ISSUER")]
    pub issuer: Option<String>,
    /// The authorization endpoint (instead of the profile's or discovery's).
    #[arg(long, env = "OAUTH_SETUP_AUTHORIZE_URL")]
    pub authorize_url: Option<String>,
    /// The token endpoint (instead of the profile's or discovery's).
    #[arg(long, env = "OAUTH_SETUP_TOKEN_URL")]
    pub token_url: Option<String>,
    /// The device authorization endpoint (RFC 8628).
    #[arg(long, env = "OAUTH_SETUP_DEVICE_URL")]
    pub device_url: Option<String>,
    /// InEvent sign-in URL.
    #[arg(long, env = "OAUTH_SETUP_SIGNIN_URL")]
    pub signin_url: Option<String>,
    /// The provider's test request URL.
    #[arg(long, env = "OAUTH_SETUP_TEST_URL")]
    pub test_url: Option<String>,
    /// OData service root.
    #[arg(long, env = "OAUTH_SETUP_SERVICE_ROOT")]
    pub service_root: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuthUrlArgs {
    #[command(flatten)]
    pub sign_in: SignInArgs,
    /// Print `{url, state, expires_at}` as JSON on stdout.
    #[arg(long, help_heading = SAVING)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// Settings file to write (default: <config dir>/settings/<provider>.json).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH")]
    pub settings: Option<PathBuf>,
    /// Replace a settings file that cannot be read (wrong key, damaged).
    #[arg(long)]
    pub force: bool,
    /// Read the redirect URL from stdin (the default when stdin is not a terminal).
    #[arg(long, conflicts_with_all = ["verifier", "state"])]
    pub redirect_url_stdin: bool,
    /// The `code` from the redirect URL (CData's OAuthVerifier), with --state.
    /// Useless without the PKCE verifier that stays on this machine.
    // Codes and states are random base64url: they may start with `-`.
    #[arg(
        long,
        value_name = "CODE",
        requires = "state",
        allow_hyphen_values = true
    )]
    pub verifier: Option<String>,
    /// The `state` from the redirect URL, with --verifier.
    #[arg(
        long,
        value_name = "STATE",
        requires = "verifier",
        allow_hyphen_values = true
    )]
    pub state: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--client-auth` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ClientAuthArg {
    /// HTTP Basic (client_secret_basic).
    Basic,
    /// HTTP Basic and client_id in the body (Cvent).
    // Profiles spell it `basic_and_body`; either spelling is taken here.
    #[value(alias = "basic_and_body")]
    BasicAndBody,
    /// client_id and client_secret in the form body (client_secret_post).
    Form,
    /// client_id and client_secret in a JSON body (Event Temple).
    Json,
    /// Public client: client_id only.
    None,
}

impl From<ClientAuthArg> for ClientAuth {
    fn from(a: ClientAuthArg) -> Self {
        match a {
            ClientAuthArg::Basic => ClientAuth::Basic,
            ClientAuthArg::BasicAndBody => ClientAuth::BasicAndBody,
            ClientAuthArg::Form => ClientAuth::Form,
            ClientAuthArg::Json => ClientAuth::Json,
            ClientAuthArg::None => ClientAuth::None,
        }
    }
}

/// `--initiate-oauth` values, spelled as CData spells them.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum InitiateOAuthArg {
    /// Sign in interactively when nothing usable is stored; refresh when expired.
    #[value(name = "GETANDREFRESH")]
    Getandrefresh,
    /// Refresh only; never interactive (servers).
    #[value(name = "REFRESH")]
    Refresh,
    /// Use what is stored; never refresh.
    #[value(name = "OFF")]
    Off,
}

impl From<InitiateOAuthArg> for InitiateOAuth {
    fn from(a: InitiateOAuthArg) -> Self {
        match a {
            InitiateOAuthArg::Getandrefresh => InitiateOAuth::Getandrefresh,
            InitiateOAuthArg::Refresh => InitiateOAuth::Refresh,
            InitiateOAuthArg::Off => InitiateOAuth::Off,
        }
    }
}

/// One `--var NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub value: String,
}

impl Var {
    fn parse(raw: &str) -> Result<Var, String> {
        let (name, value) = raw.split_once('=').ok_or_else(|| {
            "expected NAME=VALUE, e.g. --var host=https://api.example.com".to_string()
        })?;
        Ok(Var {
            name: name.trim().to_string(),
            value: value.trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_splits_at_the_first_equals_sign() {
        assert_eq!(
            Var::parse(" service_root = https://x/odata?a=b ").unwrap(),
            Var {
                name: "service_root".into(),
                value: "https://x/odata?a=b".into()
            }
        );
        assert!(Var::parse("host").is_err());
    }

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
    #[arg(long)]
    pub json: bool,
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
