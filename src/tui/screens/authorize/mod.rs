//! Sign-in: starts the flow on arrival, follows its progress (the URL, copy,
//! QR, time left), cancel, paste-the-redirect for a browser on another
//! machine, errors and retry.

mod render;

pub(in crate::tui) use render::plain as render_plain;

use super::{Nav, keys};
use crate::oauth::BrowserMode;
use crate::provider::SchemeKind;
use crate::settings::Settings;
use crate::tui::action::{Effect, Failure, LoginEvent};
use crate::tui::request;
use crate::tui::state::{Phase, Screen, State, TICK};
use crate::tui::widgets::Hint;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::time::Duration;
use tui_input::Input;

#[derive(Debug, Clone, Default)]
pub struct AuthScreen {
    /// Progress and results of older runs are ignored.
    pub run: u64,
    pub phase: AuthPhase,
    /// The address to open. It outlives the attempt: c still copies it
    /// after a failure.
    pub url: Option<String>,
    /// Why the browser did not start; still worth saying after a failure.
    pub browser_failed: Option<String>,
    /// Show the QR code of `url` instead of the text.
    pub qr: bool,
    /// The address alone on a plain screen (`u`): no box, no wrapping of
    /// ours, so a mouse or tmux copy-mode selects it whole.
    pub plain: bool,
    /// A remote shell (SSH, no display): a code flow starts no browser; the
    /// address is shown and either the pasted result or a forwarded-port
    /// callback completes the sign-in. Set once from the environment when
    /// the wizard starts (`app.rs`), so tests driving the state see none.
    pub remote_shell: bool,
    /// The title of the profile's device method, when no browser is started
    /// here and the server offers the device flow.
    pub device_offer: Option<String>,
}

/// Where the sign-in stands, each phase with what only it needs.
#[derive(Debug, Clone, Default)]
pub enum AuthPhase {
    /// Not started (a provider was just picked).
    #[default]
    Idle,
    Running(Waiting),
    Done,
    Failed {
        message: String,
        /// What to try, when the message does not say.
        hint: Option<String>,
    },
    Cancelled,
}

/// What a running sign-in has reported so far.
#[derive(Debug, Clone, Default)]
pub struct Waiting {
    pub status: String,
    /// Esc was pressed; the flow has not stopped yet.
    pub cancelling: bool,
    /// Where the loopback server waits (authorization code flow).
    pub redirect_uri: Option<String>,
    /// Time left when last reported, and `State::tick` then: the countdown
    /// runs on ticks in between.
    pub remaining: Option<(Duration, u64)>,
    pub device: Option<DeviceInfo>,
    /// Some while the user pastes the redirect URL from another machine.
    pub paste: Option<Input>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub user_code: String,
    pub verification_uri: String,
    /// The page with the code filled in, when the server offers one.
    pub verification_uri_complete: Option<String>,
}

impl AuthScreen {
    pub fn running(&self) -> bool {
        matches!(self.phase, AuthPhase::Running(_))
    }

    /// The device code being shown, while the device flow waits.
    pub fn device(&self) -> Option<&DeviceInfo> {
        match &self.phase {
            AuthPhase::Running(w) => w.device.as_ref(),
            AuthPhase::Idle | AuthPhase::Done | AuthPhase::Failed { .. } | AuthPhase::Cancelled => {
                None
            }
        }
    }

    /// Time left for the sign-in at `tick`, counted down between the
    /// flow's reports.
    pub fn time_left(&self, tick: u64) -> Option<Duration> {
        let AuthPhase::Running(w) = &self.phase else {
            return None;
        };
        let (remaining, at) = w.remaining?;
        let since = u32::try_from(tick.saturating_sub(at)).unwrap_or(u32::MAX);
        Some(remaining.saturating_sub(TICK.saturating_mul(since)))
    }

    fn waiting_mut(&mut self) -> Option<&mut Waiting> {
        match &mut self.phase {
            AuthPhase::Running(w) => Some(w),
            AuthPhase::Idle | AuthPhase::Done | AuthPhase::Failed { .. } | AuthPhase::Cancelled => {
                None
            }
        }
    }

