//! Metadata read from page text: dates, bylines, wire ids, outlets, titles, and the choice of a
//! publication date among candidates.

use std::sync::LazyLock;

use newspipe_core::DateCandidate;
use regex::Regex;

/// Bases of date candidates, from the most to the least trusted. A clock or date line at the top
/// of a page is often the site's "today", so it ranks last.
pub const BASIS_ORDER: &[&str] = &[
    "html_meta",
    "url",
    "html_time",
    "byline",
    "dateline",
    "id_string",
    "header_line",
];

/// Month names and abbreviations from `newspipe-knowledge`, as regex alternatives, longest
/// first so that "september" is not read as "sep".
static MONTHS: LazyLock<String> = LazyLock::new(|| {
    let mut names: Vec<&str> = newspipe_knowledge::months()
        .iter()
        .map(|(m, _)| *m)
        .collect();
    names.sort_by_key(|m| std::cmp::Reverse(m.len()));
    names.join("|")
});

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)((?:19|20)\d{2})-(\d{2})-(\d{2})(?:(?-u:\b)|T)").expect("valid regex")
});
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let months = &*MONTHS;
    Regex::new(&format!(
        r"(?i)(?-u:\b)({months})\.? (\d{{1,2}})(?:st|nd|rd|th)?,? ((?:19|20)\d{{2}})(?-u:\b)"
    ))
    .expect("valid regex")
});
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    let months = &*MONTHS;
    Regex::new(&format!(
        r"(?i)(?-u:\b)(\d{{1,2}})(?:st|nd|rd|th)?\.? ({months})\.?,? ((?:19|20)\d{{2}})(?-u:\b)"
    ))
    .expect("valid regex")
});
static URL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)").expect("valid regex")
});
/// The words a labelled byline opens with, in any case ("By Jane Doe", "Written by …").
const BYLINE_LABELS: &[&str] = &[
    "by",
    "von",
    "par",
    "por",
    "di",
    "door",
    "av",
    "przez",
    "written by",
    "author:",
    "authors:",
    "autor:",
    "auteur:",
];
static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)^(?:{})\s+(.+)$", BYLINE_LABELS.join("|"))).expect("valid regex")
});

/// Whether a line may open with a byline label: its first character is one a label starts
/// with, in either case, or not ASCII (left to the regex's Unicode case rules). Most lines are
/// ruled out by one byte, without running [`BYLINE`].
fn may_open_with_label(line: &str) -> bool {
    line.as_bytes().first().is_some_and(|&first| {
        !first.is_ascii()
            || BYLINE_LABELS
                .iter()
                .any(|label| label.as_bytes()[0].eq_ignore_ascii_case(&first))
    })
}
static ROLE_BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\p{Lu}[\p{L}.'’-]+(?: \p{Lu}[\p{L}.'’-]+){1,3}),\s+[^.]{0,60}(?-u:\b)(?i:editor|correspondent|reporter|writer|journalist|columnist|contributor|staff)(?-u:\b)")
        .expect("valid regex")
});
static WIRE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\(([A-Z][A-Za-z]{1,15})\s?-\s?([^()]{2,60}?)\s?\)").expect("valid regex")
});
static BYLINE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    let months = &*MONTHS;
    Regex::new(&format!(
        r"(?i)\s*(?:[|,•·—–-]\s*)?(?:(?:updated|published|posted)(?-u:\b)|\d{{1,2}}:\d{{2}}|\d+ min(?:ute)?s? read|(?:{months})\.? \d{{1,2}}|\d{{1,2}}\.? (?:{months})(?-u:\b)|(?:19|20)\d{{2}}-\d{{2}}).*$"
    ))
    .expect("valid regex")
});

/// A date found in a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDate {
    /// ISO `YYYY-MM-DD`.
    pub iso: String,
    /// The words it was read from.
    pub text: String,
    /// Byte offset of those words in the searched text.
    pub start: usize,
}

