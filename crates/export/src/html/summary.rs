//! What the report keeps while documents stream past: a compact line per document for the
//! overview, the full text and annotations of the first documents only, and the cross-document
//! views (canonical entities, claims with their supporters) built up as it goes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use newspipe_core::{
    Band, ClaimReliability, DateCandidate, DedupeInfo, Document, EntityKind, PageKind, Signal,
};

use super::data::LISTED_DOCUMENTS;
use super::highlight::{Mark, MarkKind};
use crate::exported::ExportedIds;
use crate::rows::{band_name, kind_name};

/// Bytes of clean text the documents shown in full may hold together, whatever their number:
/// with their highlights and signals this keeps the report to a few megabytes.
pub const FULL_TEXT_BUDGET: usize = 800_000;
/// Signals named next to a document's score: those that moved it most.
const REASONS: usize = 3;
/// Claims in each of the "most supported" and "most contested" tables.
pub const TOP_CLAIMS: usize = 15;

/// A score and its band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// 0–100.
    pub value: f64,
    /// High, medium or low.
    pub band: Band,
}

/// The overview line of one document.
#[derive(Debug, Clone)]
pub struct DocSummary {
    /// Document id.
    pub id: String,
    /// Headline, when known.
    pub title: Option<String>,
    /// Outlet, when known; kept only for a document the list can show ([`ReportData::listable`]).
    pub outlet: Option<String>,
    /// Publication date, when known.
    pub published: Option<String>,
    /// Cluster membership, once dedupe ran.
    pub dedupe: Option<DedupeInfo>,
    /// Document reliability, once scored.
    pub reliability: Option<Score>,
    /// The signals that moved the score most, largest first; kept only for a document the list
    /// can show ([`ReportData::listable`]).
    pub reasons: Vec<Reason>,
    /// Everything the document's own section shows; only for the first documents.
    pub full: Option<Box<FullDoc>>,
}

/// How far one signal moved a score away from a neutral 50, in points.
///
/// A score is `100 · Σ w·s / Σ w` over the applicable weighted signals, so it equals
/// `50 + Σ 100 · w · (s − ½) / Σ w`: each term is a signal's push up or down. A signal with
/// weight 0 that is applicable multiplies the score instead (an age discount); its push is what
/// the multiplication took away.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// The signal's name.
    pub signal: String,
    /// Points it added (positive) or took away (negative).
    pub points: f64,
}

/// The signals that moved a score most, largest push first (ties by name), at most [`REASONS`].
pub fn reasons(signals: &[Signal], score: f64) -> Vec<Reason> {
    let weighted = signals.iter().filter(|s| s.applicable && s.weight > 0.0);
    let total: f64 = weighted.clone().map(|s| s.weight).sum();
    let mut out: Vec<Reason> = Vec::new();
    if total > 0.0 {
        let before: f64 = 100.0 * weighted.clone().map(|s| s.weight * s.score).sum::<f64>() / total;
        out.extend(weighted.map(|s| Reason {
            signal: s.name.clone(),
            points: 100.0 * s.weight * (s.score - 0.5) / total,
        }));
        let multipliers = signals
            .iter()
            .filter(|s| s.applicable && s.weight == 0.0 && s.score < 1.0);
        out.extend(multipliers.map(|s| Reason {
            signal: s.name.clone(),
            points: (score - before).min(0.0),
        }));
    }
    out.retain(|r| r.points.abs() >= 0.5);
    out.sort_by(|a, b| {
        b.points
            .abs()
            .total_cmp(&a.points.abs())
            .then_with(|| a.signal.cmp(&b.signal))
    });
    out.truncate(REASONS);
    out
}

/// What a document's own section shows.
#[derive(Debug, Clone)]
pub struct FullDoc {
    /// The clean text.
    pub text: String,
    /// The input file.
    pub source_path: String,
    /// The page URL.
    pub url: Option<String>,
    /// Author line.
    pub byline: Option<String>,
    /// Where the outlet's name came from.
    pub outlet_basis: Option<String>,
    /// Where the publication date came from.
    pub published_basis: Option<String>,
    /// Publication-date candidates, including disagreeing ones.
    pub date_candidates: Vec<DateCandidate>,
    /// Language code.
    pub language: Option<String>,
    /// Article, listing or other.
    pub page_kind: Option<PageKind>,
    /// Annotations to highlight in the text.
    pub marks: Vec<Mark>,
    /// The document's reliability signals with their evidence.
    pub signals: Vec<Signal>,
    /// Each claim's signals, by claim index.
    pub claim_signals: Vec<Vec<Signal>>,
    /// The fields plugins or the input added: name and value as compact JSON, cut to
    /// [`EXTRA_VALUE_CHARS`] characters so a large value cannot swell the report.
    pub extra: Vec<(String, String)>,
}

