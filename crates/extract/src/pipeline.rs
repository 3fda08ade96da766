//! Runs every extractor over one document's text and turns the results into the core
//! annotation types, with names mapped through a canonicalizer.

use newspipe_core::{Claim, DateMention, Document, Entity, EntityKind, Meta, Quantity, Quote};

use crate::calendar::Day;
use crate::claims::{find_claims, ClaimFound};
use crate::dates::{find_dates, header_anchor, DateFound};
use crate::entities::{find_entities, Mention};
use crate::quantities::{find_quantities, QuantityFound};
use crate::quotes::{find_quotes, QuoteFound};
use crate::text::Analysis;

/// Everything found in one document, before corpus canonicalization.
#[derive(Debug, Clone)]
pub struct Extraction {
    /// Entity mentions, sorted by start.
    pub mentions: Vec<Mention>,
    /// Date expressions, sorted by start.
    pub dates: Vec<DateFound>,
    /// Quantities, sorted by start.
    pub quantities: Vec<QuantityFound>,
    /// Direct and indirect quotes, sorted by start.
    pub quotes: Vec<QuoteFound>,
    /// Checkable sentences.
    pub claims: Vec<ClaimFound>,
    /// The day relative dates were resolved against, if any.
    pub anchor: Option<Day>,
}

/// The day to resolve relative dates against: `meta.published`, else a header date the
/// document states, provided no publication-date candidate contradicts it.
fn anchor_for(a: &Analysis, meta: &Meta, first_pass: &[DateFound]) -> Option<Day> {
    if let Some(day) = meta.published.as_deref().and_then(Day::parse_iso) {
        return Some(day);
    }
    let header = header_anchor(a, first_pass)?;
    let agrees = meta
        .date_candidates
        .iter()
        .filter_map(|c| Day::parse_iso(&c.value))
        .all(|c| c == header);
    agrees.then_some(header)
}

/// Extracts all annotations from `text`; `meta` supplies the publication date, and with
/// `header_dates` a date stated in the document's header can stand in for it.
pub fn extract(text: &str, meta: &Meta, header_dates: bool) -> Extraction {
    let a = Analysis::new(text);
    let mentions = find_entities(&a);
    let published = meta.published.as_deref().and_then(Day::parse_iso);
    let mut dates = find_dates(&a, published);
    let anchor = if header_dates {
        anchor_for(&a, meta, &dates)
    } else {
        published
    };
    if published.is_none() && anchor.is_some() {
        dates = find_dates(&a, anchor);
    }
    // "three years ago" is a date and also holds a duration
    let taken: Vec<(usize, usize)> = dates
        .iter()
        .filter(|d| !text[d.start..d.end].ends_with(" ago"))
        .map(|d| (d.start, d.end))
        .collect();
    let quantities = find_quantities(&a, &taken);
    let quotes = find_quotes(&a, &mentions);
    let claims = find_claims(&a, &mentions, &dates, &quantities, &quotes);
    Extraction {
        mentions,
        dates,
        quantities,
        quotes,
        claims,
        anchor,
    }
}

/// The text of a span; empty if the span is not valid (never panics).
fn slice(text: &str, start: usize, end: usize) -> String {
    text.get(start..end).unwrap_or_default().to_string()
}

impl Extraction {
    /// Writes the annotations into `doc`, replacing earlier ones; `canonical` maps a
    /// mention's kind and in-document canonical form to the corpus-wide name.
    pub fn write_into(self, doc: &mut Document, canonical: &dyn Fn(EntityKind, &str) -> String) {
        let text = &doc.text;
        let names: Vec<String> = self
            .mentions
            .iter()
            .map(|m| canonical(m.kind, &m.local_canonical))
            .collect();
        doc.dates = self
            .dates
            .into_iter()
            .map(|d| DateMention {
                text: slice(text, d.start, d.end),
                value: d.value,
                start: d.start,
                end: d.end,
            })
            .collect();
        doc.quantities = self
            .quantities
            .into_iter()
            .map(|q| Quantity {
                text: slice(text, q.start, q.end),
                value: q.value,
                unit: q.unit,
                qualifier: q.qualifier.map(str::to_string),
                start: q.start,
                end: q.end,
            })
            .collect();
        doc.quotes = self
            .quotes
            .iter()
            .map(|q| Quote {
                text: slice(text, q.start, q.end),
                speaker: q.speaker.map(|s| names[s].clone()),
                direct: q.direct,
                start: q.start,
                end: q.end,
                speaker_start: q.speaker.map(|s| self.mentions[s].start),
                speaker_end: q.speaker.map(|s| self.mentions[s].end),
                source_start: q.source.map(|(start, _)| start),
                source_end: q.source.map(|(_, end)| end),
            })
            .collect();
        doc.claims = self
            .claims
            .into_iter()
            .map(|c| {
                let mut entities: Vec<String> = Vec::new();
                for &m in &c.entities {
                    if !entities.contains(&names[m]) {
                        entities.push(names[m].clone());
                    }
                }
                Claim {
                    text: slice(text, c.start, c.end),
                    start: c.start,
                    end: c.end,
                    speaker: c.speaker.map(|s| names[s].clone()),
                    hedged: c.hedged,
                    entities,
                    quantities: c.quantities,
                    reliability: None,
                }
            })
            .collect();
        // the names move into the entities once the quotes and claims have their copies
        doc.entities = self
            .mentions
            .iter()
            .zip(names)
            .map(|(m, canonical)| Entity {
                kind: m.kind,
                text: slice(text, m.start, m.end),
                canonical,
                role: m.role.map(|(s, e)| slice(text, s, e)),
                start: m.start,
                end: m.end,
            })
            .collect();
    }
}
