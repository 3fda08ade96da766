//! A cluster run's merge, split so that no task holds every document's claims, and one
//! shard's state, so that no apply task loads every document's keys.
//!
//! Each observe task writes `keys.bin` (its documents' keys with their claims' places but
//! without the entity and word hashes and amounts matching reads) and `claims.bin` (those
//! hashes and amounts, each claim once, in record order: a claim's document, and with it its
//! id, cluster and days, is the `keys.bin` entry it is counted under). Bucket task B reads
//! every shard's two files, one shard at a time, keeps the claims naming an entity whose hash
//! falls in bucket B and matches each against the claims naming the same entity, as the whole
//! corpus's candidate lists would (every claim naming that entity is in the bucket), and
//! writes per shard the candidate witnesses of that shard's claims (`candidates-R.bin`). The
//! merge task builds from the keys what needs the whole corpus (clusters and their weights, id
//! ranks, the name book, the reference date) and then, shard by shard, the union of the
//! buckets' candidates of the shard's claims, their verdicts, and the shard's state.
//!
//! A shard's state holds its own documents' keys first (numbered from 0 in input order), then
//! the other documents its evidence names: the rewrites and translations in their clusters, the
//! documents whose first use of a spelling a name check may point at, and the documents of the
//! claims that support or contradict theirs. Its claims' verdicts are in it, so it needs no
//! candidate lists; every number `apply` reads (id and cluster ranks, cluster weights, the
//! reference date) keeps its value in the whole corpus, so a document scores exactly as with
//! the whole state.

use std::ops::Range;

use newspipe_core::{
    encode_stage_data, MergeLayout, MergeSource, MergeStep, SplitFiles, StageError,
};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::config::ReliabilityConfig;
use crate::corpus::{postings, Candidates, ClaimVerdict, Corpus};
use crate::facts::Observed;
use crate::index::{ClaimRecord, DocKey, Index};
use crate::stage::ScoreReliability;

/// The keys of an observe task's documents, without what only matching reads.
pub(crate) const KEYS: &str = "keys.bin";

/// What only matching reads of an observe task's claims, each claim once, in record order.
pub(crate) const CLAIMS: &str = "claims.bin";

/// The file of a bucket task's candidates for the claims of shard `shard`.
fn candidates_file(shard: usize) -> String {
    format!("candidates-{shard}.bin")
}

/// The bucket task an entity hash goes to (the hashes are uniform).
fn bucket_of(entity: u32, buckets: usize) -> usize {
    entity as usize % buckets
}

/// The one step of the split merge: matching, by entity hash.
pub(crate) fn merge_steps(layout: &MergeLayout) -> Vec<MergeStep> {
    vec![MergeStep {
        name: "bucket",
        ranks: layout.buckets.max(1),
    }]
}

/// What matching reads of a claim besides its place (which [`KEYS`] holds): its entity and
/// word hashes and its amounts. A claim's document, id, cluster and days are those of the
/// [`KEYS`] entry whose claims it is among, so none of them is written again.
#[derive(Debug, Serialize, Deserialize)]
struct MatchKeys {
    #[serde(with = "crate::compact::hashes")]
    entities: Vec<u32>,
    #[serde(with = "crate::compact::hashes")]
    words: Vec<u32>,
    amounts: Vec<crate::claims::Amount>,
}

/// The files an observe task writes: [`KEYS`] (every document's keys, the claims' places
/// without their hashes) and [`CLAIMS`] (the claims' hashes and amounts, each claim once).
/// Every bucket task reads both and keeps the claims naming an entity of its bucket.
pub(crate) fn shard_files(records: &[&Observed]) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let mut keys = Vec::with_capacity(records.len());
    let mut claims = Vec::new();
    for observed in records {
        let mut stripped = (*observed).clone();
        for key in &mut stripped.claims {
            claims.push(MatchKeys {
                entities: std::mem::take(&mut key.entities),
                words: std::mem::take(&mut key.words),
                amounts: std::mem::take(&mut key.amounts),
            });
        }
        keys.push(stripped);
    }
    Ok(vec![
        (
            KEYS.to_owned(),
            encode_stage_data::<ScoreReliability, _>(&keys)?,
        ),
        (
            CLAIMS.to_owned(),
            encode_stage_data::<ScoreReliability, _>(&claims)?,
        ),
    ])
}

/// A document with only its claims of one bucket, and their record numbers in its shard.
type BucketDoc = (Observed, Vec<u32>);

