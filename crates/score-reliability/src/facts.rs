//! The first pass over one document. What needs no other document is written on the document
//! itself (its own signals, in a provisional `reliability`), where `apply` picks it up; the
//! stage keeps only the compact keys the corpus signals need (cluster, copy markers, dates,
//! name spellings, claim hashes, the sums of the own signals) and one byte per claim for its
//! document-only terms, never the text or evidence strings.

use newspipe_core::{Document, Evidence, Relation, Reliability, Signal};
use serde::{Deserialize, Serialize};

use crate::claims::{entity_hashes, key, offset, Attribution, ClaimKey, ClaimTraits};
use crate::combine::{band, document_weight, Points};
use crate::config::ReliabilityConfig;
use crate::dating::{date, Days, DATE_CONSISTENCY};
use crate::lexicon::{
    matches_if_any, Rare, AGGREGATOR_DISCLAIMER, COPY_MARKERS, DISCLAIMER_IN_SET, SUMMARY_MARKER,
    SYNDICATION, SYNDICATION_IN_SET,
};
use crate::names::{canonical_spelling_key, names, spelling_key};
use crate::presentation::{byline, mt_artifacts, residual_boilerplate, residue_in, sensationalism};
use crate::signal::{at, excerpt, note, round1, scored, word_count};
use crate::sourcing::{anonymous_sourcing, anonymous_spans, attribution, direct_quotes, hedging};
use crate::tenure::OfficeHolders;

/// Which markers of copying a document has, in its text or in what normalize cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Markers {
    /// "(MENAFN- …)", "(AP) —", "originally published".
    pub syndication: bool,
    /// "does not accept any responsibility … for the accuracy".
    pub disclaimer: bool,
    /// "In conclusion," (evidence only).
    pub summary: bool,
}

impl Markers {
    /// Looks for the markers without rendering any evidence.
    pub fn of(doc: &Document) -> Self {
        // In the text, or else in the raw input (each marker in either).
        let in_text = matches_if_any(&COPY_MARKERS, &doc.text);
        let in_raw = (!in_text.as_ref().is_some_and(|m| m.matched_all()) && has_other_raw(doc))
            .then(|| matches_if_any(&COPY_MARKERS, &doc.raw))
            .flatten();
        let found = |marker: usize| {
            [&in_text, &in_raw]
                .into_iter()
                .flatten()
                .any(|set| set.matched(marker))
        };
        Self {
            syndication: found(SYNDICATION_IN_SET),
            disclaimer: found(DISCLAIMER_IN_SET),
            summary: SUMMARY_MARKER.is_match(&doc.text),
        }
    }

    /// Whether there is any.
    pub fn any(&self) -> bool {
        self.syndication || self.disclaimer || self.summary
    }
}

/// The evidence of the copy markers of a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarkerEvidence {
    /// Syndication markers.
    pub syndication: Vec<Evidence>,
    /// Aggregator disclaimers.
    pub disclaimer: Vec<Evidence>,
    /// Summary formulas.
    pub summary: Vec<Evidence>,
}

impl MarkerEvidence {
    /// Finds and renders every marker of the document.
    pub fn of(doc: &Document) -> Self {
        Self {
            syndication: markers_in(doc, &SYNDICATION, "syndication marker"),
            disclaimer: markers_in(doc, &AGGREGATOR_DISCLAIMER, "aggregator disclaimer"),
            summary: SUMMARY_MARKER
                .find_iter(&doc.text)
                .map(|m| at(&doc.id, m.start(), m.end(), "summary formula"))
                .collect(),
        }
    }
}

