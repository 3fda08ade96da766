//! The stage's memory between the passes: compact keys of every document in flat arrays.
//! Strings (ids, clusters, names) are stored once and referred to by `u32`; claims keep 32-bit
//! hashes of their entities and words; nothing holds a document's text or rendered evidence.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use newspipe_core::Relation;

use crate::claims::{Amount, ClaimTraits, ClaimView};
use crate::combine::Points;
use crate::dating::Days;
use crate::facts::{Markers, Observed};

/// Strings laid end to end, each found by its number.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    /// Appends a string; returns its number.
    pub fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.ends.push(crate::claims::offset(self.text.len()));
        crate::claims::offset(self.ends.len() - 1)
    }

    /// String number `n`.
    pub fn get(&self, n: u32) -> &str {
        let n = n as usize;
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.text[start..self.ends[n] as usize]
    }

    /// How many strings there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// For each string, its rank in byte order (equal strings share a rank).
    pub fn ranks(&self) -> Vec<u32> {
        let order = self.order();
        let mut ranks = vec![0u32; order.len()];
        let mut rank = 0u32;
        for (k, &n) in order.iter().enumerate() {
            if k > 0 && self.get(order[k - 1]) != self.get(n) {
                rank += 1;
            }
            ranks[n as usize] = rank;
        }
        ranks
    }

    /// The string numbers in byte order of the strings (ties by number).
    pub fn order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..crate::claims::offset(self.len())).collect();
        order.sort_by(|&a, &b| self.get(a).cmp(self.get(b)).then(a.cmp(&b)));
        order
    }
}

/// Distinct strings, each stored once, numbered in order of first appearance.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Interner {
    strings: Strings,
    /// 64-bit hash → number; the rare second string with the same hash goes to `collided`.
    by_hash: FxHashMap<u64, u32>,
    collided: FxHashMap<Box<str>, u32>,
}

/// A 64-bit hash of a string, the same in every task of a run and every build (xxh3: std's
/// SipHash costs more, and its algorithm may change between Rust releases).
pub(crate) fn hash64(s: &str) -> u64 {
    xxh3_64(s.as_bytes())
}

impl Interner {
    /// The number of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(n) = self.get(s) {
            return n;
        }
        let n = self.strings.push(s);
        match self.by_hash.entry(hash64(s)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(n);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(s.into(), n);
            }
        }
        n
    }

    /// The number of `s`, when it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        match self.by_hash.get(&hash64(s)) {
            Some(&n) if self.strings.get(n) == s => Some(n),
            Some(_) => self.collided.get(s).copied(),
            None => None,
        }
    }

    /// String number `n`.
    pub fn text(&self, n: u32) -> &str {
        self.strings.get(n)
    }

    /// How many distinct strings there are.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// For each number, the rank of its string in byte order.
    pub fn ranks(&self) -> Vec<u32> {
        self.strings.ranks()
    }
}

/// What the stage keeps of one document (its id and claims live in the shared arrays).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocKey {
    /// Its dedupe cluster (its own id when dedupe did not run), interned.
    pub cluster: u32,
    /// How it relates to its cluster's representative.
    pub relation: Relation,
    /// Whether it stands for its cluster.
    pub representative: bool,
    /// Which copy markers its text (or what normalize cut) has.
    pub markers: Markers,
    /// Whether its `date_consistency` is at least 0.5 (its date can set the reference date).
    pub dates_consistent: bool,
    /// The weighted sums of its document-only signals.
    pub own: Points,
    /// Its date and the window of the office holders it names.
    pub days: Days,
    /// Its claims that can match another, as a range of [`Index::claims`].
    pub claims: (u32, u32),
    /// The first use of each (person, spelling) in it, as a range of [`Index::names`].
    pub names: (u32, u32),
    /// What the document-only terms of its claims need, as a range of [`Index::traits`].
    pub traits: (u32, u32),
}

/// One claim that can match another, with its keys in the shared arrays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// The document it is in.
    pub doc: u32,
    /// Its position in the document's `claims`.
    pub index: u32,
    /// Byte offset of the claim in its document's text.
    pub start: u32,
    /// End byte offset.
    pub end: u32,
    /// Where its entity hashes start in [`Index::hashes`]; its word hashes follow.
    pub(crate) hashes: u32,
    pub(crate) entities: u32,
    pub(crate) words: u32,
    /// Where its amounts start in [`Index::amounts`], and how many.
    pub(crate) amounts: u32,
    pub(crate) amount_count: u32,
    /// Whether it is hedged.
    pub hedged: bool,
}

/// The first use of a spelling of a person in one document.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NameUse {
    /// The canonical name, interned in [`Index::people`].
    pub canonical: u32,
    /// The spelling key, interned in [`Index::spellings`].
    pub spelling: u32,
    /// Byte offset of the mention.
    pub start: u32,
    /// End byte offset.
    pub end: u32,
}

