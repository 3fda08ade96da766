//! From records to clusters, in three levels so that copies cannot bend them:
//!
//! 1. *exact groups*: documents with the same key; each group's best document (see
//!    [`is_better_representative`]) is its head, and only heads go on;
//! 2. *copy components*: heads whose word shingles collide in an LSH band and whose
//!    character 5-grams pass the containment check and the guards, joined by union-find;
//! 3. *clusters*: components whose heads share rare facts (rewrites, translations), with fact
//!    weights counted over component heads, so that copies neither dilute nor inflate them.
//!
//! Every document is then related to its cluster's representative (the best document of the
//! cluster) directly: the same exact group is `exact`, the same component `near_duplicate`,
//! otherwise `derived`. Adding exact or near copies adds members to groups and components but
//! leaves the heads, their links and the fact weights as they were, so the originals' clusters
//! and relations stay; only a copy better than its original (an exact copy with a smaller id,
//! or a longer or earlier one) takes its place as head. Nothing depends on input order or
//! thread count: candidates are sorted before use and every choice is made on content and ids.
//!
//! The work is cut into the parts a cluster run gives to separate tasks (`split`): the
//! candidate pairs of each LSH band ([`band_candidates`], over band keys only), their
//! verification ([`verified`], over the two records of a pair), the derived pass
//! ([`sharing_pairs`] by fact, [`fact_weight`] by a fact's frequency, [`weighted_overlap`] and
//! [`derived_checked`] by pair; [`FactWeights`] and [`derived_candidates`] over every head in
//! one process), the order that picks a set's
//! best document ([`representative_key`], then the id) and each document's [`verdict`].
//! [`cluster`] runs them one after the other in one process ([`finish`] over every document);
//! a cluster run finds the exact groups in tasks by exact key and clusters over positions,
//! holding per-document data only for the documents of groups and pairs, then resolves each
//! shard's verdicts in tasks per shard.

use std::collections::HashMap;

use newspipe_core::{Relation, StageError};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::config::Params;
use crate::record::DocRecord;
use crate::syndication::Syndication;

/// Buckets larger than this are linked as a star around their first member, not pairwise.
const MAX_BUCKET: usize = 100;
/// Facts found in more components than this are not rare and find no derived candidates.
pub(crate) const MAX_FACT_DF: usize = 50;

/// The stage's decision for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Stable cluster id, derived from the representative's text (its exact key): the 48 bits
    /// [`cluster_name`] writes out. A number, not the text: the clustering task holds one
    /// verdict per document.
    pub cluster: u64,
    /// Whether this document stands for its cluster.
    pub representative: bool,
    /// How it relates to its cluster's representative.
    pub relation: Relation,
    /// Similarity to the representative (1 for the representative itself).
    pub similarity: f64,
    /// The representative's position, for every other member (the state holds every id).
    pub duplicate_of: Option<u32>,
    /// The origin outlet named by a syndication marker.
    pub origin: Option<String>,
}

/// What the clustering reads of every document: its id, length, date and keys, never its
/// signature, sketch or facts. A [`DocRecord`] has them; so has the small summary a cluster run
/// ships for each document.
pub(crate) trait DocFacts: Sync {
    /// The document's id.
    fn id(&self) -> &str;
    /// Key words in the text.
    fn words(&self) -> usize;
    /// Publication date as days since 1970-01-01.
    fn published(&self) -> Option<i64>;
    /// Hash of the normalized key.
    fn exact_key(&self) -> u128;
    /// Its syndication marker.
    fn syndication(&self) -> Option<&Syndication>;
}

impl DocFacts for DocRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn words(&self) -> usize {
        self.words
    }
    fn published(&self) -> Option<i64> {
        self.published
    }
    fn exact_key(&self) -> u128 {
        self.exact_key
    }
    fn syndication(&self) -> Option<&Syndication> {
        self.syndication.as_ref()
    }
}

/// Which parts of the records [`finish`] asks a [`RecordStore`] for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parts {
    /// Rare facts and numbers: the derived pass and the similarity of derived documents.
    Facts,
    /// The date, the gram sketch and the numbers ([`verification_parts`]): the verification
    /// of candidate pairs and the similarity of near duplicates.
    ///
    /// [`verification_parts`]: crate::record::verification_parts
    Sketches,
}

