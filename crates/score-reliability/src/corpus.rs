//! The second step: with every document observed, the signals that need the corpus. Clusters
//! are witnesses (copies never count twice); names are checked against the spelling most
//! independent clusters use; claims are matched across clusters; the reference date for
//! currency is the newest consistent date.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use newspipe_core::{Evidence, Relation, Signal};
use rayon::prelude::*;

use crate::calendar::{format_iso, parse_iso};
use crate::claims::{contradicts, same_topic, supports};
use crate::combine::{document_weight, points, CURRENCY};
use crate::config::{Mode, ReliabilityConfig};
use crate::dating::DATE_CONSISTENCY;
use crate::facts::DocFacts;
use crate::signal::{at, not_applicable, note, round1, scored};

/// Signal name.
pub const NAME_CONSISTENCY: &str = "name_consistency";
/// Signal name.
pub const ORIGINALITY: &str = "originality";
/// Signal name.
pub const CORROBORATION: &str = "corroboration";
/// Signal name.
pub const CONTRADICTION: &str = "contradiction";

/// Entities named in more claims than this are not used to find candidate pairs (they say
/// nothing about which claims match, and would make matching quadratic).
const MAX_POSTING: usize = 5000;

/// One independent witness's stand on a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct Witness {
    /// Id of the representative document of the witness's cluster.
    pub representative: String,
    /// The witness's weight: its best document's intrinsic score (halved when hedged).
    pub weight: f64,
    /// Where the matching claim is.
    pub evidence: Evidence,
}

/// What the corpus says about one claim.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimVerdict {
    /// Independent clusters that support it.
    pub support: Vec<Witness>,
    /// Independent clusters that contradict it.
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
    /// `name_consistency`, `originality`, `corroboration`, `contradiction`.
    pub signals: Vec<Signal>,
    /// The currency factor, as a signal of weight 0.
    pub currency: Signal,
    /// The score without corpus-relative signals, 0–100.
    pub intrinsic: f64,
    /// One per claim.
    pub claims: Vec<ClaimVerdict>,
}

fn weighted(mut signals: Vec<Signal>, config: &ReliabilityConfig) -> Vec<Signal> {
    for s in &mut signals {
        s.weight = document_weight(&config.weights, &s.name);
    }
    signals
}

/// Computes every document's corpus signals and claim verdicts, in input order.
pub fn judge(facts: &[DocFacts], config: &ReliabilityConfig) -> Vec<Verdict> {
    let clusters = Clusters::new(facts);
    let originality: Vec<Signal> = facts
        .iter()
        .map(|f| {
            let family: Vec<&str> = clusters
                .others(f, facts)
                .filter(|o| o.relation == Relation::Derived)
                .map(|o| o.id.as_str())
                .collect();
            originality(f, &family)
        })
        .collect();
    let intrinsic: Vec<f64> = facts
        .iter()
        .zip(&originality)
        .map(|(f, o)| {
            let mut own = f.own.clone();
            own.push(o.clone());
            points(&weighted(own, config))
        })
        .collect();
    let mut cluster_weight: HashMap<&str, f64> = HashMap::new();
    for (f, score) in facts.iter().zip(&intrinsic) {
        let w = cluster_weight.entry(f.cluster.as_str()).or_default();
        *w = w.max(*score);
    }
    let names = NameBook::new(facts);
    let claims = match_claims(facts, config, &clusters, &cluster_weight);
    let reference = reference_date(facts, config);
    let spread = reference.and_then(|r| archive_spread(facts, r, config));
    facts
        .iter()
        .enumerate()
        .zip(originality)
        .zip(claims)
        .map(|(((i, f), originality), mut claim_verdicts)| {
            let (names_signal, misspelt) = names.signal(i, facts);
            let has_peers = claim_verdicts.iter().any(|v| v.has_peers);
            for (key, verdict) in f.claims.iter().zip(claim_verdicts.iter_mut()) {
                verdict.misspelt = misspelt.iter().any(|&(s, e)| s < key.end && e > key.start);
                verdict.has_peers = has_peers;
            }
            let (corroboration, contradiction) =
                claim_signals(f, &claim_verdicts, config.thresholds.supported_share_full);
            Verdict {
                signals: weighted(
                    vec![names_signal, originality, corroboration, contradiction],
                    config,
                ),
                currency: currency(f, reference, spread, config),
                intrinsic: intrinsic[i],
                claims: claim_verdicts,
            }
        })
        .collect()
}

/// Who is in which cluster.
struct Clusters {
    members: BTreeMap<String, Vec<usize>>,
    representative: HashMap<String, String>,
}

