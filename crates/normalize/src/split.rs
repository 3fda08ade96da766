//! Normalize's merge split over the tasks of a cluster run, so that no task holds every page's
//! lines and no apply task reads every site's repeats.
//!
//! A line is one of a site's repeats when it is on `min_pages` of that site's text pages, and
//! a page's lines are cut with its own site's repeats only: the site hash is a blocking key. A
//! bucket task that gets every page of the sites of its bucket (the site hash modulo the
//! bucket count), shard by shard in input order, counts their lines exactly as `prepare`
//! counts the whole corpus (`SiteLineCounts`, whose forgetting of a site's rarest lines depends
//! only on the order of that site's pages).
//!
//! | task | ranks | reads | writes |
//! | --- | --- | --- | --- |
//! | `observe-normalize` | shards | its shard | one [`pages_file`] per bucket task: each site of that bucket its documents are on, once, with the line hashes of its text pages in input order; no `records.bin` |
//! | `normalize-bucket` | `bucket_tasks` | its pages file of every shard, one shard at a time | one [`repeats_file`] per shard: the repeats of the bucket's sites that shard's documents are on, as a [`RepeatedLines`] |
//! | `merge-normalize` | 1 | per shard, every bucket's repeats file for it | one state per shard (`state_per_shard`) |

use std::collections::HashMap;

use newspipe_core::{
    encode_stage_data, MergeLayout, MergeSource, MergeStep, SplitFiles, StageError,
};
use serde::{Deserialize, Serialize};

use crate::site_repeats::{keys_from_gaps, LineKey, SiteKey, SiteLineCounts};
use crate::stage::{NormalizeStage, PageLines, RepeatedLines};

/// The file of an observe task with the pages bucket task `bucket` reads.
pub(crate) fn pages_file(bucket: usize) -> String {
    format!("pages-{bucket}.bin")
}

/// The file of a bucket task with the repeats the documents of shard `shard` read.
pub(crate) fn repeats_file(shard: usize) -> String {
    format!("repeats-{shard}.bin")
}

/// The bucket task of a site: its hash (already well spread) modulo the bucket count.
pub(crate) fn bucket_of(site: SiteKey, buckets: usize) -> usize {
    (site % buckets.max(1) as u64) as usize
}

/// The one step of the split merge: the repeats, by site hash.
pub(crate) fn merge_steps(layout: &MergeLayout) -> Vec<MergeStep> {
    vec![MergeStep {
        name: "bucket",
        ranks: layout.buckets.max(1),
    }]
}

/// One site's pages in one shard: the line hash gaps ([`key_gaps`]) of each of its text pages,
/// in input order (none when the shard has only HTML pages of the site).
#[derive(Debug, Serialize, Deserialize)]
struct SitePages {
    site: SiteKey,
    pages: Vec<Vec<LineKey>>,
}

/// The files an observe task writes: one [`pages_file`] per bucket task, each site listed once,
/// in the order of its first page.
pub(crate) fn shard_files(
    records: &[&PageLines],
    buckets: usize,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let buckets = buckets.max(1);
    let mut files: Vec<Vec<SitePages>> = (0..buckets).map(|_| Vec::new()).collect();
    // Where each site sits in its bucket's file.
    let mut places: HashMap<SiteKey, usize> = HashMap::new();
    for record in records {
        let file = &mut files[bucket_of(record.site, buckets)];
        let place = *places.entry(record.site).or_insert_with(|| {
            file.push(SitePages {
                site: record.site,
                pages: Vec::new(),
            });
            file.len() - 1
        });
        if let Some(gaps) = &record.key_gaps {
            file[place].pages.push(gaps.clone());
        }
    }
    files
        .iter()
        .enumerate()
        .map(|(bucket, file)| {
            Ok((
                pages_file(bucket),
                encode_stage_data::<NormalizeStage, _>(file)?,
            ))
        })
        .collect()
}

/// Bucket task `bucket`: the repeats of the sites of its bucket from every shard's pages of
/// them, in input order; writes per shard the repeats of the sites its documents are on.
pub(crate) fn bucket(
    bucket: usize,
    files: &mut SplitFiles<'_, NormalizeStage>,
    min_pages: u32,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let shards = files.ranks(MergeSource::Observe);
    let buckets = files.ranks(MergeSource::Step(0));
    let name = pages_file(bucket);
    let mut counts = SiteLineCounts::default();
    // The sites each shard's documents are on.
    let mut shard_sites: Vec<Vec<SiteKey>> = Vec::with_capacity(shards);
    for shard in 0..shards {
        let file: Vec<SitePages> = files.read(MergeSource::Observe, shard, &name)?;
        let corrupt = |why: &str| files.corrupt(MergeSource::Observe, shard, &name, why);
        let mut sites = Vec::with_capacity(file.len());
        for SitePages { site, pages } in file {
            if bucket_of(site, buckets) != bucket {
                return Err(corrupt("it lists a site of another bucket"));
            }
            for gaps in pages {
                let keys = keys_from_gaps(&gaps).ok_or_else(|| corrupt("line keys overflow"))?;
                counts.add_page(site, keys);
            }
            sites.push(site);
        }
        shard_sites.push(sites);
    }
    let repeated = RepeatedLines::new(counts.repeated(min_pages));
    drop(counts);
    shard_sites
        .iter()
        .enumerate()
        .map(|(shard, sites)| {
            let part = repeated.restricted(sites);
            Ok((
                repeats_file(shard),
                encode_stage_data::<NormalizeStage, _>(&part)?,
            ))
        })
        .collect()
}

/// The state of shard `shard`: every bucket's repeats of the sites its documents are on.
pub(crate) fn shard_state(
    shard: usize,
    files: &mut SplitFiles<'_, NormalizeStage>,
) -> Result<RepeatedLines, StageError> {
    let buckets = files.ranks(MergeSource::Step(0));
    let name = repeats_file(shard);
    let mut state = RepeatedLines::default();
    for bucket in 0..buckets {
        let part: RepeatedLines = files.read(MergeSource::Step(0), bucket, &name)?;
        if part.sites().any(|site| bucket_of(site, buckets) != bucket) {
            let why = "it lists a site of another bucket";
            return Err(files.corrupt(MergeSource::Step(0), bucket, &name, why));
        }
        state.absorb(part);
    }
    Ok(state)
}
