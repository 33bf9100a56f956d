//! Where a library error becomes what the person at the terminal reads and
//! the exit code a script checks. Every mapping is here, and each `match`
//! names every variant, so a new library error has to be placed on purpose.

use super::prompt::InputError;
use oauth_setup::export::bundle::BundleError;
use oauth_setup::export::connection_string::ConnectionStringError;
use oauth_setup::http::TransportError;
use oauth_setup::oauth::TokenError;
use oauth_setup::oauth::device::DeviceError;
use oauth_setup::oauth::password_signin::SigninError;
use oauth_setup::probe::TestError;
use oauth_setup::provider::ProviderError;
use oauth_setup::provider::{Endpoint, Field};
use oauth_setup::revoke::RevokeError;
use oauth_setup::settings::SettingsError;
use oauth_setup::settings::vault::VaultError;
use oauth_setup::signin::paste::PasteError;
use oauth_setup::signin::pending::PendingError;
use oauth_setup::signin::{LoginError, Needed};
use oauth_setup::token::TokenServiceError;

/// Exit codes (also in `--help`).
pub mod exit {
    pub const ERROR: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const SETTINGS: i32 = 3;
    pub const SIGN_IN_NEEDED: i32 = 4;
    pub const REFUSED: i32 = 5;
    pub const NETWORK: i32 = 6;
    /// `list --check`: a connection needs a person soon.
    pub const ATTENTION: i32 = 7;
    pub const CANCELLED: i32 = 130;
}

/// A failed command: what to print and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
    /// A value the app's set-up gives (client id, secret, org id…) was
    /// missing: [`Failure::with_setup_steps`] says where to find it.
    missing_value: bool,
}

impl Failure {
    pub fn new(code: i32, message: impl std::fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
            missing_value: false,
        }
    }

    /// A failure whose explanation is already on the screen.
    pub fn said(code: i32) -> Self {
        Self::new(code, "")
    }

    /// For a missing value: where the provider's set-up steps (which say
    /// where each value comes from) are, for `provider`.
    pub fn with_setup_steps(mut self, provider: &str) -> Self {
        if self.missing_value {
            let id = oauth_setup::text::shell_quote(&oauth_setup::text::sanitize(provider, 64));
            self.message = format!(
                "{}\nWhere to find it: `oauth-setup providers {id}` lists the set-up steps at the provider for each method (the app's client id and secret, the redirect URI to register, the docs).",
                self.message
            );
        }
        self
    }

    /// Prints the message on stderr and gives the exit code.
    pub fn report(self) -> u8 {
        if !self.message.is_empty() {
            eprintln!("error: {}", self.message);
        }
        u8::try_from(self.code).unwrap_or(1)
    }
}

/// A store problem is a settings problem, unless the store is a server
/// that could not be reached.
fn settings_code(e: &SettingsError) -> i32 {
    if matches!(e, SettingsError::Vault(VaultError::Unreachable { .. })) {
        exit::NETWORK
    } else {
        exit::SETTINGS
    }
}

impl From<SettingsError> for Failure {
    fn from(e: SettingsError) -> Self {
        Failure::new(settings_code(&e), e)
    }
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Self {
        Failure::new(exit::USAGE, e)
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::new(exit::USAGE, e)
    }
}

/// Whether the server could not be reached (as opposed to a bad answer).
fn is_network(e: &TransportError) -> bool {
    match e {
        TransportError::Timeout { .. } | TransportError::Connect { .. } => true,
        TransportError::Other { .. } | TransportError::Insecure { .. } => false,
    }
}

/// A request that got no answer (the `api` command's own calls).
impl From<TransportError> for Failure {
    fn from(e: TransportError) -> Self {
        let code = match &e {
            TransportError::Timeout { .. } | TransportError::Connect { .. } => exit::NETWORK,
            TransportError::Insecure { .. } => exit::USAGE,
            TransportError::Other { .. } => exit::ERROR,
        };
        Failure::new(code, e)
    }
}

