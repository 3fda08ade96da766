//! Claims: sentences that assert something checkable (a number, a date, a role, a reported
//! statement), with who they are attributed to and whether they are hedged.

use crate::dates::DateFound;
use crate::entities::Mention;
use crate::lower::{ascii_lower, LowerBuffer};
use crate::quantities::QuantityFound;
use crate::quotes::QuoteFound;
use crate::text::Analysis;

/// A claim found in one document; indexes point into the document's other annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFound {
    /// Byte offset of the sentence.
    pub start: usize,
    /// End byte offset of the sentence.
    pub end: usize,
    /// The mention it is attributed to.
    pub speaker: Option<usize>,
    /// Whether it is hedged.
    pub hedged: bool,
    /// Mentions inside the sentence.
    pub entities: Vec<usize>,
    /// Quantities inside the sentence.
    pub quantities: Vec<usize>,
}

const HEDGE_WORDS: &[&str] = &[
    "may",
    "might",
    "could",
    "reportedly",
    "allegedly",
    "possibly",
    "perhaps",
    "likely",
    "unlikely",
    "apparently",
    "probably",
    "purportedly",
    "seemingly",
    "rumored",
    "rumoured",
    "unconfirmed",
    "suspected",
    "presumably",
    "potentially",
];

const HEDGE_PHRASES: &[(&str, &str)] = &[
    ("expected", "to"),
    ("appears", "to"),
    ("appear", "to"),
    ("seems", "to"),
    ("seem", "to"),
    ("believed", "to"),
    ("said", "to"),
    ("thought", "to"),
];

fn is_hedged(a: &Analysis, first: usize, last: usize) -> bool {
    (first..last).any(|k| {
        let mut buffer = LowerBuffer::default();
        let lower = ascii_lower(a.tok(k), &mut buffer);
        HEDGE_WORDS.contains(&lower)
            || (k + 1 < last
                && HEDGE_PHRASES
                    .iter()
                    .any(|&(x, y)| lower == x && a.tok(k + 1) == y))
    })
}

/// The first index in `0..len` for which `before` is false (`before` must be monotone).
fn partition(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn within(start: usize, end: usize, s_start: usize, s_end: usize) -> bool {
    start >= s_start && end <= s_end
}

/// Picks the checkable sentences and links their annotations.
pub fn find_claims(
    a: &Analysis,
    mentions: &[Mention],
    dates: &[DateFound],
    quantities: &[QuantityFound],
    quotes: &[QuoteFound],
) -> Vec<ClaimFound> {
    let mut out = Vec::new();
    for s in &a.sentences {
        // headlines, bylines and menu lines do not end like sentences
        let ends_sentence = a.text[s.start..s.end]
            .trim_end_matches(['"', '”', '’', '\'', ')'])
            .ends_with(['.', '!', '?']);
        if s.last - s.first < 6 || a.on_headline(s.first) || !ends_sentence {
            continue;
        }
        // annotations are sorted by start: look only at those starting in the sentence
        let in_sentence = |starts: &dyn Fn(usize) -> usize, len: usize| {
            let lo = partition(len, |i| starts(i) < s.start);
            let hi = partition(len, |i| starts(i) < s.end);
            lo..hi.max(lo)
        };
        let entities: Vec<usize> = in_sentence(&|i| mentions[i].start, mentions.len())
            .filter(|&m| within(mentions[m].start, mentions[m].end, s.start, s.end))
            .collect();
        let qs: Vec<usize> = in_sentence(&|i| quantities[i].start, quantities.len())
            .filter(|&q| within(quantities[q].start, quantities[q].end, s.start, s.end))
            .collect();
        // "now", "recently" (…_REF) do not make a sentence checkable
        let has_date = in_sentence(&|i| dates[i].start, dates.len())
            .map(|i| &dates[i])
            .any(|d| {
                within(d.start, d.end, s.start, s.end)
                    && d.value.as_deref().is_some_and(|v| !v.ends_with("_REF"))
            });
        let has_role = entities.iter().any(|&m| mentions[m].role.is_some());
        let first_quote = partition(quotes.len(), |i| quotes[i].end <= s.start);
        let quote = quotes[first_quote..]
            .iter()
            .take_while(|q| q.start < s.end)
            .find(|q| q.end > s.start && q.speaker.is_some());
        let according = (s.first..s.last.saturating_sub(1))
            .find(|&k| a.tok(k).eq_ignore_ascii_case("according") && a.tok(k + 1) == "to")
            .and_then(|k| {
                let after = a.tokens[k + 1].end;
                entities
                    .iter()
                    .copied()
                    .find(|&m| mentions[m].start > after)
            });
        let checkable =
            !qs.is_empty() || has_date || has_role || quote.is_some() || according.is_some();
        if !checkable || entities.is_empty() && qs.is_empty() {
            continue;
        }
        out.push(ClaimFound {
            start: s.start,
            end: s.end,
            speaker: quote.and_then(|q| q.speaker).or(according),
            hedged: is_hedged(a, s.first, s.last),
            entities,
            quantities: qs,
        });
    }
    out
}
