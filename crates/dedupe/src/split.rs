//! Dedupe's merge split over the tasks of a cluster run, as datatrove splits its MinHash
//! dedupe: tasks per key (exact key, LSH band), tasks per shard, and one clustering task over
//! the pairs and groups only, so that no task holds every document's record, no single task
//! holds more than a few bytes per corpus document, and no observe task ships a part of a
//! record twice or one that only a few documents need:
//!
//! | task | ranks | reads | writes |
//! | --- | --- | --- | --- |
//! | `observe-dedupe` | shards | its shard | [`SUMMARY`] (a [`Summary`] per document), [`FACTS`] (rare facts and numbers), one [`band_file`] per bucket task (the band keys of its bands); no `records.bin` |
//! | `dedupe-exact` | `bucket_tasks` | every [`SUMMARY`], one at a time, keeping the documents whose exact key is its | [`GROUPS`]: its exact groups, each with its head |
//! | `dedupe-bucket` | `bucket_tasks` | every [`GROUPS`], its band file of every shard | [`PAIRS`]: the candidate pairs of its bands |
//! | `dedupe-sketch` | shards | every [`PAIRS`], its shard's documents | [`SKETCHES`]: date, gram sketch and numbers of its documents in a candidate pair, computed from their text |
//! | `dedupe-verify` | shards | every [`PAIRS`]; its shard's [`SKETCHES`] and those of the later shards' partners | [`VERIFIED`]: the pairs whose first document is in its shard that pass the verification |
//! | `dedupe-facts` | `bucket_tasks` | every [`GROUPS`] and [`VERIFIED`] (the copy components, to know their heads); one shard at a time, the [`SUMMARY`] entries of the documents of pairs, then every [`FACTS`] twice, keeping the component heads' facts whose hash is its | per shard, a [`shared_file`] (the pairs of heads whose first document is there sharing its facts, each with its count) and a [`frequencies_file`] (the document frequency of each of its facts in the shard's documents) |
//! | `dedupe-derived` | shards | every fact task's [`shared_file`] of its shard; for the candidates, the [`FACTS`], [`SUMMARY`] and every [`frequencies_file`] of its shard and of the later shards that hold partners | [`LINKED`]: the derived pairs whose first document is in its shard |
//! | `dedupe-cluster` | 1 | every [`GROUPS`], [`VERIFIED`] and [`LINKED`]; one shard at a time, the [`SUMMARY`] entries of the documents of pairs | per shard, a [`placed_file`] (each of its documents in a cluster with another, by positions) and a [`wanted_file`] (what the others need of its documents) |
//! | `dedupe-publish` | shards | its [`wanted_file`], [`SUMMARY`], [`SKETCHES`], and [`FACTS`] with every [`frequencies_file`] of it when a derived copy elsewhere needs them | one [`published_file`] per shard that needs its documents: their ids, cluster ids, sketches and weighted facts |
//! | `dedupe-resolve` | shards | its [`placed_file`], [`SUMMARY`] and [`SKETCHES`], its [`FACTS`] and [`frequencies_file`]s when it has derived copies, the [`published_file`]s for it | [`VERDICTS`]: its shard's state |
//! | `merge-dedupe` | 1 | each shard's [`VERDICTS`], one at a time | one state per shard |
//!
//! The clustering task holds a union-find over positions (4 bytes a document) and, for the
//! documents of exact groups, verified pairs and derived pairs only, their groups, heads and
//! the keys that pick a best document (date, words, id); the ids and cluster ids of the
//! representatives and the similarities of near and derived copies, which need every
//! document's id, sketch and facts, are resolved per shard afterwards.
//!
//! The derived pass is split the same way. Its inputs are every component head's rare facts
//! (about every document), so the fact tasks take them by fact hash: each builds the copy
//! components as the clustering task does (the union-find, and the documents of groups and
//! pairs), reads each shard's facts keeping its bucket's facts of the heads, and counts per
//! fact its document frequency among the heads and, for a fact held by 2 to `MAX_FACT_DF`
//! heads (a more frequent fact finds no candidates, as in one process), the pairs of heads
//! holding it (`sharing_pairs`, the function `derived_candidates` calls). A pair's shared
//! count is the sum of its counts over the fact tasks, which the derived task of the shard of
//! its first document adds up; it checks the pairs with enough shared facts with the guards
//! and the weighted overlap (`derived_checked`), reading the facts, numbers and dates of both
//! documents and the frequencies the fact tasks wrote for them. The overlap sums its weights
//! in the order of the facts, as one process does, so it needs a document's every fact with
//! its frequency: each fact task writes, per shard, the frequency of each of its facts in
//! the shard's documents, in the order of the shard's [`FACTS`] (a byte a fact), and a reader
//! walks the facts and the fact tasks' frequencies side by side. The clustering task then
//! reads the derived pairs only, and a derived copy's similarity is computed by its shard's
//! resolve task, from its own weighted facts and its representative's (handed over by the
//! representative's publish task when it lies in another shard).
//!
//! Each task calls the parts of `cluster` that `prepare` calls in one process (the exact and
//! band candidates, the verification, the fact sharing, weights and derived check, the representative
//! order, the verdict), on the same values in the same order, so the verdicts are the same as
//! a one-machine run's. The gram sketches, about half of a record, are needed only for the
//! documents of candidate pairs (and the similarity of near duplicates, which are such
//! documents or exact copies of them), so they are computed again from the documents the
//! observe task wrote for the next step rather than shipped for every document.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use newspipe_core::{
    encode_stage_data, Document, MergeLayout, MergeSource, MergeStep, Relation, SplitFiles,
    StageError,
};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cluster::{
    band_candidates, cluster_id, derived_checked, fact_weight, representative_key, sharing_pairs,
    verdict, verified, weighted_overlap, DocFacts, Parts, RecordStore, Records, RepresentativeKey,
    UnionFind,
};
use crate::config::Params;
use crate::record::{verification_parts, DocRecord, Scratch};
use crate::sketch::GramSketch;
use crate::stage::{Dedupe, Verdicts};
use crate::syndication::Syndication;

/// An observe task's [`Summary`] of each of its documents.
pub const SUMMARY: &str = "summary.bin";
/// An observe task's rare facts (and numbers) of each of its documents.
pub const FACTS: &str = "facts.bin";
/// A `dedupe-exact` task's exact groups.
pub const GROUPS: &str = "groups.bin";
/// A `dedupe-bucket` task's candidate pairs.
pub const PAIRS: &str = "pairs.bin";
/// A `dedupe-sketch` task's sketches of its shard's documents in candidate pairs.
pub const SKETCHES: &str = "sketches.bin";
/// A `dedupe-verify` task's verified pairs.
pub const VERIFIED: &str = "verified.bin";
/// A `dedupe-derived` task's derived pairs.
pub const LINKED: &str = "linked.bin";
/// A `dedupe-resolve` task's state of its shard.
pub const VERDICTS: &str = "verdicts.bin";
/// The documents an observe task writes for the next step (the runner's file): one JSON line
/// per observed document, in position order.
const DOCUMENTS: &str = "docs.jsonl";

/// The merge steps' indexes.
const EXACT_STEP: usize = 0;
const BUCKET_STEP: usize = 1;
const SKETCH_STEP: usize = 2;
const VERIFY_STEP: usize = 3;
const FACTS_STEP: usize = 4;
const DERIVED_STEP: usize = 5;
const CLUSTER_STEP: usize = 6;
const PUBLISH_STEP: usize = 7;
const RESOLVE_STEP: usize = 8;

