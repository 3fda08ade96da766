//! A cluster run's merge, split so that no task holds what grows with the whole corpus: every
//! corpus-wide value is worked out by key in bucket tasks, each over its keys' share, and each
//! shard's state is cut by the apply task of that shard from what the bucket tasks wrote for it.
//!
//! | task | ranks | reads | writes |
//! |---|---|---|---|
//! | `observe-score-reliability` | shards | | [`KEYS`] (its documents' keys, its claims' places), [`CLAIMS`] (each claim's entity and word hashes and amounts), `keyed-B.bin` per tables bucket B (each of its documents naming a person of B: its id, its cluster when not its id, and its first uses of the people of B, their canonical names written once a file), [`DATES`] (its newest consistent date and how many documents have each latest day) |
//! | `score-reliability-bucket` | `bucket_tasks` | every shard's [`KEYS`] and [`CLAIMS`], one shard at a time, keeping the claims naming an entity of its bucket | `candidates-S.bin` per shard S (the witnesses its claims may have, each witness once with its id, cluster and place), `wanted-B.bin` per tables bucket B (the witnesses' clusters of B, by shard) |
//! | `score-reliability-tables` | `bucket_tasks` | every shard's [`KEYS`] (one shard at a time, keeping the documents of the clusters of its bucket) and `keyed-B.bin`, and every bucket task's `wanted-B.bin` | `tables-S.bin` per shard S: the weights of the clusters its witnesses are in, the rewrites and translations of its clusters, the name book's entries of the people it names |
//! | `merge-score-reliability` | 1 | every shard's [`DATES`] | the reference date and the archive spread (a few bytes) |
//! | the next task, per shard S | shards | the merged values, its [`KEYS`], every bucket task's `candidates-S.bin`, every tables task's `tables-S.bin` | (in memory) shard S's state |
//!
//! What needs the whole corpus, and where it is found:
//! - **claim matching** by entity hash: every claim naming an entity is in the entity's
//!   bucket, so a bucket task finds what the whole corpus's candidate lists would (as before);
//! - **cluster weights** (a cluster's representative's intrinsic score) and **families**
//!   (rewrites and translations) by cluster-id hash: every member of a cluster is in its
//!   bucket; only the clusters a shard's witnesses are in (asked for by the bucket tasks in
//!   `wanted-B.bin`) and the shard's own clusters go to a shard;
//! - **the name book** by canonical-name hash: every first use of a person is in its bucket;
//! - **the reference date and the archive spread**: a maximum, and a median found from how
//!   many documents have each day (one count per distinct day);
//! - **id and cluster ranks** only order and compare ids and clusters: every task ranks the
//!   ids and clusters it holds, which orders them as the whole corpus's ranks do. Where a
//!   place in the input breaks a tie, a document is numbered by its shard and its number in
//!   the shard, which orders as the input does.
//!
//! A shard's state holds its own documents' keys first (numbered from 0 in input order), then
//! the other documents its evidence names: the rewrites and translations in their clusters,
//! the documents whose first use of a spelling a name check may point at, and the documents
//! of the claims that support or contradict theirs (only their ids, clusters and, for claims,
//! places). Its claims' verdicts are in it, so it needs no candidate lists; every comparison
//! `apply` makes of ids and clusters comes out as in the whole corpus, so a document scores
//! exactly as with the whole state.

use std::collections::{BTreeMap, BTreeSet};