impl Clusters {
    fn new(facts: &[DocFacts]) -> Self {
        let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, f) in facts.iter().enumerate() {
            members.entry(f.cluster.clone()).or_default().push(i);
        }
        let representative = members
            .iter()
            .map(|(cluster, docs)| {
                // Dedupe's representative; else the smallest id, whatever the input order.
                let rep = docs
                    .iter()
                    .min_by_key(|&&i| (!facts[i].representative, &facts[i].id))
                    .unwrap_or(&docs[0]);
                (cluster.clone(), facts[*rep].id.clone())
            })
            .collect();
        Self {
            members,
            representative,
        }
    }

    fn others<'a>(
        &'a self,
        f: &'a DocFacts,
        facts: &'a [DocFacts],
    ) -> impl Iterator<Item = &'a DocFacts> {
        self.members[&f.cluster]
            .iter()
            .map(move |&i| &facts[i])
            .filter(move |o| o.id != f.id)
    }
}

/// `originality`: 1 for an original report; 0.5 for a copy, a repost or a member of a
/// rewrite/translation family; 0.25 with an aggregator's accuracy disclaimer.
fn originality(f: &DocFacts, family: &[&str]) -> Signal {
    let mut score: f64 = 1.0;
    let mut evidence: Vec<Evidence> = Vec::new();
    let source = f.duplicate_of.as_deref().unwrap_or("another document");
    match f.relation {
        Relation::Exact | Relation::NearDuplicate => {
            score = 0.5;
            evidence.push(note(&f.id, format!("copy of {source}")));
        }
        Relation::Derived => {
            score = 0.5;
            evidence.push(note(
                &f.id,
                format!("rewrite or translation sharing the rare facts of {source}"),
            ));
        }
        Relation::Syndicated => {
            score = 0.5;
            let origin = f.origin.as_deref().unwrap_or("another outlet");
            evidence.push(note(&f.id, format!("repost of {origin}")));
        }
        Relation::None if !family.is_empty() => {
            score = 0.5;
            let family = family.join(", ");
            evidence.push(note(
                &f.id,
                format!("shares its rare facts with rewrites or translations: {family}"),
            ));
        }
        Relation::None => {}
    }
    if !f.markers.syndication.is_empty() {
        score = score.min(0.5);
        evidence.extend(f.markers.syndication.iter().cloned());
    }
    if !f.markers.disclaimer.is_empty() {
        score = score.min(0.25);
        evidence.extend(f.markers.disclaimer.iter().cloned());
    }
    evidence.extend(f.markers.summary.iter().cloned());
    if evidence.is_empty() {
        evidence.push(note(&f.id, "no copy or repost found"));
    }
    scored(ORIGINALITY, score, evidence)
}

/// The clusters that use one spelling, each with its first use there: document index, start,
/// end.
type Spelling = BTreeMap<String, (usize, usize, usize)>;

/// Spellings of each canonical person across clusters.
struct NameBook {
    /// canonical → spelling key → (clusters using it, first use: doc index, start, end).
    spellings: HashMap<String, BTreeMap<String, Spelling>>,
}

/// Folds spellings that differ only by transliteration or accents ("Zelensky"/"Zelenskyy").
fn spelling_key(form: &str) -> String {
    let folded: String = form
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'j' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'w' => 'v',
            c => c,
        })
        .collect();
    folded
        .replace("yy", "y")
        .replace("iy", "y")
        .replace("ii", "i")
        .replace('y', "i")
}

impl NameBook {
    fn new(facts: &[DocFacts]) -> Self {
        let mut spellings: HashMap<String, BTreeMap<String, Spelling>> = HashMap::new();
        for (i, f) in facts.iter().enumerate() {
            for name in &f.names {
                let first = spellings
                    .entry(name.canonical.clone())
                    .or_default()
                    .entry(spelling_key(&name.form))
                    .or_default()
                    .entry(f.cluster.clone())
                    .or_insert((i, name.start, name.end));
                // The first use by document id, whatever the input order.
                if (&f.id, name.start) < (&facts[first.0].id, first.1) {
                    *first = (i, name.start, name.end);
                }
            }
        }
        Self { spellings }
    }

