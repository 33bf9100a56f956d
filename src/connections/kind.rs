//! What a connection is, as the person using it needs to know: a token they
//! pasted, an app signing in as itself, a user's grant (with or without a
//! refresh token), or a grant handed to a CData driver. Every face words
//! expiry, renewal and log-out from this one place, so no screen says that a
//! pasted token "expires" or that a client-credentials connection has a
//! grant to revoke.

use crate::provider::SchemeKind;
use crate::settings::{InitiateOAuth, Settings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A token made at the provider and pasted here (HubDB's private-app
    /// token): used until the API refuses it; nothing renews or revokes it.
    StaticToken,
    /// The app signs in as itself: new tokens come from the client secret
    /// (when kept); there is no user grant.
    ClientCredentials { secret_kept: bool },
    /// A session token from a username and password (InEvent).
    PasswordSignIn { password_kept: bool },
    /// A user's grant; with a refresh token it renews (and may rotate).
    Grant { refresh: bool },
    /// The refresh token now belongs to a CData driver.
    HandedOff,
}

impl Kind {
    pub fn of(s: &Settings) -> Kind {
        if s.meta.handed_off_at.is_some() {
            return Kind::HandedOff;
        }
        match s.meta.kind {
            SchemeKind::StaticToken => Kind::StaticToken,
            SchemeKind::ClientCredentials => Kind::ClientCredentials {
                secret_kept: s.secrets.client_secret.is_some(),
            },
            SchemeKind::PasswordSignin => Kind::PasswordSignIn {
                password_kept: s.secrets.password.is_some(),
            },
            SchemeKind::AuthorizationCode | SchemeKind::DeviceCode => Kind::Grant {
                refresh: s.secrets.refresh_token.is_some(),
            },
        }
    }

    /// True when this tool gets a new token by itself once the old one runs out.
    pub fn renews(self) -> bool {
        match self {
            Kind::StaticToken | Kind::HandedOff => false,
            Kind::ClientCredentials { secret_kept } => secret_kept,
            Kind::PasswordSignIn { password_kept } => password_kept,
            Kind::Grant { refresh } => refresh,
        }
    }

    /// What happens when the token runs out, as a clause after "; ".
    pub fn then(self) -> &'static str {
        match self {
            Kind::Grant { refresh: true } => "then renewed with the refresh token",
            Kind::ClientCredentials { secret_kept: true } => {
                "then fetched again with the client secret"
            }
            Kind::PasswordSignIn {
                password_kept: true,
            } => "then signed in again with the stored password",
            Kind::HandedOff => "the CData driver renews it now, not this tool",
            Kind::StaticToken => "then make a new token at the provider and sign in again",
            _ => "then sign in again (this wizard, or oauth-setup login)",
        }
    }

    /// What `oauth-setup token` prints for this connection.
    pub fn token_command_says(self) -> &'static str {
        match self {
            Kind::StaticToken => "The token you pasted (it does not expire on its own):",
            Kind::HandedOff => "The access token (the CData driver renews the grant now):",
            k if k.renews() => "A valid access token (renewed when needed):",
            _ => "The access token (sign in again when it runs out):",
        }
    }

    /// True when the document can say when the token expires; a static
    /// token's lifetime is the provider's business.
    pub fn expires(self) -> bool {
        self != Kind::StaticToken
    }

    /// The InitiateOAuth values that mean something for this connection:
    /// none for a pasted token (nothing to get or refresh), no "refresh
    /// only" where there is no refresh token to tell apart from a sign-in.
    pub fn initiate_modes(self) -> &'static [InitiateOAuth] {
        use InitiateOAuth::*;
        match self {
            Kind::StaticToken => &[],
            Kind::ClientCredentials { .. } | Kind::PasswordSignIn { .. } => &[Getandrefresh, Off],
            Kind::Grant { .. } | Kind::HandedOff => &[Getandrefresh, Refresh, Off],
        }
    }

    /// What a mode does for this connection, in a few words.
    pub fn mode_means(self, m: InitiateOAuth) -> &'static str {
        match (self, m) {
            (_, InitiateOAuth::Off) => "use the stored token as is, never get a new one",
            (Kind::ClientCredentials { .. }, _) => {
                "get a new token with the client secret when it expires"
            }
            (Kind::PasswordSignIn { .. }, _) => {
                "sign in again with the stored password when it expires"
            }
            (_, InitiateOAuth::Getandrefresh) => {
                "sign in interactively when needed, refresh when expired"
            }
            (_, InitiateOAuth::Refresh) => "refresh only, never interactive (servers)",
        }
    }

    /// Whether logging out has a grant to end at the provider.
    pub fn has_grant(self) -> bool {
        matches!(self, Kind::Grant { refresh: true } | Kind::HandedOff)
    }

    /// Why there was nothing to revoke, for the line after a log-out.
    pub fn nothing_to_revoke(self) -> &'static str {
        match self {
            Kind::StaticToken => {
                "Nothing to revoke from here: the pasted token stays valid at the provider until you delete it there."
            }
            Kind::ClientCredentials { .. } => {
                "There is no grant to revoke (the app signs in as itself); its client secret stays valid until you rotate it at the provider."
            }
            Kind::PasswordSignIn { .. } => {
                "Nothing to revoke: the session token ends at the provider on its own; the password stays valid."
            }
            Kind::Grant { .. } | Kind::HandedOff => {
                "Nothing to revoke: no refresh token, and the access token expires on its own."
            }
        }
    }
}

