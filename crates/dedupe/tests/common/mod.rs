//! Helpers shared by the integration tests: running the stage as the runner does, reading
//! the seeds, and finding the dev data.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use newspipe_core::{Disposition, Document, Source, StageInstance};
use newspipe_dedupe::{Dedupe, DedupeConfig};
use newspipe_runner::{run_in_memory, MemoryRunOptions};

/// Runs the stage over `docs` in batches of `batch` through the runner's in-memory driver;
/// kept documents are updated in place, and each document's disposition is returned.
pub fn run(config: &DedupeConfig, docs: &mut [Document], batch: usize) -> Vec<Disposition> {
    let stage = StageInstance::corpus(Dedupe::new(config.resolve().expect("valid config")));
    let options = MemoryRunOptions {
        batch_size: batch,
        ..MemoryRunOptions::default()
    };
    let out = run_in_memory(vec![("dedupe".into(), stage)], docs.to_vec(), &options)
        .expect("the run succeeds");
    assert!(out.rejected.is_empty(), "rejected: {:?}", out.rejected);
    let (mut kept, mut dropped) = (out.docs.into_iter(), out.dropped.into_iter().peekable());
    docs.iter_mut()
        .map(|doc| match dropped.next_if(|d| d.id == doc.id) {
            Some(d) => Disposition::Drop {
                reason: d.reason,
                duplicate_of: d.duplicate_of,
            },
            None => {
                *doc = kept
                    .next()
                    .expect("a kept document for every one not dropped");
                Disposition::Keep
            }
        })
        .collect()
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

/// Rare facts two otherwise different stories share: a rewrite, derived from the other.
pub const FACTS: &[&str] = &[
    "Maria Delacroix",
    "Peter Lindqvist",
    "Port Aurel",
    "Harbor Commission",
    "Tamsin Okoro",
    "Vel Harrow",
    "1,700",
    "45,000",
    "Grand Meridian",
    "Oskar Brandt",
    "Lower Fenwick",
    "2031",
];

/// `text` lower-cased without digits: a template's words without its own figures.
pub fn plain(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

/// Inserts the facts into a text, one after every `step`-th word from `offset`.
pub fn with_facts(text: &str, facts: &[&str], offset: usize, step: usize) -> String {
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    for (n, fact) in facts.iter().enumerate() {
        let at = (offset + n * step).min(words.len());
        words.insert(at, format!("{fact},"));
    }
    words.join(" ")
}
