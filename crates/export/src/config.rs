//! The `export:` block of a pipeline.

use serde::{Deserialize, Serialize};

/// Configuration of the `export` stage.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExportConfig {
    /// JSON Lines output file, one document per line.
    pub jsonl: Option<String>,
    /// Folder of CSV tables.
    pub csv: Option<String>,
    /// SQLite database file.
    pub sqlite: Option<String>,
    /// Folder of Parquet tables: one folder per table, each with `part-NNNNN.parquet` files.
    pub parquet: Option<String>,
    /// HTML report file.
    pub html: Option<String>,
    /// Whether to write each document's `raw` input next to its `text` in JSON Lines.
    pub include_raw: bool,
    /// How many documents the HTML report shows in full (within a text budget); its summaries
    /// cover all of them.
    pub html_max_documents: usize,
    /// How many claims of the other documents the report's claims table lists: the
    /// contradicted and best-supported first. Keeps the report readable and its memory bounded.
    pub html_max_claims: usize,
}

impl Default for ExportConfig {
    fn default() -> Self {
        Self {
            jsonl: None,
            csv: None,
            sqlite: None,
            parquet: None,
            html: None,
            include_raw: false,
            html_max_documents: 500,
            html_max_claims: 2000,
        }
    }
}
