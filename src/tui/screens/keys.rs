//! Input helpers the screens share: list navigation, plain characters,
//! text fields.

use crate::tui::action::Effect;
use crate::tui::layout;
use crate::tui::state::State;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::collections::BTreeSet;
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

/// Moves a cursor for the usual navigation keys; false when `k` is not one.
pub fn nav(cursor: &mut usize, len: usize, page: usize, k: &KeyEvent) -> bool {
    let last = len.saturating_sub(1);
    let page = page.max(1);
    *cursor = match k.code {
        KeyCode::Up => cursor.saturating_sub(1),
        KeyCode::Down => (*cursor + 1).min(last),
        KeyCode::PageUp => cursor.saturating_sub(page),
        KeyCode::PageDown => (*cursor + page).min(last),
        KeyCode::Home => 0,
        KeyCode::End => last,
        _ => return false,
    };
    true
}

/// Rows a PageUp/PageDown moves in a list drawn in `list_area`.
pub fn page(list_area: Rect) -> usize {
    list_area.height.saturating_sub(1) as usize
}

/// The inside of the screen's box at the current terminal size (the same
/// geometry `render` uses, so paging matches what is drawn).
pub fn inner(state: &State) -> Rect {
    layout::chrome(Rect::new(0, 0, state.size.0, state.size.1)).inner
}

/// A printable character typed without Ctrl or Alt.
pub fn plain_char(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Hands an editing key to a text field.
pub fn edit(input: &mut Input, k: KeyEvent) {
    if let Some(req) = to_input_request(&Event::Key(k)) {
        input.handle(req);
    }
}

/// Types `text` into a field at its cursor.
pub fn insert(input: &mut Input, text: &str) {
    for c in text.chars() {
        input.handle(InputRequest::InsertChar(c));
    }
}

pub fn toggle<T: Ord>(set: &mut BTreeSet<T>, v: T) {
    if !set.remove(&v) {
        set.insert(v);
    }
}

/// Hands `text` to the terminal's clipboard and says so truthfully: OSC 52
/// is ignored by tmux's defaults and by GNOME Terminal, so the wizard can
/// never know that it arrived.
pub fn copy(state: &mut State, fx: &mut Vec<Effect>, what: &str, text: String) {
    fx.push(Effect::Copy(text));
    state.info(format!(
        "{what} sent to the terminal's clipboard (OSC 52); if nothing arrived, press m and select the text."
    ));
}

/// Gives the mouse to the terminal (its own selection copies what is shown)
/// or takes it back for clicks and the wheel.
pub fn toggle_mouse(state: &mut State, fx: &mut Vec<Effect>) {
    state.mouse_capture = !state.mouse_capture;
    fx.push(Effect::MouseCapture(state.mouse_capture));
    state.info(if state.mouse_capture {
        "Mouse on: clicks and the wheel work again (m or F2 gives the mouse to the terminal)."
    } else {
        "Mouse off: select text with the mouse to copy it (Shift-drag in some terminals); m or F2 turns clicks back on."
    });
}