impl From<RevokeError> for Failure {
    fn from(e: RevokeError) -> Self {
        let code = match &e {
            RevokeError::Failed(TokenError::Transport(t)) if is_network(t) => exit::NETWORK,
            RevokeError::Failed(_) => exit::REFUSED,
            RevokeError::NoEndpoint { .. } => exit::USAGE,
        };
        Failure::new(code, e)
    }
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        let code = if e.is_cancelled() {
            exit::CANCELLED
        } else if e.is_denied() {
            exit::REFUSED
        } else if e.unreachable().is_some() {
            exit::NETWORK
        } else {
            match &e {
                // The key file itself is unusable: the user's input, not a refusal.
                LoginError::Token(TokenError::Assertion(_) | TokenError::NoClientKey) => {
                    exit::USAGE
                }
                LoginError::Token(_) | LoginError::Signin(_) | LoginError::Test(_) => exit::REFUSED,
                LoginError::Missing { .. }
                | LoginError::UnknownVar { .. }
                | LoginError::Provider(_)
                | LoginError::Endpoint(_) => exit::USAGE,
                // A callback timeout lands here too: nobody answered, nobody refused.
                LoginError::Callback(_)
                | LoginError::Discovery(_)
                | LoginError::Device(_)
                | LoginError::Unsupported(_) => exit::ERROR,
                LoginError::Cancelled => exit::CANCELLED,
            }
        };
        if let LoginError::Missing(needed) = &e {
            let mut f = Failure::new(code, format!("{e}: {}", how_to_give(needed)));
            f.missing_value = matches!(needed, Needed::Field(_) | Needed::HeaderVar { .. });
            return f;
        }
        if let LoginError::Token(TokenError::NoSecretRejected { .. })
        | LoginError::Device(DeviceError::Token(TokenError::NoSecretRejected { .. })) = &e
        {
            return Failure::new(
                code,
                format!("{e}.\nTo give the client secret, {SECRET_HOW}, and sign in again"),
            );
        }
        if let LoginError::UnknownVar { name, .. } = &e {
            let env = format!("OAUTH_SETUP_VAR_{}", name.to_ascii_uppercase());
            return Failure::new(
                code,
                format!("{e}\n(`{name}` was given with --var {name}=… or {env})"),
            );
        }
        Failure::new(code, e)
    }
}

const SECRET_HOW: &str =
    "set OAUTH_SETUP_CLIENT_SECRET, or use --client-secret-file PATH or --client-secret-stdin";

/// How to give a missing value on the command line: flags and variables.
fn how_to_give(needed: &Needed) -> String {
    match needed {
        Needed::Field(Field::ClientSecret) => SECRET_HOW.into(),
        Needed::Field(Field::Password) => {
            "set OAUTH_SETUP_PASSWORD, or use --password-file PATH or --password-stdin".into()
        }
        Needed::Field(Field::Token) => {
            "set OAUTH_SETUP_TOKEN, or use --token-file PATH or --token-stdin".into()
        }
        Needed::Field(other) => format!("give --{}", other.as_str().replace('_', "-")),
        Needed::Endpoint {
            endpoint,
            discovery,
        } => {
            let flag = match endpoint {
                Endpoint::Issuer => "--issuer",
                Endpoint::Authorize => "--authorize-url",
                Endpoint::Token => "--token-url",
                Endpoint::DeviceAuthorization => "--device-url",
                Endpoint::Signin => "--signin-url",
                Endpoint::Test => "--test-url",
                Endpoint::Revocation => "OAUTH_SETUP_REVOCATION_URL=",
            };
            let or_issuer = if *discovery { ", or --issuer URL" } else { "" };
            format!("give {flag} URL{or_issuer}")
        }
        Needed::Issuer => "give --issuer URL, or --authorize-url and --token-url".into(),
        Needed::HeaderVar { var, .. } => format!("give it with --{}", var.replace('_', "-")),
        Needed::ClientKey => "give --client-key-file PATH (or OAUTH_SETUP_CLIENT_KEY_FILE): the PEM private key whose certificate or public key is registered with the app".into(),
        Needed::RedirectUri => "give --callback-url URL: the redirect URL registered with the app (e.g. http://localhost:33333; nothing needs to listen there, you copy the address the browser lands on)".into(),
    }
}

impl From<TokenServiceError> for Failure {
    fn from(e: TokenServiceError) -> Self {
        let code = match &e {
            TokenServiceError::Settings(s) => settings_code(s),
            TokenServiceError::NeedsSignIn { .. } | TokenServiceError::ExpiredOff { .. } => {
                exit::SIGN_IN_NEEDED
            }
            TokenServiceError::HandedOff { .. } | TokenServiceError::RenewedMeanwhile { .. } => {
                exit::ERROR
            }
            TokenServiceError::Renew(TokenError::Transport(t))
            | TokenServiceError::Signin(SigninError::Transport(t))
                if is_network(t) =>
            {
                exit::NETWORK
            }
            // The recorded key file is gone or unusable: this machine's setup.
            TokenServiceError::Renew(TokenError::Assertion(_) | TokenError::NoClientKey) => {
                exit::SETTINGS
            }
            TokenServiceError::Renew(_) | TokenServiceError::Signin(_) => exit::REFUSED,
        };
        Failure::new(code, e)
    }
}

