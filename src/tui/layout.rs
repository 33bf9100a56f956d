//! Screen geometry, shared by rendering and by mouse hit-testing in `update`
//! so that a click lands on the row that was drawn there.

use ratatui::layout::Rect;

/// Below this the wizard shows a "terminal too small" message instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub struct Chrome {
    pub header: Rect,
    /// The bordered box of the screen.
    pub body: Rect,
    /// Inside the border.
    pub inner: Rect,
    pub status: Rect,
    pub footer: Rect,
}

pub fn chrome(area: Rect) -> Chrome {
    let header = Rect { height: 1, ..area };
    let footer = Rect {
        y: area.bottom().saturating_sub(1),
        height: 1.min(area.height),
        ..area
    };
    let status = Rect {
        y: area.bottom().saturating_sub(2),
        height: 1.min(area.height),
        ..area
    };
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(3),
        ..area
    };
    let inner = shrink(body, 1, 1);
    Chrome {
        header,
        body,
        inner,
        status,
        footer,
    }
}

pub fn shrink(r: Rect, dx: u16, dy: u16) -> Rect {
    Rect {
        x: r.x.saturating_add(dx),
        y: r.y.saturating_add(dy),
        width: r.width.saturating_sub(dx * 2),
        height: r.height.saturating_sub(dy * 2),
    }
}

/// Rows `[top, bottom)` of `r` counted from its top and bottom edges.
pub fn band(r: Rect, top: u16, bottom: u16) -> Rect {
    let y = r.y.saturating_add(top.min(r.height));
    let height = r.height.saturating_sub(top).saturating_sub(bottom);
    Rect { y, height, ..r }
}

pub fn provider_list(inner: Rect) -> Rect {
    band(inner, 2, 3)
}

/// The home screen's connections, below the title and the column names.
pub fn home_list(inner: Rect) -> Rect {
    band(inner, 2, HOME_DETAILS)
}

/// Rows under the home screen's list for the selected connection.
pub const HOME_DETAILS: u16 = 6;

pub fn method_list(inner: Rect) -> Rect {
    band(inner, 2, 5)
}

pub fn setup_list(inner: Rect) -> Rect {
    band(inner, 0, 6)
}

pub fn scopes_list(inner: Rect) -> Rect {
    band(inner, 2, 5)
}

/// Each form row takes two lines: label + value, then the inline message.
pub fn creds_rows(inner: Rect) -> Rect {
    band(inner, 2, 0)
}

pub const FORM_ROW_HEIGHT: u16 = 2;
