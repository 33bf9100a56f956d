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

/// `text` in rows of at most `width` characters, broken at spaces where
/// it can be, and a word longer than a row after a `;` (connection
/// strings) where it has one.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let mut w: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + w.len() <= width {
            row.push(' ');
            row.extend(&w);
            len += 1 + w.len();
            continue;
        }
        if len > 0 {
            rows.push(std::mem::take(&mut row));
        }
        while w.len() > width {
            let cut = w[..width]
                .iter()
                .rposition(|c| *c == ';')
                .map_or(width, |i| i + 1);
            rows.push(w.drain(..cut).collect());
        }
        len = w.len();
        row = w.into_iter().collect();
    }
    rows.push(row);
    rows
}

/// `lines` word-wrapped at `width` into at most `height` rows, each row
/// in the style of its line's first span; when rows are left out the last
/// one shown ends in `…`.
pub fn clip(lines: &[Line<'static>], width: u16, height: u16) -> Vec<Line<'static>> {
    let mut rows: Vec<Line<'static>> = Vec::new();
    for l in lines {
        let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
        let style = l.spans.first().map(|s| s.style).unwrap_or_default();
        for r in wrap(&text, usize::from(width)) {
            rows.push(Line::from(Span::styled(r, style)));
        }
    }
    let h = usize::from(height);
    if rows.len() > h && h > 0 {
        rows.truncate(h);
        if let Some(last) = rows.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let style = last.spans.first().map(|s| s.style).unwrap_or_default();
            let cut = truncate(&format!("{text} …"), usize::from(width));
            *last = Line::from(Span::styled(cut, style));
        }
    }
    rows
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

/// A yes/no question over the screen (a step that would lose work), in a
/// box titled `title`, whose y does `yes`.
pub fn confirm(
    frame: &mut Frame,
    area: Rect,
    (title, yes): (&str, &str),
    question: &str,
    theme: &Theme,
) {
    let w = area.width.saturating_sub(8).clamp(20, 60);
    let r = centered(area, w, 6);
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .title(Span::styled(title.to_string(), theme.title()))
        .border_style(theme.warn());
    let lines = vec![
        Line::from(question.to_string()),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(format!(" {yes}   ")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("ab cd ef", 5), vec!["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("a=1;b=22;c=3;", 9), vec!["a=1;b=22;", "c=3;"]);
    }
}