use newspipe_core::{
    encode_stage_data, MergeLayout, MergeSource, MergeStep, Relation, SplitFiles, StageError,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::config::ReliabilityConfig;
use crate::corpus::{
    postings, reference_of, spread_of, Candidates, ClaimVerdict, Corpus, LatestDays, Witness,
};
use crate::facts::{FirstUse, Observed};
use crate::index::{hash64, ClaimRecord, Index};
use crate::names::{NameBook, PersonEntry};
use crate::stage::ScoreReliability;

/// The keys of an observe task's documents, without what only matching reads.
pub(crate) const KEYS: &str = "keys.bin";

/// What only matching reads of an observe task's claims, each claim once, in record order.
pub(crate) const CLAIMS: &str = "claims.bin";

/// An observe task's dates: what the reference date and the archive spread need ([`Dates`]).
const DATES: &str = "dates.bin";

/// The file of an observe task's documents and first uses for tables task `bucket`.
fn keyed_file(bucket: usize) -> String {
    format!("keyed-{bucket}.bin")
}

/// The file of a bucket task's candidates for the claims of shard `shard`.
fn candidates_file(shard: usize) -> String {
    format!("candidates-{shard}.bin")
}

/// The file of a bucket task's witness clusters for tables task `bucket`.
fn wanted_file(bucket: usize) -> String {
    format!("wanted-{bucket}.bin")
}

/// The file of a tables task's values for shard `shard`.
fn tables_file(shard: usize) -> String {
    format!("tables-{shard}.bin")
}

/// The bucket task an entity hash goes to (the hashes are uniform).
fn bucket_of(entity: u32, buckets: usize) -> usize {
    entity as usize % buckets
}

/// The tables task a cluster id or a canonical name goes to.
fn text_bucket(text: &str, buckets: usize) -> usize {
    (hash64(text) % buckets as u64) as usize
}

/// A document's (or a claim's) place in the corpus: its shard, then its number in the shard,
/// which orders places as the input does.
fn place(shard: usize, number: u32) -> u64 {
    (shard as u64) << 32 | u64::from(number)
}

/// The shard and the number in the shard of a [`place`].
fn unplace(place: u64) -> (usize, u32) {
    ((place >> 32) as usize, place as u32)
}

/// The steps of the split merge: matching by entity hash, then the tables by cluster id and
/// canonical name.
pub(crate) fn merge_steps(layout: &MergeLayout) -> Vec<MergeStep> {
    let buckets = layout.buckets.max(1);
    vec![
        MergeStep {
            name: "bucket",
            ranks: buckets,
        },
        MergeStep {
            name: "tables",
            ranks: buckets,
        },
    ]
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

/// What an observe task ships to one tables task: each of its documents that names a person
/// whose canonical name falls in the bucket, with those first uses only, in shard order (what
/// a cluster's weight and family need the tables task reads from [`KEYS`]). A cluster is
/// written only when it is not the document's id, and each canonical name once a file, its
/// first uses pointing at it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Keyed {
    /// The canonical names the first uses of `docs` point at, each once.
    canonicals: Vec<String>,
    docs: Vec<KeyedDoc>,
}

/// A document of a [`Keyed`] file.
#[derive(Debug, Serialize, Deserialize)]
struct KeyedDoc {
    /// Its number in the shard less the number of the file's document before it (0 for the
    /// first), a small number to write.
    step: u32,
    id: String,
    /// Its cluster, when not its own id.
    cluster: Option<String>,
    /// Its first uses of the bucket's people.
    names: Vec<KeyedUse>,
}

/// A [`FirstUse`] whose canonical name is a number of its file's [`Keyed::canonicals`].
#[derive(Debug, Serialize, Deserialize)]
struct KeyedUse {
    canonical: u32,
    spelling: Option<String>,
    start: u32,
    len: u32,
}

/// A [`Keyed`] file being written: the number of each canonical name already listed.
#[derive(Default)]
struct KeyedWriter {
    keyed: Keyed,
    canonicals: FxHashMap<String, u32>,
    last: Option<u32>,
}

impl KeyedWriter {
    /// Adds document `number` (numbers come in increasing order) with its first uses of the
    /// bucket's people.
    fn push(&mut self, number: u32, observed: &Observed, names: &[&FirstUse]) {
        let step = number - self.last.unwrap_or(0);
        self.last = Some(number);
        let names = names
            .iter()
            .map(|first| {
                let next = crate::claims::offset(self.canonicals.len());
                let canonical = *self
                    .canonicals
                    .entry(first.canonical.clone())
                    .or_insert_with(|| {
                        self.keyed.canonicals.push(first.canonical.clone());
                        next
                    });
                KeyedUse {
                    canonical,
                    spelling: first.spelling.clone(),
                    start: first.start,
                    len: first.len,
                }
            })
            .collect();
        self.keyed.docs.push(KeyedDoc {
            step,
            id: observed.id.clone(),
            cluster: (observed.cluster != observed.id).then(|| observed.cluster.clone()),
            names,
        });
    }
}

/// An observe task's dates.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Dates {
    /// The newest date of a document whose dates are consistent.
    newest_consistent: Option<i64>,
    /// How many documents have each latest day.
    latest: LatestDays,
}

/// A document with only its id and cluster.
fn bare(id: &str, cluster: &str) -> Observed {
    Observed {
        id: id.to_owned(),
        cluster: cluster.to_owned(),
        relation: Relation::None,
        representative: false,
        markers: Default::default(),
        dates_consistent: false,
        own: Default::default(),
        days: Default::default(),
        names: Vec::new(),
        claims: Vec::new(),
        traits: Vec::new(),
    }
}

/// The files an observe task writes (see the module's table); `ranks` are the merge steps'.
pub(crate) fn shard_files(
    records: &[&Observed],
    ranks: &[usize],
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let tables = ranks.get(1).copied().unwrap_or(1).max(1);
    let mut keys = Vec::with_capacity(records.len());
    let mut claims = Vec::new();
    let mut keyed: Vec<KeyedWriter> = (0..tables).map(|_| KeyedWriter::default()).collect();
    let mut dates = Dates::default();
    for (number, observed) in records.iter().enumerate() {
        let number = crate::claims::offset(number);
        let mut names: BTreeMap<usize, Vec<&FirstUse>> = BTreeMap::new();
        for first in &observed.names {
            names
                .entry(text_bucket(&first.canonical, tables))
                .or_default()
                .push(first);
        }
        for (bucket, names) in names {
            keyed[bucket].push(number, observed, &names);
        }
        if observed.dates_consistent {
            dates.newest_consistent = dates.newest_consistent.max(observed.days.date);
        }
        if let Some(day) = observed.days.latest() {
            *dates.latest.entry(day).or_default() += 1;
        }
        let mut stripped = (*observed).clone();
        stripped.names.clear();
        for key in &mut stripped.claims {
            claims.push(MatchKeys {
                entities: std::mem::take(&mut key.entities),
                words: std::mem::take(&mut key.words),
                amounts: std::mem::take(&mut key.amounts),
            });
        }
        keys.push(stripped);
    }
    let mut files = vec![
        (
            KEYS.to_owned(),
            encode_stage_data::<ScoreReliability, _>(&keys)?,
        ),
        (
            CLAIMS.to_owned(),
            encode_stage_data::<ScoreReliability, _>(&claims)?,
        ),
        (
            DATES.to_owned(),
            encode_stage_data::<ScoreReliability, _>(&dates)?,
        ),
    ];
    for (bucket, keyed) in keyed.iter().enumerate() {
        files.push((
            keyed_file(bucket),
            encode_stage_data::<ScoreReliability, _>(&keyed.keyed)?,
        ));
    }
    Ok(files)
}

