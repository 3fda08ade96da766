//! Canonical entities across the corpus.
//!
//! `observe` feeds each document's names (not its text) into a [`NameIndex`]; `prepare` turns
//! it into a [`CanonicalMap`]: spelling variants of a person ("Zelenskyy"/"Zelensky", "Keir
//! Starrer"/"Keir Starmer") are merged, the spelling used by the most independent witnesses
//! (duplicate clusters when dedupe ran, else documents) wins, and surname-only names are
//! linked to the one full name they belong to.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use newspipe_core::EntityKind;
use serde::{Deserialize, Serialize};

/// The names one document uses: kind and in-document canonical form.
#[derive(Debug, Clone)]
struct DocNames {
    id: String,
    witness: String,
    names: Vec<(EntityKind, String)>,
}

/// A compact index of the names every observed document uses.
#[derive(Debug, Default)]
pub struct NameIndex {
    docs: Vec<DocNames>,
}

impl NameIndex {
    /// Records the names of one document; `witness` is its dedupe cluster, else its id.
    pub fn add(
        &mut self,
        id: &str,
        witness: &str,
        names: impl IntoIterator<Item = (EntityKind, String)>,
    ) {
        let mut names: Vec<(EntityKind, String)> = names.into_iter().collect();
        names.sort();
        names.dedup();
        self.docs.push(DocNames {
            id: id.to_string(),
            witness: witness.to_string(),
            names,
        });
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

/// The corpus-wide name map built by [`NameIndex::build`].
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CanonicalMap {
    names: HashMap<(EntityKind, String), String>,
    groups: HashMap<(EntityKind, String), usize>,
    variants: Vec<(EntityKind, String, Vec<VariantUse>)>,
}

fn tokens(name: &str) -> Vec<&str> {
    name.split(' ').collect()
}

/// Whether two surnames are spellings of one another: a small edit distance relative to their
/// length, and the same first letter.
fn spelling_variant(x: &str, y: &str, max_distance: usize) -> bool {
    if x == y || x.chars().next() != y.chars().next() {
        return false;
    }
    let (lx, ly) = (x.chars().count(), y.chars().count());
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
    allowed > 0 && strsim::damerau_levenshtein(x, y) <= allowed
}

/// Names that may be spellings of one another share this: the given names and the first
/// letter of the surname.
type BlockKey<'a> = (Vec<&'a str>, Option<char>);

fn block_key(name: &str) -> BlockKey<'_> {
    let t = tokens(name);
    let (last, given) = t.split_last().map_or(("", &[][..]), |(l, g)| (*l, g));
    (given.to_vec(), last.chars().next())
}

/// A name and its kind.
type NameKey = (EntityKind, String);

