//! Measures the extract stage's speed on one core over real article bodies:
//!
//! ```sh
//! cargo run --release -p newspipe-extract --example extract_bench [-- path/to/wcxb-dev-articles.jsonl.gz]
//! cargo run --release -p newspipe-extract --example extract_bench -- documents.jsonl [out.jsonl]
//! ```
//!
//! The corpus defaults to `$NEWSPIPE_DEVDATA/wcxb-dev-articles.jsonl.gz`, else
//! `<workspace>/../shared/devdata/`. It prints tokens/s for per-document extraction and for the
//! whole stage (observe extracts every document, prepare builds the canonical map, apply swaps
//! in the canonical names).
//!
//! Given a `.jsonl` file of documents as `newspipe run` exports them (say after normalize and
//! dedupe, as the extract stage sees them in the default pipeline), it runs the whole stage
//! alone on one thread over them, with their metadata and dedupe clusters, and writes the
//! documents it returns to `out.jsonl` when named, to compare two versions' outputs; this is
//! the run to profile (`valgrind --tool=callgrind`, collecting everything: the stage runs on the
//! worker pool's threads, so a `--toggle-collect` on the driver function collects almost
//! nothing; read the stage's own functions in `callgrind_annotate --inclusive=yes`).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

use newspipe_core::{Document, Meta, Source, StageInstance};
use newspipe_corpusgen::process_cpu_seconds;
use newspipe_extract::{extract, ExtractConfig, ExtractStage};

fn corpus_path() -> PathBuf {
    if let Some(path) = std::env::args().nth(1) {
        return path.into();
    }
    newspipe_corpusgen::devdata_file()
}

/// Wall-clock and CPU time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let (cpu0, start) = (process_cpu_seconds(), Instant::now());
    let out = f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    (out, wall, cpu)
}

fn report(label: &str, tokens: usize, bytes: usize, wall: f64, cpu: Option<f64>) {
    let cpu_part = cpu
        .filter(|c| *c > 0.0)
        .map(|c| format!(", {:.0} tokens per CPU second", tokens as f64 / c))
        .unwrap_or_default();
    println!(
        "{label}: {:.0} tokens/s, {:.1} MB/s wall{cpu_part}",
        tokens as f64 / wall,
        bytes as f64 / wall / 1e6
    );
}

/// Runs the whole stage alone on one thread over the documents exported in `path` and writes
/// its output documents to `out`, one JSON line each.
/// The whole stage (observe, prepare, apply) through the runner's in-memory driver, one thread.
fn alone_on_one_thread(
    docs: Vec<Document>,
) -> Result<newspipe_runner::MemoryRun, newspipe_runner::RunError> {
    let stage = StageInstance::corpus(ExtractStage::new(ExtractConfig::default()));
    let options = newspipe_runner::MemoryRunOptions {
        threads: 1,
        ..Default::default()
    };
    newspipe_runner::run_in_memory(vec![("extract".into(), stage)], docs, &options)
}

fn run_on_documents(
    path: &std::path::Path,
    out: Option<PathBuf>,
) -> Result<(), Box<dyn std::error::Error>> {
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut docs = Vec::new();
    for line in reader.lines() {
        let mut doc: Document = serde_json::from_str(&line?)?;
        doc.entities.clear();
        doc.dates.clear();
        doc.quantities.clear();
        doc.quotes.clear();
        doc.claims.clear();
        docs.push(doc);
    }
    let size = Size::of(docs.iter().map(|d| d.text.as_str()));
    let (result, wall, cpu) = timed(|| alone_on_one_thread(docs));
    let docs = result?.docs;
    println!(
        "{} documents, {} tokens, {:.1} MB, {:.0} µs a document",
        docs.len(),
        size.tokens,
        size.bytes as f64 / 1e6,
        cpu.unwrap_or(wall) / docs.len().max(1) as f64 * 1e6
    );
    report(
        "whole stage (observe+prepare+apply), 1 thread",
        size.tokens,
        size.bytes,
        wall,
        cpu,
    );
    if let Some(out) = out {
        let mut writer = std::io::BufWriter::new(std::fs::File::create(out)?);
        for doc in &docs {
            serde_json::to_writer(&mut writer, doc)?;
            writer.write_all(b"\n")?;
        }
        writer.flush()?;
    }
    Ok(())
}

/// Tokens and bytes of some texts.
struct Size {
    tokens: usize,
    bytes: usize,
}

impl Size {
    fn of<'t>(texts: impl Iterator<Item = &'t str> + Clone) -> Self {
        Size {
            tokens: texts.clone().map(|t| t.split_whitespace().count()).sum(),
            bytes: texts.map(str::len).sum(),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = corpus_path();
    if path.extension().is_some_and(|e| e == "jsonl") {
        return run_on_documents(&path, std::env::args().nth(2).map(PathBuf::from));
    }
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
    let Size { tokens, bytes } = Size::of(bodies.iter().map(String::as_str));
    // warm the name lists up once
    let _ = extract("Warm up, said Steve Boivin.", &Meta::default(), true);

    let (found, per_doc_wall, per_doc_cpu) = timed(|| {
        bodies
            .iter()
            .map(|body| {
                let ex = extract(body, &Meta::default(), true);
                ex.mentions.len() + ex.dates.len() + ex.quantities.len() + ex.quotes.len()
            })
            .sum::<usize>()
    });

    let docs: Vec<Document> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| Document::new(i.to_string(), Source::default(), b))
        .collect();
    let (result, stage_wall, stage_cpu) = timed(|| alone_on_one_thread(docs));
    let docs = result?.docs;

    println!(
        "{} documents, {tokens} tokens, {:.1} MB, {found} annotations",
        docs.len(),
        bytes as f64 / 1e6
    );
    report(
        "extract per document, 1 core",
        tokens,
        bytes,
        per_doc_wall,
        per_doc_cpu,
    );
    report(
        "whole stage (observe+prepare+apply), 1 thread",
        tokens,
        bytes,
        stage_wall,
        stage_cpu,
    );
    Ok(())
}