/// A document with only its claims of one bucket: its number in its shard, and its claims'
/// record numbers in the shard.
type BucketDoc = (u32, Observed, Vec<u32>);

/// The documents of shard `shard` with their claims naming an entity of bucket `bucket`
/// (of `buckets`), their keys whole, each with its number and its claims' record numbers in
/// the shard; documents without such a claim are left out.
fn bucket_claims(
    files: &mut SplitFiles<'_, ScoreReliability>,
    shard: usize,
    bucket: usize,
    buckets: usize,
) -> Result<Vec<BucketDoc>, StageError> {
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
    for (number, observed) in keys.into_iter().enumerate() {
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
            days: observed.days,
            claims,
            ..bare(&observed.id, &observed.cluster)
        };
        docs.push((crate::claims::offset(number), doc, records));
    }
    Ok(docs)
}

/// A claim that may witness for another, as a shard's state needs it: where it is, its
/// document's id and cluster, and whether it is hedged.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WitnessKey {
    /// The claim's [`place`] (its shard and record number there).
    claim: u64,
    /// Its document's [`place`].
    doc: u64,
    id: String,
    cluster: String,
    start: u32,
    end: u32,
    hedged: bool,
}

/// What a bucket task found for one shard's claims.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Found {
    /// Each claim with candidates: its record number in the shard, and its candidates as
    /// numbers of `witnesses`.
    claims: Vec<(u32, Candidates)>,
    /// The claims named as candidates, each once.
    witnesses: Vec<WitnessKey>,
}

impl Found {
    /// The number of the bucket's claim `n` among the witnesses, adding it when new.
    fn witness(
        &mut self,
        numbers: &mut FxHashMap<u32, u32>,
        index: &Index,
        places: &BucketPlaces,
        n: u32,
    ) -> u32 {
        *numbers.entry(n).or_insert_with(|| {
            let record = &index.claims[n as usize];
            let doc = &index.docs[record.doc as usize];
            self.witnesses.push(WitnessKey {
                claim: places.claims[n as usize],
                doc: places.docs[record.doc as usize],
                id: index.id(record.doc).to_owned(),
                cluster: index.clusters.text(doc.cluster).to_owned(),
                start: record.start,
                end: record.end,
                hedged: record.hedged,
            });
            crate::claims::offset(self.witnesses.len() - 1)
        })
    }
}

/// The [`place`] of each document and claim of a bucket task's index.
#[derive(Default)]
struct BucketPlaces {
    docs: Vec<u64>,
    claims: Vec<u64>,
}

/// Bucket task `bucket`: every shard's claims naming an entity of the bucket, matched
/// through the candidate lists of the bucket's entities; writes each shard's claims'
/// candidates and, for each tables task, the witnesses' clusters it weighs.
pub(crate) fn bucket(
    bucket: usize,
    files: &mut SplitFiles<'_, ScoreReliability>,
    config: &ReliabilityConfig,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let shards = files.ranks(MergeSource::Observe);
    let buckets = files.ranks(MergeSource::Step(0));
    let tables = files.ranks(MergeSource::Step(1));
    let mut index = Index::default();
    let mut places = BucketPlaces::default();
    for shard in 0..shards {
        for (number, doc, records) in bucket_claims(files, shard, bucket, buckets)? {
            places.docs.push(place(shard, number));
            places
                .claims
                .extend(records.into_iter().map(|r| place(shard, r)));
            index.push(doc);
        }
    }
    let id_rank = index.ids.ranks();
    let corpus = Corpus {
        postings: postings(&index, &id_rank, |e| bucket_of(e, buckets) == bucket),
        id_rank,
        ..Corpus::default()
    };
    let found: Vec<(u32, Candidates)> = (0..index.claims.len() as u32)
        .into_par_iter()
        .map(|c| (c, corpus.candidates(&index, c, config)))
        .filter(|(_, found)| *found != Candidates::default())
        .collect();
    let mut per_shard: Vec<Found> = (0..shards).map(|_| Found::default()).collect();
    let mut numbers: Vec<FxHashMap<u32, u32>> = vec![FxHashMap::default(); shards];
    let mut wanted: Vec<BTreeSet<(u32, String)>> = vec![BTreeSet::new(); tables];
    for (c, mut candidates) in found {
        let (shard, record) = unplace(places.claims[c as usize]);
        let out = &mut per_shard[shard];
        for n in candidates.support.iter_mut().chain(&mut candidates.against) {
            *n = out.witness(&mut numbers[shard], &index, &places, *n);
            let cluster = &out.witnesses[*n as usize].cluster;
            wanted[text_bucket(cluster, tables)].insert((shard as u32, cluster.clone()));
        }
        out.claims.push((record, candidates));
    }
    let mut out = Vec::with_capacity(shards + tables);
    for (shard, found) in per_shard.iter().enumerate() {
        out.push((
            candidates_file(shard),
            encode_stage_data::<ScoreReliability, _>(found)?,
        ));
    }
    for (bucket, wanted) in wanted.iter().enumerate() {
        out.push((
            wanted_file(bucket),
            encode_stage_data::<ScoreReliability, _>(wanted)?,
        ));
    }
    Ok(out)
}

