//! The last screen, once saved: where, who signed in, until when, what was
//! granted against what was asked, and how to use it with this provider. It
//! scrolls, so nothing is cut off at 80×24.

use super::{test_line, usage};
use crate::settings::Settings;
use crate::tui::action::Saved;
use crate::tui::screens::keys;
use crate::tui::state::State;
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

/// One logical line: its text, style and indent, wrapped at render width.
struct Item {
    text: String,
    style: Style,
    indent: usize,
}

fn item(text: impl Into<String>, style: Style, indent: usize) -> Item {
    Item {
        text: text.into(),
        style,
        indent,
    }
}

fn blank() -> Item {
    item("", Style::new(), 0)
}

fn when(unix: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Until when the token is valid, and what happens then, as is true for
/// this connection's kind.
pub fn validity(s: &Settings, now: i64) -> String {
    let kind = crate::connections::Kind::of(s);
    let then = kind.then();
    let exp = match s.meta.expires_at {
        Some(exp) if kind.expires() => exp,
        _ if !kind.expires() => {
            return "The token does not expire on its own: it is used until the API refuses it (then make a new one at the provider).".into();
        }
        _ => return "The token has no stated expiry: it is used until the API refuses it.".into(),
    };
    let left = exp - now;
    if left <= 0 {
        return format!("The token expired at {}; {then}.", when(exp));
    }
    let rel = match left {
        l if l < 60 => " (in under a minute)".to_string(),
        l if l < 5400 => format!(" (in {} min)", (l + 30) / 60),
        l if l < 48 * 3600 => format!(" (in {} h)", (l + 1800) / 3600),
        _ => String::new(),
    };
    format!("Token valid until {}{rel}; {then}.", when(exp))
}

/// Granted against asked: a warning when fewer were granted.
fn scopes(s: &Settings, theme: &Theme) -> Option<Item> {
    let m = &s.meta;
    let asked = &m.scopes;
    let list = |v: &[String]| crate::text::sanitize(&v.join(" "), 600);
    match &m.granted_scopes {
        Some(granted) => {
            // offline_access asks for a refresh token: one issued is the
            // grant of it, whether or not the answer lists the scope.
            let refresh = s.secrets.refresh_token.is_some();
            let missing: Vec<String> = asked
                .iter()
                .filter(|a| !(granted.contains(a) || refresh && *a == "offline_access"))
                .cloned()
                .collect();
            if missing.is_empty() {
                Some(item(
                    format!("Scopes granted: {}", list(granted)),
                    Style::new(),
                    0,
                ))
            } else {
                Some(item(
                    format!(
                        "! Granted {} of the {} scopes asked; not granted: {}",
                        asked.len() - missing.len(),
                        asked.len(),
                        list(&missing)
                    ),
                    theme.warn(),
                    0,
                ))
            }
        }
        None if asked.is_empty() => None,
        None => Some(item(
            format!(
                "Scopes asked: {} (the provider did not say which it granted)",
                list(asked)
            ),
            Style::new(),
            0,
        )),
    }
}

fn items(state: &State, saved: &Saved) -> Vec<Item> {
    let theme = &state.theme;
    let clean = |t: &str| crate::text::sanitize(t, 2000);
    let mut v = Vec::new();
    let test = test_line(state);
    let test_text: String = test.spans.iter().map(|s| s.content.as_ref()).collect();
    v.push(item(test_text, test.style.patch(test.spans[0].style), 0));
    let saved_as = match (&saved.file, saved.settings_arg.contains(['/', '\''])) {
        (Some(_), false) => format!("✓ Saved as {}: {}", saved.settings_arg, saved.location),
        _ => format!("✓ Saved to {}", saved.location),
    };
    v.push(item(clean(&saved_as), theme.ok(), 0));
    if let Some(b) = &saved.backup {
        v.push(item(
            clean(&format!(
                "The connection it replaced is kept as {}.",
                b.display()
            )),
            theme.dim(),
            0,
        ));
    }
    let Some(s) = &state.settings else {
        return v;
    };
    if let Some(who) = s.meta.account.as_ref().and_then(|a| a.label()) {
        v.push(item(
            format!("Signed in as {}", clean(who)),
            Style::new(),
            0,
        ));
    }
    v.push(item(
        validity(s, crate::settings::now_unix()),
        Style::new(),
        0,
    ));
    v.extend(scopes(s, theme));
    v.push(blank());
    v.push(item("How to use it", theme.title(), 0));
    if !saved.env.is_empty() {
        v.push(item(
            clean(&format!("These commands need {}.", saved.env.join(" and "))),
            theme.warn(),
            0,
        ));
    }
    for step in &saved.next {
        v.push(item(clean(&step.what), theme.dim(), 0));
        v.push(item(clean(&step.command), theme.accent(), 2));
    }
    for line in usage::specifics(state.profile(), s) {
        v.push(item(clean(&line), Style::new(), 0));
    }
    v.push(blank());
    let name = saved
        .settings_arg
        .rsplit('/')
        .next()
        .unwrap_or("settings")
        .trim_end_matches(".json")
        .trim_matches('\'');
    match usage::connection_string(state.profile(), s, name) {
        Ok(u) => {
            v.push(item(
                format!(
                    "CData {} connector, build {} (secrets hidden here; c copies the command above):",
                    u.connector, u.build
                ),
                theme.dim(),
                0,
            ));
            v.push(item(clean(&u.string), theme.accent(), 2));
            v.push(item(u.meaning, theme.dim(), 0));
        }
        Err(why) => v.push(item(clean(&why), theme.dim(), 0)),
    }
    if saved.file.is_some() {
        v.push(blank());
        v.push(item(
            "For a server without a browser: e exports a passphrase-protected bundle to `import` there.",
            theme.dim(),
            0,
        ));
    }
    v
}

/// The rows of the summary at `width`, ready to draw.
fn rows(state: &State, saved: &Saved, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for it in items(state, saved) {
        let pad = " ".repeat(it.indent);
        let w = (width as usize).saturating_sub(it.indent);
        for r in crate::tui::widgets::wrap(&it.text, w) {
            out.push(Line::from(Span::styled(format!("{pad}{r}"), it.style)));
        }
    }
    out
}

/// The summary's area inside the box, and the width its text wraps at (one
/// column is kept for the scroll bar).
fn area(inner: Rect) -> (Rect, u16) {
    (inner, inner.width.saturating_sub(1))
}

/// How far the summary can scroll at the current terminal size.
pub fn max_scroll(state: &State, saved: &Saved) -> u16 {
    let (r, width) = area(keys::inner(state));
    let n = rows(state, saved, width).len();
    u16::try_from(n.saturating_sub(r.height as usize)).unwrap_or(u16::MAX)
}

/// ↑/↓, PgUp/PgDn, Home/End (and the wheel, as ↑/↓); false for other keys.
pub fn scroll_key(state: &mut State, k: &KeyEvent) -> bool {
    let Some(saved) = state.save.saved.clone() else {
        return false;
    };
    let max = max_scroll(state, &saved);
    let page = keys::inner(state).height.saturating_sub(1).max(1);
    let s = &mut state.save.scroll;
    *s = match k.code {
        KeyCode::Up => s.saturating_sub(1),
        KeyCode::Down => s.saturating_add(1),
        KeyCode::PageUp => s.saturating_sub(page),
        KeyCode::PageDown => s.saturating_add(page),
        KeyCode::Home => 0,
        KeyCode::End => max,
        _ => return false,
    }
    .min(max);
    true
}

/// True when the summary is longer than the screen (the hints say so).
pub fn overflows(state: &State, saved: &Saved) -> bool {
    max_scroll(state, saved) > 0
}

pub fn render(frame: &mut Frame, inner: Rect, state: &State, saved: &Saved) {
    let (r, width) = area(inner);
    let all = rows(state, saved, width);
    let max = all.len().saturating_sub(r.height as usize);
    let top = (state.save.scroll as usize).min(max);
    let shown: Vec<Line> = all
        .iter()
        .skip(top)
        .take(r.height as usize)
        .cloned()
        .collect();
    frame.render_widget(Paragraph::new(shown), r);
    if max > 0 {
        let mut bar = ScrollbarState::new(max + 1).position(top);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .style(state.theme.dim())
                .begin_symbol(Some("↑"))
                .end_symbol(Some("↓")),
            r,
            &mut bar,
        );
    }
}