/// Whether the raw input differs from the text, so that a search of the text leaves something
/// to search (normalize cut or changed something).
fn has_other_raw(doc: &Document) -> bool {
    !doc.raw.is_empty() && doc.raw != doc.text
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
    if !in_text.is_empty() || !has_other_raw(doc) {
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

/// What the first pass hands the stage's index for one document (strings not yet interned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// The document's id.
    pub id: String,
    /// Its dedupe cluster (its own id when dedupe did not run).
    pub cluster: String,
    /// How it relates to its cluster's representative.
    pub relation: Relation,
    /// Whether it stands for its cluster.
    pub representative: bool,
    /// Copy markers found.
    pub markers: Markers,
    /// Whether its `date_consistency` is at least 0.5.
    pub dates_consistent: bool,
    /// The weighted sums of its document-only signals.
    pub own: Points,
    /// Its date and office-holder window.
    pub days: Days,
    /// The first use of each (canonical person, spelling key).
    pub names: Vec<FirstUse>,
    /// Keys of the claims that can match another claim.
    pub claims: Vec<ClaimKey>,
    /// What the document-only terms of each claim need, one per claim.
    pub traits: Vec<ClaimTraits>,
}

/// The first use of a spelling of a person in a document, as the observation ships it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstUse {
    /// The canonical name.
    pub canonical: String,
    /// The spelling key of the mention, when it is not the canonical name's own surname's
    /// (most first uses spell the name as it is canonically spelt, and then it is not written
    /// twice).
    pub spelling: Option<String>,
    /// Byte offset of the mention.
    pub start: u32,
    /// Its length in bytes (smaller to write than its end).
    pub len: u32,
}

impl FirstUse {
    /// The spelling key of the mention.
    pub fn spelling_key(&self) -> String {
        self.spelling
            .clone()
            .unwrap_or_else(|| canonical_spelling_key(&self.canonical))
    }
}

/// The `local_quality` term of a claim: damage inside the sentence.
pub fn local_quality(doc: &str, start: usize, end: usize, damaged: bool, misspelt: bool) -> Signal {
    let mut local = 1.0;
    let mut notes = Vec::new();
    if damaged {
        local -= 0.6;
        notes.push("machine-translation artifact in the sentence");
    }
    if misspelt {
        local -= 0.3;
        notes.push("minority spelling of a name in the sentence");
    }
    if notes.is_empty() {
        notes.push("no damage in the sentence");
    }
    scored(
        "local_quality",
        local,
        vec![at(doc, start, end, notes.join("; "))],
    )
}

/// The document-only signals of a document, weighted, in their fixed order.
fn own_signals(
    doc: &Document,
    config: &ReliabilityConfig,
    holders: &OfficeHolders,
    words: usize,
    artifacts: &[crate::presentation::Artifact],
    rare: &Rare,
) -> (Vec<Signal>, Days) {
    let t = &config.thresholds;
    let dating = date(doc, holders, t);
    let days = dating.days();
    let anonymous = anonymous_spans(&doc.text, rare);
    let mut own = vec![
        attribution(doc, words, &anonymous, t),
        direct_quotes(doc, words, t),
        anonymous_sourcing(doc, &anonymous, t),
        hedging(doc, words, t),
        byline(doc),
        residual_boilerplate(doc, t),
        mt_artifacts(doc, artifacts, words, t),
        sensationalism(doc, words, t),
        dating.signal,
    ];
    for s in &mut own {
        s.weight = document_weight(&config.weights, &s.name);
    }
    (own, days)
}

/// The `attribution` term of a claim.
pub fn attribution_term(
    doc: &str,
    start: usize,
    end: usize,
    traits: ClaimTraits,
    speaker: Option<&str>,
) -> Signal {
    let (score, why) = traits.attribution().term(speaker);
    scored("attribution", score, vec![at(doc, start, end, why)])
}

