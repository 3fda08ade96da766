//! What the stage keeps of each document after the first pass: its document-only signals and
//! the compact keys the corpus signals need (cluster, names, claims, dates), never its text.

use newspipe_core::{Document, EntityKind, Evidence, Relation, Signal};

use crate::claims::{keys, ClaimKey};
use crate::config::ReliabilityConfig;
use crate::dating::date;
use crate::lexicon::{AGGREGATOR_DISCLAIMER, SUMMARY_MARKER, SYNDICATION};
use crate::presentation::{boilerplate, byline, find_artifacts, mt_artifacts};
use crate::signal::{at, excerpt, note, word_count};
use crate::sourcing::{anonymous_sourcing, attribution, direct_quotes, hedging};
use crate::tenure::OfficeHolders;

/// One person mention: the canonical name and the surname as spelt here.
#[derive(Debug, Clone, PartialEq)]
pub struct NameUse {
    /// The corpus's canonical name.
    pub canonical: String,
    /// The last word of the mention, lower case.
    pub form: String,
    /// Byte offset of the mention.
    pub start: usize,
    /// End byte offset.
    pub end: usize,
}

/// Markers of copying found in the text or in what normalize cut.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Markers {
    /// "(MENAFN- …)", "(AP) —", "originally published".
    pub syndication: Vec<Evidence>,
    /// "does not accept any responsibility … for the accuracy".
    pub disclaimer: Vec<Evidence>,
    /// "In conclusion," (evidence only).
    pub summary: Vec<Evidence>,
}

/// Everything the stage keeps of one document between the passes.
#[derive(Debug, Clone, PartialEq)]
pub struct DocFacts {
    /// The document's id.
    pub id: String,
    /// Its dedupe cluster (its own id when dedupe did not run).
    pub cluster: String,
    /// How it relates to its cluster's representative.
    pub relation: Relation,
    /// The document it copies, if dedupe said so.
    pub duplicate_of: Option<String>,
    /// Whether it stands for its cluster.
    pub representative: bool,
    /// The origin outlet of a syndicated copy.
    pub origin: Option<String>,
    /// Signals computed from the document alone.
    pub own: Vec<Signal>,
    /// Its publication date (day number), when the evidence supports one.
    pub date: Option<i64>,
    /// The days it can have been written in.
    pub span: (i64, i64),
    /// The latest day it can have been written on, when known.
    pub latest: Option<i64>,
    /// Copy markers.
    pub markers: Markers,
    /// Person mentions.
    pub names: Vec<NameUse>,
    /// Claim keys, one per claim, in order.
    pub claims: Vec<ClaimKey>,
}

/// Finds a pattern in the text, or else in the raw input (then the evidence has no span).
fn markers_in(doc: &Document, pattern: &regex::Regex, what: &str) -> Vec<Evidence> {
    let in_text: Vec<Evidence> = pattern
        .find_iter(&doc.text)
        .map(|m| {
            at(
                &doc.id,
                m.start(),
                m.end(),
                format!("{what}: {}", m.as_str()),
            )
        })
        .collect();
    if !in_text.is_empty() || doc.raw.is_empty() {
        return in_text;
    }
    pattern
        .find_iter(&doc.raw)
        .map(|m| {
            note(
                &doc.id,
                format!(
                    "{what} in text cut by normalize: {}",
                    excerpt(&doc.raw, m.start(), m.end())
                ),
            )
        })
        .collect()
}

fn names(doc: &Document) -> Vec<NameUse> {
    doc.entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .filter_map(|e| {
            let last = e.text.split_whitespace().last()?;
            let form = last
                .trim_end_matches("’s")
                .trim_end_matches("'s")
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            (!form.is_empty()).then(|| NameUse {
                canonical: e.canonical.clone(),
                form,
                start: e.start,
                end: e.end,
            })
        })
        .collect()
}

/// The first pass over one document.
pub fn observe(doc: &Document, config: &ReliabilityConfig, holders: &OfficeHolders) -> DocFacts {
    let t = &config.thresholds;
    let words = word_count(&doc.text);
    let artifacts = find_artifacts(&doc.text);
    let dating = date(doc, holders, t);
    let (span, latest) = (dating.span(), dating.latest());
    let own = vec![
        attribution(doc, words, t),
        direct_quotes(doc, words, t),
        anonymous_sourcing(doc, t),
        hedging(doc, words, t),
        byline(doc),
        boilerplate(doc, t),
        mt_artifacts(doc, &artifacts, words, t),
        dating.signal,
    ];
    let dedupe = doc.dedupe.as_ref();
    DocFacts {
        id: doc.id.clone(),
        cluster: dedupe.map_or_else(|| doc.id.clone(), |d| d.cluster.clone()),
        relation: dedupe.map_or(Relation::None, |d| d.relation),
        duplicate_of: dedupe.and_then(|d| d.duplicate_of.clone()),
        representative: dedupe.is_none_or(|d| d.representative),
        origin: dedupe.and_then(|d| d.origin.clone()),
        own,
        date: dating.date,
        span,
        latest,
        markers: Markers {
            syndication: markers_in(doc, &SYNDICATION, "syndication marker"),
            disclaimer: markers_in(doc, &AGGREGATOR_DISCLAIMER, "aggregator disclaimer"),
            summary: SUMMARY_MARKER
                .find_iter(&doc.text)
                .map(|m| at(&doc.id, m.start(), m.end(), "summary formula"))
                .collect(),
        },
        names: names(doc),
        claims: keys(doc, &artifacts),
    }
}