    /// Another provider was picked: what this sign-in ended with no longer
    /// applies.
    pub fn forget_outcome(&mut self) {
        self.phase = AuthPhase::Idle;
    }
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Sign in"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render::render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        let a = &state.auth;
        match &a.phase {
            AuthPhase::Running(w) if w.paste.is_some() => {
                vec![("Enter", "deliver"), ("Esc", "cancel paste")]
            }
            AuthPhase::Running(_) | AuthPhase::Idle => {
                let mut h = Vec::new();
                if a.url.is_some() {
                    h.push(("u", "URL alone"));
                    h.push(("c", "copy URL"));
                    // Only the device page is opened from here: see `o`.
                    if a.device().is_some() {
                        h.push(("o", "open"));
                    }
                    h.push(("q", "QR"));
                }
                if let AuthPhase::Running(w) = &a.phase
                    && w.redirect_uri.is_some()
                {
                    h.push(("p", "paste redirect"));
                }
                h.push(("Esc", "cancel"));
                h
            }
            AuthPhase::Done => vec![("Enter", "next")],
            AuthPhase::Failed { .. } | AuthPhase::Cancelled => {
                vec![("r", "retry"), ("Esc", "back")]
            }
        }
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        if state.auth.waiting_mut().is_some_and(|w| w.paste.is_some()) {
            paste_key(state, k, fx);
            return Nav::Stay;
        }
        if plain_view(state).is_some() {
            // Any key leaves the address view (Ctrl-C still quits: `update`).
            state.auth.plain = false;
            return Nav::Stay;
        }
        let a = &mut state.auth;
        match k.code {
            KeyCode::Char('u') if a.url.is_some() => {
                a.plain = true;
                a.qr = false;
            }
            KeyCode::Esc => match &mut a.phase {
                AuthPhase::Running(w) => {
                    if !w.cancelling {
                        w.cancelling = true;
                        w.status = "Cancelling…".into();
                        fx.push(Effect::CancelLogin);
                    }
                }
                AuthPhase::Idle
                | AuthPhase::Done
                | AuthPhase::Failed { .. }
                | AuthPhase::Cancelled => {
                    return Nav::Back;
                }
            },
            KeyCode::Char('c') => match a.url.clone() {
                Some(url) => keys::copy(state, fx, "The address was", url),
                None => state.info("No address yet."),
            },
            KeyCode::Char('o') => match a.device() {
                // The page as shown, not the one with the code filled in:
                // a browser's arguments are readable by every local user.
                Some(d) => fx.push(Effect::OpenUrl(d.verification_uri.clone())),
                // The browser got a one-time link; opening the real address
                // from here would hand the state to other local users.
                None if a.url.is_some() => state.info(
                    "The browser's link worked once: u shows the address to copy into a browser.",
                ),
                None => state.info("No address yet."),
            },
            KeyCode::Char('q') if a.url.is_some() => a.qr = !a.qr,
            KeyCode::Char('p') => {
                if let Some(w) = a.waiting_mut()
                    && w.redirect_uri.is_some()
                {
                    w.paste = Some(Input::default());
                }
            }
            KeyCode::Char('r') | KeyCode::Enter => match a.phase {
                AuthPhase::Failed { .. } | AuthPhase::Cancelled | AuthPhase::Idle => {
                    start(state, fx);
                }
                AuthPhase::Done if k.code == KeyCode::Enter => return Nav::Next,
                AuthPhase::Done | AuthPhase::Running(_) => {}
            },
            _ => {}
        }
        Nav::Stay
    }

    fn on_paste(&self, state: &mut State, text: &str) {
        // Pasting here can only mean the redirect from another machine.
        if let Some(w) = state.auth.waiting_mut()
            && w.redirect_uri.is_some()
        {
            keys::insert(w.paste.get_or_insert_with(Input::default), text);
        }
    }

    fn typing(&self, state: &State) -> bool {
        // The address view takes every key as "go back" (`?` and `m` too).
        matches!(&state.auth.phase, AuthPhase::Running(w) if w.paste.is_some())
            || plain_view(state).is_some()
    }

    fn enter(&self, state: &mut State, fx: &mut Vec<Effect>) {
        start(state, fx);
    }
}