/// The first valid calendar date written in `text` (ISO, "March 6, 2025", "02 January 2024").
pub fn find_date(text: &str) -> Option<FoundDate> {
    let mut best: Option<FoundDate> = None;
    let mut consider = |start: usize, matched: &str, y: &str, m: u32, d: &str| {
        let (Ok(year), Ok(day)) = (y.parse::<u32>(), d.parse::<u32>()) else {
            return;
        };
        if let Some(iso) = iso_date(year, m, day) {
            if best.as_ref().is_none_or(|b| start < b.start) {
                best = Some(FoundDate {
                    iso,
                    text: matched.trim_end_matches('T').to_owned(),
                    start,
                });
            }
        }
    };
    if let Some(c) = ISO_DATE.captures(text) {
        let m = c[2].parse().unwrap_or(0);
        consider(c.get(0).map_or(0, |g| g.start()), &c[0], &c[1], m, &c[3]);
    }
    if let Some(c) = MONTH_DAY_YEAR.captures(text) {
        consider(
            c.get(0).map_or(0, |g| g.start()),
            &c[0],
            &c[3],
            month(&c[1]),
            &c[2],
        );
    }
    if let Some(c) = DAY_MONTH_YEAR.captures(text) {
        consider(
            c.get(0).map_or(0, |g| g.start()),
            &c[0],
            &c[3],
            month(&c[2]),
            &c[1],
        );
    }
    best
}

/// Month number from an English month name or abbreviation; 0 when unknown.
fn month(name: &str) -> u32 {
    newspipe_knowledge::month_number(name).unwrap_or(0)
}

/// `YYYY-MM-DD` for a valid calendar date between 1990 and 2099 (other years in a page are far
/// more often numbers than publication dates).
pub fn iso_date(year: u32, month: u32, day: u32) -> Option<String> {
    let year = i32::try_from(year)
        .ok()
        .filter(|y| (1990..=2099).contains(y))?;
    newspipe_core::calendar::date(year, month, day).map(|date| date.to_string())
}

/// A date in a URL path (`/2019/08/02/`, `/2019-08-02-`).
pub fn url_date(url: &str) -> Option<String> {
    let c = URL_DATE.captures(url)?;
    iso_date(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
}

/// The author names of a byline line ("By Jane Doe March 6, 2025" gives "Jane Doe";
/// "Jane Doe, Foreign Affairs Editor." gives "Jane Doe"), or `None` if the line is no byline.
pub fn byline(line: &str) -> Option<String> {
    let line = line.trim();
    // Most lines neither open with an author label nor with the names and comma of the role
    // form: the match test and a look at the words before the first comma rule them out
    // without the cost of a capture or of counting their words.
    let labelled = may_open_with_label(line) && BYLINE.is_match(line);
    if !labelled && !may_open_with_role_names(line) {
        return None;
    }
    // (More than 20 words: the 21st is found without counting the rest of a long line.)
    if line.split_whitespace().nth(20).is_some() {
        return None;
    }
    if let Some(c) = labelled.then(|| BYLINE.captures(line)).flatten() {
        let names = BYLINE_TAIL.replace(&c[1], "");
        let names = names
            .trim()
            .trim_end_matches([',', '|', '-', '–', '—'])
            .trim();
        let words = names.split_whitespace().count();
        let starts_upper = names.chars().next().is_some_and(char::is_uppercase);
        return ((2..=8).contains(&words) && starts_upper).then(|| names.to_owned());
    }
    ROLE_BYLINE.captures(line).map(|c| c[1].to_owned())
}

/// Whether a line may open as [`ROLE_BYLINE`] does: with two to four words, each a capital
/// and more, single spaces between them, and a comma. The names hold no comma, so they are
/// what comes before the line's first one.
fn may_open_with_role_names(line: &str) -> bool {
    line.split_once(',').is_some_and(|(names, _)| {
        let mut words = 0;
        names.split(' ').all(|word| {
            words += 1;
            let mut chars = word.chars();
            chars.next().is_some_and(char::is_uppercase) && chars.next().is_some()
        }) && (2..=4).contains(&words)
    })
}

/// A wire or aggregator id line (`MENAFN25082025007421016031ID1109973849`) in one of the
/// formats `newspipe-knowledge` lists, and the date its digits encode (the format's layouts in
/// order: `dmy` is DDMMYYYY, `ymd` YYYYMMDD), if valid.
pub fn id_string(line: &str) -> Option<(String, Option<String>)> {
    let id = newspipe_knowledge::wire_id(line)?;
    let date = id
        .day_readings()
        .find_map(|(year, month, day)| iso_date(year, month, day));
    Some((id.id.to_owned(), date))
}

/// The outlet named in a wire prefix at the start of a paragraph: `(MENAFN- The Rio Times)`.
pub fn wire_outlet(line: &str) -> Option<String> {
    let line = line.trim_start();
    // The prefix opens with a parenthesis: other lines skip the regex.
    if !line.starts_with('(') {
        return None;
    }
    WIRE_PREFIX.captures(line).map(|c| c[2].trim().to_owned())
}

/// Whether a line reads like a headline: a handful of words, not a sentence ending in a full
/// stop, not a list of tags.
pub fn is_title_like(line: &str) -> bool {
    let (words, cjk) = words_and_cjk(line);
    let long_enough = words >= 3 || cjk >= 6;
    let short_enough = words <= 30 && line.chars().count() <= 250;
    let commas = line.matches(',').count();
    long_enough && short_enough && !line.trim_end().ends_with('.') && commas < 3
}

/// The words (runs of characters other than whitespace) and the CJK characters of `text`, in
/// one pass: what a line's length in words is made of, CJK text having no spaces.
pub fn words_and_cjk(text: &str) -> (usize, usize) {
    let (mut words, mut cjk, mut in_word) = (0, 0, false);
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Eight ASCII bytes, most of any text, at once: a word starts at each byte other than
        // whitespace that follows whitespace (or, for the first, follows the last byte read).
        if let Some(chunk) = bytes.get(at..at + 8) {
            let chunk = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            if chunk & HIGH_BITS == 0 {
                let spaces = ascii_whitespace(chunk);
                let starts = !spaces & ((spaces << 8) | u64::from(!in_word) << 7) & HIGH_BITS;
                words += starts.count_ones() as usize;
                in_word = spaces >> 63 == 0;
                at += 8;
                continue;
            }
        }
        // Otherwise a character at a time. ASCII whitespace is tab to carriage return and the
        // space, as for `char::is_whitespace`.
        let (space, width) = if bytes[at].is_ascii() {
            (matches!(bytes[at], b'\t'..=b'\r' | b' '), 1)
        } else {
            let c = text[at..].chars().next().expect("a character starts here");
            cjk += usize::from(is_cjk(c));
            (c.is_whitespace(), c.len_utf8())
        };
        words += usize::from(!space && !in_word);
        in_word = !space;
        at += width;
    }
    (words, cjk)
}