/// The witnesses (clusters or docs) and the documents that use a name.
type Usage<'a> = (BTreeSet<&'a str>, Vec<&'a str>);

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
        // name → (witnesses, docs), in a stable order
        let mut usage: BTreeMap<NameKey, Usage> = BTreeMap::new();
        let mut together: HashSet<(&str, &str)> = HashSet::new();
        for doc in &self.docs {
            for (kind, name) in &doc.names {
                let entry = usage.entry((*kind, name.clone())).or_default();
                entry.0.insert(&doc.witness);
                entry.1.push(&doc.id);
            }
            // names one document uses side by side are different people; only names that
            // could be compared (same block) need remembering
            let mut by_block: HashMap<BlockKey, Vec<&str>> = HashMap::new();
            for (_, name) in doc.names.iter().filter(|(k, _)| *k == EntityKind::Person) {
                by_block.entry(block_key(name)).or_default().push(name);
            }
            for names in by_block.values() {
                for &x in names {
                    for &y in names {
                        together.insert((x, y));
                    }
                }
            }
        }
        let keys: Vec<(EntityKind, String)> = usage.keys().cloned().collect();
        let mut uf = UnionFind((0..keys.len()).collect());
        // spelling variants among people with the same given names and the same initial of
        // the surname: only names in one block are compared
        let people: Vec<usize> = (0..keys.len())
            .filter(|&i| keys[i].0 == EntityKind::Person)
            .collect();
        let mut blocks: HashMap<BlockKey, Vec<usize>> = HashMap::new();
        for &p in &people {
            blocks.entry(block_key(&keys[p].1)).or_default().push(p);
        }
        let mut block_list: Vec<&Vec<usize>> = blocks.values().collect();
        block_list.sort();
        for block in block_list {
            for (xi, &x) in block.iter().enumerate() {
                for &y in &block[xi + 1..] {
                    let (nx, ny) = (keys[x].1.as_str(), keys[y].1.as_str());
                    if together.contains(&(nx, ny)) {
                        continue;
                    }
                    let (lx, ly) = (tokens(nx), tokens(ny));
                    if spelling_variant(lx[lx.len() - 1], ly[ly.len() - 1], max_distance) {
                        uf.union(x, y);
                    }
                }
            }
        }
        // surname-only names: linked to the one multi-part name (group) ending with them
        let mut by_last: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        for &p in &people {
            let t = tokens(&keys[p].1);
            if t.len() > 1 {
                let root = uf.find(p);
                by_last.entry(t[t.len() - 1]).or_default().insert(root);
            }
        }
        let mut lasts_by_initial: HashMap<Option<char>, Vec<&str>> = HashMap::new();
        for &last in by_last.keys() {
            lasts_by_initial
                .entry(last.chars().next())
                .or_default()
                .push(last);
        }
        for &p in &people {
            let t = tokens(&keys[p].1);
            if t.len() != 1 {
                continue;
            }
            let exact = by_last.get(t[0]).filter(|g| g.len() == 1);
            let fuzzy = || {
                let candidates = lasts_by_initial.get(&t[0].chars().next())?;
                let roots: BTreeSet<usize> = candidates
                    .iter()
                    .filter(|last| spelling_variant(last, t[0], max_distance))
                    .flat_map(|last| by_last[last].iter().copied())
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
        for group in members.values() {
            let score = |i: usize| {
                let (w, d) = &usage[&keys[i]];
                (tokens(&keys[i].1).len(), w.len(), d.len(), keys[i].1.len())
            };
            // the fullest form; among those, the spelling most witnesses use
            let winner = *group
                .iter()
                .max_by(|&&x, &&y| score(x).cmp(&score(y)).then(keys[y].1.cmp(&keys[x].1)))
                .unwrap_or(&group[0]);
            let canonical = keys[winner].1.clone();
            let full_len = tokens(&canonical).len();
            let spellings: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&i| tokens(&keys[i].1).len() == full_len)
                .collect();
            let group_id = map.variants.len();
            for &i in group {
                map.names.insert(keys[i].clone(), canonical.clone());
                map.groups.insert(keys[i].clone(), group_id);
            }
            let mut uses: Vec<VariantUse> = spellings
                .iter()
                .map(|&i| {
                    let (w, d) = &usage[&keys[i]];
                    VariantUse {
                        form: keys[i].1.clone(),
                        witnesses: w.len(),
                        docs: d
                            .iter()
                            .take(MAX_LISTED_DOCS)
                            .map(|s| s.to_string())
                            .collect(),
                        canonical: i == winner,
                    }
                })
                .collect();
            uses.sort_by(|x, y| y.witnesses.cmp(&x.witnesses).then(x.form.cmp(&y.form)));
            map.variants.push((keys[winner].0, canonical, uses));
        }
        map
    }
}

impl CanonicalMap {
    /// The corpus-wide canonical name of a document's name (the name itself if unknown).
    pub fn canonical(&self, kind: EntityKind, name: &str) -> String {
        self.names
            .get(&(kind, name.to_string()))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// The variant records for the names one document uses: one per canonical entity that
    /// has more than one spelling in the corpus.
    pub fn variants_for<'n>(
        &self,
        names: impl IntoIterator<Item = (EntityKind, &'n str)>,
    ) -> Vec<EntityVariants> {
        let mut out: Vec<EntityVariants> = Vec::new();
        for (kind, name) in names {
            let Some(&g) = self.groups.get(&(kind, name.to_string())) else {
                continue;
            };
            let (kind, canonical, uses) = &self.variants[g];
            if uses.len() < 2 || !uses.iter().any(|u| u.form == name) {
                continue;
            }
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
