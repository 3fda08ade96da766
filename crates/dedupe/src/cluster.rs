//! From records to clusters: candidate pairs (exact keys, LSH bands, shared rare facts),
//! verification with the guards, union-find, a deterministic representative, and each
//! document's verdict. Nothing here depends on input order or thread count: candidates are
//! sorted before use and every choice is made on document content and ids.

use std::collections::HashMap;

use newspipe_core::Relation;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::config::Params;
use crate::minhash::{band_key, estimated_containment, estimated_jaccard};
use crate::record::DocRecord;

/// Buckets larger than this are linked as a star around their first member, not pairwise.
const MAX_BUCKET: usize = 100;
/// Facts found in more documents than this are not rare and find no derived candidates.
const MAX_FACT_DF: usize = 50;

/// The stage's decision for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Stable cluster id, derived from the representative's id.
    pub cluster: String,
    /// Whether this document stands for its cluster.
    pub representative: bool,
    /// How it relates to its cluster's representative.
    pub relation: Relation,
    /// Similarity to the representative (1 for the representative itself).
    pub similarity: f64,
    /// The representative's id, for every other member.
    pub duplicate_of: Option<String>,
    /// The origin outlet named by a syndication marker.
    pub origin: Option<String>,
}

/// An accepted link between two documents.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Edge {
    a: u32,
    b: u32,
    kind: Relation,
}

/// How strongly a kind of link ties two texts; the strongest incident link names a copy.
fn strength(kind: Relation) -> u8 {
    match kind {
        Relation::Exact => 3,
        Relation::NearDuplicate => 2,
        Relation::Derived => 1,
        Relation::Syndicated | Relation::None => 0,
    }
}

/// Clusters the records and returns one verdict per record, in record order.
pub fn cluster(records: &[DocRecord], params: &Params) -> Vec<Verdict> {
    let fact_weights = params.derived.then(|| FactWeights::new(records));
    let mut edges = exact_edges(records);
    edges.extend(near_duplicate_edges(records, params));
    if let Some(weights) = &fact_weights {
        edges.extend(derived_edges(records, params, weights));
    }
    let mut sets = UnionFind::new(records.len());
    let mut strongest: Vec<Relation> = vec![Relation::None; records.len()];
    for edge in &edges {
        sets.union(edge.a as usize, edge.b as usize);
        for end in [edge.a as usize, edge.b as usize] {
            if strength(edge.kind) > strength(strongest[end]) {
                strongest[end] = edge.kind;
            }
        }
    }
    let mut representative: HashMap<usize, usize> = HashMap::new();
    for index in 0..records.len() {
        let root = sets.find(index);
        let best = representative.entry(root).or_insert(index);
        if is_better_representative(&records[index], &records[*best]) {
            *best = index;
        }
    }
    (0..records.len())
        .map(|index| {
            let rep = representative[&sets.find(index)];
            verdict(records, index, rep, strongest[index], fact_weights.as_ref())
        })
        .collect()
}

/// Earliest published (dated before undated), then most words, then smallest id.
fn is_better_representative(candidate: &DocRecord, current: &DocRecord) -> bool {
    let key = |r: &DocRecord| {
        (
            r.published.is_none(),
            r.published,
            std::cmp::Reverse(r.words),
        )
    };
    (key(candidate), &candidate.id) < (key(current), &current.id)
}

fn verdict(
    records: &[DocRecord],
    index: usize,
    rep: usize,
    strongest: Relation,
    weights: Option<&FactWeights>,
) -> Verdict {
    let doc = &records[index];
    let origin = doc.syndication.as_ref().and_then(|s| s.origin.clone());
    let marked = doc.syndication.is_some();
    let cluster = format!("c-{:012x}", xxh3_64(records[rep].id.as_bytes()) >> 16);
    if index == rep {
        return Verdict {
            cluster,
            representative: true,
            relation: if marked {
                Relation::Syndicated
            } else {
                Relation::None
            },
            similarity: 1.0,
            duplicate_of: None,
            origin,
        };
    }
    let other = &records[rep];
    let (kind, similarity) = if doc.exact_key == other.exact_key {
        (Relation::Exact, 1.0)
    } else if strongest == Relation::Derived {
        let score = weights.map_or(0.0, |w| w.overlap(&doc.facts, &other.facts));
        (Relation::Derived, score)
    } else {
        (
            Relation::NearDuplicate,
            estimated_jaccard(&doc.signature, &other.signature),
        )
    };
    Verdict {
        cluster,
        representative: false,
        relation: if marked { Relation::Syndicated } else { kind },
        similarity: (similarity * 1000.0).round() / 1000.0,
        duplicate_of: Some(other.id.clone()),
        origin,
    }
}

/// Links every document with non-empty text to the first of those sharing its exact key.
fn exact_edges(records: &[DocRecord]) -> Vec<Edge> {
    let mut keyed: Vec<(u128, u32)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.words > 0)
        .map(|(i, r)| (r.exact_key, i as u32))
        .collect();
    keyed.sort_unstable();
    keyed
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| Edge {
            a: pair[0].1,
            b: pair[1].1,
            kind: Relation::Exact,
        })
        .collect()
}

