//! The runner's contract with stages: order, passes, rejects, drops and panics.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newspipe_config::{Input, InputFormat, OnError, Pipeline, StageSpec};
use newspipe_core::{
    CorpusStage, Disposition, Document, DocumentStage, Registry, StageError, StageFactory,
    StageInstance, WarmUp,
};
use newspipe_runner::{run, RunError, RunOptions};
use serde::{Deserialize, Serialize};

/// Fails documents whose text contains "bad", panics on "boom", drops "dup", upper-cases the rest.
struct Picky;

impl DocumentStage for Picky {
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
        if doc.text.contains("boom") {
            panic!("exploded on {}", doc.id);
        }
        if doc.text.contains("bad") {
            return Err(StageError::new("bad text"));
        }
        if doc.text.contains("dup") {
            return Ok(Disposition::Drop {
                reason: "duplicate".into(),
                duplicate_of: Some("d0".into()),
            });
        }
        doc.text = doc.text.to_uppercase();
        Ok(Disposition::Keep)
    }
}

/// Counts the documents it observes; `apply` writes the corpus size and the document's position
/// into every document. Panics in `apply` on a text containing "crash".
#[derive(Default)]
struct Census {
    observed: Arc<AtomicUsize>,
}

impl CorpusStage for Census {
    type Record = String;
    type State = Vec<String>;
    const FORMAT_VERSION: u32 = 1;

    fn observe(&self, doc: &mut Document) -> Result<String, StageError> {
        self.observed.fetch_add(1, Ordering::SeqCst);
        Ok(doc.id.clone())
    }

    fn prepare(&self, ids: Vec<String>) -> Result<Vec<String>, StageError> {
        assert_eq!(self.observed.load(Ordering::SeqCst), ids.len());
        Ok(ids)
    }