/// The high bit of each byte of a `u64`.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The high bit set in each byte of `chunk` (eight ASCII bytes) that is ASCII whitespace:
/// tab to carriage return (9 to 13) or the space. Exact for each byte: no sum below carries
/// into the next byte, since every byte is under 128.
fn ascii_whitespace(chunk: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A byte is zero exactly when adding 127 to it leaves the high bit clear.
    let not_space = chunk ^ (ONES * u64::from(b' '));
    let space = !(not_space + ONES * 0x7F) & HIGH_BITS;
    // At least 9 exactly when adding 128 - 9 sets the high bit; under 14 when adding 128 - 14
    // does not.
    let controls = (chunk + ONES * (128 - 9)) & !(chunk + ONES * (128 - 14)) & HIGH_BITS;
    space | controls
}

/// Whether `c` is a CJK ideograph, kana or hangul: scripts written without spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

/// Bases that alone do not make a publication date: the first `<time>` of a page and a date
/// line above the article are as often "today" or another story's date as the article's.
const WEAK_BASES: &[&str] = &["html_time", "header_line"];

/// Picks the publication date: the candidate with the most trusted basis. A weak basis (see
/// [`WEAK_BASES`]) counts only when another candidate gives the same date; no date beats a
/// guess. Candidates that disagree stay in the list for the user to see.
pub fn choose_published(candidates: &[DateCandidate]) -> Option<&DateCandidate> {
    let rank = |c: &DateCandidate| {
        BASIS_ORDER
            .iter()
            .position(|b| *b == c.basis)
            .unwrap_or(BASIS_ORDER.len())
    };
    candidates
        .iter()
        .filter(|c| {
            !WEAK_BASES.contains(&c.basis.as_str())
                || candidates
                    .iter()
                    .any(|o| o.value == c.value && o.basis != c.basis)
        })
        .min_by_key(|c| rank(c))
}