/// Records by position: all of them, or the few a store loaded (with only the parts asked for).
pub(crate) enum Records<'a> {
    /// Every record, in position order.
    All(&'a [DocRecord]),
    /// The records asked for, by position.
    Some(HashMap<u32, DocRecord>),
}

impl Records<'_> {
    /// The record at `position`; it must have been asked for.
    pub(crate) fn get(&self, position: u32) -> &DocRecord {
        match self {
            Records::All(records) => &records[position as usize],
            Records::Some(map) => &map[&position],
        }
    }
}

/// Where [`finish`] finds the records it needs beyond the [`DocFacts`].
pub(crate) trait RecordStore<'a> {
    /// The records at `wanted` (sorted, unique positions), with at least `parts`.
    fn load(&mut self, wanted: &[u32], parts: Parts) -> Result<Records<'a>, StageError>;
}

/// Every record in memory: the one-machine run.
pub(crate) struct InMemory<'a>(pub(crate) &'a [DocRecord]);

impl<'a> RecordStore<'a> for InMemory<'a> {
    fn load(&mut self, _wanted: &[u32], _parts: Parts) -> Result<Records<'a>, StageError> {
        Ok(Records::All(self.0))
    }
}

/// A partition of the records: each record's set and each set's best record.
struct Level {
    set: Vec<usize>,
    head: FxHashMap<usize, usize>,
}

impl Level {
    /// Joins `pairs` over `records` and picks each set's best record as its head.
    fn join<F: DocFacts>(records: &[F], pairs: &[(u32, u32)], within: Option<&Level>) -> Self {
        let mut sets = UnionFind::new(records.len() as u32);
        if let Some(lower) = within {
            for (index, &set) in lower.set.iter().enumerate() {
                sets.union(index as u32, set as u32);
            }
        }
        for &(a, b) in pairs {
            sets.union(a, b);
        }
        let set: Vec<usize> = (0..records.len() as u32)
            .map(|index| sets.find(index) as usize)
            .collect();
        let mut head: FxHashMap<usize, usize> = FxHashMap::default();
        for (index, &root) in set.iter().enumerate() {
            let best = head.entry(root).or_insert(index);
            if is_better_representative(&records[index], &records[*best]) {
                *best = index;
            }
        }
        Self { set, head }
    }

    /// The heads, in record order.
    fn heads(&self) -> Vec<u32> {
        (0..self.set.len())
            .filter(|&index| self.head_of(index) == index)
            .map(|index| index as u32)
            .collect()
    }

    fn head_of(&self, index: usize) -> usize {
        self.head[&self.set[index]]
    }
}

/// Clusters the records and returns one verdict per record, in record order: every part of a
/// cluster run's split merge, in one process.
pub fn cluster(records: &[DocRecord], params: &Params) -> Vec<Verdict> {
    let eligible = eligible_heads(records);
    let mut candidates: Vec<(u32, u32)> = (0..params.bands)
        .into_par_iter()
        .flat_map_iter(|band| {
            band_candidates(
                eligible
                    .iter()
                    .map(|&i| (records[i as usize].band_keys[band], i))
                    .collect(),
            )
        })
        .collect();
    candidates.par_sort_unstable();
    candidates.dedup();
    let near: Vec<(u32, u32)> = candidates
        .into_par_iter()
        .filter(|&(a, b)| verified(&records[a as usize], &records[b as usize], params))
        .collect();
    finish(records, &near, &mut InMemory(records), params)
        .expect("records in memory are always there")
}

/// The exact-group heads that take part in the near-duplicate pass (they have a signature),
/// in position order: the documents the LSH bands hold.
fn eligible_heads(docs: &[DocRecord]) -> Vec<u32> {
    let exact = Level::join(docs, &exact_pairs(docs), None);
    exact
        .heads()
        .into_iter()
        .filter(|&i| !docs[i as usize].band_keys.is_empty())
        .collect()
}