/// The documents of shard `shard` with their claims naming an entity of bucket `bucket`
/// (of `buckets`), their keys whole, each with its record number in the shard; documents
/// without such a claim are left out. Returns them and the shard's claim count.
fn bucket_claims(
    files: &mut SplitFiles<'_, ScoreReliability>,
    shard: usize,
    bucket: usize,
    buckets: usize,
) -> Result<(Vec<BucketDoc>, u32), StageError> {
    let keys: Vec<Observed> = files.read(MergeSource::Observe, shard, KEYS)?;
    let matching: Vec<MatchKeys> = files.read(MergeSource::Observe, shard, CLAIMS)?;
    let named: usize = keys.iter().map(|k| k.claims.len()).sum();
    if named != matching.len() {
        let why = format!("{} claims, where {KEYS} has {named}", matching.len());
        return Err(files.corrupt(MergeSource::Observe, shard, CLAIMS, &why));
    }
    let mut matching = matching.into_iter();
    let mut record = 0u32;
    let mut docs = Vec::new();
    for observed in keys {
        let mut claims = Vec::new();
        let mut records = Vec::new();
        for mut key in observed.claims {
            let found = matching.next().expect("one entry per claim, counted above");
            if found
                .entities
                .iter()
                .any(|&e| bucket_of(e, buckets) == bucket)
            {
                key.entities = found.entities;
                key.words = found.words;
                key.amounts = found.amounts;
                claims.push(key);
                records.push(record);
            }
            record += 1;
        }
        if claims.is_empty() {
            continue;
        }
        let doc = Observed {
            id: observed.id,
            cluster: observed.cluster,
            relation: newspipe_core::Relation::None,
            representative: false,
            markers: Default::default(),
            dates_consistent: false,
            own: Default::default(),
            days: observed.days,
            names: Vec::new(),
            claims,
            traits: Vec::new(),
        };
        docs.push((doc, records));
    }
    Ok((docs, record))
}

/// Bucket task `bucket`: every shard's claims naming an entity of the bucket, matched
/// through the candidate lists of the bucket's entities; writes each shard's claims'
/// candidates (claim records numbered across shards, as the whole corpus numbers them).
pub(crate) fn bucket(
    bucket: usize,
    files: &mut SplitFiles<'_, ScoreReliability>,
    config: &ReliabilityConfig,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let shards = files.ranks(MergeSource::Observe);
    let buckets = files.ranks(MergeSource::Step(0));
    let mut index = Index::default();
    // The whole corpus's record number of each claim of `index`, and each shard's first.
    let mut global: Vec<u32> = Vec::new();
    let mut shard_first: Vec<u32> = vec![0];
    for shard in 0..shards {
        let (docs, claims) = bucket_claims(files, shard, bucket, buckets)?;
        let first = shard_first[shard];
        for (doc, records) in docs {
            global.extend(records.into_iter().map(|r| first + r));
            index.push(doc);
        }
        shard_first.push(first + claims);
    }
    let id_rank = index.ids.ranks();
    let corpus = Corpus {
        postings: postings(&index, &id_rank, |e| bucket_of(e, buckets) == bucket),
        id_rank,
        ..Corpus::default()
    };
    let found: Vec<(u32, Candidates)> = (0..index.claims.len() as u32)
        .into_par_iter()
        .map(|c| {
            let mut found = corpus.candidates(&index, c, config);
            for n in found.support.iter_mut().chain(&mut found.against) {
                *n = global[*n as usize];
            }
            (global[c as usize], found)
        })
        .filter(|(_, found)| *found != Candidates::default())
        .collect();
    let mut out = Vec::with_capacity(shards);
    let mut rest = &found[..];
    for shard in 0..shards {
        let end = rest.partition_point(|(c, _)| *c < shard_first[shard + 1]);
        let (mine, later) = rest.split_at(end);
        out.push((
            candidates_file(shard),
            encode_stage_data::<ScoreReliability, _>(&mine)?,
        ));
        rest = later;
    }
    Ok(out)
}

/// The whole corpus's keys, shard after shard, without the claims' matching keys.
pub(crate) fn read_keys(files: &mut SplitFiles<'_, ScoreReliability>) -> Result<Index, StageError> {
    let mut index = Index::default();
    for shard in 0..files.ranks(MergeSource::Observe) {
        let keys: Vec<Observed> = files.read(MergeSource::Observe, shard, KEYS)?;
        for observed in keys {
            index.push(observed);
        }
    }
    Ok(index)
}

