//! Measures the dedupe stage's speed (MB/s of text, documents/s) and quality (ARI) on a
//! generated corpus, with 1 and 2 threads.
//!
//! ```sh
//! cargo run --release -p newspipe-dedupe --example throughput -- [clean|noisy] [rounds] [FILE]
//! ```
//! Uses the WCXB dev data (`NEWSPIPE_DEVDATA` or `../shared/devdata`) when present, else
//! synthetic articles. Each round is a corpus generated with another seed; the ARI is shown
//! for one round only (rounds copy the same sources, so their labels overlap). With `FILE`
//! (JSON Lines with `id`, `text` and `cluster`, such as the unzipped `newsdup` dev splits), that corpus
//! is read instead; `examples/datasketch_baseline.py FILE` times datasketch on the same one.
//! It also prints a digest of every document's `dedupe` output (equal digests: a change left
//! the outputs as they were) and the size of the observation per document: the serialized
//! records and the files a cluster run's observe task writes beside them.

use std::time::Instant;

use newspipe_core::{CorpusStage, Document, Meta, Source, StageInstance};
use newspipe_corpusgen::{
    adjusted_rand_index, generate, load_article_bodies, process_cpu_seconds, read_jsonl,
    synthetic_articles, CorpusDoc, CorpusSpec,
};
use newspipe_dedupe::{Dedupe, DedupeConfig, Preset};
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let preset = match args.get(1).map(String::as_str) {
        Some("noisy") => Preset::Noisy,
        _ => Preset::Clean,
    };
    let repeat: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1);
    let corpus = match args.get(3) {
        Some(path) => read_corpus(path),
        None => generated_corpus(preset, repeat),
    };
    measure(preset, repeat, &corpus);
}

/// The labelled corpus in a JSON Lines file; a numeric `cluster` label (the newsdup dev
/// splits') is read as its decimal string.
fn read_corpus(path: &str) -> Vec<CorpusDoc> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let lines: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(index, line)| {
            let mut row: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("{path}: line {}: {err}", index + 1));
            if let Some(cluster) = row.get("cluster").filter(|c| c.is_number()) {
                row["cluster"] = cluster.to_string().into();
            }
            row.to_string()
        })
        .collect();
    read_jsonl(lines.join("\n").as_bytes()).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// `repeat` corpora generated from the dev articles (or synthetic ones) with successive seeds.
fn generated_corpus(preset: Preset, repeat: usize) -> Vec<CorpusDoc> {
    let devdata = newspipe_corpusgen::devdata_file();
    let sources = match load_article_bodies(&devdata, 80) {
        Ok(sources) => sources,
        Err(_) => {
            eprintln!(
                "dev data not found at {}: using synthetic articles",
                devdata.display()
            );
            synthetic_articles(800, 1)
        }
    };
    let mut corpus = Vec::new();
    for round in 0..repeat {
        let spec = match preset {
            Preset::Noisy => CorpusSpec::noisy(100 + round as u64),
            Preset::Clean => CorpusSpec::clean(100 + round as u64),
        };
        corpus.extend(generate(&sources, &spec).into_iter().map(|mut doc| {
            doc.id = format!("{round}-{}", doc.id);
            doc.cluster = format!("{round}-{}", doc.cluster);
            doc
        }));
    }
    corpus
}

/// Runs the stage over `corpus` on 1 and 2 threads and prints speed and ARI.
fn measure(preset: Preset, repeat: usize, corpus: &[CorpusDoc]) {
    let bytes: usize = corpus.iter().map(|d| d.text.len()).sum();
    let docs: Vec<Document> = corpus
        .iter()
        .map(|d| {
            let mut doc = Document::new(d.id.clone(), Source::default(), d.text.clone());
            doc.meta = Meta {
                published: d.published.clone(),
                ..Meta::default()
            };
            doc
        })
        .collect();
    let truth: Vec<&str> = corpus.iter().map(|d| d.cluster.as_str()).collect();
    println!(
        "{preset:?}: {} documents, {:.1} MB",
        docs.len(),
        bytes as f64 / 1e6
    );
    observation_size(preset, &docs);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut docs = docs.clone();
        let config = DedupeConfig {
            preset,
            ..DedupeConfig::default()
        };
        let stage = Dedupe::new(config.resolve().expect("valid config"));
        let start = Instant::now();
        let cpu_start = process_cpu_seconds();
        let records: Vec<_> = pool.install(|| {
            docs.par_iter_mut()
                .map(|doc| stage.observe(doc).expect("observe"))
                .collect()
        });
        let observed = start.elapsed();
        let state = pool.install(|| stage.prepare(records).expect("prepare"));
        let prepared = start.elapsed();
        pool.install(|| {
            docs.par_iter_mut().enumerate().for_each(|(position, doc)| {
                stage.apply(&state, position, doc).expect("apply");
            })
        });
        let total = start.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds().map(|end| end - cpu_start.unwrap_or(end));
        let predicted: Vec<&str> = docs
            .iter()
            .map(|d| d.dedupe.as_ref().map_or("", |info| info.cluster.as_str()))
            .collect();
        let per_cpu = cpu.map_or(String::new(), |cpu| {
            format!(
                ", {:.1} MB per CPU-second",
                bytes as f64 / 1e6 / cpu.max(1e-3)
            )
        });
        let outputs: Vec<String> = docs
            .iter()
            .map(|d| serde_json::to_string(&d.dedupe).expect("serializable"))
            .collect();
        let digest = xxhash_rust::xxh3::xxh3_64(outputs.join("\n").as_bytes());
        println!(
            "{threads} thread(s): {:.1} MB/s wall{per_cpu}, {:.0} docs/s (observe {:.2}s, prepare {:.2}s, total {total:.2}s), ARI {:.4}, outputs {digest:016x}",
            bytes as f64 / 1e6 / total,
            docs.len() as f64 / total,
            observed.as_secs_f64(),
            (prepared - observed).as_secs_f64(),
            // Rounds copy the same sources, so labels only hold for one round.
            if repeat == 1 { adjusted_rand_index(&truth, &predicted) } else { f64::NAN },
        );
    }
}

/// Prints the bytes per document of the stage's observation as a cluster run ships it.
fn observation_size(preset: Preset, docs: &[Document]) {
    let config = DedupeConfig {
        preset,
        ..DedupeConfig::default()
    };
    let StageInstance::Corpus(stage) =
        StageInstance::corpus(Dedupe::new(config.resolve().expect("valid config")))
    else {
        unreachable!("dedupe is a corpus stage")
    };
    let records: Vec<_> = docs
        .iter()
        .map(|doc| stage.observe(&mut doc.clone()).expect("observe"))
        .collect();
    let records_bytes = stage.encode_records(&records).expect("encode").len();
    // What a cluster run's observe task writes beside the records: the summaries and the band
    // keys of four bucket tasks (the merge steps' ranks: heads 1, bucket 4, verify 4).
    let files_bytes: usize = stage
        .shard_files(&records, &[1, 4, 4])
        .expect("shard files")
        .iter()
        .map(|(_, bytes)| bytes.len())
        .sum();
    let bytes = records_bytes + files_bytes;
    let text: usize = docs.iter().map(|d| d.text.len()).sum();
    let per_doc = |bytes: usize| bytes as f64 / docs.len() as f64;
    println!(
        "observation: {:.0} B per document ({:.0} records, {:.0} summaries and band keys), {:.1}% of the text",
        per_doc(bytes),
        per_doc(records_bytes),
        per_doc(files_bytes),
        100.0 * bytes as f64 / text as f64
    );
}
