//! `--key-store` and the `key` command.

use clap::{Args, Subcommand, ValueEnum};
use oauth_setup::settings::KeyStore;

/// Where this config dir's own key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyStoreArg {
    /// `<config dir>/key`, mode 0600.
    File,
    /// The OS keyring: Secret Service (Linux), Keychain (macOS),
    /// Credential Manager (Windows).
    Keyring,
}

impl From<KeyStoreArg> for KeyStore {
    fn from(a: KeyStoreArg) -> Self {
        match a {
            KeyStoreArg::File => KeyStore::File,
            KeyStoreArg::Keyring => KeyStore::Keyring,
        }
    }
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub action: KeyAction,
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Move this config dir's key to the other store; the settings files
    /// stay readable (the key itself does not change), and the old copy is
    /// removed only once the new one reads back the same.
    Move(KeyMoveArgs),
}

#[derive(Debug, Args)]
pub struct KeyMoveArgs {
    /// The store to move the key to.
    #[arg(long, value_enum, value_name = "STORE")]
    pub to: KeyStoreArg,
}
