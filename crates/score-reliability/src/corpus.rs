//! The second step: with every document observed, the signals that need the corpus. Clusters
//! are witnesses (copies never count twice); names are checked against the spelling most
//! independent clusters use; claims are matched across clusters; the reference date for
//! currency is the newest consistent date.
//!
//! [`Corpus::new`] (the stage's `prepare`) keeps only per-cluster facts, the name book and the
//! candidate lists; each document's corpus signals and claim verdicts are worked out when
//! `apply` reaches it ([`Corpus::judge`]), with the document at hand to render the evidence,
//! so no verdict or evidence of another document is held in between.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use newspipe_core::{Document, Evidence, Relation, Signal};

use crate::calendar::{format_iso, parse_iso};
use crate::claims::{contradicts, same_topic, supports, ClaimView};
use crate::combine::{document_weight, CURRENCY};
use crate::config::{Mode, ReliabilityConfig};
use crate::facts::MarkerEvidence;
use crate::index::{DocKey, Index};
use crate::names::NameBook;
use crate::signal::{at, not_applicable, note, round1, scored};

/// Signal name.
pub const ORIGINALITY: &str = "originality";
/// Signal name.
pub const CORROBORATION: &str = "corroboration";
/// Signal name.
pub const CONTRADICTION: &str = "contradiction";

/// Claims an entity lends as candidates at most: an entity named in more claims keeps those of
/// the smallest document ids (whatever the input order). Each claim then compares with at most
/// this many others per entity it names, so matching stays linear in the number of claims
/// however often one entity is named (a million claims naming "Trump" cost what 200 do).
const MAX_POSTING: usize = 200;

/// One independent witness's stand on a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Witness {
    /// Its cluster.
    pub cluster: u32,
    /// The witness's weight: its cluster representative's intrinsic score (halved when
    /// hedged).
    pub weight: f64,
    /// The matching claim, as a record of the index.
    pub claim: u32,
}

/// What the corpus says about one claim.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimVerdict {
    /// Independent clusters that support it, in cluster-id order.
    pub support: Vec<Witness>,
    /// Independent clusters that contradict it, in cluster-id order.
    pub contradiction: Vec<Witness>,
    /// Whether any independent cluster reports on the same things as the document in the
    /// time window: then a claim nobody else makes is uncorroborated, not uncorroborable.
    pub has_peers: bool,
    /// Whether it spells a name against the corpus.
    pub misspelt: bool,
}

/// What the corpus says about one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// `name_consistency`, `originality`, `corroboration`, `contradiction`, weighted.
    pub signals: Vec<Signal>,
    /// The currency factor, as a signal of weight 0.
    pub currency: Signal,
    /// The score without corpus-relative signals, 0–100.
    pub intrinsic: f64,
    /// One per claim of the document.
    pub claims: Vec<ClaimVerdict>,
}

/// The corpus facts `apply` needs, built once after the first pass.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Corpus {
    /// Rank of each document's id in byte order (equal ids share a rank).
    pub(crate) id_rank: Vec<u32>,
    /// Documents sorted by id, then input order: finds a document by id.
    pub(crate) by_id: Vec<u32>,
    /// Rank of each cluster's id in byte order.
    pub(crate) cluster_rank: Vec<u32>,
    /// Documents of each cluster, in input order: `members[member_start[c]..member_start[c+1]]`.
    pub(crate) members: Vec<u32>,
    pub(crate) member_start: Vec<u32>,
    /// Representative document of each cluster.
    pub(crate) representative: Vec<u32>,
    /// Weight of each cluster as a witness: its representative's intrinsic score.
    pub(crate) cluster_weight: Vec<f64>,
    /// Spellings of people across clusters.
    pub(crate) names: NameBook,
    /// For each usable entity hash, the claim records naming it, in input order.
    pub(crate) postings: FxHashMap<u32, Vec<u32>>,
    /// The reference date for currency.
    pub(crate) reference: Option<i64>,
    /// The median age when the corpus is an archive spanning years.
    pub(crate) spread: Option<i64>,
    /// In one shard's state ([`crate::split`]), each of its claim records' verdict, matched
    /// against the whole corpus when the state was cut; `None` in the whole corpus's, which
    /// matches a claim when `apply` reaches it.
    pub(crate) matched: Option<Vec<ClaimVerdict>>,
    /// Per claim record, a bit for each unit its amounts count (the unit's hash modulo 64):
    /// rules out most candidates before their records are read ([`Corpus::candidates`]).
    /// Built with the postings of the whole corpus; empty where they are not all here.
    #[serde(skip)]
    pub(crate) unit_masks: Vec<u64>,
}

