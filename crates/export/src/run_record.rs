//! The row that the `runs` table gets: which pipeline wrote the output, when, and with what
//! counts.

use std::time::SystemTime;

use newspipe_core::RunInfo;

use crate::rows::Cell;

/// One run, as written to the `runs` table.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The pipeline's `name`.
    pub pipeline: String,
    /// Hash of the pipeline file.
    pub config_hash: String,
    /// The newspipe version that wrote the output.
    pub version: &'static str,
    /// When the run started, RFC 3339.
    pub started_at: String,
    /// When the export was committed, RFC 3339.
    pub finished_at: String,
    /// Documents read from the input.
    pub read: u64,
    /// Documents this export wrote.
    pub written: u64,
    /// Documents rejected by any stage.
    pub rejected: u64,
    /// Documents dropped on purpose.
    pub dropped: u64,
}

impl RunRecord {
    /// The record for a run that ends now, having written `written` documents.
    pub fn new(run: &RunInfo, written: u64) -> Self {
        Self {
            pipeline: run.pipeline.clone(),
            config_hash: run.config_hash.clone(),
            version: env!("CARGO_PKG_VERSION"),
            started_at: run.started_at.clone(),
            finished_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            read: run.read,
            written,
            rejected: run.rejected,
            dropped: run.dropped,
        }
    }

    /// The row, in the `runs` table's column order.
    pub fn cells(&self) -> Vec<Cell<'_>> {
        let count = |n: u64| Cell::Int(i64::try_from(n).unwrap_or(i64::MAX));
        vec![
            Cell::Int(1),
            Cell::Text(self.pipeline.as_str().into()),
            Cell::Text(self.config_hash.as_str().into()),
            Cell::Text(self.version.into()),
            Cell::Text(self.started_at.as_str().into()),
            Cell::Text(self.finished_at.as_str().into()),
            count(self.read),
            count(self.written),
            count(self.rejected),
            count(self.dropped),
        ]
    }
}
