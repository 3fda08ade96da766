//! Compact keys of extracted claims and the rules that say when two claims from independent
//! clusters support or contradict each other.

use serde::{Deserialize, Serialize};

use newspipe_core::{Claim, Document, QuantityValue};

use crate::lexicon::{ANONYMOUS, STOPWORDS};

/// A number in a claim as the interval of values it allows, with its unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amount {
    /// Lowest value compatible with the wording.
    #[serde(with = "crate::compact::number")]
    pub low: f64,
    /// Highest value compatible with the wording.
    #[serde(with = "crate::compact::number")]
    pub high: f64,
    /// What is counted, as [`hash`] of the unit's name.
    pub unit: u32,
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
            unit: hash(unit),
        }
    }

    /// Whether both can be true of one thing.
    pub fn compatible(&self, other: &Amount) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

/// What the stage keeps of one claim that can match another: only claims naming two entities,
/// or one and a number with a unit, can ever be on the same topic as another claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimKey {
    /// Its position in the document's `claims`.
    pub index: u32,
    /// Byte offset of the claim in its document's text.
    pub start: u32,
    /// End byte offset.
    pub end: u32,
    /// Hashes of its canonical entities, sorted.
    #[serde(with = "crate::compact::hashes")]
    pub entities: Vec<u32>,
    /// Hashes of its content words, sorted.
    #[serde(with = "crate::compact::hashes")]
    pub words: Vec<u32>,
    /// Its numbers with units.
    pub amounts: Vec<Amount>,
    /// Whether it is hedged.
    pub hedged: bool,
}

#[cfg(test)]
impl ClaimKey {
    /// The key as matching reads it.
    pub fn view(&self) -> ClaimView<'_> {
        ClaimView {
            entities: &self.entities,
            words: &self.words,
            amounts: &self.amounts,
        }
    }
}

/// A claim as the matching rules read it, borrowed from a [`ClaimKey`] or from the stage's
/// flat index.
#[derive(Debug, Clone, Copy)]
pub struct ClaimView<'a> {
    /// Hashes of its canonical entities, sorted.
    pub entities: &'a [u32],
    /// Hashes of its content words, sorted.
    pub words: &'a [u32],
    /// Its numbers with units.
    pub amounts: &'a [Amount],
}

/// A 32-bit hash of a word, entity or unit. Claims are compared through these, never through
/// their text. 32 bits are enough: two claims are only compared when they share entities,
/// and a false match needs two *different* words of those two claims to collide (about
/// `a·b / 2³²` for claims of `a` and `b` words, 10⁻⁷ for twenty words each), and then still
/// only moves an overlap by one word, so it can flip a verdict only when that overlap sits
/// exactly at a threshold.
pub fn hash(s: &str) -> u32 {
    let h = crate::index::hash64(s);
    (h ^ (h >> 32)) as u32
}

fn content_words(text: &str) -> Vec<u32> {
    let mut words: Vec<u32> = Vec::new();
    let mut lower = String::new();
    let mut add = |word: &str, ascii: bool| {
        // four characters or more: an ASCII word's characters are its bytes
        if word.len() < 4 || (!ascii && word.chars().count() < 4) {
            return;
        }
        lower.clear();
        if ascii {
            lower.push_str(word);
            lower.make_ascii_lowercase();
        } else {
            lower.push_str(&word.to_lowercase());
        }
        if STOPWORDS.contains(lower.as_str()) {
            return;
        }
        let stem = if lower.len() > 4 {
            lower.strip_suffix('s').unwrap_or(&lower)
        } else {
            &lower
        };
        words.push(hash(stem));
    };
    // Most claims are ASCII: split at bytes, and lower-case a word in one reused buffer.
    if text.is_ascii() {
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            add(word, true);
        }
    } else {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            add(word, word.is_ascii());
        }
    }
    words.sort_unstable();
    words.dedup();
    words
}

/// Who stands behind a claim, as its `attribution` term: 1 for a direct quote of a named
/// speaker, 0.8 for a named speaker, 0.3 for an anonymous source, 0.2 for a hedged statement
/// nobody stands behind, 0.5 for the reporter's own plain statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Attribution {
    /// A direct quote of the claim's speaker covers it.
    DirectQuote,
    /// It has a named speaker.
    Named,
    /// An anonymous source.
    Anonymous,
    /// Hedged, and nobody stands behind it.
    Hedged,
    /// The reporter's own plain statement.
    Reporter,
}