/// The claims that may witness for one claim ([`Corpus::candidates`]), as claim records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// Whether any claim of another cluster is on the same topic in the time window.
    pub has_peers: bool,
    /// Supporting claims, at most two per cluster, in record order.
    pub support: Vec<u32>,
    /// Contradicting claims, at most one per cluster, in record order.
    pub against: Vec<u32>,
}

/// A bit for each unit the claim's amounts count: the unit's hash modulo 64.
fn unit_mask(claim: &ClaimView) -> u64 {
    claim
        .amounts
        .iter()
        .fold(0, |mask, amount| mask | 1 << (amount.unit % 64))
}

/// For each entity hash `keep` accepts, the claim records of `index` naming it, in record
/// order; an entity named in more than [`MAX_POSTING`] claims keeps those of the smallest
/// document ids (by `id_rank`), then starts, then records.
pub(crate) fn postings(
    index: &Index,
    id_rank: &[u32],
    keep: impl Fn(u32) -> bool,
) -> FxHashMap<u32, Vec<u32>> {
    let mut postings: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for c in 0..index.claims.len() as u32 {
        for &e in index.view(c).entities {
            if keep(e) {
                postings.entry(e).or_default().push(c);
            }
        }
    }
    for list in postings.values_mut() {
        if list.len() > MAX_POSTING {
            let place = |&c: &u32| {
                let r = &index.claims[c as usize];
                (id_rank[r.doc as usize], r.start, c)
            };
            list.select_nth_unstable_by_key(MAX_POSTING, place);
            list.truncate(MAX_POSTING);
            list.sort_unstable();
        }
    }
    postings
}

fn weighted(mut signal: Signal, config: &ReliabilityConfig) -> Signal {
    signal.weight = document_weight(&config.weights, &signal.name);
    signal
}

/// `originality`'s score: 1 for an original report; 0.5 for a copy, a repost or a member of
/// a rewrite/translation family; 0 with an aggregator's accuracy disclaimer (the publisher
/// says that nobody stands behind the text).
fn originality_score(key: &DocKey, has_family: bool) -> f64 {
    let mut score: f64 = match key.relation {
        Relation::None if !has_family => 1.0,
        _ => 0.5,
    };
    if key.markers.syndication {
        score = score.min(0.5);
    }
    if key.markers.disclaimer {
        score = 0.0;
    }
    score
}

fn gap(a: (i64, i64), b: (i64, i64)) -> i64 {
    b.0.saturating_sub(a.1).max(a.0.saturating_sub(b.1)).max(0)
}

impl Corpus {
    /// Judges what needs the whole corpus at once: clusters, their weights, the name book,
    /// the candidate lists and the reference date.
    pub fn new(index: &Index, config: &ReliabilityConfig) -> Self {
        let n = index.docs.len();
        let id_rank = index.ids.ranks();
        let by_id = index.ids.order();
        let cluster_rank = index.clusters.ranks();
        let clusters = index.clusters.len();
        let mut member_start = vec![0u32; clusters + 1];
        for key in &index.docs {
            member_start[key.cluster as usize + 1] += 1;
        }
        for c in 0..clusters {
            member_start[c + 1] += member_start[c];
        }
        let mut members = vec![0u32; n];
        let mut filled = member_start.clone();
        for (d, key) in index.docs.iter().enumerate() {
            let slot = &mut filled[key.cluster as usize];
            members[*slot as usize] = d as u32;
            *slot += 1;
        }
        let mut corpus = Self {
            id_rank,
            by_id,
            cluster_rank,
            members,
            member_start,
            representative: Vec::new(),
            cluster_weight: vec![0.0; clusters],
            names: NameBook::default(),
            postings: FxHashMap::default(),
            reference: None,
            spread: None,
            matched: None,
            unit_masks: Vec::new(),
        };
        corpus.representative = (0..clusters as u32)
            .map(|c| {
                // Dedupe's representative; else the smallest id, whatever the input order.
                let members = corpus.members_of(c);
                *members
                    .iter()
                    .min_by_key(|&&d| {
                        (
                            !index.docs[d as usize].representative,
                            corpus.id_rank[d as usize],
                        )
                    })
                    .unwrap_or(&members[0])
            })
            .collect();
        // A cluster witnesses with its representative's score: copies, however many and
        // however damaged or trimmed, neither add support nor change its weight.
        corpus.cluster_weight = corpus
            .representative
            .iter()
            .map(|&d| corpus.intrinsic(index, d, config))
            .collect();
        corpus.names = NameBook::new(index, &corpus.id_rank, &corpus.cluster_rank);
        corpus.postings = postings(index, &corpus.id_rank, |_| true);
        corpus.unit_masks = (0..index.claims.len() as u32)
            .map(|c| unit_mask(&index.view(c)))
            .collect();
        corpus.reference = reference_date(index, config);
        corpus.spread = corpus
            .reference
            .and_then(|r| archive_spread(index, r, config));
        corpus
    }

