//! `newspipe test` semantics: a change is caught with its test, stage, document and field, new
//! snapshots wait as `.snap.new`, and `--accept` stores them.

use std::fs;
use std::path::Path;

use newspipe_core::{
    Disposition, Document, DocumentStage, Registry, StageError, StageFactory, StageInstance,
};
use newspipe_snapshot::{run_tests, TestOptions};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ShoutConfig {
    suffix: String,
}

/// Upper-cases the text and appends a suffix; records the text length in `meta.title`.
struct Shout(ShoutConfig);

impl DocumentStage for Shout {
    fn process(&self, doc: &mut Document) -> Result<Disposition, StageError> {
        doc.text = format!("{}{}", doc.text.to_uppercase(), self.0.suffix);
        doc.meta.title = Some(format!("{} bytes", doc.text.len()));
        Ok(Disposition::Keep)
    }
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(StageFactory::new::<ShoutConfig>(
        "shout",
        "",
        |config, _| Ok(StageInstance::Document(Box::new(Shout(config)))),
    ));
    registry
}

fn setup(dir: &Path, suffix: &str) -> newspipe_config::Pipeline {
    fs::create_dir_all(dir.join("docs")).unwrap();
    fs::write(dir.join("docs/a.txt"), "alpha story").unwrap();
    fs::write(dir.join("docs/b.txt"), "beta story").unwrap();
    let yaml = format!(
        "name: t\ninput:\n  path: docs\nstages:\n  - shout: {{ suffix: \"{suffix}\" }}\ntests:\n  - name: basic\n    input: docs\n    snapshot: true\n    expect:\n      count: 2\n      contains:\n        - {{ field: text, value: STORY }}\n      not_contains:\n        - {{ field: text, value: alpha }}\n"
    );
    fs::write(dir.join("p.yaml"), &yaml).unwrap();
    newspipe_config::load(&dir.join("p.yaml"), &registry()).unwrap()
}

#[test]
fn new_then_accepted_then_changed_then_accepted_again() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = setup(dir.path(), "!");
    let snap = dir.path().join("snapshots/p__basic__01_shout.snap");
    let pending = dir.path().join("snapshots/p__basic__01_shout.snap.new");

    let first = run_tests(&pipeline, &registry(), &TestOptions::default()).unwrap();
    assert!(!first[0].passed());
    assert!(
        first[0].failures[0].contains("no stored snapshot"),
        "{:?}",
        first[0].failures
    );
    assert!(pending.exists() && !snap.exists());

    let accepted = run_tests(
        &pipeline,
        &registry(),
        &TestOptions {
            accept: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(accepted[0].passed(), "{:?}", accepted[0].failures);
    assert!(snap.exists() && !pending.exists());
    let stored = fs::read_to_string(&snap).unwrap();
    assert!(
        stored.starts_with(
            "---\nsource: p.yaml\nexpression: \"test `basic`, stage 1 `shout`\"\n---\n"
        ),
        "{stored}"
    );
    assert!(stored.contains("ALPHA STORY!"), "{stored}");

    assert!(run_tests(&pipeline, &registry(), &TestOptions::default()).unwrap()[0].passed());

    let changed = setup(dir.path(), "?");
    let outcome = &run_tests(&changed, &registry(), &TestOptions::default()).unwrap()[0];
    assert!(!outcome.passed());
    let message = &outcome.failures[0];
    assert!(
        message.contains("test `basic`, stage 1 `shout`: output differs"),
        "{message}"
    );
    assert!(message.contains("document a, field `text`"), "{message}");
    assert!(
        message.contains("-    text: ALPHA STORY!") || message.contains("-ALPHA STORY!"),
        "{message}"
    );
    assert!(
        message.contains("+ALPHA STORY?") || message.contains("+    text: ALPHA STORY?"),
        "{message}"
    );
    assert!(
        !message.contains("field `meta`"),
        "meta did not change: {message}"
    );
    assert!(pending.exists());

    assert!(run_tests(
        &changed,
        &registry(),
        &TestOptions {
            accept: true,
            ..Default::default()
        }
    )
    .unwrap()[0]
        .passed());
    assert!(run_tests(&changed, &registry(), &TestOptions::default()).unwrap()[0].passed());
    assert!(!pending.exists());
}

#[test]
fn expectations_fail_with_the_document_named() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), "");
    let yaml = fs::read_to_string(dir.path().join("p.yaml"))
        .unwrap()
        .replace("count: 2", "count: 3")
        .replace("value: alpha", "value: BETA")
        .replace("snapshot: true", "snapshot: false");
    fs::write(dir.path().join("p.yaml"), yaml).unwrap();
    let pipeline = newspipe_config::load(&dir.path().join("p.yaml"), &registry()).unwrap();
    let outcome = &run_tests(&pipeline, &registry(), &TestOptions::default()).unwrap()[0];
    assert_eq!(
        outcome.failures,
        [
            "expected 3 documents, got 2",
            "document b, field `text` contains \"BETA\""
        ]
    );
    assert!(!dir.path().join("snapshots").exists());
}