impl Attribution {
    /// Classifies a claim of the document.
    pub fn of(doc: &Document, claim: &Claim) -> Self {
        let inside = |s: usize, e: usize| s < claim.end && e > claim.start;
        if let Some(speaker) = &claim.speaker {
            let quoted = doc
                .quotes
                .iter()
                .any(|q| q.direct && q.speaker.as_ref() == Some(speaker) && inside(q.start, q.end));
            return if quoted {
                Self::DirectQuote
            } else {
                Self::Named
            };
        }
        let sentence = doc.text.get(claim.start..claim.end).unwrap_or_default();
        if ANONYMOUS.is_match(sentence) {
            Self::Anonymous
        } else if claim.hedged {
            Self::Hedged
        } else {
            Self::Reporter
        }
    }

    /// The term's score and why, naming the claim's speaker.
    pub fn term(self, speaker: Option<&str>) -> (f64, String) {
        let speaker = speaker.unwrap_or("an unnamed speaker");
        match self {
            Self::DirectQuote => (1.0, format!("direct quote of {speaker}")),
            Self::Named => (0.8, format!("attributed to {speaker}")),
            Self::Anonymous => (0.3, "anonymous source".into()),
            Self::Hedged => (0.2, "hedged, unattributed".into()),
            Self::Reporter => (0.5, "the reporter's own statement".into()),
        }
    }
}

/// What the document-only terms of a claim need, in one byte: its [`Attribution`] and
/// whether a machine-translation artifact falls inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimTraits(u8);

const DAMAGED_BIT: u8 = 8;
const KINDS: [Attribution; 5] = [
    Attribution::DirectQuote,
    Attribution::Named,
    Attribution::Anonymous,
    Attribution::Hedged,
    Attribution::Reporter,
];

impl ClaimTraits {
    /// Packs the two.
    pub fn new(attribution: Attribution, damaged: bool) -> Self {
        let kind = KINDS.iter().position(|k| *k == attribution).unwrap_or(4) as u8;
        Self(kind | if damaged { DAMAGED_BIT } else { 0 })
    }

    /// Who stands behind the claim.
    pub fn attribution(self) -> Attribution {
        KINDS[((self.0 & !DAMAGED_BIT) as usize).min(KINDS.len() - 1)]
    }

    /// Whether a machine-translation artifact falls inside the claim.
    pub fn damaged(self) -> bool {
        self.0 & DAMAGED_BIT != 0
    }
}

/// The entity hashes of a claim, sorted and distinct.
pub fn entity_hashes(claim: &Claim) -> Vec<u32> {
    let mut entities: Vec<u32> = claim
        .entities
        .iter()
        .map(|e| hash(&e.to_lowercase()))
        .collect();
    entities.sort_unstable();
    entities.dedup();
    entities
}

/// The key of one claim when it can match another claim (see [`ClaimKey`]), else `None`.
pub fn key(doc: &Document, index: usize, entities: Vec<u32>) -> Option<ClaimKey> {
    let claim = doc.claims.get(index)?;
    let amounts: Vec<Amount> = claim
        .quantities
        .iter()
        .filter_map(|&i| doc.quantities.get(i))
        .filter_map(|q| {
            let unit = q.unit.as_deref().filter(|u| !u.is_empty() && *u != "-")?;
            Some(Amount::new(&q.value, q.qualifier.as_deref(), unit))
        })
        .collect();
    let can_match = entities.len() >= 2 || (entities.len() == 1 && !amounts.is_empty());
    can_match.then(|| ClaimKey {
        index: offset(index),
        start: offset(claim.start),
        end: offset(claim.end),
        entities,
        words: content_words(&claim.text),
        amounts,
        hedged: claim.hedged,
    })
}

/// A byte offset or position as the index keeps it (documents stay far below 4 GiB).
pub fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Entities two sorted hash lists share.
pub fn shared(a: &[u32], b: &[u32]) -> usize {
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
pub fn overlap(a: &[u32], b: &[u32]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        0.0
    } else {
        shared(a, b) as f64 / smaller as f64
    }
}

/// Two claims are about the same thing: two shared entities, or one and a number with the
/// same unit.
pub fn same_topic(a: &ClaimView, b: &ClaimView) -> bool {
    let entities = shared(a.entities, b.entities);
    entities >= 2
        || (entities == 1
            && a.amounts
                .iter()
                .any(|x| b.amounts.iter().any(|y| x.unit == y.unit)))
}

/// `b` supports `a`: same topic, enough shared wording, no incompatible number, and not the
/// same sentence word for word (a copy that dedupe missed repeats, it does not confirm).
pub fn supports(a: &ClaimView, b: &ClaimView, min_overlap: f64) -> bool {
    same_topic(a, b)
        && overlap(a.words, b.words) >= min_overlap
        && !numbers_conflict(a, b)
        && !verbatim(a, b)
}

