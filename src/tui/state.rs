//! What the whole wizard shares: the profiles, which screen is current, the
//! status line, and each screen's own state side by side. Every screen keeps
//! its answers while another is current, so Back (and Forward again) keeps
//! everything typed so far. Answers that stop making sense are reset
//! explicitly: by the provider screen when another provider is picked, by
//! `update` when a method is entered for the first time.

use super::screens::authorize::AuthScreen;
use super::screens::credentials::{self, CredsScreen};
use super::screens::home::HomeScreen;
use super::screens::method::MethodScreen;
use super::screens::provider::ProviderScreen;
use super::screens::save::{SaveScreen, VaultForm};
use super::screens::scopes::ScopesScreen;
use super::screens::setup::SetupScreen;
use super::screens::test::TestScreen;
use super::theme::Theme;
use crate::provider::{Profile, Region, Scheme, SchemeKind};
use crate::settings::Settings;
use crate::signin::LoginInput;
use std::path::PathBuf;
use std::time::Duration;

/// How often the app sends `Action::Tick` (spinner, countdowns).
pub const TICK: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    /// The saved connections, first when there are any.
    Home,
    Provider,
    Method,
    Setup,
    Scopes,
    Credentials,
    Authorize,
    Test,
    Save,
}

/// What y to a question that would lose work does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnYes {
    /// Leave the wizard.
    #[default]
    Quit,
    /// Back to the list of connections (an errand started there).
    List,
    /// Sign in again with the changed answers, dropping the credential.
    SignIn,
}

impl OnYes {
    /// The question box's title and the word for y.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            OnYes::Quit => (" Quit? ", "quit"),
            OnYes::List => (" Back to the list? ", "back to the list"),
            OnYes::SignIn => (" Sign in again? ", "sign in again"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub kind: NoticeKind,
}

/// Where a background job (test call, save, export) stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Phase {
    #[default]
    Idle,
    Running,
    Done,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct State {
    pub profiles: Vec<Profile>,
    pub config_dir: PathBuf,
    pub theme: Theme,
    pub size: (u16, u16),
    pub screen: Screen,
    /// Help overlay open, with its scroll offset.
    pub help: Option<u16>,
    pub notice: Option<Notice>,
    pub quit: bool,
    pub tick: u64,
    /// Shown on the provider screen when profiles could not all be loaded.
    pub load_error: Option<String>,
    /// Index into `profiles` of the chosen provider.
    pub chosen: Option<usize>,
    pub provider: ProviderScreen,
    pub method: MethodScreen,
    pub setup: SetupScreen,
    pub scopes: ScopesScreen,
    pub creds: CredsScreen,
    pub auth: AuthScreen,
    pub test: TestScreen,
    pub save: SaveScreen,
    pub home: HomeScreen,
    /// What the sign-in produced; saved on the last screen.
    pub settings: Option<Settings>,
    /// (profile, scheme) whose defaults (scopes, callback URL) are filled in.
    pub defaults_for: Option<(usize, usize)>,
    /// The Vault conventions when the wizard started (the app reads them, so
    /// `update` stays free of I/O); the Save screen starts from them.
    pub vault_env: VaultForm,
    /// A step that would lose work (a quit, the way back to the list, a
    /// second sign-in), waiting for y/n: the question asked.
    pub confirm_quit: Option<String>,
    /// What y to that question does.
    pub on_yes: OnYes,
    /// The request of the last sign-in started: going forward again with
    /// the same answers keeps its credential instead of signing in twice.
    pub signed_in_with: Option<Box<LoginInput>>,
    /// Whether the wizard takes the mouse (clicks, wheel); off lets the
    /// terminal's own selection copy text.
    pub mouse_capture: bool,
}

impl State {
    pub fn new(profiles: Vec<Profile>, config_dir: PathBuf, theme: Theme) -> Self {
        Self {
            profiles,
            config_dir,
            theme,
            size: (80, 24),
            screen: Screen::Provider,
            help: None,
            notice: None,
            quit: false,
            tick: 0,
            load_error: None,
            chosen: None,
            provider: ProviderScreen::default(),
            method: MethodScreen::default(),
            setup: SetupScreen::default(),
            scopes: ScopesScreen::default(),
            creds: CredsScreen::default(),
            auth: AuthScreen::default(),
            test: TestScreen::default(),
            save: SaveScreen::default(),
            home: HomeScreen::default(),
            settings: None,
            defaults_for: None,
            vault_env: VaultForm::default(),
            confirm_quit: None,
            on_yes: OnYes::default(),
            signed_in_with: None,
            mouse_capture: true,
        }
    }

    /// Drops everything a sign-in in progress holds (its answers, grant,
    /// test and save form), so the next one starts from nothing it did not
    /// choose: a new connection, or an errand from the list.
    pub fn forget_sign_in(&mut self) {
        self.chosen = None;
        self.method = Default::default();
        self.setup = Default::default();
        self.scopes = Default::default();
        self.creds = Default::default();
        self.auth.forget_outcome();
        self.test = Default::default();
        self.save = Default::default();
        self.settings = None;
        self.signed_in_with = None;
        self.defaults_for = None;
    }

    pub fn profile(&self) -> Option<&Profile> {
        self.chosen.and_then(|i| self.profiles.get(i))
    }

    pub fn scheme(&self) -> Option<&Scheme> {
        self.profile()?.schemes.get(self.method.scheme)
    }

    pub fn region(&self) -> Option<&Region> {
        self.profile()?.regions.get(self.method.region)
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            kind: NoticeKind::Info,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            kind: NoticeKind::Error,
        });
    }

    /// The screens this provider and method go through, in order.
    pub fn steps(&self) -> Vec<Screen> {
        let mut v = vec![Screen::Provider];
        if self.home.shown() {
            v.insert(0, Screen::Home);
        }
        let Some(p) = self.profile() else {
            return v;
        };
        if p.schemes.len() > 1 || p.regions.len() > 1 {
            v.push(Screen::Method);
        }
        let scheme = self.scheme();
        if scheme
            .is_some_and(|s| !s.setup_steps.is_empty() || s.kind == SchemeKind::AuthorizationCode)
        {
            v.push(Screen::Setup);
        }
        if scheme.is_some_and(|s| s.uses_scopes) && !p.scopes.is_empty() {
            v.push(Screen::Scopes);
        }
        if !credentials::form_rows(self).is_empty() {
            v.push(Screen::Credentials);
        }
        v.push(Screen::Authorize);
        if p.test.is_some() {
            v.push(Screen::Test);
        }
        v.push(Screen::Save);
        v
    }
}
