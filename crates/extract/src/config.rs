//! The `extract` stage's YAML configuration.

use serde::{Deserialize, Serialize};

/// The `extract` stage's YAML configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
