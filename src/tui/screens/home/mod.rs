//! The saved connections, first when there are any: each with its token's
//! state, and what can be done to it — test, renew now, sign in again (every
//! answer filled in from the file), change scopes, export, log out — plus a
//! new connection.

mod errand;
mod prefill;
mod render;

pub use errand::Reconnect;
use errand::{begin, end_errand};

use super::{Nav, keys, save};
use crate::connections::{Connection, Loaded, TokenState};
use crate::provider::SchemeKind;
use crate::tui::action::{Effect, Failure, Saved};
use crate::tui::layout;
use crate::tui::state::{Screen, State};
use crate::tui::widgets::{Hint, list};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct HomeScreen {
    /// The connections as last read; None until the first read.
    pub rows: Option<Vec<Loaded>>,
    /// Unix seconds of that read: how long ago a test ran counts from it.
    pub read_at: i64,
    /// Why the list could not be read.
    pub error: Option<String>,
    pub cursor: usize,
    /// A question waiting for y / n.
    pub confirm: Option<Confirm>,
    /// Results of older jobs are ignored.
    pub run: u64,
    /// The job running on a connection.
    pub job: Option<Job>,
    /// How the last job ended, shown under its connection.
    pub outcome: Option<Outcome>,
    /// The connection being signed in again (or exported): Save writes
    /// there, replacing it, and the sign-in starts from its whole document.
    pub reconnecting: Option<Reconnect>,
    /// The file whose export was asked for (until `Action::Described`).
    pub describing: Option<PathBuf>,
    /// What the last errand from here saved: the wizard, closed on the
    /// list, reports it (and ends as a success).
    pub saved: Option<Saved>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Revoke at the provider, then remove the files.
    LogOut(PathBuf),
    /// The revocation failed (or the file cannot be opened): remove the
    /// files without revoking.
    RemoveAnyway(PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Test,
    Renew,
    LogOut { local_only: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub kind: JobKind,
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub job: Job,
    pub result: Result<String, Failure>,
}

/// What a key on the home screen does to the selected connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Test,
    Renew,
    SignIn,
    Scopes,
    Export,
    LogOut,
}

impl HomeScreen {
    /// True when there are connections to show (the home screen is a step).
    pub fn shown(&self) -> bool {
        self.rows.as_ref().is_some_and(|r| !r.is_empty())
    }

    pub fn rows(&self) -> &[Loaded] {
        self.rows.as_deref().unwrap_or_default()
    }

    pub fn selected(&self) -> Option<&Loaded> {
        self.rows().get(self.cursor)
    }

    fn running(&self) -> bool {
        self.job.is_some()
    }
}

pub(super) struct Page;

impl super::Page for Page {
    fn title(&self) -> &'static str {
        "Your connections"
    }

    fn render(&self, frame: &mut Frame, inner: Rect, state: &State) {
        render::render(frame, inner, state);
    }

    fn hints(&self, state: &State) -> Vec<Hint> {
        let h = &state.home;
        if h.confirm.is_some() {
            return vec![("y", "yes"), ("n", "no")];
        }
        let mut v = Vec::new();
        if !h.rows().is_empty() {
            v.push(("↑↓", "choose"));
            if let Some(a) = h.selected().and_then(|l| suggested(h, l)) {
                v.push(("Enter", act_word(a)));
            }
        }
        v.push(("n", "new connection"));
        v.push(("Esc", "quit"));
        v
    }

    fn on_key(&self, state: &mut State, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
        if let Some(c) = state.home.confirm.clone() {
            return confirm_key(state, c, k, fx);
        }
        let n = state.home.rows().len();
        let area = layout::home_list(keys::inner(state));
        if keys::nav(&mut state.home.cursor, n, keys::page(area), &k) {
            return Nav::Stay;
        }
        let act = match k.code {
            KeyCode::Enter => match state
                .home
                .selected()
                .and_then(|l| suggested(&state.home, l))
            {
                Some(a) => a,
                None if n == 0 => return new_connection(state),
                None => {
                    state
                        .info("Nothing to do for this one from here: see the keys below the list.");
                    return Nav::Stay;
                }
            },
            KeyCode::Char('t') => Act::Test,
            KeyCode::Char('r') => Act::Renew,
            KeyCode::Char('s') => Act::SignIn,
            KeyCode::Char('c') => Act::Scopes,
            KeyCode::Char('e') => Act::Export,
            KeyCode::Char('l') | KeyCode::Delete => Act::LogOut,
            KeyCode::Char('n') => return new_connection(state),
            KeyCode::Esc | KeyCode::Char('q') => return Nav::Quit,
            _ => return Nav::Stay,
        };
        act_on(state, act, fx)
    }

    fn on_click(
        &self,
        state: &mut State,
        inner: Rect,
        (col, row): (u16, u16),
        fx: &mut Vec<Effect>,
    ) -> Nav {
        if state.home.confirm.is_some() {
            return Nav::Stay;
        }
        let a = layout::home_list(inner);
        let n = state.home.rows().len();
        let cursor = state.home.cursor;
        match list::hit(a, n, cursor, col, row) {
            Some(i) if i == cursor => match state
                .home
                .selected()
                .and_then(|l| suggested(&state.home, l))
            {
                Some(act) => act_on(state, act, fx),
                None => Nav::Stay,
            },
            Some(i) => {
                state.home.cursor = i;
                Nav::Stay
            }
            None => Nav::Stay,
        }
    }

    fn scrolls(&self) -> bool {
        true
    }

    fn enter(&self, state: &mut State, fx: &mut Vec<Effect>) {
        end_errand(state);
        fx.push(Effect::LoadConnections {
            config_dir: state.config_dir.clone(),
        });
    }
}

