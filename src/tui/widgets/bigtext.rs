//! Large letters for a device flow's user code, readable across the room
//! (or the desk): a 3x5 pixel font drawn with half blocks, three rows tall.
//! Only what user codes use (RFC 8628 suggests A-Z without vowels, or
//! digits) plus a dash; anything else returns None and the caller falls back
//! to plain text.

/// Rows of each glyph, `#` = ink. Five rows of three columns.
fn glyph(c: char) -> Option<[&'static str; 5]> {
    Some(match c.to_ascii_uppercase() {
        '0' => ["###", "# #", "# #", "# #", "###"],
        '1' => [" # ", "## ", " # ", " # ", "###"],
        '2' => ["###", "  #", "###", "#  ", "###"],
        '3' => ["###", "  #", " ##", "  #", "###"],
        '4' => ["# #", "# #", "###", "  #", "  #"],
        '5' => ["###", "#  ", "###", "  #", "###"],
        '6' => ["###", "#  ", "###", "# #", "###"],
        '7' => ["###", "  #", "  #", " # ", " # "],
        '8' => ["###", "# #", "###", "# #", "###"],
        '9' => ["###", "# #", "###", "  #", "###"],
        'A' => [" # ", "# #", "###", "# #", "# #"],
        'B' => ["## ", "# #", "## ", "# #", "## "],
        'C' => [" ##", "#  ", "#  ", "#  ", " ##"],
        'D' => ["## ", "# #", "# #", "# #", "## "],
        'E' => ["###", "#  ", "## ", "#  ", "###"],
        'F' => ["###", "#  ", "## ", "#  ", "#  "],
        'G' => [" ##", "#  ", "# #", "# #", " ##"],
        'H' => ["# #", "# #", "###", "# #", "# #"],
        'I' => ["###", " # ", " # ", " # ", "###"],
        'J' => ["  #", "  #", "  #", "# #", " # "],
        'K' => ["# #", "# #", "## ", "# #", "# #"],
        'L' => ["#  ", "#  ", "#  ", "#  ", "###"],
        'M' => ["# #", "###", "###", "# #", "# #"],
        'N' => ["###", "# #", "# #", "# #", "# #"],
        'O' => [" # ", "# #", "# #", "# #", " # "],
        'P' => ["## ", "# #", "## ", "#  ", "#  "],
        'Q' => [" # ", "# #", "# #", "## ", " ##"],
        'R' => ["## ", "# #", "## ", "# #", "# #"],
        'S' => [" ##", "#  ", " # ", "  #", "## "],
        'T' => ["###", " # ", " # ", " # ", " # "],
        'U' => ["# #", "# #", "# #", "# #", "###"],
        'V' => ["# #", "# #", "# #", "# #", " # "],
        'W' => ["# #", "# #", "###", "###", "# #"],
        'X' => ["# #", "# #", " # ", "# #", "# #"],
        'Y' => ["# #", "# #", " # ", " # ", " # "],
        'Z' => ["###", "  #", " # ", "#  ", "###"],
        '-' => ["   ", "   ", "###", "   ", "   "],
        ' ' => ["   ", "   ", "   ", "   ", "   "],
        _ => return None,
    })
}

/// Columns the big rendering of `text` takes.
pub fn width(text: &str) -> usize {
    let n = text.chars().count();
    (n * 4).saturating_sub(1)
}

/// `text` as three lines of half blocks; None when a character has no glyph.
pub fn render(text: &str) -> Option<[String; 3]> {
    let glyphs: Vec<[&str; 5]> = text.chars().map(glyph).collect::<Option<_>>()?;
    let ink = |g: &[&str; 5], row: usize, col: usize| -> bool {
        g.get(row)
            .and_then(|r| r.as_bytes().get(col))
            .is_some_and(|b| *b == b'#')
    };
    let mut out: [String; 3] = Default::default();
    for (line, text_row) in out.iter_mut().enumerate() {
        let (top, bottom) = (line * 2, line * 2 + 1);
        for (i, g) in glyphs.iter().enumerate() {
            if i > 0 {
                text_row.push(' ');
            }
            for col in 0..3 {
                text_row.push(match (ink(g, top, col), ink(g, bottom, col)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_codes_and_refuses_unknown_characters() {
        let r = render("WDJB-MJHT").expect("supported");
        assert!(r.iter().all(|l| l.chars().count() == width("WDJB-MJHT")));
        assert_eq!(r[0].chars().take(3).collect::<String>(), "█ █");
        assert!(render("ab_c").is_none());
        assert!(render("1234").is_some());
    }
}