/// Characters of one `extra` value the report shows.
pub const EXTRA_VALUE_CHARS: usize = 300;

/// One canonical entity across the corpus.
#[derive(Debug, Clone, Default)]
pub struct EntityGroup {
    /// Each spelling seen, with how often.
    pub spellings: BTreeMap<String, u64>,
    /// Titles and roles stated with it.
    pub roles: BTreeSet<String>,
    /// Mentions in all documents.
    pub mentions: u64,
    /// Documents that mention it.
    pub documents: u64,
    last_doc: Option<usize>,
}

/// One claim, for the corpus-wide claims table.
#[derive(Debug, Clone)]
pub struct ClaimSummary {
    /// Position of its document in [`ReportData::docs`].
    pub doc: usize,
    /// Index of the claim in its document.
    pub idx: usize,
    /// The sentence.
    pub text: String,
    /// Who it is attributed to.
    pub speaker: Option<String>,
    /// Whether it is hedged.
    pub hedged: bool,
    /// Its reliability, once scored.
    pub reliability: Option<Score>,
    /// Documents of independent clusters that support it.
    pub supported_by: Vec<String>,
    /// Documents of independent clusters that contradict it.
    pub contradicted_by: Vec<String>,
}

/// How a claim ranks in one of the report's bounded claim lists; larger ranks first, the
/// earliest claim winning a tie.
type ClaimRank = (usize, usize, i64, Reverse<(usize, usize)>);

/// A claim waiting for a place in a bounded list.
#[derive(Debug)]
struct RankedClaim {
    rank: ClaimRank,
    claim: ClaimSummary,
}

impl PartialEq for RankedClaim {
    fn eq(&self, other: &Self) -> bool {
        self.rank == other.rank
    }
}

impl Eq for RankedClaim {}

impl PartialOrd for RankedClaim {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RankedClaim {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank)
    }
}

/// The `capacity` highest-ranked claims seen so far.
#[derive(Debug, Default)]
struct TopClaims {
    capacity: usize,
    heap: BinaryHeap<Reverse<RankedClaim>>,
}

impl TopClaims {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            heap: BinaryHeap::new(),
        }
    }

    fn offer(&mut self, rank: ClaimRank, claim: &ClaimSummary) {
        if self.heap.len() < self.capacity {
            self.heap.push(Reverse(RankedClaim {
                rank,
                claim: claim.clone(),
            }));
        } else if self.heap.peek().is_some_and(|least| least.0.rank < rank) {
            self.heap.pop();
            self.heap.push(Reverse(RankedClaim {
                rank,
                claim: claim.clone(),
            }));
        }
    }

    /// The kept claims, highest rank first.
    fn into_sorted(self) -> Vec<ClaimSummary> {
        // Ascending order of `Reverse` is descending rank.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(ranked)| ranked.claim)
            .collect()
    }
}

/// Everything the report needs, gathered one document at a time. Memory stays bounded on any
/// corpus: full text only for `max_full` documents within [`FULL_TEXT_BUDGET`], and besides
/// their claims, only the `max_claims` most telling others (contradicted, then best
/// supported).
#[derive(Debug, Default)]
pub struct ReportData {
    /// At most this many documents get their own full section.
    pub max_full: usize,
    /// At most this many claims of other documents go into the claims table.
    pub max_claims: usize,
    /// Every document, in input order.
    pub docs: Vec<DocSummary>,
    /// Canonical entities by (name, kind).
    pub entities: BTreeMap<(String, EntityKind), EntityGroup>,
    /// The claims the report shows, in document order (after [`settle`](Self::settle)).
    pub claims: Vec<ClaimSummary>,
    /// How many claims the documents made in all.
    pub claims_total: usize,
    /// How many entity mentions the documents hold in all.
    pub mentions_total: usize,
    /// How many quotes the documents hold in all.
    pub quotes_total: usize,
    /// The claims supported by the most independent clusters (after [`settle`](Self::settle)).
    pub most_supported: Vec<ClaimSummary>,
    /// The claims contradicted by the most independent clusters (after
    /// [`settle`](Self::settle)).
    pub most_contested: Vec<ClaimSummary>,
    /// Bytes of text held by the documents shown in full.
    full_text_bytes: usize,
    ranked: TopClaims,
    supported: TopClaims,
    contested: TopClaims,
    /// The positions of the documents shown in full, by id.
    full_positions: HashMap<String, usize>,
    /// Every exported document's id, from the export once the run ends
    /// ([`settle`](Self::settle)).
    exported: ExportedIds,
}