    /// `name_consistency` for document `i`, and the spans of its minority spellings.
    fn signal(&self, i: usize, facts: &[DocFacts]) -> (Signal, Vec<(usize, usize)>) {
        let f = &facts[i];
        let mut checkable = false;
        let mut flagged: Vec<Evidence> = Vec::new();
        let mut spans = Vec::new();
        for name in &f.names {
            let Some(forms) = self.spellings.get(&name.canonical) else {
                continue;
            };
            let clusters: BTreeSet<&String> = forms.values().flat_map(|c| c.keys()).collect();
            if clusters.len() < 2 {
                continue;
            }
            checkable = true;
            let own_key = spelling_key(&name.form);
            let own = forms.get(&own_key).map_or(0, BTreeMap::len);
            let best = forms
                .iter()
                .filter(|(key, _)| {
                    **key != own_key
                        && strsim::levenshtein(key, &own_key) <= 2
                        && own_key.len() >= 4
                })
                .max_by_key(|(key, c)| (c.len(), std::cmp::Reverse((*key).clone())));
            if let Some((_, c)) = best.filter(|(_, c)| c.len() > own) {
                // Point at a use in another cluster, so the counterpart is independent.
                let (j, s, e) = c
                    .iter()
                    .find(|(cluster, _)| **cluster != f.cluster)
                    .or_else(|| c.iter().next())
                    .map(|(_, use_)| use_)
                    .expect("a spelling has a use");
                let other = &facts[*j];
                flagged.push(at(
                    &f.id,
                    name.start,
                    name.end,
                    format!(
                        "minority spelling of {} ({own} cluster(s) against {})",
                        name.canonical,
                        c.len()
                    ),
                ));
                let counterpart = at(
                    &other.id,
                    *s,
                    *e,
                    format!("spelling used by {} independent cluster(s)", c.len()),
                );
                if !flagged.contains(&counterpart) {
                    flagged.push(counterpart);
                }
                spans.push((name.start, name.end));
            }
        }
        if !checkable {
            let reason = "no person named here is named by another independent cluster";
            return (not_applicable(&f.id, NAME_CONSISTENCY, reason), spans);
        }
        let score = 1.0 - (spans.len() as f64 / 2.0).min(1.0);
        if flagged.is_empty() {
            flagged.push(note(
                &f.id,
                "names spelt as the other independent clusters spell them",
            ));
        }
        (scored(NAME_CONSISTENCY, score, flagged), spans)
    }
}

fn gap(a: (i64, i64), b: (i64, i64)) -> i64 {
    b.0.saturating_sub(a.1).max(a.0.saturating_sub(b.1)).max(0)
}

/// Matches every claim against the claims of other clusters.
fn match_claims(
    facts: &[DocFacts],
    config: &ReliabilityConfig,
    clusters: &Clusters,
    cluster_weight: &HashMap<&str, f64>,
) -> Vec<Vec<ClaimVerdict>> {
    let t = &config.thresholds;
    let flat: Vec<(usize, usize)> = facts
        .iter()
        .enumerate()
        .flat_map(|(d, f)| (0..f.claims.len()).map(move |c| (d, c)))
        .collect();
    let mut postings: HashMap<u64, Vec<usize>> = HashMap::new();
    for (n, &(d, c)) in flat.iter().enumerate() {
        for &e in &facts[d].claims[c].entities {
            postings.entry(e).or_default().push(n);
        }
    }
    let verdicts: Vec<ClaimVerdict> = flat
        .par_iter()
        .map(|&(d, c)| {
            let (f, key) = (&facts[d], &facts[d].claims[c]);
            let mut candidates: BTreeSet<usize> = BTreeSet::new();
            for e in &key.entities {
                if let Some(list) = postings.get(e).filter(|l| l.len() <= MAX_POSTING) {
                    candidates.extend(list.iter().copied());
                }
            }
            let mut verdict = ClaimVerdict::default();
            let mut support: BTreeMap<&str, Witness> = BTreeMap::new();
            let mut against: BTreeMap<&str, Witness> = BTreeMap::new();
            for n in candidates {
                let (od, oc) = flat[n];
                let (o, other) = (&facts[od], &facts[od].claims[oc]);
                if o.cluster == f.cluster || !same_topic(key, other) {
                    continue;
                }
                let days = gap(f.span, o.span);
                if days > t.support_window_days {
                    continue;
                }
                verdict.has_peers = true;
                let weight = cluster_weight
                    .get(o.cluster.as_str())
                    .copied()
                    .unwrap_or_default();
                let witness = |note: &str, weight: f64| Witness {
                    representative: clusters.representative[&o.cluster].clone(),
                    weight,
                    evidence: at(&o.id, other.start, other.end, note),
                };
                if supports(key, other, t.claim_min_overlap) {
                    let w = if other.hedged { weight / 2.0 } else { weight };
                    let slot = support
                        .entry(o.cluster.as_str())
                        .or_insert_with(|| witness("supporting claim", w));
                    // The strongest supporting claim; ties go to the smallest document id.
                    let candidate = witness("supporting claim", w);
                    let rank = |x: &Witness| (-x.weight, x.evidence.doc.clone(), x.evidence.start);
                    if rank(&candidate) < rank(slot) {
                        *slot = candidate;
                    }
                } else if days <= t.contradiction_window_days
                    && contradicts(key, other, t.claim_min_overlap)
                {
                    let candidate = witness("contradicting claim: incompatible numbers", weight);
                    let slot = against
                        .entry(o.cluster.as_str())
                        .or_insert_with(|| candidate.clone());
                    if (&candidate.evidence.doc, candidate.evidence.start)
                        < (&slot.evidence.doc, slot.evidence.start)
                    {
                        *slot = candidate;
                    }
                }
            }
            verdict.support = support.into_values().collect();
            verdict.contradiction = against.into_values().collect();
            verdict
        })
        .collect();
    let mut out: Vec<Vec<ClaimVerdict>> = facts
        .iter()
        .map(|f| Vec::with_capacity(f.claims.len()))
        .collect();
    for (&(d, _), v) in flat.iter().zip(verdicts) {
        out[d].push(v);
    }
    out
}

