//! Proleptic Gregorian date arithmetic: enough for ISO days, weeks and weekdays.

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    /// Year.
    pub y: i32,
    /// Month, 1–12.
    pub m: u32,
    /// Day of month, 1–31.
    pub d: u32,
}

impl Day {
    /// A valid day, or `None` (February 30th, month 13...).
    pub fn new(y: i32, m: u32, d: u32) -> Option<Self> {
        ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some(Self { y, m, d })
    }

    /// Parses `YYYY-MM-DD` (anything after the day is ignored).
    pub fn parse_iso(s: &str) -> Option<Self> {
        let y = s.get(0..4)?.parse().ok()?;
        if s.get(4..5)? != "-" || s.get(7..8)? != "-" {
            return None;
        }
        Self::new(y, s.get(5..7)?.parse().ok()?, s.get(8..10)?.parse().ok()?)
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.y) - i64::from(self.m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Self { y, m, d }
    }

    /// This day shifted by `n` days.
    pub fn plus(self, n: i64) -> Self {
        Self::from_days(self.to_days() + n)
    }

    /// ISO weekday, Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u32 {
        ((self.to_days() + 3).rem_euclid(7) + 1) as u32
    }

    /// ISO week-numbering year and week.
    pub fn iso_week(self) -> (i32, u32) {
        let thursday = self.plus(4 - i64::from(self.weekday()));
        let jan1 = Day {
            y: thursday.y,
            m: 1,
            d: 1,
        };
        let week = (thursday.to_days() - jan1.to_days()) / 7 + 1;
        (thursday.y, week as u32)
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }

    /// `YYYY-Www` of the week containing this day, `offset` weeks later.
    pub fn iso_week_string(self, offset: i64) -> String {
        let (y, w) = self.plus(offset * 7).iso_week();
        format!("{y:04}-W{w:02}")
    }
}

/// Number of days in a month.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_weekdays() {
        let d = Day::new(2025, 3, 24).unwrap();
        assert_eq!(Day::from_days(d.to_days()), d);
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
