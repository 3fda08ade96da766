//! Single-thread speed of the stage, in CPU time:
//! `cargo run --release -p newspipe-normalize --example normalize_bench [html|html-news|text|wire] [STEP] [OUT]`
//! or `… --example normalize_bench FILE.jsonl [LINES] [OUT]` for the first LINES `{id, text}` records of
//! a JSON Lines file as text documents (the bench's real rows, `target/bench/real-wire.jsonl`).
//! `html` normalizes the WCXB dev pages as served; `html-news` only those that declare a news
//! article (`declares_news_article`, as `devdata_report` splits them: the kind of page the
//! held-out speed bar is about); `text` normalizes them flattened to text
//! (menus and all); `wire` runs the whole stage (observe, prepare, apply) over the short real
//! news texts of `newsdup/newsdup-clean-dev.jsonl.gz` (Reuters-21578 and BBC articles, about
//! 0.9 KB each), where the per-document costs show. Prints pages/s, MB/s of input and the
//! cost per document, and the size of the stage's encoded observation and state (what a cluster
//! run ships between tasks); with OUT, writes each document's output as a JSON line (for `cmp`).

#[path = "../tests/support/devdata.rs"]
mod devdata;

use std::io::{BufRead, BufReader, Write};

use newspipe_core::{CorpusStage, Document, InputFormat, Source, StageInstance};
use newspipe_corpusgen::thread_cpu_seconds;
use newspipe_normalize::{
    declares_news_article, flatten_html, NormalizeConfig, NormalizeStage, Normalizer,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "html".into());
    // Every STEP-th dev document, or the first LINES records of a JSON Lines file.
    let step: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let out = args.next();
    let docs = match mode.as_str() {
        "wire" => wire_documents(step),
        path if path.ends_with(".jsonl") => jsonl_documents(path, step),
        "text" => dev_page_documents(step, InputFormat::Text, false),
        "html-news" => dev_page_documents(step, InputFormat::Html, true),
        _ => dev_page_documents(step, InputFormat::Html, false),
    };
    let Some(mut docs) = docs else {
        return;
    };
    let bytes: usize = docs.iter().map(|d| d.raw.len()).sum();
    let stage = NormalizeStage::new(
        Normalizer::new(NormalizeConfig::default()).expect("default config builds"),
    );
    let start = thread_cpu_seconds();
    let records = docs
        .iter_mut()
        .map(|doc| stage.observe(doc).expect("observe never fails"))
        .collect();
    let repeated = stage.prepare(records).expect("prepare never fails");
    for (position, doc) in docs.iter_mut().enumerate() {
        stage
            .apply(&repeated, position, doc)
            .expect("apply never fails");
    }
    let secs = thread_cpu_seconds() - start;
    let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
    println!(
        "normalize {mode}: {} documents, {:.1} MB in {secs:.2} s CPU: {:.1} docs/s, {:.1} MB/s, {:.1} µs/doc ({words} words out)",
        docs.len(),
        bytes as f64 / 1e6,
        docs.len() as f64 / secs,
        bytes as f64 / 1e6 / secs,
        secs * 1e6 / docs.len() as f64
    );
    print_encoded_sizes(&mut docs, bytes);
    if let Some(path) = out {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("writable"));
        for doc in &docs {
            let line = serde_json::json!({"id": doc.id, "text": doc.text, "removed": doc.removed, "meta": doc.meta});
            writeln!(file, "{line}").expect("write output");
        }
    }
}