    pub(crate) fn members_of(&self, cluster: u32) -> &[u32] {
        let c = cluster as usize;
        &self.members[self.member_start[c] as usize..self.member_start[c + 1] as usize]
    }

    /// The rewrites and translations in document `d`'s cluster, other than itself.
    pub(crate) fn family<'a>(&'a self, index: &'a Index, d: u32) -> impl Iterator<Item = u32> + 'a {
        let key = &index.docs[d as usize];
        let own = self.id_rank[d as usize];
        self.members_of(key.cluster)
            .iter()
            .copied()
            .filter(move |&o| self.id_rank[o as usize] != own)
            .filter(move |&o| index.docs[o as usize].relation == Relation::Derived)
    }

    /// The document's score without its corpus-relative signals except originality.
    fn intrinsic(&self, index: &Index, d: u32, config: &ReliabilityConfig) -> f64 {
        let key = &index.docs[d as usize];
        let has_family = self.family(index, d).next().is_some();
        let mut points = key.own;
        points.add(&weighted(
            scored(ORIGINALITY, originality_score(key, has_family), Vec::new()),
            config,
        ));
        points.value()
    }

    /// The number of the document observed with this id (the first, if several share it).
    pub fn find(&self, index: &Index, id: &str) -> Option<u32> {
        let k = self.by_id.partition_point(|&d| index.id(d) < id);
        self.by_id.get(k).copied().filter(|&d| index.id(d) == id)
    }

    /// The corpus signals and claim verdicts of document `d`, which is `doc`.
    pub fn judge(
        &self,
        index: &Index,
        d: u32,
        doc: &Document,
        config: &ReliabilityConfig,
    ) -> Verdict {
        let key = &index.docs[d as usize];
        let family: Vec<&str> = self.family(index, d).map(|o| index.id(o)).collect();
        let originality = originality(doc, key, &family);
        let intrinsic = self.intrinsic(index, d, config);
        let (names_signal, misspelt) =
            self.names
                .signal(doc, self.cluster_rank[key.cluster as usize], index);
        let mut claims = vec![ClaimVerdict::default(); doc.claims.len()];
        for c in key.claims.0..key.claims.1 {
            let record = &index.claims[c as usize];
            if let Some(slot) = claims.get_mut(record.index as usize) {
                *slot = self.match_claim(index, c, config);
            }
        }
        let has_peers = claims.iter().any(|v| v.has_peers);
        for (claim, verdict) in doc.claims.iter().zip(claims.iter_mut()) {
            verdict.misspelt = misspelt
                .iter()
                .any(|&(s, e)| s < claim.end && e > claim.start);
            verdict.has_peers = has_peers;
        }
        let (corroboration, contradiction) =
            self.claim_signals(index, doc, &claims, config.thresholds.supported_share_full);
        Verdict {
            signals: [names_signal, originality, corroboration, contradiction]
                .into_iter()
                .map(|s| weighted(s, config))
                .collect(),
            currency: currency(&doc.id, key, self.reference, self.spread, config),
            intrinsic,
            claims,
        }
    }