impl ReportData {
    /// An empty report that renders at most `max_full` documents in full and, besides their
    /// claims, at most `max_claims` others.
    pub fn new(max_full: usize, max_claims: usize) -> Self {
        Self {
            max_full,
            max_claims,
            ranked: TopClaims::new(max_claims),
            supported: TopClaims::new(TOP_CLAIMS),
            contested: TopClaims::new(TOP_CLAIMS),
            ..Self::default()
        }
    }

    /// Keeps a claim: always for a document shown in full, else if it ranks among the best;
    /// and offers it to the most-supported and most-contested tables.
    fn keep_claim(&mut self, claim: ClaimSummary, full: bool) {
        self.claims_total += 1;
        let score = claim
            .reliability
            .map_or(-1, |r| (r.value * 10.0).round() as i64);
        let (supported, contradicted) = (claim.supported_by.len(), claim.contradicted_by.len());
        let order = Reverse((claim.doc, claim.idx));
        if supported > 0 {
            let rank = (supported, usize::MAX - contradicted, score, order);
            self.supported.offer(rank, &claim);
        }
        if contradicted > 0 {
            self.contested
                .offer((contradicted, supported, score, order), &claim);
        }
        if full {
            self.claims.push(claim);
        } else {
            self.ranked
                .offer((contradicted, supported, score, order), &claim);
        }
    }

    /// Puts the kept claims in document order, fills the top tables and takes the ids of every
    /// exported document; call once every document is in.
    pub fn settle(&mut self, exported: ExportedIds) {
        self.exported = exported;
        let ranked = std::mem::take(&mut self.ranked);
        self.claims.extend(ranked.into_sorted());
        self.claims.sort_by_key(|c| (c.doc, c.idx));
        self.most_supported = std::mem::take(&mut self.supported).into_sorted();
        self.most_contested = std::mem::take(&mut self.contested).into_sorted();
    }

    /// Whether the document at `position` is shown in full.
    pub fn is_full(&self, position: usize) -> bool {
        self.docs.get(position).is_some_and(|d| d.full.is_some())
    }

    /// Takes in one document.
    pub fn add(&mut self, doc: &Document) {
        let position = self.docs.len();
        self.mentions_total += doc.entities.len();
        self.quotes_total += doc.quotes.len();
        for entity in &doc.entities {
            let group = self
                .entities
                .entry((entity.canonical.clone(), entity.kind))
                .or_default();
            *group.spellings.entry(entity.text.clone()).or_default() += 1;
            if let Some(role) = &entity.role {
                group.roles.insert(role.clone());
            }
            group.mentions += 1;
            if group.last_doc != Some(position) {
                group.last_doc = Some(position);
                group.documents += 1;
            }
        }
        let full =
            position < self.max_full && self.full_text_bytes + doc.text.len() <= FULL_TEXT_BUDGET;
        if full {
            self.full_text_bytes += doc.text.len();
        }
        for (idx, claim) in doc.claims.iter().enumerate() {
            let reliability = claim.reliability.as_ref();
            let summary = ClaimSummary {
                doc: position,
                idx,
                text: claim.text.clone(),
                speaker: claim.speaker.clone(),
                hedged: claim.hedged,
                reliability: reliability.map(claim_score),
                supported_by: reliability.map_or(Vec::new(), |r| distinct(&r.supported_by)),
                contradicted_by: reliability.map_or(Vec::new(), |r| distinct(&r.contradicted_by)),
            };
            self.keep_claim(summary, full);
        }
        if full {
            self.full_positions
                .entry(doc.id.clone())
                .or_insert(position);
        }
        let full = full.then(|| Box::new(full_doc(doc)));
        let listable = self.listable(position);
        self.docs.push(DocSummary {
            id: doc.id.clone(),
            title: doc.meta.title.clone(),
            outlet: doc.meta.outlet.as_ref().filter(|_| listable).cloned(),
            published: doc.meta.published.clone(),
            dedupe: doc.dedupe.clone(),
            reliability: doc.reliability.as_ref().map(|r| Score {
                value: r.score,
                band: r.band,
            }),
            reasons: doc
                .reliability
                .as_ref()
                .filter(|_| listable)
                .map_or(Vec::new(), |r| reasons(&r.signals, r.score)),
            full,
        });
    }

