//! Times the score-reliability stage against the extract stage on the same corpus: the dev-data
//! article bodies (`NEWSPIPE_DEVDATA` or `../shared/devdata`), after normalize and dedupe.
//!
//! `cargo run --release -p newspipe-score-reliability --example reliability_bench [copies]`; with
//! `--jsonl FILE [--limit N]` it reads `{"id", "text"}` lines instead (the bench corpora in
//! `target/bench/`, e.g. `real-wire.jsonl`). It also prints the size of the stage's observation
//! per document, in the binary form a cluster run ships between tasks.
//!
//! `--extracted FILE` keeps the documents as extract leaves them: the first run writes them to
//! FILE, later runs read them back and time (or profile) score-reliability's passes alone.

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
    let extracted = flag("--extracted").map(std::path::PathBuf::from);
    let mut timings = Vec::new();
    match extracted.as_deref().filter(|path| path.exists()) {
        Some(path) => docs = read_documents(path),
        None => {
            timings.push(("normalize", run(newspipe_normalize::factory(), &mut docs)));
            timings.push(("dedupe", run(newspipe_dedupe::factory(), &mut docs)));
            timings.push(("extract", run(newspipe_extract::factory(), &mut docs)));
            if let Some(path) = &extracted {
                write_documents(path, &docs);
            }
            timings.push((
                "score-reliability",
                run(newspipe_score_reliability::factory(), &mut docs),
            ));
        }
    }
    let stage =
        newspipe_score_reliability::ScoreReliability::new(Default::default()).expect("builds");
    let started = Instant::now();
    let records: Vec<_> = docs
        .iter_mut()
        .map(|doc| CorpusStage::observe(&stage, doc).expect("observe"))
        .collect();
    let observe = started.elapsed().as_secs_f64();
    let observation_bytes = postcard::to_stdvec(&records).expect("encodes").len();
    let size = |value: &dyn erased::Encoded| value.bytes();
    let mut parts = [0usize; 4];
    for r in &records {
        parts[0] += size(&(&r.id, &r.cluster));
        parts[1] += size(&r.names);
        parts[2] += size(&r.claims);
        parts[3] += size(&r.traits);
    }
    let per_doc = |n: usize| n as f64 / records.len().max(1) as f64;
    println!(
        "observation per document: ids {:.0} B, names {:.0} B ({:.1} first uses), claims {:.0} B ({:.1} claims), traits {:.0} B",
        per_doc(parts[0]),
        per_doc(parts[1]),
        per_doc(records.iter().map(|r| r.names.len()).sum()),
        per_doc(parts[2]),
        per_doc(records.iter().map(|r| r.claims.len()).sum()),
        per_doc(parts[3]),
    );
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
    for (name, secs) in timings {
        println!(
            "{name:<18} {secs:>7.3} s  {:>9.0} docs/s",
            docs.len() as f64 / secs
        );
    }
}

/// Documents as [`write_documents`] wrote them, one JSON object a line.
fn read_documents(path: &std::path::Path) -> Vec<Document> {
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    std::io::BufReader::new(file)
        .lines()
        .map(|line| serde_json::from_str(&line.expect("reads")).expect("a document"))
        .collect()
}

/// Writes whole documents, annotations included, one JSON object a line.
fn write_documents(path: &std::path::Path, docs: &[Document]) {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display())),
    );
    for doc in docs {
        serde_json::to_writer(&mut out, doc).expect("encodes");
        std::io::Write::write_all(&mut out, b"\n").expect("writes");
    }
    std::io::Write::flush(&mut out).expect("writes");
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

/// The encoded size of a part of a record.
mod erased {
    /// A value whose postcard size can be measured behind a `dyn`.
    pub trait Encoded {
        /// Its size in postcard bytes.
        fn bytes(&self) -> usize;
    }

    impl<T: serde::Serialize> Encoded for T {
        fn bytes(&self) -> usize {
            postcard::to_stdvec(self).expect("encodes").len()
        }
    }
}
