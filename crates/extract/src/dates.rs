//! Temporal expressions: absolute ("March 6, 2025", "02 January 2024", "2025-03-06"), partial
//! ("March 5"), relative ("Monday", "last week", "at the beginning of March", "two days ago")
//! and anaphoric ("that same day"), normalized to ISO against an anchor day. Without an anchor
//! the value of anything but an absolute date is `None`: never a guess.

use crate::calendar::Day;
use crate::lexicon::{month_number, weekday_number};
use crate::lower::{ascii_lower, LowerBuffer};
use crate::numbers::word_value;
use crate::text::{Analysis, TokenKind};

/// A date expression found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFound {
    /// Byte offset.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// ISO value, when it can be resolved.
    pub value: Option<String>,
    /// The day it names, for full absolute dates (used to pick a header anchor).
    pub absolute_day: Option<Day>,
}

/// Which way a bare weekday points.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tense {
    Past,
    Future,
}

struct Scan<'a, 't> {
    a: &'a Analysis<'t>,
    anchor: Option<Day>,
    /// The last day-precision date seen, for "that same day".
    last_day: Option<Day>,
    /// Whether the text holds "ago" at all: most do not, and then no word starts a count of
    /// days, weeks, months or years ago (see [`Scan::ago`]).
    says_ago: bool,
    out: Vec<DateFound>,
}

/// Finds the dates of a document; relative ones are resolved against `anchor`.
pub fn find_dates(a: &Analysis, anchor: Option<Day>) -> Vec<DateFound> {
    let mut scan = Scan {
        a,
        anchor,
        last_day: None,
        says_ago: memchr::memmem::find(a.text.as_bytes(), b"ago").is_some(),
        out: Vec::new(),
    };
    let mut i = 0;
    while i < a.tokens.len() {
        i = match scan.at(i) {
            Some(next) => next,
            None => i + 1,
        };
    }
    scan.out
}

/// How far into a document its header can reach, in bytes.
const HEADER_MAX_BYTES: usize = 1500;

/// The publication day a document states in its own header: the first full date before the
/// first prose paragraph, if no other evidence in the text contradicts it.
pub fn header_anchor(a: &Analysis, dates: &[DateFound]) -> Option<Day> {
    let text = a.text;
    // Most texts state no full date within reach of a header: then the header, which takes a
    // pass over the first lines to find, need not be found.
    dates
        .iter()
        .filter(|d| d.start < HEADER_MAX_BYTES)
        .find_map(|d| d.absolute_day)?;
    let prose_start = text
        .split_inclusive('\n')
        .scan(0usize, |pos, line| {
            let start = *pos;
            *pos += line.len();
            Some((start, line))
        })
        .take_while(|&(start, _)| start < HEADER_MAX_BYTES)
        .find(|(_, line)| line.split_whitespace().nth(24).is_some())
        .map_or(text.len(), |(start, _)| start);
    let limit = prose_start.min(HEADER_MAX_BYTES);
    let day = dates
        .iter()
        .filter(|d| d.start < limit)
        .find_map(|d| d.absolute_day)?;
    let contradicted = wire_id_days(text).any(|other| other != day);
    (!contradicted).then_some(day)
}

/// Days encoded in the wire-service id lines of the text (`MENAFN25082025…` = 25 Aug 2025), in
/// the formats `newspipe-knowledge` lists.
pub fn wire_id_days(text: &str) -> impl Iterator<Item = Day> + '_ {
    text.lines().filter_map(|line| {
        newspipe_knowledge::wire_id(line)?
            .day_readings()
            .find_map(|(year, month, day)| Day::new(i32::try_from(year).ok()?, month, day))
    })
}

