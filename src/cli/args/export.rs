//! The arguments of the commands that hand credentials on: `export`,
//! `import` and `connection-string`.

use super::SettingsArg;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Passphrase-encrypted age bundle (needs --out).
    Bundle,
    /// KEY=VALUE lines for a systemd EnvironmentFile or a shell.
    Env,
    /// A Kubernetes Secret manifest (YAML).
    #[value(alias = "k8s_secret")]
    K8sSecret,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// Where to write the bundle (mode 0600).
    #[arg(long, value_name = "FILE", required_if_eq("format", "bundle"))]
    pub out: Option<PathBuf>,
    /// What to write: an encrypted bundle, or a service's environment.
    #[arg(long, value_enum, default_value = "bundle")]
    pub format: ExportFormat,
    /// Read the bundle passphrase from this file (or set OAUTH_SETUP_PASSPHRASE;
    /// else a hidden prompt).
    #[arg(long, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// env / k8s-secret: include the decryption key and the client secret.
    #[arg(long)]
    pub include_secrets: bool,
    /// env / k8s-secret: the settings path the service will use (default: the
    /// --settings path for env, /etc/oauth-setup/settings.json for k8s-secret).
    #[arg(long, value_name = "PATH")]
    pub target_path: Option<PathBuf>,
    /// k8s-secret: metadata.name (default: oauth-setup-<provider>).
    #[arg(long)]
    pub name: Option<String>,
    /// env / k8s-secret: the CData connection string they carry, as
    /// `connection-string --mode` makes it (a provider with a connector only).
    #[arg(long, value_enum, default_value = "token")]
    pub mode: CsMode,
    /// env / k8s-secret with --mode handoff|app: the driver's own
    /// OAuthSettingsLocation (default memory://oauth-setup-<name>).
    #[arg(long, value_name = "PATH")]
    pub cdata_settings: Option<String>,
    #[command(flatten)]
    pub connector: ConnectorArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The bundle written by `oauth-setup export --out FILE`.
    pub bundle: PathBuf,
    #[command(flatten)]
    pub file: SettingsArg,
    /// Read the bundle passphrase from this file (or set OAUTH_SETUP_PASSPHRASE;
    /// else a hidden prompt).
    #[arg(long, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,
    /// Replace an existing settings file (it is kept as <file>.bak).
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// private_key_jwt: this machine's PEM private key for the client. A key
    /// path named in the bundle is never used.
    #[arg(long, value_name = "PATH")]
    pub client_key_file: Option<PathBuf>,
    /// The certificate of --client-key-file (Entra ID's x5t#S256).
    #[arg(long, value_name = "PATH", requires = "client_key_file")]
    pub client_cert_file: Option<PathBuf>,
    /// Keep the client key path the bundle names (it is shown): only for a
    /// bundle you made yourself, for a machine where that path is yours.
    #[arg(long, conflicts_with = "client_key_file")]
    pub trust_bundle_key_path: bool,
}

#[derive(Debug, Args)]
pub struct ConnectionStringArgs {
    #[command(flatten)]
    pub file: SettingsArg,
    /// What the connector gets. Every mode puts secrets in the string (a
    /// token, a refresh token or the client secret): keep it out of logs.
    #[arg(long, value_enum, default_value = "token")]
    pub mode: CsMode,
    /// handoff / app: the connector's own OAuthSettingsLocation, where the
    /// driver keeps what it renews (a path of its own, never one of this
    /// tool's files; default memory://oauth-setup-<name>, kept in the process).
    #[arg(long, value_name = "PATH")]
    pub cdata_settings: Option<String>,
    /// token: also add the client id and secret (the mode does not need them).
    // Spelled as `export --include-secrets`; the old singular still parses.
    #[arg(long = "include-secrets", alias = "include-secret")]
    pub include_secret: bool,
    #[command(flatten)]
    pub connector: ConnectorArgs,
    /// Print JSON (the string and its parts).
    #[arg(long)]
    pub json: bool,
}

/// Which CData connector, build and quoting the string is for (the
/// contracts in assets/cdata/).
#[derive(Debug, Args)]
pub struct ConnectorArgs {
    /// The CData connector, where two can serve the connection (an OData
    /// connection: odata, or dynamics365 for a *.crm*.dynamics.com
    /// organization). Default: the one the source documents target.
    #[arg(long, value_name = "ID")]
    pub connector: Option<String>,
    /// The connector's build (property names change across builds).
    /// Default: the build of the source document (OData 20, HubDB 24, Cvent 24).
    #[arg(long, value_name = "N")]
    pub connector_build: Option<u32>,
    /// A property only you know, as NAME=VALUE (Dynamics 365: Edition=Sales).
    #[arg(long, value_name = "NAME=VALUE")]
    pub connector_option: Vec<String>,
    /// How values with ; ' " = { } are quoted: adonet ('…', for ADO.NET,
    /// Python and JDBC) or odbc ({…}, for an ODBC DSN-less string).
    #[arg(long, value_enum, default_value = "adonet")]
    pub dialect: CsDialect,
}

/// `--dialect` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CsDialect {
    Adonet,
    Odbc,
}

impl From<CsDialect> for oauth_setup::export::connection_string::Dialect {
    fn from(d: CsDialect) -> Self {
        use oauth_setup::export::connection_string::Dialect;
        match d {
            CsDialect::Adonet => Dialect::AdoNet,
            CsDialect::Odbc => Dialect::Odbc,
        }
    }
}

/// `connection-string --mode` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CsMode {
    /// InitiateOAuth=OFF with a valid access token (renewed here if needed);
    /// reconnect with a new string before it expires. This tool keeps renewing.
    Token,
    /// InitiateOAuth=REFRESH with the access and refresh tokens: the driver
    /// renews from now on, and `token` here stops renewing (rotation).
    Handoff,
    /// InitiateOAuth=GETANDREFRESH with the client id and secret: the driver
    /// fetches its own tokens (client-credentials connections only).
    App,
}

impl From<CsMode> for oauth_setup::export::connection_string::Mode {
    fn from(m: CsMode) -> Self {
        use oauth_setup::export::connection_string::Mode;
        match m {
            CsMode::Token => Mode::Token,
            CsMode::Handoff => Mode::Handoff,
            CsMode::App => Mode::App,
        }
    }
}
