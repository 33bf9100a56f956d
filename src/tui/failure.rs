//! The wizard's words for a failed sign-in: which form field a missing
//! value goes in, and what to try for what the provider answered (the
//! command line says the same in flags, in `cli/failure.rs`).

use super::action::Failure;
use crate::oauth::loopback::CallbackError;
use crate::signin::{LoginError, Needed};

/// Where on the form a missing value is given: the wizard's words for
/// what the command line calls flags.
fn form_words(needed: &Needed) -> String {
    use crate::provider::{Endpoint, Field};
    use crate::tui::screens::credentials::{FormKey, form_label};
    let field = |f: Field| form_label(&FormKey::Field(f));
    match needed {
        Needed::Field(f) => field(*f),
        Needed::Endpoint {
            endpoint: Endpoint::Authorize,
            discovery: false,
        } => field(Field::AuthorizeUrl),
        Needed::Endpoint {
            endpoint: Endpoint::Token,
            discovery: false,
        } => field(Field::TokenUrl),
        Needed::Endpoint { .. } | Needed::Issuer => format!(
            "{} (or {} and {})",
            field(Field::Issuer),
            field(Field::AuthorizeUrl),
            field(Field::TokenUrl)
        ),
        Needed::HeaderVar { var, .. } => form_label(&FormKey::Var(var.clone())),
        Needed::RedirectUri => field(Field::CallbackUrl),
        Needed::ClientKey => "a client key file: the wizard signs in with a client secret; use `oauth-setup login --client-key-file PATH` for certificate credentials".into(),
    }
}

/// What to do about an `error` the provider sent back on the redirect: only
/// `access_denied` means the person declined; the others are the request's
/// fault, and Entra ID's AADSTS codes say which part.
fn denied_hint(error: &str, description: &str) -> String {
    let aadsts = |code: &str| description.contains(code);
    if aadsts("AADSTS50194") || aadsts("AADSTS90002") || aadsts("AADSTS700016") {
        return "Entra ID does not know this app in that tenant: go back to Credentials (Esc) and fill in Tenant with the Directory (tenant) ID or domain (App registrations → the app → Overview).".into();
    }
    if aadsts("AADSTS50011") || error == "redirect_uri_mismatch" {
        return "The redirect URI is not registered: add the one the set-up screen shows to the app, then press r.".into();
    }
    match error {
        "access_denied" => "The request was declined in the browser (or ended by another program on this computer). Press r to ask again, and approve it.".into(),
        "invalid_scope" => "The provider refused a scope: go back to Scopes (Esc) and remove or correct the one it names, then sign in again.".into(),
        "unauthorized_client" => "The app may not use this sign-in method: allow it in the app's settings at the provider, or pick another method.".into(),
        "temporarily_unavailable" | "server_error" => "The provider failed on its side: press r to try again in a moment.".into(),
        _ => "The provider refused the sign-in request (see its message above): check the app's settings and what you entered, then press r.".into(),
    }
}

/// What to check when no server answered.
pub const NETWORK_HINT: &str = "Check the network (proxy, firewall, VPN) and any URL you typed.";

pub(super) fn from_login(e: LoginError) -> Failure {
    // Most messages already say what to do; these are the ones that do not
    // point at the likely cause from the wizard's point of view.
    // The same test as the command line's exit 6: any step that could not
    // reach its server (token, discovery, device, sign-in, test request).
    let unreachable = e.unreachable().is_some();
    let field = failed_field(&e);
    let hint = if let LoginError::Callback(CallbackError::Denied { error, description }) = &e {
        Some(denied_hint(error, description.as_deref().unwrap_or("")))
    } else if e.is_denied() {
        Some(
            "The request was declined in the browser. Press r to ask again, and approve it."
                .to_string(),
        )
    } else if let LoginError::Missing(needed) = &e {
        Some(format!(
            "Go back to Credentials (Esc) and fill in {}.",
            form_words(needed)
        ))
    } else if unreachable {
        // The region is named by the sign-in screen, for providers with one.
        Some(NETWORK_HINT.to_string())
    } else if field == Some(crate::provider::Field::Token) {
        Some(
            "Esc goes back to Credentials, on Token: paste the token again (the paste replaces it), then Enter."
                .to_string(),
        )
    } else if field == Some(crate::provider::Field::ClientSecret) {
        Some(
            "The provider refused the app's credentials: check Client ID and Client secret (a confidential client needs its secret). Esc goes back to Credentials, on Client secret."
                .to_string(),
        )
    } else {
        None
    };
    Failure {
        cancelled: e.is_cancelled(),
        message: e.to_string(),
        hint,
        field,
    }
}

