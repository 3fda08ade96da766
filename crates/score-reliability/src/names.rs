//! `name_consistency`: a person's surname checked against the spelling most independent
//! clusters use ("Zelenskyy" and "Zelensky" fold together; "Zelenski" in one cluster against
//! "Zelensky" in three is a minority spelling).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use newspipe_core::{Document, EntityKind, Evidence, Signal};

use crate::index::Index;
use crate::signal::{at, not_applicable, note, scored};

/// Signal name.
pub const NAME_CONSISTENCY: &str = "name_consistency";

/// One person mention: the canonical name and the surname as spelt here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    /// The corpus's canonical name.
    pub canonical: String,
    /// The last word of the mention, lower case.
    pub form: String,
    /// Byte offset of the mention.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
}

/// The person mentions of a document, in entity order.
pub fn names(doc: &Document) -> Vec<Mention> {
    doc.entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .filter_map(|e| {
            surname_form(&e.text).map(|form| Mention {
                canonical: e.canonical.clone(),
                form,
                start: e.start,
                end: e.end,
            })
        })
        .collect()
}

/// The last word of a name, lower case, without a possessive or punctuation.
pub fn surname_form(name: &str) -> Option<String> {
    let last = name.split_whitespace().last()?;
    // `trim_end_matches` of each possessive, by suffix comparisons rather than a string
    // searcher set up for every name.
    let mut last = last;
    while let Some(rest) = last.strip_suffix("’s") {
        last = rest;
    }
    while let Some(rest) = last.strip_suffix("'s") {
        last = rest;
    }
    let form = last
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    (!form.is_empty()).then_some(form)
}

/// The spelling key of a canonical name's own surname: what a mention spelt as the canonical
/// name is keyed by.
pub fn canonical_spelling_key(canonical: &str) -> String {
    surname_form(canonical)
        .map(|form| spelling_key(&form))
        .unwrap_or_default()
}

/// Folds spellings that differ only by transliteration or accents ("Zelensky"/"Zelenskyy").
pub fn spelling_key(form: &str) -> String {
    let folded: String = form
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'j' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'w' => 'v',
            c => c,
        })
        .collect();
    // Each replacement in turn, as `str::replace` would, but only where its pattern occurs:
    // most names hold none, and each `replace` set up a searcher and copied the name.
    let holds = |key: &str, pair: &[u8]| key.as_bytes().windows(2).any(|w| w == pair);
    let mut key = folded;
    for (from, to) in [("yy", "y"), ("iy", "y"), ("ii", "i")] {
        if holds(&key, from.as_bytes()) {
            key = key.replace(from, to);
        }
    }
    if key.contains('y') {
        key = key.replace('y', "i");
    }
    key
}

/// A note when a mention spells a surname otherwise than its canonical name but only by
/// transliteration ("Zelensky" for "Volodymyr Zelenskyy"): `extract` lists it as a variant
/// spelling, and this says why it is not counted against the document.
fn transliteration(name: &Mention, own_key: &str, surface: &str) -> Option<String> {
    let canonical = name.canonical.split_whitespace().last()?.to_lowercase();
    (canonical != name.form && spelling_key(&canonical) == own_key).then(|| {
        format!(
            "{surface} is a transliteration of {}, not a misspelling",
            name.canonical
        )
    })
}

/// The first use of a spelling in one cluster: document number, start, end.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Use {
    cluster_rank: u32,
    doc: u32,
    start: u32,
    end: u32,
}

/// One spelling of a person: how many clusters use it, and the first uses of the first two
/// in cluster-id order (the evidence points at one of another cluster than the document's,
/// so it never needs a third).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Spelling {
    key: u32,
    clusters: usize,
    uses: Vec<Use>,
}

/// First uses a [`Spelling`] keeps.
const USES_KEPT: usize = 2;

/// The spellings of one person, in key order, and how many clusters name them at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Person {
    clusters: usize,
    spellings: Vec<Spelling>,
}

/// Spellings of each canonical person across clusters.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct NameBook {
    people: FxHashMap<u32, Person>,
}

/// One person's entry of a [`NameBook`] as a cluster run ships it from the task that built it
/// (for the people of its name bucket) to the shard states that need it: every number of that
/// task's index replaced by what it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PersonEntry {
    /// The canonical name.
    pub canonical: String,
    /// How many clusters name the person at all.
    pub clusters: usize,
    /// The person's spellings, in key order.
    pub spellings: Vec<SpellingEntry>,
}

