//! A scrolled list without hidden state: the scroll offset is a function of
//! length, cursor and height, so hit-testing can recompute it.

use ratatui::layout::Rect;

/// First visible row: keeps the cursor on screen, pinned to the bottom edge
/// once it scrolls.
pub fn offset(len: usize, cursor: usize, height: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let cursor = cursor.min(len - 1);
    if cursor < height {
        0
    } else {
        cursor + 1 - height
    }
}

/// Which row (absolute index) a click at (`col`, `row`) hits.
pub fn hit(area: Rect, len: usize, cursor: usize, col: u16, row: u16) -> Option<usize> {
    if col < area.x || col >= area.right() || row < area.y || row >= area.bottom() {
        return None;
    }
    let idx = offset(len, cursor, area.height as usize) + (row - area.y) as usize;
    (idx < len).then_some(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_keeps_cursor_visible() {
        assert_eq!(offset(3, 2, 5), 0);
        assert_eq!(offset(10, 4, 5), 0);
        assert_eq!(offset(10, 5, 5), 1);
        assert_eq!(offset(10, 9, 5), 5);
        assert_eq!(offset(10, 99, 5), 5);
        assert_eq!(offset(10, 3, 0), 0);
    }

    #[test]
    fn hit_maps_rows() {
        let a = Rect::new(2, 3, 10, 4);
        assert_eq!(hit(a, 10, 0, 2, 3), Some(0));
        assert_eq!(hit(a, 10, 9, 2, 3), Some(6));
        assert_eq!(hit(a, 2, 0, 2, 6), None);
        assert_eq!(hit(a, 10, 0, 1, 3), None);
    }
}