/// The first pass over one document: writes its document-only signals on it (a provisional
/// `reliability` whose score counts only them) and returns the keys the corpus judgement
/// needs.
pub fn observe(
    doc: &mut Document,
    config: &ReliabilityConfig,
    holders: &OfficeHolders,
) -> Observed {
    let words = word_count(&doc.text);
    let rare = Rare::of(&doc.text);
    let artifacts = residue_in(&doc.text, &rare);
    let (own, days) = own_signals(doc, config, holders, words, &artifacts, &rare);
    let mut points = Points::default();
    for s in &own {
        points.add(s);
    }
    let dates_consistent = own
        .iter()
        .any(|s| s.name == DATE_CONSISTENCY && s.score >= 0.5);
    let mut claims = Vec::new();
    let mut traits = Vec::with_capacity(doc.claims.len());
    for (i, claim) in doc.claims.iter().enumerate() {
        let hashes = entity_hashes(claim);
        claims.extend(key(doc, i, hashes));
        let damaged = artifacts
            .iter()
            .any(|a| a.start < claim.end && a.end > claim.start);
        traits.push(ClaimTraits::new(Attribution::of(doc, claim), damaged));
    }
    let mut first_uses: Vec<(String, String, u32, u32)> = Vec::new();
    for name in names(doc) {
        let spelling = spelling_key(&name.form);
        let (start, end) = (offset(name.start), offset(name.end));
        match first_uses
            .iter_mut()
            .find(|u| u.0 == name.canonical && u.1 == spelling)
        {
            Some(first) if start < first.2 => (first.2, first.3) = (start, end),
            Some(_) => {}
            None => first_uses.push((name.canonical, spelling, start, end)),
        }
    }
    let first_uses = first_uses
        .into_iter()
        .map(|(canonical, spelling, start, end)| FirstUse {
            spelling: (spelling != canonical_spelling_key(&canonical)).then_some(spelling),
            canonical,
            start,
            len: end - start,
        })
        .collect();
    let dedupe = doc.dedupe.as_ref();
    let observed = Observed {
        id: doc.id.clone(),
        cluster: dedupe.map_or_else(|| doc.id.clone(), |d| d.cluster.clone()),
        relation: dedupe.map_or(Relation::None, |d| d.relation),
        representative: dedupe.is_none_or(|d| d.representative),
        markers: Markers::of(doc),
        dates_consistent,
        own: points,
        days,
        names: first_uses,
        claims,
        traits,
    };
    let score = round1(points.value());
    doc.reliability = Some(Reliability {
        score,
        band: band(score, &config.bands),
        signals: own,
    });
    observed
}

/// Whether the document carries what [`observe`] wrote on it.
pub fn is_parked(doc: &Document) -> bool {
    doc.reliability.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDIT: &str = "KYIV (Reuters) - The talks resumed on Monday.";
    const DISCLAIMER: &str = "The site does not accept any responsibility for the accuracy.";
    const PLAIN: &str = "The talks resumed on Monday.";

    /// A document whose normalized text is `text` and whose input was `raw`.
    fn doc(text: &str, raw: &str) -> Document {
        let mut doc = Document::new("d", Default::default(), raw.to_owned());
        doc.text = text.to_owned();
        doc
    }

    #[test]
    fn markers_are_found_where_their_evidence_is() {
        let both = format!("{CREDIT}\n{DISCLAIMER}");
        // (text, raw, syndication, disclaimer)
        let cases = [
            (PLAIN, PLAIN, false, false),
            (CREDIT, CREDIT, true, false),
            (DISCLAIMER, DISCLAIMER, false, true),
            (both.as_str(), both.as_str(), true, true),
            // cut by normalize: found in the raw input
            (PLAIN, CREDIT, true, false),
            (PLAIN, DISCLAIMER, false, true),
            (PLAIN, both.as_str(), true, true),
            // one in the text, the other only in the raw input
            (CREDIT, both.as_str(), true, true),
            (DISCLAIMER, both.as_str(), true, true),
            (CREDIT, DISCLAIMER, true, true),
            // no raw input kept
            (CREDIT, "", true, false),
        ];
        for (text, raw, syndication, disclaimer) in cases {
            let doc = doc(text, raw);
            let markers = Markers::of(&doc);
            let evidence = MarkerEvidence::of(&doc);
            let seen = (markers.syndication, markers.disclaimer);
            assert_eq!(
                seen,
                (syndication, disclaimer),
                "text {text:?}, raw {raw:?}"
            );
            let evidenced = (
                !evidence.syndication.is_empty(),
                !evidence.disclaimer.is_empty(),
            );
            assert_eq!(evidenced, seen, "text {text:?}, raw {raw:?}");
        }
    }
}