/// What a tables task works out for one shard.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Tables {
    /// The weight of each cluster of the bucket that a claim of the shard may have as a
    /// witness.
    weights: Vec<(String, f64)>,
    /// The rewrites and translations (place and id, in input order) of each cluster of the
    /// bucket that has a document in the shard and any of them.
    families: Vec<(String, Vec<(u64, String)>)>,
    /// The name book's entries of the people of the bucket the shard's documents name.
    people: Vec<PersonEntry>,
}

/// Tables task `bucket`: the weights and families of the clusters whose ids fall in the
/// bucket and the name book of the people whose canonical names do; writes each shard's part.
pub(crate) fn tables(
    bucket: usize,
    files: &mut SplitFiles<'_, ScoreReliability>,
    config: &ReliabilityConfig,
) -> Result<Vec<(String, Vec<u8>)>, StageError> {
    let shards = files.ranks(MergeSource::Observe);
    let tables = files.ranks(MergeSource::Step(1));
    let mut members = Index::default();
    let mut member_places = Vec::new();
    let mut named = Index::default();
    let mut named_places = Vec::new();
    for shard in 0..shards {
        // The shard's documents of the bucket's clusters, one shard's keys decoded at a time.
        let keys: Vec<Observed> = files.read(MergeSource::Observe, shard, KEYS)?;
        for (number, observed) in keys.into_iter().enumerate() {
            if text_bucket(&observed.cluster, tables) == bucket {
                member_places.push(place(shard, crate::claims::offset(number)));
                members.push(Observed {
                    relation: observed.relation,
                    representative: observed.representative,
                    markers: observed.markers,
                    own: observed.own,
                    ..bare(&observed.id, &observed.cluster)
                });
            }
        }
        let name = keyed_file(bucket);
        let keyed: Keyed = files.read(MergeSource::Observe, shard, &name)?;
        let mut number = 0u32;
        for doc in keyed.docs {
            number = match number.checked_add(doc.step) {
                Some(next) => next,
                None => {
                    let why = format!("document number {number} + {} overflows", doc.step);
                    return Err(files.corrupt(MergeSource::Observe, shard, &name, &why));
                }
            };
            let cluster = doc.cluster.as_deref().unwrap_or(&doc.id);
            let mut names = Vec::with_capacity(doc.names.len());
            for first in doc.names {
                let Some(canonical) = keyed.canonicals.get(first.canonical as usize) else {
                    let why = format!("canonical name {} was not listed", first.canonical);
                    return Err(files.corrupt(MergeSource::Observe, shard, &name, &why));
                };
                names.push(FirstUse {
                    canonical: canonical.clone(),
                    spelling: first.spelling,
                    start: first.start,
                    len: first.len,
                });
            }
            named_places.push(place(shard, number));
            named.push(Observed {
                names,
                ..bare(&doc.id, cluster)
            });
        }
    }
    let mut out: Vec<Tables> = (0..shards).map(|_| Tables::default()).collect();
    // Every member of each of these clusters is here: their weights are the whole corpus's.
    let corpus = Corpus::new(&members, config);
    let name = wanted_file(bucket);
    for rank in 0..files.ranks(MergeSource::Step(0)) {
        let wanted: Vec<(u32, String)> = files.read(MergeSource::Step(0), rank, &name)?;
        for (shard, cluster) in wanted {
            let weight = members
                .clusters
                .get(&cluster)
                .map(|c| corpus.cluster_weight[c as usize]);
            let slot = out.get_mut(shard as usize);
            let (Some(weight), Some(slot)) = (weight, slot) else {
                let why = format!("shard {shard} or cluster {cluster:?} was not observed");
                return Err(files.corrupt(MergeSource::Step(0), rank, &name, &why));
            };
            slot.weights.push((cluster, weight));
        }
    }
    for slot in &mut out {
        slot.weights.sort_by(|a, b| a.0.cmp(&b.0));
        slot.weights.dedup_by(|a, b| a.0 == b.0);
    }
    for c in 0..crate::claims::offset(members.clusters.len()) {
        let list = corpus.members_of(c);
        let family: Vec<(u64, String)> = list
            .iter()
            .filter(|&&d| members.docs[d as usize].relation == Relation::Derived)
            .map(|&d| (member_places[d as usize], members.id(d).to_owned()))
            .collect();
        if family.is_empty() {
            continue;
        }
        let mut shards_in: Vec<usize> = list
            .iter()
            .map(|&d| unplace(member_places[d as usize]).0)
            .collect();
        shards_in.dedup();
        for shard in shards_in {
            let cluster = members.clusters.text(c).to_owned();
            out[shard].families.push((cluster, family.clone()));
        }
    }
    let book = NameBook::new(&named, &named.ids.ranks(), &named.clusters.ranks());
    let mut people: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); shards];
    for (d, &at) in named_places.iter().enumerate() {
        let people = &mut people[unplace(at).0];
        people.extend(named.names_of(d as u32).iter().map(|n| n.canonical));
    }
    for (slot, people) in out.iter_mut().zip(people) {
        slot.people = people
            .into_iter()
            .filter_map(|p| book.entry(p, &named, &named_places))
            .collect();
    }
    out.iter()
        .enumerate()
        .map(|(shard, tables)| {
            let bytes = encode_stage_data::<ScoreReliability, _>(tables)?;
            Ok((tables_file(shard), bytes))
        })
        .collect()
}

