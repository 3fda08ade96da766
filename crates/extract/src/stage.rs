//! The `extract` stage as the runner sees it: a corpus stage that annotates each document and
//! indexes the names it uses in `observe`, builds the canonical map in `prepare`, and swaps in
//! the corpus-wide names in `apply`.

use std::collections::HashMap;

use newspipe_core::{CorpusStage, Disposition, Document, EntityKind, StageError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::canonical::{CanonicalMap, NameIndex};
use crate::pipeline::extract;

/// The `extract` stage's YAML configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractConfig {
    /// Merge spelling variants and surname-only mentions across the corpus. Needs a first
    /// pass over every document; with `false` each document is annotated on its own.
    pub canonicalize: bool,
    /// Largest edit distance between two spellings of one surname ("Starmer"/"Starrer").
    pub max_edit_distance: usize,
    /// Without `meta.published`, resolve relative dates against a date the document states in
    /// its header, when nothing in it contradicts that date.
    pub header_dates: bool,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        Self {
            canonicalize: true,
            max_edit_distance: 2,
            header_dates: true,
        }
    }
}

/// The runtime stage: the config plus the corpus name index and map.
#[derive(Debug)]
pub struct ExtractStage {
    config: ExtractConfig,
    index: NameIndex,
    map: CanonicalMap,
    /// Claim names with their kinds, for the few documents where a spelling alone is ambiguous.
    ambiguous: HashMap<String, Vec<ClaimNames>>,
    /// Whether `observe` saw (and annotated) any document; if not, `apply` annotates.
    observed: bool,
}

/// What one claim names, each name with its kind, as the document alone spells it.
#[derive(Debug)]
struct ClaimNames {
    speaker: Option<(EntityKind, String)>,
    entities: Vec<(EntityKind, String)>,
}

