//! Drawing the sign-in: status, the address or the device code, QR codes
//! and the paste field.

use super::{AuthPhase, DeviceInfo};
use crate::tui::state::State;
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{bigtext, mmss, spinner, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

const RETRY: &str = "Press r to try again, or Esc to change the answers.";

/// The lines that say where the sign-in stands.
fn status_lines(state: &State) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let spinning = |status: String| {
        let mut spans = vec![
            Span::styled(format!("{} ", spinner(state.tick)), theme.accent()),
            Span::raw(status),
        ];
        if let Some(r) = state.auth.time_left(state.tick) {
            spans.push(Span::styled(format!("   {} left", mmss(r)), theme.dim()));
        }
        vec![Line::from(spans)]
    };
    match &state.auth.phase {
        AuthPhase::Running(w) => spinning(w.status.clone()),
        AuthPhase::Idle => spinning(String::new()),
        AuthPhase::Done => vec![Line::from(Span::styled("✓ Signed in.", theme.ok()))],
        AuthPhase::Cancelled => vec![
            Line::from(Span::styled("Sign-in cancelled.", theme.warn())),
            Line::from(RETRY),
        ],
        AuthPhase::Failed { message, hint } => {
            let mut lines = vec![
                Line::from(Span::styled("✗ The sign-in failed:", theme.error())),
                Line::from(message.clone()),
            ];
            if let Some(hint) = hint {
                lines.push(Line::from(""));
                lines.push(Line::from(vec![
                    Span::styled("What to try: ", theme.accent()),
                    Span::raw(hint.clone()),
                ]));
            }
            lines.push(Line::from(""));
            lines.push(Line::from(RETRY));
            lines
        }
    }
}

/// A remote shell: no browser was started here; the two ways back.
fn remote_lines(state: &State, redirect_uri: Option<&str>) -> Vec<Line<'static>> {
    let theme = &state.theme;
    let port = redirect_uri
        .and_then(|r| url::Url::parse(r).ok())
        .and_then(|u| u.port_or_known_default());
    let forward = port.map_or_else(
        || "forward the callback port over SSH".to_string(),
        |p| format!("forward the port (ssh -L {p}:127.0.0.1:{p} …)"),
    );
    vec![
        Line::from(""),
        Line::from(Span::styled(
            "Remote shell: no browser was started here. Open the address on your own computer, then",
            theme.warn(),
        )),
        Line::from(format!(
            "  {forward} so the browser comes back here by itself, or"
        )),
        Line::from("  press p and paste the address the browser ended on."),
        Line::from(Span::styled(
            "Whichever comes first completes the sign-in.",
            theme.dim(),
        )),
    ]
}

/// The address in the box: one row, never wrapped inside it (a selection
/// would take the borders and line breaks with it); a cut is marked.
fn address_lines(state: &State, url: &str, width: u16, lines: &mut Vec<Line<'static>>) {
    let theme = &state.theme;
    lines.push(Line::from(Span::styled(
        "Address to open (u shows it alone to select, c copies, q QR code):",
        theme.dim(),
    )));
    if state.auth.qr {
        return;
    }
    let shown = truncate(url, usize::from(width));
    let cut = shown != url;
    lines.push(Line::from(Span::styled(shown, theme.accent())));
    if cut {
        lines.push(Line::from(Span::styled(
            "(cut at …: u shows the whole address)",
            theme.warn(),
        )));
    }
}

pub(super) fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let a = &state.auth;
    let mut lines = status_lines(state);
    let waiting = match &a.phase {
        AuthPhase::Running(w) => Some(w),
        AuthPhase::Idle | AuthPhase::Done | AuthPhase::Failed { .. } | AuthPhase::Cancelled => None,
    };
    if let Some(d) = a.device() {
        device(frame, inner, state, d, lines);
        return;
    }
    if let Some(reason) = &a.browser_failed {
        lines.push(Line::from(Span::styled(
            format!(
                "The browser did not start ({reason}): copy the address (u or c) and open it yourself."
            ),
            theme.warn(),
        )));
    }
    let show_url = a.url.is_some() && matches!(a.phase, AuthPhase::Running(_) | AuthPhase::Idle);
    let redirect = waiting.is_some_and(|w| w.redirect_uri.is_some());
    let paste = waiting.and_then(|w| w.paste.as_ref());
    if let (Some(url), true) = (&a.url, show_url) {
        lines.push(Line::from(""));
        address_lines(state, url, inner.width, &mut lines);
        if a.remote_shell && redirect && paste.is_none() {
            lines.extend(remote_lines(
                state,
                waiting.and_then(|w| w.redirect_uri.as_deref()),
            ));
        } else if redirect && paste.is_none() {
            lines.push(Line::from(Span::styled(
                "Browser on another machine? After approving, press p and paste the address it ended on.",
                theme.dim(),
            )));
        }
    }
    if let (Some(title), true) = (a.device_offer.as_deref(), waiting.is_some()) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(
                "This server also offers device sign-in, with no address to bring back: Esc, then pick “{title}” as the method."
            ),
            theme.accent(),
        )));
    }
    let lines_for_height = lines.clone();
    let para = Paragraph::new(lines).wrap(Wrap { trim: false });
    let used = wrapped_height(&lines_for_height, inner.width).min(inner.height);
    frame.render_widget(para, inner);
    let rest = Rect {
        y: inner.y + used,
        height: inner.height.saturating_sub(used),
        ..inner
    };

    if let Some(input) = paste {
        if rest.height >= 3 {
            let label = Rect {
                y: rest.y + 1,
                height: 1,
                ..rest
            };
            frame.render_widget(
                Paragraph::new(Span::styled(
                    "Paste the whole address from the other browser, then Enter (Esc: never mind):",
                    theme.focus(),
                )),
                label,
            );
            field::render(
                frame,
                Rect {
                    y: rest.y + 2,
                    height: 1,
                    ..rest
                },
                FieldView {
                    input: Some(input),
                    masked: false,
                    focused: true,
                    placeholder: "http://localhost:…/?code=…&state=…",
                },
                theme,
            );
        }
        return;
    }
    if a.qr
        && show_url
        && let Some(url) = &a.url
    {
        qr(frame, rest, url, state);
    }
}

