//! Dates as day numbers (days since 1970-01-01), the form this stage compares and subtracts;
//! the calendar itself is `newspipe_core::calendar`.

use newspipe_core::calendar;

/// The day number of a `YYYY-MM-DD` string (date-times work too); `None` for anything else or
/// an impossible date.
pub fn parse_iso(value: &str) -> Option<i64> {
    calendar::parse_iso(value).map(calendar::day_number)
}

/// The `YYYY-MM-DD` form of a day number.
pub fn format_iso(days: i64) -> String {
    calendar::from_day_number(days).map_or_else(String::new, |date| date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_bad_dates() {
        assert_eq!(parse_iso("1970-01-01"), Some(0));
        assert_eq!(
            parse_iso("2024-02-29").map(format_iso).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_iso("2025-02-29"), None);
        assert_eq!(parse_iso("2025-13-01"), None);
        assert_eq!(parse_iso("2025-03"), None);
        assert_eq!(parse_iso("2025-03-06T10:00:00Z"), parse_iso("2025-03-06"));
        assert_eq!(
            parse_iso("2025-08-25").unwrap() - parse_iso("2024-01-02").unwrap(),
            601
        );
    }
}