    /// Whether the document at `position` may be in the report's document list or shown in
    /// full: the list holds the first [`LISTED_DOCUMENTS`] and every document shown in full,
    /// which are among the first `max_full`. The others keep no outlet and no reasons, which
    /// only the list and the full sections show, so the line kept for every document stays
    /// small (README, "What 100 million documents need").
    pub fn listable(&self, position: usize) -> bool {
        position < LISTED_DOCUMENTS.max(self.max_full)
    }

    /// The position of the document with this id, if it is shown in full.
    pub fn full_position(&self, id: &str) -> Option<usize> {
        self.full_positions.get(id).copied()
    }

    /// Whether the document with this id was exported (known once [`settle`](Self::settle)d).
    pub fn exported(&self, id: &str) -> bool {
        self.exported.contains(id)
    }
}

/// The ids in their first-seen order, each once.
fn distinct(ids: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}

fn claim_score(reliability: &ClaimReliability) -> Score {
    Score {
        value: reliability.score,
        band: reliability.band,
    }
}

/// `value` as compact JSON, cut to [`EXTRA_VALUE_CHARS`] characters with an ellipsis.
fn shown_value(value: &serde_json::Value) -> String {
    let json = value.to_string();
    match json.char_indices().nth(EXTRA_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &json[..cut]),
        None => json,
    }
}