/// The form field a failed sign-in points at: the one a missing value
/// goes in, or the client secret when the token endpoint refused the
/// client (`invalid_client`).
fn failed_field(e: &LoginError) -> Option<crate::provider::Field> {
    use crate::oauth::device::DeviceError;
    use crate::provider::Field;
    match e {
        LoginError::Missing(Needed::Field(f)) => Some(*f),
        LoginError::Missing(Needed::Issuer) => Some(Field::Issuer),
        // Only a token the user gave is checked by the test request here.
        LoginError::Test(crate::probe::TestError::Unauthorized { .. }) => Some(Field::Token),
        LoginError::Token(t) | LoginError::Device(DeviceError::Token(t))
            if t.oauth_error() == Some("invalid_client") =>
        {
            Some(Field::ClientSecret)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_value_is_named_in_form_words() {
        use crate::provider::{Endpoint, Field};
        let hint = |n: Needed| from_login(LoginError::Missing(n)).hint.unwrap();
        let issuer = hint(Needed::Issuer);
        assert!(issuer.contains("Issuer URL"), "{issuer}");
        assert!(
            !issuer.contains("--"),
            "CLI wording in the wizard: {issuer}"
        );
        assert!(hint(Needed::Field(Field::ClientSecret)).contains("Client secret"));
        let token = hint(Needed::Endpoint {
            endpoint: Endpoint::Token,
            discovery: false,
        });
        assert!(
            token.contains("Token URL") && !token.contains("--"),
            "{token}"
        );
    }

    #[test]
    fn a_refused_pasted_token_is_not_told_to_sign_in_again() {
        let f = from_login(LoginError::Test(crate::probe::TestError::Unauthorized {
            status: 401,
            detail: Some("authentication credentials not found".into()),
        }));
        let said = format!("{} {}", f.message, f.hint.clone().unwrap_or_default());
        assert!(!said.to_lowercase().contains("sign in again"), "{said}");
        assert!(said.contains("paste the token again"), "{said}");
        assert_eq!(f.field, Some(crate::provider::Field::Token));
    }

    #[test]
    fn an_unreachable_issuer_gets_the_network_hint() {
        use crate::http::TransportError;
        use crate::provider::discovery::DiscoveryError;
        let e = LoginError::Discovery(DiscoveryError::Transport(TransportError::Connect {
            url: "https://idp.example/.well-known/openid-configuration".into(),
            reason: "Connection refused".into(),
        }));
        let hint = from_login(e).hint.unwrap();
        assert!(hint.contains("Check the network"), "{hint}");
    }

    #[test]
    fn only_access_denied_is_said_as_declined() {
        let hint = |error: &str, d: &str| {
            from_login(LoginError::Callback(CallbackError::Denied {
                error: error.into(),
                description: Some(d.into()),
            }))
            .hint
            .unwrap()
        };
        assert!(hint("access_denied", "").contains("declined"));
        let tenant = hint(
            "invalid_request",
            "AADSTS50194: Application is not configured as a multi-tenant application",
        );
        assert!(tenant.contains("Tenant"), "{tenant}");
        let scope = hint("invalid_scope", "");
        assert!(
            scope.contains("Scopes") && !scope.contains("declined"),
            "{scope}"
        );
        assert!(!hint("invalid_request", "").contains("declined"));
    }
}
