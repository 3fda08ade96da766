//! Compact keys of extracted claims and the rules that say when two claims from independent
//! clusters support or contradict each other.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use newspipe_core::{Claim, Document, QuantityValue};

use crate::lexicon::{ANONYMOUS, STOPWORDS};
use crate::presentation::Artifact;

/// A number in a claim as the interval of values it allows, with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    /// Lowest value compatible with the wording.
    pub low: f64,
    /// Highest value compatible with the wording.
    pub high: f64,
    /// What is counted.
    pub unit: String,
}

impl Amount {
    /// The values a quantity allows: "more than 32,000" is `[32000, ∞)`, "about 30" is
    /// `[24, 36]`, a bare number allows rounding (±10%).
    pub fn new(value: &QuantityValue, qualifier: Option<&str>, unit: &str) -> Self {
        let (low, high) = match (value, qualifier) {
            (QuantityValue::Range([a, b]), _) => (a.min(*b), a.max(*b)),
            (QuantityValue::Number(v), Some("more_than" | "at_least")) => (*v, f64::INFINITY),
            (QuantityValue::Number(v), Some("less_than" | "up_to")) => (f64::NEG_INFINITY, *v),
            (QuantityValue::Number(v), Some("about")) => (v * 0.8, v * 1.2),
            (QuantityValue::Number(v), _) => (v * 0.9, v * 1.1),
        };
        Self {
            low: low.min(high),
            high: high.max(low),
            unit: unit.to_owned(),
        }
    }