/// The merge task: the reference date and the archive spread from every shard's dates.
pub(crate) fn merged(
    files: &mut SplitFiles<'_, ScoreReliability>,
    config: &ReliabilityConfig,
) -> Result<Corpus, StageError> {
    let mut newest = None;
    let mut latest = LatestDays::new();
    for shard in 0..files.ranks(MergeSource::Observe) {
        let dates: Dates = files.read(MergeSource::Observe, shard, DATES)?;
        newest = newest.max(dates.newest_consistent);
        for (day, count) in dates.latest {
            *latest.entry(day).or_default() += count;
        }
    }
    let reference = reference_of(newest, config);
    Ok(Corpus {
        reference,
        spread: reference.and_then(|r| spread_of(&latest, r, config)),
        ..Corpus::default()
    })
}

/// The candidates of one claim of a shard from every bucket task, as witness [`place`]s.
#[derive(Debug, Clone, Default)]
struct Merged {
    has_peers: bool,
    support: Vec<u64>,
    against: Vec<u64>,
}

/// Shard `shard`'s state: its documents' keys, the verdicts of its claims, the families of its
/// clusters and the name book's entries of the people it names, with the documents they name;
/// `merged` holds the reference date and the archive spread. Returns the state's index and
/// corpus, and how many of its documents are the shard's own.
pub(crate) fn shard_state(
    merged: &Corpus,
    shard: usize,
    files: &mut SplitFiles<'_, ScoreReliability>,
) -> Result<(Index, Corpus, usize), StageError> {
    let keys: Vec<Observed> = files.read(MergeSource::Observe, shard, KEYS)?;
    let mut part = Part::new(shard, keys.len());
    for observed in keys {
        part.sub.push(observed);
    }
    // Every bucket task's candidates of the shard's claims, and the witnesses they name.
    let mut candidates = vec![Merged::default(); part.sub.claims.len()];
    let mut witnesses: FxHashMap<u64, WitnessKey> = FxHashMap::default();
    let name = candidates_file(shard);
    for rank in 0..files.ranks(MergeSource::Step(0)) {
        let found: Found = files.read(MergeSource::Step(0), rank, &name)?;
        for (record, c) in found.claims {
            let places = |numbers: &[u32]| -> Option<Vec<u64>> {
                let keys = numbers.iter().map(|&n| found.witnesses.get(n as usize));
                keys.map(|key| key.map(|key| key.claim)).collect()
            };
            let (support, against) = (places(&c.support), places(&c.against));
            let slot = candidates.get_mut(record as usize);
            let (Some(slot), Some(support), Some(against)) = (slot, support, against) else {
                let why = format!("claim {record} or its witnesses are not in it");
                return Err(files.corrupt(MergeSource::Step(0), rank, &name, &why));
            };
            slot.has_peers |= c.has_peers;
            slot.support.extend(support);
            slot.against.extend(against);
        }
        for key in found.witnesses {
            witnesses.entry(key.claim).or_insert(key);
        }
    }
    // Every tables task's weights, families and people for the shard.
    let mut weights: FxHashMap<String, f64> = FxHashMap::default();
    let mut families: FxHashMap<String, Vec<(u64, String)>> = FxHashMap::default();
    let mut people = Vec::new();
    for rank in 0..files.ranks(MergeSource::Step(1)) {
        let tables: Tables = files.read(MergeSource::Step(1), rank, &tables_file(shard))?;
        weights.extend(tables.weights);
        families.extend(tables.families);
        people.extend(tables.people);
    }
    let mut matched = Vec::with_capacity(candidates.len());
    for found in &mut candidates {
        for list in [&mut found.support, &mut found.against] {
            list.sort_unstable();
            list.dedup();
        }
        let verdict = part
            .verdict(found, &witnesses, &weights)
            .map_err(|cluster| {
                let bucket = text_bucket(&cluster, files.ranks(MergeSource::Step(1)));
                let why = format!("it has no weight of witness cluster {cluster:?}");
                files.corrupt(MergeSource::Step(1), bucket, &tables_file(shard), &why)
            })?;
        matched.push(verdict);
    }
    Ok(part.finish(families, &people, matched, merged))
}

