//! Everything that can happen to the wizard (one `Action` enum) and
//! everything the wizard can ask the outside world to do (`Effect`).

use crate::provider::Field;
use crate::settings::{InitiateOAuth, Settings};
use crossterm::event::{KeyEvent, MouseEvent};
use secrecy::SecretString;
use std::path::PathBuf;

// The sign-in and lookup types that travel in actions and effects, named
// here once so the screens do not depend on where the sign-in code lives.
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
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            cancelled: false,
            hint: None,
        }
    }
}

/// What the save step produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    pub connection_string: String,
    pub token_command: String,
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
    },
    /// Something worth a line in the status bar (a browser that did not start, ...).
    Notice(String),
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
    Save {
        path: PathBuf,
        settings: Box<Settings>,
        mode: InitiateOAuth,
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
    Quit,
}