impl From<ConnectionStringError> for Failure {
    fn from(e: ConnectionStringError) -> Self {
        let code = match &e {
            ConnectionStringError::NoConnector { .. }
            | ConnectionStringError::UnknownConnector { .. }
            | ConnectionStringError::NoBuild { .. }
            | ConnectionStringError::MethodNotServed { .. }
            | ConnectionStringError::MissingOption { .. }
            | ConnectionStringError::BadOption { .. }
            | ConnectionStringError::NotAnApp { .. }
            | ConnectionStringError::NoAppGrant { .. }
            | ConnectionStringError::NoHandoff { .. }
            | ConnectionStringError::NoClientSecret => exit::USAGE,
            ConnectionStringError::NoAccessToken | ConnectionStringError::MissingVar { .. } => {
                exit::SIGN_IN_NEEDED
            }
            ConnectionStringError::Unsafe { .. } | ConnectionStringError::ScopeComma { .. } => {
                exit::ERROR
            }
        };
        Failure::new(code, e)
    }
}

impl From<TestError> for Failure {
    fn from(e: TestError) -> Self {
        let code = match &e {
            TestError::Transport(t) if is_network(t) => exit::NETWORK,
            TestError::NoRequest(_)
            | TestError::NoUrl
            | TestError::NoHeader(_)
            | TestError::BadUrl(_) => exit::USAGE,
            TestError::Transport(_)
            | TestError::Unauthorized { .. }
            | TestError::Forbidden { .. }
            | TestError::RateLimited
            | TestError::Failed { .. } => exit::REFUSED,
        };
        Failure::new(code, e)
    }
}

impl From<PendingError> for Failure {
    fn from(e: PendingError) -> Self {
        let code = match &e {
            PendingError::NotFound { .. } | PendingError::Expired { .. } => exit::SIGN_IN_NEEDED,
            PendingError::Unreadable { .. } | PendingError::Settings(_) => exit::SETTINGS,
        };
        Failure::new(code, e)
    }
}

impl From<PasteError> for Failure {
    fn from(e: PasteError) -> Self {
        Failure::new(exit::USAGE, e)
    }
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Self {
        let code = match &e {
            BundleError::WeakPassphrase => exit::USAGE,
            BundleError::Encrypt(_) => exit::ERROR,
            // The bundle file is the problem: like a damaged settings file.
            BundleError::NotAge
            | BundleError::NotPassphrase
            | BundleError::WrongPassphrase
            | BundleError::Damaged(_)
            | BundleError::TooMuchWork(_)
            | BundleError::Invalid(_)
            | BundleError::TooLarge
            | BundleError::NotBundle(_)
            | BundleError::NewerVersion { .. } => exit::SETTINGS,
        };
        Failure::new(code, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_setup::oauth::loopback::CallbackError;

    #[test]
    fn unreachable_servers_are_network_failures() {
        let t = |e| Failure::from(LoginError::Token(TokenError::Transport(e))).code;
        let url = String::from("https://idp.example/token");
        assert_eq!(
            t(TransportError::Connect {
                url: url.clone(),
                reason: "refused".into()
            }),
            exit::NETWORK
        );
        assert_eq!(
            t(TransportError::Other {
                url,
                reason: "bad body".into()
            }),
            exit::REFUSED
        );
    }

    #[test]
    fn no_answer_is_a_network_failure_wherever_the_sign_in_met_it() {
        use oauth_setup::oauth::device::DeviceError;
        use oauth_setup::provider::discovery::DiscoveryError;
        let down = || TransportError::Connect {
            url: "https://idp.example/x".into(),
            reason: "refused".into(),
        };
        for e in [
            LoginError::Token(TokenError::Transport(down())),
            LoginError::Discovery(DiscoveryError::Transport(down())),
            LoginError::Device(DeviceError::Token(TokenError::Transport(down()))),
            LoginError::Signin(SigninError::Transport(down())),
            LoginError::Test(TestError::Transport(down())),
        ] {
            let f = Failure::from(e);
            assert_eq!(f.code, exit::NETWORK, "{}", f.message);
            assert!(f.message.contains("idp.example"), "{}", f.message);
            assert!(!f.message.contains("not accepted"), "{}", f.message);
        }
        let renew = TokenServiceError::Signin(SigninError::Transport(down()));
        assert_eq!(Failure::from(renew).code, exit::NETWORK);
    }

    #[test]
    fn a_sign_in_nobody_finished_is_an_error_not_a_refusal() {
        let e = LoginError::Callback(CallbackError::Timeout(std::time::Duration::from_secs(1)));
        assert_eq!(Failure::from(e).code, exit::ERROR);
        assert_eq!(Failure::from(LoginError::Cancelled).code, exit::CANCELLED);
    }
}
