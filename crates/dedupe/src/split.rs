//! Dedupe's merge split over the tasks of a cluster run, as datatrove splits its MinHash
//! dedupe, so that no task holds every document's record:
//!
//! | task | ranks | reads | writes |
//! | --- | --- | --- | --- |
//! | `observe-dedupe` | shards | its shard | `records.bin`, [`SUMMARY`] (a [`Summary`] per document), one [`band_file`] per bucket task (the band keys of its bands) |
//! | `dedupe-heads` | 1 | every [`SUMMARY`] | [`HEADS`]: the exact-group heads with a signature |
//! | `dedupe-bucket` | `bucket_tasks` | [`HEADS`], its band file of every shard | [`PAIRS`]: the candidate pairs of its bands |
//! | `dedupe-verify` | shards | every [`PAIRS`]; its shard's records and those of the later shards' partners | [`VERIFIED`]: the pairs whose first document is in its shard that pass the verification |
//! | `merge-dedupe` | 1 | every [`SUMMARY`] and [`VERIFIED`]; the records the clustering asks for, one shard at a time | the state |
//!
//! Each task calls the part of `cluster` that `prepare` calls in one process, on the same
//! values in the same order, so the verdicts are the same as a one-machine run's.

use std::collections::HashMap;

use newspipe_core::{
    encode_stage_data, MergeLayout, MergeSource, MergeStep, SplitFiles, StageError,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cluster::{
    band_candidates, eligible_heads, finish, verified, DocFacts, Parts, RecordStore, Records,
    Verdict,
};
use crate::config::Params;
use crate::record::DocRecord;
use crate::sketch::GramSketch;
use crate::stage::Dedupe;
use crate::syndication::Syndication;

/// An observe task's [`Summary`] of each of its documents.
pub const SUMMARY: &str = "summary.bin";
/// The `dedupe-heads` task's eligible heads.
pub const HEADS: &str = "heads.bin";
/// A `dedupe-bucket` task's candidate pairs.
pub const PAIRS: &str = "pairs.bin";
/// A `dedupe-verify` task's verified pairs.
pub const VERIFIED: &str = "verified.bin";

/// The merge steps' indexes.
const HEADS_STEP: usize = 0;
const BUCKET_STEP: usize = 1;
const VERIFY_STEP: usize = 2;

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

/// The band keys of one shard's documents with a signature, for the bands of one bucket task.
#[derive(Debug, Default, Serialize, Deserialize)]
struct BandKeys {
    /// The documents' indexes in the shard, ascending, as [`gaps`].
    documents: Vec<u32>,
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
            name: "verify",
            ranks: layout.shards.max(1),
        },
    ]
}

/// The files an observe task writes beside its records: the summaries and the band files.
pub fn shard_files(
    records: &[&DocRecord],
    params: &Params,
    ranks: &[usize],
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let summaries: Vec<Summary> = records.iter().map(|record| Summary::of(record)).collect();
    let mut files = vec![(
        SUMMARY.to_string(),
        encode_stage_data::<Dedupe, _>(&summaries)?,
    )];
    let buckets = ranks.get(BUCKET_STEP).copied().unwrap_or(1);
    let documents: Vec<u32> = (0..records.len() as u32)
        .filter(|&i| !records[i as usize].band_keys.is_empty())
        .collect();
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
            documents: gaps(&documents),
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
        let file: BandKeys = files.read(MergeSource::Observe, shard, &name)?;
        let documents = ungaps(&file.documents);
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
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for bucket in 0..files.ranks(MergeSource::Step(BUCKET_STEP)) {
        let all =
            un_pair_gaps(&files.read::<Vec<u32>>(MergeSource::Step(BUCKET_STEP), bucket, PAIRS)?);
        pairs.extend(all.into_iter().filter(|&(a, _)| (start..end).contains(&a)));
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    let own = files.records(rank)?;
    let mut partners: Vec<u32> = pairs
        .iter()
        .map(|&(_, b)| b)
        .filter(|&b| b >= end)
        .collect();
    partners.sort_unstable();
    partners.dedup();
    let mut store = ShardStore {
        files,
        first_shard: rank + 1,
        shards,
    };
    let partners = store.load(&partners, Parts::Verification)?;
    let record = |position: u32| {
        if position < end {
            &own[(position - start) as usize]
        } else {
            partners.get(position)
        }
    };
    let verified: Vec<(u32, u32)> = pairs
        .into_par_iter()
        .filter(|&(a, b)| verified(record(a), record(b), params))
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

/// Records read back from the observe tasks' files one shard at a time, keeping only the
/// parts asked for of the records asked for.
struct ShardStore<'a, 'b> {
    files: &'a mut SplitFiles<'b, Dedupe>,
    /// The first shard that can hold a wanted record.
    first_shard: usize,
    shards: usize,
}

impl RecordStore for ShardStore<'_, '_> {
    fn load(&mut self, wanted: &[u32], parts: Parts) -> Result<Records<'_>, StageError> {
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
            let mut records = self.files.records(shard)?;
            for &position in &rest[..here] {
                let record =
                    std::mem::replace(&mut records[(position - first) as usize], empty_record());
                found.insert(position, only(record, parts));
            }
            rest = &rest[here..];
        }
        if let Some(position) = rest.first() {
            return Err(StageError::new(format!(
                "no shard observed a document at position {position}"
            )));
        }
        Ok(Records::Some(found))
    }
}

fn empty_record() -> DocRecord {
    DocRecord {
        id: String::new(),
        words: 0,
        published: None,
        exact_key: 0,
        band_keys: Vec::new(),
        grams: GramSketch::default(),
        numbers: Vec::new(),
        facts: Vec::new(),
        syndication: None,
    }
}

/// `record` with only the parts of `parts` (and its date) kept.
fn only(record: DocRecord, parts: Parts) -> DocRecord {
    let (grams, numbers, facts) = match parts {
        Parts::Facts => (false, true, true),
        Parts::Similarity => (true, false, true),
        Parts::Verification => (true, true, false),
    };
    DocRecord {
        published: record.published,
        grams: if grams {
            record.grams
        } else {
            GramSketch::default()
        },
        numbers: if numbers { record.numbers } else { Vec::new() },
        facts: if facts { record.facts } else { Vec::new() },
        ..empty_record()
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
