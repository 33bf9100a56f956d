//! How a connection string is quoted, per driver family, and read back.
//!
//! CData documents no quoting rule of its own. Two families read these
//! strings:
//! - `adonet` (ADO.NET, and CData's Python and JDBC connectors, whose docs
//!   write a value holding `;` and `=` in single quotes: PseudoColumns,
//!   "'TableName=ColumnName;TableName=ColumnName'",
//!   https://cdn.cdata.com/help/LFM/ado/RSBCDataConnect_c_Miscellaneous.htm):
//!   `'…'` with an inner `'` doubled;
//! - `odbc` (a DSN-less ODBC string, MS-ODBCSTR,
//!   https://learn.microsoft.com/en-us/openspecs/sql_server_protocols/ms-odbcstr/55953f0e-2d30-4ad4-8e56-b4207e491409):
//!   `{…}` with an inner `}` doubled.
//!
//! A value with no special character is written bare and reads the same in
//! both. A value no family can carry (control characters, NUL, line
//! separators) is refused.

/// The quoting family of the driver that reads the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    AdoNet,
    Odbc,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::AdoNet => "adonet",
            Dialect::Odbc => "odbc",
        }
    }

    pub const ALL: [Dialect; 2] = [Dialect::AdoNet, Dialect::Odbc];
}

/// True for a character no connection string can carry: a parser may end
/// the string at it, or a log or terminal may act on it.
pub fn uncarriable(c: char) -> bool {
    c.is_control() || crate::text::is_unsafe_char(c)
}

fn needs_quoting(v: &str) -> bool {
    v.is_empty()
        || v.contains([';', '\'', '"', '=', '{', '}'])
        || v.starts_with(char::is_whitespace)
        || v.ends_with(char::is_whitespace)
}

/// One value, quoted for `d`. The caller has refused uncarriable values.
pub fn quote(v: &str, d: Dialect) -> String {
    if !needs_quoting(v) {
        return v.to_string();
    }
    match d {
        Dialect::AdoNet => format!("'{}'", v.replace('\'', "''")),
        Dialect::Odbc => format!("{{{}}}", v.replace('}', "}}")),
    }
}

/// `Name=value;` for each property.
pub fn render(parts: &[(String, String)], d: Dialect) -> String {
    parts
        .iter()
        .map(|(k, v)| format!("{k}={};", quote(v, d)))
        .collect()
}

/// Reads a string the way a parser of family `d` does: the properties in
/// order, or `None` when it is malformed (an unterminated quote, a part
/// without `=`). Used by the tests and the fuzz target to check that
/// [`render`] means exactly what it was given.
pub fn parse(s: &str, d: Dialect) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_whitespace());
        if rest.is_empty() {
            return Some(out);
        }
        let (key, after) = rest.split_once('=')?;
        if key.contains(';') {
            return None;
        }
        let after = after.trim_start_matches(' ');
        let (value, next) = match (d, after.chars().next()) {
            (Dialect::AdoNet, Some(q @ ('\'' | '"'))) => quoted(&after[1..], q, q)?,
            (Dialect::Odbc, Some('{')) => quoted(&after[1..], '}', '}')?,
            _ => {
                let (v, n) = after.split_once(';').unwrap_or((after, ""));
                (v.trim_end().to_string(), n)
            }
        };
        out.push((key.trim().to_string(), value));
        rest = next;
    }
}

/// Reads up to the closing `close` (a doubled `esc` stands for itself);
/// what follows must end the part.
fn quoted(s: &str, close: char, esc: char) -> Option<(String, &str)> {
    let mut v = String::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c == close {
            if c == esc && it.peek().map(|(_, c)| *c) == Some(esc) {
                v.push(c);
                it.next();
                continue;
            }
            let tail = s[i + c.len_utf8()..].trim_start_matches(' ');
            return match tail.strip_prefix(';') {
                Some(n) => Some((v, n)),
                None if tail.is_empty() => Some((v, tail)),
                None => None,
            };
        }
        v.push(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn hostile_values_round_trip_in_each_dialect_and_inject_nothing() {
        let hostile = [
            "a;InitiateOAuth=GETANDREFRESH",
            "x}};OAuthSettingsLocation=/tmp/x;{",
            "it's \"quoted\"",
            "{braced}",
            "'",
            "}",
            "=",
            " spaced ",
            "",
            "plain.jwt-token_1",
        ];
        for d in Dialect::ALL {
            for h in hostile {
                let p = parts(&[("OAuthAccessToken", h), ("InitiateOAuth", "OFF")]);
                let s = render(&p, d);
                assert_eq!(parse(&s, d).as_ref(), Some(&p), "{d:?}: {s}");
            }
        }
        assert_eq!(quote("x;y", Dialect::AdoNet), "'x;y'");
        assert_eq!(quote("it's", Dialect::AdoNet), "'it''s'");
        assert_eq!(quote("a}b", Dialect::Odbc), "{a}}b}");
        assert_eq!(quote("plain", Dialect::Odbc), "plain");
    }

    proptest::proptest! {
        /// The fuzz target's property (fuzz/fuzz_targets/connection_string.rs)
        /// in the ordinary suite: any carriable values, over an alphabet
        /// rich in separators and quotes, read back exactly in each dialect.
        #[test]
        fn any_carriable_values_read_back_exactly(
            values in proptest::collection::vec("[ a;'\"={}éx\\-]{0,12}", 1..5),
        ) {
            let p: Vec<(String, String)> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("P{i}"), v))
                .collect();
            for d in Dialect::ALL {
                let s = render(&p, d);
                proptest::prop_assert_eq!(parse(&s, d), Some(p.clone()), "{:?}: {}", d, s);
            }
        }
    }

    #[test]
    fn uncarriable_characters() {
        for c in ['\0', '\n', '\r', '\u{1b}', '\u{85}', '\u{2028}', '\u{202e}'] {
            assert!(uncarriable(c), "{c:?}");
        }
        assert!(!uncarriable('é'));
    }
}