/// The names in their first-seen order, each once.
fn distinct(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The key of `doc.extra` that holds the document's [`crate::EntityVariants`] records.
pub const VARIANTS_KEY: &str = "entity_variants";

impl ExtractStage {
    /// A stage with this configuration.
    pub fn new(config: ExtractConfig) -> Self {
        Self {
            config,
            index: NameIndex::default(),
            map: CanonicalMap::default(),
            ambiguous: HashMap::new(),
            observed: false,
        }
    }

    /// Finds everything in one document, with each name as this document alone spells it.
    /// When the document uses one spelling for two kinds of entity, returns what its claims
    /// name with each name's kind, which `apply` could not otherwise tell apart.
    fn annotate_locally(&self, doc: &mut Document) -> Option<Vec<ClaimNames>> {
        if let Some(reason) = doc.meta.not_english() {
            doc.meta.record_skip("extract", reason);
            return None;
        }
        let found = extract(&doc.text, &doc.meta, self.config.header_dates);
        let named = |m: usize| {
            let mention = &found.mentions[m];
            (mention.kind, mention.local_canonical.clone())
        };
        let mut kinds: HashMap<&str, EntityKind> = HashMap::new();
        let ambiguous = found
            .mentions
            .iter()
            .any(|m| *kinds.entry(&m.local_canonical).or_insert(m.kind) != m.kind);
        let claims = ambiguous.then(|| {
            found
                .claims
                .iter()
                .map(|c| ClaimNames {
                    speaker: c.speaker.map(named),
                    entities: c.entities.iter().map(|&m| named(m)).collect(),
                })
                .collect()
        });
        found.write_into(doc, &|_, name| name.to_string());
        doc.extra.remove(VARIANTS_KEY);
        claims
    }

    /// Replaces the document's own spellings with the corpus-wide canonical names, and
    /// records the spelling variants it uses.
    fn canonicalize(&self, doc: &mut Document) {
        let local: Vec<(EntityKind, String)> = doc
            .entities
            .iter()
            .map(|e| (e.kind, e.canonical.clone()))
            .collect();
        // Each name's kind as this document uses it (at its first mention).
        let mut kinds: HashMap<&str, EntityKind> = HashMap::with_capacity(doc.entities.len());
        for e in &doc.entities {
            kinds.entry(e.canonical.as_str()).or_insert(e.kind);
        }
        let canonical = |name: &str| match kinds.get(name) {
            Some(&kind) => self.map.canonical(kind, name),
            None => name.to_string(),
        };
        let quote_speakers: Vec<Option<String>> = doc
            .quotes
            .iter()
            .map(|q| {
                let speaker = q.speaker.as_deref()?;
                // Entities are sorted by start and never overlap.
                let mention = q.speaker_start.and_then(|start| {
                    let at = doc.entities.binary_search_by_key(&start, |e| e.start);
                    at.ok().map(|i| &doc.entities[i])
                });
                Some(match mention {
                    Some(e) => self.map.canonical(e.kind, speaker),
                    None => canonical(speaker),
                })
            })
            .collect();
        let claims: Vec<(Option<String>, Vec<String>)> = match self.ambiguous.get(&doc.id) {
            Some(names) => names
                .iter()
                .map(|c| {
                    let map = |(kind, name): &(EntityKind, String)| self.map.canonical(*kind, name);
                    (
                        c.speaker.as_ref().map(map),
                        distinct(c.entities.iter().map(map)),
                    )
                })
                .collect(),
            None => doc
                .claims
                .iter()
                .map(|c| {
                    let speaker = c.speaker.as_deref().map(canonical);
                    (speaker, distinct(c.entities.iter().map(|n| canonical(n))))
                })
                .collect(),
        };
        for (quote, speaker) in doc.quotes.iter_mut().zip(quote_speakers) {
            quote.speaker = speaker;
        }
        for (claim, (speaker, entities)) in doc.claims.iter_mut().zip(claims) {
            claim.speaker = speaker;
            claim.entities = entities;
        }
        for entity in &mut doc.entities {
            entity.canonical = self.map.canonical(entity.kind, &entity.canonical);
        }
        let variants = self
            .map
            .variants_for(local.iter().map(|(k, n)| (*k, n.as_str())));
        if variants.is_empty() {
            doc.extra.remove(VARIANTS_KEY);
        } else if let Ok(value) = serde_json::to_value(&variants) {
            doc.extra.insert(VARIANTS_KEY.to_string(), value);
        }
    }
}

impl CorpusStage for ExtractStage {
    fn needs_full_view(&self) -> bool {
        self.config.canonicalize
    }

    /// Annotates each document on its own (the annotations travel with it to `apply`) and
    /// indexes the names it uses by dedupe cluster.
    fn observe(&mut self, docs: &mut [Document]) -> Result<(), StageError> {
        if !self.config.canonicalize {
            return Ok(());
        }
        self.observed = true;
        let this = &*self;
        let ambiguous: Vec<Option<Vec<ClaimNames>>> = docs
            .par_iter_mut()
            .map(|doc| this.annotate_locally(doc))
            .collect();
        for (doc, claims) in docs.iter().zip(ambiguous) {
            if let Some(claims) = claims {
                self.ambiguous.entry(doc.id.clone()).or_insert(claims);
            }
            let witness = doc
                .dedupe
                .as_ref()
                .map_or(doc.id.as_str(), |d| d.cluster.as_str());
            let names = doc.entities.iter().map(|e| (e.kind, e.canonical.clone()));
            self.index.add(&doc.id, witness, names);
        }
        Ok(())
    }

    fn prepare(&mut self) -> Result<(), StageError> {
        if self.config.canonicalize {
            self.map = std::mem::take(&mut self.index).build(self.config.max_edit_distance);
        }
        Ok(())
    }

    fn apply(&mut self, docs: &mut [Document]) -> Result<Vec<Disposition>, StageError> {
        let this = &*self;
        if self.observed {
            docs.par_iter_mut().for_each(|doc| this.canonicalize(doc));
        } else {
            docs.par_iter_mut().for_each(|doc| {
                this.annotate_locally(doc);
            });
        }
        Ok(vec![Disposition::Keep; docs.len()])
    }
}