/// The file of an observe task with the band keys bucket task `rank` reads.
pub fn band_file(rank: usize) -> String {
    format!("bands-{rank}.bin")
}

/// A fact task's file of the pairs of component heads sharing its facts whose first document
/// is in shard `shard`, with their counts ([`SharedCounts`]).
pub fn shared_file(shard: usize) -> String {
    format!("shared-{shard}.bin")
}

/// A fact task's file of the document frequencies of its facts in shard `shard`'s documents
/// ([`Frequencies`]).
pub fn frequencies_file(shard: usize) -> String {
    format!("df-{shard}.bin")
}

/// The clustering task's file of the documents of shard `shard` in a cluster with another
/// ([`Placed`]).
pub fn placed_file(shard: usize) -> String {
    format!("placed-{shard}.bin")
}

/// The clustering task's file of what the other shards need of shard `shard`'s documents
/// ([`Wanted`]).
pub fn wanted_file(shard: usize) -> String {
    format!("wanted-{shard}.bin")
}

/// A publish task's file of its documents that shard `shard` needs ([`Published`]).
pub fn published_file(shard: usize) -> String {
    format!("for-{shard}.bin")
}

/// What the exact tasks, the clustering task (for the documents of pairs) and the per-shard
/// tasks read of one document: id, length, date, exact key and marker (tens of bytes), never
/// its signature, sketch or facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    id: String,
    words: usize,
    published: Option<i64>,
    #[serde(with = "crate::packed::u128_fixed")]
    exact_key: u128,
    syndication: Option<Syndication>,
}

impl Summary {
    fn of(record: &DocRecord) -> Self {
        Self {
            id: record.id.clone(),
            words: record.words,
            published: record.published,
            exact_key: record.exact_key,
            syndication: record.syndication.clone(),
        }
    }
}

impl DocFacts for Summary {
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

/// What the derived pass reads of one document: its rare facts, and its numbers when it has
/// facts (only documents that share facts are compared on their numbers).
#[derive(Debug, Default, Serialize, Deserialize)]
struct FactsOf {
    #[serde(with = "crate::packed::sorted_u40_rice")]
    facts: Vec<u64>,
    #[serde(with = "crate::packed::sorted_u32_fixed")]
    numbers: Vec<u32>,
}

/// What the verification reads of one document ([`verification_parts`]).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sketch {
    published: Option<i64>,
    grams: GramSketch,
    #[serde(with = "crate::packed::sorted_u32_fixed")]
    numbers: Vec<u32>,
}

/// A `dedupe-sketch` task's sketches of the documents of its shard in a candidate pair.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ShardSketches {
    /// The documents' indexes in the shard, ascending, as [`gaps`].
    documents: Vec<u32>,
    /// Their sketches, in the same order, each in its own postcard bytes: a reader decodes
    /// only those it wants (decoded whole, one shard's sketches were the largest part of the
    /// clustering task's peak).
    sketches: Vec<Vec<u8>>,
}

/// The band keys of one shard's documents with a signature, for the bands of one bucket task.
#[derive(Debug, Default, Serialize, Deserialize)]
struct BandKeys {
    /// The indexes in the shard of the documents without a signature (too short), ascending,
    /// as [`gaps`]: the few left out, where listing those with one would take a byte each.
    unsigned: Vec<u32>,
    /// For each band of the task in ascending order, each document's 32-bit key,
    /// little-endian (raw bytes: random keys would take five bytes as varints).
    keys: Vec<u8>,
}

/// A document of a shard in a cluster with another that is not its representative, as the
/// clustering task places it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Placed {
    /// Its position.
    position: u32,
    /// Its cluster's representative's position.
    rep: u32,
    /// How it relates to the representative (before a syndication marker's say).
    relation: Relation,
    /// For a near duplicate, the position of its exact group's head, whose sketch is its own.
    sketched: Option<u32>,
}

/// A document another shard needs: its position, the shard, and whether its sketch (for a
/// near copy's similarity) and its weighted facts (for a derived copy's) too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Wanted {
    shard: u32,
    position: u32,
    sketch: bool,
    facts: bool,
}

/// A fact task's pairs of component heads sharing its facts, whose first document is in one
/// shard, with how many of its facts each shares (the derived tasks sum them over the tasks).
#[derive(Debug, Default, Serialize, Deserialize)]
struct SharedCounts {
    /// The pairs, sorted, as [`pair_gaps`].
    pairs: Vec<u32>,
    /// Each pair's count of shared facts of the task's bucket, in the same order.
    counts: Vec<u32>,
}

/// A fact task's document frequencies of its facts in one shard's documents: what weighs them.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Frequencies {
    /// How many component heads the corpus holds (each fact task counts the same).
    heads: u32,
    /// For each document of the shard in order, for each of its facts of the task's bucket in
    /// order, how many component heads hold it (small varints, read beside [`FACTS`]).
    dfs: Vec<u32>,
}

/// A document's rare facts with their document frequencies among the component heads: what
/// its weighted fact overlap with another document needs.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct WeightedFacts {
    #[serde(with = "crate::packed::sorted_u40_rice")]
    facts: Vec<u64>,
    dfs: Vec<u32>,
}

impl WeightedFacts {
    /// The weighted fact overlap of two documents, as `FactWeights::overlap` gives it in one
    /// process (`heads` component heads).
    fn overlap(&self, other: &Self, heads: usize) -> f64 {
        weighted_overlap(
            [&self.facts, &other.facts],
            |i| fact_weight(heads, self.dfs[i]),
            |j| fact_weight(heads, other.dfs[j]),
        )
    }
}

/// What the derived check reads of a document: its weighted facts, its numbers and its date.
struct FactDoc {
    weighted: WeightedFacts,
    numbers: Vec<u32>,
    published: Option<i64>,
}

/// What a publish task hands another shard of one of its documents.
#[derive(Debug, Serialize, Deserialize)]
struct Published {
    position: u32,
    id: String,
    /// The cluster id it gives a cluster it represents.
    cluster: u64,
    /// Its sketch in its postcard bytes, when asked for.
    sketch: Option<Vec<u8>>,
    /// Its rare facts and their frequencies, when asked for.
    facts: Option<WeightedFacts>,
}

/// The bands bucket task `rank` of `ranks` handles.
fn bands_of(rank: usize, ranks: usize, bands: usize) -> impl Iterator<Item = usize> {
    (rank..bands).step_by(ranks.max(1))
}

/// The exact task of `ranks` that finds the group of documents with exact key `key`.
fn exact_bucket(key: u128, ranks: usize) -> usize {
    (key % ranks.max(1) as u128) as usize
}

/// The steps: exact groups and bucket tasks by key (`layout.buckets`; bucket tasks at most
/// one per band), sketch and verify per shard, fact tasks by fact hash (`layout.buckets`),
/// derived checks per shard, the clustering, then publish and resolve per shard.
pub fn merge_steps(layout: &MergeLayout, bands: usize) -> Vec<MergeStep> {
    let shards = layout.shards.max(1);
    vec![
        MergeStep {
            name: "exact",
            ranks: layout.buckets.max(1),
        },
        MergeStep {
            name: "bucket",
            ranks: layout.buckets.clamp(1, bands.max(1)),
        },
        MergeStep {
            name: "sketch",
            ranks: shards,
        },
        MergeStep {
            name: "verify",
            ranks: shards,
        },
        MergeStep {
            name: "facts",
            ranks: layout.buckets.max(1),
        },
        MergeStep {
            name: "derived",
            ranks: shards,
        },
        MergeStep {
            name: "cluster",
            ranks: 1,
        },
        MergeStep {
            name: "publish",
            ranks: shards,
        },
        MergeStep {
            name: "resolve",
            ranks: shards,
        },
    ]
}