fn day_number(word: &str) -> Option<u32> {
    if !word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year_number(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
        .filter(|y| (1800..=2199).contains(y))
}

/// Picks the year that puts month/day closest to the anchor (so "December 30" read in early
/// January is last year's).
fn nearest_year(anchor: Day, m: u32, d: u32) -> Option<Day> {
    [anchor.y - 1, anchor.y, anchor.y + 1]
        .into_iter()
        .filter_map(|y| Day::new(y, m, d))
        .min_by_key(|day| (day.to_days() - anchor.to_days()).abs())
}

impl<'t> Scan<'_, 't> {
    fn tok(&self, i: usize) -> &'t str {
        if i < self.a.tokens.len() {
            self.a.tok(i)
        } else {
            ""
        }
    }

    fn push(
        &mut self,
        first: usize,
        end: usize,
        value: Option<String>,
        absolute_day: Option<Day>,
    ) -> usize {
        let a = self.a;
        self.out.push(DateFound {
            start: a.tokens[first].start,
            end: a.tokens[end - 1].end,
            value,
            absolute_day,
        });
        end
    }

    fn push_day(&mut self, first: usize, end: usize, day: Option<Day>, absolute: bool) -> usize {
        if let Some(day) = day {
            self.last_day = Some(day);
        }
        self.push(first, end, day.map(Day::iso), day.filter(|_| absolute))
    }

    /// Tries every pattern at token `i`; returns the token after the match.
    fn at(&mut self, i: usize) -> Option<usize> {
        let w = self.tok(i);
        let kind = self.a.tokens[i].kind;
        if kind == TokenKind::Number {
            if let Some(day) = Day::parse_iso(w).filter(|_| w.len() == 10) {
                return Some(self.push_day(i, i + 1, Some(day), true));
            }
            if let Some(next) = self.time_of_day(i) {
                return Some(next);
            }
            if let Some(d) = day_number(w) {
                if let Some(m) = month_number(self.tok(i + 1)) {
                    return Some(self.month_day(i, i + 2, m, d));
                }
            }
            if let Some(y) = year_number(w) {
                let prev = i.checked_sub(1).map_or("", |p| self.tok(p));
                let after_preposition = matches!(
                    prev.to_ascii_lowercase().as_str(),
                    "in" | "since"
                        | "by"
                        | "until"
                        | "from"
                        | "of"
                        | "before"
                        | "after"
                        | "during"
                        | "through"
                        | "to"
                        | "early"
                        | "late"
                        | "mid"
                        | "mid-"
                );
                if after_preposition
                    || !self
                        .tok(i + 1)
                        .starts_with(|c: char| c.is_ascii_lowercase())
                    || matches!(
                        self.tok(i + 1),
                        "and" | "to" | "or" | "when" | "after" | "before"
                    )
                {
                    return Some(self.push(i, i + 1, Some(format!("{y:04}")), None));
                }
            }
            return None;
        }
        if kind != TokenKind::Word {
            return None;
        }
        // day names are capitalized: most words need no look-up
        let capitalized = w.as_bytes().first().is_some_and(u8::is_ascii_uppercase);
        if let Some(wd) = capitalized.then(|| weekday_number(w)).flatten() {
            // "Tuesday, 02 January 2024" / "Tuesday, March 4"
            let mut j = i + 1;
            if self.tok(j) == "," {
                j += 1;
            }
            if let Some(next) = self.at_absolute(j) {
                let end = self.out.last().map_or(0, |d| d.end);
                let value = self.out.last().and_then(|d| d.value.clone());
                let day = self.out.last().and_then(|d| d.absolute_day);
                self.out.pop();
                self.out.push(DateFound {
                    start: self.a.tokens[i].start,
                    end,
                    value,
                    absolute_day: day,
                });
                return Some(next);
            }
            return Some(self.weekday(i, wd));
        }
        if let Some(next) = self.at_absolute(i) {
            return Some(next);
        }
        if let Some(next) = self.decade_or_mid_year(i) {
            return Some(next);
        }
        let mut buffer = LowerBuffer::default();
        let lower = ascii_lower(w, &mut buffer);
        match lower {
            "today" => {
                let day = self.anchor;
                return Some(self.push_day(i, i + 1, day, false));
            }
            "tonight" => {
                let value = self.anchor.map(|d| format!("{}TNI", d.iso()));
                return Some(self.push(i, i + 1, value, None));
            }
            "now" | "currently" | "presently" => {
                return Some(self.push(i, i + 1, Some("PRESENT_REF".into()), None));
            }
            "recently" => return Some(self.push(i, i + 1, Some("PAST_REF".into()), None)),
            "yesterday" => {
                let day = self.anchor.map(|d| d.plus(-1));
                return Some(self.push_day(i, i + 1, day, false));
            }
            "tomorrow" => {
                let day = self.anchor.map(|d| d.plus(1));
                return Some(self.push_day(i, i + 1, day, false));
            }
            "this" | "last" | "next" | "past" | "coming" | "previous" | "following" => {
                return self.relative_unit(i, lower);
            }
            "that" | "the" => return self.anaphoric(i),
            "earlier" | "later" if self.tok(i + 1) == "that" && self.tok(i + 2) == "day" => {
                let day = self.last_day;
                return Some(self.push(i, i + 3, day.map(Day::iso), None));
            }
            _ => {}
        }
        self.ago(i)
    }

    /// "March 6, 2025", "Feb. 14, 2024", "March 5", "February 25th", "March 2025", and a
    /// bare month after a cue ("in March", "beginning of March").
    fn at_absolute(&mut self, i: usize) -> Option<usize> {
        let w = self.tok(i);
        if let Some(d) = day_number(w).filter(|_| {
            self.a
                .tokens
                .get(i)
                .is_some_and(|t| t.kind != TokenKind::Punct)
        }) {
            let m = month_number(self.tok(i + 1))?;
            return Some(self.month_day(i, i + 2, m, d));
        }
        if !w.starts_with(|c: char| c.is_uppercase()) {
            return None;
        }
        let m = month_number(w)?;
        let mut j = i + 1;
        if self.tok(j) == "." && w.len() <= 4 {
            j += 1;
        }
        if let Some(d) = day_number(self.tok(j)) {
            return Some(self.month_day(i, j + 1, m, d));
        }
        if let Some(y) = year_number(self.tok(j)) {
            return Some(self.push(i, j + 1, Some(format!("{y:04}-{m:02}")), None));
        }
        let cue = i
            .checked_sub(1)
            .map(|p| self.tok(p).to_ascii_lowercase())
            .unwrap_or_default();
        let cued = matches!(
            cue.as_str(),
            "in" | "of"
                | "early"
                | "late"
                | "mid"
                | "since"
                | "until"
                | "by"
                | "last"
                | "next"
                | "this"
                | "through"
                | "from"
                | "during"
                | "mid-"
        );
        // "May" is also a verb and a name: only as a month after a cue
        if !cued || w.len() < 3 {
            return None;
        }
        let value = self.anchor.map(|anchor| {
            let y = match cue.as_str() {
                "last" => {
                    if m < anchor.m {
                        anchor.y
                    } else {
                        anchor.y - 1
                    }
                }
                "next" => {
                    if m > anchor.m {
                        anchor.y
                    } else {
                        anchor.y + 1
                    }
                }
                _ => nearest_year(anchor, m, 1).map_or(anchor.y, |d| d.y),
            };
            format!("{y:04}-{m:02}")
        });
        Some(self.push(i, i + 1, value, None))
    }

    /// A month and day with an optional year after them; `end` is the token after the day.
    fn month_day(&mut self, first: usize, end: usize, m: u32, d: u32) -> usize {
        let mut j = end;
        if self.tok(j) == "," {
            j += 1;
        }
        if let Some(y) = year_number(self.tok(j)) {
            let day = Day::new(y, m, d);
            return self.push_day(first, j + 1, day, true);
        }
        let day = self.anchor.and_then(|anchor| nearest_year(anchor, m, d));
        self.push_day(first, end, day, false)
    }

    fn tense_of_sentence(&self, i: usize) -> Tense {
        let s = self.a.sentences[self.a.tokens[i].sentence];
        let future = (s.first..s.last).any(|k| {
            matches!(
                self.a.tok(k),
                "will"
                    | "’ll"
                    | "'ll"
                    | "scheduled"
                    | "expected"
                    | "plans"
                    | "planned"
                    | "upcoming"
                    | "next"
            )
        });
        if future {
            Tense::Future
        } else {
            Tense::Past
        }
    }

    /// A bare weekday: the nearest one before the anchor (or after, in a future sentence).
    fn weekday(&mut self, i: usize, wd: u32) -> usize {
        let prev = i
            .checked_sub(1)
            .map(|p| self.tok(p).to_ascii_lowercase())
            .unwrap_or_default();
        let tense = match prev.as_str() {
            "next" | "coming" => Tense::Future,
            "last" | "past" => Tense::Past,
            _ => self.tense_of_sentence(i),
        };
        let first = if matches!(prev.as_str(), "next" | "last" | "this" | "coming" | "past") {
            i - 1
        } else {
            i
        };
        let day = self.anchor.map(|anchor| {
            let diff = i64::from(wd) - i64::from(anchor.weekday());
            match tense {
                Tense::Past => anchor.plus(if diff > 0 { diff - 7 } else { diff }),
                Tense::Future => anchor.plus(if diff < 0 { diff + 7 } else { diff }),
            }
        });
        self.push_day(first, i + 1, day, false)
    }

    /// "this week", "last month", "next year", "last weekend", "the following week".
    fn relative_unit(&mut self, i: usize, word: &str) -> Option<usize> {
        let unit = self.tok(i + 1).to_ascii_lowercase();
        let offset: i64 = match word {
            "this" | "coming" => 0,
            "last" | "past" | "previous" => -1,
            _ => 1,
        };
        if matches!(word, "past" | "coming") && unit != "weekend" {
            // "the past week" is a duration, not a date
            return None;
        }
        let anaphoric = matches!(word, "following" | "previous");
        let base = if anaphoric {
            self.last_day
        } else {
            self.anchor
        };
        let first = if anaphoric && i > 0 && self.tok(i - 1) == "the" {
            i - 1
        } else {
            i
        };
        let value = match unit.as_str() {
            "week" => base.map(|d| d.iso_week_string(offset)),
            "weekend" => base.map(|d| {
                format!(
                    "{}-WE",
                    d.iso_week_string(if word == "this" { 0 } else { offset })
                )
            }),
            "month" => base.map(|d| {
                let idx = i64::from(d.y) * 12 + i64::from(d.m) - 1 + offset;
                format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1)
            }),
            "year" => base.map(|d| format!("{:04}", i64::from(d.y) + offset)),
            "day" if anaphoric => base.map(|d| d.plus(offset).iso()),
            "quarter" => base.map(|d| {
                let idx = i64::from(d.y) * 4 + i64::from((d.m - 1) / 3) + offset;
                format!("{:04}-Q{}", idx.div_euclid(4), idx.rem_euclid(4) + 1)
            }),
            "spring" | "summer" | "fall" | "autumn" | "winter" => base.map(|d| {
                let code = match unit.as_str() {
                    "spring" => "SP",
                    "summer" => "SU",
                    "winter" => "WI",
                    _ => "FA",
                };
                format!("{:04}-{code}", i64::from(d.y) + offset)
            }),
            "morning" | "afternoon" | "evening" | "night" if word == "this" || word == "last" => {
                base.map(|d| {
                    let (day, code) = match unit.as_str() {
                        "morning" => (d, "MO"),
                        "afternoon" => (d, "AF"),
                        "evening" => (d, "EV"),
                        _ => (if word == "last" { d.plus(-1) } else { d }, "NI"),
                    };
                    format!("{}T{code}", day.iso())
                })
            }
            _ => return None,
        };
        Some(self.push(first, i + 2, value, None))
    }

    /// "that same day", "the same day", "that day".
    fn anaphoric(&mut self, i: usize) -> Option<usize> {
        let (mut buffer1, mut buffer2) = (LowerBuffer::default(), LowerBuffer::default());
        let (w1, w2) = (
            ascii_lower(self.tok(i + 1), &mut buffer1),
            ascii_lower(self.tok(i + 2), &mut buffer2),
        );
        let the = self.tok(i).eq_ignore_ascii_case("the");
        if the && (w1 == "past" || w1 == "future") {
            // "the past three years" is a duration
            let unit_follows = word_value(w2).is_some()
                || matches!(
                    w2,
                    "day"
                        | "days"
                        | "week"
                        | "weeks"
                        | "month"
                        | "months"
                        | "year"
                        | "years"
                        | "decade"
                        | "decades"
                        | "few"
                        | "several"
                );
            if unit_follows {
                return None;
            }
            let value = if w1 == "past" {
                "PAST_REF"
            } else {
                "FUTURE_REF"
            };
            return Some(self.push(i, i + 2, Some(value.into()), None));
        }
        let quarter = match w1 {
            "first" => Some(1),
            "second" => Some(2),
            "third" => Some(3),
            "fourth" => Some(4),
            _ => None,
        };
        if let (true, Some(q), "quarter") = (the, quarter, w2) {
            if self.tok(i + 3) == "of" {
                if let Some(y) = year_number(self.tok(i + 4)) {
                    return Some(self.push(i, i + 5, Some(format!("{y:04}-Q{q}")), None));
                }
            }
            let value = self.anchor.map(|d| format!("{:04}-Q{q}", d.y));
            return Some(self.push(i, i + 3, value, None));
        }
        let end = if w1 == "same" && w2 == "day" {
            i + 3
        } else if w1 == "day" && self.tok(i).eq_ignore_ascii_case("that") {
            i + 2
        } else {
            return None;
        };
        let value = self.last_day.map(Day::iso);
        Some(self.push(i, end, value, None))
    }

    /// "6:54 AM", "10 a.m.": a time of day on the day just named, else on the anchor day.
    fn time_of_day(&mut self, i: usize) -> Option<usize> {
        let a = self.a;
        let hour: u32 = self.tok(i).parse().ok().filter(|h| (1..=12).contains(h))?;
        let mut j = i + 1;
        let mut minute = 0;
        if self.tok(j) == ":" && self.tok(j + 1).len() == 2 {
            minute = self.tok(j + 1).parse().ok().filter(|m| *m < 60)?;
            j += 2;
        }
        let after = a.tokens[j - 1].end;
        let rest = &a.text[after..];
        let rest_trim = rest.strip_prefix(' ').unwrap_or(rest);
        let gap = rest.len() - rest_trim.len();
        let markers = [
            ("a.m.", false),
            ("p.m.", true),
            ("AM", false),
            ("PM", true),
            ("am", false),
            ("pm", true),
        ];
        let (marker, pm) = markers.into_iter().find(|(m, _)| {
            rest_trim.starts_with(m)
                && !rest_trim[m.len()..].starts_with(|c: char| c.is_alphanumeric())
        })?;
        let end = after + gap + marker.len();
        let hour24 = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        let start = a.tokens[i].start;
        let just_named = self
            .out
            .last()
            .filter(|d| start.saturating_sub(d.end) <= 3)
            .and(self.last_day);
        let day = just_named.or(self.anchor);
        self.out.push(DateFound {
            start,
            end,
            value: day.map(|d| format!("{}T{hour24:02}:{minute:02}", d.iso())),
            absolute_day: None,
        });
        Some(a.token_at(end))
    }

    /// "the 1990s", "mid-2013".
    fn decade_or_mid_year(&mut self, i: usize) -> Option<usize> {
        let w = self.tok(i);
        if let Some(digits) = w
            .strip_suffix('s')
            .filter(|d| d.len() == 4 && d.ends_with('0'))
        {
            year_number(digits)?;
            let first = if i > 0 && self.tok(i - 1).eq_ignore_ascii_case("the") {
                i - 1
            } else {
                i
            };
            return Some(self.push(first, i + 1, Some(digits[..3].to_string()), None));
        }
        let year = w.strip_prefix("mid-").and_then(year_number)?;
        Some(self.push(i, i + 1, Some(format!("{year:04}")), None))
    }

    /// "two days ago", "three years ago"; vague counts ("a few weeks ago") stay unresolved.
    fn ago(&mut self, i: usize) -> Option<usize> {
        if !self.says_ago {
            return None;
        }
        let w = self.tok(i);
        let one = (w.eq_ignore_ascii_case("a") || w.eq_ignore_ascii_case("an"))
            && self.tok(i + 2) == "ago";
        let (count, unit_at) = if one {
            (Some(1), i + 1)
        } else if let Some(v) = word_value(w) {
            (Some(v as i64), i + 1)
        } else if self.a.tokens[i].kind == TokenKind::Number {
            (w.parse::<i64>().ok(), i + 1)
        } else if w.eq_ignore_ascii_case("a") && self.tok(i + 1) == "few"
            || w.eq_ignore_ascii_case("several")
        {
            (
                None,
                if w.eq_ignore_ascii_case("a") {
                    i + 2
                } else {
                    i + 1
                },
            )
        } else {
            return None;
        };
        let unit = self.tok(unit_at).to_ascii_lowercase();
        let unit = unit.trim_end_matches('s');
        if self.tok(unit_at + 1) != "ago" || !matches!(unit, "day" | "week" | "month" | "year") {
            return None;
        }
        // "more than three years ago" is not a point in time
        let vague = i >= 2 && self.tok(i - 1) == "than";
        let first = if vague { i - 2 } else { i };
        let value = match (self.anchor, count) {
            (Some(anchor), Some(n)) if !vague => Some(match unit {
                "day" => anchor.plus(-n).iso(),
                "week" => anchor.iso_week_string(-n),
                "month" => {
                    let idx = i64::from(anchor.y) * 12 + i64::from(anchor.m) - 1 - n;
                    format!("{:04}-{:02}", idx.div_euclid(12), idx.rem_euclid(12) + 1)
                }
                _ => format!("{:04}", i64::from(anchor.y) - n),
            }),
            _ => None,
        };
        Some(self.push(first, unit_at + 2, value, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str, anchor: Option<&str>) -> Vec<(String, Option<String>)> {
        let a = Analysis::new(text);
        find_dates(&a, anchor.and_then(Day::parse_iso))
            .into_iter()
            .map(|d| (text[d.start..d.end].to_string(), d.value))
            .collect()
    }

    fn v(s: &str, value: Option<&str>) -> (String, Option<String>) {
        (s.to_string(), value.map(str::to_string))
    }

    #[test]
    fn absolute_dates() {
        assert_eq!(
            dates(
                "On March 6, 2025 and 02 January 2024, then 2025-03-06 and Feb. 14, 2024.",
                None
            ),
            [
                v("March 6, 2025", Some("2025-03-06")),
                v("02 January 2024", Some("2024-01-02")),
                v("2025-03-06", Some("2025-03-06")),
                v("Feb. 14, 2024", Some("2024-02-14"))
            ]
        );
        assert_eq!(
            dates("Tuesday, 02 January 2024 12:17 GMT", None),
            [v("Tuesday, 02 January 2024", Some("2024-01-02"))]
        );
    }

    #[test]
    fn partial_and_relative_dates_need_an_anchor() {
        let text = "Blair said on March 5 that talks began on Monday, last week and this week.";
        assert!(dates(text, None).iter().all(|d| d.1.is_none()));
        assert_eq!(
            dates(text, Some("2025-03-06")),
            [
                v("March 5", Some("2025-03-05")),
                v("Monday", Some("2025-03-03")),
                v("last week", Some("2025-W09")),
                v("this week", Some("2025-W10"))
            ]
        );
    }

    #[test]
    fn relative_dates_near_year_end() {
        // read on 2 January 2025: "December 30" is last year's, "last week" is in 2024's W52
        assert_eq!(
            dates(
                "It happened on December 30 and last week; next month it resumes.",
                Some("2025-01-02")
            ),
            [
                v("December 30", Some("2024-12-30")),
                v("last week", Some("2024-W52")),
                v("next month", Some("2025-02"))
            ]
        );
        assert_eq!(
            dates("yesterday", Some("2025-01-01")),
            [v("yesterday", Some("2024-12-31"))]
        );
    }

    #[test]
    fn future_weekday_and_month_cues() {
        assert_eq!(
            dates(
                "The minister will travel on Friday. At the beginning of March, it rained.",
                Some("2025-03-24")
            ),
            [v("Friday", Some("2025-03-28")), v("March", Some("2025-03"))]
        );
        assert!(dates("Theresa May may come.", Some("2025-03-24")).is_empty());
    }

    #[test]
    fn times_seasons_quarters_and_references() {
        assert_eq!(
            dates(
                "By 6:54 AM on March 6, 2025 at 10 a.m. prices rose in the first quarter; this summer, \
                 the 1990s and mid-2013 are recalled now, as in the past. A year ago it fell.",
                Some("2025-03-06")
            ),
            [
                v("6:54 AM", Some("2025-03-06T06:54")),
                v("March 6, 2025", Some("2025-03-06")),
                v("10 a.m.", Some("2025-03-06T10:00")),
                v("the first quarter", Some("2025-Q1")),
                v("this summer", Some("2025-SU")),
                v("the 1990s", Some("199")),
                v("mid-2013", Some("2013")),
                v("now", Some("PRESENT_REF")),
                v("the past", Some("PAST_REF")),
                v("A year ago", Some("2024")),
            ]
        );
    }

    #[test]
    fn anaphoric_and_vague() {
        let got = dates(
            "He spoke on November 9, 2017. That same day she left. A few weeks ago it was calm, more than three years ago too.",
            None,
        );
        assert_eq!(
            got,
            [
                v("November 9, 2017", Some("2017-11-09")),
                v("That same day", Some("2017-11-09")),
                v("A few weeks ago", None),
                v("more than three years ago", None)
            ]
        );
    }

    #[test]
    fn header_anchor_yields_to_contradicting_wire_id() {
        let text =
            "Tuesday, 02 January 2024 12:17 GMT\n\nBody.\nMENAFN25082025007421016031ID1109973849";
        let a = Analysis::new(text);
        let d = find_dates(&a, None);
        assert_eq!(header_anchor(&a, &d), None);
        let text = "date 2025-03-06 The Power Within\nBody text.";
        let a = Analysis::new(text);
        let d = find_dates(&a, None);
        assert_eq!(header_anchor(&a, &d), Day::new(2025, 3, 6));
    }
}
