//! The `extract` stage as the runner sees it: a corpus stage that annotates each document and
//! records the names it uses in `observe`, builds the canonical map in `prepare`, and swaps in
//! the corpus-wide names in `apply`.

use std::collections::{BTreeMap, HashMap};

use newspipe_core::{CorpusStage, Disposition, Document, EntityKind, StageError};
use serde::{Deserialize, Serialize};

use crate::canonical::{CanonicalMap, NameIndex};
use crate::config::ExtractConfig;
use crate::pipeline::extract;

/// The runtime stage: its configuration.
#[derive(Debug)]
pub struct ExtractStage {
    config: ExtractConfig,
}

/// What `observe` keeps of one document: the names it uses, not its text.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocNames {
    id: String,
    /// Its dedupe cluster, else its id: copies in one cluster are one witness of a spelling.
    witness: String,
    names: Vec<(EntityKind, String)>,
    /// Claim names with their kinds, for the few documents where a spelling alone is ambiguous.
    ambiguous: Option<Vec<ClaimNames>>,
}

/// The corpus-wide names `apply` swaps in.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CorpusNames {
    map: CanonicalMap,
    /// [`DocNames::ambiguous`] of the documents that have it, by position.
    ambiguous: BTreeMap<usize, Vec<ClaimNames>>,
}

/// What one claim names, each name with its kind, as the document alone spells it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClaimNames {
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
        Self { config }
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
    fn canonicalize(&self, names: &CorpusNames, position: usize, doc: &mut Document) {
        let map = &names.map;
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
            Some(&kind) => map.canonical(kind, name),
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
                    Some(e) => map.canonical(e.kind, speaker),
                    None => canonical(speaker),
                })
            })
            .collect();
        let claims: Vec<(Option<String>, Vec<String>)> = match names.ambiguous.get(&position) {
            Some(names) => names
                .iter()
                .map(|c| {
                    let map = |(kind, name): &(EntityKind, String)| map.canonical(*kind, name);
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
            entity.canonical = map.canonical(entity.kind, &entity.canonical);
        }
        let variants = map.variants_for(local.iter().map(|(k, n)| (*k, n.as_str())));
        if variants.is_empty() {
            doc.extra.remove(VARIANTS_KEY);
        } else if let Ok(value) = serde_json::to_value(&variants) {
            doc.extra.insert(VARIANTS_KEY.to_string(), value);
        }
    }
}

impl CorpusStage for ExtractStage {
    type Record = DocNames;
    type State = CorpusNames;
    const FORMAT_VERSION: u32 = 1;

    fn needs_full_view(&self) -> bool {
        self.config.canonicalize
    }

    /// Annotates the document on its own (the annotations travel with it to `apply`) and
    /// records the names it uses.
    fn observe(&self, doc: &mut Document) -> Result<DocNames, StageError> {
        let ambiguous = self.annotate_locally(doc);
        let witness = doc
            .dedupe
            .as_ref()
            .map_or(doc.id.as_str(), |d| d.cluster.as_str());
        Ok(DocNames {
            id: doc.id.clone(),
            witness: witness.to_string(),
            names: doc
                .entities
                .iter()
                .map(|e| (e.kind, e.canonical.clone()))
                .collect(),
            ambiguous,
        })
    }

    fn prepare(&self, records: Vec<DocNames>) -> Result<CorpusNames, StageError> {
        let mut index = NameIndex::default();
        let mut ambiguous = BTreeMap::new();
        for (position, record) in records.into_iter().enumerate() {
            index.add(&record.id, &record.witness, record.names);
            if let Some(claims) = record.ambiguous {
                ambiguous.insert(position, claims);
            }
        }
        Ok(CorpusNames {
            map: index.build(self.config.max_edit_distance),
            ambiguous,
        })
    }

    fn apply(
        &self,
        names: &CorpusNames,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        if self.config.canonicalize {
            self.canonicalize(names, position, doc);
        } else {
            self.annotate_locally(doc);
        }
        Ok(Disposition::Keep)
    }
}
