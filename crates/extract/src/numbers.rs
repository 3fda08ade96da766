//! Numbers written with digits or words ("1,700", "4.7", "two billion", "twenty-five").

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::text::{Analysis, TokenKind};

const UNITS: &[(&str, f64)] = &[
    ("zero", 0.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
    ("dozen", 12.0),
];

const SCALES: &[(&str, f64)] = &[
    ("hundred", 100.0),
    ("thousand", 1e3),
    ("million", 1e6),
    ("billion", 1e9),
    ("trillion", 1e12),
    ("mln", 1e6),
    ("bln", 1e9),
    ("bn", 1e9),
];

/// Per first letter (`a` = 0) of the words in [`UNITS`], bit `n` set when one of them has `n`
/// letters.
const UNIT_LENGTHS_BY_FIRST_LETTER: [u32; 26] = {
    let mut table = [0u32; 26];
    let mut i = 0;
    while i < UNITS.len() {
        let word = UNITS[i].0.as_bytes();
        table[(word[0] - b'a') as usize] |= 1 << word.len();
        i += 1;
    }
    table
};

/// The value of a number word ("seven", "twenty-five"), case-insensitively.
pub fn word_value(word: &str) -> Option<f64> {
    // number words are 3 to 17 ASCII letters long
    if word.len() < 3 || word.len() > 17 || !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    // one hash look-up of the word lowered into a stack buffer (number words are ASCII)
    static UNIT_VALUES: LazyLock<FxHashMap<&'static [u8], f64>> =
        LazyLock::new(|| UNITS.iter().map(|&(w, v)| (w.as_bytes(), v)).collect());
    let unit = |w: &str| {
        // most words fail on their first letter and length, before any copy or hash
        let first = usize::from(
            w.as_bytes()
                .first()?
                .to_ascii_lowercase()
                .wrapping_sub(b'a'),
        );
        let lengths = UNIT_LENGTHS_BY_FIRST_LETTER.get(first)?;
        if w.len() >= 32 || lengths & (1 << w.len()) == 0 {
            return None;
        }
        let mut buffer = [0u8; 17];
        let lowered = buffer.get_mut(..w.len())?;
        lowered.copy_from_slice(w.as_bytes());
        lowered.make_ascii_lowercase();
        UNIT_VALUES.get(&*lowered).copied()
    };
    // A byte loop over the few bytes of a word, where `split_once` set up a `memchr`.
    if let Some(hyphen) = word.bytes().position(|b| b == b'-') {
        let (tens, ones) = (&word[..hyphen], &word[hyphen + 1..]);
        let (t, o) = (unit(tens)?, unit(ones)?);
        return (t >= 20.0 && o < 10.0).then_some(t + o);
    }
    unit(word)
}

/// The multiplier of a scale word ("million").
pub fn scale_value(word: &str) -> Option<f64> {
    let stem = word.strip_suffix('s').unwrap_or(word);
    SCALES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(stem))
        .map(|&(_, v)| v)
}

/// The value of a number written with digits ("1,700", "4.7").
pub fn digits_value(token: &str) -> Option<f64> {
    if token.contains('-') || !token.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let clean: String = token.chars().filter(|&c| c != ',').collect();
    clean.parse().ok()
}

/// A number found at a token: its value, the tokens it spans and whether it was spelled out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberAt {
    /// The value, scale applied.
    pub value: f64,
    /// First token.
    pub first: usize,
    /// One past the last token.
    pub end: usize,
    /// Whether it used a scale word ("million").
    pub scaled: bool,
    /// Whether it was written in words only.
    pub words: bool,
}

/// Reads a number starting at token `i`: digits or number words, with "a"/"an" before a
/// scale ("a million") and scale words after ("1.4 billion", "two hundred thousand").
pub fn number_at(a: &Analysis, i: usize) -> Option<NumberAt> {
    let n = a.tokens.len();
    let tok = a.tok(i);
    let (mut value, words) = match a.tokens[i].kind {
        TokenKind::Number => (digits_value(tok)?, false),
        TokenKind::Word => {
            if matches!(tok, "a" | "an" | "A" | "An") {
                if i + 1 < n && scale_value(a.tok(i + 1)).is_some_and(|s| s >= 100.0) {
                    (1.0, true)
                } else {
                    return None;
                }
            } else {
                (word_value(tok)?, true)
            }
        }
        TokenKind::Punct => return None,
    };
    let mut end = i + 1;
    let mut scaled = false;
    // "twenty five", "one hundred and twenty"
    if words && end < n {
        if let Some(v) = word_value(a.tok(end)) {
            if value >= 20.0 && value % 10.0 == 0.0 && v < 10.0 {
                value += v;
                end += 1;
            }
        }
    }
    while end < n {
        let next = a.tok(end);
        let Some(scale) = scale_value(next) else {
            break;
        };
        value *= scale;
        scaled = true;
        end += 1;
    }
    Some(NumberAt {
        value,
        first: i,
        end,
        scaled,
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Option<(f64, String)> {
        let a = Analysis::new(text);
        number_at(&a, 0).map(|n| {
            (
                n.value,
                text[a.tokens[n.first].start..a.tokens[n.end - 1].end].to_string(),
            )
        })
    }

    #[test]
    fn reads_digits_words_and_scales() {
        assert_eq!(read("1,700 troops"), Some((1700.0, "1,700".into())));
        assert_eq!(
            read("1.4 billion dollars"),
            Some((1.4e9, "1.4 billion".into()))
        );
        assert_eq!(
            read("two billion dollars"),
            Some((2e9, "two billion".into()))
        );
        assert_eq!(
            read("twenty-five people"),
            Some((25.0, "twenty-five".into()))
        );
        assert_eq!(
            read("twenty five people"),
            Some((25.0, "twenty five".into()))
        );
        assert_eq!(read("a million soldiers"), Some((1e6, "a million".into())));
        assert_eq!(
            read("three hundred thousand"),
            Some((300_000.0, "three hundred thousand".into()))
        );
        assert_eq!(read("a house"), None);
        assert_eq!(read("troops"), None);
    }
}