/// A shard's state being built: its own documents first, then the others its evidence names,
/// each numbered in the order it was taken.
struct Part {
    shard: usize,
    own: usize,
    sub: Index,
    /// The state's number of each other document taken, by [`place`].
    docs: FxHashMap<u64, u32>,
    /// The state's number of each witness claim taken, by [`place`].
    claims: FxHashMap<u64, u32>,
}

impl Part {
    fn new(shard: usize, own: usize) -> Self {
        Self {
            shard,
            own,
            sub: Index::default(),
            docs: FxHashMap::default(),
            claims: FxHashMap::default(),
        }
    }

    /// The state's number of the document at `at`, taking it (with its id and cluster only)
    /// when it is not one of the shard's own.
    fn doc(&mut self, at: u64, id: &str, cluster: &str) -> u32 {
        let (shard, number) = unplace(at);
        if shard == self.shard && (number as usize) < self.own {
            return number;
        }
        if let Some(&local) = self.docs.get(&at) {
            return local;
        }
        let local = self.sub.push(bare(id, cluster));
        self.docs.insert(at, local);
        local
    }

    /// The state's number of a witness claim: only where it is (its document, start and end)
    /// is read.
    fn witness_claim(&mut self, key: &WitnessKey) -> u32 {
        if let Some(&local) = self.claims.get(&key.claim) {
            return local;
        }
        let doc = self.doc(key.doc, &key.id, &key.cluster);
        let local = crate::claims::offset(self.sub.claims.len());
        self.sub.claims.push(ClaimRecord {
            doc,
            index: 0,
            start: key.start,
            end: key.end,
            hashes: 0,
            entities: 0,
            words: 0,
            amounts: 0,
            amount_count: 0,
            hedged: key.hedged,
        });
        self.claims.insert(key.claim, local);
        local
    }

