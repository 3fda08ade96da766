//! Quantities: counts ("28 nations", "more than 45,000 Ukrainian troops"), money with its
//! currency ("two billion Canadian dollars", "$5 million"), percentages, distances and
//! durations ("a one-month halt", "three years"), with qualifiers and ranges.

use newspipe_core::QuantityValue;

use crate::lexicon::DEMONYM_SET;
use crate::lower::{ascii_lower, LowerBuffer};
use crate::numbers::{number_at, word_value, NumberAt};
use crate::text::{Analysis, TokenKind};

/// A quantity found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityFound {
    /// Byte offset (qualifier included).
    pub start: usize,
    /// End byte offset (unit included).
    pub end: usize,
    /// A number or a `[low, high]` range.
    pub value: QuantityValue,
    /// What is counted or measured.
    pub unit: Option<String>,
    /// `about`, `more_than`, `less_than`, `up_to`, `at_least`, `range`.
    pub qualifier: Option<&'static str>,
}

const QUALIFIERS_2: &[(&str, &str, &str)] = &[
    ("more", "than", "more_than"),
    ("less", "than", "less_than"),
    ("fewer", "than", "less_than"),
    ("up", "to", "up_to"),
    ("at", "least", "at_least"),
    ("at", "most", "up_to"),
    ("many", "as", "up_to"),
    ("much", "as", "up_to"),
];

const QUALIFIERS_1: &[(&str, &str)] = &[
    ("about", "about"),
    ("around", "about"),
    ("approximately", "about"),
    ("roughly", "about"),
    ("nearly", "about"),
    ("almost", "about"),
    ("some", "about"),
    ("estimated", "about"),
    ("over", "more_than"),
    ("under", "less_than"),
];

/// Units that make a small spelled number ("three years", "one month") worth reporting.
fn measure_unit(word: &str) -> Option<&'static str> {
    let mut buffer = LowerBuffer::default();
    Some(match ascii_lower(word, &mut buffer) {
        "percent" | "per" | "%" | "pct" => "percent",
        "km" | "kilometres" | "kilometers" | "kilometre" | "kilometer" => "km",
        "miles" | "mile" => "mile",
        "metres" | "meters" | "metre" | "meter" => "m",
        "tonnes" | "tons" | "tonne" | "ton" => "tonne",
        "kg" | "kilograms" | "kilogram" => "kg",
        "years" | "year" => "year",
        "months" | "month" => "month",
        "weeks" | "week" => "week",
        "days" | "day" => "day",
        "hours" | "hour" => "hour",
        "minutes" | "minute" => "minute",
        "euros" | "euro" => "EUR",
        "pounds" => "GBP",
        "hryvnias" | "hryvnia" | "hryvnas" => "UAH",
        "rubles" | "roubles" | "ruble" | "rouble" => "RUB",
        "yuan" => "CNY",
        "yen" => "JPY",
        "rupees" => "INR",
        "francs" => "CHF",
        _ => return None,
    })
}

/// The currency code of "dollars" given the word before it.
fn dollar_code(modifier: &str) -> &'static str {
    match modifier {
        "Canadian" | "CAD" => "CAD",
        "Australian" | "AUD" => "AUD",
        "New Zealand" => "NZD",
        "Hong Kong" => "HKD",
        "Singapore" => "SGD",
        _ => "USD",
    }
}

fn is_currency(unit: &str) -> bool {
    unit.len() == 3 && unit.chars().all(|c| c.is_ascii_uppercase())
}

/// Lowercase nouns that count people or things without a plural `s`.
const UNCOUNTED_NOUNS: &[&str] = &[
    "people",
    "personnel",
    "police",
    "staff",
    "children",
    "men",
    "women",
    "cattle",
];

