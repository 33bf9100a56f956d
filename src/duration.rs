//! Durations as people write them on a command line and in schedules:
//! `90d`, `12h`, `30m`, `45s`, `2w`, or combined (`1d12h`).

/// Seconds in one unit.
fn unit(c: char) -> Option<i64> {
    match c {
        's' => Some(1),
        'm' => Some(60),
        'h' => Some(3600),
        'd' => Some(86_400),
        'w' => Some(7 * 86_400),
        _ => None,
    }
}

/// Parses `90d`, `12h`, `1d12h`, `45s` into seconds (at least 1).
pub fn parse(raw: &str) -> Result<i64, String> {
    let bad =
        || format!("`{raw}` is not a duration: write a number and a unit, e.g. 30m, 12h, 7d or 2w");
    let text = raw.trim();
    if text.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let per = unit(c).ok_or_else(bad)?;
        let n: i64 = digits.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(per)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || total <= 0 {
        return Err(bad());
    }
    Ok(total)
}

/// Seconds as the largest whole unit up to days that divides them (`30d`,
/// `8h`, `90s`):
/// the form systemd, cron comments and the README read.
pub fn format(secs: i64) -> String {
    for (u, per) in [('d', 86_400), ('h', 3600), ('m', 60)] {
        if secs >= per && secs % per == 0 {
            return format!("{}{u}", secs / per);
        }
    }
    format!("{secs}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("90d"), Ok(90 * 86_400));
        assert_eq!(parse("1d12h"), Ok(36 * 3600));
        assert_eq!(parse(" 45s "), Ok(45));
        assert_eq!(parse("2w"), Ok(14 * 86_400));
        for bad in ["", "10", "d", "5x", "-3d", "0s", "99999999999999999999d"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(format(30 * 86_400), "30d");
        assert_eq!(format(14 * 86_400), "14d");
        assert_eq!(format(8 * 3600), "8h");
        assert_eq!(format(90), "90s");
        assert_eq!(format(parse("36h").unwrap()), "36h");
    }
}