/// Bytes per document of the stage's observation and state in their binary form, as
/// `records.bin` and `state.bin` of a cluster run would hold them, and of the observation as a
/// cluster run ships it, split into bucket files (observe reads only `raw` and the
/// source, so the documents may be normalized already).
fn print_encoded_sizes(docs: &mut [Document], input_bytes: usize) {
    let StageInstance::Corpus(stage) = StageInstance::corpus(NormalizeStage::new(
        Normalizer::new(NormalizeConfig::default()).expect("default config builds"),
    )) else {
        unreachable!("normalize is a corpus stage");
    };
    let records: Vec<_> = docs
        .iter_mut()
        .map(|doc| stage.observe(doc).expect("observe never fails"))
        .collect();
    let records_bytes = stage
        .encode_records(&records)
        .expect("records encode")
        .len();
    // What a cluster run ships instead: the files of one shard for four bucket tasks.
    let split_bytes: usize = stage
        .shard_files(&records, &[4])
        .expect("shard files encode")
        .iter()
        .map(|(_, bytes)| bytes.len())
        .sum();
    let state = stage.prepare(records).expect("prepare never fails");
    let state_bytes = stage.encode_state(&state).expect("state encodes").len();
    let per_doc = |b: usize| b as f64 / docs.len().max(1) as f64;
    let share = |b: usize| 100.0 * b as f64 / input_bytes.max(1) as f64;
    println!(
        "observation {:.0} B/doc ({:.2}% of the input; split in 4 bucket files: {:.0} B/doc, \
         {:.2}%), state {:.0} B/doc",
        per_doc(records_bytes),
        share(records_bytes),
        per_doc(split_bytes),
        share(split_bytes),
        per_doc(state_bytes)
    );
}

/// The WCXB dev pages, as served or flattened to text; with `news_only`, only the pages that
/// declare a news article.
fn dev_page_documents(step: usize, format: InputFormat, news_only: bool) -> Option<Vec<Document>> {
    let pages = devdata::load_dev_pages(step)?;
    Some(
        pages
            .into_iter()
            .filter(|page| !news_only || declares_news_article(&page.html))
            .map(|page| {
                let input = match format {
                    InputFormat::Text => flatten_html(&page.html),
                    InputFormat::Html => page.html,
                };
                let source = Source {
                    format,
                    url: page.url,
                    ..Default::default()
                };
                Document::new(page.id, source, input)
            })
            .collect(),
    )
}

/// The short real news texts of the near-duplicate dev set, as plain-text documents without a
/// URL (as a folder of wire copy is read), every `step`-th one.
fn wire_documents(step: usize) -> Option<Vec<Document>> {
    #[derive(serde::Deserialize)]
    struct Record {
        id: String,
        text: String,
    }
    let wcxb = newspipe_corpusgen::devdata_file();
    let path = wcxb.with_file_name("newsdup/newsdup-clean-dev.jsonl.gz");
    let Ok(file) = std::fs::File::open(&path) else {
        eprintln!("SKIP: {} not found (set NEWSPIPE_DEVDATA)", path.display());
        return None;
    };
    let reader = BufReader::new(flate2::read::GzDecoder::new(file));
    let docs = reader
        .lines()
        .map(|line| line.expect("readable gzip"))
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .filter(|(i, _)| i % step.max(1) == 0)
        .map(|(_, line)| {
            let record: Record = serde_json::from_str(&line).expect("JSON lines");
            let source = Source {
                format: InputFormat::Text,
                path: "newsdup/".to_owned(),
                ..Default::default()
            };
            Document::new(record.id, source, record.text)
        })
        .collect();
    Some(docs)
}

/// The first `lines` `{id, text}` records of a JSON Lines file (all with `lines` 1, the
/// default), as plain-text documents without a URL.
fn jsonl_documents(path: &str, lines: usize) -> Option<Vec<Document>> {
    #[derive(serde::Deserialize)]
    struct Record {
        id: String,
        text: String,
    }
    let Ok(file) = std::fs::File::open(path) else {
        eprintln!("SKIP: {path} not found");
        return None;
    };
    let limit = if lines <= 1 { usize::MAX } else { lines };
    let docs = BufReader::new(file)
        .lines()
        .map(|line| line.expect("readable file"))
        .filter(|line| !line.trim().is_empty())
        .take(limit)
        .map(|line| {
            let record: Record = serde_json::from_str(&line).expect("JSON lines");
            let source = Source {
                format: InputFormat::Text,
                ..Default::default()
            };
            Document::new(record.id, source, record.text)
        })
        .collect();
    Some(docs)
}
