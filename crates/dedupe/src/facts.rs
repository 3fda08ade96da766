//! Rare facts: what a rewrite or a translation keeps when its wording changes. Multi-word
//! names (pairs of neighbouring capitalized words), numbers of two or more digits, and short
//! quoted strings, each reduced to a 40-bit hash.

use rustc_hash::FxHashSet;
use std::sync::LazyLock;

use xxhash_rust::xxh3::xxh3_64_with_seed;

const NAME: u64 = 1;
const NUMBER: u64 = 2;
const QUOTE: u64 = 3;

/// Capitalized words that start sentences rather than names, from the knowledge crate.
static SENTENCE_STARTERS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    newspipe_knowledge::sentence_starters()
        .iter()
        .copied()
        .collect()
});

/// The 40-bit hash of a fact of `kind`, in the low bits of a `u64`.
///
/// Facts are compared across the whole corpus (their document frequencies weight them, and
/// heads that share them become derived candidates), so a collision joins two facts
/// everywhere. 40 bits ship in about 36.5 (the Rice-coded gaps of a document's sorted facts,
/// see `packed`) where 64 would take 64. Were 10⁸ documents to hold 10⁹ distinct facts, about (10⁹)²/2/2⁴⁰ ≈ 4.5·10⁵ pairs of them, one fact in 1,100, would share
/// a hash: the two facts' frequencies add up (a lower weight) and documents holding one each
/// share one fact more, where a derived link needs six and a weighted overlap of 0.55.
fn fact_hash(key: &[u8], kind: u64) -> u64 {
    xxh3_64_with_seed(key, kind) >> 24
}

fn is_capitalized(word: &str) -> bool {
    let mut chars = word.chars();
    matches!(chars.next(), Some(c) if c.is_uppercase()) && chars.any(char::is_alphabetic)
}

/// Appends `word` lower-cased to `out`: ASCII in place, other text as `str::to_lowercase`
/// spells it (a final sigma stays final).
fn push_lowercase(out: &mut String, word: &str) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&word.to_lowercase());
    }
}

/// The sorted, unique rare-fact hashes of `text` ([`fact_hash`]).
pub fn rare_facts(text: &str) -> Vec<u64> {
    let mut facts = Vec::new();
    // An ASCII text without a vertical tab (which `char::is_whitespace` counts and
    // `u8::is_ascii_whitespace` does not) splits at the same places byte by byte.
    if text.is_ascii() && !text.contains('\x0B') {
        word_facts(text.split_ascii_whitespace(), &mut facts);
    } else {
        word_facts(text.split_whitespace(), &mut facts);
    }
    quoted_strings(text, &mut facts);
    facts.sort_unstable();
    facts.dedup();
    facts
}

/// Adds the hashes of the numbers and the name pairs among `words` (a text's, split at white
/// space).
fn word_facts<'t>(words: impl Iterator<Item = &'t str>, facts: &mut Vec<u64>) {
    let mut previous_name: Option<&str> = None;
    let mut digits = String::new();
    let mut pair = String::new();
    for raw in words {
        if raw.as_bytes()[0].is_ascii_lowercase() {
            // Most words: neither a name nor a number.
            previous_name = None;
            continue;
        }
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let ends_phrase = raw.ends_with([',', '.', ';', ':', '!', '?', ')', '"', '\u{201d}']);
        digits.clear();
        digits.extend(word.chars().filter(char::is_ascii_digit));
        if digits.len() >= 2 && word.chars().all(|c| c.is_ascii_digit() || ",.".contains(c)) {
            facts.push(fact_hash(digits.as_bytes(), NUMBER));
        }
        if is_capitalized(word) {
            if let Some(first) = previous_name {
                pair.clear();
                push_lowercase(&mut pair, first);
                pair.push(' ');
                push_lowercase(&mut pair, word);
                facts.push(fact_hash(pair.as_bytes(), NAME));
            }
            let starter = SENTENCE_STARTERS.contains(word);
            previous_name = (!ends_phrase && !starter).then_some(word);
        } else {
            previous_name = None;
        }
    }
}

/// Adds the hashes of quoted strings of 2 to 12 words (lower-cased letters and digits).
fn quoted_strings(text: &str, facts: &mut Vec<u64>) {
    let mut key = String::new();
    for (open, close) in [('\u{201c}', '\u{201d}'), ('"', '"')] {
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            let quoted = &after[..end];
            let words = quoted.split_whitespace().count();
            if (2..=12).contains(&words) {
                key.clear();
                for word in quoted.split_whitespace() {
                    if !key.is_empty() {
                        key.push(' ');
                    }
                    key.extend(
                        word.chars()
                            .filter(|c| c.is_alphanumeric())
                            .flat_map(char::to_lowercase),
                    );
                }
                facts.push(fact_hash(key.as_bytes(), QUOTE));
            }
            rest = &after[end + close.len_utf8()..];
        }
    }
}

/// Builds the sentence-starter set every text's facts are read with, for the stage's warm-up.
pub(crate) fn warm_up() {
    LazyLock::force(&SENTENCE_STARTERS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_quotes_are_facts() {
        let text = "Defence Minister Bill Blair said 28 nations met. He called it \u{201c}posture and pose\u{201d}.";
        let facts = rare_facts(text);
        // Names: "defence minister", "minister bill", "bill blair"; number: 28; one quote.
        assert_eq!(facts.len(), 5, "{facts:?}");
        let rewrite = rare_facts("The plan of Bill Blair: 28 nations.");
        assert_eq!(rewrite.iter().filter(|f| facts.contains(f)).count(), 2);
    }

    #[test]
    fn sentence_starts_and_single_digits_are_not_facts() {
        assert!(rare_facts("The Army went home. In March 5 people left.").is_empty());
    }

    #[test]
    fn every_white_space_separates_words_in_ascii_text_and_in_any_other() {
        let spaced = rare_facts("Talks with Bill Blair on 28 nations ended.");
        assert_eq!(spaced.len(), 2, "{spaced:?}");
        // a vertical tab, which only `char::is_whitespace` knows, and a non-ASCII space
        assert_eq!(
            rare_facts("Talks with Bill\x0BBlair on 28\x0Bnations ended."),
            spaced
        );
        assert_eq!(
            rare_facts("Talks with Bill\u{2003}Blair on 28 nations ended."),
            spaced
        );
    }

    #[test]
    fn unclosed_quotes_and_odd_text_do_not_panic() {
        rare_facts("\u{201c}never closed \" also \u{201d} \u{201c}");
        rare_facts("");
    }
}