/// The candidate pairs of one LSH band, from the band key of each eligible head; sorted,
/// unique, smaller position first.
pub(crate) fn band_candidates(mut keys: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    keys.sort_unstable();
    let mut pairs = bucket_pairs(&keys);
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Whether a candidate pair are copies: the 5-gram containment and the guards.
pub(crate) fn verified(x: &DocRecord, y: &DocRecord, params: &Params) -> bool {
    x.grams.containment(&y.grams) >= params.containment
        && guards_pass([x.published, y.published], [&x.numbers, &y.numbers], params)
}

/// The clustering proper, from every document's facts and the verified near-duplicate pairs:
/// exact groups, copy components, derived clusters, and one verdict per document. Asks `store`
/// for the rare facts of the component heads and for what the similarities of the copies need.
///
/// A near duplicate's similarity is estimated on the sketch of its exact group's head: the
/// sketch reads the lower-cased letters and digits, which the exact key fixes (the key hashes
/// the same words in the same order), so it is the document's own; and the heads' sketches
/// are the ones a cluster run computes (they alone make candidate pairs).
pub(crate) fn finish<'a, F: DocFacts>(
    docs: &[F],
    near: &[(u32, u32)],
    store: &mut dyn RecordStore<'a>,
    params: &Params,
) -> Result<Vec<Verdict>, StageError> {
    let exact = Level::join(docs, &exact_pairs(docs), None);
    let copies = Level::join(docs, near, Some(&exact));
    let component_heads = copies.heads();
    let (fact_weights, derived) = if params.derived {
        let records = store.load(&component_heads, Parts::Facts)?;
        let weights = FactWeights::new(&records, &component_heads);
        let candidates = derived_candidates(&records, &component_heads, params);
        let published = |position: u32| docs[position as usize].published();
        let numbers = |position: u32| records.get(position).numbers.as_slice();
        let overlap =
            |a: u32, b: u32| weights.overlap(&records.get(a).facts, &records.get(b).facts);
        let pairs = derived_checked(candidates, published, numbers, overlap, params);
        (Some(weights), pairs)
    } else {
        (None, Vec::new())
    };
    let clusters = Level::join(docs, &derived, Some(&copies));
    let relations: Vec<(usize, Relation)> = (0..docs.len())
        .map(|index| {
            let rep = clusters.head_of(index);
            let relation = if index == rep {
                Relation::None
            } else if exact.set[index] == exact.set[rep] {
                Relation::Exact
            } else if copies.set[index] == copies.set[rep] {
                Relation::NearDuplicate
            } else {
                Relation::Derived
            };
            (rep, relation)
        })
        .collect();
    let sketched = |index: usize| exact.head_of(index) as u32;
    let wanted = |kind: Relation, each: &dyn Fn(usize, usize) -> [u32; 2]| {
        let mut wanted: Vec<u32> = relations
            .iter()
            .enumerate()
            .filter(|(_, (_, relation))| *relation == kind)
            .flat_map(|(index, &(rep, _))| each(index, rep))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        wanted
    };
    let sketches = store.load(
        &wanted(Relation::NearDuplicate, &|index, rep| {
            [sketched(index), rep as u32]
        }),
        Parts::Sketches,
    )?;
    let facts = store.load(
        &wanted(Relation::Derived, &|index, rep| [index as u32, rep as u32]),
        Parts::Facts,
    )?;
    Ok(relations
        .into_iter()
        .enumerate()
        .map(|(index, (rep, relation))| {
            let similarity = match relation {
                Relation::None | Relation::Exact | Relation::Syndicated => 1.0,
                Relation::NearDuplicate => sketches
                    .get(sketched(index))
                    .grams
                    .containment(&sketches.get(rep as u32).grams),
                Relation::Derived => fact_weights.as_ref().map_or(0.0, |weights| {
                    weights.overlap(&facts.get(index as u32).facts, &facts.get(rep as u32).facts)
                }),
            };
            let cluster = cluster_id(&docs[rep]);
            verdict(&docs[index], index, rep, cluster, relation, similarity)
        })
        .collect())
}

/// What picks a set's best document before its id: earliest published (dated before
/// undated), then most words. A smaller key is better.
pub(crate) type RepresentativeKey = (bool, Option<i64>, std::cmp::Reverse<usize>);

/// The [`RepresentativeKey`] of a document published on `published` with `words` key words.
pub(crate) fn representative_key(published: Option<i64>, words: usize) -> RepresentativeKey {
    (published.is_none(), published, std::cmp::Reverse(words))
}

/// Earliest published (dated before undated), then most words, then smallest id.
fn is_better_representative<F: DocFacts>(candidate: &F, current: &F) -> bool {
    let key = |r: &F| representative_key(r.published(), r.words());
    (key(candidate), candidate.id()) < (key(current), current.id())
}

