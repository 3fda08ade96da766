//! Times the score-reliability stage against the extract stage on the same corpus: the dev-data
//! article bodies (`NEWSPIPE_DEVDATA` or `../shared/devdata`), after normalize and dedupe.
//!
//! `cargo run --release -p newspipe-score-reliability --example bench [copies]`

use std::io::BufRead;
use std::time::Instant;

use newspipe_core::{BuildContext, Document, Source, StageFactory, StageInstance};
use serde_json::{json, Value};

fn run(factory: StageFactory, docs: &mut [Document]) -> f64 {
    let started = Instant::now();
    match factory
        .build(&json!({}), &BuildContext::default())
        .expect("builds")
    {
        StageInstance::Document(stage) => {
            for doc in docs.iter_mut() {
                stage.process(doc).expect("runs");
            }
        }
        StageInstance::Corpus(mut stage) => {
            if stage.needs_full_view() {
                stage.observe(docs).expect("observe");
                stage.prepare().expect("prepare");
            }
            stage.apply(docs).expect("apply");
        }
    }
    started.elapsed().as_secs_f64()
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
    let mut stage =
        newspipe_score_reliability::ScoreReliability::new(Default::default()).expect("builds");
    let started = Instant::now();
    newspipe_core::CorpusStage::observe(&mut stage, &mut docs).expect("observe");
    let observe = started.elapsed().as_secs_f64();
    newspipe_core::CorpusStage::prepare(&mut stage).expect("prepare");
    let prepare = started.elapsed().as_secs_f64() - observe;
    newspipe_core::CorpusStage::apply(&mut stage, &mut docs).expect("apply");
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
