//! Runs the real chain (normalize → dedupe → extract → score-reliability) in memory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use newspipe_core::{BuildContext, Document, Source, StageFactory};
use serde_json::{json, Value};

/// The workspace root (two levels above this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed articles as read, ids from their file stems, in file order.
pub fn seeds() -> Vec<Document> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(workspace().join("seeds"))
        .expect("seeds/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().into_owned();
            let source = Source {
                path: p.to_string_lossy().into_owned(),
                ..Source::default()
            };
            Document::new(id, source, std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

/// Runs one stage over `docs` through the runner's in-memory driver, as a pipeline run would.
fn run_stage(factory: StageFactory, config: &Value, docs: &mut Vec<Document>) {
    let stage = factory
        .build(config, &BuildContext::default())
        .expect("stage builds");
    let count = docs.len();
    let out = newspipe_runner::run_in_memory(
        vec![(factory.name().to_string(), stage)],
        std::mem::take(docs),
        &newspipe_runner::MemoryRunOptions::default(),
    )
    .expect("the run succeeds");
    assert_eq!(out.docs.len(), count, "every document is kept");
    *docs = out.docs;
}

/// Normalize, dedupe (marking copies, never dropping) and extract, as the default pipeline.
pub fn upstream(docs: &mut Vec<Document>) {
    run_stage(newspipe_normalize::factory(), &json!({}), docs);
    run_stage(newspipe_dedupe::factory(), &json!({}), docs);
    run_stage(newspipe_extract::factory(), &json!({}), docs);
}

/// Scores documents that already went through [`upstream`].
pub fn score(docs: &mut Vec<Document>, config: Value) {
    run_stage(newspipe_score_reliability::factory(), &config, docs);
}

/// The whole chain with a score-reliability config.
pub fn chain(mut docs: Vec<Document>, config: Value) -> Vec<Document> {
    upstream(&mut docs);
    score(&mut docs, config);
    docs
}

/// The score of the document whose id starts with `prefix`.
pub fn score_of(docs: &[Document], prefix: &str) -> f64 {
    doc(docs, prefix)
        .reliability
        .as_ref()
        .expect("scored")
        .score
}

/// The document whose id starts with `prefix`.
pub fn doc<'a>(docs: &'a [Document], prefix: &str) -> &'a Document {
    docs.iter()
        .find(|d| d.id.starts_with(prefix))
        .expect("document present")
}

/// Points lost to each applicable signal: `weight × (1 − score)`.
pub fn losses(doc: &Document) -> Vec<(String, f64)> {
    doc.reliability
        .as_ref()
        .expect("scored")
        .signals
        .iter()
        .filter(|s| s.applicable && s.weight > 0.0)
        .map(|s| (s.name.clone(), s.weight * (1.0 - s.score)))
        .collect()
}

/// Dev-data article bodies, when the data is present (`NEWSPIPE_DEVDATA` or
/// `<workspace>/../shared/devdata`); `None` with a printed message otherwise, and a failure
/// when the environment variable `CI` is set.
pub fn devdata_articles(limit: usize) -> Option<Vec<(String, String, Option<String>)>> {
    use std::io::BufRead;
    let path = newspipe_corpusgen::devdata_file();
    let Ok(file) = std::fs::File::open(&path) else {
        let message = format!(
            "the dev data {} is not there (set NEWSPIPE_DEVDATA)",
            path.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{message}: CI needs it");
        eprintln!("skipping the dev-data part: {message}");
        return None;
    };
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for line in reader.lines().map_while(Result::ok) {
        let Ok(record) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let body = record["article_body"].as_str().unwrap_or_default();
        let words = body.split_whitespace().count();
        let english = body.is_ascii()
            || body.chars().filter(|c| c.is_ascii()).count() * 10 > body.chars().count() * 9;
        if (300..=1500).contains(&words) && english {
            let id = record["id"].to_string().trim_matches('"').to_owned();
            out.push((
                id,
                body.to_owned(),
                record["date"].as_str().map(str::to_owned),
            ));
        }
        if out.len() >= limit {
            break;
        }
    }
    Some(out)
}

/// PolNeAR development articles (US political news with attributed statements) as
/// `(id, text)`, from the folder of the dev data; `None` with a printed message when missing,
/// and a failure when the environment variable `CI` is set.
pub fn polnear_articles(limit: usize) -> Option<Vec<(String, String)>> {
    use std::io::BufRead;
    let wcxb = newspipe_corpusgen::devdata_file();
    let path = wcxb
        .parent()
        .unwrap_or(Path::new("."))
        .join("polnear/dev.jsonl");
    let Ok(file) = std::fs::File::open(&path) else {
        let message = format!("the dev data {} is not there", path.display());
        assert!(std::env::var_os("CI").is_none(), "{message}: CI needs it");
        eprintln!("skipping the PolNeAR part: {message}");
        return None;
    };
    let articles = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .filter_map(|record| {
            let text = record["text"].as_str()?.to_owned();
            let id = record["id"].to_string().trim_matches('"').to_owned();
            Some((id, text))
        })
        .take(limit)
        .collect();
    Some(articles)
}