fn act_word(a: Act) -> &'static str {
    match a {
        Act::Test => "test",
        Act::Renew => "renew now",
        Act::SignIn => "sign in again",
        Act::Scopes => "change scopes",
        Act::Export => "export",
        Act::LogOut => "log out",
    }
}

/// What Enter does for this connection: what its state calls for.
fn suggested(h: &HomeScreen, l: &Loaded) -> Option<Act> {
    let c = &l.connection;
    // A renewal that just failed for want of a sign-in points at one.
    if let Some(o) = &h.outcome
        && o.job.path == c.location
        && o.job.kind == JobKind::Renew
        && o.result.as_ref().is_err_and(|f| f.hint.is_some())
    {
        return Some(Act::SignIn);
    }
    match &c.token {
        TokenState::Valid { .. } | TokenState::HandedOff { .. } => Some(Act::Test),
        TokenState::Renewable => Some(Act::Renew),
        TokenState::NeedsSignIn { .. } => Some(Act::SignIn),
        TokenState::Unreadable(_) | TokenState::Missing => None,
    }
}

fn name_of(c: &Connection) -> String {
    crate::text::sanitize(&c.name, 40)
}

fn act_on(state: &mut State, act: Act, fx: &mut Vec<Effect>) -> Nav {
    let Some(l) = state.home.selected().cloned() else {
        state.info("No connection yet: n makes one.");
        return Nav::Stay;
    };
    let c = &l.connection;
    let name = name_of(c);
    if state.home.running() && act != Act::Export {
        state.info("Wait for the current job to finish.");
        return Nav::Stay;
    }
    let settings = match (&l.settings, act) {
        // Removing needs no reading: an unreadable file can still go.
        (None, Act::LogOut) => {
            state.home.confirm = Some(Confirm::RemoveAnyway(c.location.clone()));
            return Nav::Stay;
        }
        (None, _) => {
            let why = match &c.token {
                TokenState::Unreadable(e) => crate::text::sanitize(e, 200),
                _ => "it cannot be read".into(),
            };
            state.error(format!("{name} cannot be opened: {why}"));
            return Nav::Stay;
        }
        (Some(s), _) => s,
    };
    match act {
        Act::Test => start(state, JobKind::Test, c.location.clone(), fx),
        Act::Renew if settings.meta.kind == SchemeKind::StaticToken => {
            state.info(format!(
                "{name} uses a token you pasted: it does not renew. s signs in again with a new one."
            ));
        }
        Act::Renew => start(state, JobKind::Renew, c.location.clone(), fx),
        Act::LogOut => state.home.confirm = Some(Confirm::LogOut(c.location.clone())),
        Act::SignIn | Act::Scopes | Act::Export => {
            let settings = settings.clone();
            return begin(state, &settings, &c.location, act, fx);
        }
    }
    Nav::Stay
}