    /// The verdict on a claim from its candidates, as [`Corpus::verdict`] gives it over the
    /// whole corpus (ids and clusters compared as strings, which order as their ranks); `Err`
    /// names a witness cluster without a weight.
    fn verdict(
        &mut self,
        found: &Merged,
        witnesses: &FxHashMap<u64, WitnessKey>,
        weights: &FxHashMap<String, f64>,
    ) -> Result<ClaimVerdict, String> {
        let weight_of = |key: &WitnessKey, hedged_halves: bool| {
            let weight = *weights.get(&key.cluster).ok_or(key.cluster.clone())?;
            Ok::<f64, String>(if hedged_halves && key.hedged {
                weight / 2.0
            } else {
                weight
            })
        };
        /// The stronger witness: the greater weight, then the smaller id, then the earlier.
        fn strength<'a>((weight, key): &(f64, &'a WitnessKey)) -> (f64, &'a str, u32) {
            (-weight, &key.id, key.start)
        }
        let mut support: BTreeMap<&str, (f64, &WitnessKey)> = BTreeMap::new();
        for claim in &found.support {
            let key = &witnesses[claim];
            let candidate = (weight_of(key, true)?, key);
            let slot = support.entry(key.cluster.as_str()).or_insert(candidate);
            if strength(&candidate) < strength(slot) {
                *slot = candidate;
            }
        }
        let mut against: BTreeMap<&str, (f64, &WitnessKey)> = BTreeMap::new();
        for claim in &found.against {
            let key = &witnesses[claim];
            let candidate = (weight_of(key, false)?, key);
            let slot = against.entry(key.cluster.as_str()).or_insert(candidate);
            if (&key.id, key.start) < (&slot.1.id, slot.1.start) {
                *slot = candidate;
            }
        }
        let mut witness = |(weight, key): (f64, &WitnessKey)| {
            let claim = self.witness_claim(key);
            Witness {
                cluster: self.sub.clusters.intern(&key.cluster),
                weight,
                claim,
            }
        };
        Ok(ClaimVerdict {
            support: support.into_values().map(&mut witness).collect(),
            contradiction: against.into_values().map(&mut witness).collect(),
            has_peers: found.has_peers,
            misspelt: false,
        })
    }

    /// The state: the families of the shard's clusters and the people it names taken in, ids
    /// and clusters ranked among the state's.
    fn finish(
        mut self,
        mut families: FxHashMap<String, Vec<(u64, String)>>,
        people: &[PersonEntry],
        matched: Vec<ClaimVerdict>,
        merged: &Corpus,
    ) -> (Index, Corpus, usize) {
        // The rewrites and translations in the clusters of the shard's documents, in input
        // order.
        let mut own_clusters: Vec<u32> = self.sub.docs[..self.own]
            .iter()
            .map(|k| k.cluster)
            .collect();
        own_clusters.sort_unstable();
        own_clusters.dedup();
        let mut by_cluster: Vec<(u32, Vec<u32>)> = Vec::new();
        for c in own_clusters {
            let cluster = self.sub.clusters.text(c).to_owned();
            let Some(family) = families.remove(&cluster) else {
                continue;
            };
            let members = family
                .iter()
                .map(|(at, id)| {
                    let local = self.doc(*at, id, &cluster);
                    self.sub.docs[local as usize].relation = Relation::Derived;
                    local
                })
                .collect();
            by_cluster.push((c, members));
        }
        // The people the shard's documents name, with every spelling and the documents of
        // the first uses pointed at.
        let mut entries = Vec::with_capacity(people.len());
        for entry in people {
            let person = self.sub.people.intern(&entry.canonical);
            let mut spellings = Vec::with_capacity(entry.spellings.len());
            let mut uses = Vec::new();
            for spelling in &entry.spellings {
                spellings.push(self.sub.spellings.intern(&spelling.key));
                for u in &spelling.uses {
                    let doc = self.doc(u.place, &u.id, &u.cluster);
                    uses.push((self.sub.clusters.intern(&u.cluster), doc));
                }
            }
            entries.push((person, entry, spellings, uses));
        }
        let cluster_rank = self.sub.clusters.ranks();
        let mut names = NameBook::default();
        for (person, entry, spellings, uses) in entries {
            let uses: Vec<(u32, u32)> = uses
                .into_iter()
                .map(|(cluster, doc)| (cluster_rank[cluster as usize], doc))
                .collect();
            names.insert(person, entry, &spellings, &uses);
        }
        let mut member_start = vec![0u32; self.sub.clusters.len() + 1];
        for (c, members) in &by_cluster {
            member_start[*c as usize + 1] = crate::claims::offset(members.len());
        }
        for c in 0..self.sub.clusters.len() {
            member_start[c + 1] += member_start[c];
        }
        by_cluster.sort_unstable_by_key(|(c, _)| *c);
        let members = by_cluster.into_iter().flat_map(|(_, m)| m).collect();
        let mut by_id: Vec<u32> = (0..crate::claims::offset(self.own)).collect();
        by_id.sort_by(|&a, &b| self.sub.id(a).cmp(self.sub.id(b)).then(a.cmp(&b)));
        let corpus = Corpus {
            id_rank: self.sub.ids.ranks(),
            by_id,
            cluster_rank,
            members,
            member_start,
            representative: Vec::new(),
            cluster_weight: Vec::new(),
            names,
            postings: FxHashMap::default(),
            reference: merged.reference,
            spread: merged.spread,
            matched: Some(matched),
            unit_masks: Vec::new(),
        };
        (self.sub, corpus, self.own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::MemoryFiles;

    /// A document of cluster `cluster` naming `people` (canonical name, spelling key when not
    /// the canonical one's, start).
    fn observed(
        id: &str,
        cluster: &str,
        relation: Relation,
        people: &[(&str, Option<&str>, u32)],
    ) -> Observed {
        Observed {
            relation,
            representative: relation == Relation::None,
            names: people
                .iter()
                .map(|&(canonical, spelling, start)| FirstUse {
                    canonical: canonical.into(),
                    spelling: spelling.map(str::to_owned),
                    start,
                    len: 8,
                })
                .collect(),
            ..bare(id, cluster)
        }
    }

    /// Clusters with rewrites across shards, and people spelt several ways in several
    /// clusters, with ids out of input order.
    fn corpus() -> Vec<Observed> {
        let (none, derived, exact) = (Relation::None, Relation::Derived, Relation::Exact);
        let zelensky = "Volodymyr Zelenskyy";
        vec![
            // A cluster named by its representative's id, as dedupe names them.
            observed("k", "k", none, &[(zelensky, None, 4)]),
            observed("b", "c2", none, &[(zelensky, Some("zelinski"), 9)]),
            observed("j", "k", derived, &[(zelensky, Some("zelinski"), 2)]),
            observed(
                "a",
                "c3",
                none,
                &[(zelensky, None, 7), ("Mark Carney", None, 1)],
            ),
            observed("h", "c2", exact, &[("Mark Carney", Some("carnie"), 3)]),
            observed("c", "k", derived, &[(zelensky, None, 1)]),
            observed("g", "c4", none, &[]),
            observed("d", "c3", derived, &[("Mark Carney", None, 5)]),
            observed("e", "c2", derived, &[(zelensky, None, 0)]),
        ]
    }

    #[test]
    fn tables_tasks_give_each_shard_the_whole_corpus_families_and_name_book() {
        let records = corpus();
        let mut whole = Index::default();
        for doc in &records {
            whole.push(doc.clone());
        }
        let config = ReliabilityConfig::default();
        let corpus = Corpus::new(&whole, &config);
        for buckets in [1, 2, 3] {
            for cuts in [vec![0, 9], vec![0, 2, 5, 9], vec![0, 1, 4, 6, 7, 9]] {
                let mut places = Vec::new();
                for (shard, bounds) in cuts.windows(2).enumerate() {
                    places.extend((0..bounds[1] - bounds[0]).map(|n| place(shard, n as u32)));
                }
                let sizes = cuts.windows(2).map(|b| b[1] - b[0]).collect();
                let mut memory = MemoryFiles::new(sizes, vec![buckets, buckets]);
                for (shard, bounds) in cuts.windows(2).enumerate() {
                    let mine: Vec<&Observed> = records[bounds[0]..bounds[1]].iter().collect();
                    let written = shard_files(&mine, &[buckets, buckets]).unwrap();
                    memory.write(MergeSource::Observe, shard, written);
                }
                for step in 0..2 {
                    for rank in 0..buckets {
                        let mut files = SplitFiles::new(&mut memory);
                        let written = match step {
                            0 => bucket(rank, &mut files, &config),
                            _ => tables(rank, &mut files, &config),
                        };
                        memory.write(MergeSource::Step(step), rank, written.unwrap());
                    }
                }
                for (shard, bounds) in cuts.windows(2).enumerate() {
                    let mut families = Vec::new();
                    let mut people = Vec::new();
                    for rank in 0..buckets {
                        let mut files = SplitFiles::<ScoreReliability>::new(&mut memory);
                        let part: Tables = files
                            .read(MergeSource::Step(1), rank, &tables_file(shard))
                            .unwrap();
                        families.extend(part.families);
                        people.extend(part.people);
                    }
                    families.sort();
                    people.sort_by(|a, b| a.canonical.cmp(&b.canonical));
                    // The whole corpus's, for the clusters and people of the shard's documents.
                    let own = bounds[0] as u32..bounds[1] as u32;
                    let mut clusters: Vec<u32> = own
                        .clone()
                        .map(|d| whole.docs[d as usize].cluster)
                        .collect();
                    clusters.sort_unstable();
                    clusters.dedup();
                    let mut expected_families: Vec<(String, Vec<(u64, String)>)> = clusters
                        .into_iter()
                        .map(|c| {
                            let family = corpus
                                .members_of(c)
                                .iter()
                                .filter(|&&d| whole.docs[d as usize].relation == Relation::Derived)
                                .map(|&d| (places[d as usize], whole.id(d).to_owned()))
                                .collect();
                            (whole.clusters.text(c).to_owned(), family)
                        })
                        .filter(|(_, family): &(String, Vec<_>)| !family.is_empty())
                        .collect();
                    expected_families.sort();
                    let named: BTreeSet<u32> = own
                        .flat_map(|d| whole.names_of(d).iter().map(|n| n.canonical))
                        .collect();
                    let mut expected_people: Vec<PersonEntry> = named
                        .into_iter()
                        .map(|p| corpus.names.entry(p, &whole, &places).unwrap())
                        .collect();
                    expected_people.sort_by(|a, b| a.canonical.cmp(&b.canonical));
                    let case = format!("{buckets} buckets, shards {cuts:?}, shard {shard}");
                    assert_eq!(families, expected_families, "{case}");
                    assert_eq!(people, expected_people, "{case}");
                }
            }
        }
        // The corpus is worth the comparison: a family across shards, a person spelt two ways.
        let k = whole.clusters.get("k").unwrap();
        assert_eq!(corpus.members_of(k).len(), 3);
        let zelensky = whole.people.get("Volodymyr Zelenskyy").unwrap();
        let entry = corpus.names.entry(zelensky, &whole, &[0; 9]).unwrap();
        assert_eq!(entry.spellings.len(), 2);
    }

    #[test]
    fn keyed_files_write_canonical_names_once_and_clusters_only_when_not_the_id() {
        let records = corpus();
        let mine: Vec<&Observed> = records.iter().collect();
        let written = shard_files(&mine, &[1, 1]).unwrap();
        let mut memory = MemoryFiles::new(vec![records.len()], vec![1, 1]);
        memory.write(MergeSource::Observe, 0, written);
        let mut files = SplitFiles::<ScoreReliability>::new(&mut memory);
        let keyed: Keyed = files.read(MergeSource::Observe, 0, &keyed_file(0)).unwrap();
        // One bucket: every document naming someone once, with all its first uses.
        let naming: Vec<&Observed> = records.iter().filter(|d| !d.names.is_empty()).collect();
        let ids: Vec<&str> = keyed.docs.iter().map(|doc| doc.id.as_str()).collect();
        let expected: Vec<&str> = naming.iter().map(|doc| doc.id.as_str()).collect();
        assert_eq!(ids, expected);
        let steps: Vec<u32> = keyed.docs.iter().map(|doc| doc.step).collect();
        assert_eq!(steps, [0, 1, 1, 1, 1, 1, 2, 1]);
        for (doc, observed) in keyed.docs.iter().zip(naming) {
            let cluster = (observed.cluster != observed.id).then_some(observed.cluster.as_str());
            assert_eq!(doc.cluster.as_deref(), cluster, "{}", observed.id);
            assert_eq!(doc.names.len(), observed.names.len(), "{}", observed.id);
        }
        assert_eq!(keyed.canonicals, ["Volodymyr Zelenskyy", "Mark Carney"]);
    }
}
