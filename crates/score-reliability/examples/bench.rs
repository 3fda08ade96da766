//! Times the score-reliability stage against the extract stage on the same corpus: the dev-data
//! article bodies (`NEWSPIPE_DEVDATA` or `../shared/devdata`), after normalize and dedupe.
//!
//! `cargo run --release -p newspipe-score-reliability --example bench [copies]`; with
//! `--jsonl FILE [--limit N]` it reads `{"id", "text"}` lines instead (the bench corpora in
//! `target/bench/`, e.g. `real-wire.jsonl`). It also prints the size of the stage's observation
//! per document, in the binary form a cluster run ships between tasks.

use std::io::BufRead;
use std::time::Instant;

use newspipe_core::{BuildContext, CorpusStage, Document, Source, StageFactory};
use serde_json::{json, Value};

/// Runs one stage over `docs` on one thread, as a pipeline run would; returns the seconds.
fn run(factory: StageFactory, docs: &mut Vec<Document>) -> f64 {
    let stage = factory
        .build(&json!({}), &BuildContext::default())
        .expect("builds");
    let started = Instant::now();
    let out = newspipe_runner::run_in_memory(
        vec![(factory.name().to_string(), stage)],
        std::mem::take(docs),
        &newspipe_runner::MemoryRunOptions::default(),
    )
    .expect("runs");
    let seconds = started.elapsed().as_secs_f64();
    *docs = out.docs;
    seconds
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let mut docs = match flag("--jsonl") {
        Some(path) => jsonl_docs(path),
        None => devdata_docs(args.first().and_then(|a| a.parse().ok()).unwrap_or(1)),
    };
    if let Some(limit) = flag("--limit").and_then(|l| l.parse().ok()) {
        docs.truncate(limit);
    }
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    let normalize = run(newspipe_normalize::factory(), &mut docs);
    let dedupe = run(newspipe_dedupe::factory(), &mut docs);
    let extract = run(newspipe_extract::factory(), &mut docs);
    let score = run(newspipe_score_reliability::factory(), &mut docs);
    let stage =
        newspipe_score_reliability::ScoreReliability::new(Default::default()).expect("builds");
    let started = Instant::now();
    let records: Vec<_> = docs
        .iter_mut()
        .map(|doc| CorpusStage::observe(&stage, doc).expect("observe"))
        .collect();
    let observe = started.elapsed().as_secs_f64();
    let observation_bytes = postcard::to_stdvec(&records).expect("encodes").len();
    let judged = CorpusStage::prepare(&stage, records).expect("prepare");
    let prepare = started.elapsed().as_secs_f64() - observe;
    for (position, doc) in docs.iter_mut().enumerate() {
        CorpusStage::apply(&stage, &judged, position, doc).expect("apply");
    }
    let apply = started.elapsed().as_secs_f64() - observe - prepare;
    println!(
        "score-reliability phases: observe {observe:.3} s, prepare {prepare:.3} s, apply {apply:.3} s"
    );
    println!(
        "observation: {:.0} B per document ({:.2}% of the text)",
        observation_bytes as f64 / docs.len().max(1) as f64,
        100.0 * observation_bytes as f64 / bytes.max(1) as f64
    );
    println!(
        "{} docs, {:.1} MB, {} threads",
        docs.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    for (name, secs) in [
        ("normalize", normalize),
        ("dedupe", dedupe),
        ("extract", extract),
        ("score-reliability", score),
    ] {
        println!(
            "{name:<18} {secs:>7.3} s  {:>9.0} docs/s",
            docs.len() as f64 / secs
        );
    }
}

/// The dev-data article bodies, `copies` times each.
fn devdata_docs(copies: usize) -> Vec<Document> {
    let file = std::fs::File::open(newspipe_corpusgen::devdata_file()).expect("dev data present");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut docs = Vec::new();
    for line in reader.lines().map_while(Result::ok) {
        let record: Value = serde_json::from_str(&line).expect("json");
        let body = record["article_body"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for copy in 0..copies {
            let id = format!("{}-{copy}", record["id"]);
            docs.push(Document::new(id, Source::default(), body.clone()));
        }
    }
    docs
}

/// The documents of a JSON Lines file of `{"id", "text"}` objects.
fn jsonl_docs(path: &str) -> Vec<Document> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .map(|line| {
            let record: Value = serde_json::from_str(&line).expect("json");
            let text = record["text"].as_str().unwrap_or_default().to_owned();
            let id = record["id"].as_str().unwrap_or_default().to_owned();
            Document::new(id, Source::default(), text)
        })
        .collect()
}
