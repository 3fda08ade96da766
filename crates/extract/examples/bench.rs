//! Measures the extract stage's speed on one core over real article bodies:
//!
//! ```sh
//! cargo run --release -p newspipe-extract --example bench [-- path/to/wcxb-dev-articles.jsonl.gz]
//! ```
//!
//! The corpus defaults to `$NEWSPIPE_DEVDATA/wcxb-dev-articles.jsonl.gz`, else
//! `<workspace>/../shared/devdata/`. It prints tokens/s for per-document extraction and for the
//! whole stage (observe + prepare + apply, which extracts every document twice).

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use newspipe_core::{CorpusStage, Document, Meta, Source};
use newspipe_extract::{extract, ExtractConfig, ExtractStage};

fn corpus_path() -> PathBuf {
    if let Some(path) = std::env::args().nth(1) {
        return path.into();
    }
    let dir = std::env::var_os("NEWSPIPE_DEVDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/devdata")
        });
    dir.join("wcxb-dev-articles.jsonl.gz")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = corpus_path();
    let Ok(file) = std::fs::File::open(&path) else {
        println!(
            "skipped: no dev data at {} (set NEWSPIPE_DEVDATA)",
            path.display()
        );
        return Ok(());
    };
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut bodies = Vec::new();
    for line in reader.lines() {
        let record: serde_json::Value = serde_json::from_str(&line?)?;
        if let Some(body) = record["article_body"].as_str() {
            bodies.push(body.to_string());
        }
    }
    let tokens: usize = bodies.iter().map(|b| b.split_whitespace().count()).sum();
    let bytes: usize = bodies.iter().map(String::len).sum();
    // warm the name lists up once
    let _ = extract("Warm up, said Steve Boivin.", &Meta::default(), true);

    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let start = Instant::now();
    let mut found = 0usize;
    for body in &bodies {
        let ex = extract(body, &Meta::default(), true);
        found += ex.mentions.len() + ex.dates.len() + ex.quantities.len() + ex.quotes.len();
    }
    let per_doc = start.elapsed().as_secs_f64();

    let mut docs: Vec<Document> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| Document::new(i.to_string(), Source::default(), b))
        .collect();
    let start = Instant::now();
    pool.install(|| -> Result<(), newspipe_core::StageError> {
        let mut stage = ExtractStage::new(ExtractConfig::default());
        stage.observe(&docs)?;
        stage.prepare()?;
        stage.apply(&mut docs)?;
        Ok(())
    })?;
    let stage = start.elapsed().as_secs_f64();

    println!(
        "{} documents, {tokens} tokens, {:.1} MB, {found} annotations",
        docs.len(),
        bytes as f64 / 1e6
    );
    println!(
        "extract per document, 1 core: {:.0} tokens/s ({:.1} MB/s)",
        tokens as f64 / per_doc,
        bytes as f64 / per_doc / 1e6
    );
    println!(
        "whole stage (observe+prepare+apply), 1 thread: {:.0} tokens/s ({:.1} MB/s)",
        tokens as f64 / stage,
        bytes as f64 / stage / 1e6
    );
    Ok(())
}
