//! Small drawing helpers shared by the screens.

pub mod bigtext;
pub mod field;
pub mod list;

use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// A key hint in the footer: (key, what it does).
pub type Hint = (&'static str, &'static str);

pub fn footer(frame: &mut Frame, area: Rect, hints: &[Hint], theme: &Theme) {
    let mut spans = Vec::new();
    for (i, (k, what)) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(*what, theme.dim()));
    }
    frame.render_widget(
        Paragraph::new(fit(Line::from(spans), usize::from(area.width))),
        area,
    );
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick % SPINNER.len() as u64) as usize]
}

/// A box of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// `line` cut to `width` columns, its last kept span ending in `…` when
/// anything was cut: a line never loses its end silently.
pub fn fit(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    // One column is kept for the `…`.
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    let mut style = ratatui::style::Style::new();
    for s in line.spans {
        style = s.style;
        let n = s.content.chars().count();
        if n <= left {
            left -= n;
            spans.push(s);
            continue;
        }
        let kept: String = s.content.chars().take(left).collect();
        spans.push(Span::styled(kept, s.style));
        break;
    }
    if width > 0 {
        spans.push(Span::styled("…", style));
    }
    Line::from(spans).style(line.style)
}

/// Cuts `s` to `width` columns with an ellipsis (char based: labels are ASCII-ish).
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

pub fn mmss(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// A yes/no question over the screen (a quit that would lose work).
pub fn confirm(frame: &mut Frame, area: Rect, question: &str, theme: &Theme) {
    let w = area.width.saturating_sub(8).clamp(20, 60);
    let r = centered(area, w, 6);
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .title(Span::styled(" Quit? ", theme.title()))
        .border_style(theme.warn());
    let lines = vec![
        Line::from(question.to_string()),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" quit   "),
            Span::styled("n", theme.key()),
            Span::raw(" / "),
            Span::styled("Esc", theme.key()),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        r,
    );
}
