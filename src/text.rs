//! Text from outside (servers, bundles, profiles) made safe: which characters
//! may never be stored or shown, and the one sanitiser for the terminal.

/// True for characters that can change how text is shown or split where it
/// is printed or embedded: C0 and C1 controls (ESC, CR, LF, NEL, DEL…), the
/// Unicode line and paragraph separators (line breaks to YAML 1.1 and
/// JavaScript), the bidirectional marks, overrides and isolates that reorder
/// what a person reads, and the invisible ones that make two different
/// strings look the same (zero-width space, word joiner, soft hyphen, byte
/// order mark, fillers, tag characters). The zero-width joiner and
/// non-joiner and the variation selectors stay: scripts, emoji and CJK
/// names need them to be spelt right.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                // Bidirectional marks, embeddings, overrides, isolates.
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                // Invisible: soft hyphen, combining grapheme joiner, fillers,
                // zero-width space, word joiner and invisible operators,
                // deprecated format controls, byte order mark, interlinear
                // annotation, tag characters.
                | '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// True when `text` holds any [`is_unsafe_char`].
pub fn has_unsafe(text: &str) -> bool {
    // Tokens are ASCII: a byte scan checks one at every `token` call.
    if text.is_ascii() {
        return text.bytes().any(|b| b.is_ascii_control());
    }
    text.chars().any(is_unsafe_char)
}

/// Makes outside text safe to print: every unsafe character (ANSI escapes,
/// carriage returns, line separators, bidi overrides) becomes a space, runs
/// of white space one space, and the length is bounded.
pub fn sanitize(text: &str, max_chars: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.chars().count() > max_chars {
        let mut s: String = cleaned.chars().take(max_chars).collect();
        s.push('…');
        s
    } else {
        cleaned
    }
}

/// Outside text for a terminal that must stay whole (an API answer): line
/// breaks and tabs kept, every other unsafe character shown as a visible
/// escape (`\u{202E}`) instead of acting on the terminal or hiding.
pub fn escape_for_terminal(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\n' | '\t') || !is_unsafe_char(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
        }
    }
    out
}

/// `s` as one shell word, for commands shown to be pasted: plain when it
/// can be, else in single quotes.
pub fn shell_quote(s: &str) -> String {
    // `~` only inside a word: a leading one is the shell's home directory.
    let plain = !s.is_empty()
        && !s.starts_with('~')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-~:+=@,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_removes_escapes_separators_and_bounds_length() {
        assert_eq!(
            sanitize("bad\x1b[31m red\r\nline", 100),
            "bad [31m red line"
        );
        assert_eq!(
            sanitize("a\u{2028}b\u{2029}c\u{85}d\u{202E}e", 100),
            "a b c d e"
        );
        assert_eq!(sanitize("abcdef", 3), "abc…");
    }

    #[test]
    fn unsafe_characters() {
        for c in [
            '\n', '\r', '\x1b', '\x07', '\x7f', '\u{85}', '\u{9b}', '\u{2028}', '\u{2029}',
            '\u{202E}', '\u{2067}', '\u{200E}', '\u{061C}',
        ] {
            assert!(is_unsafe_char(c), "{c:?}");
        }
        for c in [
            'a', ' ', 'é', '€', ':', '"', '\'', 'ß', 'ü', '日', '\u{200D}', '\u{200C}',
        ] {
            assert!(!is_unsafe_char(c), "{c:?}");
        }
    }

    /// The review's invisible characters: each passed every check before.
    const INVISIBLE: [char; 10] = [
        '\u{200B}',
        '\u{2060}',
        '\u{00AD}',
        '\u{FEFF}',
        '\u{E0001}',
        '\u{E0041}',
        '\u{E007F}',
        '\u{3164}',
        '\u{2028}',
        '\u{202E}',
    ];

    #[test]
    fn invisible_characters_are_unsafe_and_sanitised() {
        for c in INVISIBLE {
            assert!(is_unsafe_char(c), "U+{:04X}", u32::from(c));
            let text = format!("pay{c}pal");
            assert!(has_unsafe(&text));
            assert_eq!(sanitize(&text, 100), "pay pal", "U+{:04X}", u32::from(c));
        }
        // A name that only looks like another is told apart.
        assert_ne!(sanitize("admin\u{200B}", 100), "admin\u{200B}");
    }

    #[test]
    fn a_terminal_sees_escapes_and_keeps_the_lines() {
        assert_eq!(
            escape_for_terminal("{\"a\":\"x\u{202E}y\u{2028}z\u{1b}[2J\u{200B}\"}\n\tok"),
            "{\"a\":\"x\\u{202E}y\\u{2028}z\\u{001B}[2J\\u{200B}\"}\n\tok"
        );
        assert_eq!(escape_for_terminal("plain é 日\n"), "plain é 日\n");
    }

    proptest::proptest! {
        #[test]
        fn sanitised_text_holds_nothing_unsafe(s in "\\PC*", extra in proptest::sample::select(INVISIBLE.to_vec())) {
            let text = format!("{s}{extra}{s}");
            let clean = sanitize(&text, 10_000);
            proptest::prop_assert!(!has_unsafe(&clean));
            let shown = escape_for_terminal(&text);
            proptest::prop_assert!(shown.chars().all(|c| matches!(c, '\n' | '\t') || !is_unsafe_char(c)));
        }

        #[test]
        fn the_ascii_scan_agrees_with_the_char_rule(s in "[\\x00-\\x7f]*|\\PC*[\\x00-\\x1f\\x7f]?") {
            proptest::prop_assert_eq!(has_unsafe(&s), s.chars().any(is_unsafe_char));
        }
    }
}
