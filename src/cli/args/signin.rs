//! The arguments of the commands that sign in: `login`, `auth-url` and
//! `exchange`, with the provider, credential and endpoint flags they share.

use clap::Args;
use oauth_setup::provider::ClientAuth;
use oauth_setup::settings::InitiateOAuth;
use std::path::PathBuf;

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
    /// Certificate credentials (private_key_jwt): the PEM private key (RSA
    /// or EC, PKCS#8 or PKCS#1) that signs the client assertion. Only its
    /// path is kept, so renewals sign with the same file.
    #[arg(long, value_name = "PATH", env = "OAUTH_SETUP_CLIENT_KEY_FILE", help_heading = CREDENTIALS)]
    pub client_key_file: Option<PathBuf>,
    /// The PEM certificate registered with the app: adds its SHA-256
    /// thumbprint (`x5t#S256`) to the assertion, as Entra ID wants.
    #[arg(long, value_name = "PATH", env = "OAUTH_SETUP_CLIENT_CERT_FILE", requires = "client_key_file", help_heading = CREDENTIALS)]
    pub client_cert_file: Option<PathBuf>,
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
    /// Settings file to write, or a Vault location (default: the connection
    /// named by --name).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH|NAME", help_heading = SAVING)]
    pub settings: Option<PathBuf>,
    /// The connection's name: <config dir>/settings/NAME.json (default: the
    /// provider id). See `list`.
    #[arg(long, value_name = "NAME", value_parser = connection_name, conflicts_with = "settings", help_heading = SAVING)]
    pub name: Option<String>,
    /// Replace the connection already there (kept as a .bak), even one that
    /// cannot be read (wrong key, damaged).
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
    /// The name `exchange` will save the connection as (default: the
    /// provider id); checked now, so a name in use stops before the browser.
    #[arg(long, value_name = "NAME", value_parser = connection_name, conflicts_with = "settings", help_heading = SAVING)]
    pub name: Option<String>,
    /// The settings file `exchange` will write instead (a path, or a bare
    /// NAME as --name); checked now, as --name is.
    #[arg(long, value_name = "PATH|NAME", help_heading = SAVING)]
    pub settings: Option<PathBuf>,
    /// The connection there will be replaced (`exchange --force`).
    #[arg(long, help_heading = SAVING)]
    pub force: bool,
    /// Print `{url, state, expires_at}` as JSON on stdout.
    #[arg(long, help_heading = SAVING)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// Settings file to write (default: the connection named by --name).
    #[arg(long, env = "OAUTH_SETUP_SETTINGS", value_name = "PATH|NAME")]
    pub settings: Option<PathBuf>,
    /// The connection's name: <config dir>/settings/NAME.json (default: the
    /// provider id).
    #[arg(long, value_name = "NAME", value_parser = connection_name, conflicts_with = "settings")]
    pub name: Option<String>,
    /// Replace the connection already there (kept as a .bak), even one that
    /// cannot be read (wrong key, damaged).
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
    /// A JWT signed with --client-key-file (RFC 7523; Entra ID certificates).
    #[value(alias = "private_key_jwt")]
    PrivateKeyJwt,
}

impl From<ClientAuthArg> for ClientAuth {
    fn from(a: ClientAuthArg) -> Self {
        match a {
            ClientAuthArg::Basic => ClientAuth::Basic,
            ClientAuthArg::BasicAndBody => ClientAuth::BasicAndBody,
            ClientAuthArg::Form => ClientAuth::Form,
            ClientAuthArg::Json => ClientAuth::Json,
            ClientAuthArg::None => ClientAuth::None,
            ClientAuthArg::PrivateKeyJwt => ClientAuth::PrivateKeyJwt,
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

/// A connection name: it names a file, so letters, digits, `_`, `-` and `.`
/// (not first), at most 64.
fn connection_name(raw: &str) -> Result<String, String> {
    let ok =
        oauth_setup::settings::validate::check_id("name", raw).is_ok() && !raw.starts_with('.');
    if ok {
        Ok(raw.to_string())
    } else {
        Err("use 1-64 letters, digits, `_`, `-` or `.` (not first), e.g. `cvent-eu`".into())
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
}
