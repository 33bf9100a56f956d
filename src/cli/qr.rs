//! QR codes for URLs, drawn with Unicode half blocks so a phone can scan the
//! terminal.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// The QR code of `text` as lines of half blocks, or None when `text` does
/// not fit in a QR code.
pub fn render(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    // Light modules drawn, dark ones left as background: terminals are
    // usually light-on-dark, and scanners need dark modules on light.
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// Prints the QR code of `url` on stderr when stderr is a terminal wide
/// enough for it; pipes and logs never get the block art.
pub fn print_if_terminal(url: &str, stderr_tty: bool) {
    if !stderr_tty {
        return;
    }
    let Some(art) = render(url) else { return };
    let width = art.lines().next().map(|l| l.chars().count()).unwrap_or(0);
    // A terminal that reports no size (some ptys say 0) gets the code anyway.
    let cols = crossterm::terminal::size()
        .ok()
        .map(|(c, _)| c as usize)
        .filter(|c| *c > 0)
        .unwrap_or(usize::MAX);
    if width > cols {
        eprintln!("(widen the terminal to {width} columns to see a QR code of this URL)");
        return;
    }
    eprintln!("{art}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_square_of_half_blocks() {
        let art = render("https://example.com/device?user_code=ABCD-EFGH").unwrap();
        let lines: Vec<_> = art.lines().collect();
        let width = lines[0].chars().count();
        // Two module rows per text line.
        assert!(lines.len() * 2 >= width && lines.len() * 2 <= width + 2);
        assert!(lines.iter().all(|l| l.chars().count() == width));
        assert!(art.contains('█') || art.contains('▀') || art.contains('▄'));
    }

    #[test]
    fn too_long_is_none() {
        assert!(render(&"x".repeat(8000)).is_none());
    }
}