/// The files an observe task writes for the merge steps: the summaries, the facts and the
/// band files.
pub fn shard_files(
    records: &[&DocRecord],
    params: &Params,
    ranks: &[usize],
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let summaries: Vec<Summary> = records.iter().map(|record| Summary::of(record)).collect();
    let facts: Vec<FactsOf> = records
        .iter()
        .map(|record| FactsOf {
            facts: record.facts.clone(),
            numbers: if record.facts.is_empty() {
                Vec::new()
            } else {
                record.numbers.clone()
            },
        })
        .collect();
    let mut files = vec![
        (
            SUMMARY.to_string(),
            encode_stage_data::<Dedupe, _>(&summaries)?,
        ),
        (FACTS.to_string(), encode_stage_data::<Dedupe, _>(&facts)?),
    ];
    let buckets = ranks.get(BUCKET_STEP).copied().unwrap_or(1);
    let (documents, unsigned): (Vec<u32>, Vec<u32>) =
        (0..records.len() as u32).partition(|&i| !records[i as usize].band_keys.is_empty());
    for rank in 0..buckets {
        let bands: Vec<usize> = bands_of(rank, buckets, params.bands).collect();
        let keys: Vec<u8> = bands
            .par_iter()
            .flat_map_iter(|&band| {
                documents
                    .iter()
                    .flat_map(move |&i| records[i as usize].band_keys[band].to_le_bytes())
            })
            .collect();
        let file = BandKeys {
            unsigned: gaps(&unsigned),
            keys,
        };
        files.push((band_file(rank), encode_stage_data::<Dedupe, _>(&file)?));
    }
    Ok(files)
}

/// Runs merge step `step` at `rank`.
pub fn run_step(
    step: usize,
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let one = |name: &str, bytes: Vec<u8>| vec![(name.to_string(), bytes)];
    Ok(match step {
        EXACT_STEP => one(GROUPS, exact(rank, files)?),
        BUCKET_STEP => one(PAIRS, bucket(rank, files, params)?),
        SKETCH_STEP => one(SKETCHES, sketch(rank, files)?),
        VERIFY_STEP => one(VERIFIED, verify(rank, files, params)?),
        FACTS_STEP => facts(rank, files, params)?,
        DERIVED_STEP if params.derived => one(LINKED, derived(rank, files, params)?),
        DERIVED_STEP => Vec::new(),
        CLUSTER_STEP => cluster(files, params)?,
        PUBLISH_STEP => publish(rank, files)?,
        RESOLVE_STEP => one(VERDICTS, resolve(rank, files)?),
        _ => return Err(StageError::no_merge_step(step)),
    })
}

/// Shard `shard`'s state, as its resolve task wrote it.
pub fn shard_state(
    shard: usize,
    files: &mut SplitFiles<'_, Dedupe>,
) -> Result<Verdicts, StageError> {
    files.read(MergeSource::Step(RESOLVE_STEP), shard, VERDICTS)
}

/// The summaries of shard `shard`, checked against its document count; also its first
/// position.
fn shard_summaries(
    shard: usize,
    files: &mut SplitFiles<'_, Dedupe>,
) -> Result<(u32, Vec<Summary>), StageError> {
    let (first, summaries) = per_document(shard, SUMMARY, files)?;
    Ok((first as u32, summaries))
}

/// File `name` of shard `shard`'s observe task, an entry a document, checked against the
/// shard's document count; also the shard's first position.
fn per_document<T: DeserializeOwned>(
    shard: usize,
    name: &str,
    files: &mut SplitFiles<'_, Dedupe>,
) -> Result<(usize, Vec<T>), StageError> {
    let first = files.first_position(shard)?;
    let count = files.first_position(shard + 1)? - first;
    let entries: Vec<T> = files.read(MergeSource::Observe, shard, name)?;
    if entries.len() != count {
        let why = format!(
            "it holds {} documents where the shard observed {count}",
            entries.len()
        );
        return Err(files.corrupt(MergeSource::Observe, shard, name, &why));
    }
    Ok((first, entries))
}

/// What picks the best of a set of documents: its [`RepresentativeKey`], its id, then its
/// position (the first of equals wins, as in one process).
type Order = (RepresentativeKey, String, u32);

fn order_of(summary: &Summary, position: u32) -> Order {
    (
        representative_key(summary.published, summary.words),
        summary.id.clone(),
        position,
    )
}

/// The exact groups of the documents whose exact key is bucket task `rank`'s, each its head
/// first, then its other members ascending.
fn exact(rank: usize, files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<u8>, StageError> {
    let ranks = files.ranks(MergeSource::Step(EXACT_STEP));
    let mut keyed: Vec<(u128, Order)> = Vec::new();
    for shard in 0..files.ranks(MergeSource::Observe) {
        let (first, summaries) = shard_summaries(shard, files)?;
        keyed.extend(
            summaries
                .iter()
                .zip(first..)
                .filter(|(summary, _)| {
                    summary.words > 0 && exact_bucket(summary.exact_key, ranks) == rank
                })
                .map(|(summary, position)| (summary.exact_key, order_of(summary, position))),
        );
    }
    keyed.sort_unstable_by_key(|(key, order)| (*key, order.2));
    let groups: Vec<Vec<u32>> = keyed
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|group| group.len() > 1)
        .map(|group| {
            let head = group
                .iter()
                .map(|(_, order)| order)
                .min()
                .expect("a group")
                .2;
            std::iter::once(head)
                .chain(
                    group
                        .iter()
                        .map(|(_, order)| order.2)
                        .filter(|&p| p != head),
                )
                .collect()
        })
        .collect();
    encode_stage_data::<Dedupe, _>(&groups)
}