    /// Matches claim record `c` against the claims of other clusters (in a shard's state, the
    /// verdict matched when it was cut).
    pub(crate) fn match_claim(
        &self,
        index: &Index,
        c: u32,
        config: &ReliabilityConfig,
    ) -> ClaimVerdict {
        if let Some(matched) = &self.matched {
            return matched.get(c as usize).cloned().unwrap_or_default();
        }
        self.verdict(index, &self.candidates(index, c, config))
    }

    /// The claims of other clusters that may witness for claim record `c`, found through the
    /// candidate lists: what matching needs of the whole corpus but its clusters' weights and
    /// ranks. A cluster run's bucket tasks find them for the entities of their bucket
    /// ([`crate::split`]), and the union of theirs is what this finds.
    pub(crate) fn candidates(
        &self,
        index: &Index,
        c: u32,
        config: &ReliabilityConfig,
    ) -> Candidates {
        let t = &config.thresholds;
        let record = &index.claims[c as usize];
        let f = &index.docs[record.doc as usize];
        let key = index.view(c);
        let mut candidates: Vec<u32> = Vec::new();
        // Where each of the claim's entities has its whole posting list here (none cut), how
        // often a candidate comes up is how many entities it shares; one that shares a single
        // entity is on the same topic only through a unit both count, which the masks rule
        // out for most before their records are read. Every other candidate is checked in full.
        let mut complete = !self.unit_masks.is_empty();
        for e in key.entities {
            match self.postings.get(e) {
                Some(list) => {
                    candidates.extend(list.iter().copied());
                    complete &= list.len() < MAX_POSTING;
                }
                None => complete = false,
            }
        }
        candidates.sort_unstable();
        let units = self.unit_masks.get(c as usize).copied().unwrap_or(0);
        let mut found = Candidates::default();
        // Per cluster: the first supporting claim by place among the hedged and among the
        // others (which of the two is the stronger depends on the cluster's weight), and the
        // first contradicting one.
        let mut support: FxHashMap<(u32, bool), u32> = FxHashMap::default();
        let mut against: FxHashMap<u32, u32> = FxHashMap::default();
        let place = |n: u32| {
            let r = &index.claims[n as usize];
            (self.id_rank[r.doc as usize], r.start)
        };
        for run in candidates.chunk_by(|a, b| a == b) {
            let n = run[0];
            if complete && run.len() == 1 && self.unit_masks[n as usize] & units == 0 {
                continue;
            }
            let other_record = &index.claims[n as usize];
            let o = &index.docs[other_record.doc as usize];
            if o.cluster == f.cluster {
                continue;
            }
            let other = index.view(n);
            if !same_topic(&key, &other) {
                continue;
            }
            let days = gap(f.days.span(), o.days.span());
            if days > t.support_window_days {
                continue;
            }
            found.has_peers = true;
            if supports(&key, &other, t.claim_min_overlap) {
                let slot = support.entry((o.cluster, other_record.hedged)).or_insert(n);
                if place(n) < place(*slot) {
                    *slot = n;
                }
            } else if days <= t.contradiction_window_days
                && contradicts(&key, &other, t.claim_min_overlap)
            {
                let slot = against.entry(o.cluster).or_insert(n);
                if place(n) < place(*slot) {
                    *slot = n;
                }
            }
        }
        found.support = support.into_values().collect();
        found.support.sort_unstable();
        found.against = against.into_values().collect();
        found.against.sort_unstable();
        found
    }

