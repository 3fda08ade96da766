//! Dedupe's merge split over the tasks of a cluster run, as datatrove splits its MinHash
//! dedupe, so that no task holds every document's record and no observe task ships a part of
//! a record twice or one that only a few documents need:
//!
//! | task | ranks | reads | writes |
//! | --- | --- | --- | --- |
//! | `observe-dedupe` | shards | its shard | [`SUMMARY`] (a [`Summary`] per document), [`FACTS`] (rare facts and numbers), one [`band_file`] per bucket task (the band keys of its bands); no `records.bin` |
//! | `dedupe-heads` | 1 | every [`SUMMARY`] | [`HEADS`]: the exact-group heads with a signature |
//! | `dedupe-bucket` | `bucket_tasks` | [`HEADS`], its band file of every shard | [`PAIRS`]: the candidate pairs of its bands |
//! | `dedupe-sketch` | shards | every [`PAIRS`], its shard's documents | [`SKETCHES`]: date, gram sketch and numbers of its documents in a candidate pair, computed from their text |
//! | `dedupe-verify` | shards | every [`PAIRS`]; its shard's [`SKETCHES`] and those of the later shards' partners | [`VERIFIED`]: the pairs whose first document is in its shard that pass the verification |
//! | `merge-dedupe` | 1 | every [`SUMMARY`] and [`VERIFIED`]; the [`FACTS`] and [`SKETCHES`] the clustering asks for, one shard at a time | the state |
//!
//! Each task calls the part of `cluster` that `prepare` calls in one process, on the same
//! values in the same order, so the verdicts are the same as a one-machine run's. The gram
//! sketches, about half of a record, are needed only for the documents of candidate pairs (and
//! the similarity of near duplicates, which are such documents or exact copies of them), so
//! they are computed again from the documents the observe task wrote for the next step
//! rather than shipped for every document.

use std::collections::HashMap;
use std::io::BufRead;

use newspipe_core::{
    encode_stage_data, Document, MergeLayout, MergeSource, MergeStep, SplitFiles, StageError,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cluster::{
    band_candidates, eligible_heads, finish, verified, DocFacts, Parts, RecordStore, Records,
    Verdict,
};
use crate::config::Params;
use crate::record::{verification_parts, DocRecord, Scratch};
use crate::sketch::GramSketch;
use crate::stage::Dedupe;
use crate::syndication::Syndication;

/// An observe task's [`Summary`] of each of its documents.
pub const SUMMARY: &str = "summary.bin";
/// An observe task's rare facts (and numbers) of each of its documents.
pub const FACTS: &str = "facts.bin";
/// The `dedupe-heads` task's eligible heads.
pub const HEADS: &str = "heads.bin";
/// A `dedupe-bucket` task's candidate pairs.
pub const PAIRS: &str = "pairs.bin";
/// A `dedupe-sketch` task's sketches of its shard's documents in candidate pairs.
pub const SKETCHES: &str = "sketches.bin";
/// A `dedupe-verify` task's verified pairs.
pub const VERIFIED: &str = "verified.bin";
/// The documents an observe task writes for the next step (the runner's file): one JSON line
/// per observed document, in position order.
const DOCUMENTS: &str = "docs.jsonl";

/// The merge steps' indexes.
const HEADS_STEP: usize = 0;
const BUCKET_STEP: usize = 1;
const SKETCH_STEP: usize = 2;
const VERIFY_STEP: usize = 3;

/// The file of an observe task with the band keys bucket task `rank` reads.
pub fn band_file(rank: usize) -> String {
    format!("bands-{rank}.bin")
}

/// What the clustering reads of one document: id, length, date, keys and marker (tens of
/// bytes), never its signature, sketch or facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    id: String,
    words: usize,
    published: Option<i64>,
    #[serde(with = "crate::packed::u128_fixed")]
    exact_key: u128,
    has_signature: bool,
    syndication: Option<Syndication>,
}

impl Summary {
    /// The document's id.
    pub fn into_id(self) -> String {
        self.id
    }