/// The address to show alone, while the `u` view is on and the sign-in
/// still waits for it.
pub fn plain_view(state: &State) -> Option<&str> {
    let a = &state.auth;
    (state.screen == Screen::Authorize && a.plain && a.running())
        .then_some(a.url.as_deref())
        .flatten()
}

/// The address view as plain text for the terminal to wrap by itself
/// (CR LF: the terminal is in raw mode). Sanitised: the address comes from
/// the provider's metadata.
pub fn plain_text(url: &str) -> String {
    format!(
        "Sign-in address: select it with the mouse (or tmux copy-mode) and copy it.\r\nAny key goes back.\r\n\r\n{}\r\n",
        crate::text::sanitize(url, usize::MAX)
    )
}

/// What to leave on the terminal's normal screen when the wizard ends in
/// the middle of a browser sign-in: the address it was waiting on.
pub fn exit_note(state: &State) -> Option<String> {
    let a = &state.auth;
    if state.screen != Screen::Authorize || !a.running() || a.device().is_some() {
        return None;
    }
    let url = a.url.as_deref()?;
    Some(format!(
        "The sign-in was waiting on this address (it ended with the wizard; run it again for a new one):\n{}",
        crate::text::sanitize(url, usize::MAX)
    ))
}

/// Keys while the redirect address from another machine is being pasted.
fn paste_key(state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(w) = state.auth.waiting_mut() else {
        return;
    };
    let Some(input) = w.paste.as_mut() else {
        return;
    };
    match k.code {
        KeyCode::Esc => w.paste = None,
        KeyCode::Enter => {
            let pasted = input.value().trim().to_string();
            match w.redirect_uri.clone() {
                Some(redirect_uri) if !pasted.is_empty() => {
                    state.info("Delivering the address…");
                    fx.push(Effect::ReplayRedirect {
                        redirect_uri,
                        pasted,
                    });
                }
                Some(_) | None => state.error("Paste the address first."),
            }
        }
        _ => keys::edit(input, k),
    }
}

/// Starts sign-in number `run + 1`; what the last one produced is dropped.
fn start(state: &mut State, fx: &mut Vec<Effect>) {
    let mut input = request::login_input(state);
    let code_flow = state
        .scheme()
        .is_some_and(|s| s.kind == SchemeKind::AuthorizationCode);
    let remote_shell = state.auth.remote_shell;
    if code_flow && remote_shell {
        input.browser = BrowserMode::PrintOnly;
    }
    let run = state.auth.run + 1;
    state.auth = AuthScreen {
        run,
        remote_shell,
        phase: AuthPhase::Running(Waiting {
            status: if code_flow {
                "Starting the sign-in…".into()
            } else {
                "Requesting a token…".into()
            },
            ..Waiting::default()
        }),
        ..AuthScreen::default()
    };
    state.settings = None;
    state.test = Default::default();
    state.save.phase = Phase::Idle;
    state.save.saved = None;
    fx.push(Effect::StartLogin {
        run,
        input: Box::new(input),
    });
}

