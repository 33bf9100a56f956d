//! The event loop: terminal events and background results in, `update`,
//! effects to the executor, one redraw per batch.

use super::action::{Action, Pasted};
use super::effects::{self, Executor, Outcome};
use super::state::State;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::update::update;
use super::{TuiError, TuiOptions, screens};
use crossterm::event::{self, Event, KeyEventKind};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::unbounded_channel;

fn to_action(ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Action::Key(k)),
        Event::Mouse(m) => Some(Action::Mouse(m)),
        Event::Paste(s) => Some(Action::Paste(Pasted(s))),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

const FRAME: Duration = super::state::TICK;

/// What the terminal reports within `wait`. What is queued is drained at
/// once so a burst (typed-ahead keys) costs one redraw.
fn terminal_events(wait: Duration) -> std::io::Result<Vec<Action>> {
    let mut actions = Vec::new();
    if event::poll(wait)? {
        loop {
            if let Some(a) = to_action(event::read()?) {
                actions.push(a);
            }
            if actions.len() > 256 || !event::poll(Duration::ZERO)? {
                break;
            }
        }
    }
    Ok(actions)
}

/// Draws the frame, or the sign-in address alone while `u` shows it:
/// written once as one line for the terminal to wrap, so its selection and
/// tmux's copy-mode take it whole; no frame is drawn over it until it is
/// left, then the whole frame is drawn again. `plain_shown` is the size it
/// was written at: a resize writes it again (a terminal does not rewrap an
/// alternate screen).
fn show(
    guard: &mut TerminalGuard,
    state: &State,
    plain_shown: &mut Option<(u16, u16)>,
) -> std::io::Result<()> {
    match screens::authorize::plain_view(state) {
        Some(url) if *plain_shown != Some(state.size) => {
            crossterm::execute!(
                guard.terminal.backend_mut(),
                crossterm::event::DisableMouseCapture,
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
                crossterm::cursor::MoveTo(0, 0),
                crossterm::style::Print(screens::authorize::plain_text(url)),
            )?;
            *plain_shown = Some(state.size);
        }
        Some(_) => {}
        None => {
            if plain_shown.take().is_some() {
                guard.terminal.clear()?;
                if state.mouse_capture {
                    crossterm::execute!(
                        guard.terminal.backend_mut(),
                        crossterm::event::EnableMouseCapture
                    )?;
                }
            }
            guard.terminal.draw(|f| screens::render(f, state))?;
        }
    }
    Ok(())
}

pub fn run(opts: TuiOptions) -> Result<Option<super::Saved>, TuiError> {
    let (profiles, load_error) = effects::load_profiles(&opts.config_dir);
    if profiles.is_empty() {
        return Err(TuiError::Profiles(
            load_error.unwrap_or_else(|| "no provider profile found".into()),
        ));
    }
    // A wrong --provider is said before the terminal is touched.
    // A broken profile file may be the one asked for: its error, not "unknown".
    if let Some(id) = &opts.provider
        && let Err(e) = crate::provider::find(&profiles, id)
    {
        return Err(match load_error {
            Some(broken) => TuiError::Profiles(broken),
            None => TuiError::UnknownProvider(e),
        });
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(TuiError::NotATerminal);
    }
    let mut state = State::new(profiles.clone(), opts.config_dir.clone(), Theme::from_env());
    state.load_error = load_error;
    let provider = opts.provider.as_deref().and_then(|id| {
        crate::provider::find(&profiles, id)
            .ok()
            .map(|p| p.id.clone())
    });
    state.vault_env = super::screens::save::VaultForm::from_env();
    state.auth.remote_shell = crate::signin::remote_shell();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(TuiError::Runtime)?;
    let (tx, mut rx) = unbounded_channel();
    let mut exec = Executor::new(rt.handle().clone(), tx, profiles, opts.key.clone());
    for effect in super::start(&mut state, &opts.key, provider.as_deref()) {
        let _ = exec.execute(effect);
    }

    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    state.size = (size.width, size.height);
    tracing::debug!("wizard started at {}x{}", size.width, size.height);

    // For the first-frame benchmark (scripts/tui-first-frame.sh): leave as
    // soon as the first screen is on the terminal.
    let exit_after_first_frame =
        std::env::var_os("OAUTH_SETUP_TUI_EXIT_AFTER_FIRST_FRAME").is_some_and(|v| v == "1");
    let mut last_tick = Instant::now();
    let mut plain_shown = None;
    'outer: loop {
        show(&mut guard, &state, &mut plain_shown)?;
        if exit_after_first_frame {
            break;
        }
        // Test-only fault hook (debug builds): prove a panic restores the terminal.
        #[cfg(debug_assertions)]
        if std::env::var_os("OAUTH_SETUP_TUI_PANIC_FOR_TEST").is_some_and(|v| v == "1") {
            panic!("panic requested by OAUTH_SETUP_TUI_PANIC_FOR_TEST");
        }
        let mut actions = terminal_events(FRAME.saturating_sub(last_tick.elapsed()))?;
        if last_tick.elapsed() >= FRAME {
            last_tick = Instant::now();
            actions.push(Action::Tick);
        }
        while let Ok(a) = rx.try_recv() {
            actions.push(a);
        }
        for a in actions {
            for effect in update(&mut state, a) {
                match exec.execute(effect) {
                    Outcome::Nothing => {}
                    Outcome::Copy(seq) => {
                        let out = guard.terminal.backend_mut();
                        out.write_all(seq.as_bytes())?;
                        out.flush()?;
                    }
                    Outcome::Mouse(on) => {
                        let out = guard.terminal.backend_mut();
                        if on {
                            crossterm::execute!(out, crossterm::event::EnableMouseCapture)?;
                        } else {
                            crossterm::execute!(out, crossterm::event::DisableMouseCapture)?;
                        }
                    }
                    Outcome::Quit => break 'outer,
                }
            }
        }
        if state.quit {
            break;
        }
    }
    drop(exec);
    drop(guard);
    // Back on the normal screen: a sign-in left waiting leaves its address
    // there, whole, where the terminal's own selection can take it.
    if let Some(note) = screens::authorize::exit_note(&state) {
        eprintln!("{note}");
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    // Closed on the list after an errand there saved: that is what was saved.
    Ok(state.save.saved.or(state.home.saved))
}
