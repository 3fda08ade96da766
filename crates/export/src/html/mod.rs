//! HTML: one self-contained report a person can read, written when the run ends.
//!
//! While documents stream past, [`ReportData`] keeps a compact line per document and the
//! corpus-wide views; only the first `html_max_documents` (within a text budget) keep their
//! full text, and the claims list holds theirs plus the `html_max_claims` most telling others.
//! At the end the report is rendered in one go, its size bounded whatever the corpus: an
//! overview with charts, summary tables (largest clusters, most cited entities, most contested
//! and most supported claims), long lists embedded once as JSON and paged by the report's
//! script, then each shown document's text with its annotations highlighted and its evidence
//! folded away. The CSV and SQLite outputs, which it links to, hold the full detail. No network,
//! no external assets; every piece of corpus text is escaped, and a Content-Security-Policy
//! lets only the report's own script run.

mod charts;
mod data;
mod highlight;
mod render;
mod summary;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::Write;
use std::path::{Component, Path};

use newspipe_core::{AtomicFile, Document, StageError};

use crate::exported::ExportedIds;
use crate::run_record::RunRecord;
use summary::ReportData;

/// Another output of the run that the report links to for the full detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// What it is ("SQLite", "CSV tables").
    pub kind: &'static str,
    /// Its path relative to the report's folder, with `/` separators.
    pub href: String,
}

/// The report being gathered; written on [`commit`](Self::commit).
pub struct HtmlReport {
    file: AtomicFile,
    data: ReportData,
    outputs: Vec<Output>,
}

impl HtmlReport {
    /// Starts the report file (a temporary file until commit); at most `max_documents` are
    /// shown in full, and besides their claims at most `max_claims` others are listed.
    /// `outputs` are the run's other outputs (kind and path); those in the report's folder or
    /// below it are linked.
    pub fn create(
        path: &Path,
        max_documents: usize,
        max_claims: usize,
        outputs: &[(&'static str, &Path)],
    ) -> std::io::Result<Self> {
        let folder = path.parent().unwrap_or(Path::new(""));
        let outputs = outputs
            .iter()
            .filter_map(|(kind, target)| {
                Some(Output {
                    kind,
                    href: relative_href(folder, target)?,
                })
            })
            .collect();
        Ok(Self {
            file: AtomicFile::create(path)?,
            data: ReportData::new(max_documents, max_claims),
            outputs,
        })
    }

    /// Takes in one document.
    pub fn add(&mut self, doc: &Document) {
        self.data.add(doc);
    }

    /// Renders the report and renames it into place; `exported` holds the id of every document
    /// the run exported.
    pub fn commit(mut self, run: &RunRecord, exported: ExportedIds) -> Result<(), StageError> {
        self.data.settle(exported);
        let markup = render::render(&self.data, run, &nonce(), &self.outputs);
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

/// `target` as a relative link from `folder`, when it lies in that folder or below it and every
/// part of the path is plain (no `..`, no scheme-like `:`); else `None`.
fn relative_href(folder: &Path, target: &Path) -> Option<String> {
    let inside = target.strip_prefix(folder).ok()?;
    let parts: Vec<&str> = inside
        .components()
        .map(|part| match part {
            Component::Normal(name) => name.to_str().filter(|n| !n.contains(':')),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_linked_only_from_the_report_folder_down() {
        let folder = Path::new("/run/out");
        let href = |target: &str| relative_href(folder, Path::new(target));
        assert_eq!(href("/run/out/news.db").as_deref(), Some("news.db"));
        assert_eq!(href("/run/out/tables").as_deref(), Some("tables"));
        assert_eq!(href("/run/out/a/b.db").as_deref(), Some("a/b.db"));
        assert_eq!(href("/run/elsewhere.db"), None);
        assert_eq!(href("/run/out/javascript:x"), None);
    }
}