/// Finds quantities, skipping tokens inside `taken` (dates, sorted byte ranges).
pub fn find_quantities(a: &Analysis, taken: &[(usize, usize)]) -> Vec<QuantityFound> {
    let n = a.tokens.len();
    let mut out = Vec::new();
    let mut last_currency: Option<(&'static str, usize)> = None;
    let mut i = 0;
    let covered = |i: usize| {
        let t = a.tokens[i];
        let k = taken.partition_point(|&(_, e)| e <= t.start);
        k < taken.len() && taken[k].0 < t.end
    };
    while i < n {
        if covered(i) {
            i += 1;
            continue;
        }
        if let Some(q) = hyphenated_measure(a, i) {
            out.push(q);
            i += 1;
            continue;
        }
        let Some(num) = number_at(a, i) else {
            i += 1;
            continue;
        };
        if is_time_or_label(a, i, &num) {
            i = num.end;
            continue;
        }
        let (qual_start, mut qualifier) = qualifier_before(a, i);
        let (cur_start, mut unit) = currency_symbol_before(a, qual_start.min(i));
        let start_tok = cur_start.min(qual_start);
        let mut value = QuantityValue::Number(num.value);
        let mut end = num.end;
        // ranges: "1,700 to 1,900", "between 5 and 10", "10-15"
        if end + 1 < n && matches!(a.tok(end), "to" | "-" | "–" | "and") {
            if let Some(high) =
                number_at(a, end + 1).filter(|h| h.value > num.value && !covered(end + 1))
            {
                let low = if !num.scaled && high.scaled {
                    num.value * (high.value / last_number_value(a, &high))
                } else {
                    num.value
                };
                value = QuantityValue::Range([low, high.value]);
                qualifier = Some("range");
                end = high.end;
            }
        }
        // the unit: a measure word, "X dollars", or a counted noun after up to two modifiers
        if unit.is_none() {
            let (u, e) = unit_after(a, end);
            unit = u;
            end = e;
        }
        let sentence = a.tokens[i].sentence;
        if unit.is_none() && num.scaled {
            if let Some((code, s)) = last_currency {
                if sentence <= s + 3 {
                    unit = Some(code.to_string());
                }
            }
        }
        // "two billion Canadian dollars, about 1.4 billion U.S. dollars": the second amount
        // converts the first, so the first stays the currency later bare amounts carry
        let converts_previous = out.last().is_some_and(|p: &QuantityFound| {
            p.unit.as_deref().is_some_and(is_currency)
                && a.tokens[start_tok].start.saturating_sub(p.end) <= 3
        });
        if let Some(u) = unit
            .as_deref()
            .filter(|u| is_currency(u) && !converts_previous)
        {
            last_currency = Some((currency_static(u), sentence));
        }
        let small_word = num.words && !num.scaled && num.value < 10.0;
        if small_word
            && unit
                .as_deref()
                .is_none_or(|u| measure_unit(u).is_none() && !is_measure_code(u))
        {
            i = end.max(i + 1);
            continue;
        }
        out.push(QuantityFound {
            start: a.tokens[start_tok].start,
            end: a.tokens[end - 1].end,
            value,
            unit,
            qualifier,
        });
        i = end.max(i + 1);
    }
    out
}

fn is_measure_code(u: &str) -> bool {
    matches!(
        u,
        "percent"
            | "km"
            | "mile"
            | "m"
            | "tonne"
            | "kg"
            | "year"
            | "month"
            | "week"
            | "day"
            | "hour"
            | "minute"
    ) || is_currency(u)
}

fn currency_static(code: &str) -> &'static str {
    [
        "USD", "CAD", "AUD", "NZD", "HKD", "SGD", "EUR", "GBP", "UAH", "RUB", "CNY", "JPY", "INR",
        "CHF",
    ]
    .into_iter()
    .find(|c| *c == code)
    .unwrap_or("USD")
}

/// The unscaled digits value of a number (for "1 to 2 million" → low gets the scale too).
fn last_number_value(a: &Analysis, n: &NumberAt) -> f64 {
    crate::numbers::digits_value(a.tok(n.first))
        .or_else(|| word_value(a.tok(n.first)))
        .filter(|v| *v != 0.0)
        .unwrap_or(n.value)
}

/// "one-month", "three-year", "10-km": a number glued to a unit by a hyphen.
fn hyphenated_measure(a: &Analysis, i: usize) -> Option<QuantityFound> {
    if a.tokens[i].kind != TokenKind::Word {
        return None;
    }
    let w = a.tok(i);
    // Byte loops over the few bytes of a word, where `split_once` and `contains` set up a
    // `memchr` each.
    let hyphen = w.bytes().position(|b| b == b'-')?;
    let (left, right) = (&w[..hyphen], &w[hyphen + 1..]);
    if right.bytes().any(|b| b == b'-') {
        return None;
    }
    let value = word_value(left).or_else(|| crate::numbers::digits_value(left))?;
    let unit = measure_unit(right).filter(|u| !is_currency(u))?;
    Some(QuantityFound {
        start: a.tokens[i].start,
        end: a.tokens[i].end,
        value: QuantityValue::Number(value),
        unit: Some(unit.to_string()),
        qualifier: None,
    })
}