/// Every exact task's groups, each its head first.
fn exact_groups(files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<Vec<u32>>, StageError> {
    let mut groups = Vec::new();
    for rank in 0..files.ranks(MergeSource::Step(EXACT_STEP)) {
        let part: Vec<Vec<u32>> = files.read(MergeSource::Step(EXACT_STEP), rank, GROUPS)?;
        if part.iter().any(|group| group.len() < 2) {
            let why = "it holds a group of fewer than two documents";
            return Err(files.corrupt(MergeSource::Step(EXACT_STEP), rank, GROUPS, why));
        }
        groups.extend(part);
    }
    Ok(groups)
}
/// The candidate pairs of the bands of bucket task `rank`.
fn bucket(
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<u8>, StageError> {
    // The exact copies that are not their group's head: the band keys of the others are the
    // LSH bands' (the exact heads with a signature, `eligible_heads`).
    let mut copies: Vec<u32> = exact_groups(files)?
        .into_iter()
        .flat_map(|group| group.into_iter().skip(1))
        .collect();
    copies.sort_unstable();
    let buckets = files.ranks(MergeSource::Step(BUCKET_STEP));
    let bands: Vec<usize> = bands_of(rank, buckets, params.bands).collect();
    let mut keys: Vec<Vec<(u32, u32)>> = vec![Vec::new(); bands.len()];
    let name = band_file(rank);
    for shard in 0..files.ranks(MergeSource::Observe) {
        let first = files.first_position(shard)?;
        let end = files.first_position(shard + 1)?;
        let file: BandKeys = files.read(MergeSource::Observe, shard, &name)?;
        let unsigned = ungaps(&file.unsigned);
        let documents: Vec<u32> = (0..(end - first) as u32)
            .filter(|i| unsigned.binary_search(i).is_err())
            .collect();
        let count = documents.len();
        if file.keys.len() != count * 4 * bands.len() {
            return Err(StageError::new(format!(
                "{name} of shard {shard} holds {} key bytes for {count} documents and {} bands",
                file.keys.len(),
                bands.len()
            )));
        }
        let positions: Vec<Option<u32>> = documents
            .iter()
            .map(|&i| {
                let position = (first + i as usize) as u32;
                copies.binary_search(&position).is_err().then_some(position)
            })
            .collect();
        for (band, keys) in keys.iter_mut().enumerate() {
            let bytes = &file.keys[band * count * 4..(band + 1) * count * 4];
            keys.extend(
                bytes
                    .chunks_exact(4)
                    .zip(&positions)
                    .filter_map(|(key, position)| {
                        let key = u32::from_le_bytes(key.try_into().expect("four bytes"));
                        position.map(|position| (key, position))
                    }),
            );
        }
    }
    let mut pairs: Vec<(u32, u32)> = keys
        .into_par_iter()
        .flat_map_iter(band_candidates)
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    encode_stage_data::<Dedupe, _>(&pair_gaps(&pairs))
}

/// Every bucket task's candidate pairs that `keep` keeps, sorted, unique.
fn candidate_pairs(
    files: &mut SplitFiles<'_, Dedupe>,
    keep: impl Fn(&(u32, u32)) -> bool,
) -> Result<Vec<(u32, u32)>, StageError> {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for bucket in 0..files.ranks(MergeSource::Step(BUCKET_STEP)) {
        let all =
            un_pair_gaps(&files.read::<Vec<u32>>(MergeSource::Step(BUCKET_STEP), bucket, PAIRS)?);
        pairs.extend(all.into_iter().filter(&keep));
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    Ok(pairs)
}

/// The sketches of the documents of shard `rank` in a candidate pair, from their text in the
/// documents the observe task wrote.
fn sketch(rank: usize, files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<u8>, StageError> {
    let (start, end) = (
        files.first_position(rank)? as u32,
        files.first_position(rank + 1)? as u32,
    );
    let in_shard = |position: &u32| (start..end).contains(position);
    let pairs = candidate_pairs(files, |(a, b)| in_shard(a) || in_shard(b))?;
    let mut wanted: Vec<u32> = pairs
        .into_iter()
        .flat_map(|(a, b)| [a, b])
        .filter(in_shard)
        .map(|position| position - start)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut reader = files.open(MergeSource::Observe, rank, DOCUMENTS)?;
    let mut sketches: Vec<Sketch> = Vec::with_capacity(wanted.len());
    let mut batch: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut line = Vec::new();
    let mut next = wanted.iter().peekable();
    let mut index = 0u32;
    let problem = loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break None,
            Ok(_) => {}
            Err(err) => break Some(format!("cannot read it: {err}")),
        }
        if next.next_if_eq(&&index).is_some() {
            batch.push((index, std::mem::take(&mut line)));
        }
        index += 1;
        if !batch.is_empty() && (batch.len() == SKETCH_BATCH || next.peek().is_none()) {
            match sketch_batch(&batch) {
                Ok(done) => sketches.extend(done),
                Err(why) => break Some(why),
            }
            batch.clear();
        }
    };
    let problem = problem.or_else(|| {
        (index != end - start).then(|| {
            format!(
                "it holds {index} documents where the shard observed {}",
                end - start
            )
        })
    });
    if let Some(why) = problem {
        return Err(files.corrupt(MergeSource::Observe, rank, DOCUMENTS, &why));
    }
    let sketches = sketches
        .iter()
        .map(postcard::to_stdvec)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| StageError::new(format!("cannot encode a sketch: {err}")))?;
    encode_stage_data::<Dedupe, _>(&ShardSketches {
        documents: gaps(&wanted),
        sketches,
    })
}

/// Documents a sketch task parses and sketches at once, in parallel: a batch's lines are all it
/// holds of its shard's documents.
const SKETCH_BATCH: usize = 1024;

/// The sketches of a batch of documents, each an index in the shard and its JSON line.
fn sketch_batch(batch: &[(u32, Vec<u8>)]) -> Result<Vec<Sketch>, String> {
    batch
        .par_iter()
        .map_init(Scratch::default, |scratch, (index, line)| {
            let doc: Document =
                serde_json::from_slice(line).map_err(|err| format!("line {}: {err}", index + 1))?;
            let parts = verification_parts(&doc, scratch);
            Ok(Sketch {
                published: parts.published,
                grams: parts.grams,
                numbers: parts.numbers,
            })
        })
        .collect()
}

/// The pairs whose first document is in shard `rank` that pass the verification.
fn verify(
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<u8>, StageError> {
    let shards = files.ranks(MergeSource::Observe);
    let (start, end) = (
        files.first_position(rank)? as u32,
        files.first_position(rank + 1)? as u32,
    );
    let pairs = candidate_pairs(files, |(a, _)| (start..end).contains(a))?;
    let mut positions: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    positions.sort_unstable();
    positions.dedup();
    let mut store = ShardStore {
        files,
        first_shard: rank,
        shards,
    };
    let records = store.load(&positions, Parts::Sketches)?;
    let verified: Vec<(u32, u32)> = pairs
        .into_par_iter()
        .filter(|&(a, b)| verified(records.get(a), records.get(b), params))
        .collect();
    encode_stage_data::<Dedupe, _>(&pair_gaps(&verified))
}

/// Each shard's first position, and the count of all positions last.
fn first_positions(files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<u32>, StageError> {
    (0..=files.ranks(MergeSource::Observe))
        .map(|shard| Ok(files.first_position(shard)? as u32))
        .collect()
}

/// The shard of the document at `position`, from [`first_positions`].
fn shard_of(firsts: &[u32], position: u32) -> usize {
    firsts.partition_point(|&first| first <= position) - 1
}

/// Adds the [`Order`] of the documents at `wanted` (sorted, unique positions) to `orders`,
/// reading the summaries of the shards that hold them one at a time.
fn load_orders(
    files: &mut SplitFiles<'_, Dedupe>,
    wanted: &[u32],
    orders: &mut HashMap<u32, Order>,
) -> Result<(), StageError> {
    let shards = files.ranks(MergeSource::Observe);
    for (shard, _, here) in by_shard(files, wanted, 0..shards)? {
        let (first, summaries) = shard_summaries(shard, files)?;
        for &position in here {
            orders.insert(
                position,
                order_of(&summaries[(position - first) as usize], position),
            );
        }
    }
    Ok(())
}

/// A shard, its first position and the wanted positions it holds.
type ShardPart<'w> = (usize, u32, &'w [u32]);

/// `wanted` (sorted, unique positions) cut by the shards of `shards` that hold them: each such
/// shard with its first position and its part of `wanted`, in order; an error names a
/// position none of them observed.
fn by_shard<'w>(
    files: &mut SplitFiles<'_, Dedupe>,
    wanted: &'w [u32],
    shards: std::ops::Range<usize>,
) -> Result<Vec<ShardPart<'w>>, StageError> {
    let mut parts = Vec::new();
    let mut rest = wanted;
    for shard in shards {
        if rest.is_empty() {
            break;
        }
        let end = files.first_position(shard + 1)? as u32;
        let here = rest.partition_point(|&position| position < end);
        if here == 0 {
            continue;
        }
        let (here, later) = rest.split_at(here);
        parts.push((shard, files.first_position(shard)? as u32, here));
        rest = later;
    }
    match rest.first() {
        Some(position) => Err(StageError::new(format!(
            "no shard observed a document at position {position}"
        ))),
        None => Ok(parts),
    }
}

