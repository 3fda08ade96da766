//! The `extract` stage as the runner sees it: a corpus stage that indexes names in `observe`,
//! builds the canonical map in `prepare` and writes annotations in `apply`.

use newspipe_core::{CorpusStage, Disposition, Document, EntityKind, StageError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::canonical::{CanonicalMap, NameIndex};
use crate::pipeline::{extract, extract_mentions, Extraction};

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
        }
    }

    fn run(&self, doc: &Document) -> Extraction {
        extract(&doc.text, &doc.meta, self.config.header_dates)
    }

    fn annotate(&self, doc: &mut Document) {
        let found = self.run(doc);
        let names: Vec<(EntityKind, String)> = found
            .mentions
            .iter()
            .map(|m| (m.kind, m.local_canonical.clone()))
            .collect();
        found.write_into(doc, &|kind, name| self.map.canonical(kind, name));
        let variants = self
            .map
            .variants_for(names.iter().map(|(k, n)| (*k, n.as_str())));
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

    fn observe(&mut self, docs: &mut [Document]) -> Result<(), StageError> {
        if !self.config.canonicalize {
            return Ok(());
        }
        let names: Vec<Vec<(EntityKind, String)>> = docs
            .par_iter()
            .map(|doc| {
                extract_mentions(&doc.text)
                    .into_iter()
                    .map(|m| (m.kind, m.local_canonical))
                    .collect()
            })
            .collect();
        for (doc, names) in docs.iter().zip(names) {
            let witness = doc
                .dedupe
                .as_ref()
                .map_or(doc.id.as_str(), |d| d.cluster.as_str());
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
        docs.par_iter_mut().for_each(|doc| this.annotate(doc));
        Ok(vec![Disposition::Keep; docs.len()])
    }
}