/// The question before logging out of `s`, named `name`: what will really
/// happen at the provider, then locally.
pub fn logout_question(s: &Settings, name: &str) -> String {
    let kind = Kind::of(s);
    let files = "the file, its backup and lock are removed";
    let host = s
        .meta
        .endpoints
        .revocation_url
        .as_deref()
        .map(endpoint_host);
    match (kind.has_grant(), host) {
        (true, Some(h)) => {
            format!("Log out of {name}? The grant is revoked at {h}, then {files}.")
        }
        (true, None) => format!(
            "Log out of {name}? The provider has no revocation endpoint: the grant stays live there until you revoke the app's access in its admin pages."
        ),
        (false, Some(h)) if s.secrets.access_token.is_some() => format!(
            "Log out of {name}? The access token is revoked at {h}, then {files}. {}",
            after_revoke(kind)
        ),
        (false, _) => format!("Remove {name}? {}", kind.nothing_to_revoke()),
    }
}

/// The host (and port) of an endpoint, as "revoked at …" names it.
pub fn endpoint_host(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.host_str().is_some() => {
            let host = u.host_str().unwrap_or_default();
            let shown = match u.port() {
                Some(p) => format!("{host}:{p}"),
                None => host.to_string(),
            };
            crate::text::sanitize(&shown, 200)
        }
        _ => crate::http::display_url(url),
    }
}

/// What stays valid at the provider after revoking a connection without a grant.
fn after_revoke(kind: Kind) -> &'static str {
    match kind {
        Kind::ClientCredentials { .. } => {
            "There is no grant: the client secret stays valid until you rotate it."
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Meta;
    use secrecy::SecretString;

    fn settings(kind: SchemeKind) -> Settings {
        let mut s = Settings::new(Meta::new("p", "s", kind), Default::default());
        s.secrets.access_token = Some(SecretString::from("at".to_string()));
        s
    }

    #[test]
    fn a_client_credentials_connection_has_no_grant_to_revoke() {
        let mut s = settings(SchemeKind::ClientCredentials);
        s.secrets.client_secret = Some(SecretString::from("cs".to_string()));
        let q = logout_question(&s, "cvent");
        assert!(!q.contains("grant is revoked"), "{q}");
        assert!(q.contains("no grant to revoke"), "{q}");
        assert!(Kind::of(&s).renews());
    }

    #[test]
    fn a_grant_is_revoked_at_its_endpoint_host() {
        let mut s = settings(SchemeKind::AuthorizationCode);
        s.secrets.refresh_token = Some(SecretString::from("rt".to_string()));
        s.meta.endpoints.revocation_url = Some("https://api.example.com/oauth/revoke".into());
        let q = logout_question(&s, "hub");
        assert!(q.contains("revoked at api.example.com"), "{q}");
    }

    #[test]
    fn a_static_token_neither_expires_nor_renews() {
        let k = Kind::of(&settings(SchemeKind::StaticToken));
        assert!(!k.expires() && !k.renews() && k.initiate_modes().is_empty());
        assert!(!k.token_command_says().contains("renew"));
    }
}