/// The best of `positions` (each with its [`Order`]) in each of their sets, by the set's root.
fn best_by_set(
    positions: &[u32],
    sets: &mut UnionFind,
    orders: &HashMap<u32, Order>,
) -> HashMap<u32, u32> {
    let mut best: HashMap<u32, u32> = HashMap::new();
    for &position in positions {
        let current = best.entry(sets.find(position)).or_insert(position);
        if orders[&position] < orders[current] {
            *current = position;
        }
    }
    best
}

/// Sorted, unique positions of `pairs`.
fn positions_of(pairs: &[(u32, u32)]) -> Vec<u32> {
    let mut positions: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    positions.sort_unstable();
    positions.dedup();
    positions
}

/// The first two levels of the clustering over positions, as `finish` builds them in one
/// process: a union-find joining the exact groups and the verified pairs, each exact group's
/// head, each copy component's head (for the documents of groups and pairs only), and the
/// [`Order`] of the documents of pairs. The fact tasks build it for the component heads, the
/// clustering task to go on to the clusters.
struct Components {
    /// Each shard's first position, and the count of all positions last.
    firsts: Vec<u32>,
    sets: UnionFind,
    /// The head of each member of an exact group.
    exact_head: HashMap<u32, u32>,
    /// The head of the copy component of each document of a group or a pair.
    copy_head: HashMap<u32, u32>,
    orders: HashMap<u32, Order>,
}

impl Components {
    /// The components from every exact task's groups and every verify task's pairs.
    fn build(files: &mut SplitFiles<'_, Dedupe>) -> Result<Self, StageError> {
        let firsts = first_positions(files)?;
        let mut sets = UnionFind::new(firsts[firsts.len() - 1]);
        // Exact groups: each member's head, the group's best document.
        let mut exact_head: HashMap<u32, u32> = HashMap::new();
        for group in exact_groups(files)? {
            for &member in &group {
                exact_head.insert(member, group[0]);
                sets.union(group[0], member);
            }
        }
        // Copy components: the verified pairs join exact heads, so the best document of a
        // component with a pair is the best of its documents in pairs.
        let mut near: Vec<(u32, u32)> = Vec::new();
        for rank in 0..files.ranks(MergeSource::Step(VERIFY_STEP)) {
            let source = MergeSource::Step(VERIFY_STEP);
            near.extend(un_pair_gaps(
                &files.read::<Vec<u32>>(source, rank, VERIFIED)?,
            ));
        }
        for &(a, b) in &near {
            sets.union(a, b);
        }
        let paired = positions_of(&near);
        drop(near);
        let mut orders: HashMap<u32, Order> = HashMap::new();
        load_orders(files, &paired, &mut orders)?;
        let best_copy = best_by_set(&paired, &mut sets, &orders);
        let mut copy_head: HashMap<u32, u32> = HashMap::new();
        for (&member, &head) in &exact_head {
            let root = sets.find(member);
            copy_head.insert(member, best_copy.get(&root).copied().unwrap_or(head));
        }
        for &position in &paired {
            let root = sets.find(position);
            copy_head.insert(position, best_copy[&root]);
        }
        Ok(Self {
            firsts,
            sets,
            exact_head,
            copy_head,
            orders,
        })
    }

    /// The documents that are not their copy component's head, ascending: every other
    /// document is a component head, which the derived pass compares.
    fn copies(&self) -> Vec<u32> {
        let mut copies: Vec<u32> = self
            .copy_head
            .iter()
            .filter(|(member, head)| member != head)
            .map(|(&member, _)| member)
            .collect();
        copies.sort_unstable();
        copies
    }
}

/// The fact task of `ranks` that counts fact `fact` (a 40-bit hash).
fn fact_bucket(fact: u64, ranks: usize) -> usize {
    (fact % ranks.max(1) as u64) as usize
}

/// Fact task `rank`: the rare facts of the component heads whose hash is its, read one shard
/// at a time; each fact's document frequency among the heads and, per pair of heads sharing
/// facts held by no more than `MAX_FACT_DF` heads, how many of its facts they share (what
/// `derived_candidates` counts over every fact in one process). Writes per shard the pairs
/// whose first document is there with their counts ([`shared_file`]), and the frequency of
/// each of its facts in the shard's documents ([`frequencies_file`]).
fn facts(
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    if !params.derived {
        return Ok(Vec::new());
    }
    let (firsts, copies) = {
        let components = Components::build(files)?;
        (components.firsts.clone(), components.copies())
    };
    let shards = firsts.len() - 1;
    let heads = firsts[shards] - copies.len() as u32;
    let ranks = files.ranks(MergeSource::Step(FACTS_STEP));
    let mine = |fact: &&u64| fact_bucket(**fact, ranks) == rank;
    let mut postings: Vec<(u64, u32)> = Vec::new();
    for (shard, &first) in firsts[..shards].iter().enumerate() {
        let facts = shard_facts(shard, files)?;
        for (position, of) in (first..).zip(&facts) {
            if copies.binary_search(&position).is_err() {
                postings.extend(of.facts.iter().filter(mine).map(|&fact| (fact, position)));
            }
        }
    }
    postings.par_sort_unstable();
    let mut sharing = sharing_pairs(&postings);
    let frequencies: Vec<(u64, u32)> = postings
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| (run[0].0, run.len() as u32))
        .collect();
    drop(postings);
    sharing.par_sort_unstable();
    let counted: Vec<((u32, u32), u32)> = sharing
        .chunk_by(|x, y| x == y)
        .map(|run| (run[0], run.len() as u32))
        .collect();
    drop(sharing);
    let mut written = Vec::with_capacity(2 * shards);
    let mut rest = counted.as_slice();
    for shard in 0..shards {
        let here = rest.partition_point(|((a, _), _)| *a < firsts[shard + 1]);
        let (part, later) = rest.split_at(here);
        let pairs: Vec<(u32, u32)> = part.iter().map(|&(pair, _)| pair).collect();
        let file = SharedCounts {
            pairs: pair_gaps(&pairs),
            counts: part.iter().map(|&(_, count)| count).collect(),
        };
        written.push((shared_file(shard), encode_stage_data::<Dedupe, _>(&file)?));
        rest = later;
    }
    for shard in 0..shards {
        let facts = shard_facts(shard, files)?;
        let dfs = facts
            .iter()
            .flat_map(|of| of.facts.iter().filter(mine))
            .map(|fact| {
                frequencies
                    .binary_search_by_key(fact, |&(fact, _)| fact)
                    .map_or(0, |at| frequencies[at].1)
            })
            .collect();
        let file = Frequencies { heads, dfs };
        written.push((
            frequencies_file(shard),
            encode_stage_data::<Dedupe, _>(&file)?,
        ));
    }
    Ok(written)
}