    /// The verdict on a claim from its candidate witnesses (claim records, each once, in
    /// record order): per independent cluster, the strongest supporting claim (its cluster's
    /// weight, halved when hedged; ties go to the smallest document id, then to the first
    /// claim) and the first contradicting one by document id.
    pub(crate) fn verdict(&self, index: &Index, candidates: &Candidates) -> ClaimVerdict {
        let witness = |n: u32, hedged_halves: bool| {
            let r = &index.claims[n as usize];
            let cluster = index.docs[r.doc as usize].cluster;
            let weight = self.cluster_weight[cluster as usize];
            Witness {
                cluster,
                weight: if hedged_halves && r.hedged {
                    weight / 2.0
                } else {
                    weight
                },
                claim: n,
            }
        };
        let place = |w: &Witness| {
            let r = &index.claims[w.claim as usize];
            (self.id_rank[r.doc as usize], r.start)
        };
        let mut support: BTreeMap<u32, Witness> = BTreeMap::new();
        for &n in &candidates.support {
            let candidate = witness(n, true);
            let rank = self.cluster_rank[candidate.cluster as usize];
            let slot = support.entry(rank).or_insert_with(|| candidate.clone());
            let strength = |x: &Witness| {
                let (id, start) = place(x);
                (-x.weight, id, start)
            };
            if strength(&candidate) < strength(slot) {
                *slot = candidate;
            }
        }
        let mut against: BTreeMap<u32, Witness> = BTreeMap::new();
        for &n in &candidates.against {
            let candidate = witness(n, false);
            let rank = self.cluster_rank[candidate.cluster as usize];
            let slot = against.entry(rank).or_insert_with(|| candidate.clone());
            if place(&candidate) < place(slot) {
                *slot = candidate;
            }
        }
        ClaimVerdict {
            support: support.into_values().collect(),
            contradiction: against.into_values().collect(),
            has_peers: candidates.has_peers,
            misspelt: false,
        }
    }

    /// The id of the document whose claim a witness stands on: the notes and `supported_by`
    /// name the document whose sentence the evidence quotes.
    pub fn witness_doc<'a>(&self, index: &'a Index, w: &Witness) -> &'a str {
        index.id(index.claims[w.claim as usize].doc)
    }

    /// Where a witness's claim is.
    pub fn evidence(&self, index: &Index, w: &Witness, note: &str) -> Evidence {
        let r = &index.claims[w.claim as usize];
        at(index.id(r.doc), r.start as usize, r.end as usize, note)
    }

    /// `corroboration` and `contradiction` of a document from its claims' verdicts; not
    /// applicable when no independent cluster speaks about the same things in the time window.
    fn claim_signals(
        &self,
        index: &Index,
        doc: &Document,
        verdicts: &[ClaimVerdict],
        full_share: f64,
    ) -> (Signal, Signal) {
        let id = doc.id.as_str();
        if !verdicts.iter().any(|v| v.has_peers) {
            let reason =
                "no independent cluster reports on the same people and things in the time window";
            return (
                not_applicable(id, CORROBORATION, reason),
                not_applicable(id, CONTRADICTION, reason),
            );
        }
        let mut support_evidence = Vec::new();
        let mut contra_evidence = Vec::new();
        let (mut supported, mut contradicted) = (0usize, 0usize);
        for (claim, v) in doc.claims.iter().zip(verdicts) {
            if !v.support.is_empty() {
                supported += 1;
                let reps: Vec<&str> = v
                    .support
                    .iter()
                    .map(|w| self.witness_doc(index, w))
                    .collect();
                support_evidence.push(at(
                    id,
                    claim.start,
                    claim.end,
                    format!(
                        "supported by {} independent cluster(s): {}",
                        reps.len(),
                        reps.join(", ")
                    ),
                ));
                support_evidence.extend(
                    v.support
                        .iter()
                        .map(|w| self.evidence(index, w, SUPPORTING)),
                );
            }
            if !v.contradiction.is_empty() {
                contradicted += 1;
                contra_evidence.push(at(id, claim.start, claim.end, "contradicted claim"));
                contra_evidence.extend(
                    v.contradiction
                        .iter()
                        .map(|w| self.evidence(index, w, CONTRADICTING)),
                );
            }
        }
        let share = supported as f64 / doc.claims.len().max(1) as f64;
        if support_evidence.is_empty() {
            support_evidence.push(note(id, "no claim supported by an independent cluster"));
        }
        if contra_evidence.is_empty() {
            contra_evidence.push(note(id, "no claim contradicted by an independent cluster"));
        }
        (
            scored(
                CORROBORATION,
                share / full_share.max(f64::EPSILON),
                support_evidence,
            ),
            scored(
                CONTRADICTION,
                1.0 - (contradicted as f64 / 2.0).min(1.0),
                contra_evidence,
            ),
        )
    }
}

