//! Helpers shared by the integration tests: running the stage as the runner does, reading
//! the seeds, and finding the dev data.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use newspipe_core::{CorpusStage, Disposition, Document, Source};
use newspipe_dedupe::{Dedupe, DedupeConfig};

/// Runs observe, prepare and apply over `docs` in batches of `batch`, as the runner does.
pub fn run(config: &DedupeConfig, docs: &mut [Document], batch: usize) -> Vec<Disposition> {
    let mut stage = Dedupe::new(config.resolve().expect("valid config"));
    for chunk in docs.chunks_mut(batch.max(1)) {
        stage.observe(chunk).expect("observe");
    }
    stage.prepare().expect("prepare");
    let mut dispositions = Vec::new();
    for chunk in docs.chunks_mut(batch.max(1)) {
        dispositions.extend(stage.apply(chunk).expect("apply"));
    }
    dispositions
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed articles as raw text documents, id = file stem, in file-name order.
pub fn seeds() -> Vec<Document> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(workspace().join("seeds"))
        .expect("seeds folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|path| seed_document(path)).collect()
}

/// One seed file as a document.
pub fn seed_document(path: &Path) -> Document {
    let text = std::fs::read_to_string(path).expect("seed text");
    let id = path
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let source = Source {
        path: path.display().to_string(),
        ..Source::default()
    };
    Document::new(id, source, text)
}

/// The dev data file ([`newspipe_corpusgen::devdata_file`]), if present.
pub fn devdata() -> Option<PathBuf> {
    let path = newspipe_corpusgen::devdata_file();
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipping: dev data {} not found (set NEWSPIPE_DEVDATA)",
            path.display()
        );
        None
    }
}