/// Shard `shard`'s rare facts and numbers, checked against its document count.
fn shard_facts(
    shard: usize,
    files: &mut SplitFiles<'_, Dedupe>,
) -> Result<Vec<FactsOf>, StageError> {
    Ok(per_document(shard, FACTS, files)?.1)
}

/// Derived task `rank`: the pairs of component heads whose first document is in shard `rank`
/// that share enough rare facts (the fact tasks' counts summed) and pass the derived check,
/// with the weights of their facts from the fact tasks' frequencies.
fn derived(
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<u8>, StageError> {
    let source = MergeSource::Step(FACTS_STEP);
    let mut counted: Vec<((u32, u32), u32)> = Vec::new();
    for bucket in 0..files.ranks(source) {
        let name = shared_file(rank);
        let file: SharedCounts = files.read(source, bucket, &name)?;
        let pairs = un_pair_gaps(&file.pairs);
        if pairs.len() != file.counts.len() {
            let why = "it holds fewer counts than pairs";
            return Err(files.corrupt(source, bucket, &name, why));
        }
        counted.extend(pairs.into_iter().zip(file.counts));
    }
    counted.par_sort_unstable();
    let candidates: Vec<(u32, u32)> = counted
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|run| {
            run.iter().map(|&(_, count)| count as usize).sum::<usize>() >= params.derived_min_shared
        })
        .map(|run| run[0].0)
        .collect();
    drop(counted);
    let (docs, heads) = load_fact_docs(files, &positions_of(&candidates), true)?;
    let checked = derived_checked(
        candidates,
        |position| docs[&position].published,
        |position| docs[&position].numbers.as_slice(),
        |a, b| docs[&a].weighted.overlap(&docs[&b].weighted, heads),
        params,
    );
    encode_stage_data::<Dedupe, _>(&pair_gaps(&checked))
}

/// The rare facts, their frequencies and the numbers (and the dates, `with_dates`) of the
/// documents at `wanted` (sorted, unique positions), reading the shards that hold them one at
/// a time, each with every fact task's [`frequencies_file`] of it; and the count of component
/// heads the fact tasks give (0 when nothing is wanted).
fn load_fact_docs(
    files: &mut SplitFiles<'_, Dedupe>,
    wanted: &[u32],
    with_dates: bool,
) -> Result<(HashMap<u32, FactDoc>, usize), StageError> {
    let source = MergeSource::Step(FACTS_STEP);
    let ranks = files.ranks(source);
    let mut found: HashMap<u32, FactDoc> = HashMap::with_capacity(wanted.len());
    let mut heads = None;
    let shards = files.ranks(MergeSource::Observe);
    for (shard, first, here) in by_shard(files, wanted, 0..shards)? {
        let facts = shard_facts(shard, files)?;
        let summaries = if with_dates {
            Some(shard_summaries(shard, files)?.1)
        } else {
            None
        };
        let mut frequencies = Vec::with_capacity(ranks);
        for bucket in 0..ranks {
            let name = frequencies_file(shard);
            let file: Frequencies = files.read(source, bucket, &name)?;
            if *heads.get_or_insert(file.heads) != file.heads {
                let why = "its count of component heads is not the other fact tasks'";
                return Err(files.corrupt(source, bucket, &name, why));
            }
            frequencies.push(file.dfs.into_iter());
        }
        let mut next = here.iter().peekable();
        for (index, of) in facts.into_iter().enumerate() {
            let position = first + index as u32;
            let keep = next.next_if_eq(&&position).is_some();
            let mut dfs = Vec::with_capacity(if keep { of.facts.len() } else { 0 });
            for &fact in &of.facts {
                let bucket = fact_bucket(fact, ranks);
                let Some(df) = frequencies[bucket].next() else {
                    let why = "it holds fewer frequencies than the shard's facts of its bucket";
                    return Err(files.corrupt(source, bucket, &frequencies_file(shard), why));
                };
                dfs.push(df);
            }
            if keep {
                let published = summaries
                    .as_ref()
                    .and_then(|summaries| summaries[index].published);
                let weighted = WeightedFacts {
                    facts: of.facts,
                    dfs,
                };
                found.insert(
                    position,
                    FactDoc {
                        weighted,
                        numbers: of.numbers,
                        published,
                    },
                );
            }
        }
        if let Some(bucket) = frequencies.iter().position(|left| left.len() > 0) {
            let why = "it holds more frequencies than the shard's facts of its bucket";
            return Err(files.corrupt(source, bucket, &frequencies_file(shard), why));
        }
    }
    Ok((found, heads.unwrap_or(0) as usize))
}

/// The clustering task: the derived pairs joined to the copy components over positions, as
/// `finish` builds the clusters in one process, and for each shard the documents it places
/// with a representative other than themselves and what the other shards need of its
/// documents.
fn cluster(
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let Components {
        firsts,
        mut sets,
        exact_head,
        copy_head,
        mut orders,
    } = Components::build(files)?;
    let shards = firsts.len() - 1;
    // Derived clusters: the pairs of component heads the derived tasks linked.
    let mut linked: Vec<u32> = Vec::new();
    if params.derived {
        let source = MergeSource::Step(DERIVED_STEP);
        let mut checked: Vec<(u32, u32)> = Vec::new();
        for rank in 0..files.ranks(source) {
            checked.extend(un_pair_gaps(&files.read::<Vec<u32>>(source, rank, LINKED)?));
        }
        for &(a, b) in &checked {
            sets.union(a, b);
        }
        linked = positions_of(&checked);
        let unknown: Vec<u32> = linked
            .iter()
            .copied()
            .filter(|position| !orders.contains_key(position))
            .collect();
        load_orders(files, &unknown, &mut orders)?;
    }
    let best_cluster = best_by_set(&linked, &mut sets, &orders);
    drop(orders);
    // Every document in a cluster with another, placed against its representative.
    let mut involved: Vec<u32> = copy_head.keys().copied().chain(linked).collect();
    involved.sort_unstable();
    involved.dedup();
    let exact_of = |position: u32| exact_head.get(&position).copied().unwrap_or(position);
    let copy_of = |position: u32| copy_head.get(&position).copied().unwrap_or(position);
    let mut placed: Vec<Placed> = Vec::new();
    for position in involved {
        let root = sets.find(position);
        let rep = best_cluster
            .get(&root)
            .copied()
            .unwrap_or_else(|| copy_of(position));
        if rep == position {
            continue;
        }
        let relation = if exact_of(position) == exact_of(rep) {
            Relation::Exact
        } else if copy_of(position) == copy_of(rep) {
            Relation::NearDuplicate
        } else {
            Relation::Derived
        };
        placed.push(Placed {
            position,
            rep,
            relation,
            sketched: (relation == Relation::NearDuplicate).then(|| exact_of(position)),
        });
    }
    drop((sets, exact_head, copy_head, best_cluster));
    // Per shard: its placed documents, and what the others need of its documents.
    let mut by_shard: Vec<Vec<Placed>> = vec![Vec::new(); shards];
    let mut wanted: Vec<Vec<Wanted>> = vec![Vec::new(); shards];
    for placed in placed {
        let shard = shard_of(&firsts, placed.position);
        let near = placed.relation == Relation::NearDuplicate;
        let derived = placed.relation == Relation::Derived;
        for (position, sketch, facts) in [
            (Some(placed.rep), near, derived),
            (placed.sketched, true, false),
        ] {
            let Some(position) = position else { continue };
            let holder = shard_of(&firsts, position);
            if holder != shard {
                wanted[holder].push(Wanted {
                    shard: shard as u32,
                    position,
                    sketch,
                    facts,
                });
            }
        }
        by_shard[shard].push(placed);
    }
    let mut written = Vec::with_capacity(2 * shards);
    for (shard, (placed, mut wanted)) in by_shard.into_iter().zip(wanted).enumerate() {
        wanted.sort_unstable();
        // One entry a document and shard, with its sketch and its facts when any asks for
        // them.
        wanted.dedup_by(|later, earlier| {
            let same = (later.shard, later.position) == (earlier.shard, earlier.position);
            earlier.sketch |= same && later.sketch;
            earlier.facts |= same && later.facts;
            same
        });
        written.push((placed_file(shard), encode_stage_data::<Dedupe, _>(&placed)?));
        written.push((wanted_file(shard), encode_stage_data::<Dedupe, _>(&wanted)?));
    }
    Ok(written)
}

