//! HTML: one self-contained report a person can read, written when the run ends.
//!
//! While documents stream past, [`ReportData`] keeps a compact line per document and the
//! corpus-wide views; only the first `html_max_documents` keep their full text, and the claims
//! table lists theirs plus the `html_max_claims` most telling others. At the end the
//! report is rendered in one go: an overview, sortable tables of documents, clusters, canonical
//! entities and claims, then each document's text with its annotations highlighted and its
//! signals with their evidence. No network, no external assets; every piece of corpus text is
//! escaped, and a Content-Security-Policy lets only the report's own script run.

mod highlight;
mod render;
mod summary;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::Write;
use std::path::Path;

use newspipe_core::{AtomicFile, Document, StageError};

use crate::run_record::RunRecord;
use summary::ReportData;

/// The report being gathered; written on [`commit`](Self::commit).
pub struct HtmlReport {
    file: AtomicFile,
    data: ReportData,
}

impl HtmlReport {
    /// Starts the report file (a temporary file until commit); at most `max_documents` are
    /// shown in full, and besides their claims at most `max_claims` others are listed.
    pub fn create(path: &Path, max_documents: usize, max_claims: usize) -> std::io::Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
            data: ReportData::new(max_documents, max_claims),
        })
    }

    /// Takes in one document.
    pub fn add(&mut self, doc: &Document) {
        self.data.add(doc);
    }

    /// Renders the report and renames it into place.
    pub fn commit(mut self, run: &RunRecord) -> Result<(), StageError> {
        self.data.settle();
        let markup = render::render(&self.data, run, &nonce());
        self.file.write_all(markup.into_string().as_bytes())?;
        Ok(self.file.commit()?)
    }
}

/// A fresh, unguessable value for the Content-Security-Policy nonce, so that nothing but the
/// report's own script can run even if some text escaped escaping.
fn nonce() -> String {
    let a = RandomState::new().hash_one(0x6e6f6e6365u64);
    let b = RandomState::new().hash_one(std::process::id());
    format!("{a:016x}{b:016x}")
}
