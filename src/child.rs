//! Starting other programs (the browser today) without handing them our
//! secrets: a child inherits the environment, and ours may hold the client
//! secret, the key, a password, a token or a passphrase.

use std::process::Command;

/// Variables no child gets: every `OAUTH_SETUP_*` (none is meant for another
/// program, and several hold secrets) and the secrets-manager tokens.
fn is_ours(name: &str) -> bool {
    name.starts_with("OAUTH_SETUP_") || matches!(name, "VAULT_TOKEN" | "BAO_TOKEN")
}

/// Removes our variables from what `cmd` will inherit.
pub fn scrub(cmd: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_none_or(is_ours) {
            cmd.env_remove(&name);
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_variables() {
        assert!(is_ours("OAUTH_SETUP_CLIENT_SECRET"));
        assert!(is_ours("OAUTH_SETUP_KEY"));
        assert!(is_ours("VAULT_TOKEN"));
        assert!(!is_ours("PATH"));
        assert!(!is_ours("DISPLAY"));
        assert!(!is_ours("XOAUTH_SETUP_KEY"));
    }
}
