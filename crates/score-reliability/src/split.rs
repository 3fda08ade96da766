//! One shard's state for a cluster run: the part of the whole corpus's state that `apply`
//! reads for the documents of one shard, so that an apply task never loads every document's
//! keys (565 B a document in the whole state).
//!
//! A shard's state holds its own documents' keys first (numbered from 0 in input order), then
//! the other documents its evidence names: the rewrites and translations in their clusters, the
//! documents whose first use of a spelling a name check may point at, and the documents of the
//! claims that support or contradict theirs. Its claims are matched against the whole corpus
//! when it is cut, so it needs no candidate lists; every number `apply` reads (id and cluster
//! ranks, cluster weights, the reference date) keeps its value in the whole corpus, so a
//! document scores exactly as with the whole state.

use std::ops::Range;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::ReliabilityConfig;
use crate::corpus::{ClaimVerdict, Corpus};
use crate::index::{ClaimRecord, DocKey, Index};

/// The state of the documents at `positions` of `index`, cut from the whole `corpus`.
pub(crate) fn cut(
    index: &Index,
    corpus: &Corpus,
    positions: Range<usize>,
    config: &ReliabilityConfig,
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
    let verdicts: Vec<ClaimVerdict> = claims
        .par_iter()
        .map(|&c| corpus.match_claim(index, c, config))
        .collect();
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