/// Note on the evidence of a supporting witness.
pub const SUPPORTING: &str = "supporting claim";
/// Note on the evidence of a contradicting witness.
pub const CONTRADICTING: &str = "contradicting claim: incompatible numbers";

/// `originality`: see [`originality_score`]; the evidence names what it copies, its family
/// and the copy markers in its text.
fn originality(doc: &Document, key: &DocKey, family: &[&str]) -> Signal {
    let id = doc.id.as_str();
    let dedupe = doc.dedupe.as_ref();
    let mut evidence: Vec<Evidence> = Vec::new();
    let source = dedupe
        .and_then(|d| d.duplicate_of.as_deref())
        .unwrap_or("another document");
    match key.relation {
        Relation::Exact | Relation::NearDuplicate => {
            evidence.push(note(id, format!("copy of {source}")));
        }
        Relation::Derived => {
            evidence.push(note(
                id,
                format!("rewrite or translation sharing the rare facts of {source}"),
            ));
        }
        Relation::Syndicated => {
            let origin = dedupe
                .and_then(|d| d.origin.as_deref())
                .unwrap_or("another outlet");
            evidence.push(note(id, format!("repost of {origin}")));
        }
        Relation::None if !family.is_empty() => {
            let family = family.join(", ");
            evidence.push(note(
                id,
                format!("shares its rare facts with rewrites or translations: {family}"),
            ));
        }
        Relation::None => {}
    }
    if key.markers.any() {
        let markers = MarkerEvidence::of(doc);
        evidence.extend(markers.syndication);
        evidence.extend(markers.disclaimer);
        evidence.extend(markers.summary);
    }
    if evidence.is_empty() {
        evidence.push(note(id, "no copy or repost found"));
    }
    scored(
        ORIGINALITY,
        originality_score(key, !family.is_empty()),
        evidence,
    )
}

/// The reference date: the configured one, else the newest date of a document whose dates
/// are consistent (`date_consistency` ≥ 0.5).
fn reference_date(index: &Index, config: &ReliabilityConfig) -> Option<i64> {
    let newest = index
        .docs
        .iter()
        .filter(|k| k.dates_consistent)
        .filter_map(|k| k.days.date)
        .max();
    reference_of(newest, config)
}

/// The reference date given the newest date of a document whose dates are consistent: the
/// configured one, else that.
pub(crate) fn reference_of(newest: Option<i64>, config: &ReliabilityConfig) -> Option<i64> {
    match config.reference_date.as_deref() {
        Some(fixed) => parse_iso(fixed),
        None => newest,
    }
}

/// The median age of the dated documents when it exceeds `archive_median_age_days`: then the
/// corpus is an archive spanning years, and age says nothing about being superseded.
fn archive_spread(index: &Index, reference: i64, config: &ReliabilityConfig) -> Option<i64> {
    config.currency.archive_median_age_days?;
    let mut latest = LatestDays::new();
    for day in index.docs.iter().filter_map(|k| k.days.latest()) {
        *latest.entry(day).or_default() += 1;
    }
    spread_of(&latest, reference, config)
}

/// How many documents have each latest day ([`crate::dating::Days::latest`]), in day order.
pub(crate) type LatestDays = BTreeMap<i64, u64>;

/// [`archive_spread`] from how many documents have each latest day: the median age is that of
/// the newest documents' day where the count from the newest passes half of them.
pub(crate) fn spread_of(
    latest: &LatestDays,
    reference: i64,
    config: &ReliabilityConfig,
) -> Option<i64> {
    let limit = config.currency.archive_median_age_days?;
    let dated: u64 = latest.values().sum();
    // The ages in ascending order are the days in descending order; the median is at half.
    let mut seen = 0;
    let day = latest.iter().rev().find_map(|(&day, &count)| {
        seen += count;
        (seen > dated / 2).then_some(day)
    })?;
    let median = reference - day;
    (median as f64 > limit).then_some(median)
}

