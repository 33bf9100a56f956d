//! One-line text field on top of `tui_input::Input`, with masking for secrets.

use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

pub struct FieldView<'a> {
    pub input: Option<&'a Input>,
    /// Show one `•` per character instead of the value.
    pub masked: bool,
    pub focused: bool,
    pub placeholder: &'a str,
}

pub fn render(frame: &mut Frame, area: Rect, view: FieldView<'_>, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let width = area.width as usize;
    let empty = Input::default();
    let input = view.input.unwrap_or(&empty);
    let value = input.value();
    if value.is_empty() {
        let style = theme.dim();
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                super::truncate(view.placeholder, width),
                style,
            ))),
            area,
        );
        if view.focused {
            frame.set_cursor_position(Position::new(area.x, area.y));
        }
        return;
    }
    let (shown, cursor, scroll) = if view.masked {
        let n = value.chars().count();
        let cursor = input.cursor();
        let scroll = (cursor + 1).saturating_sub(width);
        ("•".repeat(n), cursor, scroll)
    } else {
        (
            value.to_string(),
            input.visual_cursor(),
            input.visual_scroll(width),
        )
    };
    let style = if view.focused {
        theme.focus()
    } else {
        ratatui::style::Style::new()
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(shown, style))).scroll((0, scroll as u16)),
        area,
    );
    if view.focused {
        let x = area.x as usize + cursor.saturating_sub(scroll).min(width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x as u16, area.y));
    }
}
