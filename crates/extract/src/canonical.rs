//! Canonical entities across the corpus.
//!
//! `observe` feeds each document's names (not its text) into a [`NameIndex`]; `prepare` turns
//! it into a [`CanonicalMap`]: spelling variants of a person ("Zelenskyy"/"Zelensky", "Keir
//! Starrer"/"Keir Starmer") are merged, the spelling used by the most independent witnesses
//! (duplicate clusters when dedupe ran, else documents) wins, and surname-only names are
//! linked to the one full name they belong to.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use newspipe_core::EntityKind;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// The index of a kind in per-kind tables.
pub(crate) fn kind_slot(kind: EntityKind) -> usize {
    match kind {
        EntityKind::Person => 0,
        EntityKind::Organization => 1,
        EntityKind::Place => 2,
    }
}

/// A compact index of the names every observed document uses: each distinct name and each
/// witness is stored once and documents hold their ids, so the merge of a large corpus keeps
/// a few bytes per name a document uses.
#[derive(Debug, Default)]
pub struct NameIndex {
    /// Per kind, every distinct name with its id.
    name_ids: [FxHashMap<String, u32>; 3],
    /// Kind and spelling of each name id.
    names: Vec<(EntityKind, Box<str>)>,
    /// Every distinct witness with its id.
    witness_ids: FxHashMap<String, u32>,
    /// Per document, in input order: its id and its witness's id.
    docs: Vec<(Box<str>, u32)>,
    /// The documents' distinct name ids, sorted, one document after the other.
    doc_names: Vec<u32>,
    /// Where each document's names end in `doc_names`.
    doc_ends: Vec<usize>,
}

impl NameIndex {
    /// Records the names of one document; `witness` is its dedupe cluster, else its id.
    pub fn add<S: AsRef<str>>(
        &mut self,
        id: &str,
        witness: &str,
        names: impl IntoIterator<Item = (EntityKind, S)>,
    ) {
        let start = self.doc_names.len();
        for (kind, name) in names {
            let name = name.as_ref();
            let ids = &mut self.name_ids[kind_slot(kind)];
            let id = match ids.get(name) {
                Some(&id) => id,
                None => {
                    let id = self.names.len() as u32;
                    ids.insert(name.to_string(), id);
                    self.names.push((kind, name.into()));
                    id
                }
            };
            self.doc_names.push(id);
        }
        self.doc_names[start..].sort_unstable();
        let mut distinct = start;
        for i in start..self.doc_names.len() {
            if i == start || self.doc_names[i] != self.doc_names[distinct - 1] {
                self.doc_names[distinct] = self.doc_names[i];
                distinct += 1;
            }
        }
        self.doc_names.truncate(distinct);
        self.doc_ends.push(distinct);
        let next = self.witness_ids.len() as u32;
        let witness = *self.witness_ids.entry(witness.to_string()).or_insert(next);
        self.docs.push((id.into(), witness));
    }

    /// The name ids of document `d`.
    fn names_of(&self, d: usize) -> &[u32] {
        let start = if d == 0 { 0 } else { self.doc_ends[d - 1] };
        &self.doc_names[start..self.doc_ends[d]]
    }

    /// How many documents were added.
    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    /// The distinct names the documents `docs` (numbered in the order they were added) use,
    /// in no particular order.
    pub fn names_used_by(&self, docs: std::ops::Range<usize>) -> Vec<(EntityKind, &str)> {
        let mut ids: Vec<u32> = docs
            .flat_map(|d| self.names_of(d).iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| {
                let (kind, name) = &self.names[id as usize];
                (*kind, &**name)
            })
            .collect()
    }
}

/// How one spelling of a canonical entity is used across the corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantUse {
    /// The spelling, as the fullest form a document uses ("Keir Starrer").
    pub form: String,
    /// Number of independent witnesses (dedupe clusters, else documents) using it.
    pub witnesses: usize,
    /// Ids of the documents using it (at most [`MAX_LISTED_DOCS`]).
    pub docs: Vec<String>,
    /// Whether this is the canonical spelling.
    pub canonical: bool,
}

/// A canonical entity with more than one spelling, as recorded on each document that names it
/// (`doc.extra["entity_variants"]`): the reliability stage reads it to spot minority spellings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityVariants {
    /// Person, organization or place.
    pub kind: EntityKind,
    /// The winning spelling.
    pub canonical: String,
    /// The spelling this document uses.
    pub used_here: String,
    /// Whether the spelling used here is a minority variant of the canonical one.
    pub minority: bool,
    /// Every spelling, most used first.
    pub variants: Vec<VariantUse>,
}