/// Progress of sign-in `run`.
pub fn progress(state: &mut State, run: u64, event: LoginEvent) {
    let tick = state.tick;
    let a = &mut state.auth;
    if run != a.run {
        return;
    }
    let AuthPhase::Running(w) = &mut a.phase else {
        return;
    };
    match event {
        LoginEvent::Discovering { issuer } => {
            w.status = format!("Looking up the endpoints of {issuer}…");
        }
        LoginEvent::ScopesNotListed { dropped, kept } => {
            let names: Vec<_> = dropped.iter().chain(&kept).map(String::as_str).collect();
            w.status = format!("The server does not list {}.", names.join(", "));
        }
        LoginEvent::DeviceOffered { scheme } => {
            let title = state
                .profile()
                .and_then(|p| p.schemes.iter().find(|s| s.id == scheme))
                .map_or(scheme, |s| s.title.clone());
            state.auth.device_offer = Some(title);
        }
        LoginEvent::Listening { redirect_uri } => {
            w.status = "Waiting for the browser…".into();
            w.redirect_uri = Some(redirect_uri);
        }
        LoginEvent::AuthorizeUrl {
            url,
            browser_started,
        } => {
            a.url = Some(url);
            w.status = if browser_started {
                "A browser window opened: sign in and approve there.".into()
            } else {
                "Open the address below in a browser and approve.".into()
            };
        }
        LoginEvent::BrowserFailed { reason } => a.browser_failed = Some(reason),
        LoginEvent::Waiting { remaining } => w.remaining = Some((remaining, tick)),
        LoginEvent::DeviceCode {
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_in,
        } => {
            w.status = "Open the address on any device and enter the code.".into();
            a.url = Some(
                verification_uri_complete
                    .clone()
                    .unwrap_or_else(|| verification_uri.clone()),
            );
            w.device = Some(DeviceInfo {
                user_code,
                verification_uri,
                verification_uri_complete,
            });
            w.remaining = Some((expires_in, tick));
        }
        LoginEvent::RequestingToken => w.status = "Getting the token…".into(),
        LoginEvent::Done => w.status = "Signed in.".into(),
    }
}

/// How sign-in `run` ended; success goes straight on.
pub fn finished(state: &mut State, run: u64, result: Result<Box<Settings>, Failure>) -> Nav {
    if run != state.auth.run {
        return Nav::Stay;
    }
    match result {
        Ok(settings) => {
            state.auth.phase = AuthPhase::Done;
            state.settings = Some(*settings);
            if state.screen == Screen::Authorize {
                return Nav::Next;
            }
        }
        Err(f) if f.cancelled => state.auth.phase = AuthPhase::Cancelled,
        Err(f) => {
            let hint = explain(state, &f);
            state.auth.phase = AuthPhase::Failed {
                message: f.message,
                hint,
            }
        }
    }
    Nav::Stay
}

/// The failure's advice for this provider and form: the region only where
/// there is one to pick; a refused client points at the secret, and puts
/// the form's focus there for the way back.
fn explain(state: &mut State, f: &Failure) -> Option<String> {
    use crate::provider::Field;
    use crate::tui::screens::credentials::{FormKey, FormRow, form_rows};
    let mut hint = f.hint.clone();
    if hint.as_deref() == Some(crate::tui::failure::NETWORK_HINT)
        && state.profile().is_some_and(|p| p.regions.len() > 1)
    {
        hint = Some(format!(
            "{} Check the region too (Esc back to the method screen).",
            crate::tui::failure::NETWORK_HINT
        ));
    }
    let Some(field) = f.field else { return hint };
    let key = FormKey::Field(field);
    let Some(row) = form_rows(state)
        .iter()
        .position(|r| matches!(r, FormRow::Input { key: k, .. } if *k == key))
    else {
        return hint;
    };
    state.creds.focus = row;
    state.creds.attempted = true;
    if field == Field::ClientSecret && state.creds.value(&key).trim().is_empty() {
        hint = Some(
            "The provider wants this app's client secret (a confidential client): Esc goes back to Credentials, on Client secret; paste it there."
                .into(),
        );
    }
    hint
}

/// The pasted redirect address reached the loopback server (or did not).
pub fn replayed(state: &mut State, result: Result<(), Failure>) {
    match result {
        Ok(()) => {
            // Said as the sign-in's status, which goes with it: never left
            // standing under a failure.
            if let Some(w) = state.auth.waiting_mut() {
                w.paste = None;
                w.status = "Address delivered: finishing the sign-in…".into();
            }
        }
        Err(Failure { message, .. }) => state.error(message),
    }
}