/// The verdict of `doc` (at `index`), whose cluster's representative is the document at `rep`,
/// whose cluster id is `cluster`.
pub(crate) fn verdict<F: DocFacts>(
    doc: &F,
    index: usize,
    rep: usize,
    cluster: u64,
    relation: Relation,
    similarity: f64,
) -> Verdict {
    let origin = doc.syndication().and_then(|s| s.origin.clone());
    let marked = doc.syndication().is_some();
    let relation = match relation {
        _ if marked => Relation::Syndicated,
        other => other,
    };
    Verdict {
        cluster,
        representative: index == rep,
        relation,
        similarity: (similarity * 1000.0).round() / 1000.0,
        duplicate_of: (index != rep).then_some(rep as u32),
        origin,
    }
}

/// A cluster's id, from its representative's exact key: an exact copy that takes the
/// representative's place (it wins the tie on its id) leaves the id as it was. A
/// representative without words (never exact-merged) gives it its id.
pub(crate) fn cluster_id<F: DocFacts>(rep: &F) -> u64 {
    let hash = if rep.words() > 0 {
        xxh3_64(&rep.exact_key().to_le_bytes())
    } else {
        xxh3_64(rep.id().as_bytes())
    };
    hash >> 16
}

/// A cluster's id as documents carry it.
pub(crate) fn cluster_name(cluster: u64) -> String {
    format!("c-{cluster:012x}")
}

/// Pairs of documents with non-empty text and the same exact key.
fn exact_pairs<F: DocFacts>(records: &[F]) -> Vec<(u32, u32)> {
    let mut keyed: Vec<(u128, u32)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.words() > 0)
        .map(|(i, r)| (r.exact_key(), i as u32))
        .collect();
    keyed.sort_unstable();
    keyed
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| (pair[0].1, pair[1].1))
        .collect()
}

/// Pairs of ids within runs of equal keys (`keys` sorted); big runs become stars.
fn bucket_pairs(keys: &[(u32, u32)]) -> Vec<(u32, u32)> {
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

/// The guards against false merges, on two documents' dates and numbers: the
/// publication-date window and the number overlap.
fn guards_pass(dates: [Option<i64>; 2], numbers: [&[u32]; 2], params: &Params) -> bool {
    if let [Some(a), Some(b)] = dates {
        if a.abs_diff(b) > u64::from(params.date_window_days) {
            return false;
        }
    }
    number_overlap(numbers[0], numbers[1]) >= params.number_overlap
}

/// Share of the smaller number set found in the other (1 when either has none).
fn number_overlap(a: &[u32], b: &[u32]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 1.0;
    }
    sorted_intersection(a, b) as f64 / smaller as f64
}

/// How many values two sorted, duplicate-free slices share. Without a branch a step: which
/// side moves on is as good as random in a candidate pair's sketches, so a branch on it was
/// mispredicted half the time (the near-duplicate check of every candidate pair runs this).
pub(crate) fn sorted_intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        shared += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    shared
}

/// Inverse document frequencies of the rare facts over the corpus.
pub(crate) struct FactWeights {
    idf: FxHashMap<u64, f64>,
    corpus_weight: f64,
}

impl FactWeights {
    /// Weights from the facts of the component heads: a story and its copies count once.
    pub(crate) fn new(records: &Records, heads: &[u32]) -> Self {
        let mut df: FxHashMap<u64, u32> = FxHashMap::default();
        for fact in heads.iter().flat_map(|&i| &records.get(i).facts) {
            *df.entry(*fact).or_default() += 1;
        }
        let idf = df
            .into_iter()
            .map(|(fact, count)| (fact, fact_weight(heads.len(), count)))
            .collect();
        Self {
            idf,
            corpus_weight: fact_weight(heads.len(), 0),
        }
    }

    fn weight(&self, fact: &u64) -> f64 {
        self.idf.get(fact).copied().unwrap_or(self.corpus_weight)
    }

    /// The idf-weighted share of the smaller fact set that the other set shares.
    pub(crate) fn overlap(&self, a: &[u64], b: &[u64]) -> f64 {
        weighted_overlap([a, b], |i| self.weight(&a[i]), |j| self.weight(&b[j]))
    }
}