fn full_doc(doc: &Document) -> FullDoc {
    let mut marks = Vec::new();
    for entity in &doc.entities {
        let kind = match entity.kind {
            EntityKind::Person => MarkKind::Person,
            EntityKind::Organization => MarkKind::Organization,
            EntityKind::Place => MarkKind::Place,
        };
        let mut label = format!("{}: {}", kind_name(entity.kind), entity.canonical);
        if let Some(role) = &entity.role {
            label.push_str(&format!(" ({role})"));
        }
        marks.push(Mark {
            start: entity.start,
            end: entity.end,
            kind,
            label,
        });
    }
    for date in &doc.dates {
        marks.push(Mark {
            start: date.start,
            end: date.end,
            kind: MarkKind::Date,
            label: format!("date: {}", date.value.as_deref().unwrap_or("unresolved")),
        });
    }
    for quantity in &doc.quantities {
        let unit = quantity.unit.as_deref().unwrap_or("");
        let value = match quantity.value {
            newspipe_core::QuantityValue::Number(n) => format!("{n}"),
            newspipe_core::QuantityValue::Range([low, high]) => format!("{low}–{high}"),
        };
        marks.push(Mark {
            start: quantity.start,
            end: quantity.end,
            kind: MarkKind::Quantity,
            label: format!("quantity: {value} {unit}").trim_end().to_owned(),
        });
    }
    for quote in &doc.quotes {
        let form = if quote.direct { "direct" } else { "indirect" };
        let speaker = quote.speaker.as_deref().unwrap_or("unknown speaker");
        // the words the attribution names, when they are not the speaker's name ("he")
        let source = match (quote.source_start, quote.source_end) {
            (Some(start), Some(end)) if quote.speaker_start != Some(start) => doc
                .text
                .get(start..end)
                .map(|words| format!(" (\u{201c}{words}\u{201d})"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        marks.push(Mark {
            start: quote.start,
            end: quote.end,
            kind: MarkKind::Quote,
            label: format!("{form} quote: {speaker}{source}"),
        });
    }
    for (idx, claim) in doc.claims.iter().enumerate() {
        let mut label = format!("claim {}", idx + 1);
        if let Some(r) = &claim.reliability {
            label.push_str(&format!(": {:.0} ({})", r.score, band_name(r.band)));
        }
        marks.push(Mark {
            start: claim.start,
            end: claim.end,
            kind: MarkKind::Claim(idx),
            label,
        });
    }
    FullDoc {
        text: doc.text.clone(),
        source_path: doc.source.path.clone(),
        url: doc.source.url.clone(),
        byline: doc.meta.byline.clone(),
        outlet_basis: doc.meta.outlet_basis.clone(),
        published_basis: doc.meta.published_basis.clone(),
        date_candidates: doc.meta.date_candidates.clone(),
        language: doc.meta.language.clone(),
        page_kind: doc.meta.page_kind,
        marks,
        signals: doc
            .reliability
            .as_ref()
            .map_or(Vec::new(), |r| r.signals.clone()),
        claim_signals: doc
            .claims
            .iter()
            .map(|c| {
                c.reliability
                    .as_ref()
                    .map_or(Vec::new(), |r| r.signals.clone())
            })
            .collect(),
        extra: doc
            .extra
            .iter()
            .map(|(name, value)| (name.clone(), shown_value(value)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newspipe_core::Entity;

    #[test]
    fn a_long_extra_value_is_cut_on_a_character() {
        let long = serde_json::Value::String("é".repeat(1_000));
        let shown = shown_value(&long);
        assert_eq!(shown.chars().count(), EXTRA_VALUE_CHARS + 1);
        assert!(shown.starts_with("\"éé") && shown.ends_with('…'), "{shown}");
        assert_eq!(shown_value(&serde_json::json!([1, 2])), "[1,2]");
    }

    fn entity(text: &str, canonical: &str) -> Entity {
        Entity {
            kind: EntityKind::Person,
            text: text.into(),
            canonical: canonical.into(),
            role: None,
            start: 0,
            end: 0,
        }
    }

    #[test]
    fn entities_are_grouped_with_spellings_and_document_counts() {
        let mut data = ReportData::new(1, 10);
        let mut a = Document::new("a", Default::default(), "x".into());
        a.entities = vec![
            entity("Keir Starmer", "Keir Starmer"),
            entity("Starmer", "Keir Starmer"),
        ];
        let mut b = Document::new("b", Default::default(), "y".into());
        b.entities = vec![entity("Keir Starrer", "Keir Starmer")];
        data.add(&a);
        data.add(&b);
        let group = &data.entities[&("Keir Starmer".into(), EntityKind::Person)];
        assert_eq!(group.mentions, 3);
        assert_eq!(group.documents, 2);
        assert_eq!(
            group.spellings.keys().collect::<Vec<_>>(),
            ["Keir Starmer", "Keir Starrer", "Starmer"]
        );
        assert!(data.docs[0].full.is_some());
        assert!(
            data.docs[1].full.is_none(),
            "only the first max_full in full"
        );
        assert_eq!(data.full_position("a"), Some(0));
        assert_eq!(
            data.full_position("b"),
            None,
            "only documents shown in full"
        );
    }

    fn claim(
        text: &str,
        score: f64,
        supported: &[&str],
        contradicted: &[&str],
    ) -> newspipe_core::Claim {
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        newspipe_core::Claim {
            text: text.into(),
            start: 0,
            end: 0,
            speaker: None,
            hedged: false,
            entities: Vec::new(),
            quantities: Vec::new(),
            reliability: Some(ClaimReliability {
                score,
                band: Band::Medium,
                supported_by: ids(supported),
                contradicted_by: ids(contradicted),
                signals: Vec::new(),
            }),
        }
    }

    #[test]
    fn the_claims_table_keeps_full_documents_claims_and_the_most_telling_others() {
        let mut data = ReportData::new(1, 2);
        let mut shown = Document::new("shown", Default::default(), "x".into());
        shown.claims = vec![claim("plain claim of a full document", 10.0, &[], &[])];
        let mut other = Document::new("other", Default::default(), "y".into());
        other.claims = vec![
            claim("unsupported", 90.0, &[], &[]),
            claim("supported twice", 50.0, &["a", "b"], &[]),
            claim("contradicted", 20.0, &[], &["c"]),
            claim("supported once", 70.0, &["a"], &[]),
        ];
        data.add(&shown);
        data.add(&other);
        data.settle(ExportedIds::default());
        let texts: Vec<&str> = data.claims.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "plain claim of a full document",
                "supported twice",
                "contradicted"
            ]
        );
        assert_eq!(data.claims_total, 5);
    }

    #[test]
    fn the_top_tables_rank_by_independent_support_and_contradiction() {
        let mut data = ReportData::new(0, 0);
        let mut doc = Document::new("d", Default::default(), "x".into());
        doc.claims = vec![
            claim("alone", 90.0, &[], &[]),
            claim("two for", 50.0, &["a", "b", "a"], &[]),
            claim("one for", 70.0, &["a"], &[]),
            claim("one against", 20.0, &["a"], &["c"]),
            claim("two against", 20.0, &[], &["c", "e"]),
        ];
        data.add(&doc);
        data.settle(ExportedIds::default());
        let texts = |list: &[ClaimSummary]| list.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
        assert_eq!(
            texts(&data.most_supported),
            ["two for", "one for", "one against"],
            "a repeated supporter counts once; uncontradicted first on a tie"
        );
        assert_eq!(texts(&data.most_contested), ["two against", "one against"]);
        assert!(data.claims.is_empty(), "html_max_claims 0 lists none");
    }

    /// A document with an outlet and a score moved by two signals, so its list row has both.
    fn scored(position: usize) -> Document {
        let mut doc = Document::new(format!("d{position}"), Default::default(), "x".into());
        doc.meta.outlet = Some(format!("Outlet {}", position % 7));
        doc.reliability = Some(newspipe_core::Reliability {
            score: 70.0,
            band: Band::Medium,
            signals: vec![weighted("up", 0.9, 1.0), weighted("down", 0.5, 1.0)],
        });
        doc
    }

    #[test]
    fn documents_past_the_list_keep_no_outlet_or_reasons_and_render_the_same() {
        let docs: Vec<Document> = (0..LISTED_DOCUMENTS + 3).map(scored).collect();
        let mut bounded = ReportData::new(2, 10);
        let mut unbounded = ReportData::new(2, 10);
        for doc in &docs {
            bounded.add(doc);
            unbounded.add(doc);
        }
        let last_listed = &bounded.docs[LISTED_DOCUMENTS - 1];
        assert!(last_listed.outlet.is_some() && !last_listed.reasons.is_empty());
        for line in &bounded.docs[LISTED_DOCUMENTS..] {
            assert!(line.outlet.is_none() && line.reasons.is_empty(), "{line:?}");
        }
        // The line of every document as it was before the bound: its outlet and reasons.
        for (line, doc) in unbounded.docs.iter_mut().zip(&docs) {
            let reliability = doc.reliability.as_ref().unwrap();
            line.outlet = doc.meta.outlet.clone();
            line.reasons = reasons(&reliability.signals, reliability.score);
        }
        let exported = || {
            let mut ids = ExportedIds::default();
            docs.iter().for_each(|doc| assert!(ids.insert(&doc.id)));
            ids
        };
        bounded.settle(exported());
        unbounded.settle(exported());
        let run = crate::run_record::RunRecord::new(&Default::default(), docs.len() as u64);
        let render = |data: &ReportData| super::super::render::render(data, &run, "n", &[]);
        assert_eq!(
            render(&bounded).into_string(),
            render(&unbounded).into_string()
        );
    }

    fn weighted(name: &str, score: f64, weight: f64) -> Signal {
        Signal {
            name: name.into(),
            score,
            weight,
            applicable: true,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn reasons_are_the_largest_pushes_from_a_neutral_fifty() {
        let signals = [
            weighted("small", 0.55, 1.0),
            weighted("up", 1.0, 2.0),
            weighted("down", 0.0, 1.0),
            Signal {
                applicable: false,
                ..weighted("ignored", 0.0, 5.0)
            },
        ];
        // 100 · (0.55 + 2 + 0) / 4 = 63.75 = 50 + 1.25 + 25 − 12.5
        let found = reasons(&signals, 63.75);
        let named: Vec<(&str, f64)> = found
            .iter()
            .map(|r| (r.signal.as_str(), (r.points * 1e6).round() / 1e6))
            .collect();
        assert_eq!(named, [("up", 25.0), ("down", -12.5), ("small", 1.25)]);
        // A weight-0 signal that multiplies the score: its push is what it took away.
        let mut discounted = signals.to_vec();
        discounted.push(weighted("currency", 0.5, 0.0));
        let found = reasons(&discounted, 63.75 * 0.5);
        assert_eq!(found[0].signal, "currency");
        assert!((found[0].points + 31.875).abs() < 1e-9, "{found:?}");
        assert!(reasons(&[], 0.0).is_empty());
    }
}