/// The currency factor: 1 within the grace period of the reference date, then halved every
/// half-life, never below the floor. Not applicable in archival mode or without a date.
fn currency(
    id: &str,
    key: &DocKey,
    reference: Option<i64>,
    spread: Option<i64>,
    config: &ReliabilityConfig,
) -> Signal {
    let c = &config.currency;
    let mut signal = match (config.mode, key.days.latest(), reference) {
        (Mode::Archival, _, _) => {
            not_applicable(id, CURRENCY, "archival mode: no discount for age")
        }
        (_, None, _) => not_applicable(id, CURRENCY, "no date or office holder dates the report"),
        (_, _, None) => not_applicable(id, CURRENCY, "no reference date in the corpus"),
        _ if spread.is_some() => {
            let age = spread.unwrap_or_default();
            let reason =
                format!("the corpus spans years (median age {age} days): an archive, no discount");
            not_applicable(id, CURRENCY, &reason)
        }
        (Mode::Current, Some(latest), Some(reference)) => {
            let age = (reference - latest) as f64;
            let factor = if age <= c.grace_days {
                1.0
            } else {
                0.5_f64
                    .powf((age - c.grace_days) / c.half_life_days.max(1.0))
                    .max(c.floor)
            };
            let how = if key.days.date.is_some() {
                "dated"
            } else {
                "written by, at the latest (office holders named),"
            };
            let age_text = if age > 0.0 {
                format!("{age} days older")
            } else {
                "not older".into()
            };
            let text = format!(
                "{how} {}, reference date {} ({age_text}): score × {}",
                format_iso(latest),
                format_iso(reference),
                round1(factor * 100.0) / 100.0
            );
            scored(CURRENCY, factor, vec![note(id, text)])
        }
    };
    signal.weight = 0.0;
    signal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::observe;
    use crate::tenure::OfficeHolders;
    use newspipe_core::Claim;

    /// A claim that is the whole of `text`, naming `entities` and counting `quantities`.
    fn whole_text_claim(text: &str, entities: &[&str], quantities: Vec<usize>) -> Claim {
        Claim {
            text: text.to_owned(),
            start: 0,
            end: text.len(),
            speaker: None,
            hedged: false,
            entities: entities.iter().map(|&e| e.into()).collect(),
            quantities,
            reliability: None,
        }
    }

    /// `n` independent reports with one claim naming Canada and Latvia.
    fn reports(n: usize) -> Vec<Document> {
        (0..n)
            .map(|i| {
                let text = format!("Canada will send {i} advisers to Latvia next spring.");
                let mut doc = Document::new(format!("d{i:04}"), Default::default(), text.clone());
                doc.claims = vec![whole_text_claim(&text, &["Canada", "Latvia"], vec![])];
                doc
            })
            .collect()
    }

    fn corpus_of(docs: &mut [Document]) -> (Index, Corpus) {
        let config = ReliabilityConfig::default();
        let holders = OfficeHolders::default();
        let mut index = Index::default();
        for doc in docs.iter_mut() {
            index.push(observe(doc, &config, &holders));
        }
        let corpus = Corpus::new(&index, &config);
        (index, corpus)
    }

    #[test]
    fn the_spread_from_day_counts_is_the_median_age_of_the_sorted_ages() {
        let config = ReliabilityConfig {
            currency: crate::config::Currency {
                archive_median_age_days: Some(10.0),
                ..Default::default()
            },
            ..Default::default()
        };
        let reference = 1000;
        for days in [
            vec![990],
            vec![100, 990],
            vec![100, 200, 990],
            vec![100, 100, 100, 990, 995],
            vec![500, 990, 990, 990],
            vec![980, 985, 600, 500, 990, 400],
        ] {
            let mut ages: Vec<i64> = days.iter().map(|d| reference - d).collect();
            ages.sort_unstable();
            let median = ages[ages.len() / 2];
            let expected = (median as f64 > 10.0).then_some(median);
            let mut counts = LatestDays::new();
            for &day in &days {
                *counts.entry(day).or_default() += 1;
            }
            assert_eq!(spread_of(&counts, reference, &config), expected, "{days:?}");
        }
        assert_eq!(spread_of(&LatestDays::new(), reference, &config), None);
    }

    /// `n` reports, each with one claim naming one to three of a few places (one named in
    /// more than [`MAX_POSTING`] claims, the others in fewer) and counting troops, dollars,
    /// per cent or nothing, drawn by a fixed generator.
    fn mixed_reports(n: usize) -> Vec<Document> {
        use newspipe_core::{Quantity, QuantityValue};
        let places = [
            "Canada", "Latvia", "Estonia", "Poland", "Norway", "Chile", "Peru", "Ghana", "Nepal",
            "Oman", "Fiji", "Laos",
        ];
        let units = [None, Some("troop"), Some("dollar"), Some("percent")];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below as u64) as usize
        };
        (0..n)
            .map(|i| {
                // Canada in half the claims, the others in fewer than MAX_POSTING
                let rare = places.len() - 1;
                let first = if next(2) == 0 { 0 } else { 1 + next(rare) };
                let mut named = vec![places[first], places[1 + next(rare)]];
                if next(3) == 0 {
                    named.push(places[1 + next(rare)]);
                }
                named.sort_unstable();
                named.dedup();
                let unit = units[next(units.len())];
                let number = 10 + next(5) * 10;
                let text = format!(
                    "{} will send {number} {} to {} next spring.",
                    named[0],
                    unit.unwrap_or("advisers"),
                    named[1..].join(" and ")
                );
                let mut doc = Document::new(format!("d{i:04}"), Default::default(), text.clone());
                let at = text.find(&number.to_string()).unwrap_or(0);
                doc.quantities = unit
                    .map(|unit| Quantity {
                        text: number.to_string(),
                        value: QuantityValue::Number(number as f64),
                        unit: Some(unit.into()),
                        qualifier: None,
                        start: at,
                        end: at + number.to_string().len(),
                    })
                    .into_iter()
                    .collect();
                let quantities = (0..doc.quantities.len()).collect();
                doc.claims = vec![whole_text_claim(&text, &named, quantities)];
                doc
            })
            .collect()
    }

    #[test]
    fn the_unit_masks_rule_out_only_candidates_the_full_check_would() {
        let mut docs = mixed_reports(600);
        let (index, corpus) = corpus_of(&mut docs);
        assert!(
            corpus.postings.values().any(|l| l.len() == MAX_POSTING)
                && corpus.postings.values().any(|l| l.len() < MAX_POSTING),
            "some lists cut, some whole"
        );
        let unmasked = Corpus {
            postings: corpus.postings.clone(),
            id_rank: corpus.id_rank.clone(),
            ..Corpus::default()
        };
        let config = ReliabilityConfig::default();
        for c in 0..index.claims.len() as u32 {
            assert_eq!(
                corpus.candidates(&index, c, &config),
                unmasked.candidates(&index, c, &config),
                "claim {c}"
            );
        }
        // the generator gives the masks work: pairs of claims sharing one place, counting
        // different things, the one's lists all whole
        let whole = |c: u32| {
            index
                .view(c)
                .entities
                .iter()
                .all(|e| corpus.postings[e].len() < MAX_POSTING)
        };
        let ruled_out = (0..index.claims.len() as u32)
            .filter(|&c| whole(c))
            .flat_map(|c| (0..index.claims.len() as u32).map(move |n| (c, n)))
            .filter(|&(c, n)| {
                let (a, b) = (index.view(c), index.view(n));
                crate::claims::shared(a.entities, b.entities) == 1
                    && unit_mask(&a) & unit_mask(&b) == 0
            })
            .count();
        assert!(ruled_out > 1000, "{ruled_out}");
    }

    #[test]
    fn an_entity_named_everywhere_lends_a_bounded_list_whatever_the_order() {
        let mut docs = reports(3 * MAX_POSTING);
        let (index, corpus) = corpus_of(&mut docs);
        assert!(corpus.postings.values().all(|l| l.len() == MAX_POSTING));
        let kept = |index: &Index, corpus: &Corpus| -> Vec<String> {
            let mut ids: Vec<String> = corpus
                .postings
                .values()
                .flatten()
                .map(|&c| index.id(index.claims[c as usize].doc).to_owned())
                .collect();
            ids.sort();
            ids
        };
        let forward = kept(&index, &corpus);
        docs.reverse();
        let (index, corpus) = corpus_of(&mut docs);
        assert_eq!(
            kept(&index, &corpus),
            forward,
            "the smallest ids, in any order"
        );
        assert_eq!(forward[0], "d0000");
    }
}