/// Shard `shard`'s sketches, as its sketch task wrote them: the documents' positions in the
/// shard and each sketch's bytes.
fn shard_sketches(
    shard: usize,
    files: &mut SplitFiles<'_, Dedupe>,
) -> Result<(Vec<u32>, Vec<Vec<u8>>), StageError> {
    let source = MergeSource::Step(SKETCH_STEP);
    let file: ShardSketches = files.read(source, shard, SKETCHES)?;
    let documents = ungaps(&file.documents);
    if documents.len() != file.sketches.len() {
        let why = "it holds fewer sketches than documents";
        return Err(files.corrupt(source, shard, SKETCHES, why));
    }
    Ok((documents, file.sketches))
}

/// The sketch bytes of the document at `index` of shard `shard` among `sketches`.
fn sketch_bytes<'s>(
    sketches: &'s (Vec<u32>, Vec<Vec<u8>>),
    shard: usize,
    index: u32,
    files: &SplitFiles<'_, Dedupe>,
) -> Result<&'s Vec<u8>, StageError> {
    match sketches.0.binary_search(&index) {
        Ok(at) => Ok(&sketches.1[at]),
        Err(_) => Err(files.corrupt(
            MergeSource::Step(SKETCH_STEP),
            shard,
            SKETCHES,
            &format!("it has no sketch of the document at index {index}"),
        )),
    }
}

/// The gram sketch in a sketch's bytes.
fn decode_grams(bytes: &[u8]) -> Result<GramSketch, String> {
    postcard::from_bytes::<Sketch>(bytes)
        .map(|sketch| sketch.grams)
        .map_err(|err| format!("a sketch does not decode: {err}"))
}

/// Publish task `rank`: the ids, cluster ids and sketches of its documents that the other
/// shards need, one file for each such shard.
fn publish(
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let cluster_source = MergeSource::Step(CLUSTER_STEP);
    let wanted: Vec<Wanted> = files.read(cluster_source, 0, &wanted_file(rank))?;
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let (first, summaries) = shard_summaries(rank, files)?;
    let sketches = if wanted.iter().any(|wanted| wanted.sketch) {
        Some(shard_sketches(rank, files)?)
    } else {
        None
    };
    let with_facts: Vec<u32> = wanted
        .iter()
        .filter(|wanted| wanted.facts)
        .map(|wanted| wanted.position)
        .collect();
    let (fact_docs, _) = load_fact_docs(files, &sorted_unique(with_facts), false)?;
    let mut written = Vec::new();
    for group in wanted.chunk_by(|a, b| a.shard == b.shard) {
        let mut published = Vec::with_capacity(group.len());
        for wanted in group {
            let index = wanted.position.wrapping_sub(first);
            let Some(summary) = summaries.get(index as usize) else {
                let why = format!("it names position {} outside shard {rank}", wanted.position);
                return Err(files.corrupt(cluster_source, 0, &wanted_file(rank), &why));
            };
            let sketch = match (&sketches, wanted.sketch) {
                (Some(sketches), true) => Some(sketch_bytes(sketches, rank, index, files)?.clone()),
                _ => None,
            };
            let facts = if wanted.facts {
                fact_docs
                    .get(&wanted.position)
                    .map(|doc| doc.weighted.clone())
            } else {
                None
            };
            published.push(Published {
                position: wanted.position,
                id: summary.id.clone(),
                cluster: cluster_id(summary),
                sketch,
                facts,
            });
        }
        let file = published_file(group[0].shard as usize);
        written.push((file, encode_stage_data::<Dedupe, _>(&published)?));
    }
    Ok(written)
}

