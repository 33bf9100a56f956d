//! Where Vault is and how to sign in to it, as the Vault conventions name
//! them in the environment (`VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE`,
//! …) or as a person gives them (the wizard).

use super::api::VaultError;
use secrecy::SecretString;
use std::path::PathBuf;
use url::Url;

/// How the store authenticates.
#[derive(Clone)]
pub enum Auth {
    Token(SecretString),
    AppRole {
        role_id: String,
        secret_id: SecretString,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token(_) => f.write_str("Token([redacted])"),
            Auth::AppRole { role_id, .. } => write!(f, "AppRole({role_id})"),
        }
    }
}

/// Where Vault is and how to talk to it.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    pub addr: Url,
    pub namespace: Option<String>,
    pub auth: Auth,
    /// `VAULT_CACERT`: a PEM file with the CA that signed Vault's certificate.
    pub ca_cert: Option<PathBuf>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn read_file(what: &'static str, path: PathBuf) -> Result<String, VaultError> {
    std::fs::read_to_string(&path)
        .map(|s| s.trim().to_string())
        .map_err(|e| VaultError::File {
            what,
            path,
            reason: e.to_string(),
        })
}

/// Where a Vault token from the environment came from, for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    VaultToken,
    BaoToken,
    TokenFile,
}

impl TokenSource {
    pub fn describe(self) -> &'static str {
        match self {
            TokenSource::VaultToken => "VAULT_TOKEN",
            TokenSource::BaoToken => "BAO_TOKEN",
            TokenSource::TokenFile => "~/.vault-token",
        }
    }
}

/// The token the Vault conventions name: `VAULT_TOKEN`, `BAO_TOKEN`, then
/// `~/.vault-token`.
pub fn token_from_env() -> Result<(SecretString, TokenSource), VaultError> {
    if let Some(t) = env("VAULT_TOKEN") {
        return Ok((SecretString::from(t), TokenSource::VaultToken));
    }
    if let Some(t) = env("BAO_TOKEN") {
        return Ok((SecretString::from(t), TokenSource::BaoToken));
    }
    let file = token_file().ok_or(VaultError::NoToken)?;
    if !file.exists() {
        return Err(VaultError::NoToken);
    }
    let t = read_file("the Vault token", file)?;
    Ok((SecretString::from(t), TokenSource::TokenFile))
}

/// Where a token from the environment would come from, without reading it.
pub fn token_source() -> Option<TokenSource> {
    if env("VAULT_TOKEN").is_some() {
        Some(TokenSource::VaultToken)
    } else if env("BAO_TOKEN").is_some() {
        Some(TokenSource::BaoToken)
    } else {
        token_file()
            .filter(|f| f.exists())
            .map(|_| TokenSource::TokenFile)
    }
}

fn token_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".vault-token"))
}

/// `VAULT_ADDR`, else `BAO_ADDR`, as given.
pub fn addr_from_env() -> Option<String> {
    env("VAULT_ADDR").or_else(|| env("BAO_ADDR"))
}

/// AppRole with the role id and the file that holds the secret id.
pub fn approle(role_id: &str, secret_id_file: &std::path::Path) -> Result<Auth, VaultError> {
    Ok(Auth::AppRole {
        role_id: role_id.trim().to_string(),
        secret_id: SecretString::from(read_file(
            "the AppRole secret id",
            secret_id_file.to_path_buf(),
        )?),
    })
}

impl VaultConfig {
    /// The Vault conventions: `VAULT_ADDR`/`BAO_ADDR`, `VAULT_TOKEN`/
    /// `BAO_TOKEN`/`~/.vault-token`, `VAULT_NAMESPACE`, `VAULT_CACERT`; AppRole
    /// when `OAUTH_SETUP_VAULT_ROLE_ID` is set.
    pub fn from_env() -> Result<VaultConfig, VaultError> {
        let raw = addr_from_env().ok_or(VaultError::NoAddress)?;
        let auth = if let Some(role_id) = env("OAUTH_SETUP_VAULT_ROLE_ID") {
            let file = env("OAUTH_SETUP_VAULT_SECRET_ID_FILE").ok_or(VaultError::NoToken)?;
            approle(&role_id, std::path::Path::new(&file))?
        } else {
            Auth::Token(token_from_env()?.0)
        };
        VaultConfig::new(&raw, auth)
    }

    /// An address and a way to authenticate given by a person (the wizard);
    /// the namespace and CA file still come from `VAULT_NAMESPACE` and
    /// `VAULT_CACERT`.
    pub fn new(addr: &str, auth: Auth) -> Result<VaultConfig, VaultError> {
        let raw = addr.trim();
        if raw.is_empty() {
            return Err(VaultError::NoAddress);
        }
        let addr =
            crate::provider::check_url("VAULT_ADDR", raw).map_err(|e| VaultError::BadAddress {
                addr: raw.to_string(),
                reason: e.to_string(),
            })?;
        Ok(VaultConfig {
            addr,
            namespace: env("VAULT_NAMESPACE"),
            auth,
            ca_cert: env("VAULT_CACERT").map(PathBuf::from),
        })
    }

    /// The server's address as messages and the host cache name it.
    pub fn addr_text(&self) -> String {
        self.addr.as_str().trim_end_matches('/').to_string()
    }
}