/// A QR code of `url` that fits `area`: with its quiet zone when there is
/// room, else without (the terminal's background then stands in for it).
fn fitting_qr(url: &str, area: Rect) -> Option<(tui_qrcode::QrCodeWidget, Rect)> {
    use tui_qrcode::{QrCodeWidget, QuietZone};
    // Low error correction: the smallest code, fine on a screen.
    let code =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::L).ok()?;
    for zone in [QuietZone::Enabled, QuietZone::Disabled] {
        let w = QrCodeWidget::new(code.clone()).quiet_zone(zone);
        let size = w.size(area);
        if size.width <= area.width && size.height <= area.height {
            return Some((w, Rect::new(area.x, area.y, size.width, size.height)));
        }
    }
    None
}

/// The device flow's wait: the user code in big letters, where to enter it,
/// and a QR code of the page (with the code filled in when offered).
fn device(frame: &mut Frame, inner: Rect, state: &State, d: &DeviceInfo, mut lines: Vec<Line>) {
    let theme = &state.theme;
    let a = &state.auth;
    // With the QR code shown, it takes the right-hand side and the text the left.
    let qr = a.url.as_deref().filter(|_| a.qr).and_then(|url| {
        let room = Rect {
            x: inner.x + 30.min(inner.width),
            width: inner.width.saturating_sub(30),
            ..inner
        };
        fitting_qr(url, room)
    });
    let text_area = match &qr {
        Some((_, r)) => Rect {
            width: r.x.saturating_sub(inner.x + 2),
            ..inner
        },
        None => inner,
    };
    let big = bigtext::render(&d.user_code)
        .filter(|_| qr.is_none() && bigtext::width(&d.user_code) + 2 <= text_area.width as usize);
    lines.push(Line::from(""));
    if let Some(rows) = big {
        for r in rows {
            lines.push(Line::from(Span::styled(format!("  {r}"), theme.title())));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(vec![
        Span::raw("Code:   "),
        Span::styled(d.user_code.clone(), theme.title()),
    ]));
    lines.push(Line::from(vec![
        Span::raw("Go to:  "),
        Span::styled(d.verification_uri.clone(), theme.accent()),
    ]));
    lines.push(Line::from(""));
    let help = match (&qr, a.qr, d.verification_uri_complete.is_some()) {
        (Some(_), _, true) => "Scan the code with a phone: the page opens with the code filled in. q hides it.".to_string(),
        (Some(_), _, false) => "Scan the code with a phone to open the page. q hides it.".to_string(),
        (None, true, _) => "The QR code does not fit this terminal: enlarge it, or use the address.".to_string(),
        (None, false, true) => "c copies the address, o opens it here, q shows a QR code that opens the page with the code filled in.".to_string(),
        (None, false, false) => "c copies the address, o opens it here, q shows a QR code of the page.".to_string(),
    };
    lines.push(Line::from(Span::styled(help, theme.dim())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    if let Some((w, r)) = qr {
        frame.render_widget(w, r);
    }
}

/// Rows `lines` take when wrapped at `width` (word wrapping can take a little
/// more than this; one spare row is added).
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(w).max(1)).sum();
    u16::try_from(rows + 1).unwrap_or(u16::MAX)
}

fn qr(frame: &mut Frame, area: Rect, url: &str, state: &State) {
    let theme = &state.theme;
    let Ok(code) = qrcode::QrCode::new(url.as_bytes()) else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                "This address is too long for a QR code.",
                theme.warn(),
            )),
            area,
        );
        return;
    };
    let widget = tui_qrcode::QrCodeWidget::new(code).quiet_zone(tui_qrcode::QuietZone::Enabled);
    let size = widget.size(area);
    if size.width > area.width || size.height > area.height {
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "The QR code needs {}x{} cells: enlarge the terminal, or copy the address with c.",
                    size.width, size.height
                ),
                theme.warn(),
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let r = Rect {
        width: size.width,
        height: size.height,
        ..area
    };
    frame.render_widget(widget, r);
}

/// The `u` view: the address alone, no box, the rows it takes wrapped at
/// the terminal's width (the app writes it as one line for the terminal to
/// wrap itself; this is what the same screen looks like as a frame).
pub(in crate::tui) fn plain(frame: &mut Frame, url: &str) {
    let text = super::plain_text(url).replace("\r\n", "\n");
    let lines: Vec<Line> = text.lines().map(|l| Line::from(l.to_string())).collect();
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }),
        frame.area(),
    );
}
