//! The compact record kept per document between `observe` and `prepare`: hashes and
//! counts, never the text.

use newspipe_core::Document;
use serde::{Deserialize, Serialize};

use crate::config::Params;
use crate::facts::rare_facts;
use crate::minhash::{band_keys, MinHasher};
use crate::sketch::GramSketch;
use crate::syndication::{document_marker, Syndication};
use crate::tokens::key_words;

/// What the clustering needs to know about one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocRecord {
    /// The document's id.
    pub id: String,
    /// Key words in the text.
    pub words: usize,
    /// Publication date as days since 1970-01-01, when `meta.published` gives one.
    pub published: Option<i64>,
    /// Hash of the normalized key.
    #[serde(with = "crate::packed::u128_fixed")]
    pub exact_key: u128,
    /// The key of each LSH band (see [`band_key`](crate::minhash::band_keys)), in band order:
    /// what the bands read of the MinHash signature, in half its bytes; empty when the text is
    /// too short for the near-duplicate pass.
    #[serde(with = "crate::packed::u32_fixed")]
    pub band_keys: Vec<u32>,
    /// Sampled character 5-grams, for the containment check; empty when the text is too
    /// short for the near-duplicate pass.
    pub grams: GramSketch,
    /// 32-bit hashes of the numbers in the text, sorted, unique (see [`number_hashes`]).
    #[serde(with = "crate::packed::sorted_u32_fixed")]
    pub numbers: Vec<u32>,
    /// 40-bit hashes of the rare facts, sorted, unique (see [`rare_facts`]); empty when the
    /// derived pass is off or the text short.
    #[serde(with = "crate::packed::sorted_u40_rice")]
    pub facts: Vec<u64>,
    /// The syndication marker, if the text carries one that credits another outlet.
    pub syndication: Option<Syndication>,
}

/// Buffers reused across the documents one worker observes.
#[derive(Debug, Default)]
pub struct Scratch {
    shingle_keys: Vec<u32>,
    grams: Vec<u32>,
    smallest_grams: Vec<u32>,
}

/// Builds the record of `doc`.
pub fn record(
    doc: &Document,
    params: &Params,
    hasher: &MinHasher,
    scratch: &mut Scratch,
) -> DocRecord {
    let key = key_words(&doc.text);
    let words = key.word_hashes.len();
    let long_enough = words >= params.min_words.max(1);
    let (band_keys, grams) = if long_enough {
        let signature = hasher.signature(&key.word_hashes, &mut scratch.shingle_keys);
        (
            band_keys(&signature, params.bands, params.rows),
            gram_sketch(doc, scratch),
        )
    } else {
        (Vec::new(), GramSketch::default())
    };
    let facts = if long_enough && params.derived {
        rare_facts(&doc.text)
    } else {
        Vec::new()
    };
    DocRecord {
        id: doc.id.clone(),
        words,
        published: published(doc),
        exact_key: key.exact_key,
        band_keys,
        grams,
        numbers: number_hashes(&key.numbers),
        facts,
        syndication: document_marker(doc),
    }
}

/// What the verification of a candidate pair reads of `doc` (its date, gram sketch and
/// numbers), with the other parts empty: the same values [`record`] gives a document long
/// enough for the near-duplicate pass, which every document of a candidate pair is. A cluster
/// run computes them from the text for the documents of candidate pairs only, rather than
/// shipping every document's sketch.
pub fn verification_parts(doc: &Document, scratch: &mut Scratch) -> DocRecord {
    DocRecord {
        published: published(doc),
        grams: gram_sketch(doc, scratch),
        numbers: number_hashes(&key_words(&doc.text).numbers),
        ..DocRecord::empty()
    }
}

impl DocRecord {
    /// A record with every part empty.
    pub fn empty() -> Self {
        Self {
            id: String::new(),
            words: 0,
            published: None,
            exact_key: 0,
            band_keys: Vec::new(),
            grams: GramSketch::default(),
            numbers: Vec::new(),
            facts: Vec::new(),
            syndication: None,
        }
    }
}

fn gram_sketch(doc: &Document, scratch: &mut Scratch) -> GramSketch {
    GramSketch::of(&doc.text, &mut scratch.grams, &mut scratch.smallest_grams)
}

fn published(doc: &Document) -> Option<i64> {
    doc.meta.published.as_deref().and_then(days_since_epoch)
}

/// The numbers' 64-bit word hashes as 32-bit ones, sorted, unique. Numbers are only compared
/// within a candidate pair (the number guard), so a collision matters only between the two
/// documents of one pair: with a dozen numbers each, about 12·12/2³² ≈ 3·10⁻⁸ of a shared number
/// per pair, whatever the corpus size.
fn number_hashes(numbers: &[u64]) -> Vec<u32> {
    let mut hashes: Vec<u32> = numbers.iter().map(|&hash| (hash >> 32) as u32).collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// Days since 1970-01-01 of an ISO date (`YYYY-MM-DD`, anything after the day is ignored),
/// or `None` if it is not one.
pub fn days_since_epoch(iso: &str) -> Option<i64> {
    let date = iso.get(..10)?;
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_day_numbers() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(
            days_since_epoch("2025-03-01"),
            Some(days_since_epoch("2025-02-28").unwrap() + 1)
        );
        assert_eq!(days_since_epoch("2024-03-01T10:00:00Z"), Some(19_783));
        assert_eq!(days_since_epoch("2025-13-01"), None);
        assert_eq!(days_since_epoch("2025"), None);
        assert_eq!(days_since_epoch("20é5-01-01"), None);
    }
}