/// The candidates of the claims of the documents at `positions`, one per claim record in
/// order, from every bucket task's file for shard `shard`.
pub(crate) fn shard_candidates(
    index: &Index,
    positions: &Range<usize>,
    shard: usize,
    files: &mut SplitFiles<'_, ScoreReliability>,
) -> Result<Vec<Candidates>, StageError> {
    let claims = own_claims(index, positions);
    let mut merged = vec![Candidates::default(); claims.len()];
    for b in 0..files.ranks(MergeSource::Step(0)) {
        let name = candidates_file(shard);
        let found: Vec<(u32, Candidates)> = files.read(MergeSource::Step(0), b, &name)?;
        for (c, candidates) in found {
            let slot = c
                .checked_sub(claims.start)
                .and_then(|k| merged.get_mut(k as usize))
                .ok_or_else(|| {
                    let why = format!("claim {c} is not one of shard {shard}'s");
                    files.corrupt(MergeSource::Step(0), b, &name, &why)
                })?;
            slot.merge(candidates);
        }
    }
    Ok(merged)
}

/// The claim records of the documents at `positions`.
fn own_claims(index: &Index, positions: &Range<usize>) -> Range<u32> {
    let start = index
        .docs
        .get(positions.start)
        .map_or(index.claims.len() as u32, |k| k.claims.0);
    let end = positions
        .end
        .checked_sub(1)
        .and_then(|last| index.docs.get(last))
        .filter(|_| !positions.is_empty())
        .map_or(start, |k| k.claims.1);
    start..end
}

/// The candidates of the claims of the documents at `positions`, found in the whole corpus's
/// candidate lists (a state `prepare` built): what the bucket tasks find, for tests.
#[cfg(test)]
pub(crate) fn whole_candidates(
    index: &Index,
    corpus: &Corpus,
    positions: &Range<usize>,
    config: &ReliabilityConfig,
) -> Vec<Candidates> {
    own_claims(index, positions)
        .into_par_iter()
        .map(|c| corpus.candidates(index, c, config))
        .collect()
}

/// The state of the documents at `positions` of `index`, cut from the whole `corpus`, with
/// the candidates of their claims (one per claim record, in order).
pub(crate) fn cut(
    index: &Index,
    corpus: &Corpus,
    positions: Range<usize>,
    candidates: &[Candidates],
) -> (Index, Corpus) {
    let own: Vec<u32> = (positions.start as u32..positions.end as u32).collect();
    let mut part = Part::new(index, corpus);
    for &d in &own {
        part.doc(d);
    }
    // Their claims (without the hashes only matching reads) and claim traits, document by
    // document.
    let mut claims = Vec::new();
    for (local, &d) in own.iter().enumerate() {
        let key = &index.docs[d as usize];
        let start = part.sub.claims.len() as u32;
        for c in key.claims.0..key.claims.1 {
            part.sub
                .claims
                .push(without_keys(&index.claims[c as usize], local as u32));
            claims.push(c);
        }
        let traits = part.sub.traits.len() as u32;
        part.sub.traits.extend_from_slice(index.traits_of(d));
        let sub = &mut part.sub.docs[local];
        sub.claims = (start, part.sub.claims.len() as u32);
        sub.traits = (traits, part.sub.traits.len() as u32);
    }
    let verdicts: Vec<ClaimVerdict> = candidates
        .par_iter()
        .map(|found| corpus.verdict(index, found))
        .collect();
    debug_assert_eq!(verdicts.len(), claims.len());
    let matched = verdicts
        .into_iter()
        .map(|mut verdict| {
            for witness in verdict.support.iter_mut().chain(&mut verdict.contradiction) {
                witness.claim = part.witness_claim(witness.claim);
                witness.cluster = part.cluster(witness.cluster);
            }
            verdict
        })
        .collect();
    // The rewrites and translations each document's originality names.
    let mut family: Vec<(u32, u32)> = Vec::new();
    for &d in &own {
        let cluster = part.cluster(index.docs[d as usize].cluster);
        for member in corpus.family(index, d) {
            family.push((cluster, member));
        }
    }
    // The people its documents name, with every spelling, and the first uses pointed at.
    let mut people: Vec<(u32, u32)> = Vec::new();
    let mut seen: FxHashSet<u32> = FxHashSet::default();
    let mut spellings: FxHashMap<u32, u32> = FxHashMap::default();
    for &d in &own {
        for name in index.names_of(d) {
            if seen.insert(name.canonical) {
                let local = part.sub.people.intern(index.people.text(name.canonical));
                people.push((name.canonical, local));
                for s in corpus.names.spellings_of(name.canonical) {
                    let local = part.sub.spellings.intern(index.spellings.text(s));
                    spellings.insert(s, local);
                }
            }
        }
    }
    let names = corpus.names.restrict(&people, &spellings, |d| part.doc(d));
    // Members of the own documents' clusters: the family members, in input order (`family`
    // reads no other member), as local numbers.
    let mut by_cluster: Vec<Vec<u32>> = Vec::new();
    family.sort_unstable_by_key(|&(cluster, member)| (cluster, member));
    family.dedup();
    let family: Vec<(u32, u32)> = family
        .into_iter()
        .map(|(cluster, member)| (cluster, part.doc(member)))
        .collect();
    by_cluster.resize(part.cluster_rank.len(), Vec::new());
    for (cluster, member) in family {
        by_cluster[cluster as usize].push(member);
    }
    let mut member_start = vec![0u32];
    let mut members = Vec::new();
    for list in by_cluster {
        members.extend(list);
        member_start.push(members.len() as u32);
    }
    let by_id = corpus
        .by_id
        .iter()
        .filter(|&&d| positions.contains(&(d as usize)))
        .map(|&d| d - positions.start as u32)
        .collect();
    let sub = Corpus {
        id_rank: part.id_rank,
        by_id,
        cluster_rank: part.cluster_rank,
        members,
        member_start,
        representative: Vec::new(),
        cluster_weight: part.cluster_weight,
        names,
        postings: FxHashMap::default(),
        reference: corpus.reference,
        spread: corpus.spread,
        matched: Some(matched),
    };
    (part.sub, sub)
}