    fn of(record: &DocRecord) -> Self {
        Self {
            id: record.id.clone(),
            words: record.words,
            published: record.published,
            exact_key: record.exact_key,
            has_signature: !record.band_keys.is_empty(),
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
    fn has_signature(&self) -> bool {
        self.has_signature
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

/// The bands bucket task `rank` of `ranks` handles.
fn bands_of(rank: usize, ranks: usize, bands: usize) -> impl Iterator<Item = usize> {
    (rank..bands).step_by(ranks.max(1))
}

/// The bucket tasks for `bands` bands: `layout.buckets`, at most one per band.
pub fn merge_steps(layout: &MergeLayout, bands: usize) -> Vec<MergeStep> {
    vec![
        MergeStep {
            name: "heads",
            ranks: 1,
        },
        MergeStep {
            name: "bucket",
            ranks: layout.buckets.clamp(1, bands.max(1)),
        },
        MergeStep {
            name: "sketch",
            ranks: layout.shards.max(1),
        },
        MergeStep {
            name: "verify",
            ranks: layout.shards.max(1),
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
    let (name, bytes) = match step {
        HEADS_STEP => (HEADS, encode_stage_data::<Dedupe, _>(&heads(files)?)?),
        BUCKET_STEP => (PAIRS, bucket(rank, files, params)?),
        SKETCH_STEP => (SKETCHES, sketch(rank, files)?),
        VERIFY_STEP => (VERIFIED, verify(rank, files, params)?),
        _ => return Err(StageError::new(format!("dedupe has no merge step {step}"))),
    };
    Ok(vec![(name.to_string(), bytes)])
}

/// Every shard's summaries, in shard order.
fn summaries(files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<Summary>, StageError> {
    let mut all = Vec::new();
    for shard in 0..files.ranks(MergeSource::Observe) {
        all.extend(files.read::<Vec<Summary>>(MergeSource::Observe, shard, SUMMARY)?);
    }
    Ok(all)
}

/// The eligible exact-group heads, as gaps between ascending positions.
fn heads(files: &mut SplitFiles<'_, Dedupe>) -> Result<Vec<u32>, StageError> {
    Ok(gaps(&eligible_heads(&summaries(files)?)))
}

/// The candidate pairs of the bands of bucket task `rank`.
fn bucket(
    rank: usize,
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<Vec<u8>, StageError> {
    let heads = ungaps(&files.read::<Vec<u32>>(MergeSource::Step(HEADS_STEP), 0, HEADS)?);
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
                heads.binary_search(&position).ok().map(|_| position)
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

/// The verdicts, from every shard's summaries and verified pairs: the final merge task.
pub fn finish_merge(
    files: &mut SplitFiles<'_, Dedupe>,
    params: &Params,
) -> Result<(Vec<Summary>, Vec<Verdict>), StageError> {
    let summaries = summaries(files)?;
    let mut near: Vec<(u32, u32)> = Vec::new();
    for rank in 0..files.ranks(MergeSource::Step(VERIFY_STEP)) {
        near.extend(un_pair_gaps(&files.read::<Vec<u32>>(
            MergeSource::Step(VERIFY_STEP),
            rank,
            VERIFIED,
        )?));
    }
    let shards = files.ranks(MergeSource::Observe);
    let mut store = ShardStore {
        files,
        first_shard: 0,
        shards,
    };
    let verdicts = finish(&summaries, &near, &mut store, params)?;
    Ok((summaries, verdicts))
}

/// Parts of records read back one shard at a time, keeping only those of the records asked
/// for: the facts from the observe tasks' [`FACTS`], the sketches from the sketch tasks'
/// [`SKETCHES`].
struct ShardStore<'a, 'b> {
    files: &'a mut SplitFiles<'b, Dedupe>,
    /// The first shard that can hold a wanted record.
    first_shard: usize,
    shards: usize,
}

impl<'s> RecordStore<'s> for ShardStore<'_, '_> {
    fn load(&mut self, wanted: &[u32], parts: Parts) -> Result<Records<'s>, StageError> {
        let mut found: HashMap<u32, DocRecord> = HashMap::with_capacity(wanted.len());
        let mut rest = wanted;
        for shard in self.first_shard..self.shards {
            if rest.is_empty() {
                break;
            }
            let end = self.files.first_position(shard + 1)? as u32;
            let here = rest.partition_point(|&position| position < end);
            if here == 0 {
                continue;
            }
            let first = self.files.first_position(shard)? as u32;
            let (here, later) = rest.split_at(here);
            match parts {
                Parts::Facts => self.facts(shard, first, end, here, &mut found)?,
                Parts::Sketches => self.sketches(shard, first, here, &mut found)?,
            }
            rest = later;
        }
        if let Some(position) = rest.first() {
            return Err(StageError::new(format!(
                "no shard observed a document at position {position}"
            )));
        }
        Ok(Records::Some(found))
    }
}

impl ShardStore<'_, '_> {
    /// The facts of the documents of shard `shard` (positions `first..end`) at `wanted`.
    fn facts(
        &mut self,
        shard: usize,
        first: u32,
        end: u32,
        wanted: &[u32],
        found: &mut HashMap<u32, DocRecord>,
    ) -> Result<(), StageError> {
        let mut facts: Vec<FactsOf> = self.files.read(MergeSource::Observe, shard, FACTS)?;
        if facts.len() != (end - first) as usize {
            return Err(self.files.corrupt(
                MergeSource::Observe,
                shard,
                FACTS,
                &format!(
                    "it holds {} documents where the shard observed {}",
                    facts.len(),
                    end - first
                ),
            ));
        }
        for &position in wanted {
            let FactsOf { facts, numbers } =
                std::mem::take(&mut facts[(position - first) as usize]);
            found.insert(
                position,
                DocRecord {
                    facts,
                    numbers,
                    ..DocRecord::empty()
                },
            );
        }
        Ok(())
    }

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
