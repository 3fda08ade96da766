//! Calendar dates for every stage, on `jiff`'s civil dates: parsing and checking ISO dates,
//! day numbers for date arithmetic, weekdays and ISO weeks.

pub use jiff::civil::Date;
use jiff::Span;

/// 1970-01-01, day number 0.
const EPOCH: Date = Date::constant(1970, 1, 1);

/// A valid calendar date (no February 30th, no month 13), or `None`.
pub fn date(year: i32, month: u32, day: u32) -> Option<Date> {
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// The date of a `YYYY-MM-DD` string, also from the date part of an RFC 3339 timestamp
/// (`2025-03-06T10:00:00Z`); `None` for anything else or an impossible date.
pub fn parse_iso(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let shape = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10);
    let rest_ok = matches!(bytes.get(10), None | Some(b'T' | b't' | b' '));
    if !(shape && rest_ok) {
        return None;
    }
    date(
        text[..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    )
}

/// Days since 1970-01-01 (negative before it).
pub fn day_number(date: Date) -> i64 {
    date.since(EPOCH)
        .map_or(0, |span| i64::from(span.get_days()))
}

/// The date `days` after 1970-01-01, or `None` outside the years −9999 to 9999.
pub fn from_day_number(days: i64) -> Option<Date> {
    EPOCH.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// ISO weekday: Monday = 1 … Sunday = 7.
pub fn weekday(date: Date) -> u32 {
    date.weekday().to_monday_one_offset().unsigned_abs().into()
}

/// ISO week-numbering year and week of a date.
pub fn iso_week(date: Date) -> (i32, u32) {
    let week = date.iso_week_date();
    (week.year().into(), week.week().unsigned_abs().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_timestamps_and_refuses_the_rest() {
        assert_eq!(parse_iso("2025-03-06"), date(2025, 3, 6));
        assert_eq!(parse_iso("2025-03-06T10:00:00Z"), date(2025, 3, 6));
        assert_eq!(parse_iso("2024-02-29"), date(2024, 2, 29));
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-03",
            "March 2025",
            "2025-03-06x",
            "2025/03/06",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(day_number(EPOCH), 0);
        let a = parse_iso("2024-01-02").unwrap();
        let b = parse_iso("2025-08-25").unwrap();
        assert_eq!(day_number(b) - day_number(a), 601);
        assert_eq!(
            from_day_number(day_number(a) - 2).unwrap().to_string(),
            "2023-12-31"
        );
        assert_eq!(from_day_number(i64::MAX), None);
    }

    #[test]
    fn weekdays_and_iso_weeks() {
        assert_eq!(weekday(date(2025, 3, 24).unwrap()), 1);
        assert_eq!(iso_week(date(2024, 12, 30).unwrap()), (2025, 1));
        assert_eq!(iso_week(date(2021, 1, 3).unwrap()), (2020, 53));
    }
}