/// Doc ids listed per variant, so the record stays small on big corpora.
pub const MAX_LISTED_DOCS: usize = 50;

/// The corpus-wide name map built by [`NameIndex::build`]. It holds only what differs from
/// a document's own spelling: names whose canonical name is another, and the spellings of
/// entities written more than one way; every other name is its own canonical name.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CanonicalMap {
    /// Per kind ([`kind_slot`]), each name whose canonical name differs from it.
    renamed: [BTreeMap<String, String>; 3],
    /// Per kind, each spelling of an entity with several, with its entry in `variants`.
    spellings: [BTreeMap<String, u32>; 3],
    /// The entities with several spellings: kind, canonical name and every spelling's use.
    variants: Vec<(EntityKind, String, Vec<VariantUse>)>,
}

fn tokens(name: &str) -> Vec<&str> {
    name.split(' ').collect()
}

/// The last space-separated word of a name: its surname.
pub(crate) fn last_word(name: &str) -> &str {
    name.rsplit(' ').next().unwrap_or(name)
}

/// How many space-separated words a name has.
fn word_count(name: &str) -> usize {
    name.split(' ').count()
}

/// A surname as [`spelling_variant`] compares it, measured once per name rather than once per
/// comparison.
#[derive(Debug, Clone, Copy)]
struct Surname<'a> {
    text: &'a str,
    first: Option<char>,
    chars: usize,
    /// Which of 64 buckets its characters fall in (a character's code point modulo 64).
    letters: u64,
}

impl<'a> Surname<'a> {
    fn new(text: &'a str) -> Self {
        let (mut chars, mut letters) = (0, 0u64);
        for c in text.chars() {
            chars += 1;
            letters |= 1 << (c as u32 % 64);
        }
        Surname {
            text,
            first: text.chars().next(),
            chars,
            letters,
        }
    }
}

/// Whether two surnames are spellings of one another: a small edit distance relative to their
/// length, and the same first letter.
fn spelling_variant(x: &Surname, y: &Surname, max_distance: usize) -> bool {
    if x.text == y.text || x.first != y.first {
        return false;
    }
    let (lx, ly) = (x.chars, y.chars);
    if lx.abs_diff(ly) > max_distance {
        return false;
    }
    let shorter = lx.min(ly);
    let allowed = if shorter >= 7 {
        max_distance
    } else if shorter >= 5 {
        max_distance.min(1)
    } else {
        0
    };
    // Each edit changes at most two characters of the multiset (a substitution), so two
    // spellings within `allowed` edits differ in at most `2 * allowed` character buckets: the
    // costly distance is computed only for the few pairs this cheap bound lets through.
    let buckets_apart = (x.letters ^ y.letters).count_ones() as usize;
    allowed > 0
        && buckets_apart <= 2 * allowed
        && strsim::damerau_levenshtein(x.text, y.text) <= allowed
}

/// Names that may be spellings of one another share this: the given names and the first
/// letter of the surname.
type BlockKey<'a> = (Vec<&'a str>, Option<char>);

fn block_key(name: &str) -> BlockKey<'_> {
    let t = tokens(name);
    let (last, given) = t.split_last().map_or(("", &[][..]), |(l, g)| (*l, g));
    (given.to_vec(), last.chars().next())
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        self.0[x] = r;
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