fn start(state: &mut State, kind: JobKind, path: PathBuf, fx: &mut Vec<Effect>) {
    let h = &mut state.home;
    h.run += 1;
    let run = h.run;
    h.outcome = None;
    h.job = Some(Job {
        kind,
        path: path.clone(),
    });
    fx.push(match kind {
        JobKind::Test => Effect::TestConnection { run, path },
        JobKind::Renew => Effect::RenewConnection { run, path },
        JobKind::LogOut { local_only } => Effect::Logout {
            run,
            config_dir: state.config_dir.clone(),
            path,
            local_only,
        },
    });
}

fn confirm_key(state: &mut State, c: Confirm, k: KeyEvent, fx: &mut Vec<Effect>) -> Nav {
    match k.code {
        KeyCode::Char('y' | 'Y') => {
            state.home.confirm = None;
            let (path, local_only) = match c {
                Confirm::LogOut(p) => (p, false),
                Confirm::RemoveAnyway(p) => (p, true),
            };
            start(state, JobKind::LogOut { local_only }, path, fx);
        }
        KeyCode::Char('n' | 'N') | KeyCode::Esc => {
            state.home.confirm = None;
            state.info("Kept.");
        }
        _ => {}
    }
    Nav::Stay
}

/// A new connection starts from nothing: no answer of a saved one carries
/// over (its file least of all).
fn new_connection(state: &mut State) -> Nav {
    state.forget_sign_in();
    state.provider = Default::default();
    state.home.reconnecting = None;
    Nav::To(Screen::Provider)
}

/// The saved connections, read at `at` (Unix seconds). The first read
/// decides where the wizard starts: here when there are any.
pub fn loaded(state: &mut State, at: i64, result: Result<Vec<Loaded>, Failure>) {
    let first = state.home.rows.is_none();
    let h = &mut state.home;
    h.read_at = at;
    match result {
        Ok(rows) => {
            h.error = None;
            h.rows = Some(rows);
        }
        Err(f) => {
            h.error = Some(f.message);
            h.rows.get_or_insert_with(Vec::new);
        }
    }
    h.cursor = h.cursor.min(h.rows().len().saturating_sub(1));
    if first && h.shown() && state.screen == Screen::Provider && state.chosen.is_none() {
        state.screen = Screen::Home;
    }
}

/// Ticks between two readings of the list while it is shown, so "valid for
/// N min" does not go stale on a screen left open (30 s).
const REREAD_TICKS: u64 = 300;

/// Reads the list again now and then while the home screen is shown.
pub fn tick(state: &mut State, fx: &mut Vec<Effect>) {
    if state.screen == Screen::Home
        && state.tick.is_multiple_of(REREAD_TICKS)
        && state.home.job.is_none()
        && state.help.is_none()
    {
        fx.push(Effect::LoadConnections {
            config_dir: state.config_dir.clone(),
        });
    }
}

/// How job `run` ended. The list is read again either way: a renewal, a
/// test (its record) and a log-out all change the files.
pub fn finished(
    state: &mut State,
    run: u64,
    result: Result<String, Failure>,
    fx: &mut Vec<Effect>,
) -> Nav {
    let h = &mut state.home;
    if run != h.run {
        return Nav::Stay;
    }
    let Some(job) = h.job.take() else {
        return Nav::Stay;
    };
    if job.kind == (JobKind::LogOut { local_only: false }) && result.is_err() {
        h.confirm = Some(Confirm::RemoveAnyway(job.path.clone()));
    }
    // A connection saved earlier in this run and now logged out is not
    // reported as saved when the wizard closes.
    if matches!(job.kind, JobKind::LogOut { .. })
        && result.is_ok()
        && h.saved.as_ref().and_then(|s| s.file.as_ref()) == Some(&job.path)
    {
        h.saved = None;
    }
    // A connection logged out leaves the list, and its status line with
    // it: what happened at the provider goes to the status line instead.
    if let (JobKind::LogOut { .. }, Ok(text)) = (job.kind, &result) {
        let text = crate::text::sanitize(text, 300);
        state.info(format!("✓ {text}"));
    }
    let h = &mut state.home;
    h.outcome = Some(Outcome { job, result });
    fx.push(Effect::LoadConnections {
        config_dir: state.config_dir.clone(),
    });
    Nav::Stay
}

/// What the file to export is used with: on to the export form.
pub fn described(state: &mut State, saved: Saved) -> Nav {
    if state.home.describing.as_ref() != saved.file.as_ref() || state.screen != Screen::Home {
        return Nav::Stay;
    }
    state.home.describing = None;
    save::open_export(state, saved);
    Nav::To(Screen::Save)
}

#[cfg(test)]
mod tests;