/// Resolve task `rank`: its shard's state, every document's verdict with the ids of the
/// representatives in other shards, from the clustering task's placed documents, the shard's
/// summaries and sketches, and what the publish tasks handed it.
fn resolve(rank: usize, files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<u8>, StageError> {
    let firsts = first_positions(files)?;
    let (first, summaries) = shard_summaries(rank, files)?;
    let cluster_source = MergeSource::Step(CLUSTER_STEP);
    let placed: Vec<Placed> = files.read(cluster_source, 0, &placed_file(rank))?;
    let own = |position: u32| shard_of(&firsts, position) == rank;
    if let Some(stray) = placed.iter().find(|placed| !own(placed.position)) {
        let why = format!("it names position {} outside shard {rank}", stray.position);
        return Err(files.corrupt(cluster_source, 0, &placed_file(rank), &why));
    }
    // What the other shards published for this one, from the shards that hold its
    // representatives and its near copies' exact heads.
    let near = |placed: &&Placed| placed.relation == Relation::NearDuplicate;
    let mut holders: Vec<usize> = placed
        .iter()
        .flat_map(|placed| [Some(placed.rep), placed.sketched])
        .flatten()
        .filter(|&position| !own(position))
        .map(|position| shard_of(&firsts, position))
        .collect();
    holders.sort_unstable();
    holders.dedup();
    let mut published: BTreeMap<u32, (usize, Published)> = BTreeMap::new();
    for holder in holders {
        let part: Vec<Published> = files.read(
            MergeSource::Step(PUBLISH_STEP),
            holder,
            &published_file(rank),
        )?;
        published.extend(
            part.into_iter()
                .map(|entry| (entry.position, (holder, entry))),
        );
    }
    let own_sketched = placed
        .iter()
        .filter(near)
        .any(|placed| own(placed.rep) || placed.sketched.is_some_and(own));
    let sketches = if own_sketched {
        Some(shard_sketches(rank, files)?)
    } else {
        None
    };
    // The weighted facts of its derived copies and of their representatives in the shard.
    let derived_here = sorted_unique(
        placed
            .iter()
            .filter(|placed| placed.relation == Relation::Derived)
            .flat_map(|placed| [Some(placed.position), own(placed.rep).then_some(placed.rep)])
            .flatten()
            .collect(),
    );
    let (fact_docs, heads) = load_fact_docs(files, &derived_here, false)?;
    let files: &SplitFiles<'_, Dedupe> = files;
    let from = |position: u32| -> Result<&(usize, Published), StageError> {
        published.get(&position).ok_or_else(|| {
            let holder = shard_of(&firsts, position);
            let why = format!("it has no document at position {position}");
            files.corrupt(
                MergeSource::Step(PUBLISH_STEP),
                holder,
                &published_file(rank),
                &why,
            )
        })
    };
    let grams = |position: u32| -> Result<GramSketch, StageError> {
        let (bytes, shard, source, name) = if own(position) {
            let sketches = sketches
                .as_ref()
                .expect("read for a near copy in the shard");
            let bytes = sketch_bytes(sketches, rank, position - first, files)?;
            (
                bytes,
                rank,
                MergeSource::Step(SKETCH_STEP),
                SKETCHES.to_string(),
            )
        } else {
            let (holder, entry) = from(position)?;
            let Some(bytes) = &entry.sketch else {
                let why = format!("it has no sketch of the document at position {position}");
                let file = published_file(rank);
                return Err(files.corrupt(MergeSource::Step(PUBLISH_STEP), *holder, &file, &why));
            };
            (
                bytes,
                *holder,
                MergeSource::Step(PUBLISH_STEP),
                published_file(rank),
            )
        };
        decode_grams(bytes).map_err(|why| files.corrupt(source, shard, &name, &why))
    };
    let mut verdicts: Vec<_> = summaries
        .iter()
        .enumerate()
        .map(|(index, summary)| {
            let position = first as usize + index;
            verdict(
                summary,
                position,
                position,
                cluster_id(summary),
                Relation::None,
                1.0,
            )
        })
        .collect();
    let mut elsewhere: Vec<(u32, String)> = Vec::new();
    for placed in &placed {
        let index = (placed.position - first) as usize;
        let cluster = if own(placed.rep) {
            cluster_id(&summaries[(placed.rep - first) as usize])
        } else {
            let (_, entry) = from(placed.rep)?;
            elsewhere.push((placed.rep, entry.id.clone()));
            entry.cluster
        };
        let similarity = match (placed.relation, placed.sketched) {
            (Relation::NearDuplicate, Some(sketched)) => {
                grams(sketched)?.containment(&grams(placed.rep)?)
            }
            (Relation::Derived, _) => {
                let rep = if own(placed.rep) {
                    &fact_docs[&placed.rep].weighted
                } else {
                    let (holder, entry) = from(placed.rep)?;
                    entry.facts.as_ref().ok_or_else(|| {
                        let why =
                            format!("it has no facts of the document at position {}", placed.rep);
                        let file = published_file(rank);
                        files.corrupt(MergeSource::Step(PUBLISH_STEP), *holder, &file, &why)
                    })?
                };
                fact_docs[&placed.position].weighted.overlap(rep, heads)
            }
            (Relation::Exact, _) => 1.0,
            _ => {
                let why = format!(
                    "the document at position {} has no similarity",
                    placed.position
                );
                return Err(files.corrupt(cluster_source, 0, &placed_file(rank), &why));
            }
        };
        verdicts[index] = verdict(
            &summaries[index],
            placed.position as usize,
            placed.rep as usize,
            cluster,
            placed.relation,
            similarity,
        );
    }
    elsewhere.sort_unstable();
    elsewhere.dedup();
    encode_stage_data::<Dedupe, _>(&Verdicts {
        first: first as usize,
        ids: summaries.into_iter().map(|summary| summary.id).collect(),
        verdicts,
        elsewhere,
    })
}

/// The sketches of records read back one shard at a time from the sketch tasks' [`SKETCHES`],
/// keeping only those of the records asked for (the facts a cluster run reads with their
/// frequencies, [`load_fact_docs`]).
struct ShardStore<'a, 'b> {
    files: &'a mut SplitFiles<'b, Dedupe>,
    /// The first shard that can hold a wanted record.
    first_shard: usize,
    shards: usize,
}

impl<'s> RecordStore<'s> for ShardStore<'_, '_> {
    fn load(&mut self, wanted: &[u32], parts: Parts) -> Result<Records<'s>, StageError> {
        if parts != Parts::Sketches {
            return Err(StageError::new(
                "a cluster run reads rare facts with their frequencies, not from a store",
            ));
        }
        let mut found: HashMap<u32, DocRecord> = HashMap::with_capacity(wanted.len());
        for (shard, first, here) in by_shard(self.files, wanted, self.first_shard..self.shards)? {
            self.sketches(shard, first, here, &mut found)?;
        }
        Ok(Records::Some(found))
    }
}

impl ShardStore<'_, '_> {
    /// The sketches of the documents of shard `shard` (from position `first`) at `wanted`.
    fn sketches(
        &mut self,
        shard: usize,
        first: u32,
        wanted: &[u32],
        found: &mut HashMap<u32, DocRecord>,
    ) -> Result<(), StageError> {
        let source = MergeSource::Step(SKETCH_STEP);
        let file: ShardSketches = self.files.read(source, shard, SKETCHES)?;
        let documents = ungaps(&file.documents);
        if documents.len() != file.sketches.len() {
            return Err(self.files.corrupt(
                source,
                shard,
                SKETCHES,
                "it holds fewer sketches than documents",
            ));
        }
        for &position in wanted {
            let Ok(index) = documents.binary_search(&(position - first)) else {
                return Err(self.files.corrupt(
                    source,
                    shard,
                    SKETCHES,
                    &format!("it has no sketch of the document at position {position}"),
                ));
            };
            let Sketch {
                published,
                grams,
                numbers,
            } = postcard::from_bytes(&file.sketches[index]).map_err(|err| {
                let why = format!("the sketch of the document at position {position}: {err}");
                self.files.corrupt(source, shard, SKETCHES, &why)
            })?;
            found.insert(
                position,
                DocRecord {
                    published,
                    grams,
                    numbers,
                    ..DocRecord::empty()
                },
            );
        }
        Ok(())
    }
}

/// `values` sorted, each once.
fn sorted_unique(mut values: Vec<u32>) -> Vec<u32> {
    values.sort_unstable();
    values.dedup();
    values
}

/// Ascending values as the gaps between them (small varints).
fn gaps(values: &[u32]) -> Vec<u32> {
    let mut previous = 0;
    values
        .iter()
        .map(|&value| {
            let gap = value - previous;
            previous = value;
            gap
        })
        .collect()
}

fn ungaps(gaps: &[u32]) -> Vec<u32> {
    let mut value = 0;
    gaps.iter()
        .map(|&gap| {
            value += gap;
            value
        })
        .collect()
}

/// Sorted pairs `(a, b)`, `a < b`, as the gap from the previous `a` and `b - a`.
fn pair_gaps(pairs: &[(u32, u32)]) -> Vec<u32> {
    let mut previous = 0;
    pairs
        .iter()
        .flat_map(|&(a, b)| {
            let gap = a - previous;
            previous = a;
            [gap, b - a]
        })
        .collect()
}

fn un_pair_gaps(gaps: &[u32]) -> Vec<(u32, u32)> {
    let mut a = 0;
    gaps.chunks_exact(2)
        .map(|pair| {
            a += pair[0];
            (a, a + pair[1])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_round_trip() {
        let values = [0, 3, 4, 900, 100_000];
        assert_eq!(gaps(&values), [0, 3, 1, 896, 99_100]);
        assert_eq!(ungaps(&gaps(&values)), values);
        let pairs = [(0, 5), (0, 9), (4, 5), (70, 71_000)];
        assert_eq!(un_pair_gaps(&pair_gaps(&pairs)), pairs);
    }

    #[test]
    fn every_band_goes_to_one_bucket_task() {
        let mut seen: Vec<usize> = (0..3).flat_map(|rank| bands_of(rank, 3, 10)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let steps = merge_steps(
            &MergeLayout {
                shards: 4,
                buckets: 64,
            },
            10,
        );
        assert_eq!(
            steps[BUCKET_STEP].ranks, 10,
            "no more bucket tasks than bands"
        );
    }
}
