//! Calendar days as extract handles them (year, month, day), with the arithmetic of
//! `newspipe_core::calendar`.

use newspipe_core::calendar;
use newspipe_core::calendar::Date;

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    /// Year.
    pub y: i32,
    /// Month, 1–12.
    pub m: u32,
    /// Day of month, 1–31.
    pub d: u32,
    /// Only this module builds days, so every `Day` is a valid date.
    valid: (),
}

impl Day {
    /// A valid day, or `None` (February 30th, month 13...).
    pub fn new(y: i32, m: u32, d: u32) -> Option<Self> {
        calendar::date(y, m, d).map(|_| Self { y, m, d, valid: () })
    }

    /// Parses `YYYY-MM-DD` (a date-time's date part too).
    pub fn parse_iso(s: &str) -> Option<Self> {
        calendar::parse_iso(s).map(Self::from_date)
    }

    fn from_date(date: Date) -> Self {
        Self {
            y: date.year().into(),
            m: date.month().unsigned_abs().into(),
            d: date.day().unsigned_abs().into(),
            valid: (),
        }
    }

    fn date(self) -> Date {
        calendar::date(self.y, self.m, self.d).expect("days are only built from valid dates")
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        calendar::day_number(self.date())
    }

    /// This day shifted by `n` days; unchanged if that leaves the years −9999 to 9999.
    pub fn plus(self, n: i64) -> Self {
        calendar::from_day_number(self.to_days() + n).map_or(self, Self::from_date)
    }

    /// ISO weekday, Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u32 {
        calendar::weekday(self.date())
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }

    /// `YYYY-Www` of the week containing this day, `offset` weeks later.
    pub fn iso_week_string(self, offset: i64) -> String {
        let (y, w) = calendar::iso_week(self.plus(offset * 7).date());
        format!("{y:04}-W{w:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_weekdays() {
        let d = Day::new(2025, 3, 24).unwrap();
        assert_eq!(d.plus(10).plus(-10), d);
        assert_eq!(d.weekday(), 1);
        assert_eq!(d.iso_week_string(0), "2025-W13");
        assert_eq!(
            Day::new(2024, 12, 30).unwrap().iso_week_string(0),
            "2025-W01"
        );
        assert_eq!(Day::new(2021, 1, 3).unwrap().iso_week_string(0), "2020-W53");
        assert_eq!(Day::new(2024, 2, 30), None);
        assert_eq!(
            Day::parse_iso("2024-01-02").unwrap().plus(-2).iso(),
            "2023-12-31"
        );
    }
}