/// Every document's compact keys, in input order.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Index {
    /// Document ids, by document number.
    pub ids: Strings,
    /// One per document.
    pub docs: Vec<DocKey>,
    /// Cluster ids.
    pub clusters: Interner,
    /// Canonical person names.
    pub people: Interner,
    /// Spelling keys of person names.
    pub spellings: Interner,
    /// First uses of person spellings, document after document.
    pub names: Vec<NameUse>,
    /// Claims that can match another, document after document.
    pub claims: Vec<ClaimRecord>,
    /// Entity then word hashes of each claim.
    pub(crate) hashes: Vec<u32>,
    /// Amounts of each claim.
    pub(crate) amounts: Vec<Amount>,
    /// One byte per claim of every document: its attribution and damage.
    pub(crate) traits: Vec<ClaimTraits>,
}

impl Index {
    /// Adds one observed document; returns its number.
    pub fn push(&mut self, observed: Observed) -> u32 {
        let doc = crate::claims::offset(self.docs.len());
        self.ids.push(&observed.id);
        let cluster = self.clusters.intern(&observed.cluster);
        let names_start = crate::claims::offset(self.names.len());
        for first in &observed.names {
            let use_ = NameUse {
                canonical: self.people.intern(&first.canonical),
                spelling: self.spellings.intern(&first.spelling_key()),
                start: first.start,
                end: first.start + first.len,
            };
            self.names.push(use_);
        }
        let claims_start = crate::claims::offset(self.claims.len());
        for key in observed.claims {
            let record = ClaimRecord {
                doc,
                index: key.index,
                start: key.start,
                end: key.end,
                hashes: crate::claims::offset(self.hashes.len()),
                entities: crate::claims::offset(key.entities.len()),
                words: crate::claims::offset(key.words.len()),
                amounts: crate::claims::offset(self.amounts.len()),
                amount_count: crate::claims::offset(key.amounts.len()),
                hedged: key.hedged,
            };
            self.hashes.extend(&key.entities);
            self.hashes.extend(&key.words);
            self.amounts.extend(key.amounts);
            self.claims.push(record);
        }
        let traits_start = crate::claims::offset(self.traits.len());
        self.traits.extend(observed.traits);
        self.docs.push(DocKey {
            cluster,
            relation: observed.relation,
            representative: observed.representative,
            markers: observed.markers,
            dates_consistent: observed.dates_consistent,
            own: observed.own,
            days: observed.days,
            claims: (claims_start, crate::claims::offset(self.claims.len())),
            names: (names_start, crate::claims::offset(self.names.len())),
            traits: (traits_start, crate::claims::offset(self.traits.len())),
        });
        doc
    }

    /// The id of document `d`.
    pub fn id(&self, d: u32) -> &str {
        self.ids.get(d)
    }

    /// Claim record `c` as matching reads it.
    pub fn view(&self, c: u32) -> ClaimView<'_> {
        let r = &self.claims[c as usize];
        let (h, e, w) = (r.hashes as usize, r.entities as usize, r.words as usize);
        let a = r.amounts as usize;
        ClaimView {
            entities: &self.hashes[h..h + e],
            words: &self.hashes[h + e..h + e + w],
            amounts: &self.amounts[a..a + r.amount_count as usize],
        }
    }

    /// What the document-only terms of document `d`'s claims need, one per claim.
    pub fn traits_of(&self, d: u32) -> &[ClaimTraits] {
        let (s, e) = self.docs[d as usize].traits;
        &self.traits[s as usize..e as usize]
    }

    /// The first uses of person spellings in document `d`.
    pub fn names_of(&self, d: u32) -> &[NameUse] {
        let (s, e) = self.docs[d as usize].names;
        &self.names[s as usize..e as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_rank_in_byte_order_and_equal_strings_share_a_rank() {
        let mut ids = Strings::default();
        for id in ["b", "a", "c", "a", ""] {
            ids.push(id);
        }
        assert_eq!(ids.get(1), "a");
        assert_eq!(ids.get(4), "");
        assert_eq!(ids.ranks(), [2, 1, 3, 1, 0]);
        assert_eq!(ids.order(), [4, 1, 3, 0, 2]);
    }

    #[test]
    fn interning_gives_one_number_per_string() {
        let mut names = Interner::default();
        let a = names.intern("Zelensky");
        let b = names.intern("Zelenskyy");
        assert_eq!(names.intern("Zelensky"), a);
        assert_ne!(a, b);
        assert_eq!(names.get("Zelenskyy"), Some(b));
        assert_eq!(names.get("Zelenski"), None);
        assert_eq!((names.text(b), names.len()), ("Zelenskyy", 2));
    }
}