/// `corroboration` and `contradiction` of a document from its claims' verdicts; not
/// applicable when no independent cluster speaks about the same things in the time window.
fn claim_signals(f: &DocFacts, verdicts: &[ClaimVerdict], full_share: f64) -> (Signal, Signal) {
    if !verdicts.iter().any(|v| v.has_peers) {
        let reason =
            "no independent cluster reports on the same people and things in the time window";
        return (
            not_applicable(&f.id, CORROBORATION, reason),
            not_applicable(&f.id, CONTRADICTION, reason),
        );
    }
    let mut support_evidence = Vec::new();
    let mut contra_evidence = Vec::new();
    let (mut supported, mut contradicted) = (0usize, 0usize);
    for (key, v) in f.claims.iter().zip(verdicts) {
        if !v.support.is_empty() {
            supported += 1;
            let reps: Vec<&str> = v
                .support
                .iter()
                .map(|w| w.representative.as_str())
                .collect();
            support_evidence.push(at(
                &f.id,
                key.start,
                key.end,
                format!(
                    "supported by {} independent cluster(s): {}",
                    reps.len(),
                    reps.join(", ")
                ),
            ));
            support_evidence.extend(v.support.iter().map(|w| w.evidence.clone()));
        }
        if !v.contradiction.is_empty() {
            contradicted += 1;
            contra_evidence.push(at(&f.id, key.start, key.end, "contradicted claim"));
            contra_evidence.extend(v.contradiction.iter().map(|w| w.evidence.clone()));
        }
    }
    let share = supported as f64 / f.claims.len().max(1) as f64;
    if support_evidence.is_empty() {
        support_evidence.push(note(&f.id, "no claim supported by an independent cluster"));
    }
    if contra_evidence.is_empty() {
        contra_evidence.push(note(
            &f.id,
            "no claim contradicted by an independent cluster",
        ));
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

/// The reference date: the configured one, else the newest date of a document whose dates
/// are consistent (`date_consistency` ≥ 0.5).
fn reference_date(facts: &[DocFacts], config: &ReliabilityConfig) -> Option<i64> {
    if let Some(fixed) = config.reference_date.as_deref() {
        return parse_iso(fixed);
    }
    facts
        .iter()
        .filter(|f| {
            f.own
                .iter()
                .any(|s| s.name == DATE_CONSISTENCY && s.score >= 0.5)
        })
        .filter_map(|f| f.date)
        .max()
}

/// The median age of the dated documents when it exceeds `archive_median_age_days`: then the
/// corpus is an archive spanning years, and age says nothing about being superseded.
fn archive_spread(facts: &[DocFacts], reference: i64, config: &ReliabilityConfig) -> Option<i64> {
    let limit = config.currency.archive_median_age_days?;
    let mut ages: Vec<i64> = facts
        .iter()
        .filter_map(|f| f.latest)
        .map(|d| reference - d)
        .collect();
    if ages.is_empty() {
        return None;
    }
    ages.sort_unstable();
    let median = ages[ages.len() / 2];
    (median as f64 > limit).then_some(median)
}

/// The currency factor: 1 within the grace period of the reference date, then halved every
/// half-life, never below the floor. Not applicable in archival mode or without a date.
fn currency(
    f: &DocFacts,
    reference: Option<i64>,
    spread: Option<i64>,
    config: &ReliabilityConfig,
) -> Signal {
    let c = &config.currency;
    let mut signal = match (config.mode, f.latest, reference) {
        (Mode::Archival, _, _) => {
            not_applicable(&f.id, CURRENCY, "archival mode: no discount for age")
        }
        (_, None, _) => {
            not_applicable(&f.id, CURRENCY, "no date or office holder dates the report")
        }
        (_, _, None) => not_applicable(&f.id, CURRENCY, "no reference date in the corpus"),
        _ if spread.is_some() => {
            let age = spread.unwrap_or_default();
            let reason =
                format!("the corpus spans years (median age {age} days): an archive, no discount");
            not_applicable(&f.id, CURRENCY, &reason)
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
            let how = if f.date.is_some() {
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
            scored(CURRENCY, factor, vec![note(&f.id, text)])
        }
    };
    signal.weight = 0.0;
    signal
}