/// One spelling of a [`PersonEntry`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SpellingEntry {
    /// The spelling key.
    pub key: String,
    /// How many clusters use it.
    pub clusters: usize,
    /// Its first uses in the first clusters in cluster-id order (at most [`USES_KEPT`]).
    pub uses: Vec<UseEntry>,
}

/// A first use of a [`SpellingEntry`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UseEntry {
    /// The cluster of the document.
    pub cluster: String,
    /// Where the document is in the corpus (a number ordered as the input).
    pub place: u64,
    /// The document's id.
    pub id: String,
    /// Byte offset of the mention.
    pub start: u32,
    /// End byte offset.
    pub end: u32,
}

impl NameBook {
    /// Gathers the spellings from the index; `id_rank` and `cluster_rank` order documents
    /// and clusters by their ids, so the result does not depend on the input order.
    pub fn new(index: &Index, id_rank: &[u32], cluster_rank: &[u32]) -> Self {
        let mut first: FxHashMap<(u32, u32, u32), Use> = FxHashMap::default();
        for (d, key) in index.docs.iter().enumerate() {
            let d = d as u32;
            let cluster_rank = cluster_rank[key.cluster as usize];
            for name in index.names_of(d) {
                let candidate = Use {
                    cluster_rank,
                    doc: d,
                    start: name.start,
                    end: name.end,
                };
                let slot = first
                    .entry((name.canonical, name.spelling, cluster_rank))
                    .or_insert(candidate);
                // The first use by document id, whatever the input order.
                if (id_rank[d as usize], name.start) < (id_rank[slot.doc as usize], slot.start) {
                    *slot = candidate;
                }
            }
        }
        let mut grouped: FxHashMap<u32, FxHashMap<u32, Vec<Use>>> = FxHashMap::default();
        for ((canonical, spelling, _), use_) in first {
            grouped
                .entry(canonical)
                .or_default()
                .entry(spelling)
                .or_default()
                .push(use_);
        }
        let people = grouped
            .into_iter()
            .map(|(canonical, spellings)| {
                let mut spellings: Vec<Spelling> = spellings
                    .into_iter()
                    .map(|(key, mut uses)| {
                        uses.sort_unstable_by_key(|u| u.cluster_rank);
                        Spelling {
                            key,
                            clusters: uses.len(),
                            uses,
                        }
                    })
                    .collect();
                spellings.sort_unstable_by(|a, b| {
                    index.spellings.text(a.key).cmp(index.spellings.text(b.key))
                });
                let mut clusters: Vec<u32> = spellings
                    .iter()
                    .flat_map(|s| s.uses.iter().map(|u| u.cluster_rank))
                    .collect();
                clusters.sort_unstable();
                clusters.dedup();
                for spelling in &mut spellings {
                    spelling.uses.truncate(USES_KEPT);
                }
                let person = Person {
                    clusters: clusters.len(),
                    spellings,
                };
                (canonical, person)
            })
            .collect();
        Self { people }
    }

    /// The entry of person `person` (a number of `index.people`), its documents' places
    /// given by `place` (one per document of `index`); `None` when the book has no such person.
    pub(crate) fn entry(&self, person: u32, index: &Index, place: &[u64]) -> Option<PersonEntry> {
        let found = self.people.get(&person)?;
        let spellings = found
            .spellings
            .iter()
            .map(|s| SpellingEntry {
                key: index.spellings.text(s.key).to_owned(),
                clusters: s.clusters,
                uses: s
                    .uses
                    .iter()
                    .map(|u| UseEntry {
                        cluster: index
                            .clusters
                            .text(index.docs[u.doc as usize].cluster)
                            .to_owned(),
                        place: place[u.doc as usize],
                        id: index.id(u.doc).to_owned(),
                        start: u.start,
                        end: u.end,
                    })
                    .collect(),
            })
            .collect();
        Some(PersonEntry {
            canonical: index.people.text(person).to_owned(),
            clusters: found.clusters,
            spellings,
        })
    }

    /// Adds `entry` as person `person` of a state that numbers its own spellings (`spelling`,
    /// in the entry's order) and the clusters and documents of the uses (`uses`, one pair of
    /// cluster rank and document per use, spelling after spelling).
    pub(crate) fn insert(
        &mut self,
        person: u32,
        entry: &PersonEntry,
        spelling: &[u32],
        uses: &[(u32, u32)],
    ) {
        let mut uses = uses.iter();
        let spellings = entry
            .spellings
            .iter()
            .zip(spelling)
            .map(|(s, &key)| Spelling {
                key,
                clusters: s.clusters,
                uses: s
                    .uses
                    .iter()
                    .zip(uses.by_ref())
                    .map(|(u, &(cluster_rank, doc))| Use {
                        cluster_rank,
                        doc,
                        start: u.start,
                        end: u.end,
                    })
                    .collect(),
            })
            .collect();
        self.people.insert(
            person,
            Person {
                clusters: entry.clusters,
                spellings,
            },
        );
    }