/// A claim record without its entity and word hashes and amounts, in document `doc`.
fn without_keys(record: &ClaimRecord, doc: u32) -> ClaimRecord {
    ClaimRecord {
        doc,
        hashes: 0,
        entities: 0,
        words: 0,
        amounts: 0,
        amount_count: 0,
        ..record.clone()
    }
}

/// A shard's state being cut: the documents, clusters and claims taken so far, each numbered
/// in the order it was taken.
struct Part<'a> {
    index: &'a Index,
    corpus: &'a Corpus,
    sub: Index,
    docs: FxHashMap<u32, u32>,
    clusters: FxHashMap<u32, u32>,
    claims: FxHashMap<u32, u32>,
    id_rank: Vec<u32>,
    cluster_rank: Vec<u32>,
    cluster_weight: Vec<f64>,
}

impl<'a> Part<'a> {
    fn new(index: &'a Index, corpus: &'a Corpus) -> Self {
        Self {
            index,
            corpus,
            sub: Index::default(),
            docs: FxHashMap::default(),
            clusters: FxHashMap::default(),
            claims: FxHashMap::default(),
            id_rank: Vec::new(),
            cluster_rank: Vec::new(),
            cluster_weight: Vec::new(),
        }
    }

    /// The local number of document `d`, taking its key (without claims, names or traits).
    fn doc(&mut self, d: u32) -> u32 {
        if let Some(&local) = self.docs.get(&d) {
            return local;
        }
        let key = &self.index.docs[d as usize];
        let cluster = self.cluster(key.cluster);
        let local = self.sub.ids.push(self.index.id(d));
        let claims = self.sub.claims.len() as u32;
        let traits = self.sub.traits.len() as u32;
        self.sub.docs.push(DocKey {
            cluster,
            claims: (claims, claims),
            names: (0, 0),
            traits: (traits, traits),
            ..key.clone()
        });
        self.id_rank.push(self.corpus.id_rank[d as usize]);
        self.docs.insert(d, local);
        local
    }

    /// The local number of cluster `c`, with its rank and weight in the whole corpus.
    fn cluster(&mut self, c: u32) -> u32 {
        if let Some(&local) = self.clusters.get(&c) {
            return local;
        }
        let local = self.sub.clusters.intern(self.index.clusters.text(c));
        self.cluster_rank.push(self.corpus.cluster_rank[c as usize]);
        self.cluster_weight
            .push(self.corpus.cluster_weight[c as usize]);
        self.clusters.insert(c, local);
        local
    }

    /// The local number of claim record `c` of another document, a witness: only where it is
    /// (its document, start and end) is read.
    fn witness_claim(&mut self, c: u32) -> u32 {
        if let Some(&local) = self.claims.get(&c) {
            return local;
        }
        let record = &self.index.claims[c as usize];
        let doc = self.doc(record.doc);
        let local = self.sub.claims.len() as u32;
        self.sub.claims.push(without_keys(record, doc));
        self.claims.insert(c, local);
        local
    }
}
