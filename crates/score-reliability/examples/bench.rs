//! Times the score-reliability stage against the extract stage on the same corpus: the dev-data
//! article bodies (`NEWSPIPE_DEVDATA` or `../shared/devdata`), after normalize and dedupe.
//!
//! `cargo run --release -p newspipe-score-reliability --example bench [copies]`

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
    let copies: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
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