    fn apply(
        &self,
        ids: &Vec<String>,
        position: usize,
        doc: &mut Document,
    ) -> Result<Disposition, StageError> {
        if doc.text.contains("crash") {
            panic!("crashed on {}", doc.id);
        }
        assert_eq!(ids[position], doc.id, "the position is the record's index");
        doc.extra.insert("corpus_size".into(), ids.len().into());
        doc.extra.insert("position".into(), position.into());
        Ok(Disposition::Keep)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct NoConfig {}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(StageFactory::new::<NoConfig>("picky", "", |_, _| {
        Ok(StageInstance::Document(Box::new(Picky)))
    }));
    registry.register(StageFactory::new::<NoConfig>("census", "", |_, _| {
        Ok(StageInstance::corpus(Census::default()))
    }));
    registry.register(newspipe_export::factory());
    registry
}

fn pipeline(dir: &Path, stages: &[&str], on_error: OnError, batch_size: usize) -> Pipeline {
    let mut specs: Vec<StageSpec> = stages
        .iter()
        .map(|name| StageSpec {
            name: name.to_string(),
            config: serde_json::json!({}),
        })
        .collect();
    specs.push(StageSpec {
        name: "export".into(),
        config: serde_json::json!({"jsonl": "out/docs.jsonl"}),
    });
    Pipeline {
        name: "test".into(),
        file: dir.join("p.yaml"),
        base_dir: dir.to_path_buf(),
        config_hash: "0".into(),
        input: Input {
            path: dir.join("in.jsonl"),
            format: InputFormat::Auto,
            batch_size,
            max_document_bytes: newspipe_config::DEFAULT_MAX_DOCUMENT_BYTES,
        },
        on_error,
        rejects: dir.join("out/rejects.jsonl"),
        dropped: dir.join("out/dropped.jsonl"),
        stats: dir.join("out/stats.json"),
        stages: specs,
        tests: Vec::new(),
        cluster: Default::default(),
    }
}

fn write_input(dir: &Path, texts: &[&str]) {
    let lines: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| serde_json::json!({"id": format!("d{i}"), "text": text}).to_string())
        .collect();
    fs::write(dir.join("in.jsonl"), lines.join("\n")).unwrap();
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn rejects_drops_and_panics_are_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    write_input(
        dir.path(),
        &["ok one", "bad one", "dup one", "boom", "ok two"],
    );
    let summary = run(
        &pipeline(dir.path(), &["picky"], OnError::Continue, 2),
        &registry(),
        &RunOptions {
            progress: false,
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            summary.read,
            summary.written,
            summary.rejected,
            summary.dropped
        ),
        (5, 2, 2, 1)
    );
    let out = lines(&dir.path().join("out/docs.jsonl"));
    let texts: Vec<_> = out.iter().map(|d| d["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["OK ONE", "OK TWO"]);
    let rejects = lines(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(rejects[0]["id"], "d1");
    assert_eq!(rejects[0]["reason"], "bad text");
    assert_eq!(rejects[1]["id"], "d3");
    assert_eq!(rejects[1]["reason"], "stage panicked: exploded on d3");
    let dropped = lines(&dir.path().join("out/dropped.jsonl"));
    assert_eq!(dropped[0]["duplicate_of"], "d0");
    assert_eq!(summary.stages[0].rejected, 2);
}

#[test]
fn a_corpus_stage_sees_everything_before_annotating_even_when_spilled() {
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<String> = (0..40)
        .map(|i| format!("ok {i} {}", "x".repeat(200)))
        .collect();
    write_input(
        dir.path(),
        &texts.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let options = RunOptions {
        progress: false,
        memory_budget: 4_000,
        threads: Some(2),
    };
    let summary = run(
        &pipeline(dir.path(), &["picky", "census"], OnError::Continue, 16),
        &registry(),
        &options,
    )
    .unwrap();
    assert_eq!(summary.written, 40);
    let out = lines(&dir.path().join("out/docs.jsonl"));
    let ids: Vec<_> = out
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<_> = (0..40).map(|i| format!("d{i}")).collect();
    assert_eq!(ids, expected);
    assert!(out.iter().all(|d| d["extra"]["corpus_size"] == 40));
    for (index, doc) in out.iter().enumerate() {
        assert_eq!(doc["extra"]["position"], index);
    }
}

#[test]
fn a_panic_in_a_corpus_stage_rejects_only_that_document() {
    let dir = tempfile::tempdir().unwrap();
    write_input(dir.path(), &["ok one", "crash here", "ok two"]);
    let summary = run(
        &pipeline(dir.path(), &["census"], OnError::Continue, 2),
        &registry(),
        &RunOptions {
            progress: false,
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert_eq!((summary.written, summary.rejected), (2, 1));
    let rejects = lines(&dir.path().join("out/rejects.jsonl"));
    assert_eq!(rejects[0]["id"], "d1");
    assert_eq!(rejects[0]["stage"], "census");
    assert_eq!(rejects[0]["reason"], "stage panicked: crashed on d1");
    let out = lines(&dir.path().join("out/docs.jsonl"));
    assert_eq!(
        out[1]["extra"]["position"], 2,
        "positions count observed documents"
    );
}

#[test]
fn on_error_fail_stops_without_committing() {
    let dir = tempfile::tempdir().unwrap();
    write_input(dir.path(), &["ok", "bad"]);
    let err = run(
        &pipeline(dir.path(), &["picky"], OnError::Fail, 8),
        &registry(),
        &RunOptions {
            progress: false,
            ..RunOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, RunError::Document { ref id, .. } if id == "d1"),
        "{err}"
    );
    assert!(!dir.path().join("out/docs.jsonl").exists());
    assert!(!dir.path().join("out/rejects.jsonl").exists());
}

#[test]
fn the_in_memory_driver_collects_what_a_sink_writes_while_it_overlaps_the_stages_before() {
    let dir = tempfile::tempdir().unwrap();
    let cx = newspipe_core::BuildContext {
        base_dir: dir.path().to_path_buf(),
        pipeline: "test".into(),
    };
    let export = newspipe_export::factory()
        .build(&serde_json::json!({"jsonl": "out.jsonl"}), &cx)
        .unwrap();
    let docs: Vec<Document> = ["ok one", "bad one", "ok two", "ok three"]
        .iter()
        .enumerate()
        .map(|(i, text)| Document::new(format!("d{i}"), Default::default(), text.to_string()))
        .collect();
    let stages = vec![
        (
            "picky".to_string(),
            StageInstance::Document(Box::new(Picky)),
        ),
        ("export".to_string(), export),
    ];
    let options = newspipe_runner::MemoryRunOptions {
        batch_size: 1,
        threads: 2,
        ..Default::default()
    };
    let out = newspipe_runner::run_in_memory(stages, docs, &options).unwrap();
    let texts: Vec<&str> = out.docs.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(texts, ["OK ONE", "OK TWO", "OK THREE"]);
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(lines(&dir.path().join("out.jsonl")).len(), 3);
}

/// The warm-ups of [`Warm`] stages, in the order they ran (factories are plain functions: a
/// static is how a stage built by one reaches the test).
static WARMED: Mutex<Vec<&str>> = Mutex::new(Vec::new());

/// A stage of either kind whose warm-up writes its name to [`WARMED`]; it does nothing else.
struct Warm(&'static str);

impl Warm {
    fn warm_up(&self) -> Option<WarmUp> {
        let name = self.0;
        Some(Box::new(move || WARMED.lock().unwrap().push(name)))
    }
}

impl DocumentStage for Warm {
    fn process(&self, _doc: &mut Document) -> Result<Disposition, StageError> {
        Ok(Disposition::Keep)
    }

    fn warm_up(&self) -> Option<WarmUp> {
        Warm::warm_up(self)
    }
}

impl CorpusStage for Warm {
    type Record = ();
    type State = ();
    const FORMAT_VERSION: u32 = 1;

    fn warm_up(&self) -> Option<WarmUp> {
        Warm::warm_up(self)
    }

    fn observe(&self, _doc: &mut Document) -> Result<(), StageError> {
        Ok(())
    }

    fn prepare(&self, _records: Vec<()>) -> Result<(), StageError> {
        Ok(())
    }

    fn apply(&self, _: &(), _: usize, _: &mut Document) -> Result<Disposition, StageError> {
        Ok(Disposition::Keep)
    }
}

#[test]
fn a_run_starts_the_warm_up_of_every_stage_in_pipeline_order() {
    let dir = tempfile::tempdir().unwrap();
    write_input(dir.path(), &["one", "two"]);
    let mut registry = registry();
    registry.register(StageFactory::new::<NoConfig>("warm-corpus", "", |_, _| {
        Ok(StageInstance::corpus(Warm("corpus")))
    }));
    registry.register(StageFactory::new::<NoConfig>(
        "warm-document",
        "",
        |_, _| Ok(StageInstance::Document(Box::new(Warm("document")))),
    ));
    let stages = ["warm-corpus", "picky", "warm-document"];
    let options = RunOptions {
        progress: false,
        ..RunOptions::default()
    };
    let summary = run(
        &pipeline(dir.path(), &stages, OnError::Fail, 1),
        &registry,
        &options,
    );
    assert_eq!(summary.unwrap().written, 2);
    // Not joined by the run: the warm-ups may end after it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while WARMED.lock().unwrap().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*WARMED.lock().unwrap(), ["corpus", "document"]);
}
