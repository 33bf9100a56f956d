//! The terminal while the wizard runs: raw mode, alternate screen, mouse
//! and bracketed paste behind a guard that restores them on drop, and a
//! panic hook that restores them before the panic message is printed.

use super::TuiError;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::Stdout;
use std::panic::PanicHookInfo;
use std::sync::Arc;

type Hook = Arc<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Whether the terminal is in the wizard's modes. Restoring twice is not
/// harmless: a second "leave alternate screen" moves the cursor back over
/// what was printed in between (a panic message).
static ACTIVE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Best effort: every step runs even if an earlier one fails.
fn restore_terminal() {
    if !ACTIVE.swap(false, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let _ = disable_raw_mode();
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    previous_hook: Option<Hook>,
}

impl TerminalGuard {
    pub fn enter() -> Result<Self, TuiError> {
        // The hook goes in first so a panic anywhere below still restores.
        let previous: Hook = Arc::from(std::panic::take_hook());
        let chained = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            chained(info);
            // With RUST_BACKTRACE set, the frames push the message off a
            // small terminal: it is said again, last.
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                eprintln!("\nInternal error: {}", panic_text(info));
            }
        }));
        let guard = TerminalGuard {
            terminal: Terminal::new(CrosstermBackend::new(std::io::stdout()))?,
            previous_hook: Some(previous),
        };
        ACTIVE.store(true, std::sync::atomic::Ordering::SeqCst);
        enable_raw_mode()?;
        crossterm::execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        )?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
        // Touching the hook while unwinding would abort the process.
        if !std::thread::panicking()
            && let Some(prev) = self.previous_hook.take()
        {
            let _ = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| prev(info)));
        }
    }
}

/// The panic's message, as the default hook prints it.
fn panic_text(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string());
    match info.location() {
        Some(at) => format!("{message}\n  at {at}"),
        None => message,
    }
}
