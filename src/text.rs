//! Text from outside (servers, bundles, profiles) made safe: which characters
//! may never be stored or shown, and the one sanitiser for the terminal.

/// True for characters that can change how text is shown or split where it
/// is printed or embedded: C0 and C1 controls (ESC, CR, LF, NEL, DEL…), the
/// Unicode line and paragraph separators (line breaks to YAML 1.1 and
/// JavaScript), and the bidirectional overrides and isolates that reorder
/// what a person reads.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// True when `text` holds any [`is_unsafe_char`].
pub fn has_unsafe(text: &str) -> bool {
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
            '\u{202E}', '\u{2067}',
        ] {
            assert!(is_unsafe_char(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '€', ':', '"', '\''] {
            assert!(!is_unsafe_char(c), "{c:?}");
        }
    }
}