impl NameIndex {
    /// Builds the canonical map; `max_distance` bounds the edit distance between spellings.
    pub fn build(&self, max_distance: usize) -> CanonicalMap {
        // names in a stable order: by kind, then spelling; `rank` maps a name id to its place
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&x, &y| {
            let (kx, nx) = &self.names[x as usize];
            let (ky, ny) = &self.names[y as usize];
            (kx, nx).cmp(&(ky, ny))
        });
        let mut rank = vec![0usize; order.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r;
        }
        let keys: Vec<(EntityKind, &str)> = order
            .iter()
            .map(|&id| {
                let (kind, name) = &self.names[id as usize];
                (*kind, &**name)
            })
            .collect();
        // witnesses and documents per name; a witness of one document needs no set
        let mut witness_docs = vec![0u32; self.witness_ids.len()];
        for &(_, w) in &self.docs {
            witness_docs[w as usize] += 1;
        }
        // each person's block as a number, and every name's surname measured once
        let mut block_ids: HashMap<BlockKey, u32> = HashMap::new();
        let block_of: Vec<Option<u32>> = keys
            .iter()
            .map(|&(kind, name)| {
                let next = block_ids.len() as u32;
                (kind == EntityKind::Person)
                    .then(|| *block_ids.entry(block_key(name)).or_insert(next))
            })
            .collect();
        let surnames: Vec<Surname> = keys
            .iter()
            .map(|&(_, name)| Surname::new(last_word(name)))
            .collect();
        let mut witnesses = vec![0usize; keys.len()];
        let mut doc_counts = vec![0usize; keys.len()];
        let mut seen: FxHashSet<(usize, u32)> = FxHashSet::default();
        // names one document uses side by side are different people; only names that
        // could be compared (same block) need remembering
        let mut together: FxHashSet<(usize, usize)> = FxHashSet::default();
        let mut by_block: Vec<(u32, usize)> = Vec::new();
        for (d, &(_, w)) in self.docs.iter().enumerate() {
            by_block.clear();
            for &id in self.names_of(d) {
                let k = rank[id as usize];
                doc_counts[k] += 1;
                if witness_docs[w as usize] == 1 || seen.insert((k, w)) {
                    witnesses[k] += 1;
                }
                if let Some(block) = block_of[k] {
                    by_block.push((block, k));
                }
            }
            by_block.sort_unstable();
            for names in by_block
                .chunk_by(|x, y| x.0 == y.0)
                .filter(|names| names.len() > 1)
            {
                for &(_, x) in names {
                    for &(_, y) in names {
                        together.insert((x, y));
                    }
                }
            }
        }
        drop(seen);
        let mut uf = UnionFind((0..keys.len()).collect());
        // spelling variants among people with the same given names and the same initial of
        // the surname: only names in one block are compared (in any order: each group's root
        // is its first name, whatever the order of the unions)
        let people: Vec<usize> = (0..keys.len())
            .filter(|&i| keys[i].0 == EntityKind::Person)
            .collect();
        let mut blocks: Vec<Vec<usize>> = vec![Vec::new(); block_ids.len()];
        for &p in &people {
            if let Some(block) = block_of[p] {
                blocks[block as usize].push(p);
            }
        }
        for block in &blocks {
            for (xi, &x) in block.iter().enumerate() {
                for &y in &block[xi + 1..] {
                    if spelling_variant(&surnames[x], &surnames[y], max_distance)
                        && !together.contains(&(x, y))
                    {
                        uf.union(x, y);
                    }
                }
            }
        }
        // surname-only names: linked to the one multi-part name (group) ending with them
        let mut by_last: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        for &p in &people {
            if keys[p].1.contains(' ') {
                let root = uf.find(p);
                by_last.entry(surnames[p].text).or_default().insert(root);
            }
        }
        let mut lasts_by_initial: HashMap<Option<char>, Vec<Surname>> = HashMap::new();
        for &last in by_last.keys() {
            let last = Surname::new(last);
            lasts_by_initial.entry(last.first).or_default().push(last);
        }
        for &p in &people {
            if keys[p].1.contains(' ') {
                continue;
            }
            let surname = &surnames[p];
            let exact = by_last.get(surname.text).filter(|g| g.len() == 1);
            let fuzzy = || {
                let candidates = lasts_by_initial.get(&surname.first)?;
                let roots: BTreeSet<usize> = candidates
                    .iter()
                    .filter(|last| spelling_variant(last, surname, max_distance))
                    .flat_map(|last| by_last[last.text].iter().copied())
                    .collect();
                (roots.len() == 1).then_some(roots)
            };
            if let Some(group) = exact.cloned().or_else(fuzzy) {
                if let Some(&root) = group.iter().next() {
                    uf.union(p, root);
                }
            }
        }
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..keys.len() {
            members.entry(uf.find(i)).or_default().push(i);
        }
        let mut map = CanonicalMap::default();
        // the spellings of entities written more than one way, by name rank: (variant, use)
        let mut listed: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
        for group in members.values().filter(|group| group.len() > 1) {
            let score = |i: usize| {
                (
                    word_count(keys[i].1),
                    witnesses[i],
                    doc_counts[i],
                    keys[i].1.len(),
                )
            };
            // the fullest form; among those, the spelling most witnesses use
            let winner = *group
                .iter()
                .max_by(|&&x, &&y| score(x).cmp(&score(y)).then(keys[y].1.cmp(keys[x].1)))
                .unwrap_or(&group[0]);
            let (kind, canonical) = keys[winner];
            for &i in group.iter().filter(|&&i| i != winner) {
                map.renamed[kind_slot(keys[i].0)].insert(keys[i].1.to_string(), canonical.into());
            }
            let full_len = word_count(canonical);
            let spellings: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&i| word_count(keys[i].1) == full_len)
                .collect();
            if spellings.len() < 2 {
                continue;
            }
            let mut uses: Vec<(usize, VariantUse)> = spellings
                .iter()
                .map(|&i| {
                    let spelling = VariantUse {
                        form: keys[i].1.to_string(),
                        witnesses: witnesses[i],
                        docs: Vec::new(),
                        canonical: i == winner,
                    };
                    (i, spelling)
                })
                .collect();
            uses.sort_by(|(_, x), (_, y)| y.witnesses.cmp(&x.witnesses).then(x.form.cmp(&y.form)));
            let variant = map.variants.len();
            for (at, &(i, _)) in uses.iter().enumerate() {
                map.spellings[kind_slot(keys[i].0)].insert(keys[i].1.to_string(), variant as u32);
                listed.insert(i, (variant, at));
            }
            let uses = uses.into_iter().map(|(_, spelling)| spelling).collect();
            map.variants.push((kind, canonical.to_string(), uses));
        }
        // the first documents that use each listed spelling, in input order
        if !listed.is_empty() {
            for (d, (id, _)) in self.docs.iter().enumerate() {
                for &name in self.names_of(d) {
                    if let Some(&(variant, at)) = listed.get(&rank[name as usize]) {
                        let docs = &mut map.variants[variant].2[at].docs;
                        if docs.len() < MAX_LISTED_DOCS {
                            docs.push(id.to_string());
                        }
                    }
                }
            }
        }
        map
    }
}