/// Pairs that collide in an LSH band and pass the verification and the guards.
fn near_duplicate_edges(records: &[DocRecord], params: &Params) -> Vec<Edge> {
    let eligible: Vec<u32> = (0..records.len() as u32)
        .filter(|&i| !records[i as usize].signature.is_empty())
        .collect();
    let mut candidates: Vec<(u32, u32)> = (0..params.bands)
        .into_par_iter()
        .flat_map_iter(|band| {
            let mut keys: Vec<(u64, u32)> = eligible
                .iter()
                .map(|&i| {
                    (
                        band_key(&records[i as usize].signature, band, params.rows),
                        i,
                    )
                })
                .collect();
            keys.sort_unstable();
            bucket_pairs(&keys)
        })
        .collect();
    candidates.par_sort_unstable();
    candidates.dedup();
    candidates
        .into_par_iter()
        .filter(|&(a, b)| {
            let (x, y) = (&records[a as usize], &records[b as usize]);
            x.exact_key != y.exact_key
                && are_near_duplicates(x, y, params)
                && guards_pass(x, y, params)
        })
        .map(|(a, b)| Edge {
            a,
            b,
            kind: Relation::NearDuplicate,
        })
        .collect()
}

/// Pairs of ids within runs of equal keys (`keys` sorted); big runs become stars.
fn bucket_pairs(keys: &[(u64, u32)]) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    for run in keys.chunk_by(|x, y| x.0 == y.0) {
        if run.len() > MAX_BUCKET {
            pairs.extend(
                run[1..]
                    .iter()
                    .map(|&(_, i)| (run[0].1.min(i), run[0].1.max(i))),
            );
            continue;
        }
        for (n, &(_, a)) in run.iter().enumerate() {
            pairs.extend(run[n + 1..].iter().map(|&(_, b)| (a.min(b), a.max(b))));
        }
    }
    pairs
}

/// The verification: the estimated Jaccard clears the threshold, or an abridged copy's
/// estimated containment clears its own while the Jaccard is at least half the threshold
/// (a short text's common phrases are all "contained" in a long one).
fn are_near_duplicates(x: &DocRecord, y: &DocRecord, params: &Params) -> bool {
    let jaccard = estimated_jaccard(&x.signature, &y.signature);
    jaccard >= params.threshold
        || (jaccard >= params.threshold / 2.0
            && estimated_containment(jaccard, x.shingles, y.shingles) >= params.containment)
}

/// The guards against false merges: the publication-date window and the number overlap.
fn guards_pass(x: &DocRecord, y: &DocRecord, params: &Params) -> bool {
    if let (Some(a), Some(b)) = (x.published, y.published) {
        if a.abs_diff(b) > u64::from(params.date_window_days) {
            return false;
        }
    }
    number_overlap(&x.numbers, &y.numbers) >= params.number_overlap
}

/// Share of the smaller number set found in the other (1 when either has none).
fn number_overlap(a: &[u64], b: &[u64]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 1.0;
    }
    sorted_intersection(a, b) as f64 / smaller as f64
}

fn sorted_intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// Inverse document frequencies of the rare facts over the corpus.
struct FactWeights {
    idf: HashMap<u64, f64>,
    corpus_weight: f64,
}

impl FactWeights {
    fn new(records: &[DocRecord]) -> Self {
        let mut df: HashMap<u64, u32> = HashMap::new();
        for fact in records.iter().flat_map(|r| &r.facts) {
            *df.entry(*fact).or_default() += 1;
        }
        let documents = records.len() as f64 + 1.0;
        let idf = df
            .into_iter()
            .map(|(fact, count)| (fact, (documents / f64::from(count)).ln()))
            .collect();
        Self {
            idf,
            corpus_weight: documents.ln(),
        }
    }

    fn weight(&self, fact: &u64) -> f64 {
        self.idf.get(fact).copied().unwrap_or(self.corpus_weight)
    }

    /// The idf-weighted share of the smaller fact set that the other set shares.
    fn overlap(&self, a: &[u64], b: &[u64]) -> f64 {
        let total = |facts: &[u64]| facts.iter().map(|f| self.weight(f)).sum::<f64>();
        let smaller = total(a).min(total(b));
        if smaller <= 0.0 {
            return 0.0;
        }
        let (mut i, mut j, mut shared) = (0, 0, 0.0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += self.weight(&a[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        (shared / smaller).min(1.0)
    }
}

/// Pairs that share at least `derived_min_shared` rare facts whose weighted overlap clears
/// `derived_threshold`, and pass the same guards as near-duplicates.
fn derived_edges(records: &[DocRecord], params: &Params, weights: &FactWeights) -> Vec<Edge> {
    let mut postings: Vec<(u64, u32)> = records
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.facts.iter().map(move |&f| (f, i as u32)))
        .collect();
    postings.par_sort_unstable();
    // One entry per fact two documents share; a pair's run length is its shared count.
    let mut sharing: Vec<(u32, u32)> = Vec::new();
    for run in postings.chunk_by(|x, y| x.0 == y.0) {
        if run.len() < 2 || run.len() > MAX_FACT_DF {
            continue;
        }
        for (n, &(_, a)) in run.iter().enumerate() {
            sharing.extend(run[n + 1..].iter().map(|&(_, b)| (a, b)));
        }
    }
    sharing.par_sort_unstable();
    let pairs: Vec<(u32, u32)> = sharing
        .chunk_by(|x, y| x == y)
        .filter(|run| run.len() >= params.derived_min_shared)
        .map(|run| run[0])
        .collect();
    pairs
        .into_par_iter()
        .filter(|&(a, b)| {
            let (x, y) = (&records[a as usize], &records[b as usize]);
            guards_pass(x, y, params)
                && weights.overlap(&x.facts, &y.facts) >= params.derived_threshold
        })
        .map(|(a, b)| Edge {
            a,
            b,
            kind: Relation::Derived,
        })
        .collect()
}

/// Disjoint sets with path halving; roots carry no meaning (representatives are chosen on
/// content afterwards), so union order does not matter.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(size: usize) -> Self {
        Self {
            parent: (0..size).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}