    /// `name_consistency` for a document of cluster `cluster_rank`, and the spans of its
    /// minority spellings.
    pub fn signal(
        &self,
        doc: &Document,
        cluster_rank: u32,
        index: &Index,
    ) -> (Signal, Vec<(usize, usize)>) {
        let mut checkable = false;
        let mut flagged: Vec<Evidence> = Vec::new();
        let mut spans = Vec::new();
        let mut variants: Vec<Evidence> = Vec::new();
        let mut noted: Vec<(String, String)> = Vec::new();
        for name in names(doc) {
            let Some(person) = index
                .people
                .get(&name.canonical)
                .and_then(|c| self.people.get(&c))
            else {
                continue;
            };
            if person.clusters < 2 {
                continue;
            }
            checkable = true;
            let own_key = spelling_key(&name.form);
            let surface = doc.text.get(name.start..name.end).unwrap_or(&name.form);
            if let Some(variant) = transliteration(&name, &own_key, surface) {
                let seen = (name.canonical.clone(), name.form.clone());
                if !noted.contains(&seen) {
                    noted.push(seen);
                    variants.push(at(&doc.id, name.start, name.end, variant));
                }
            }
            let own_id = index.spellings.get(&own_key);
            let own = person
                .spellings
                .iter()
                .find(|s| Some(s.key) == own_id)
                .map_or(0, |s| s.clusters);
            let best = person
                .spellings
                .iter()
                .filter(|s| {
                    Some(s.key) != own_id
                        && own_key.len() >= 4
                        && strsim::levenshtein(index.spellings.text(s.key), &own_key) <= 2
                })
                // Most clusters; among equals, the first spelling in key order.
                .rev()
                .max_by_key(|s| s.clusters);
            if let Some(best) = best.filter(|s| s.clusters > own) {
                // Point at a use in another cluster, so the counterpart is independent.
                let use_ = best
                    .uses
                    .iter()
                    .find(|u| u.cluster_rank != cluster_rank)
                    .unwrap_or(&best.uses[0]);
                let count = best.clusters;
                flagged.push(at(
                    &doc.id,
                    name.start,
                    name.end,
                    format!(
                        "minority spelling of {} ({own} cluster(s) against {count})",
                        name.canonical
                    ),
                ));
                let counterpart = at(
                    index.id(use_.doc),
                    use_.start as usize,
                    use_.end as usize,
                    format!("spelling used by {count} independent cluster(s)"),
                );
                if !flagged.contains(&counterpart) {
                    flagged.push(counterpart);
                }
                spans.push((name.start, name.end));
            }
        }
        if !checkable {
            let reason = "no person named here is named by another independent cluster";
            return (not_applicable(&doc.id, NAME_CONSISTENCY, reason), spans);
        }
        let score = 1.0 - (spans.len() as f64 / 2.0).min(1.0);
        if flagged.is_empty() {
            flagged.push(note(
                &doc.id,
                "names spelt as the other independent clusters spell them",
            ));
        }
        flagged.extend(variants);
        (scored(NAME_CONSISTENCY, score, flagged), spans)
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn spelling_keys_fold_transliterations_in_order() {
        assert_eq!(spelling_key("zelenskyy"), "zelenski");
        assert_eq!(spelling_key("zelensky"), "zelenski");
        // "yy" first, then "iy", then "ii", then every other "y"
        assert_eq!(spelling_key("kiyy"), "ki");
        assert_eq!(spelling_key("kiiy"), "kii");
        assert_eq!(spelling_key("wójcik"), "voicik");
        assert_eq!(spelling_key("doe"), "doe");
    }

    #[test]
    fn surnames_lose_possessives_and_punctuation() {
        assert_eq!(surname_form("Jane Doe’s").as_deref(), Some("doe"));
        assert_eq!(surname_form("Doe's's,").as_deref(), Some("doe's's"));
        assert_eq!(surname_form("Doe's's").as_deref(), Some("doe"));
        assert_eq!(surname_form("Doe’s's").as_deref(), Some("doe’s"));
        assert_eq!(surname_form("  "), None);
    }
}