/// The weight of a fact found in `df` of `heads` component heads: its inverse document
/// frequency, `ln((heads + 1) / df)`; a fact no head holds (`df` 0) weighs as one a single head
/// holds. A cluster run's tasks compute it from the frequencies the fact tasks count.
pub(crate) fn fact_weight(heads: usize, df: u32) -> f64 {
    let documents = heads as f64 + 1.0;
    (documents / f64::from(df.max(1))).ln()
}

/// The weighted share of the smaller of two sorted fact sets that the other shares, the
/// weight of `facts[0][i]` being `weight_a(i)` and of `facts[1][j]` `weight_b(j)`: the one sum,
/// in the one order, whether the weights come from [`FactWeights`] or from a cluster run's
/// fact frequencies, so that both give the same bits.
pub(crate) fn weighted_overlap(
    facts: [&[u64]; 2],
    weight_a: impl Fn(usize) -> f64,
    weight_b: impl Fn(usize) -> f64,
) -> f64 {
    let [a, b] = facts;
    let total_a = (0..a.len()).map(&weight_a).sum::<f64>();
    let total_b = (0..b.len()).map(&weight_b).sum::<f64>();
    let smaller = total_a.min(total_b);
    if smaller <= 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += weight_a(i);
                i += 1;
                j += 1;
            }
        }
    }
    (shared / smaller).min(1.0)
}

/// Pairs of component heads that share at least `derived_min_shared` rare facts found in no
/// more than [`MAX_FACT_DF`] heads: the candidates [`derived_checked`] checks.
pub(crate) fn derived_candidates(
    records: &Records,
    heads: &[u32],
    params: &Params,
) -> Vec<(u32, u32)> {
    let mut postings: Vec<(u64, u32)> = heads
        .iter()
        .flat_map(|&i| records.get(i).facts.iter().map(move |&f| (f, i)))
        .collect();
    postings.par_sort_unstable();
    let mut sharing = sharing_pairs(&postings);
    sharing.par_sort_unstable();
    sharing
        .chunk_by(|x, y| x == y)
        .filter(|run| run.len() >= params.derived_min_shared)
        .map(|run| run[0])
        .collect()
}

/// From `postings` sorted by fact then position, one entry per rare fact two heads share (a
/// fact held by 2 to [`MAX_FACT_DF`] heads), smaller position first: a pair's count of entries
/// is its shared count. A cluster run's fact tasks call it on the postings of their facts.
pub(crate) fn sharing_pairs(postings: &[(u64, u32)]) -> Vec<(u32, u32)> {
    let mut sharing: Vec<(u32, u32)> = Vec::new();
    for run in postings.chunk_by(|x, y| x.0 == y.0) {
        if run.len() < 2 || run.len() > MAX_FACT_DF {
            continue;
        }
        for (n, &(_, a)) in run.iter().enumerate() {
            sharing.extend(run[n + 1..].iter().map(|&(_, b)| (a, b)));
        }
    }
    sharing
}

/// The derived pairs among `candidates`: those whose weighted fact overlap (`overlap` of two
/// positions) clears `derived_threshold` and that pass the same guards as near-duplicates
/// (`published` and `numbers` give a document's date and numbers by position).
pub(crate) fn derived_checked<'r>(
    candidates: Vec<(u32, u32)>,
    published: impl Fn(u32) -> Option<i64> + Sync,
    numbers: impl Fn(u32) -> &'r [u32] + Sync,
    overlap: impl Fn(u32, u32) -> f64 + Sync,
    params: &Params,
) -> Vec<(u32, u32)> {
    candidates
        .into_par_iter()
        .filter(|&(a, b)| {
            let dates = [published(a), published(b)];
            guards_pass(dates, [numbers(a), numbers(b)], params)
                && overlap(a, b) >= params.derived_threshold
        })
        .collect()
}

/// Disjoint sets of positions with path halving, 4 bytes a document (a cluster run's
/// clustering task holds one over every document). Roots carry no meaning (the best document
/// of a set is chosen on content afterwards), so union order does not matter.
pub(crate) struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `size` documents, each in a set of its own.
    pub(crate) fn new(size: u32) -> Self {
        Self {
            parent: (0..size).collect(),
        }
    }

    /// The root of `x`'s set.
    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            self.parent[x as usize] = self.parent[self.parent[x as usize] as usize];
            x = self.parent[x as usize];
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub(crate) fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}