/// Times ("6:54"), labels ("Article 5", "G7") and list numbers are not quantities.
fn is_time_or_label(a: &Analysis, i: usize, num: &NumberAt) -> bool {
    let n = a.tokens.len();
    let next_colon =
        num.end + 1 < n && a.tok(num.end) == ":" && a.tokens[num.end + 1].kind == TokenKind::Number;
    let prev_colon = i >= 2 && a.tok(i - 1) == ":" && a.tokens[i - 2].kind == TokenKind::Number;
    let prev = i.checked_sub(1);
    let after_label = prev.is_some_and(|p| {
        a.is_capitalized(p)
            && !a.is_sentence_initial(p)
            && !DEMONYM_SET.contains(a.tok(p))
            && !matches!(
                a.tok(p),
                "About"
                    | "Around"
                    | "Over"
                    | "Some"
                    | "Nearly"
                    | "Almost"
                    | "Up"
                    | "Approximately"
                    | "More"
                    | "Between"
            )
            && a.only_spaces_between(a.tokens[p].end, a.tokens[i].start)
    }) && !num.words;
    next_colon || prev_colon || after_label
}

fn qualifier_before(a: &Analysis, i: usize) -> (usize, Option<&'static str>) {
    let lower = |k: usize| a.tok(k).to_ascii_lowercase();
    if i >= 2 {
        let (w1, w2) = (lower(i - 2), lower(i - 1));
        for &(x, y, q) in QUALIFIERS_2 {
            if w1 == x && w2 == y {
                let start = if x == "many" || x == "much" {
                    i.saturating_sub(3)
                } else {
                    i - 2
                };
                return (start, Some(q));
            }
        }
    }
    if i >= 1 {
        let w = lower(i - 1);
        for &(x, q) in QUALIFIERS_1 {
            if w == x {
                return (i - 1, Some(q));
            }
        }
        if w == "between" {
            return (i - 1, None);
        }
    }
    (i, None)
}

/// "$", "US$", "C$", "€", "£" right before the number.
fn currency_symbol_before(a: &Analysis, i: usize) -> (usize, Option<String>) {
    if i == 0 {
        return (i, None);
    }
    let code = match a.tok(i - 1) {
        "$" => {
            let glued = i >= 2 && a.tokens[i - 2].end == a.tokens[i - 1].start;
            match (glued, if i >= 2 { a.tok(i - 2) } else { "" }) {
                (true, "C" | "CA" | "CAN") => return (i - 2, Some("CAD".into())),
                (true, "A" | "AU") => return (i - 2, Some("AUD".into())),
                (true, "US") => return (i - 2, Some("USD".into())),
                _ => "USD",
            }
        }
        "€" => "EUR",
        "£" => "GBP",
        "¥" => "JPY",
        "₴" => "UAH",
        _ => return (i, None),
    };
    (i - 1, Some(code.into()))
}

/// The unit after a number (from token `end`) and the token after it.
fn unit_after(a: &Analysis, end: usize) -> (Option<String>, usize) {
    let n = a.tokens.len();
    if end >= n {
        return (None, end);
    }
    let w = a.tok(end);
    if w == "per" && end + 1 < n && a.tok(end + 1) == "cent" {
        return (Some("percent".into()), end + 2);
    }
    if let Some(u) = measure_unit(w) {
        if u != "percent" || w != "per" {
            return (Some(u.into()), end + 1);
        }
    }
    // up to two modifiers, then "dollars" or a counted noun
    let mut k = end;
    while k < n && k < end + 3 {
        let word = a.tok(k);
        if a.tokens[k].kind != TokenKind::Word {
            return (None, end);
        }
        if word == "dollars" || word == "dollar" {
            let modifier = if k > end { a.tok(k - 1) } else { "" };
            let code = if k > end && matches!(modifier, "U.S." | "US" | "American") {
                "USD"
            } else {
                dollar_code(modifier)
            };
            return (Some(code.into()), k + 1);
        }
        if let Some(u) = measure_unit(word).filter(|u| is_currency(u)) {
            return (Some(u.into()), k + 1);
        }
        let lowercase = word.starts_with(|c: char| c.is_lowercase());
        if lowercase && is_counted_noun(word) {
            return (Some(singular(word)), k + 1);
        }
        let modifier = DEMONYM_SET.contains(word)
            || matches!(word, "U.S." | "US")
            || (lowercase && !is_function_word(word));
        if !modifier {
            break;
        }
        k += 1;
    }
    (None, end)
}

fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "of" | "to"
            | "in"
            | "on"
            | "at"
            | "for"
            | "and"
            | "or"
            | "the"
            | "a"
            | "an"
            | "is"
            | "are"
            | "was"
            | "were"
            | "will"
            | "would"
            | "have"
            | "has"
            | "had"
            | "be"
            | "been"
            | "that"
            | "which"
            | "who"
            | "from"
            | "by"
            | "with"
            | "as"
            | "than"
            | "per"
            | "into"
            | "more"
            | "less"
            | "not"
            | "it"
            | "its"
            | "their"
            | "this"
            | "these"
            | "those"
    )
}

fn is_counted_noun(w: &str) -> bool {
    UNCOUNTED_NOUNS.contains(&w)
        || (w.len() > 3
            && w.ends_with('s')
            && !w.ends_with("ss")
            && !w.ends_with("us")
            && !w.ends_with("is")
            && !matches!(
                w,
                "has"
                    | "was"
                    | "does"
                    | "goes"
                    | "says"
                    | "makes"
                    | "takes"
                    | "gives"
                    | "seems"
                    | "remains"
                    | "becomes"
            ))
}

/// A rough singular for a counted noun ("troops" → "troop", "casualties" → "casualty").
fn singular(w: &str) -> String {
    if UNCOUNTED_NOUNS.contains(&w) {
        return w.to_string();
    }
    if let Some(stem) = w.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["ches", "shes", "xes", "sses"] {
        if w.ends_with(suffix) {
            return w[..w.len() - 2].to_string();
        }
    }
    w.strip_suffix('s').unwrap_or(w).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qs(text: &str) -> Vec<(String, QuantityValue, Option<String>, Option<&'static str>)> {
        let a = Analysis::new(text);
        find_quantities(&a, &[])
            .into_iter()
            .map(|q| {
                (
                    text[q.start..q.end].to_string(),
                    q.value,
                    q.unit,
                    q.qualifier,
                )
            })
            .collect()
    }

    #[test]
    fn counts_with_qualifiers_and_ranges() {
        let got = qs("about 1,700 to 1,900 allied troops are there; more than 45,000 Ukrainian troops trained; 28 nations met.");
        assert_eq!(
            got[0],
            (
                "about 1,700 to 1,900 allied troops".into(),
                QuantityValue::Range([1700.0, 1900.0]),
                Some("troop".into()),
                Some("range")
            )
        );
        assert_eq!(
            got[1],
            (
                "more than 45,000 Ukrainian troops".into(),
                QuantityValue::Number(45000.0),
                Some("troop".into()),
                Some("more_than")
            )
        );
        assert_eq!(
            got[2],
            (
                "28 nations".into(),
                QuantityValue::Number(28.0),
                Some("nation".into()),
                None
            )
        );
    }

    #[test]
    fn money_percent_distance_and_words() {
        let got = qs("a package worth two billion Canadian dollars, about 1.4 billion U.S. dollars. Of this, 835 million will go to drones; 4.7 percent of GDP; approximately 2,100 km; over a million soldiers.");
        let short: Vec<_> = got
            .iter()
            .map(|q| (q.0.as_str(), q.2.as_deref(), q.3))
            .collect();
        assert_eq!(
            short,
            [
                ("two billion Canadian dollars", Some("CAD"), None),
                ("about 1.4 billion U.S. dollars", Some("USD"), Some("about")),
                ("835 million", Some("CAD"), None),
                ("4.7 percent", Some("percent"), None),
                ("approximately 2,100 km", Some("km"), Some("about")),
                (
                    "over a million soldiers",
                    Some("soldier"),
                    Some("more_than")
                ),
            ]
        );
        assert_eq!(got[5].1, QuantityValue::Number(1e6));
    }

    #[test]
    fn durations_are_quantities_and_small_words_need_a_unit() {
        let got = qs("a one-month halt after three years, and the two countries met at 6:54 under Article 5.");
        let short: Vec<_> = got.iter().map(|q| (q.0.as_str(), q.2.as_deref())).collect();
        assert_eq!(
            short,
            [("one-month", Some("month")), ("three years", Some("year"))]
        );
    }

    #[test]
    fn currency_symbols() {
        let got = qs("It costs $5 million and C$3 billion, or €2.5 billion.");
        let short: Vec<_> = got.iter().map(|q| (q.1.clone(), q.2.as_deref())).collect();
        assert_eq!(
            short,
            [
                (QuantityValue::Number(5e6), Some("USD")),
                (QuantityValue::Number(3e9), Some("CAD")),
                (QuantityValue::Number(2.5e9), Some("EUR"))
            ]
        );
    }
}