    /// Whether both can be true of one thing.
    pub fn compatible(&self, other: &Amount) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

/// What the stage keeps of one claim between the passes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimKey {
    /// Byte offset of the claim in its document's text.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
    /// Hashes of its canonical entities, sorted.
    pub entities: Vec<u64>,
    /// Hashes of its content words, sorted.
    pub words: Vec<u64>,
    /// Its numbers with units.
    pub amounts: Vec<Amount>,
    /// Whether it is hedged.
    pub hedged: bool,
    /// The `attribution` term and why.
    pub attribution: (f64, String),
    /// Whether a machine-translation artifact falls inside it.
    pub damaged: bool,
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn content_words(text: &str) -> Vec<u64> {
    let mut words: Vec<u64> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| {
            let stem = if w.len() > 4 {
                w.strip_suffix('s').unwrap_or(&w)
            } else {
                &w
            };
            hash(stem)
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// The claim's `attribution` term: 1 for a direct quote of a named speaker, 0.8 for a named
/// speaker, 0.3 for an anonymous source, 0.2 for a hedged statement nobody stands behind,
/// 0.5 for the reporter's own plain statement.
fn attribution_term(doc: &Document, claim: &Claim) -> (f64, String) {
    let inside = |s: usize, e: usize| s < claim.end && e > claim.start;
    if let Some(speaker) = &claim.speaker {
        let quoted = doc
            .quotes
            .iter()
            .any(|q| q.direct && q.speaker.as_ref() == Some(speaker) && inside(q.start, q.end));
        return if quoted {
            (1.0, format!("direct quote of {speaker}"))
        } else {
            (0.8, format!("attributed to {speaker}"))
        };
    }
    let sentence = doc.text.get(claim.start..claim.end).unwrap_or_default();
    if ANONYMOUS.is_match(sentence) {
        (0.3, "anonymous source".into())
    } else if claim.hedged {
        (0.2, "hedged, unattributed".into())
    } else {
        (0.5, "the reporter's own statement".into())
    }
}

/// The keys of every claim of a document.
pub fn keys(doc: &Document, artifacts: &[Artifact]) -> Vec<ClaimKey> {
    doc.claims
        .iter()
        .map(|claim| {
            let mut entities: Vec<u64> = claim
                .entities
                .iter()
                .map(|e| hash(&e.to_lowercase()))
                .collect();
            entities.sort_unstable();
            entities.dedup();
            let amounts = claim
                .quantities
                .iter()
                .filter_map(|&i| doc.quantities.get(i))
                .filter_map(|q| {
                    let unit = q.unit.as_deref().filter(|u| !u.is_empty() && *u != "-")?;
                    Some(Amount::new(&q.value, q.qualifier.as_deref(), unit))
                })
                .collect();
            ClaimKey {
                start: claim.start,
                end: claim.end,
                entities,
                words: content_words(&claim.text),
                amounts,
                hedged: claim.hedged,
                attribution: attribution_term(doc, claim),
                damaged: artifacts
                    .iter()
                    .any(|a| a.start < claim.end && a.end > claim.start),
            }
        })
        .collect()
}

/// Entities two sorted hash lists share.
pub fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Overlap coefficient of two sorted hash lists: shared items over the smaller list, so a
/// short paraphrase of a long sentence still matches it.
pub fn overlap(a: &[u64], b: &[u64]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        0.0
    } else {
        shared(a, b) as f64 / smaller as f64
    }
}

/// Two claims are about the same thing: two shared entities, or one and a number with the
/// same unit.
pub fn same_topic(a: &ClaimKey, b: &ClaimKey) -> bool {
    let entities = shared(&a.entities, &b.entities);
    entities >= 2
        || (entities == 1
            && a.amounts
                .iter()
                .any(|x| b.amounts.iter().any(|y| x.unit == y.unit)))
}

/// `b` supports `a`: same topic, enough shared wording, no incompatible number, and not the
/// same sentence word for word (a copy that dedupe missed repeats, it does not confirm).
pub fn supports(a: &ClaimKey, b: &ClaimKey, min_overlap: f64) -> bool {
    same_topic(a, b)
        && overlap(&a.words, &b.words) >= min_overlap
        && !numbers_conflict(a, b)
        && !verbatim(a, b)
}

/// Nearly the same content words on both sides (Jaccard ≥ 0.9, six words or more).
fn verbatim(a: &ClaimKey, b: &ClaimKey) -> bool {
    let both = shared(&a.words, &b.words);
    let either = a.words.len() + b.words.len() - both;
    both >= 6 && both as f64 >= 0.9 * either as f64
}

/// `b` contradicts `a`: same topic and wording, numbers with a shared unit, none compatible.
pub fn contradicts(a: &ClaimKey, b: &ClaimKey, min_overlap: f64) -> bool {
    same_topic(a, b) && overlap(&a.words, &b.words) >= min_overlap && numbers_conflict(a, b)
}

fn numbers_conflict(a: &ClaimKey, b: &ClaimKey) -> bool {
    let pairs: Vec<(&Amount, &Amount)> = a
        .amounts
        .iter()
        .flat_map(|x| {
            b.amounts
                .iter()
                .filter(move |y| x.unit == y.unit)
                .map(move |y| (x, y))
        })
        .collect();
    !pairs.is_empty() && pairs.iter().all(|(x, y)| !x.compatible(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(entities: &[&str], text: &str, amounts: Vec<Amount>) -> ClaimKey {
        let mut entities: Vec<u64> = entities.iter().map(|e| hash(&e.to_lowercase())).collect();
        entities.sort_unstable();
        ClaimKey {
            start: 0,
            end: text.len(),
            entities,
            words: content_words(text),
            amounts,
            hedged: false,
            attribution: (0.5, String::new()),
            damaged: false,
        }
    }

    #[test]
    fn lower_bounds_at_different_dates_are_compatible() {
        let q = |v, qual| Amount::new(&QuantityValue::Number(v), qual, "troop");
        let a = key(
            &["Canada", "Operation Unifier"],
            "More than 32,000 Ukrainian troops were trained under Operation Unifier",
            vec![q(32000.0, Some("more_than"))],
        );
        let b = key(
            &["Canada", "Operation Unifier"],
            "Canada has trained more than 45,000 Ukrainian troops under Operation Unifier",
            vec![q(45000.0, Some("more_than"))],
        );
        assert!(supports(&a, &b, 0.3));
        assert!(!contradicts(&a, &b, 0.3));
        let exact = key(
            &["Canada", "Operation Unifier"],
            "Canada has trained exactly 20,000 Ukrainian troops under Operation Unifier",
            vec![q(20000.0, None)],
        );
        assert!(contradicts(&a, &exact, 0.3));
        assert!(!supports(&a, &exact, 0.3));
    }

    #[test]
    fn a_verbatim_copy_is_not_support() {
        let text = "Canada will send four hundred troops to Latvia next spring to lead the brigade";
        let a = key(&["Canada", "Latvia"], text, vec![]);
        let b = key(&["Canada", "Latvia"], text, vec![]);
        assert!(!supports(&a, &b, 0.3));
        let paraphrase = key(
            &["Canada", "Latvia"],
            "Canada is sending troops to Latvia in spring, where it leads a brigade",
            vec![],
        );
        assert!(supports(&a, &paraphrase, 0.3));
    }

    #[test]
    fn different_topics_neither_support_nor_contradict() {
        let a = key(
            &["Canada", "Latvia"],
            "Canada leads a NATO brigade in Latvia",
            vec![],
        );
        let b = key(&["Poland"], "Poland has ruled out sending troops", vec![]);
        assert!(!supports(&a, &b, 0.3) && !contradicts(&a, &b, 0.3));
    }
}