/// Nearly the same content words on both sides (Jaccard ≥ 0.9, six words or more).
fn verbatim(a: &ClaimView, b: &ClaimView) -> bool {
    let both = shared(a.words, b.words);
    let either = a.words.len() + b.words.len() - both;
    both >= 6 && both as f64 >= 0.9 * either as f64
}

/// `b` contradicts `a`: same topic and wording, numbers with a shared unit, none compatible.
pub fn contradicts(a: &ClaimView, b: &ClaimView, min_overlap: f64) -> bool {
    same_topic(a, b) && overlap(a.words, b.words) >= min_overlap && numbers_conflict(a, b)
}

fn numbers_conflict(a: &ClaimView, b: &ClaimView) -> bool {
    let mut compared = false;
    for x in a.amounts {
        for y in b.amounts.iter().filter(|y| x.unit == y.unit) {
            if x.compatible(y) {
                return false;
            }
            compared = true;
        }
    }
    compared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_are_the_lower_cased_long_words_that_are_not_stopwords() {
        // What `content_words` computes, written plainly: one string per word.
        let plainly = |text: &str| -> Vec<u32> {
            let mut words: Vec<u32> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 4)
                .map(str::to_lowercase)
                .filter(|w| !STOPWORDS.contains(w.as_str()))
                .map(|w| {
                    hash(if w.len() > 4 {
                        w.strip_suffix('s').unwrap_or(&w)
                    } else {
                        &w
                    })
                })
                .collect();
            words.sort_unstable();
            words.dedup();
            words
        };
        for text in [
            "",
            "More than 32,000 Ukrainian TROOPS were trained under Operation Unifier",
            "They said THEIR troops, their troop and these news were there.",
            "abc abcd abcde abcds abcdes ABCDS Über über straße STRASSE",
            // non-ASCII words: under four characters in four bytes or more ("été", "東京"), four
            // or more, and a final sigma, which lower-cases by its place in the word
            "été 東京 café naïve ÉTÉS ΟΔΟΣ οδος Ωmega 東京都庁舎 x\u{0}y",
            "Kyiv’s forces—about 40,000 soldiers—held Bakhmut’s outskirts.",
        ] {
            assert_eq!(content_words(text), plainly(text), "{text}");
        }
        assert_eq!(
            content_words("Troops TROOP troop"),
            content_words("troop"),
            "case and a plural s fold away"
        );
    }

    fn key(entities: &[&str], text: &str, amounts: Vec<Amount>) -> ClaimKey {
        let mut entities: Vec<u32> = entities.iter().map(|e| hash(&e.to_lowercase())).collect();
        entities.sort_unstable();
        ClaimKey {
            index: 0,
            start: 0,
            end: offset(text.len()),
            entities,
            words: content_words(text),
            amounts,
            hedged: false,
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
        assert!(supports(&a.view(), &b.view(), 0.3));
        assert!(!contradicts(&a.view(), &b.view(), 0.3));
        let exact = key(
            &["Canada", "Operation Unifier"],
            "Canada has trained exactly 20,000 Ukrainian troops under Operation Unifier",
            vec![q(20000.0, None)],
        );
        assert!(contradicts(&a.view(), &exact.view(), 0.3));
        assert!(!supports(&a.view(), &exact.view(), 0.3));
    }

    #[test]
    fn claim_traits_pack_into_one_byte() {
        for kind in KINDS {
            for damaged in [false, true] {
                let traits = ClaimTraits::new(kind, damaged);
                assert_eq!((traits.attribution(), traits.damaged()), (kind, damaged));
            }
        }
        assert_eq!(std::mem::size_of::<ClaimTraits>(), 1);
    }

    #[test]
    fn a_verbatim_copy_is_not_support() {
        let text = "Canada will send four hundred troops to Latvia next spring to lead the brigade";
        let a = key(&["Canada", "Latvia"], text, vec![]);
        let b = key(&["Canada", "Latvia"], text, vec![]);
        assert!(!supports(&a.view(), &b.view(), 0.3));
        let paraphrase = key(
            &["Canada", "Latvia"],
            "Canada is sending troops to Latvia in spring, where it leads a brigade",
            vec![],
        );
        assert!(supports(&a.view(), &paraphrase.view(), 0.3));
    }

    #[test]
    fn different_topics_neither_support_nor_contradict() {
        let a = key(
            &["Canada", "Latvia"],
            "Canada leads a NATO brigade in Latvia",
            vec![],
        );
        let b = key(&["Poland"], "Poland has ruled out sending troops", vec![]);
        assert!(!supports(&a.view(), &b.view(), 0.3) && !contradicts(&a.view(), &b.view(), 0.3));
    }
}