/// Adds a candidate unless the same value with the same basis is already there.
pub fn push_candidate(
    candidates: &mut Vec<DateCandidate>,
    value: String,
    basis: &str,
    text: Option<String>,
) {
    if !candidates
        .iter()
        .any(|c| c.value == value && c.basis == basis)
    {
        candidates.push(DateCandidate {
            value,
            basis: basis.to_owned(),
            text,
        });
    }
}

/// Compiles this module's patterns (each document's dates and bylines are read with them),
/// for the stage's warm-up.
pub(crate) fn warm_up() {
    LazyLock::force(&ISO_DATE);
    LazyLock::force(&MONTH_DAY_YEAR);
    LazyLock::force(&DAY_MONTH_YEAR);
    LazyLock::force(&URL_DATE);
    LazyLock::force(&BYLINE);
    LazyLock::force(&ROLE_BYLINE);
    LazyLock::force(&WIRE_PREFIX);
    LazyLock::force(&BYLINE_TAIL);
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// `words_and_cjk` a character at a time, as it was before it read eight ASCII bytes at
    /// once.
    fn words_and_cjk_by_char(text: &str) -> (usize, usize) {
        let (mut words, mut cjk, mut in_word) = (0, 0, false);
        for c in text.chars() {
            cjk += usize::from(is_cjk(c));
            let space = c.is_whitespace();
            words += usize::from(!space && !in_word);
            in_word = !space;
        }
        (words, cjk)
    }

    #[test]
    fn words_and_cjk_counts_as_a_character_at_a_time() {
        // Every ASCII byte (each of the whitespace and its neighbours 8, 14, 31, 33) and
        // non-ASCII whitespace, letters and CJK, at every offset from an eight-byte boundary.
        let mut pieces: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        for s in [
            "\u{a0}", "\u{2003}", "\u{3000}", "\u{e9}", "\u{4e2d}", "\u{ac00}", "word ",
        ] {
            pieces.push(s.to_string());
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
        for _ in 0..20_000 {
            let text: String = (0..rng.random_range(0..40))
                .map(|_| {
                    // Mostly spaces and letters, so that words of every length occur.
                    match rng.random_range(0..4) {
                        0 => " ",
                        1 => "a",
                        _ => pieces[rng.random_range(0..pieces.len())].as_str(),
                    }
                })
                .collect();
            assert_eq!(
                words_and_cjk(&text),
                words_and_cjk_by_char(&text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn words_and_cjk_count_what_splitting_on_whitespace_counts() {
        for text in [
            "",
            "   ",
            "one",
            "  two words\t",
            "a\u{A0}b\u{2003}c\u{3000}d\u{0B}e",
            "東京で会議 が 開かれた",
            "mixed 東京 text\nover lines",
            "\u{200B}zero width\u{200B}",
        ] {
            let cjk = text.chars().filter(|c| is_cjk(*c)).count();
            assert_eq!(
                words_and_cjk(text),
                (text.split_whitespace().count(), cjk),
                "{text:?}"
            );
        }
    }

    #[test]
    fn dates_in_common_formats() {
        let iso = |t: &str| find_date(t).map(|d| d.iso);
        assert_eq!(
            iso("by X March 6, 2025 6:54 AM").as_deref(),
            Some("2025-03-06")
        );
        assert_eq!(
            iso("Tuesday, 02 January 2024 12:17 GMT").as_deref(),
            Some("2024-01-02")
        );
        assert_eq!(
            iso(" date 2025-03-06 The Power").as_deref(),
            Some("2025-03-06")
        );
        assert_eq!(iso("Sept. 3rd 2019").as_deref(), Some("2019-09-03"));
        assert_eq!(iso("February 30, 2024"), None);
        assert_eq!(iso("in 2024 the"), None);
    }

    #[test]
    fn dates_in_urls() {
        assert_eq!(
            url_date("https://x.com/2019/08/02/story").as_deref(),
            Some("2019-08-02")
        );
        assert_eq!(
            url_date("https://x.com/news/2019-8-2-story"),
            Some("2019-08-02".into())
        );
        assert_eq!(url_date("https://x.com/2019/13/02/story"), None);
    }

    #[test]
    fn the_role_names_check_passes_every_line_the_role_pattern_matches() {
        let names = [
            "Jane Doe",
            "Émile Zola",
            "Seán O’Brien-Kelly",
            "J. R. R. Tolkien",
            "Ana María de la Cruz",
            "Jane",
            "Jane  Doe",
            "jane Doe",
            "Jane D",
            "Jane Q. Public Doe Smith",
        ];
        let tails = [
            ", Staff Writer",
            ",  foreign correspondent",
            ", Reuters",
            ",editor",
            "",
        ];
        let mut matched = 0;
        for name in names {
            for tail in tails {
                let line = format!("{name}{tail}");
                if ROLE_BYLINE.is_match(&line) {
                    matched += 1;
                    assert!(may_open_with_role_names(&line), "{line}");
                }
            }
        }
        // the first four names with the two role tails
        assert_eq!(matched, 8);
        assert!(!may_open_with_role_names(
            "Canada is ready to join, Blair said."
        ));
    }

    #[test]
    fn bylines_lose_their_prefix_and_trailing_date() {
        assert_eq!(
            byline("by Volodymyr Ivanyshyn March 6, 2025 6:54 AM 2 min read").as_deref(),
            Some("Volodymyr Ivanyshyn")
        );
        assert_eq!(byline("Author: Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(
            byline("Marco Levytsky, NP-UN National Affairs Editor.").as_deref(),
            Some("Marco Levytsky")
        );
        assert_eq!(byline("by the way, this is no byline at all"), None);
        // The label needs the names after it; a long line is no author line.
        assert_eq!(byline("By"), None);
        assert_eq!(byline(&format!("By {}", "Jane Doe ".repeat(10))), None);
        assert_eq!(
            byline("  BY   Jane Doe  ").as_deref(),
            Some("Jane Doe"),
            "the label in any case, the line trimmed"
        );
        assert_eq!(
            byline("Canada is ready to join the force, Blair said."),
            None
        );
        // The role form's names: two to four capitalized words, then the comma.
        assert_eq!(
            byline("Jane Q. Public Doe, Staff Writer").as_deref(),
            Some("Jane Q. Public Doe")
        );
        assert_eq!(byline("Doe, Staff Writer"), None);
        assert_eq!(byline("Jane Quincy Public Doe Smith, Staff Writer"), None);
        assert_eq!(byline("Jane  Doe, Staff Writer"), None);
        // Every label is tried, whatever letter it starts with.
        for label in BYLINE_LABELS {
            let line = format!("{} Jane Doe", label.to_uppercase());
            assert_eq!(byline(&line).as_deref(), Some("Jane Doe"), "{line}");
        }
    }

    #[test]
    fn id_strings_encode_a_date() {
        let (id, date) = id_string("MENAFN25082025007421016031ID1109973849").unwrap();
        assert_eq!(id, "MENAFN25082025007421016031ID1109973849");
        assert_eq!(date.as_deref(), Some("2025-08-25"));
        assert_eq!(id_string("NATO"), None);
        assert_eq!(id_string("Some words MENAFN25082025007421016031"), None);
    }

    #[test]
    fn wire_prefix_names_the_outlet() {
        assert_eq!(
            wire_outlet("(MENAFN- The Rio Times) Canada has made clear").as_deref(),
            Some("The Rio Times")
        );
        assert_eq!(wire_outlet("(AP) Canada"), None);
        assert_eq!(
            wire_outlet(" \t(MENAFN- The Rio Times) Canada").as_deref(),
            Some("The Rio Times")
        );
        assert_eq!(wire_outlet("Canada (MENAFN- The Rio Times)"), None);
    }

    #[test]
    fn the_most_trusted_basis_wins() {
        let mut c = Vec::new();
        push_candidate(&mut c, "2024-01-02".into(), "header_line", None);
        push_candidate(&mut c, "2025-08-25".into(), "id_string", None);
        push_candidate(&mut c, "2025-08-25".into(), "id_string", None);
        assert_eq!(c.len(), 2);
        assert_eq!(choose_published(&c).unwrap().value, "2025-08-25");
        let alone = [c[0].clone()];
        assert_eq!(
            choose_published(&alone),
            None,
            "a header date alone is no publication date"
        );
    }
}