impl CanonicalMap {
    /// The part of the map that `names` read: their renames and the variant records of the
    /// spellings among them. [`canonical`](Self::canonical), [`renamed`](Self::renamed) and
    /// [`variants_for`](Self::variants_for) give the same for each of `names` as on the whole
    /// map, so an apply task that reads only its documents' names needs only this part.
    pub fn restrict<'n>(&self, names: impl IntoIterator<Item = (EntityKind, &'n str)>) -> Self {
        let mut part = CanonicalMap::default();
        let mut taken: FxHashMap<u32, u32> = FxHashMap::default();
        for (kind, name) in names {
            let slot = kind_slot(kind);
            if let Some(canonical) = self.renamed[slot].get(name) {
                part.renamed[slot].insert(name.to_string(), canonical.clone());
            }
            if let Some(&variant) = self.spellings[slot].get(name) {
                let local = *taken.entry(variant).or_insert_with(|| {
                    part.variants.push(self.variants[variant as usize].clone());
                    part.variants.len() as u32 - 1
                });
                part.spellings[slot].insert(name.to_string(), local);
            }
        }
        part
    }

    /// Adds the entries of `other`, a map of other names (another bucket's part): names are
    /// in one part only, so no entry of `self` is replaced.
    pub fn absorb(&mut self, other: CanonicalMap) {
        let offset = self.variants.len() as u32;
        for (mine, theirs) in self.renamed.iter_mut().zip(other.renamed) {
            mine.extend(theirs);
        }
        for (mine, theirs) in self.spellings.iter_mut().zip(other.spellings) {
            mine.extend(theirs.into_iter().map(|(name, at)| (name, at + offset)));
        }
        self.variants.extend(other.variants);
    }

    /// Whether every spelling refers to a variant record the map holds (false for a corrupt
    /// map read from a file).
    pub fn is_consistent(&self) -> bool {
        self.spellings
            .iter()
            .flat_map(|spellings| spellings.values())
            .all(|&at| (at as usize) < self.variants.len())
    }

    /// Every rename and every spelling with its variant record, in name order: the map's
    /// content, whatever the numbering of its records.
    #[cfg(test)]
    #[allow(clippy::type_complexity)]
    pub(crate) fn entries(
        &self,
    ) -> (
        Vec<(usize, &str, &str)>,
        Vec<(usize, &str, &(EntityKind, String, Vec<VariantUse>))>,
    ) {
        let renamed = (0..3)
            .flat_map(|slot| {
                self.renamed[slot]
                    .iter()
                    .map(move |(name, canonical)| (slot, name.as_str(), canonical.as_str()))
            })
            .collect();
        let spellings = (0..3)
            .flat_map(|slot| {
                self.spellings[slot]
                    .iter()
                    .map(move |(name, &at)| (slot, name.as_str(), &self.variants[at as usize]))
            })
            .collect();
        (renamed, spellings)
    }

    /// The corpus-wide canonical name of a document's name (the name itself if unknown).
    pub fn canonical(&self, kind: EntityKind, name: &str) -> String {
        self.renamed(kind, name).unwrap_or(name).to_string()
    }

    /// The corpus-wide canonical name of a document's name when it is another name.
    pub fn renamed(&self, kind: EntityKind, name: &str) -> Option<&str> {
        self.renamed[kind_slot(kind)].get(name).map(String::as_str)
    }

    /// The variant records for the names one document uses: one per canonical entity that
    /// has more than one spelling in the corpus.
    pub fn variants_for<'n>(
        &self,
        names: impl IntoIterator<Item = (EntityKind, &'n str)>,
    ) -> Vec<EntityVariants> {
        let mut out: Vec<EntityVariants> = Vec::new();
        for (kind, name) in names {
            let Some(&g) = self.spellings[kind_slot(kind)].get(name) else {
                continue;
            };
            let (kind, canonical, uses) = &self.variants[g as usize];
            if out
                .iter()
                .any(|v| v.canonical == *canonical && v.used_here == name)
            {
                continue;
            }
            out.push(EntityVariants {
                kind: *kind,
                canonical: canonical.clone(),
                used_here: name.to_string(),
                minority: name != canonical,
                variants: uses.clone(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: &str) -> (EntityKind, String) {
        (EntityKind::Person, n.to_string())
    }

    #[test]
    fn majority_spelling_wins_and_surnames_link() {
        let mut idx = NameIndex::default();
        idx.add(
            "a",
            "a",
            [person("Keir Starmer"), person("Volodymyr Zelenskyy")],
        );
        idx.add(
            "b",
            "b",
            [person("Keir Starrer"), person("Volodymyr Zelenskyy")],
        );
        idx.add(
            "c",
            "c",
            [
                person("Keir Starmer"),
                person("Zelensky"),
                person("Volodymyr Zelensky"),
            ],
        );
        let map = idx.build(2);
        assert_eq!(
            map.canonical(EntityKind::Person, "Keir Starrer"),
            "Keir Starmer"
        );
        assert_eq!(
            map.canonical(EntityKind::Person, "Volodymyr Zelensky"),
            "Volodymyr Zelenskyy"
        );
        assert_eq!(
            map.canonical(EntityKind::Person, "Zelensky"),
            "Volodymyr Zelenskyy"
        );
        // only the names spelled otherwise are kept: Starrer and both Zelensky forms
        assert_eq!(map.renamed[kind_slot(EntityKind::Person)].len(), 3);
        let v = map.variants_for([(EntityKind::Person, "Keir Starrer")]);
        assert_eq!(v.len(), 1);
        assert!(v[0].minority);
        assert_eq!(v[0].variants[0].form, "Keir Starmer");
        assert_eq!(v[0].variants[0].witnesses, 2);
        assert_eq!(v[0].variants[1].docs, ["b"]);
    }

    #[test]
    fn copies_in_one_cluster_are_one_witness() {
        let mut idx = NameIndex::default();
        idx.add("a", "cluster-1", [person("Keir Starrer")]);
        idx.add("b", "cluster-1", [person("Keir Starrer")]);
        idx.add("c", "cluster-1", [person("Keir Starrer")]);
        idx.add("d", "d", [person("Keir Starmer")]);
        idx.add("e", "e", [person("Keir Starmer")]);
        let map = idx.build(2);
        assert_eq!(
            map.canonical(EntityKind::Person, "Keir Starrer"),
            "Keir Starmer"
        );
    }

    #[test]
    fn different_people_are_not_merged() {
        let mut idx = NameIndex::default();
        idx.add("a", "a", [person("John Smith"), person("John Smyth")]);
        idx.add(
            "b",
            "b",
            [
                person("Mark Carney"),
                person("Mary Carney"),
                person("Carney"),
            ],
        );
        idx.add("c", "c", [person("Anna Park"), person("Anna Parks")]);
        let map = idx.build(2);
        assert_eq!(
            map.canonical(EntityKind::Person, "John Smyth"),
            "John Smyth"
        );
        assert_eq!(map.canonical(EntityKind::Person, "Carney"), "Carney");
        // short surnames need an exact match
        assert_eq!(
            map.canonical(EntityKind::Person, "Anna Parks"),
            "Anna Parks"
        );
    }
}
