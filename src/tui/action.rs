//! Everything that can happen to the wizard (one `Action` enum) and
//! everything the wizard can ask the outside world to do (`Effect`).

use crate::provider::Field;
use crate::settings::{InitiateOAuth, Settings};
use crossterm::event::{KeyEvent, MouseEvent};
use secrecy::SecretString;
use std::path::PathBuf;

// The sign-in and lookup types that travel in actions and effects, named
// here once so the screens do not depend on where the sign-in code lives.
pub use crate::connections::Loaded;
pub use crate::oauth::LoginEvent;
pub use crate::probe::Choice;
pub use crate::signin::LoginInput;

/// Pasted text. Its `Debug` hides the content because pastes are usually
/// secrets and actions may end up in trace logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Pasted(pub String);

impl std::fmt::Debug for Pasted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pasted([{} chars])", self.0.chars().count())
    }
}

/// Why a background job did not succeed, already in words for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// The user cancelled (not an error to explain).
    pub cancelled: bool,
    /// What to try, when the message itself does not say.
    pub hint: Option<String>,
    /// The form field the failure is about: going back lands on it.
    pub field: Option<crate::provider::Field>,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            cancelled: false,
            hint: None,
            field: None,
        }
    }
}

/// What the save step produced: where, what `--settings` takes to name it,
/// and the next commands (filled by the Save screen, printed on exit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The file's absolute path, or the `vault://` location.
    pub location: String,
    /// What `--settings` takes: the NAME of a file in the settings
    /// directory, else the path or the Vault location (shell-quoted).
    pub settings_arg: String,
    /// The file, when it is one on this machine.
    pub file: Option<PathBuf>,
    /// The replaced document's backup, when one was replaced.
    pub backup: Option<PathBuf>,
    /// What the commands need in their environment (a Vault location:
    /// `VAULT_ADDR=…` and how they authenticate).
    pub env: Vec<String>,
    /// The next commands, each with what it is for.
    pub next: Vec<Step>,
}

/// One command worth running next, and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub what: String,
    pub command: String,
}

/// Where the Save screen writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveTarget {
    /// A settings file; `name` when it is `<config>/settings/NAME.json`.
    File {
        path: PathBuf,
        name: Option<String>,
    },
    Vault(VaultTarget),
}

/// A Vault / OpenBao KV v2 location and how to authenticate there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultTarget {
    pub addr: String,
    /// `vault://MOUNT/PATH`.
    pub location: String,
    pub auth: VaultAuth,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultAuth {
    /// `VAULT_TOKEN` / `BAO_TOKEN` / `~/.vault-token`.
    Token,
    /// AppRole: the role ID and the file holding the secret ID.
    AppRole {
        role_id: String,
        secret_id_file: PathBuf,
    },
}

/// The location asked for already holds a connection: the Save screen asks
/// whether to replace it or to take another name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub location: String,
    /// What is there, in a few words ("Cvent, jane@example.com").
    pub holds: String,
    /// Where the old document will be kept if it is replaced (files).
    pub backup: Option<PathBuf>,
    /// A free name beside it (files in the settings directory).
    pub free_name: Option<String>,
    /// What is there cannot be read with this key: replacing it needs
    /// to say so (the backup then keeps it as it is).
    pub unreadable: bool,
}

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(Pasted),
    Resize(u16, u16),
    Tick,
    /// Progress of sign-in number `run`; older runs are ignored.
    Login {
        run: u64,
        event: LoginEvent,
    },
    LoginFinished {
        run: u64,
        result: Result<Box<Settings>, Failure>,
    },
    /// `Ok` carries the one-line summary of the test call.
    TestFinished {
        run: u64,
        result: Result<String, Failure>,
    },
    SaveFinished(Result<Saved, Failure>),
    /// The save did not write: the location holds a connection already.
    SaveTaken(Taken),
    /// The transfer bundle for a server (`Effect::ExportBundle`).
    ExportFinished(Result<PathBuf, Failure>),
    /// The pasted redirect URL was handed to the local callback server.
    ReplayFinished(Result<(), Failure>),
    /// The pick list for a field (`Effect::Lookup`).
    LookupFinished {
        run: u64,
        result: Result<Vec<Choice>, Failure>,
    },
    /// The scopes an issuer's discovery document lists (`Effect::OfferScopes`).
    ScopesOffered {
        issuer: String,
        scopes: Vec<String>,
        /// The document lists no public-client authentication (`none`).
        secret_expected: bool,
    },
    /// Something worth a line in the status bar (a browser that did not start, ...).
    Notice(String),
    /// The saved connections (`Effect::LoadConnections`), for the home
    /// screen, read at `at` (Unix seconds).
    ConnectionsLoaded {
        at: i64,
        result: Result<Vec<Loaded>, Failure>,
    },
    /// How job `run` on a saved connection (test, renew, log out) ended;
    /// `Ok` is one line to show.
    ConnectionFinished {
        run: u64,
        result: Result<String, Failure>,
    },
    /// What to use a saved file with (`Effect::Describe`).
    Described(Saved),
    /// Start with this provider (`oauth-setup --provider ID`).
    ChooseProvider(String),
}

/// Side effects requested by `update`; the executor (or a test) runs them.
#[derive(Debug, Clone)]
pub enum Effect {
    StartLogin {
        run: u64,
        input: Box<LoginInput>,
    },
    CancelLogin,
    StartTest {
        run: u64,
        settings: Box<Settings>,
    },
    /// Write the settings at `target`; `replace` once the user said so
    /// (else a location that holds a connection answers `SaveTaken`).
    Save {
        target: SaveTarget,
        settings: Box<Settings>,
        mode: InitiateOAuth,
        replace: bool,
        /// Where a location outside it is remembered for `list` and home.
        config_dir: PathBuf,
    },
    /// Fetch the pick list for `field` (a token by client credentials from
    /// what the form holds, then the profile's lookup request).
    Lookup {
        run: u64,
        field: Field,
        input: Box<LoginInput>,
    },
    /// Write the settings as a passphrase-encrypted age bundle for `import`
    /// on a server.
    ExportBundle {
        path: PathBuf,
        settings: Box<Settings>,
        mode: InitiateOAuth,
        passphrase: SecretString,
    },
    OpenUrl(String),
    /// Copy to the clipboard through OSC 52.
    Copy(String),
    /// Take the mouse (true) or leave it to the terminal's selection.
    MouseCapture(bool),
    /// Read `issuer`'s discovery document for the scopes it lists.
    OfferScopes {
        issuer: String,
    },
    /// Deliver a redirect URL pasted by the user to the loopback server that
    /// waits for it, exactly as a browser on this machine would.
    ReplayRedirect {
        redirect_uri: String,
        pasted: String,
    },
    /// Read the saved connections in `config_dir`.
    LoadConnections {
        config_dir: PathBuf,
    },
    /// The provider's test request with a saved connection's token.
    TestConnection {
        run: u64,
        path: PathBuf,
    },
    /// A new token for a saved connection now.
    RenewConnection {
        run: u64,
        path: PathBuf,
    },
    /// Revoke at the provider (unless `local_only`), then remove the files.
    Logout {
        run: u64,
        config_dir: PathBuf,
        path: PathBuf,
        local_only: bool,
    },
    /// Say what a saved file is used with (answered by `Action::Described`).
    Describe {
        path: PathBuf,
        config_dir: PathBuf,
    },
    Quit,
}
